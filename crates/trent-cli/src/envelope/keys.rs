//! Turning `--wrapping-keys`, `--caching` and `--required-encryption-context-keys` into a
//! materials manager: KMS keyrings (the first key generates, the others add copies),
//! discovery for decryption, the required-context and caching managers around them.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use trent_envelope::{
    CachingCmm, CachingLimits, DefaultCmm, DiscoveryFilter, Keyring, KmsClient, KmsDiscoveryKeyring, KmsKeyring,
    MAX_MESSAGES_LIMIT, MaterialsManager, MultiKeyring, RequiredContextCmm, SystemClock, TrentKms, is_key_arn,
};

use super::CliError;

/// What `--wrapping-keys` said (every flag occurrence merged).
#[derive(Debug, Default)]
pub(crate) struct WrappingKeys {
    pub(crate) keys: Vec<String>,
    pub(crate) grant_tokens: Vec<String>,
    pub(crate) discovery: bool,
    pub(crate) partition: Option<String>,
    pub(crate) accounts: Vec<String>,
}

/// Parses `KEY=VALUE` items of `--wrapping-keys`.
pub(crate) fn parse_wrapping_keys(items: &[String]) -> Result<WrappingKeys, CliError> {
    let mut out = WrappingKeys::default();
    for item in items {
        let (k, v) = item
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("--wrapping-keys: '{item}' is not NAME=VALUE")))?;
        match k {
            "key" => out.keys.push(v.to_owned()),
            "grant-token" => out.grant_tokens.push(v.to_owned()),
            "discovery" => out.discovery = v.eq_ignore_ascii_case("true"),
            "discovery-partition" => out.partition = Some(v.to_owned()),
            "discovery-account" => out.accounts.push(v.to_owned()),
            "provider" if v == "aws-kms" => {}
            _ => return Err(CliError::Usage(format!("--wrapping-keys: unknown attribute '{k}'"))),
        }
    }
    Ok(out)
}

/// The `--caching` settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caching {
    pub(crate) limits: CachingLimits,
    pub(crate) capacity: usize,
}

/// Parses `max_age=SECONDS,max_messages=N,max_bytes=N,capacity=N` (max_age required).
pub(crate) fn parse_caching(spec: &str) -> Result<Caching, CliError> {
    let mut max_age = None;
    let mut limits = CachingLimits::with_max_age(Duration::from_secs(1));
    let mut capacity = 64;
    for item in spec.split([',', ' ']).filter(|s| !s.is_empty()) {
        let (k, v) =
            item.split_once('=').ok_or_else(|| CliError::Usage(format!("--caching: '{item}' is not NAME=VALUE")))?;
        let bad = || CliError::Usage(format!("--caching: bad value for {k}: {v}"));
        match k {
            "max_age" => {
                let secs: f64 = v.parse().map_err(|_| bad())?;
                if !(secs > 0.0 && secs.is_finite()) {
                    return Err(bad());
                }
                max_age = Some(Duration::from_secs_f64(secs));
            }
            "max_messages" => {
                limits.max_messages = v.parse().ok().filter(|n| (1..=MAX_MESSAGES_LIMIT).contains(n)).ok_or_else(bad)?
            }
            "max_bytes" => limits.max_bytes = v.parse().map_err(|_| bad())?,
            "capacity" => capacity = v.parse().ok().filter(|n| *n > 0).ok_or_else(bad)?,
            _ => return Err(CliError::Usage(format!("--caching: unknown setting '{k}'"))),
        }
    }
    limits.max_age = max_age.ok_or_else(|| CliError::Usage("--caching needs max_age=SECONDS".into()))?;
    Ok(Caching { limits, capacity })
}

/// The key ARN of `id` (an ARN is kept; an alias or key id is asked of KMS).
fn resolve_arn(kms: &TrentKms, id: &str) -> Result<String, CliError> {
    if is_key_arn(id) {
        return Ok(id.to_owned());
    }
    let v = kms.call("DescribeKey", json!({ "KeyId": id })).map_err(CliError::Kms)?;
    v["KeyMetadata"]["Arn"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| CliError::Usage(format!("DescribeKey {id}: no ARN")))
}

/// The materials manager for encryption (`decrypt = false`) or decryption.
pub(crate) fn materials_manager(
    kms: Arc<TrentKms>,
    wrapping: &WrappingKeys,
    decrypt: bool,
    required_keys: &[String],
    caching: Option<Caching>,
) -> Result<Arc<dyn MaterialsManager>, CliError> {
    let client: Arc<dyn KmsClient> = kms.clone();
    let mut keyrings: Vec<Arc<dyn Keyring>> = Vec::new();
    for key in &wrapping.keys {
        let id = if decrypt { resolve_arn(&kms, key)? } else { key.clone() };
        keyrings.push(Arc::new(
            KmsKeyring::new(client.clone(), &id, wrapping.grant_tokens.clone()).map_err(CliError::Envelope)?,
        ));
    }
    if wrapping.discovery {
        if !decrypt {
            return Err(CliError::Usage("discovery=true is for decryption; encryption needs key=".into()));
        }
        let filter = match (&wrapping.partition, wrapping.accounts.is_empty()) {
            (None, true) => None,
            (Some(p), false) => Some(DiscoveryFilter { partition: p.clone(), accounts: wrapping.accounts.clone() }),
            _ => {
                return Err(CliError::Usage(
                    "a discovery filter needs discovery-partition= and discovery-account=".into(),
                ));
            }
        };
        keyrings.push(Arc::new(KmsDiscoveryKeyring::new(client, filter, wrapping.grant_tokens.clone())));
    }
    if keyrings.is_empty() {
        return Err(CliError::Usage("--wrapping-keys needs key=ARN|alias (or discovery=true to decrypt)".into()));
    }
    let keyring: Arc<dyn Keyring> = if keyrings.len() == 1 {
        keyrings.remove(0)
    } else {
        let generator = keyrings.remove(0);
        Arc::new(MultiKeyring::new(Some(generator), keyrings).map_err(CliError::Envelope)?)
    };
    let mut cmm: Arc<dyn MaterialsManager> = Arc::new(DefaultCmm::new(keyring));
    if let Some(c) = caching {
        cmm = Arc::new(
            CachingCmm::new(cmm, c.capacity, c.limits, Arc::new(SystemClock::default())).map_err(CliError::Envelope)?,
        );
    }
    if !required_keys.is_empty() {
        cmm = Arc::new(RequiredContextCmm::new(cmm, required_keys.to_vec()));
    }
    Ok(cmm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wrapping_keys_and_caching() {
        let w = parse_wrapping_keys(&[
            "key=alias/a".into(),
            "key=arn:aws:kms:us-east-1:1:key/x".into(),
            "grant-token=g".into(),
        ])
        .unwrap();
        assert_eq!(w.keys.len(), 2);
        assert_eq!(w.grant_tokens, ["g"]);
        assert!(parse_wrapping_keys(&["nonsense".into()]).is_err());
        let c = parse_caching("max_age=1.5,max_messages=10,capacity=3").unwrap();
        assert_eq!(c.limits.max_age, Duration::from_millis(1500));
        assert_eq!((c.limits.max_messages, c.capacity), (10, 3));
        assert!(parse_caching("max_messages=10").is_err());
        assert!(parse_caching("max_age=0").is_err());
        assert!(parse_caching("max_age=1,max_messages=0").is_err());
    }
}
