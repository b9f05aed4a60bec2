//! Seal files published in the database, so that nodes sharing one database share one root of
//! trust without an operator copying files between them.
//!
//! The seals whose file is safe to hand to whoever reads the database publish it there each
//! time a node writes it: `shamir` (`root.shamir` holds the split's counts, a digest of each
//! share, the root key's check value and a digest of the operator token: no share, nothing
//! that rebuilds the root key without `k` shares), `pkcs11` (the root key wrapped by a
//! non-extractable key inside the token) and `kms` (the root key wrapped by a key of the
//! remote KMS). Each copy is a meta row named by the seal's type and the root key generation
//! it releases. The `file` seal (its file is the root key in clear) and the `passphrase` seal
//! (whoever copied the database could guess the passphrase offline) never publish.
//!
//! A node whose own file does not release the database's current root key (it was stopped for
//! a whole rotation, or its file is missing) writes the published file of the current
//! generation in place, once that file is shown to release it: a Shamir file's check value is
//! the database's, a `pkcs11` or `kms` file gives the root key back. A node that takes up a
//! rotation begun elsewhere writes the new generation's published file as its `.rotate` file.
//! A node's own file that releases the current root is never replaced: a file of the same
//! generation is not older.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use trent_core::root_rotation::{ROOT_CHECK_META, RotationError, stored_generation, stored_state};
use trent_core::{MetaStore, StoreError};
use trent_crypto::constant_time_eq;

use super::RootError;
use crate::bootstrap::BootstrapError;
use crate::seal::{SealError, SealSettings, ShamirSeal};

/// The meta rows' names: this prefix, the seal's type, the generation.
const META_PREFIX: &str = "published_seal_file";
/// The suffix of a published file being written beside the seal's file.
const TEMP_SUFFIX: &str = ".published";
/// A file in the data directory asking the next start to publish the seal's file (written by
/// `trent operator rekey`, which runs without the database).
pub const PUBLISH_MARK: &str = "root.publish";

/// Why publishing or taking up a published file failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PublishError {
    /// The database.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// The root key's generation or rotation recorded in the database.
    #[error(transparent)]
    Rotation(#[from] RotationError),
    /// The seal's file or the seal.
    #[error(transparent)]
    Seal(#[from] SealError),
}

impl From<PublishError> for RootError {
    fn from(e: PublishError) -> Self {
        match e {
            PublishError::Store(e) => RootError::Rotation(RotationError::Store(e)),
            PublishError::Rotation(e) => RootError::Rotation(e),
            PublishError::Seal(e) => RootError::Seal(e),
        }
    }
}

impl From<PublishError> for BootstrapError {
    fn from(e: PublishError) -> Self {
        match e {
            PublishError::Store(e) | PublishError::Rotation(RotationError::Store(e)) => BootstrapError::Store(e),
            PublishError::Rotation(e) => BootstrapError::RootRotation(e),
            PublishError::Seal(e) => BootstrapError::Seal(e),
        }
    }
}

/// One published file.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    version: u32,
    seal: String,
    generation: u32,
    file: String,
}

/// Whether `settings` publishes its file (see the module's documentation).
pub(crate) fn publishes(settings: &SealSettings) -> bool {
    match settings {
        SealSettings::Shamir | SealSettings::Pkcs11(_) | SealSettings::Kms(_) => true,
        SealSettings::File | SealSettings::Passphrase(_) => false,
    }
}

fn meta_name(settings: &SealSettings, generation: u32) -> String {
    format!("{META_PREFIX}/{}/{generation}", settings.name())
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> SealError + '_ {
    move |source| SealError::Io { path: path.to_owned(), source }
}

/// Publishes the seal's file `path` as the one releasing the root key of `generation`
/// (nothing for a seal that does not publish).
///
/// # Errors
/// [`PublishError`]: the file cannot be read, or the database written.
pub(crate) async fn publish(
    meta: &dyn MetaStore,
    settings: &SealSettings,
    generation: u32,
    path: &Path,
) -> Result<(), PublishError> {
    if !publishes(settings) {
        return Ok(());
    }
    let file = tokio::fs::read_to_string(path).await.map_err(io(path))?;
    let record = Record { version: 1, seal: settings.name().into(), generation, file };
    let value = serde_json::to_vec(&record).map_err(|e| io(path)(std::io::Error::other(e)))?;
    meta.put_meta(&meta_name(settings, generation), &value).await?;
    tracing::info!(seal = settings.name(), generation, "the seal's file is published in the database");
    Ok(())
}

