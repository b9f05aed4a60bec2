//! Storage of KMS keys, their backing keys, aliases and tags.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::ids::Region;
use crate::ids::{AccountId, KeyId, Scope};
use trent_crypto::KeyMaterialId;

use crate::kms::{Alias, Grant, KeyMaterialRecord, KeyRecord, KeyUse, Tag};

/// A key as `ListKeys` lists it: its id, and its position in its scope's listing (increasing
/// in the order keys were stored; a later page starts after the last position read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedKey {
    /// The key's id.
    pub key_id: KeyId,
    /// Its position in the listing of its scope.
    pub position: u64,
}

/// Keys, their materials, aliases and tags.
#[async_trait]
pub trait KmsStore: Send + Sync {
    /// Inserts a new key with its first material and tags, atomically.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] if the key id is taken in that scope.
    async fn insert_key(&self, key: &KeyRecord, material: &KeyMaterialRecord, tags: &[Tag]) -> Result<(), StoreError>;

    /// Inserts a new key without material (origin `EXTERNAL`, `PendingImport`) and its tags,
    /// atomically.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] if the key id is taken in that scope.
    async fn insert_key_without_material(&self, key: &KeyRecord, tags: &[Tag]) -> Result<(), StoreError>;

    /// Deletes one backing key of a key (the one `material_id` names; nothing if there is
    /// none) and replaces the key's metadata, in one transaction under the same revision check
    /// as [`KmsStore::update_key`] (imported key material: deletion and expiry).
    ///
    /// # Errors
    /// As [`KmsStore::update_key`] (nothing is deleted then).
    async fn remove_material(
        &self,
        key: &KeyRecord,
        expected_revision: u64,
        material_id: &KeyMaterialId,
    ) -> Result<(), StoreError>;

    /// Inserts a copy of a key (a multi-Region replica) with every backing key of its
    /// original, `first` then `later` in order, and its tags, in one transaction: the copy is
    /// stored whole or not at all.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] if the key id is taken in that scope.
    async fn insert_key_copy(
        &self,
        key: &KeyRecord,
        first: &KeyMaterialRecord,
        later: &[KeyMaterialRecord],
        tags: &[Tag],
    ) -> Result<(), StoreError>;

    /// Reads one key's metadata.
    async fn get_key(&self, scope: &Scope, key_id: &KeyId) -> Result<Option<KeyRecord>, StoreError>;

    /// A stamp of everything a cached key is built from (its row, backing keys, grants, tags
    /// and aliases) that changes whenever any of them changes, for a node's periodic check of
    /// its cache against a database that other nodes write to; `None` (the default) on a
    /// backend that serves one node, whose rows nothing else changes. Read before the rows it
    /// stamps: a change landing between the two then makes the stamp older than the rows (the
    /// next check drops a fresh entry), never the rows older than the stamp.
    async fn key_stamp(&self, scope: &Scope, key_id: &KeyId) -> Result<Option<String>, StoreError> {
        let _ = (scope, key_id);
        Ok(None)
    }

    /// Every region's copy of one key id in `account` (a multi-Region key's primary and
    /// replicas), ordered by region.
    async fn key_copies(&self, account: &AccountId, key_id: &KeyId) -> Result<Vec<KeyRecord>, StoreError>;

    /// A scope's keys in the order they were stored, strictly after the position `after`, at
    /// most `limit`: only the ids, all `ListKeys` answers, with each one's position to resume
    /// from, read from a covering index without the rows. The order is the keys' insertion
    /// order rather than their ids' (random) order, so that one page reads neighbouring rows
    /// whatever the scope's size.
    async fn list_key_ids(&self, scope: &Scope, after: Option<u64>, limit: u32) -> Result<Vec<ListedKey>, StoreError>;

    /// Replaces a key's metadata if its stored revision is `expected_revision`.
    /// `key.revision` must be the new revision.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if the key is gone, [`StoreError::Conflict`] if the revision moved.
    async fn update_key(&self, key: &KeyRecord, expected_revision: u64) -> Result<(), StoreError>;

    /// Adds a backing key and replaces the key's metadata in one transaction, under the same
    /// revision check as [`KmsStore::update_key`].
    async fn add_material(
        &self,
        key: &KeyRecord,
        expected_revision: u64,
        material: &KeyMaterialRecord,
    ) -> Result<(), StoreError>;

