//! The `kms` seal: auto-unseal through another KMS endpoint (AWS KMS, or another Trent) with
//! that endpoint's credentials. At the first start a new root key is sent to the remote key's
//! `Encrypt` (with an encryption context naming its purpose) and `root.kms` is written beside
//! the database: the ciphertext blob and the key's id, no secret in clear. At every start the
//! remote `Decrypt` gives the root key back. Without the remote key's `Decrypt` permission
//! the data directory gives nothing but ciphertext.
//!
//! A remote KMS that cannot be reached, or refuses (a disabled or deleted key, denied access),
//! is not a configuration error: the server starts **sealed** and tries again every
//! `retry_seconds` (see `gate`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use trent_client::{ClientError, ClientOptions, Credentials, KmsClient, RetryPolicy};
use trent_crypto::{KeyMaterial, ROOT_KEY_LEN, RootKey};

use super::{SealError, write_new_private};

/// The seal's file in the data directory.
pub const KMS_FILE: &str = "root.kms";
/// The encryption context every call carries: the root key of a Trent data directory.
const CONTEXT: (&str, &str) = ("trent:seal", "root-key/v1");
/// The longest a remote call may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// The default pause between two attempts while sealed.
const DEFAULT_RETRY_SECONDS: u64 = 30;
/// The longest `key_id` (an alias, a key id or an ARN) AWS accepts.
const MAX_KEY_ID: usize = 2048;

/// `[seal.kms]` in `trent.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKmsSeal {
    /// `endpoint`: the remote KMS (`https://…`, or `http://` to loopback).
    pub endpoint: Option<String>,
    /// `region`: the region requests are signed for.
    pub region: Option<String>,
    /// `key_id`: the remote symmetric key (id, ARN or alias).
    pub key_id: Option<String>,
    /// `credentials_file`: an AWS shared-credentials file (default: the environment's
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, unless `profile` is given).
    pub credentials_file: Option<PathBuf>,
    /// `profile`: the profile in the credentials file (default `default`).
    pub profile: Option<String>,
    /// `ca_bundle`: PEM certificates to trust for the endpoint instead of the system's roots.
    pub ca_bundle: Option<PathBuf>,
    /// `retry_seconds`: the pause between attempts while the remote KMS does not answer.
    pub retry_seconds: Option<u64>,
}

/// Where the remote KMS's credentials come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KmsCredentials {
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`).
    Environment,
    /// A profile of a shared-credentials file (`~/.aws/credentials` when no file is named).
    Profile {
        /// The file, if named.
        file: Option<PathBuf>,
        /// The profile.
        profile: String,
    },
}

/// The validated `[seal.kms]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmsSeal {
    /// The remote endpoint.
    pub endpoint: String,
    /// The signing region.
    pub region: String,
    /// The remote key.
    pub key_id: String,
    /// The credentials.
    pub credentials: KmsCredentials,
    /// Certificates to trust, if not the system's.
    pub ca_bundle: Option<PathBuf>,
    /// The pause between attempts while sealed.
    pub retry: Duration,
}

impl RawKmsSeal {
    /// Checks the settings: an endpoint, a region, a key id; the credentials' source.
    ///
    /// # Errors
    /// `(field, message)` for the first setting that is missing or wrong.
    pub fn validate(self) -> Result<KmsSeal, (&'static str, String)> {
        let endpoint = match self.endpoint {
            Some(e) if e.starts_with("https://") || e.starts_with("http://") => e,
            Some(_) => return Err(("seal.kms.endpoint", "must be an https:// URL (or http:// to loopback)".into())),
            None => return Err(("seal.kms.endpoint", "the kms seal needs endpoint, the remote KMS's URL".into())),
        };
        let region = match self.region {
            Some(r) if !r.is_empty() && r.len() <= 64 && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => r,
            Some(_) => return Err(("seal.kms.region", "must be a region name such as us-east-1".into())),
            None => return Err(("seal.kms.region", "the kms seal needs region".into())),
        };
        let key_id = match self.key_id {
            Some(k) if !k.is_empty() && k.len() <= MAX_KEY_ID && !k.chars().any(char::is_control) => k,
            Some(_) => return Err(("seal.kms.key_id", format!("must be 1 to {MAX_KEY_ID} printable characters"))),
            None => return Err(("seal.kms.key_id", "the kms seal needs key_id, the remote key".into())),
        };
        let credentials = match (self.credentials_file, self.profile) {
            (None, None) => KmsCredentials::Environment,
            (file, profile) => {
                let profile = profile.unwrap_or_else(|| "default".into());
                if profile.is_empty() || profile.len() > 64 {
                    return Err(("seal.kms.profile", "must be 1 to 64 characters".into()));
                }
                KmsCredentials::Profile { file, profile }
            }
        };
        let retry = match self.retry_seconds.unwrap_or(DEFAULT_RETRY_SECONDS) {
            s @ 1..=3600 => Duration::from_secs(s),
            _ => return Err(("seal.kms.retry_seconds", "must be 1 to 3600".into())),
        };
        Ok(KmsSeal { endpoint, region, key_id, credentials, ca_bundle: self.ca_bundle, retry })
    }
}

