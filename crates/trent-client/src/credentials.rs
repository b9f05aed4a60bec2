//! Credentials and finding them the way the AWS CLI does, with Trent's data directory
//! first: environment variables, then the shared-credentials file (`--credentials-file`,
//! `AWS_SHARED_CREDENTIALS_FILE`, `./trent-data/credentials`, `~/.aws/credentials`).
//! The secret is a zeroizing `SecretBytes` that never prints.

use std::path::{Path, PathBuf};

use trent_crypto::SecretBytes;

/// An access key pair (and a session token for temporary credentials).
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The access key id (not secret).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretBytes,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
}

impl Credentials {
    /// A long-term key pair.
    pub fn new(access_key_id: &str, secret_access_key: &[u8]) -> Self {
        Self {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: SecretBytes::from_slice(secret_access_key),
            session_token: None,
        }
    }
}

/// Reads the `[profile]` section of an AWS shared-credentials file.
///
/// # Errors
/// A message naming the file when it cannot be read or lacks the profile's keys.
pub fn from_file(path: &Path, profile: &str) -> Result<Credentials, String> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| format!("cannot read credentials file {}: {e}", path.display()))?,
    );
    let mut in_profile = false;
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_profile = name.trim() == profile;
            continue;
        }
        if !in_profile {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            match k.trim() {
                "aws_access_key_id" => id = Some(v.trim().to_owned()),
                "aws_secret_access_key" => secret = Some(SecretBytes::from_slice(v.trim().as_bytes())),
                "aws_session_token" => token = Some(v.trim().to_owned()),
                _ => {}
            }
        }
    }
    match (id, secret) {
        (Some(access_key_id), Some(secret_access_key)) => {
            Ok(Credentials { access_key_id, secret_access_key, session_token: token })
        }
        _ => Err(format!("profile [{profile}] in {} has no aws_access_key_id/aws_secret_access_key", path.display())),
    }
}

/// The credentials file to use when none is named: Trent's data directory if it has one,
/// else the AWS default.
pub fn default_file(data_dir: &Path, home: Option<PathBuf>) -> Option<PathBuf> {
    let local = data_dir.join("credentials");
    if local.exists() {
        return Some(local);
    }
    home.map(|h| h.join(".aws").join("credentials")).filter(|p| p.exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_profile_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("credentials");
        std::fs::write(
            &p,
            "# comment\n[default]\naws_access_key_id = A\naws_secret_access_key = a\n\n[trent]\naws_access_key_id=B\naws_secret_access_key = b/c+d\n",
        )
        .unwrap();
        let c = from_file(&p, "trent").unwrap();
        assert_eq!(c.access_key_id, "B");
        assert_eq!(c.secret_access_key.expose_secret(), b"b/c+d");
        assert!(from_file(&p, "missing").is_err());
    }
}
