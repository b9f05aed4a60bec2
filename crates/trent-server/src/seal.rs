//! Seals: where the root key comes from.
//!
//! The embedded default is a key file: 32 random bytes, hex-encoded, created with mode 0600
//! on first start. Other seals (passphrase, Shamir shares, PKCS#11, auto-unseal) implement the
//! same shape: produce a [`RootKey`] or fail with a clear message.

use std::io::Write;
use std::path::{Path, PathBuf};

use trent_crypto::{KeyMaterial, ROOT_KEY_LEN, RootKey};
use zeroize::Zeroizing;

mod kms;
mod passphrase;
mod pkcs11;
mod prompt;
mod rekey;
mod shamir;

pub use kms::{
    KMS_FILE, KmsCredentials, KmsSeal, RawKmsSeal, kms_path, open_kms_file, release_kms_file, write_kms_file,
};
pub use passphrase::{
    MAX_PASSPHRASE_LEN, MIN_PASSPHRASE_LEN, PassphraseKek, PassphraseSource, SEALED_FILE, open_sealed_file,
    open_sealed_file_keeping, release_sealed_file, sealed_path, write_sealed_file,
};
pub use pkcs11::{
    PKCS11_FILE, Pkcs11Seal, RawPkcs11Seal, open_pkcs11_file, pkcs11_path, release_pkcs11_file, write_pkcs11_file,
};
pub use prompt::{TTY, read_secret_line};
pub use rekey::{
    FileKind, KmsKind, PassphraseKind, Pkcs11Kind, REKEY_JOURNAL, Rekeyed, SealKind, ShamirKind, rekey, settle,
};
pub use shamir::{
    Initialised, Progress, SHAMIR_FILE, ShamirSeal, ShareError, Unsealing, init as init_shamir, shamir_path, split_into,
};

/// The key file's name in the data directory (the `file` seal).
pub const KEY_FILE: &str = "root.key";

/// Which seal releases the root key: `[seal]` in `trent.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SealSettings {
    /// `root.key` in the data directory, in clear (mode 0600).
    #[default]
    File,
    /// `root.sealed`: the root key wrapped under an Argon2id-derived key.
    Passphrase(PassphraseSource),
    /// `root.shamir`: the server starts sealed until `k` of `n` shares are given.
    Shamir,
    /// `root.pkcs11`: the root key wrapped by a non-extractable key in a PKCS#11 token.
    Pkcs11(Pkcs11Seal),
    /// `root.kms`: the root key wrapped by another KMS's key (auto-unseal through its `Decrypt`).
    Kms(KmsSeal),
}

impl SealSettings {
    /// The seal's name in `trent.toml`.
    pub fn name(&self) -> &'static str {
        match self {
            SealSettings::File => "file",
            SealSettings::Passphrase(_) => "passphrase",
            SealSettings::Shamir => "shamir",
            SealSettings::Pkcs11(_) => "pkcs11",
            SealSettings::Kms(_) => "kms",
        }
    }
}

/// Each seal's file in the data directory and the seal's name; a data directory holds one.
pub const SEAL_FILES: &[(&str, &str)] = &[
    (KEY_FILE, "file"),
    (SEALED_FILE, "passphrase"),
    (SHAMIR_FILE, "shamir"),
    (PKCS11_FILE, "pkcs11"),
    (KMS_FILE, "kms"),
];

/// Which seal's file `dir` holds, if any: `(path, seal name)`.
pub fn seal_in(dir: &Path) -> Option<(PathBuf, &'static str)> {
    SEAL_FILES
        .iter()
        .map(|&(file, seal)| (dir.join(file), seal))
        .find(|(path, _)| std::fs::symlink_metadata(path).is_ok())
}

/// Why the root key could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key file could not be read or written.
    #[error("root key file {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The key file does not hold 64 hex digits.
    #[error("root key file {0} is not 64 hexadecimal digits")]
    Malformed(PathBuf),
    /// The key file is readable by others than its owner.
    #[error("root key file {0} must not be accessible to group or others (chmod 600)")]
    Permissions(PathBuf),
    /// The passphrase could not be obtained or is unacceptable.
    #[error("passphrase seal: {0}")]
    Passphrase(String),
    /// The Shamir seal cannot be set up as asked.
    #[error("shamir seal: {0}")]
    Shamir(String),
    /// The PKCS#11 token did not release the root key.
    #[error("pkcs11 seal: {0}")]
    Pkcs11(String),
    /// The `kms` seal's settings or credentials are unusable.
    #[error("kms seal: {0}")]
    Kms(String),
    /// The remote KMS could not be reached or refused to unwrap the root key: the server
    /// starts sealed and tries again.
    #[error("kms seal: {0}; the server stays sealed")]
    KmsUnavailable(String),
    /// The passphrase does not open the sealed root key.
    #[error("passphrase seal: the passphrase does not open {0}; the server stays sealed")]
    WrongPassphrase(PathBuf),
    /// The data directory was sealed with another seal than the configured one.
    #[error(
        "the data directory holds {found} (the {found_seal} seal) but [seal] type is {configured}; set [seal] type \
         = \"{found_seal}\", or move the root key to the {configured} seal with `trent operator rekey --to \
         {configured}` while the server is stopped"
    )]
    OtherSeal {
        /// The file found.
        found: PathBuf,
        /// The seal that file belongs to.
        found_seal: &'static str,
        /// The configured seal.
        configured: &'static str,
    },
}

