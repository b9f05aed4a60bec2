//! The root key at run time: which generation the server holds, `trent operator rotate-root`
//! (a new root key, every wrapped value wrapped again online; the domain's part is
//! `trent_core::root_rotation`), and what every start does about a rotation a crash
//! interrupted.
//!
//! A rotation, in order:
//! 1. a new random root key is sealed by the configured seal into `<seal file>.rotate`;
//! 2. the rotation's state (with the new root wrapped under the old one) is recorded in the
//!    database, and from then on every new value is wrapped under the new root;
//! 3. a task wraps every stored value again, a batch (one transaction) at a time, recording
//!    its progress after each, until a whole pass finds nothing left;
//! 4. one transaction makes the new root's check value and generation the database's and
//!    removes the state; the old root is forgotten;
//! 5. `<seal file>.rotate` is renamed over the seal's file.
//!
//! A start (see [`settle`]) takes up whatever a crash left: before 2 a stray `.rotate` file
//! is removed; between 2 and 4 the seal still releases the old root, the new one is unwrapped
//! from the state and the task goes on at its last batch; between 4 and 5 the seal's file
//! holds the old root, the database the new one's check value, and the `.rotate` file, which
//! releases the new root, is renamed into place.
//!
//! With the Shamir seal, step 1 splits the new root into new shares of the same counts (and a
//! new operator token) and writes their digests into `root.shamir.rotate`; the shares are
//! handed out once, in the answer to the call that began the rotation, after step 2 is
//! durable. Until step 4 the old shares unseal (the new root is taken from the database's
//! record); between 4 and 5 the new shares do, and the unseal renames the `.rotate` file into
//! place.
//!
//! The seals whose file holds nothing that releases the root key alone (`shamir`, `pkcs11`,
//! `kms`) publish it in the database each time a node writes it (see [`published`]): the
//! `.rotate` file before step 2, the seal's file at a first start and after step 5, and after
//! `trent operator rekey`. A node that takes up another node's rotation writes the published
//! `.rotate` file as its own (the Shamir seal's new shares then unseal it too); a node stopped
//! for a whole rotation writes the published file of the current generation in place at its
//! start. The `file` and `passphrase` seals publish nothing: their files are copied by hand.
//!
//! This module knows the seal's files and the server's tasks; the batches are the domain's.

mod endpoint;
pub mod files;
pub(crate) mod published;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;
use trent_core::root_rotation::{
    self, ROOT_CHECK_META, RootRotation, RotationError, RotationState, Stepped, stored_generation, stored_state,
};
use trent_core::store::RewrapStore;
use trent_core::{MetaStore, RootRing, SharedClock};
use trent_crypto::{RootKey, constant_time_eq};

pub(crate) use endpoint::rotate_root;
pub use files::{PENDING_SUFFIX, Unsealable, pending_path};
pub use published::PUBLISH_MARK;

use crate::bootstrap::BootstrapError;
use crate::seal::{Initialised, PassphraseKek, SealError, SealSettings, ShareError};

/// How long the task waits before trying a batch again after the database failed.
const RETRY_PAUSE: Duration = Duration::from_secs(2);

