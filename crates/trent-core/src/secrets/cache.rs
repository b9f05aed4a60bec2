//! The in-memory cache of secrets' metadata and versions that keeps `GetSecretValue` off the
//! database: [`CachedStore`] wraps the [`SecretsStore`] that [`super::Secrets`] uses.
//!
//! Every write of a secret goes through this wrapper, which writes the store first and then
//! drops the secret's entry, whether the write succeeded or not (a failed write may still have
//! committed if only its acknowledgement was lost; a `Conflict` means another node changed it).
//! A load that raced with a write could otherwise insert a stale entry after the drop; the
//! epoch of its [`Coherence`] prevents it, as in the other caches.
//!
//! Other nodes sharing the database cache the same secrets: every local drop is handed to the
//! [`InvalidationSink`] (see [`crate::invalidation`]) as [`Invalidation::Secret`]; what other
//! nodes publish arrives through [`SecretCache::apply_remote`]. Entries hold what the store
//! holds (values stay encrypted; unwrapped data keys live in the separate data-key cache).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use parking_lot::RwLock;
use time::OffsetDateTime;

use super::{SecretRecord, VersionRecord};
use crate::coherence::Coherence;
use crate::ids::Scope;
use crate::invalidation::{Invalidation, InvalidationSink};
use crate::store::{SecretChange, SecretsStore, StoreError};

/// Secrets the cache holds at most before it starts evicting.
pub(crate) const DEFAULT_CAPACITY: usize = 10_000;
/// Versions one cached secret keeps at most (AWS keeps about 100 per secret).
const MAX_VERSIONS_PER_ENTRY: usize = 128;

/// One secret as the store holds it, and the versions of it read so far.
struct Entry {
    record: SecretRecord,
    versions: HashMap<String, VersionRecord>,
    /// The store's stamp of the secret's rows, read before the record
    /// ([`SecretsStore::secret_stamp`]); it covers the versions added later too (a version
    /// changed since moves the stamp). `None` on a single-node store.
    stamp: Option<String>,
}

/// Cached secrets by scope and name.
#[derive(Default)]
pub(crate) struct SecretCache {
    entries: RwLock<HashMap<(Scope, String), Entry>>,
    capacity: usize,
    coherence: Coherence,
}

impl SecretCache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { capacity, ..Self::default() }
    }

    pub(crate) fn set_sink(&self, sink: Arc<dyn InvalidationSink>) {
        self.coherence.set_sink(sink);
    }

    /// Lookups of a secret so far: (hits, misses).
    pub(crate) fn stats(&self) -> (u64, u64) {
        self.coherence.stats()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.read().len()
    }

    fn secret(&self, scope: &Scope, name: &str) -> Option<SecretRecord> {
        let found = self.entries.read().get(&(scope.clone(), name.to_owned())).map(|e| e.record.clone());
        self.coherence.count(found)
    }

    fn version(&self, scope: &Scope, name: &str, version_id: &str) -> Option<VersionRecord> {
        self.entries.read().get(&(scope.clone(), name.to_owned()))?.versions.get(version_id).cloned()
    }

    fn epoch(&self) -> u64 {
        self.coherence.epoch()
    }

    fn insert_secret(&self, record: &SecretRecord, stamp: Option<String>, epoch: u64) {
        let mut map = self.entries.write();
        if !self.coherence.unchanged_since(epoch) {
            return;
        }
        if map.len() >= self.capacity
            && let Some(victim) = map.keys().next().cloned()
        {
            // An arbitrary victim: a miss only costs one store read.
            map.remove(&victim);
        }
        let entry = Entry { record: record.clone(), versions: HashMap::new(), stamp };
        map.insert((record.scope.clone(), record.name.clone()), entry);
    }

    /// Adds a version to a cached secret (a version of a secret not cached is not kept).
    fn insert_version(&self, scope: &Scope, name: &str, version: &VersionRecord, epoch: u64) {
        let mut map = self.entries.write();
        if !self.coherence.unchanged_since(epoch) {
            return;
        }
        if let Some(entry) = map.get_mut(&(scope.clone(), name.to_owned())) {
            if entry.versions.len() >= MAX_VERSIONS_PER_ENTRY {
                entry.versions.clear();
            }
            entry.versions.insert(version.version_id.clone(), version.clone());
        }
    }

    /// Drops a secret after a write of it, here and (through the sink) on other nodes.
    fn invalidate(&self, scope: &Scope, name: &str) {
        self.forget(scope, name);
        self.coherence.publish(|| Invalidation::Secret(scope.clone(), name.to_owned()));
    }

    fn forget(&self, scope: &Scope, name: &str) {
        let mut map = self.entries.write();
        self.coherence.advance();
        map.remove(&(scope.clone(), name.to_owned()));
    }

    /// Applies another node's invalidation (publishing nothing); changes of keys and
    /// identities are not this cache's.
    pub(crate) fn apply_remote(&self, change: &Invalidation) {
        match change {
            Invalidation::Secret(scope, name) => self.forget(scope, name),
            Invalidation::All => self.clear(),
            Invalidation::Key(..)
            | Invalidation::Aliases(_)
            | Invalidation::User(..)
            | Invalidation::Group(..)
            | Invalidation::Role(..)
            | Invalidation::AccessKey(_)
            | Invalidation::Parameter(..) => {}
        }
    }

    /// The secrets cached now, for the periodic check against the store.
    pub(crate) fn names(&self) -> Vec<(Scope, String)> {
        self.entries.read().keys().cloned().collect()
    }

    /// Keeps the secrets whose stamp is the one in `current` (`None`: gone from the store),
    /// drops the others named there (changed, gone, or cached without a stamp) and leaves
    /// those `current` does not name (cached since it was read) for the next check; returns
    /// how many it dropped. A load in flight is not refused: its stamp, read before its rows,
    /// is checked next time.
    pub(crate) fn drop_changed(&self, current: &HashMap<(Scope, String), Option<String>>) -> usize {
        let mut map = self.entries.write();
        let before = map.len();
        map.retain(|id, entry| match current.get(id) {
            None => true,
            Some(now) => entry.stamp.is_some() && entry.stamp == *now,
        });
        before - map.len()
    }

    pub(crate) fn clear(&self) {
        let mut map = self.entries.write();
        self.coherence.advance();
        map.clear();
    }
}