/// Loads the root key from `path`, creating it (mode 0600) if it does not exist.
/// Returns the key and whether it was created now.
///
/// # Errors
/// [`SealError`] if the file cannot be created or read, is malformed, or is group/world accessible.
pub fn open_key_file(path: &Path) -> Result<(RootKey, bool), SealError> {
    release_or_create(path, read_key_file(path), |raw| write_key_file(path, raw))
}

/// What every seal does at start: the root key `released` from the seal's file `path`, or,
/// when that file does not exist (a first start), a new random root key sealed by `create`.
/// Returns the key, locked in memory, and whether it was created now.
pub(crate) fn release_or_create(
    path: &Path,
    released: Result<KeyMaterial, SealError>,
    create: impl FnOnce(&KeyMaterial) -> Result<(), SealError>,
) -> Result<(RootKey, bool), SealError> {
    let (raw, created) = match released {
        Ok(raw) => (raw, false),
        Err(SealError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            let (_, raw) = RootKey::generate().map_err(|_| SealError::Io {
                path: path.to_owned(),
                source: std::io::Error::other("random generator failed"),
            })?;
            create(&raw)?;
            (raw, true)
        }
        Err(e) => return Err(e),
    };
    let key = RootKey::from_bytes_locked(raw.expose_secret()).map_err(|_| SealError::Malformed(path.to_owned()))?;
    Ok((key, created))
}

/// Reads the raw root key from the key file `path` (the `file` seal).
///
/// # Errors
/// [`SealError::Io`] (`NotFound` when it does not exist), [`SealError::Malformed`],
/// [`SealError::Permissions`].
pub fn read_key_file(path: &Path) -> Result<KeyMaterial, SealError> {
    let text = std::fs::read_to_string(path).map_err(|source| SealError::Io { path: path.to_owned(), source })?;
    check_permissions(path)?;
    let text = Zeroizing::new(text);
    let hex = text.trim();
    if hex.len() != ROOT_KEY_LEN * 2 {
        return Err(SealError::Malformed(path.to_owned()));
    }
    let mut raw = Zeroizing::new([0u8; ROOT_KEY_LEN]);
    for (i, byte) in raw.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).map_err(|_| SealError::Malformed(path.to_owned()))?;
    }
    Ok(KeyMaterial::from_slice(&raw[..]))
}

/// Writes `raw` as a new key file at `path` (mode 0600, synced); fails if it exists.
///
/// # Errors
/// [`SealError::Io`].
pub fn write_key_file(path: &Path, raw: &KeyMaterial) -> Result<(), SealError> {
    let io = |source| SealError::Io { path: path.to_owned(), source };
    let mut hex = Zeroizing::new(String::with_capacity(ROOT_KEY_LEN * 2 + 1));
    for b in raw.expose_secret() {
        hex.push_str(&format!("{b:02x}"));
    }
    hex.push('\n');
    let mut file = create_private(path).map_err(io)?;
    file.write_all(hex.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

/// Creates a new file readable and writable by its owner only; fails if it exists.
pub(crate) fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The text of an owner-only seal file: [`SealError::Io`] (`NotFound` when it does not
/// exist, as `release_or_create` expects of a first start), [`SealError::Permissions`].
pub(crate) fn read_seal_file(path: &Path) -> Result<Zeroizing<String>, SealError> {
    let text = std::fs::read_to_string(path).map_err(|source| SealError::Io { path: path.to_owned(), source })?;
    check_permissions(path)?;
    Ok(Zeroizing::new(text))
}

/// Writes `bytes` to a new owner-only file and syncs it; fails if `path` exists.
pub(crate) fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = create_private(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

pub(crate) fn check_permissions(path: &Path) -> Result<(), SealError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|source| SealError::Io { path: path.to_owned(), source })?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(SealError::Permissions(path.to_owned()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_created_private_and_reopens_to_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        let (a, created) = open_key_file(&path).unwrap();
        assert!(created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let (b, created) = open_key_file(&path).unwrap();
        assert!(!created);
        assert_eq!(a.check_value(), b.check_value());
    }

    #[test]
    fn malformed_or_exposed_key_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        let mut f = create_private(&path).unwrap();
        f.write_all(b"not hex\n").unwrap();
        assert!(matches!(open_key_file(&path), Err(SealError::Malformed(_))));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::write(&path, "00".repeat(32)).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(open_key_file(&path), Err(SealError::Permissions(_))));
        }
    }
}
