//! `trent operator rotate-root`: a new root key, and every value wrapped under the old one
//! wrapped again under it, online, in bounded batches, resumable after a crash.
//!
//! The rotation's state ([`RotationState`]) lives in the `meta` table under
//! [`ROTATION_META`]: the old and new generations and check values, the new root key wrapped
//! under the old one (so that a node holding the old root, a restarted one included, can take
//! up the new one), the column being walked and the last row done. It is written before the
//! first value is wrapped again, and after each batch; a batch is one transaction that
//! replaces each value only where the row still holds what was read, so a batch done twice
//! (a crash between the batch and the state's update) changes nothing the second time.
//!
//! While the rotation runs, the [`RootRing`] wraps every new value under the new root and
//! unwraps values of either generation (each value records its generation). When a whole pass
//! over the columns finds nothing left to wrap again, the audit signing key is wrapped again
//! and one transaction makes the new root's check value and generation the database's and
//! removes the state; the ring then forgets the old root.
//!
//! This module knows the wrapped columns and their AADs; it knows nothing of seals and files.

use std::sync::Arc;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use trent_crypto::{CryptoError, KeyMaterial, KeyMaterialId, RootKey, constant_time_eq, wrapped_generation};

use crate::audit::{META_SIGNING_KEY, SIGNING_KEY_AAD};
use crate::identity::{access_key_wrap_aad, session_wrap_aad};
use crate::ids::{AccountId, Region, Scope};
use crate::kms::{material_wrap_aad, password_wrap_aad};
use crate::seal::{Generation, KeyWrapper, RootRing};
use crate::store::{MetaStore, RewrapStore, Rewrapped, StoreError, WrappedColumn, WrappedRow};

/// The `meta` entry holding the root key's check value.
pub const ROOT_CHECK_META: &str = "root_key_check";
/// The `meta` entry holding the current root key's generation (absent: 1).
pub const GENERATION_META: &str = "root_generation";
/// The `meta` entry holding the state of a rotation in progress.
pub const ROTATION_META: &str = "root_rotation";
/// The most values wrapped again in one batch (one transaction).
pub const MAX_BATCH_SIZE: u32 = 10_000;
/// The batch size when none is given.
pub const DEFAULT_BATCH_SIZE: u32 = 500;
/// The longest pause between two batches, in milliseconds.
pub const MAX_PAUSE_MS: u32 = 60_000;
/// The AAD of the new root key wrapped under the old one, in the state.
const NEXT_ROOT_AAD: &str = "trent/root-rotation/v1";

/// Why a rotation could not begin or go on.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    /// The database failed.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// A cipher or the random generator failed.
    #[error("cipher: {0}")]
    Crypto(#[from] CryptoError),
    /// Another rotation is in progress.
    #[error("a root key rotation (generation {from} to {to}) is in progress")]
    InProgress {
        /// Its old generation.
        from: u32,
        /// Its new generation.
        to: u32,
    },
    /// The batch size or pause is out of bounds.
    #[error("batch size must be 1 to {MAX_BATCH_SIZE} and the pause at most {MAX_PAUSE_MS} ms")]
    Bounds,
    /// The stored state was not written by this version of Trent.
    #[error("the root key rotation's state in the database is unreadable")]
    UnreadableState,
    /// The root key this node holds is neither of the rotation's.
    #[error("the root key released by the seal is neither the rotation's old nor its new root key")]
    ForeignRoot,
    /// A wrapped value opens under neither root key: the row is named, nothing else.
    #[error("a value in {column} ({row}) opens under neither root key")]
    Unopenable {
        /// The column.
        column: &'static str,
        /// The row's primary key.
        row: String,
    },
}

/// A rotation in progress, as stored under [`ROTATION_META`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotationState {
    /// The format of this record (1).
    pub version: u32,
    /// The generation rotated away from.
    pub from_generation: u32,
    /// The new generation.
    pub to_generation: u32,
    /// The old root's check value, hex.
    pub from_check: String,
    /// The new root's check value, hex.
    pub to_check: String,
    /// The new root key wrapped under the old one, base64.
    pub next_root: String,
    /// Values per batch.
    pub batch_size: u32,
    /// The pause between batches, milliseconds.
    pub pause_ms: u32,
    /// The column being walked; `None` once a pass found nothing to do.
    pub column: Option<WrappedColumn>,
    /// The last row done in `column`.
    pub cursor: Option<WrappedRow>,
    /// Which pass over the columns this is (from 1); a pass that wraps nothing again ends it.
    pub pass: u32,
    /// Values wrapped again in this pass.
    pub pass_rewrapped: u64,
    /// Values wrapped again in all.
    pub rewrapped: u64,
    /// When it began (Unix seconds).
    pub started_at: i64,
}

