//! `SecretId` as the caller gives it: a name, a full ARN (`…:secret:NAME-AbCdEf`) or a partial
//! ARN (`…:secret:NAME`, without the random suffix), and the ARN suffix itself.

use crate::identity::Caller;
use crate::ids::{AccountId, Arn, Region, Scope};

/// Characters of the random ARN suffix.
pub(crate) const SUFFIX_LEN: usize = 6;
const SUFFIX_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Where a `SecretId` points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SecretRef {
    /// The scope the secret lives in.
    pub(crate) scope: Scope,
    /// Names to try, in order, each with the suffix it must have (`None`: any).
    pub(crate) candidates: Vec<(String, Option<String>)>,
    /// Whether the id was an ARN (a secret of another account is reachable only that way).
    pub(crate) by_arn: bool,
}

/// Parses a `SecretId` for `caller`; `None` if it is an ARN that cannot name a secret in the
/// caller's region.
pub(crate) fn parse(caller: &Caller, id: &str) -> Option<SecretRef> {
    if !id.starts_with("arn:") {
        return Some(SecretRef { scope: caller.scope(), candidates: vec![(id.to_owned(), None)], by_arn: false });
    }
    let arn = Arn::parse(id)?;
    if arn.service != "secretsmanager" || arn.partition != caller.region.partition() {
        return None;
    }
    let region = Region::parse(arn.region).ok()?;
    if region != caller.region {
        return None;
    }
    let account = AccountId::parse(arn.account).ok()?;
    let rest = arn.resource.strip_prefix("secret:")?;
    if rest.is_empty() {
        return None;
    }
    let mut candidates = Vec::with_capacity(2);
    if let Some((name, suffix)) = split_suffix(rest) {
        candidates.push((name.to_owned(), Some(suffix.to_owned())));
    }
    candidates.push((rest.to_owned(), None));
    Some(SecretRef { scope: Scope::new(account, region), candidates, by_arn: true })
}

/// `NAME-AbCdEf` split into name and suffix, if it ends like a full ARN.
fn split_suffix(rest: &str) -> Option<(&str, &str)> {
    let cut = rest.len().checked_sub(SUFFIX_LEN + 1)?;
    if cut == 0 || !rest.is_char_boundary(cut) {
        return None;
    }
    let (name, tail) = rest.split_at(cut);
    let suffix = tail.strip_prefix('-')?;
    suffix.bytes().all(|b| b.is_ascii_alphanumeric()).then_some((name, suffix))
}

/// A fresh random ARN suffix from the system CSPRNG.
pub(crate) fn new_suffix() -> Result<String, trent_crypto::CryptoError> {
    let bytes: [u8; SUFFIX_LEN] = trent_crypto::random_array()?;
    Ok(bytes.iter().map(|b| SUFFIX_ALPHABET[usize::from(*b) % SUFFIX_ALPHABET.len()] as char).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_arns_split_their_suffix_and_keep_the_partial_reading() {
        assert_eq!(split_suffix("db/prod-AbC123"), Some(("db/prod", "AbC123")));
        assert_eq!(split_suffix("-AbC123"), None, "a name cannot be empty");
        assert_eq!(split_suffix("prod_AbC123"), None);
        assert_eq!(split_suffix("prod-AbC-23"), None);
        assert_eq!(split_suffix("short"), None);
    }

    #[test]
    fn suffixes_are_six_alphanumerics() {
        let s = new_suffix().unwrap();
        assert_eq!(s.len(), SUFFIX_LEN);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
}