    /// Replaces the metadata of several keys (the copies of a multi-Region key) in one
    /// transaction, each under the revision check of [`KmsStore::update_key`]: every key is
    /// changed, or none is.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] or [`StoreError::Conflict`] for the first key that is gone or
    /// whose revision moved (nothing is changed then).
    async fn update_keys(&self, keys: &[(KeyRecord, u64)]) -> Result<(), StoreError>;

    /// All backing keys of a key, oldest first.
    async fn materials(&self, scope: &Scope, key_id: &KeyId) -> Result<Vec<KeyMaterialRecord>, StoreError>;

    /// Destroys a key: its metadata, every backing key, its tags and every alias pointing to it.
    async fn delete_key(&self, scope: &Scope, key_id: &KeyId) -> Result<(), StoreError>;

    /// Keys in any scope whose scheduled work is due at `now`: pending deletion with a deletion
    /// date at or before `now`, automatic rotation enabled with a next-rotation date at or
    /// before `now`, or imported material present whose `ValidTo` is at or before `now`.
    async fn keys_due(&self, now: OffsetDateTime) -> Result<Vec<(Scope, KeyId)>, StoreError>;

    /// Writes the last use of several keys in one transaction. A key's stored use is replaced
    /// only by one that [`KeyUse::supersedes`] it (not earlier), so nodes writing in any order
    /// keep the latest; a use of a key that no longer exists is dropped.
    async fn record_key_usage(&self, uses: &[KeyUse]) -> Result<(), StoreError>;

    /// The stored last use of one key.
    async fn key_last_usage(&self, scope: &Scope, key_id: &KeyId) -> Result<Option<KeyUse>, StoreError>;

    /// When this deployment began tracking key usage: the stored time, or `now`, stored, if
    /// none was.
    async fn usage_tracking_start(&self, now: OffsetDateTime) -> Result<OffsetDateTime, StoreError>;

    /// Creates an alias.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] if the name is taken in that scope.
    async fn insert_alias(&self, scope: &Scope, alias: &Alias) -> Result<(), StoreError>;

    /// Points an existing alias at another key and updates its last-updated date.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is no such alias.
    async fn update_alias(&self, scope: &Scope, alias: &Alias) -> Result<(), StoreError>;

    /// Removes an alias.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is no such alias.
    async fn delete_alias(&self, scope: &Scope, name: &str) -> Result<(), StoreError>;

    /// Reads one alias.
    async fn get_alias(&self, scope: &Scope, name: &str) -> Result<Option<Alias>, StoreError>;

    /// Aliases of a scope (optionally only those of one key) ordered by name, strictly after
    /// `after`, at most `limit`.
    async fn list_aliases(
        &self,
        scope: &Scope,
        key_id: Option<&KeyId>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Alias>, StoreError>;

    /// Adds tags or overwrites the values of existing tag keys.
    async fn put_tags(&self, scope: &Scope, key_id: &KeyId, tags: &[Tag]) -> Result<(), StoreError>;

    /// Removes the named tag keys; absent keys are ignored.
    async fn remove_tags(&self, scope: &Scope, key_id: &KeyId, tag_keys: &[String]) -> Result<(), StoreError>;

    /// Tags of a key ordered by tag key, strictly after `after`, at most `limit`.
    async fn list_tags(
        &self,
        scope: &Scope,
        key_id: &KeyId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Tag>, StoreError>;

    /// Stores a grant on a key.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if the key does not exist, [`StoreError::AlreadyExists`] if the
    /// grant id is taken.
    async fn insert_grant(&self, scope: &Scope, grant: &Grant) -> Result<(), StoreError>;

    /// Every grant of a key, ordered by grant id (for authorization, listing and name
    /// idempotency; a key has at most 50,000).
    async fn grants(&self, scope: &Scope, key_id: &KeyId) -> Result<Vec<Grant>, StoreError>;

    /// Grants of every key of `region` (any account) whose retiring principal is
    /// `retiring_principal`, ordered by grant id, strictly after `after`, at most `limit`.
    async fn list_retirable_grants(
        &self,
        region: &Region,
        retiring_principal: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(Scope, Grant)>, StoreError>;

    /// Removes a grant.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is no such grant on that key.
    async fn delete_grant(&self, scope: &Scope, key_id: &KeyId, grant_id: &str) -> Result<(), StoreError>;
}