impl RotationState {
    /// The new root key's check value.
    pub fn to_check_value(&self) -> Option<[u8; 32]> {
        crate::audit::parse_hex32(&self.to_check)
    }

    /// The old root key's check value.
    pub fn from_check_value(&self) -> Option<[u8; 32]> {
        crate::audit::parse_hex32(&self.from_check)
    }
}

/// What one batch did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stepped {
    /// More to do.
    More,
    /// Every value is wrapped under the new root; [`RootRotation::finish`] is next.
    Rewrapped,
}

/// The rotation's work over the stores and the ring.
pub struct RootRotation {
    store: Arc<dyn RewrapStore>,
    meta: Arc<dyn MetaStore>,
    /// The audit trail's store, which holds the wrapped signing key.
    audit_meta: Arc<dyn MetaStore>,
    ring: Arc<RootRing>,
}

impl std::fmt::Debug for RootRotation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RootRotation").field("ring", &self.ring).finish_non_exhaustive()
    }
}

/// The current generation recorded in `meta` (1 when none is).
///
/// # Errors
/// [`RotationError::Store`], or [`RotationError::UnreadableState`] for a value Trent did not write.
pub async fn stored_generation(meta: &dyn MetaStore) -> Result<u32, RotationError> {
    match meta.get_meta(GENERATION_META).await? {
        None => Ok(1),
        Some(bytes) => std::str::from_utf8(&bytes)
            .ok()
            .and_then(|t| t.parse::<u32>().ok())
            .filter(|g| *g >= 1)
            .ok_or(RotationError::UnreadableState),
    }
}

/// The rotation in progress recorded in `meta`, if any.
///
/// # Errors
/// [`RotationError::Store`], or [`RotationError::UnreadableState`].
pub async fn stored_state(meta: &dyn MetaStore) -> Result<Option<RotationState>, RotationError> {
    match meta.get_meta(ROTATION_META).await? {
        None => Ok(None),
        Some(bytes) => {
            let state: RotationState = serde_json::from_slice(&bytes).map_err(|_| RotationError::UnreadableState)?;
            if state.version != 1 || state.to_generation != state.from_generation.saturating_add(1) {
                return Err(RotationError::UnreadableState);
            }
            Ok(Some(state))
        }
    }
}

fn next_root_aad(to: u32) -> Vec<u8> {
    format!("{NEXT_ROOT_AAD}|{to}").into_bytes()
}

/// The new root key of `state`, unwrapped with the old root `old` and checked against the
/// state's check value.
///
/// # Errors
/// [`RotationError::UnreadableState`] when it does not open or is not the recorded key.
pub fn next_root(state: &RotationState, old: &RootKey) -> Result<RootKey, RotationError> {
    let raw = next_root_raw(state, old)?;
    let key = RootKey::from_bytes_locked(raw.expose_secret()).map_err(|_| RotationError::UnreadableState)?;
    match state.to_check_value() {
        Some(check) if constant_time_eq(&check, &key.check_value()) => Ok(key),
        _ => Err(RotationError::UnreadableState),
    }
}

/// The raw bytes of the new root key of `state` (for its seal), unwrapped with the old root.
///
/// # Errors
/// [`RotationError::UnreadableState`] when they do not open.
pub fn next_root_raw(state: &RotationState, old: &RootKey) -> Result<KeyMaterial, RotationError> {
    let wrapped = base64::engine::general_purpose::STANDARD
        .decode(&state.next_root)
        .map_err(|_| RotationError::UnreadableState)?;
    let raw = old.unwrap(&next_root_aad(state.to_generation), &wrapped).map_err(|_| RotationError::UnreadableState)?;
    Ok(KeyMaterial::from_slice(raw.expose_secret()))
}