/// A [`SecretsStore`] that answers reads of single secrets and versions from a
/// [`SecretCache`] and drops a secret's entry after every write of it.
pub(crate) struct CachedStore {
    inner: Arc<dyn SecretsStore>,
    cache: Arc<SecretCache>,
}

impl CachedStore {
    pub(crate) fn new(inner: Arc<dyn SecretsStore>, cache: Arc<SecretCache>) -> Self {
        Self { inner, cache }
    }
}

#[async_trait]
impl SecretsStore for CachedStore {
    async fn insert_secret(&self, secret: &SecretRecord, version: Option<&VersionRecord>) -> Result<(), StoreError> {
        let result = self.inner.insert_secret(secret, version).await;
        self.cache.invalidate(&secret.scope, &secret.name);
        result
    }

    async fn get_secret(&self, scope: &Scope, name: &str) -> Result<Option<SecretRecord>, StoreError> {
        if let Some(found) = self.cache.secret(scope, name) {
            return Ok(Some(found));
        }
        let epoch = self.cache.epoch();
        // Before the rows: a change landing in between leaves the stamp behind the rows.
        let stamp = self.inner.secret_stamp(scope, name).await?;
        let found = self.inner.get_secret(scope, name).await?;
        if let Some(record) = &found {
            self.cache.insert_secret(record, stamp, epoch);
        }
        Ok(found)
    }

    async fn secret_stamp(&self, scope: &Scope, name: &str) -> Result<Option<String>, StoreError> {
        self.inner.secret_stamp(scope, name).await
    }

    async fn list_secrets(&self, scope: &Scope) -> Result<Vec<SecretRecord>, StoreError> {
        self.inner.list_secrets(scope).await
    }

    async fn update_secret(&self, change: SecretChange<'_>) -> Result<(), StoreError> {
        let (scope, name) = (change.secret.scope.clone(), change.secret.name.clone());
        let result = self.inner.update_secret(change).await;
        self.cache.invalidate(&scope, &name);
        result
    }

    async fn touch_secret(&self, scope: &Scope, name: &str, day: OffsetDateTime) -> Result<(), StoreError> {
        let result = self.inner.touch_secret(scope, name, day).await;
        self.cache.invalidate(scope, name);
        result
    }

    async fn get_version(
        &self,
        scope: &Scope,
        name: &str,
        version_id: &str,
    ) -> Result<Option<VersionRecord>, StoreError> {
        if let Some(found) = self.cache.version(scope, name, version_id) {
            return Ok(Some(found));
        }
        let epoch = self.cache.epoch();
        let found = self.inner.get_version(scope, name, version_id).await?;
        if let Some(version) = &found {
            self.cache.insert_version(scope, name, version, epoch);
        }
        Ok(found)
    }

    async fn versions(&self, scope: &Scope, name: &str) -> Result<Vec<VersionRecord>, StoreError> {
        self.inner.versions(scope, name).await
    }

    async fn delete_secret(&self, scope: &Scope, name: &str, expected_revision: Option<u64>) -> Result<(), StoreError> {
        let result = self.inner.delete_secret(scope, name, expected_revision).await;
        self.cache.invalidate(scope, name);
        result
    }

    async fn rotating_secrets(&self) -> Result<Vec<(Scope, String)>, StoreError> {
        self.inner.rotating_secrets().await
    }

    async fn secrets_with_replicas_due(&self, now: OffsetDateTime) -> Result<Vec<(Scope, String)>, StoreError> {
        self.inner.secrets_with_replicas_due(now).await
    }

    async fn secrets_due(&self, now: OffsetDateTime) -> Result<Vec<(Scope, String)>, StoreError> {
        self.inner.secrets_due(now).await
    }
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