/// `root.kms`: which remote key wraps the root key, and the ciphertext blob.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SealedFile {
    version: u32,
    seal: String,
    endpoint: String,
    key_id: String,
    ciphertext_blob: String,
}

/// The path of `root.kms` in `data_dir`.
pub fn kms_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KMS_FILE)
}

impl KmsSeal {
    fn credentials(&self) -> Result<Credentials, SealError> {
        match &self.credentials {
            KmsCredentials::Environment => {
                let id = std::env::var("AWS_ACCESS_KEY_ID").ok().filter(|v| !v.is_empty());
                let secret = std::env::var("AWS_SECRET_ACCESS_KEY").ok().filter(|v| !v.is_empty());
                let (Some(id), Some(secret)) = (id, secret) else {
                    return Err(SealError::Kms(
                        "no credentials for the remote KMS: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or \
                         [seal.kms] credentials_file / profile"
                            .into(),
                    ));
                };
                let mut credentials = Credentials::new(&id, zeroize::Zeroizing::new(secret).as_bytes());
                credentials.session_token = std::env::var("AWS_SESSION_TOKEN").ok().filter(|v| !v.is_empty());
                Ok(credentials)
            }
            KmsCredentials::Profile { file, profile } => {
                let path = match file {
                    Some(f) => f.clone(),
                    None => match std::env::var_os("AWS_SHARED_CREDENTIALS_FILE") {
                        Some(f) => PathBuf::from(f),
                        None => std::env::var_os("HOME")
                            .map(|h| PathBuf::from(h).join(".aws").join("credentials"))
                            .ok_or_else(|| {
                                SealError::Kms("HOME is not set: name [seal.kms] credentials_file".into())
                            })?,
                    },
                };
                trent_client::from_file(&path, profile).map_err(SealError::Kms)
            }
        }
    }

    fn client(&self) -> Result<KmsClient, SealError> {
        // Each attempt is one call: a sealed server tries again after `retry_seconds`.
        let options = ClientOptions {
            retry: RetryPolicy::none(),
            attempt_timeout: ATTEMPT_TIMEOUT,
            ca_bundle: self.ca_bundle.clone(),
            ..ClientOptions::default()
        };
        KmsClient::new(&self.endpoint, self.credentials()?, &self.region, options)
            .map_err(|e| SealError::Kms(format!("[seal.kms] {e}")))
    }

    fn unavailable(&self, e: &ClientError) -> SealError {
        let why = match e {
            ClientError::Transport { source, .. } => format!("cannot reach {} ({source})", self.endpoint),
            other => format!("{} answered {other}", self.endpoint),
        };
        SealError::KmsUnavailable(format!("the remote key {} did not unwrap the root key: {why}", self.key_id))
    }
}

fn context() -> BTreeMap<String, String> {
    BTreeMap::from([(CONTEXT.0.to_owned(), CONTEXT.1.to_owned())])
}

/// Runs `call` on a thread of its own with a runtime of its own, so that the seal can be
/// opened from synchronous code, inside or outside a runtime.
fn blocking<T: Send>(call: impl Future<Output = T> + Send) -> Result<T, SealError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map(|rt| rt.block_on(call))
                    .map_err(|e| SealError::Kms(format!("cannot start the remote KMS client: {e}")))
            })
            .join()
            .unwrap_or_else(|_| Err(SealError::Kms("the remote KMS client panicked".into())))
    })
}

/// Opens `path` through the remote `Decrypt`, or, when it does not exist, makes a new root key,
/// wraps it with the remote `Encrypt` and writes `path`. Returns the root key and whether it
/// was created now.
///
/// # Errors
/// As [`release_kms_file`] and [`write_kms_file`].
pub fn open_kms_file(path: &Path, settings: &KmsSeal) -> Result<(RootKey, bool), SealError> {
    super::release_or_create(path, release_kms_file(path, settings), |raw| write_kms_file(path, raw, settings))
}

