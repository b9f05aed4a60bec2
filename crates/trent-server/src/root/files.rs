//! The seal's file of the next root key during a rotation: `<seal file>.rotate` beside the
//! seal's own file, written by the configured seal before the first value is wrapped again,
//! renamed over the seal's file once the database has made the new root its own.
//!
//! A start that finds the database's check value matching neither the seal's file nor a
//! pending `.rotate` file refuses to start; one whose pending file holds the database's root
//! renames it into place (the crash fell between the database's commit and the rename).

use std::path::{Path, PathBuf};

use trent_crypto::{KeyMaterial, RootKey};

use crate::seal::{FileKind, KmsKind, PassphraseKind, PassphraseSource, Pkcs11Kind, SealError, SealKind, SealSettings};

/// The suffix of the next root key's seal file.
pub const PENDING_SUFFIX: &str = ".rotate";

/// Why the configured seal cannot seal a new root key while the server runs.
#[derive(Debug, thiserror::Error)]
pub enum Unsealable {
    /// The Shamir seal would need new shares handed to every share holder.
    #[error(
        "rotate-root is not available with the shamir seal: new shares would have to be handed out while the \
         server runs; move to another seal with `trent operator rekey`, rotate, and move back"
    )]
    Shamir,
    /// A passphrase read from a prompt or a file descriptor cannot be read again.
    #[error(
        "rotate-root with the passphrase seal needs the passphrase again: give it through an environment variable \
         ([seal] passphrase_env), not a prompt or a file descriptor"
    )]
    PassphraseNotRereadable,
}

/// The `.rotate` file of the seal file `seal_file`.
pub fn pending_path(seal_file: &Path) -> PathBuf {
    let mut name = seal_file.as_os_str().to_owned();
    name.push(PENDING_SUFFIX);
    PathBuf::from(name)
}

/// The configured seal as something that seals and releases a root key on its own.
pub(crate) fn seal_kind(settings: &SealSettings) -> Result<Box<dyn SealKind + Send>, Unsealable> {
    match settings {
        SealSettings::File => Ok(Box::new(FileKind)),
        SealSettings::Passphrase(source @ PassphraseSource::Env(_)) => Ok(Box::new(PassphraseKind(source.clone()))),
        SealSettings::Passphrase(_) => Err(Unsealable::PassphraseNotRereadable),
        SealSettings::Pkcs11(settings) => Ok(Box::new(Pkcs11Kind(settings.clone()))),
        SealSettings::Kms(settings) => Ok(Box::new(KmsKind(settings.clone()))),
        SealSettings::Shamir => Err(Unsealable::Shamir),
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> SealError + '_ {
    move |source| SealError::Io { path: path.to_owned(), source }
}

fn sync_parent(path: &Path) -> Result<(), SealError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

/// Removes the pending file of `seal_file`, if there is one.
///
/// # Errors
/// [`SealError::Io`].
pub(crate) fn remove_pending(seal_file: &Path) -> Result<(), SealError> {
    let pending = pending_path(seal_file);
    match std::fs::remove_file(&pending) {
        Ok(()) => sync_parent(&pending),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(&pending)(e)),
    }
}

/// Seals `raw` with `kind` into the pending file of `seal_file` (replacing one left over), synced.
///
/// # Errors
/// [`SealError`] from the seal or the file system; no pending file is left then.
pub(crate) fn seal_pending(kind: &mut dyn SealKind, seal_file: &Path, raw: &KeyMaterial) -> Result<(), SealError> {
    remove_pending(seal_file)?;
    let pending = pending_path(seal_file);
    if let Err(e) = kind.seal(raw, &pending) {
        let _ = std::fs::remove_file(&pending);
        return Err(e);
    }
    sync_parent(&pending)
}

/// The root key in the pending file of `seal_file`, if there is one.
///
/// # Errors
/// [`SealError`] when the file exists but the seal does not open it.
pub(crate) fn release_pending(kind: &mut dyn SealKind, seal_file: &Path) -> Result<Option<RootKey>, SealError> {
    let pending = pending_path(seal_file);
    if std::fs::symlink_metadata(&pending).is_err() {
        return Ok(None);
    }
    let raw = kind.release(&pending)?;
    RootKey::from_bytes_locked(raw.expose_secret()).map(Some).map_err(|_| SealError::Malformed(pending))
}

/// Renames the pending file over `seal_file`: from then on the seal releases the new root.
///
/// # Errors
/// [`SealError::Io`].
pub(crate) fn commit_pending(seal_file: &Path) -> Result<(), SealError> {
    let pending = pending_path(seal_file);
    std::fs::rename(&pending, seal_file).map_err(io(seal_file))?;
    sync_parent(seal_file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_key_file_is_sealed_released_and_committed() {
        let dir = tempfile::tempdir().unwrap();
        let seal_file = dir.path().join("root.key");
        let (old, _) = crate::seal::open_key_file(&seal_file).unwrap();
        let (new, raw) = RootKey::generate().unwrap();
        let mut kind = seal_kind(&SealSettings::File).unwrap();
        assert!(release_pending(kind.as_mut(), &seal_file).unwrap().is_none());
        seal_pending(kind.as_mut(), &seal_file, &raw).unwrap();
        seal_pending(kind.as_mut(), &seal_file, &raw).unwrap();
        let pending = release_pending(kind.as_mut(), &seal_file).unwrap().unwrap();
        assert_eq!(pending.check_value(), new.check_value());
        assert_eq!(crate::seal::open_key_file(&seal_file).unwrap().0.check_value(), old.check_value());
        commit_pending(&seal_file).unwrap();
        assert_eq!(crate::seal::open_key_file(&seal_file).unwrap().0.check_value(), new.check_value());
        assert!(!pending_path(&seal_file).exists());
        remove_pending(&seal_file).unwrap();
        assert!(matches!(seal_kind(&SealSettings::Shamir), Err(Unsealable::Shamir)));
        assert!(matches!(
            seal_kind(&SealSettings::Passphrase(PassphraseSource::Prompt)),
            Err(Unsealable::PassphraseNotRereadable)
        ));
    }
}