/// Withdraws the published file of `generation` (a rotation away from it finished: the old
/// root key is forgotten everywhere).
///
/// # Errors
/// The database's.
pub(crate) async fn withdraw(meta: &dyn MetaStore, settings: &SealSettings, generation: u32) -> Result<(), StoreError> {
    if !publishes(settings) {
        return Ok(());
    }
    meta.put_meta(&meta_name(settings, generation), &[]).await
}

/// The published file of `settings` releasing the root key of `generation`, if there is one.
///
/// # Errors
/// The database's; a row Trent did not write is left out (with a warning).
pub(crate) async fn published(
    meta: &dyn MetaStore,
    settings: &SealSettings,
    generation: u32,
) -> Result<Option<String>, StoreError> {
    if !publishes(settings) {
        return Ok(None);
    }
    let Some(value) = meta.get_meta(&meta_name(settings, generation)).await? else { return Ok(None) };
    if value.is_empty() {
        return Ok(None);
    }
    match serde_json::from_slice::<Record>(&value) {
        Ok(r) if r.version == 1 && r.seal == settings.name() && r.generation == generation => Ok(Some(r.file)),
        _ => {
            tracing::warn!(seal = settings.name(), generation, "a published seal file is unreadable; left out");
            Ok(None)
        }
    }
}

/// Whether the seal's file at `path` releases the root key whose check value is `check` (a
/// Shamir file: its check value; `pkcs11` and `kms`: the seal gives it back). A missing or
/// unreadable file does not.
fn releases(settings: &SealSettings, path: &Path, check: &[u8; 32]) -> bool {
    match settings {
        SealSettings::Shamir => ShamirSeal::load(path).is_ok_and(|s| s.rebuilds(check)),
        SealSettings::Pkcs11(_) | SealSettings::Kms(_) => {
            let Ok(mut kind) = super::files::seal_kind(settings, path, None) else { return false };
            kind.release(path)
                .ok()
                .and_then(|raw| trent_crypto::RootKey::from_bytes(raw.expose_secret()).ok())
                .is_some_and(|root| constant_time_eq(&root.check_value(), check))
        }
        SealSettings::File | SealSettings::Passphrase(_) => false,
    }
}

fn temp_path(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(TEMP_SUFFIX);
    PathBuf::from(name)
}

/// Writes the published `text` over `target` (a seal's file or its `.rotate` file) as seal
/// files are written (a new owner-only file, synced, renamed into place, the directory
/// synced), once it is shown to release the root key of check value `check`. `false`, and
/// `target` untouched, when it does not.
///
/// # Errors
/// [`SealError::Io`].
pub(crate) fn install(settings: &SealSettings, text: &str, target: &Path, check: &[u8; 32]) -> Result<bool, SealError> {
    let temp = temp_path(target);
    match std::fs::remove_file(&temp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(&temp)(e)),
    }
    crate::seal::write_new_private(&temp, text.as_bytes()).map_err(io(&temp))?;
    if !releases(settings, &temp, check) {
        std::fs::remove_file(&temp).map_err(io(&temp))?;
        return Ok(false);
    }
    std::fs::rename(&temp, target).map_err(io(target))?;
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))?;
    Ok(true)
}