/// Why a rotation could not begin.
#[derive(Debug, thiserror::Error)]
pub enum RootError {
    /// The domain's part failed (another rotation, bounds, the database).
    #[error(transparent)]
    Rotation(#[from] RotationError),
    /// The configured seal cannot seal a new root key now.
    #[error(transparent)]
    Unsealable(#[from] Unsealable),
    /// The seal failed to seal the new root key.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// A blocking task died.
    #[error("sealing the new root key failed unexpectedly")]
    Panicked,
}

/// What a seal released at start (or an unseal): the root key, and what the rotation needs.
pub(crate) struct Released {
    /// The root key.
    pub(crate) root: RootKey,
    /// The seal's file (a rotation's `.rotate` file sits beside it).
    pub(crate) seal_file: PathBuf,
    /// The root came from the seal file's `.rotate` file: the new shares of a Shamir rotation,
    /// given when a crash fell between the database's finish and the file's rename.
    pub(crate) from_pending: bool,
    /// The passphrase seal's derived key, kept to seal a rotation's new root key.
    pub(crate) kek: Option<Arc<PassphraseKek>>,
}

impl Released {
    /// `root` from `seal_file`, nothing kept.
    pub(crate) fn new(root: RootKey, seal_file: PathBuf) -> Self {
        Self { root, seal_file, from_pending: false, kek: None }
    }
}

/// A rotation just begun: its progress, and with the Shamir seal the new shares and operator
/// token (to be shown once) and how many of the shares unseal.
pub struct Begun {
    /// The rotation's progress.
    pub progress: RotationProgress,
    /// The new shares and operator token, and the threshold (Shamir seal only).
    pub new_shares: Option<(Initialised, u8)>,
}

/// The root key's generation and the rotation in progress, for `trent operator status`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct RootStatus {
    /// The generation new values are wrapped under.
    pub generation: u32,
    /// The rotation in progress.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation: Option<RotationProgress>,
}

/// How far a rotation is.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct RotationProgress {
    /// The generation rotated away from.
    pub from_generation: u32,
    /// The new generation.
    pub to_generation: u32,
    /// The table being walked (`None` once every value is wrapped again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<&'static str>,
    /// The pass over the tables (a pass that finds nothing left ends the rotation).
    pub pass: u32,
    /// Values wrapped again so far.
    pub rewrapped: u64,
    /// Values per batch.
    pub batch_size: u32,
    /// When it began (Unix seconds).
    pub started_at: i64,
    /// Why the last batch failed, if it did (the task tries again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl RotationProgress {
    fn of(state: &RotationState, error: Option<String>) -> Self {
        Self {
            from_generation: state.from_generation,
            to_generation: state.to_generation,
            table: state.column.map(|c| c.name()),
            pass: state.pass,
            rewrapped: state.rewrapped,
            batch_size: state.batch_size,
            started_at: state.started_at,
            error,
        }
    }
}

/// The root key of a running server and its rotation.
pub struct RootControl {
    rotation: RootRotation,
    /// The database's named values, where the seal's file is published.
    meta: Arc<dyn MetaStore>,
    seal: SealSettings,
    seal_file: PathBuf,
    /// The passphrase seal's key derived at start: seals a new root without the passphrase.
    kek: Option<Arc<PassphraseKek>>,
    clock: SharedClock,
    /// One rotation begins at a time on this node (the database refuses a second across nodes).
    beginning: tokio::sync::Mutex<()>,
    /// Held by the task that wraps values again: one task per node.
    running: Arc<tokio::sync::Mutex<()>>,
    /// The rotation as last seen by this node, for the status.
    progress: parking_lot::Mutex<Option<RotationProgress>>,
    /// The server's stop signal, once it serves.
    stop: parking_lot::Mutex<Option<watch::Receiver<bool>>>,
    /// How long the task waits before its first batch: with other nodes on the database, one
    /// full check of theirs, in which each takes up the new root ([`RootControl::reload`]).
    settle_delay: Duration,
}

impl std::fmt::Debug for RootControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RootControl").field("seal", &self.seal.name()).finish_non_exhaustive()
    }
}

/// What a start made of the root key: the ring, the rotation to go on with, and what the
/// seal kept.
pub(crate) struct Settled {
    pub(crate) ring: Arc<RootRing>,
    pub(crate) resume: Option<RotationState>,
    pub(crate) kek: Option<Arc<PassphraseKek>>,
}