/// The AAD a value of `row` is wrapped with.
fn aad_of(row: &WrappedRow) -> Option<Vec<u8>> {
    match row {
        WrappedRow::KeyMaterial { account, region, key_id, material_id, .. } => {
            let region = Region::parse(region).ok()?;
            let account = AccountId::parse(account).ok()?;
            let arn = Scope::new(account, region).key_arn(key_id);
            let id = KeyMaterialId(material_id.as_slice().try_into().ok()?);
            Some(material_wrap_aad(&arn, &id))
        }
        WrappedRow::AccessKey { access_key_id } => Some(access_key_wrap_aad(access_key_id)),
        WrappedRow::Session { access_key_id } => Some(session_wrap_aad(access_key_id)),
        WrappedRow::CustomKeyStore { account, region, id } => {
            let scope = Scope::new(AccountId::parse(account).ok()?, Region::parse(region).ok()?);
            Some(password_wrap_aad(&scope, id))
        }
    }
}

/// A row's primary key for an error message (no secret is in one).
fn describe(row: &WrappedRow) -> String {
    match row {
        WrappedRow::KeyMaterial { account, region, key_id, seq, .. } => format!("{account}/{region}/{key_id}/{seq}"),
        WrappedRow::AccessKey { access_key_id } | WrappedRow::Session { access_key_id } => access_key_id.clone(),
        WrappedRow::CustomKeyStore { account, region, id } => format!("{account}/{region}/{id}"),
    }
}

impl RootRotation {
    /// The rotation over `store` (the main database, which is also `meta`), the audit trail's
    /// `audit_meta`, and the node's `ring`.
    pub fn new(
        store: Arc<dyn RewrapStore>,
        meta: Arc<dyn MetaStore>,
        audit_meta: Arc<dyn MetaStore>,
        ring: Arc<RootRing>,
    ) -> Self {
        Self { store, meta, audit_meta, ring }
    }

    /// The ring.
    pub fn ring(&self) -> &Arc<RootRing> {
        &self.ring
    }

    /// The rotation in progress, if any.
    ///
    /// # Errors
    /// As [`stored_state`].
    pub async fn state(&self) -> Result<Option<RotationState>, RotationError> {
        stored_state(self.meta.as_ref()).await
    }

    /// Begins a rotation to the root key `next` (new random bytes the caller has already
    /// sealed): records the state, then makes the ring wrap under it.
    ///
    /// # Errors
    /// [`RotationError::InProgress`] when one is, [`RotationError::Bounds`], or the store's.
    pub async fn begin(
        &self,
        next: &KeyMaterial,
        batch_size: u32,
        pause_ms: u32,
        now: i64,
    ) -> Result<RotationState, RotationError> {
        if batch_size == 0 || batch_size > MAX_BATCH_SIZE || pause_ms > MAX_PAUSE_MS {
            return Err(RotationError::Bounds);
        }
        if let Some(s) = self.state().await? {
            return Err(RotationError::InProgress { from: s.from_generation, to: s.to_generation });
        }
        let current = self.ring.current();
        let to = current.number.checked_add(1).ok_or(RotationError::UnreadableState)?;
        let wrapped = current.key.wrap(&next_root_aad(to), next.expose_secret())?;
        let next = RootKey::from_bytes_locked(next.expose_secret())?;
        let state = RotationState {
            version: 1,
            from_generation: current.number,
            to_generation: to,
            from_check: crate::audit::hex(&current.key.check_value()),
            to_check: crate::audit::hex(&next.check_value()),
            next_root: base64::engine::general_purpose::STANDARD.encode(wrapped),
            batch_size,
            pause_ms,
            column: Some(WrappedColumn::ALL[0]),
            cursor: None,
            pass: 1,
            pass_rewrapped: 0,
            rewrapped: 0,
            started_at: now,
        };
        let text = serde_json::to_vec(&state).map_err(|_| RotationError::UnreadableState)?;
        if !self.store.insert_meta_if_absent(ROTATION_META, &text).await? {
            let s = self.state().await?.ok_or(RotationError::UnreadableState)?;
            return Err(RotationError::InProgress { from: s.from_generation, to: s.to_generation });
        }
        self.ring.begin(Generation { number: to, key: Arc::new(next) });
        Ok(state)
    }