/// At a start on a shared database: when the seal's file `seal_file` does not release the
/// database's current root key (or is missing) and no rotation is in progress, writes the
/// published file of the current generation in place, if it releases that root. Whether it
/// did.
///
/// # Errors
/// [`PublishError`]: the database, or writing the file.
pub(crate) async fn take_up(
    meta: &dyn MetaStore,
    settings: &SealSettings,
    seal_file: &Path,
) -> Result<bool, PublishError> {
    if !publishes(settings) {
        return Ok(false);
    }
    if stored_state(meta).await?.is_some() {
        return Ok(false);
    }
    let generation = stored_generation(meta).await?;
    let Some(check) = meta.get_meta(ROOT_CHECK_META).await? else { return Ok(false) };
    let Ok(check) = <[u8; 32]>::try_from(check) else { return Ok(false) };
    let Some(text) = published(meta, settings, generation).await? else { return Ok(false) };
    let (settings, path) = (settings.clone(), seal_file.to_owned());
    let installed = tokio::task::spawn_blocking(move || {
        let current = std::fs::read_to_string(&path).is_ok_and(|local| local == text);
        if current || releases(&settings, &path, &check) {
            return Ok(false);
        }
        install(&settings, &text, &path, &check)
    })
    .await
    .map_err(|e| io(seal_file)(std::io::Error::other(format!("a blocking task panicked: {e}"))))??;
    if installed {
        tracing::warn!(
            generation,
            "this node's seal file did not release the database's root key: the one published in the database \
             is now in place"
        );
    }
    Ok(installed)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use async_trait::async_trait;
    use parking_lot::Mutex;
    use trent_crypto::RootKey;

    use super::*;

    #[derive(Default)]
    struct Meta(Mutex<HashMap<String, Vec<u8>>>);

    #[async_trait]
    impl MetaStore for Meta {
        async fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
            Ok(self.0.lock().get(name).cloned())
        }
        async fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
            self.0.lock().insert(name.to_owned(), value.to_vec());
            Ok(())
        }
    }

    fn check_of(path: &Path) -> [u8; 32] {
        ShamirSeal::load(path).unwrap().check_value()
    }

    /// A Shamir node stopped for a whole rotation (its file's root is not the database's)
    /// takes up the published file of the current generation; a node whose file is current
    /// keeps it; the file and passphrase seals publish nothing.
    #[tokio::test]
    async fn a_stale_shamir_file_is_replaced_by_the_published_one_and_a_current_one_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        for d in [&a, &b] {
            std::fs::create_dir(d).unwrap();
        }
        let (a_file, b_file) = (a.join("root.shamir"), b.join("root.shamir"));
        crate::seal::init_shamir(&a_file, 3, 2).unwrap();
        crate::seal::init_shamir(&b_file, 3, 2).unwrap();
        let meta = Meta::default();
        let settings = SealSettings::Shamir;
        // Nothing published, or no root recorded: nothing taken up.
        assert!(!take_up(&meta, &settings, &b_file).await.unwrap());
        meta.put_meta(ROOT_CHECK_META, &check_of(&a_file)).await.unwrap();
        meta.put_meta(trent_core::root_rotation::GENERATION_META, b"2").await.unwrap();
        assert!(!take_up(&meta, &settings, &b_file).await.unwrap());
        // Published for another generation: left alone.
        publish(&meta, &settings, 1, &a_file).await.unwrap();
        assert!(!take_up(&meta, &settings, &b_file).await.unwrap());
        publish(&meta, &settings, 2, &a_file).await.unwrap();
        assert!(take_up(&meta, &settings, &b_file).await.unwrap());
        assert_eq!(std::fs::read(&b_file).unwrap(), std::fs::read(&a_file).unwrap());
        assert!(!temp_path(&b_file).exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&b_file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(!take_up(&meta, &settings, &b_file).await.unwrap(), "once in place, nothing more");
        // A missing file is taken up too.
        std::fs::remove_file(&b_file).unwrap();
        assert!(take_up(&meta, &settings, &b_file).await.unwrap());
        // A node's own current file (another split of the same root: a rekey) is kept.
        let c = dir.path().join("c");
        std::fs::create_dir(&c).unwrap();
        let raw = trent_crypto::KeyMaterial::from_slice(&[7u8; 32]);
        crate::seal::split_into(&c.join("root.shamir"), &raw, 3, 2).unwrap();
        let check = RootKey::from_bytes(&[7u8; 32]).unwrap().check_value();
        meta.put_meta(ROOT_CHECK_META, &check).await.unwrap();
        crate::seal::split_into(&c.join("other.shamir"), &raw, 3, 2).unwrap();
        publish(&meta, &settings, 2, &c.join("other.shamir")).await.unwrap();
        let before = std::fs::read(c.join("root.shamir")).unwrap();
        assert!(!take_up(&meta, &settings, &c.join("root.shamir")).await.unwrap());
        assert_eq!(std::fs::read(c.join("root.shamir")).unwrap(), before);
        // A published file that does not release the database's root is never written.
        meta.put_meta(ROOT_CHECK_META, &[9u8; 32]).await.unwrap();
        std::fs::remove_file(&b_file).unwrap();
        assert!(!take_up(&meta, &settings, &b_file).await.unwrap());
        assert!(!b_file.exists() && !temp_path(&b_file).exists());
        // Withdrawn: gone.
        withdraw(&meta, &settings, 2).await.unwrap();
        assert!(published(&meta, &settings, 2).await.unwrap().is_none());
        // The file seal never publishes its root key in clear.
        let key_file = dir.path().join("root.key");
        crate::seal::open_key_file(&key_file).unwrap();
        publish(&meta, &SealSettings::File, 2, &key_file).await.unwrap();
        assert!(meta.0.lock().keys().all(|k| !k.contains("/file/")));
        assert!(published(&meta, &SealSettings::File, 2).await.unwrap().is_none());
    }
}
