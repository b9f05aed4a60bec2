//! The seal's file of the next root key during a rotation: `<seal file>.rotate` beside the
//! seal's own file, written by the configured seal before the first value is wrapped again,
//! renamed over the seal's file once the database has made the new root its own.
//!
//! A start that finds the database's check value matching neither the seal's file nor a
//! pending `.rotate` file refuses to start; one whose pending file holds the database's root
//! renames it into place (the crash fell between the database's commit and the rename).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use trent_crypto::{KeyMaterial, RootKey};

use super::RootError;
use crate::seal::{
    FileKind, Initialised, KmsKind, PassphraseKek, PassphraseKind, PassphraseSource, Pkcs11Kind, SEALED_FILE,
    SealError, SealKind, SealSettings, ShamirKind, ShamirSeal,
};

/// The suffix of the next root key's seal file.
pub const PENDING_SUFFIX: &str = ".rotate";

/// Why the configured seal cannot seal a new root key while the server runs.
#[derive(Debug, thiserror::Error)]
pub enum Unsealable {
    /// A passphrase read from a prompt or a file descriptor cannot be read again, and the
    /// key derived from it at start is not at hand.
    #[error(
        "rotate-root with the passphrase seal needs the key derived from the passphrase at start, which this \
         server does not hold"
    )]
    PassphraseNotRereadable,
    /// The Shamir seal's file of the rotation's new shares is gone: new shares are made once
    /// and handed out once, so it cannot be made again.
    #[error(
        "the seal file of the rotation's new shares ({0}) is missing: the rotation cannot finish without it (new \
         shares are made and handed out once); put it back from a backup"
    )]
    ShamirSplitLost(PathBuf),
}

/// The `.rotate` file of the seal file `seal_file`.
pub fn pending_path(seal_file: &Path) -> PathBuf {
    let mut name = seal_file.as_os_str().to_owned();
    name.push(PENDING_SUFFIX);
    PathBuf::from(name)
}

/// The `passphrase` seal with the key derived at start (see [`PassphraseKek`]): seals a new
/// root key without the passphrase, into a file the passphrase opens.
struct KeptPassphraseKind(Arc<PassphraseKek>);

impl SealKind for KeptPassphraseKind {
    fn name(&self) -> &'static str {
        "passphrase"
    }
    fn file_name(&self) -> &'static str {
        SEALED_FILE
    }
    fn release(&mut self, path: &Path) -> Result<KeyMaterial, SealError> {
        self.0.open(path)
    }
    fn seal(&mut self, raw: &KeyMaterial, path: &Path) -> Result<Option<Initialised>, SealError> {
        self.0.seal(path, raw).map(|()| None)
    }
}

/// The configured seal as something that seals and releases a root key on its own, for the
/// seal file `seal_file`: the passphrase seal through the key `kek` derived at start (or an
/// environment variable read again); the Shamir seal as new shares of the same counts (it
/// releases nothing here: shares are given through the gate).
///
/// # Errors
/// [`RootError::Unsealable`]; [`RootError::Seal`] when the Shamir seal's file cannot be read.
pub(crate) fn seal_kind(
    settings: &SealSettings,
    seal_file: &Path,
    kek: Option<&Arc<PassphraseKek>>,
) -> Result<Box<dyn SealKind + Send>, RootError> {
    Ok(match (settings, kek) {
        (SealSettings::File, _) => Box::new(FileKind),
        (SealSettings::Passphrase(_), Some(kek)) => Box::new(KeptPassphraseKind(kek.clone())),
        (SealSettings::Passphrase(source @ PassphraseSource::Env(_)), None) => Box::new(PassphraseKind(source.clone())),
        (SealSettings::Passphrase(_), None) => return Err(Unsealable::PassphraseNotRereadable.into()),
        (SealSettings::Pkcs11(settings), _) => Box::new(Pkcs11Kind(settings.clone())),
        (SealSettings::Kms(settings), _) => Box::new(KmsKind(settings.clone())),
        (SealSettings::Shamir, _) => {
            let current = ShamirSeal::load(seal_file)?;
            Box::new(ShamirKind { given: Vec::new(), shares: current.shares, threshold: current.threshold })
        }
    })
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> SealError + '_ {
    move |source| SealError::Io { path: path.to_owned(), source }
}

pub(crate) fn sync_parent(path: &Path) -> Result<(), SealError> {
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

/// Seals `raw` with `kind` into the pending file of `seal_file` (replacing one left over),
/// synced; what must be shown to the operator once (the Shamir seal's new shares), if anything.
///
/// # Errors
/// [`SealError`] from the seal or the file system; no pending file is left then.
pub(crate) fn seal_pending(
    kind: &mut dyn SealKind,
    seal_file: &Path,
    raw: &KeyMaterial,
) -> Result<Option<Initialised>, SealError> {
    remove_pending(seal_file)?;
    let pending = pending_path(seal_file);
    let made = match kind.seal(raw, &pending) {
        Ok(made) => made,
        Err(e) => {
            let _ = std::fs::remove_file(&pending);
            return Err(e);
        }
    };
    sync_parent(&pending)?;
    Ok(made)
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
        let mut kind = seal_kind(&SealSettings::File, &seal_file, None).unwrap();
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
        assert!(matches!(
            seal_kind(&SealSettings::Passphrase(PassphraseSource::Prompt), &seal_file, None),
            Err(RootError::Unsealable(Unsealable::PassphraseNotRereadable))
        ));
        // The Shamir seal seals a new split of the same counts into the pending file.
        let shamir_file = dir.path().join("root.shamir");
        crate::seal::init_shamir(&shamir_file, 4, 3).unwrap();
        let mut kind = seal_kind(&SealSettings::Shamir, &shamir_file, None).unwrap();
        let made = seal_pending(kind.as_mut(), &shamir_file, &raw).unwrap().expect("new shares");
        assert_eq!(made.shares.len(), 4);
        let pending = ShamirSeal::load(&pending_path(&shamir_file)).unwrap();
        assert_eq!((pending.shares, pending.threshold), (4, 3));
        assert!(pending.accepts_token(&made.operator_token));
    }
}