/// Takes up the root key `released` against the database `meta`: a first start records its
/// check value; a rotation a crash interrupted is taken up as the module's documentation says.
///
/// # Errors
/// [`BootstrapError::WrongRootKey`] when the root is not the database's;
/// [`BootstrapError::Shares`] for Shamir shares of the other side of a rotation; what
/// reading the database or the seal's pending file failed with.
pub(crate) async fn settle(
    meta: &dyn MetaStore,
    released: Released,
    settings: &SealSettings,
) -> Result<Settled, BootstrapError> {
    let Released { root, seal_file, from_pending, kek } = released;
    let seal_file = seal_file.as_path();
    let wrong = || BootstrapError::WrongRootKey(seal_file.to_owned());
    let rotation_error = |e: RotationError| match e {
        RotationError::Store(e) => BootstrapError::Store(e),
        other => BootstrapError::RootRotation(other),
    };
    let generation = stored_generation(meta).await.map_err(rotation_error)?;
    let state = stored_state(meta).await.map_err(rotation_error)?;
    let check = root.check_value();
    if let Some(state) = state {
        let matches = |c: Option<[u8; 32]>| c.is_some_and(|c| constant_time_eq(&c, &check));
        if matches(state.from_check_value()) {
            let ring = Arc::new(RootRing::new(state.from_generation, root));
            let current = ring.current();
            let next = root_rotation::next_root(&state, &current.key).map_err(rotation_error)?;
            ring.begin(trent_core::Generation { number: state.to_generation, key: Arc::new(next) });
            return Ok(Settled { ring, resume: Some(state), kek });
        }
        if matches(state.to_check_value()) {
            if from_pending {
                // New shares while values are still wrapped under the old root, which only
                // the old shares rebuild.
                return Err(BootstrapError::Shares(ShareError::RotationUnfinished));
            }
            // The seal's file was switched already: every value was wrapped again before.
            let ring = Arc::new(RootRing::new(state.to_generation, root));
            return Ok(Settled { ring, resume: Some(state), kek });
        }
        return Err(wrong());
    }
    let stored = meta.get_meta(ROOT_CHECK_META).await.map_err(BootstrapError::Store)?;
    let path = seal_file.to_owned();
    match stored {
        None if from_pending => Err(wrong()),
        None => {
            meta.put_meta(ROOT_CHECK_META, &check).await.map_err(BootstrapError::Store)?;
            blocking(move || files::remove_pending(&path)).await?;
            published::publish(meta, settings, generation, seal_file).await?;
            Ok(Settled { ring: Arc::new(RootRing::new(generation, root)), resume: None, kek })
        }
        Some(stored) if constant_time_eq(&stored, &check) && from_pending => {
            // New shares after the database's finish: their file goes into place.
            blocking(move || files::commit_pending(&path)).await?;
            published::publish(meta, settings, generation, seal_file).await?;
            tracing::warn!(
                generation,
                "a root key rotation had finished in the database: the new shares' seal file is now in place"
            );
            Ok(Settled { ring: Arc::new(RootRing::new(generation, root)), resume: None, kek })
        }
        Some(stored) if constant_time_eq(&stored, &check) => {
            // A `.rotate` file without a rotation: one that never began, or an old one.
            blocking(move || files::remove_pending(&path)).await?;
            publish_marked(meta, settings, generation, seal_file).await?;
            Ok(Settled { ring: Arc::new(RootRing::new(generation, root)), resume: None, kek })
        }
        Some(_) if *settings == SealSettings::Shamir => {
            // The old shares after the database's finish: the new ones are needed.
            if std::fs::symlink_metadata(pending_path(&path)).is_ok() {
                Err(BootstrapError::Shares(ShareError::RotationFinished))
            } else {
                Err(wrong())
            }
        }
        Some(stored) => {
            let (kept, owned) = (kek.clone(), settings.clone());
            let released = blocking(move || {
                let Ok(mut kind) = files::seal_kind(&owned, &path, kept.as_ref()) else { return Ok(None) };
                let Some(next) = files::release_pending(kind.as_mut(), &path)? else { return Ok(None) };
                if !constant_time_eq(&stored, &next.check_value()) {
                    return Ok(None);
                }
                files::commit_pending(&path)?;
                Ok(Some(next))
            })
            .await?;
            let next = released.ok_or_else(wrong)?;
            published::publish(meta, settings, generation, seal_file).await?;
            tracing::warn!(
                generation,
                "a root key rotation had finished in the database: its new root key's seal file is now in place"
            );
            Ok(Settled { ring: Arc::new(RootRing::new(generation, next)), resume: None, kek })
        }
    }
}

/// After `trent operator rekey` (which leaves [`PUBLISH_MARK`] beside the seal's file, the
/// database out of its reach): publishes the seal's file `seal_file`, which the caller found
/// releases the database's root key of `generation`, and removes the mark.
async fn publish_marked(
    meta: &dyn MetaStore,
    settings: &SealSettings,
    generation: u32,
    seal_file: &std::path::Path,
) -> Result<(), BootstrapError> {
    let mark = seal_file.with_file_name(PUBLISH_MARK);
    if std::fs::symlink_metadata(&mark).is_err() {
        return Ok(());
    }
    published::publish(meta, settings, generation, seal_file).await?;
    blocking(move || {
        std::fs::remove_file(&mark).map_err(|source| SealError::Io { path: mark.clone(), source })?;
        files::sync_parent(&mark)
    })
    .await
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SealError> + Send + 'static,
) -> Result<T, BootstrapError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| {
            BootstrapError::Seal(SealError::Io {
                path: PathBuf::new(),
                source: std::io::Error::other("a blocking task of the seal panicked"),
            })
        })?
        .map_err(BootstrapError::Seal)
}

