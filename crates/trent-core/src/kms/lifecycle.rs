//! Key states: enabling, disabling, scheduling and cancelling deletion, and the checks
//! every operation makes against a key's state.

use time::{Duration, OffsetDateTime};

use super::KeyAction;
use super::keyref::{self, Aliases};
use super::{Contended, KeyRecord, KeyState, Kms, KmsError};
use crate::identity::Caller;
use crate::store::StoreError;

/// How often a read-modify-write retries when another writer got there first.
const MUTATION_ATTEMPTS: usize = 8;

/// What `ScheduleKeyDeletion` returns.
#[derive(Clone, Debug)]
pub struct DeletionScheduled {
    /// ARN of the key.
    pub key_arn: String,
    /// When the scheduler will destroy it; `None` for a multi-Region primary key that waits
    /// for its replicas to be deleted first (`PendingReplicaDeletion`).
    pub deletion_date: Option<OffsetDateTime>,
    /// The key's state now: `PendingDeletion` or `PendingReplicaDeletion`.
    pub state: KeyState,
    /// The waiting period.
    pub pending_window_days: u32,
}

/// `KMSInvalidStateException` for a key whose state refuses the operation.
pub(crate) fn state_error(rec: &KeyRecord) -> KmsError {
    KmsError::InvalidState { key_arn: rec.arn(), state: rec.state }
}

/// For cryptographic operations: the key must be `Enabled`.
pub(crate) fn check_usable(rec: &KeyRecord) -> Result<(), KmsError> {
    match rec.state {
        KeyState::Enabled => Ok(()),
        KeyState::Disabled => Err(KmsError::Disabled { key_arn: rec.arn() }),
        _ => Err(state_error(rec)),
    }
}

/// For management operations that AWS refuses on a key pending deletion (or otherwise in
/// transit) but allows on a disabled one.
pub(crate) fn refuse_pending_deletion(rec: &KeyRecord) -> Result<(), KmsError> {
    match rec.state {
        KeyState::Enabled | KeyState::Disabled => Ok(()),
        _ => Err(state_error(rec)),
    }
}

impl Kms {
    /// Read-modify-write of a key's metadata with optimistic concurrency: `f` edits a fresh
    /// copy and the store accepts it only if nobody changed the key in between.
    pub(crate) async fn mutate_key<F>(
        &self,
        caller: &Caller,
        key_id: &str,
        action: KeyAction,
        f: F,
    ) -> Result<KeyRecord, KmsError>
    where
        F: Fn(&mut KeyRecord, OffsetDateTime) -> Result<(), KmsError> + Send,
    {
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let (scope, id) = self.resolve_authorized(caller, r, action).await?;
        for _ in 0..MUTATION_ATTEMPTS {
            let mut rec = self.record(&scope, &id).await?;
            let expected = rec.revision;
            f(&mut rec, self.clock.now())?;
            rec.revision = expected + 1;
            let written = self.store.update_key(&rec, expected).await;
            // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
            self.cache.invalidate_key(&scope, &id);
            match written {
                Ok(()) => return Ok(rec),
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(super::keys::not_found(&rec.arn())),
                Err(e) => return Err(e.into()),
            }
        }
        Err(KmsError::Conflict(Contended::Key))
    }

    /// `EnableKey`.
    ///
    /// # Errors
    /// `InvalidState` if the key is pending deletion or import.
    pub async fn enable_key(&self, caller: &Caller, key_id: &str) -> Result<(), KmsError> {
        self.mutate_key(caller, key_id, KeyAction::EnableKey, |rec, _| {
            refuse_pending_deletion(rec)?;
            rec.state = KeyState::Enabled;
            Ok(())
        })
        .await
        .map(|_| ())
    }

    /// `DisableKey`.
    ///
    /// # Errors
    /// `InvalidState` if the key is pending deletion or import.
    pub async fn disable_key(&self, caller: &Caller, key_id: &str) -> Result<(), KmsError> {
        self.mutate_key(caller, key_id, KeyAction::DisableKey, |rec, _| {
            refuse_pending_deletion(rec)?;
            rec.state = KeyState::Disabled;
            Ok(())
        })
        .await
        .map(|_| ())
    }

    /// `ScheduleKeyDeletion` with a waiting period of 7 to 30 days (default 30).
    ///
    /// # Errors
    /// `Validation` for a period outside 7..=30, `InvalidState` if already pending deletion.
    pub async fn schedule_key_deletion(
        &self,
        caller: &Caller,
        key_id: &str,
        pending_window_days: Option<u32>,
    ) -> Result<DeletionScheduled, KmsError> {
        let days = pending_window_days.unwrap_or(super::DEFAULT_PENDING_WINDOW_DAYS);
        let range = super::PENDING_WINDOW_DAYS;
        if days < *range.start() {
            return Err(super::error::validation::value_at_least("pendingWindowInDays", days, (*range.start()).into()));
        }
        if days > *range.end() {
            return Err(super::error::validation::value_at_most("pendingWindowInDays", days, (*range.end()).into()));
        }
        // A multi-Region primary key with replicas waits for them (PendingReplicaDeletion);
        // its own waiting period starts when the last replica is gone.
        let waits = match self.resolve(keyref::parse(caller, key_id, Aliases::Refused)?).await {
            Ok((scope, id)) => match self.store.get_key(&scope, &id).await? {
                Some(rec) => self.has_replicas(&rec).await?,
                None => false,
            },
            Err(_) => false,
        };
        let rec = self
            .mutate_key(caller, key_id, KeyAction::ScheduleKeyDeletion, |rec, now| {
                refuse_pending_deletion(rec)?;
                if waits {
                    rec.state = KeyState::PendingReplicaDeletion;
                    rec.deletion_date = None;
                } else {
                    rec.state = KeyState::PendingDeletion;
                    rec.deletion_date = Some(now + Duration::days(days.into()));
                }
                rec.pending_window_days = Some(days);
                Ok(())
            })
            .await?;
        tracing::info!(key_id = %rec.key_id, days, state = rec.state.as_str(), "key deletion scheduled");
        Ok(DeletionScheduled {
            key_arn: rec.arn(),
            deletion_date: rec.deletion_date,
            state: rec.state,
            pending_window_days: days,
        })
    }

    /// `CancelKeyDeletion`: the key returns to `Disabled`, as in AWS (`PendingImport` for a key of
    /// origin `EXTERNAL` without its material). Returns the key ARN.
    ///
    /// # Errors
    /// `InvalidState` if the key is not pending deletion.
    pub async fn cancel_key_deletion(&self, caller: &Caller, key_id: &str) -> Result<String, KmsError> {
        let rec = self
            .mutate_key(caller, key_id, KeyAction::CancelKeyDeletion, |rec, _| {
                if !matches!(rec.state, KeyState::PendingDeletion | KeyState::PendingReplicaDeletion) {
                    return Err(KmsError::NotPendingDeletion { key_arn: rec.arn() });
                }
                // A key of origin EXTERNAL without its imported material awaits it again.
                rec.state = if rec.origin != super::Origin::External || rec.import_complete() {
                    KeyState::Disabled
                } else {
                    KeyState::PendingImport
                };
                rec.deletion_date = None;
                rec.pending_window_days = None;
                Ok(())
            })
            .await?;
        Ok(rec.arn())
    }
}