    /// Takes up a recorded rotation with the ring's current root: the old root (the new one
    /// is unwrapped from the state) or the new one (the old one is then not needed: every
    /// value was wrapped again before the seal's file was switched).
    ///
    /// # Errors
    /// [`RotationError::ForeignRoot`] when the ring's root is neither, or as [`next_root`].
    pub fn resume(&self, state: &RotationState) -> Result<(), RotationError> {
        let current = self.ring.current();
        let check = current.key.check_value();
        if state.from_check_value().is_some_and(|c| constant_time_eq(&c, &check)) {
            let next = next_root(state, &current.key)?;
            self.ring.begin(Generation { number: state.to_generation, key: Arc::new(next) });
            Ok(())
        } else if state.to_check_value().is_some_and(|c| constant_time_eq(&c, &check)) {
            Ok(())
        } else {
            Err(RotationError::ForeignRoot)
        }
    }

    /// Wraps one batch again and records the progress.
    ///
    /// # Errors
    /// The store's, or [`RotationError::Unopenable`] for a value that opens under neither root.
    pub async fn step(&self, state: &mut RotationState) -> Result<Stepped, RotationError> {
        let Some(column) = state.column else {
            self.rewrap_signing_key(state.to_generation).await?;
            return Ok(Stepped::Rewrapped);
        };
        let values = self.store.wrapped_after(column, state.cursor.as_ref(), state.batch_size).await?;
        let mut changes = Vec::with_capacity(values.len());
        for value in &values {
            if wrapped_generation(&value.wrapped) == Some(state.to_generation) {
                continue;
            }
            let unopenable = || RotationError::Unopenable { column: column.name(), row: describe(&value.row) };
            let aad = aad_of(&value.row).ok_or_else(unopenable)?;
            let secret = self.ring.unwrap(&aad, &value.wrapped).map_err(|_| unopenable())?;
            let new = self.ring.wrap(&aad, secret.expose_secret())?;
            changes.push(Rewrapped { row: value.row.clone(), old: value.wrapped.clone(), new });
        }
        let replaced = if changes.is_empty() { 0 } else { self.store.replace_wrapped(&changes).await? };
        // A value changed since it was read was written under the new root (or, by a node
        // that had not yet heard of the rotation, the old one, which the next pass finds).
        state.rewrapped += replaced;
        state.pass_rewrapped += changes.len() as u64;
        if values.len() < state.batch_size as usize {
            let next = WrappedColumn::ALL.iter().position(|c| *c == column).and_then(|i| WrappedColumn::ALL.get(i + 1));
            state.cursor = None;
            state.column = match next {
                Some(c) => Some(*c),
                None if state.pass_rewrapped == 0 => None,
                None => {
                    state.pass += 1;
                    state.pass_rewrapped = 0;
                    Some(WrappedColumn::ALL[0])
                }
            };
        } else {
            state.cursor = values.last().map(|v| v.row.clone());
        }
        let text = serde_json::to_vec(&*state).map_err(|_| RotationError::UnreadableState)?;
        self.meta.put_meta(ROTATION_META, &text).await?;
        Ok(Stepped::More)
    }

    async fn rewrap_signing_key(&self, to: u32) -> Result<(), RotationError> {
        let Some(wrapped) = self.audit_meta.get_meta(META_SIGNING_KEY).await? else { return Ok(()) };
        if wrapped_generation(&wrapped) == Some(to) {
            return Ok(());
        }
        let unopenable = || RotationError::Unopenable { column: "audit_meta", row: META_SIGNING_KEY.to_owned() };
        let secret = self.ring.unwrap(SIGNING_KEY_AAD, &wrapped).map_err(|_| unopenable())?;
        let new = self.ring.wrap(SIGNING_KEY_AAD, secret.expose_secret())?;
        self.audit_meta.put_meta(META_SIGNING_KEY, &new).await?;
        Ok(())
    }

    /// Ends the rotation: the new root's check value and generation become the database's,
    /// the state is removed, and the ring forgets the old root.
    ///
    /// # Errors
    /// The store's; nothing is changed then.
    pub async fn finish(&self, state: &RotationState) -> Result<(), RotationError> {
        let check = state.to_check_value().ok_or(RotationError::UnreadableState)?;
        let generation = state.to_generation.to_string();
        self.store
            .finish_meta(&[(ROOT_CHECK_META, &check), (GENERATION_META, generation.as_bytes())], ROTATION_META)
            .await?;
        self.ring.finish();
        Ok(())
    }
}