impl RootControl {
    /// The root key's control over the main database `store` (also its `meta`), the audit
    /// trail's `audit_meta`, and the started `ring` from [`settle`].
    pub(crate) fn new(
        store: Arc<dyn RewrapStore>,
        meta: Arc<dyn MetaStore>,
        audit_meta: Arc<dyn MetaStore>,
        settled: &Settled,
        seal: SealSettings,
        seal_file: PathBuf,
        clock: SharedClock,
    ) -> Self {
        let progress = settled.resume.as_ref().map(|s| RotationProgress::of(s, None));
        Self {
            rotation: RootRotation::new(store, meta.clone(), audit_meta, settled.ring.clone()),
            meta,
            seal,
            seal_file,
            kek: settled.kek.clone(),
            clock,
            beginning: tokio::sync::Mutex::new(()),
            running: Arc::new(tokio::sync::Mutex::new(())),
            progress: parking_lot::Mutex::new(progress),
            stop: parking_lot::Mutex::new(None),
            settle_delay: Duration::ZERO,
        }
    }

    /// Waits `delay` before the first batch of a rotation (see the field).
    pub(crate) fn with_settle_delay(mut self, delay: Duration) -> Self {
        self.settle_delay = delay;
        self
    }

    /// Takes up what another node did to the root key (called by each full check of a node
    /// on a shared database): a rotation begun elsewhere makes this node wrap under the new
    /// root and seal it into its own `.rotate` file; a rotation finished elsewhere puts that
    /// file in place and forgets the old root.
    pub(crate) async fn reload(&self) {
        let ring = self.rotation.ring();
        match self.rotation.state().await {
            Ok(Some(state)) if ring.generation() == state.from_generation => {
                let old = ring.current();
                let raw = match root_rotation::next_root_raw(&state, &old.key) {
                    Ok(raw) => raw,
                    Err(e) => return tracing::error!(error = %e, "cannot take up the new root key of a rotation"),
                };
                let to_check = state.to_check_value().unwrap_or_default();
                if self.take_up_published(state.to_generation, &pending_path(&self.seal_file), to_check).await {
                    tracing::info!(to = state.to_generation, "the new root key's published seal file is this node's");
                } else if self.seal == SealSettings::Shamir {
                    // The new shares were made and handed out on the node that began it.
                    tracing::warn!(
                        "a root key rotation begun on another node, whose new shares' seal file is not published in \
                         the database: once it has finished, copy that node's root.shamir into this node's data \
                         directory (its new shares unseal this node then)"
                    );
                } else {
                    let sealed = match files::seal_kind(&self.seal, &self.seal_file, self.kek.as_ref()) {
                        Ok(mut kind) => {
                            let path = self.seal_file.clone();
                            tokio::task::spawn_blocking(move || files::seal_pending(kind.as_mut(), &path, &raw)).await
                        }
                        Err(e) => return tracing::error!(error = %e, "cannot seal the new root key of a rotation"),
                    };
                    if !matches!(sealed, Ok(Ok(None))) {
                        tracing::error!("sealing the new root key of a rotation begun on another node failed");
                    }
                }
                if let Err(e) = self.rotation.resume(&state) {
                    return tracing::error!(error = %e, "cannot take up a rotation begun on another node");
                }
                *self.progress.lock() = Some(RotationProgress::of(&state, None));
                tracing::warn!(
                    to = state.to_generation,
                    "took up the new root key of a rotation begun on another node"
                );
            }
            Ok(Some(state)) => *self.progress.lock() = Some(RotationProgress::of(&state, None)),
            Ok(None) if ring.previous().is_some() && self.running.try_lock().is_ok() => {
                let path = self.seal_file.clone();
                let committed = tokio::task::spawn_blocking(move || {
                    if std::fs::symlink_metadata(pending_path(&path)).is_ok() {
                        files::commit_pending(&path).map(|()| true)
                    } else {
                        Ok(false)
                    }
                })
                .await;
                if matches!(committed, Ok(Ok(false))) {
                    // No `.rotate` file (a Shamir rotation whose file was not published when it
                    // was taken up): the new generation's published file, if it is there now.
                    let check = ring.current().key.check_value();
                    self.take_up_published(ring.generation(), &self.seal_file, check).await;
                }
                let committed = committed.map(|done| done.map(|_| ()));
                if !matches!(committed, Ok(Ok(()))) {
                    return tracing::error!(
                        "putting the new root key's seal file in place failed; trying at the next check"
                    );
                }
                ring.finish();
                *self.progress.lock() = None;
                tracing::warn!(generation = ring.generation(), "a root key rotation finished on another node");
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read the root key rotation's state"),
        }
    }

    /// Writes the published seal file of `generation` over `target` (the seal's file or its
    /// `.rotate` file) when it releases the root key of check value `check`; whether it did.
    async fn take_up_published(&self, generation: u32, target: &std::path::Path, check: [u8; 32]) -> bool {
        let text = match published::published(self.meta.as_ref(), &self.seal, generation).await {
            Ok(Some(text)) => text,
            Ok(None) => return false,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the published seal file");
                return false;
            }
        };
        let (settings, target) = (self.seal.clone(), target.to_owned());
        match tokio::task::spawn_blocking(move || published::install(&settings, &text, &target, &check)).await {
            Ok(Ok(installed)) => installed,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "writing the published seal file failed");
                false
            }
            Err(_) => false,
        }
    }

    /// The generation and the rotation in progress.
    pub fn status(&self) -> RootStatus {
        RootStatus { generation: self.rotation.ring().generation(), rotation: self.progress.lock().clone() }
    }

    /// Called when the server starts serving: goes on with a rotation a crash interrupted.
    pub(crate) fn serve(self: &Arc<Self>, stop: watch::Receiver<bool>) {
        *self.stop.lock() = Some(stop);
        if self.progress.lock().is_some() {
            self.spawn();
        }
    }

    /// Begins a rotation: seals a new root key, records the rotation, starts the task. With
    /// the Shamir seal, the new shares are returned once the rotation's record is durable.
    ///
    /// # Errors
    /// [`RootError`]; nothing has changed then (a sealed `.rotate` file is removed again).
    pub async fn rotate(self: &Arc<Self>, batch_size: u32, pause_ms: u32) -> Result<Begun, RootError> {
        let _one = self.beginning.lock().await;
        if batch_size == 0 || batch_size > root_rotation::MAX_BATCH_SIZE || pause_ms > root_rotation::MAX_PAUSE_MS {
            return Err(RotationError::Bounds.into());
        }
        if let Some(s) = self.rotation.state().await? {
            return Err(RotationError::InProgress { from: s.from_generation, to: s.to_generation }.into());
        }
        let mut kind = files::seal_kind(&self.seal, &self.seal_file, self.kek.as_ref())?;
        let threshold = match self.seal {
            SealSettings::Shamir => Some(crate::seal::ShamirSeal::load(&self.seal_file)?.threshold),
            SealSettings::File | SealSettings::Passphrase(_) | SealSettings::Pkcs11(_) | SealSettings::Kms(_) => None,
        };
        let (_, raw) = RootKey::generate().map_err(RotationError::Crypto)?;
        let raw = Arc::new(raw);
        let (path, sealed) = (self.seal_file.clone(), raw.clone());
        let made = tokio::task::spawn_blocking(move || files::seal_pending(kind.as_mut(), &path, &sealed))
            .await
            .map_err(|_| RootError::Panicked)??;
        // Published before the rotation is recorded, so that every node taking it up finds it.
        let to = self.rotation.ring().generation().saturating_add(1);
        let pending = pending_path(&self.seal_file);
        if let Err(e) = published::publish(self.meta.as_ref(), &self.seal, to, &pending).await {
            let path = self.seal_file.clone();
            let _ = tokio::task::spawn_blocking(move || files::remove_pending(&path)).await;
            return Err(e.into());
        }
        let now = self.clock.now().unix_timestamp();
        let state = match self.rotation.begin(&raw, batch_size, pause_ms, now).await {
            Ok(state) => state,
            Err(e) => {
                let path = self.seal_file.clone();
                let _ = tokio::task::spawn_blocking(move || files::remove_pending(&path)).await;
                return Err(e.into());
            }
        };
        drop(raw);
        tracing::warn!(from = state.from_generation, to = state.to_generation, batch_size, "root key rotation begun");
        let progress = RotationProgress::of(&state, None);
        *self.progress.lock() = Some(progress.clone());
        self.spawn();
        Ok(Begun { progress, new_shares: made.zip(threshold) })
    }

    fn spawn(self: &Arc<Self>) {
        let Some(stop) = self.stop.lock().clone() else { return };
        tokio::spawn(self.clone().run(stop));
    }

    /// The task: batches until every value is wrapped again, then the finish.
    async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let Ok(_running) = self.running.clone().try_lock_owned() else { return };
        if pause(&mut stop, self.settle_delay).await {
            return;
        }
        let mut state = loop {
            match self.rotation.state().await {
                Ok(Some(state)) => break state,
                Ok(None) => return,
                Err(e) => {
                    tracing::error!(error = %e, "root key rotation: reading its state failed; trying again");
                    if pause(&mut stop, RETRY_PAUSE).await {
                        return;
                    }
                }
            }
        };
        loop {
            if *stop.borrow() {
                return;
            }
            match self.rotation.step(&mut state).await {
                Ok(Stepped::More) => {
                    *self.progress.lock() = Some(RotationProgress::of(&state, None));
                    if pause(&mut stop, Duration::from_millis(u64::from(state.pause_ms))).await {
                        return;
                    }
                }
                Ok(Stepped::Rewrapped) => break,
                Err(e) => {
                    tracing::error!(error = %e, "root key rotation: a batch failed; trying it again");
                    *self.progress.lock() = Some(RotationProgress::of(&state, Some(e.to_string())));
                    if pause(&mut stop, RETRY_PAUSE).await {
                        return;
                    }
                    // The batch is read again from the recorded state.
                    match self.rotation.state().await {
                        Ok(Some(recorded)) => state = recorded,
                        Ok(None) => return,
                        Err(_) => {}
                    }
                }
            }
        }
        loop {
            match self.finish(&state).await {
                Ok(()) => break,
                Err(e) => {
                    tracing::error!(error = %e, "root key rotation: finishing failed; trying again");
                    *self.progress.lock() = Some(RotationProgress::of(&state, Some(e.to_string())));
                    if pause(&mut stop, RETRY_PAUSE).await {
                        return;
                    }
                }
            }
        }
        *self.progress.lock() = None;
        tracing::warn!(generation = state.to_generation, rewrapped = state.rewrapped, "root key rotation finished");
    }

    /// Makes sure the new root's seal file is pending, ends the rotation in the database,
    /// and puts the seal file in place.
    async fn finish(&self, state: &RotationState) -> Result<(), RootError> {
        let pending = pending_path(&self.seal_file);
        if std::fs::symlink_metadata(&pending).is_err() {
            // Without the old root, this start found the seal's file switched already.
            let Some(old) = self.rotation.ring().previous() else {
                self.rotation.finish(state).await?;
                return Ok(());
            };
            if self.seal == SealSettings::Shamir {
                return Err(Unsealable::ShamirSplitLost(pending).into());
            }
            // Lost: sealed again from the state, with the old root.
            let raw = root_rotation::next_root_raw(state, &old.key)?;
            let mut kind = files::seal_kind(&self.seal, &self.seal_file, self.kek.as_ref())?;
            let path = self.seal_file.clone();
            tokio::task::spawn_blocking(move || files::seal_pending(kind.as_mut(), &path, &raw))
                .await
                .map_err(|_| RootError::Panicked)??;
        }
        self.rotation.finish(state).await?;
        let path = self.seal_file.clone();
        tokio::task::spawn_blocking(move || files::commit_pending(&path)).await.map_err(|_| RootError::Panicked)??;
        // The rotation has finished: a failure here is only logged (the `.rotate` file was
        // published before it began; the old generation's copy releases a forgotten root).
        let (meta, seal) = (self.meta.as_ref(), &self.seal);
        if let Err(e) = published::publish(meta, seal, state.to_generation, &self.seal_file).await {
            tracing::warn!(error = %e, "publishing the new root key's seal file failed");
        }
        if let Err(e) = published::withdraw(meta, seal, state.from_generation).await {
            tracing::warn!(error = %e, "withdrawing the old root key's published seal file failed");
        }
        Ok(())
    }
}

/// Waits `how_long` or until the server stops; `true` when it stops.
async fn pause(stop: &mut watch::Receiver<bool>, how_long: Duration) -> bool {
    if how_long.is_zero() {
        return *stop.borrow();
    }
    tokio::select! {
        () = tokio::time::sleep(how_long) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}
