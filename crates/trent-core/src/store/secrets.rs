//! Storage of Secrets Manager secrets and their versions.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::events::Event;
use crate::ids::Scope;
use crate::secrets::{SecretRecord, VersionRecord};

/// A change of one secret written in one transaction: its new metadata, perhaps a new version,
/// perhaps versions pruned, and the events it causes (appended to the outbox in the same
/// transaction, as [`super::ParamStore`]'s writes append theirs).
#[derive(Clone, Debug)]
pub struct SecretChange<'a> {
    /// The new metadata; `revision` is the new revision.
    pub secret: &'a SecretRecord,
    /// The revision the stored row must still have.
    pub expected_revision: u64,
    /// A version to add.
    pub new_version: Option<&'a VersionRecord>,
    /// Version ids to remove.
    pub pruned: &'a [String],
    /// Versions stored whatever is stored under their ids: an existing version encrypted
    /// again under another key (`UpdateSecret` with a new `KmsKeyId`), or a version copied in.
    pub upserted: &'a [VersionRecord],
    /// Events to append to the outbox with the change (a rotation's result).
    pub events: &'a [Event],
}

/// Secrets, their versions, tags and resource policies.
#[async_trait]
pub trait SecretsStore: Send + Sync {
    /// Inserts a new secret with its first version, if any, atomically.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] if the name is taken in that scope.
    async fn insert_secret(&self, secret: &SecretRecord, version: Option<&VersionRecord>) -> Result<(), StoreError>;

    /// Reads one secret's metadata by name.
    async fn get_secret(&self, scope: &Scope, name: &str) -> Result<Option<SecretRecord>, StoreError>;

    /// A stamp of one secret's row and its versions that changes whenever any of them changes,
    /// for a node's periodic check of its secret cache against a database other nodes write
    /// to; `None` (the default) on a backend that serves one node, and for a secret that does
    /// not exist. Read before the rows it stamps, as [`super::KmsStore::key_stamp`].
    async fn secret_stamp(&self, scope: &Scope, name: &str) -> Result<Option<String>, StoreError> {
        let _ = (scope, name);
        Ok(None)
    }

    /// Every secret of a scope, ordered by name (a region holds at most 500,000).
    async fn list_secrets(&self, scope: &Scope) -> Result<Vec<SecretRecord>, StoreError>;

    /// Applies `change` if the stored revision is `change.expected_revision`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if the secret is gone, [`StoreError::Conflict`] if the revision
    /// moved, [`StoreError::AlreadyExists`] if the new version id is taken.
    async fn update_secret(&self, change: SecretChange<'_>) -> Result<(), StoreError>;

    /// Records that the secret's value was read on `day`, whatever its revision.
    async fn touch_secret(&self, scope: &Scope, name: &str, day: OffsetDateTime) -> Result<(), StoreError>;

    /// One version of a secret.
    async fn get_version(
        &self,
        scope: &Scope,
        name: &str,
        version_id: &str,
    ) -> Result<Option<VersionRecord>, StoreError>;

    /// Every version of a secret, oldest first.
    async fn versions(&self, scope: &Scope, name: &str) -> Result<Vec<VersionRecord>, StoreError>;

    /// Removes a secret and every version of it; the rows are overwritten on disk. With
    /// `expected_revision`, only if the stored revision is still that one: a purge decided on
    /// what it read (a forced `DeleteSecret`, the end of a recovery window) must not remove a
    /// secret another writer changed since (restored, given a replica). `None` removes the
    /// secret whatever its revision (a replica its primary drops).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is no such secret, [`StoreError::Conflict`] if its
    /// revision is not `expected_revision` (nothing is removed).
    async fn delete_secret(&self, scope: &Scope, name: &str, expected_revision: Option<u64>) -> Result<(), StoreError>;

    /// Secrets in any scope that have a rotation configuration (enabled or not).
    async fn rotating_secrets(&self) -> Result<Vec<(Scope, String)>, StoreError>;

    /// Primaries in any scope whose [`SecretRecord::replica_retry_at`] is at or before `now`
    /// (kept in a column of its own, written with the replicas, and read through an index: a
    /// pass costs the secrets that are due, not a scan of every secret's replicas).
    async fn secrets_with_replicas_due(&self, now: OffsetDateTime) -> Result<Vec<(Scope, String)>, StoreError>;

    /// Secrets in any scope scheduled for deletion at or before `now`.
    async fn secrets_due(&self, now: OffsetDateTime) -> Result<Vec<(Scope, String)>, StoreError>;
}