/// Releases the raw root key from `root.kms` at `path` through the remote `Decrypt`.
///
/// # Errors
/// [`SealError::Io`] (`NotFound` when it does not exist), [`SealError::Malformed`],
/// [`SealError::Permissions`], [`SealError::Kms`] for the settings and
/// [`SealError::KmsUnavailable`] when the remote KMS does not answer or refuses.
pub fn release_kms_file(path: &Path, settings: &KmsSeal) -> Result<KeyMaterial, SealError> {
    let text = super::read_seal_file(path)?;
    let malformed = || SealError::Malformed(path.to_owned());
    let file: SealedFile = serde_json::from_str(&text).map_err(|_| malformed())?;
    if file.version != 1 || file.seal != "kms" {
        return Err(malformed());
    }
    let blob = STANDARD.decode(&file.ciphertext_blob).map_err(|_| malformed())?;
    let client = settings.client()?;
    let decrypted = blocking(async { client.decrypt(Some(&settings.key_id), &blob, &context(), &[]).await })?
        .map_err(|e| settings.unavailable(&e))?;
    let raw = decrypted.plaintext.expose_secret();
    if raw.len() != ROOT_KEY_LEN {
        return Err(malformed());
    }
    Ok(KeyMaterial::from_slice(raw))
}

/// Wraps `raw` with the remote key's `Encrypt`, checks that `Decrypt` gives it back, and writes
/// the new file `path` (mode 0600, synced).
///
/// # Errors
/// [`SealError::Kms`], [`SealError::KmsUnavailable`], [`SealError::Io`].
pub fn write_kms_file(path: &Path, raw: &KeyMaterial, settings: &KmsSeal) -> Result<(), SealError> {
    let io = |source| SealError::Io { path: path.to_owned(), source };
    let client = settings.client()?;
    let (wrapped, back) = blocking(async {
        let wrapped = client.encrypt(&settings.key_id, raw.expose_secret(), &context(), &[]).await?;
        let back = client.decrypt(Some(&settings.key_id), &wrapped.ciphertext, &context(), &[]).await?;
        Ok::<_, ClientError>((wrapped, back))
    })?
    .map_err(|e| settings.unavailable(&e))?;
    if !trent_crypto::constant_time_eq(back.plaintext.expose_secret(), raw.expose_secret()) {
        return Err(SealError::Kms(format!("{} did not give back what it encrypted", settings.endpoint)));
    }
    let file = SealedFile {
        version: 1,
        seal: "kms".into(),
        endpoint: settings.endpoint.clone(),
        key_id: wrapped.key_id,
        ciphertext_blob: STANDARD.encode(&wrapped.ciphertext),
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| io(std::io::Error::other(e)))? + "\n";
    write_new_private(path, text.as_bytes()).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> RawKmsSeal {
        RawKmsSeal {
            endpoint: Some("https://kms.us-east-1.amazonaws.com".into()),
            region: Some("us-east-1".into()),
            key_id: Some("alias/trent-root".into()),
            ..RawKmsSeal::default()
        }
    }

    #[test]
    fn settings_name_an_endpoint_a_region_a_key_and_a_credentials_source() {
        let s = full().validate().unwrap();
        assert_eq!(s.credentials, KmsCredentials::Environment);
        assert_eq!(s.retry, Duration::from_secs(DEFAULT_RETRY_SECONDS));
        let s = RawKmsSeal { profile: Some("ops".into()), ..full() }.validate().unwrap();
        assert_eq!(s.credentials, KmsCredentials::Profile { file: None, profile: "ops".into() });
        let s = RawKmsSeal { credentials_file: Some("/c".into()), ..full() }.validate().unwrap();
        assert_eq!(s.credentials, KmsCredentials::Profile { file: Some("/c".into()), profile: "default".into() });
        for (raw, field) in [
            (RawKmsSeal { endpoint: None, ..full() }, "seal.kms.endpoint"),
            (RawKmsSeal { endpoint: Some("kms.example".into()), ..full() }, "seal.kms.endpoint"),
            (RawKmsSeal { region: None, ..full() }, "seal.kms.region"),
            (RawKmsSeal { region: Some("us east".into()), ..full() }, "seal.kms.region"),
            (RawKmsSeal { key_id: None, ..full() }, "seal.kms.key_id"),
            (RawKmsSeal { key_id: Some(String::new()), ..full() }, "seal.kms.key_id"),
            (RawKmsSeal { key_id: Some("k".repeat(MAX_KEY_ID + 1)), ..full() }, "seal.kms.key_id"),
            (RawKmsSeal { profile: Some(String::new()), ..full() }, "seal.kms.profile"),
            (RawKmsSeal { retry_seconds: Some(0), ..full() }, "seal.kms.retry_seconds"),
        ] {
            assert_eq!(raw.validate().unwrap_err().0, field);
        }
    }
}
