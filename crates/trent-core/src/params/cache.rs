//! The in-memory cache of parameters that keeps `GetParameter` and `GetParametersByPath` off
//! the database: [`CachedStore`] wraps the [`ParamStore`] that [`super::Params`] uses.
//!
//! It holds, per account and region, the newest version of parameters read lately, the older
//! versions read by `name:version`, and the pages of path listings. Every write of a parameter
//! goes through this wrapper, which writes the store first and then drops the parameter's
//! entry and every listing page of its scope (a new or deleted parameter changes listings),
//! whether the write succeeded or not (a failed write may still have committed if only its
//! acknowledgement was lost). A load that raced with a write could otherwise insert a stale
//! entry after the drop; the epoch of its [`Coherence`] prevents it, as in the other caches.
//!
//! Other nodes sharing the database cache the same parameters: every local drop is handed to
//! the [`InvalidationSink`] as [`Invalidation::Parameter`]; what other nodes publish arrives
//! through [`ParamCache::apply_remote`], and the server's periodic full check bounds how long
//! a lost message can leave a stale entry. Entries hold what the store holds: a
//! `SecureString`'s value stays its ciphertext.
//!
//! The cache is bounded by the bytes it holds ([`DEFAULT_BUDGET`]), not by a count, since a
//! value is up to 8 KB and a listing page up to 500 of them.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use parking_lot::RwLock;
use time::OffsetDateTime;

use super::model::{Listing, ParamTag, ParameterVersion, ParameterWrite, StoredSetting, TierCounts};
use super::policies::ParameterPolicy;
use crate::coherence::Coherence;
use crate::events::{Event, OutboxCursor, QueuedEvent};
use crate::ids::Scope;
use crate::invalidation::{Invalidation, InvalidationSink};
use crate::store::{EventStore, ParamStore, StoreError};

/// Bytes of cached versions held at most (names, values and the other text, roughly).
pub(crate) const DEFAULT_BUDGET: usize = 64 << 20;
/// Older versions one cached parameter keeps at most (AWS keeps 100 per parameter).
const MAX_VERSIONS_PER_ENTRY: usize = 128;
/// What a cached version costs besides its text: the struct, the map slot, the timestamps.
const OVERHEAD: usize = 256;

/// Roughly the memory one cached version takes.
fn weight(v: &ParameterVersion) -> usize {
    let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    OVERHEAD
        + v.name.len()
        + v.value.0.len()
        + text(&v.key_id)
        + text(&v.description)
        + text(&v.allowed_pattern)
        + v.modified_by.len()
        + v.labels.iter().map(String::len).sum::<usize>()
        + v.policies.iter().map(|p| p.text.len() + OVERHEAD).sum::<usize>()
}

/// One parameter as the store holds it: its newest version and the older ones read so far.
#[derive(Default)]
struct Entry {
    latest: Option<ParameterVersion>,
    versions: HashMap<u64, ParameterVersion>,
    bytes: usize,
    /// The store's stamp of the parameter's rows, read before the first version this entry
    /// holds ([`ParamStore::parameter_stamp`]); `None` on a single-node store, and once two
    /// loads of the entry read different stamps (the next full check drops it).
    stamp: Option<String>,
}

impl Entry {
    /// Notes the stamp a load read before the version it is adding: the first one is the
    /// entry's, a different one later leaves the entry without a stamp.
    fn restamp(&mut self, stamp: Option<String>) {
        if self.latest.is_none() && self.versions.is_empty() {
            self.stamp = stamp;
        } else if self.stamp != stamp {
            self.stamp = None;
        }
    }
}

/// A page of a listing as the store answered it.
struct Page {
    rows: Vec<ParameterVersion>,
    bytes: usize,
}

/// What one account and region has cached.
#[derive(Default)]
struct ScopeCache {
    params: HashMap<String, Entry>,
    /// Pages of listings, by [`page_key`].
    pages: HashMap<String, Page>,
}

#[derive(Default)]
struct Inner {
    scopes: HashMap<Scope, ScopeCache>,
    bytes: usize,
}

impl Inner {
    /// Evicts arbitrary entries until the cache holds at most `budget` bytes: a miss only
    /// costs one store read.
    fn shrink_to(&mut self, budget: usize) {
        while self.bytes > budget {
            let Some(scope) = self.scopes.keys().next().cloned() else {
                self.bytes = 0;
                return;
            };
            let Some(cache) = self.scopes.get_mut(&scope) else { return };
            if let Some(key) = cache.pages.keys().next().cloned() {
                let freed = cache.pages.remove(&key).map_or(0, |p| p.bytes);
                self.bytes = self.bytes.saturating_sub(freed);
            } else if let Some(name) = cache.params.keys().next().cloned() {
                let freed = cache.params.remove(&name).map_or(0, |e| e.bytes);
                self.bytes = self.bytes.saturating_sub(freed);
            } else {
                self.scopes.remove(&scope);
            }
        }
    }

    /// Drops a parameter and every listing page of its scope.
    fn forget(&mut self, scope: &Scope, name: &str) {
        let Some(cache) = self.scopes.get_mut(scope) else { return };
        let mut freed = cache.params.remove(name).map_or(0, |e| e.bytes);
        freed += cache.pages.drain().map(|(_, p)| p.bytes).sum::<usize>();
        if cache.params.is_empty() {
            self.scopes.remove(scope);
        }
        self.bytes = self.bytes.saturating_sub(freed);
    }
}

/// The key of a listing page: what is listed, where it starts, how many rows at most.
fn page_key(listing: Listing<'_>, after: Option<&str>, limit: u32) -> String {
    let (kind, path) = match listing {
        Listing::All => ("all", ""),
        Listing::Children(p) => ("children", p),
        Listing::Below(p) => ("below", p),
    };
    // Names and paths hold no NUL; `after` absent and `after` empty differ by the marker.
    match after {
        Some(after) => format!("{kind}\0{path}\0>{after}\0{limit}"),
        None => format!("{kind}\0{path}\0\0{limit}"),
    }
}

/// Cached parameters and listings by scope.
#[derive(Default)]
pub(crate) struct ParamCache {
    inner: RwLock<Inner>,
    budget: usize,
    coherence: Coherence,
}

impl ParamCache {
    pub(crate) fn new(budget: usize) -> Self {
        Self { budget, ..Self::default() }
    }

    pub(crate) fn set_sink(&self, sink: Arc<dyn InvalidationSink>) {
        self.coherence.set_sink(sink);
    }

    /// Lookups so far: (hits, misses).
    pub(crate) fn stats(&self) -> (u64, u64) {
        self.coherence.stats()
    }

    /// Bytes held (roughly).
    pub(crate) fn bytes(&self) -> usize {
        self.inner.read().bytes
    }

    fn latest(&self, scope: &Scope, name: &str) -> Option<ParameterVersion> {
        let found = self.inner.read().scopes.get(scope).and_then(|s| s.params.get(name)).and_then(|e| e.latest.clone());
        self.coherence.count(found)
    }

    fn version(&self, scope: &Scope, name: &str, version: u64) -> Option<ParameterVersion> {
        let inner = self.inner.read();
        let entry = inner.scopes.get(scope).and_then(|s| s.params.get(name));
        let found = entry.and_then(|e| match &e.latest {
            Some(latest) if latest.version == version => Some(latest.clone()),
            _ => e.versions.get(&version).cloned(),
        });
        drop(inner);
        self.coherence.count(found)
    }

    fn page(&self, scope: &Scope, key: &str) -> Option<Vec<ParameterVersion>> {
        let found = self.inner.read().scopes.get(scope).and_then(|s| s.pages.get(key)).map(|p| p.rows.clone());
        self.coherence.count(found)
    }

    fn epoch(&self) -> u64 {
        self.coherence.epoch()
    }

    /// Stores what a load read, unless a drop happened since it started (`epoch`); `put`
    /// returns the bytes it added and those it freed.
    fn insert(&self, scope: &Scope, epoch: u64, put: impl FnOnce(&mut ScopeCache) -> (usize, usize)) {
        let mut inner = self.inner.write();
        if !self.coherence.unchanged_since(epoch) {
            return;
        }
        let (added, freed) = put(inner.scopes.entry(scope.clone()).or_default());
        inner.bytes = (inner.bytes + added).saturating_sub(freed);
        inner.shrink_to(self.budget);
    }

    fn insert_latest(&self, scope: &Scope, version: &ParameterVersion, stamp: Option<String>, epoch: u64) {
        self.insert(scope, epoch, |cache| {
            let entry = cache.params.entry(version.name.clone()).or_default();
            entry.restamp(stamp);
            let w = weight(version);
            let old = entry.latest.replace(version.clone()).map_or(0, |v| weight(&v));
            entry.bytes = (entry.bytes + w).saturating_sub(old);
            (w, old)
        });
    }

    fn insert_version(&self, scope: &Scope, version: &ParameterVersion, stamp: Option<String>, epoch: u64) {
        self.insert(scope, epoch, |cache| {
            let entry = cache.params.entry(version.name.clone()).or_default();
            entry.restamp(stamp);
            let mut freed = 0;
            if entry.versions.len() >= MAX_VERSIONS_PER_ENTRY {
                freed = entry.versions.drain().map(|(_, v)| weight(&v)).sum();
            }
            let w = weight(version);
            freed += entry.versions.insert(version.version, version.clone()).map_or(0, |v| weight(&v));
            entry.bytes = (entry.bytes + w).saturating_sub(freed);
            (w, freed)
        });
    }

    fn insert_page(&self, scope: &Scope, key: String, rows: &[ParameterVersion], epoch: u64) {
        let bytes = OVERHEAD + key.len() + rows.iter().map(weight).sum::<usize>();
        if bytes > self.budget / 8 {
            return; // one page may not crowd out everything else
        }
        self.insert(scope, epoch, |cache| {
            let old = cache.pages.insert(key, Page { rows: rows.to_vec(), bytes }).map_or(0, |p| p.bytes);
            (bytes, old)
        });
    }

    /// Drops a parameter after a write of it, here and (through the sink) on other nodes.
    fn invalidate(&self, scope: &Scope, name: &str) {
        self.forget(scope, name);
        self.coherence.publish(|| Invalidation::Parameter(scope.clone(), name.to_owned()));
    }

    fn forget(&self, scope: &Scope, name: &str) {
        let mut inner = self.inner.write();
        self.coherence.advance();
        inner.forget(scope, name);
    }

    /// Applies another node's invalidation (publishing nothing); changes of anything but
    /// parameters are not this cache's.
    pub(crate) fn apply_remote(&self, change: &Invalidation) {
        match change {
            Invalidation::Parameter(scope, name) => self.forget(scope, name),
            Invalidation::All => self.clear(),
            Invalidation::Key(..)
            | Invalidation::Aliases(_)
            | Invalidation::User(..)
            | Invalidation::Group(..)
            | Invalidation::Role(..)
            | Invalidation::AccessKey(_)
            | Invalidation::Secret(..) => {}
        }
    }

    /// The parameters cached now, for the periodic check against the store.
    pub(crate) fn names(&self) -> Vec<(Scope, String)> {
        let inner = self.inner.read();
        inner.scopes.iter().flat_map(|(scope, cache)| cache.params.keys().map(|n| (scope.clone(), n.clone()))).collect()
    }

    /// Keeps the parameters whose stamp is the one in `current` (`None`: gone from the
    /// store), drops the others named there (changed, gone, or cached without a stamp) and
    /// leaves those `current` does not name (cached since it was read) for the next check;
    /// drops every listing page (a page carries no stamp: which parameters it holds changes
    /// with any parameter of its scope) and refuses the loads in flight, which may have read
    /// a page before a change. Returns how many parameters it dropped.
    pub(crate) fn drop_changed(&self, current: &HashMap<(Scope, String), Option<String>>) -> usize {
        let mut inner = self.inner.write();
        self.coherence.advance();
        let (mut dropped, mut freed) = (0, 0);
        for (scope, cache) in &mut inner.scopes {
            freed += cache.pages.drain().map(|(_, p)| p.bytes).sum::<usize>();
            cache.params.retain(|name, entry| {
                let keep = match current.get(&(scope.clone(), name.clone())) {
                    None => true,
                    Some(now) => entry.stamp.is_some() && entry.stamp == *now,
                };
                if !keep {
                    dropped += 1;
                    freed += entry.bytes;
                }
                keep
            });
        }
        inner.scopes.retain(|_, cache| !cache.params.is_empty());
        inner.bytes = inner.bytes.saturating_sub(freed);
        dropped
    }

    /// How many parameters are cached.
    pub(crate) fn len(&self) -> usize {
        self.inner.read().scopes.values().map(|s| s.params.len()).sum()
    }

    pub(crate) fn clear(&self) {
        let mut inner = self.inner.write();
        self.coherence.advance();
        *inner = Inner::default();
    }
}

/// A [`ParamStore`] that answers reads of a parameter's newest version, of its numbered
/// versions and of listing pages from a [`ParamCache`], and drops what a write changes.
pub(crate) struct CachedStore {
    inner: Arc<dyn ParamStore>,
    cache: Arc<ParamCache>,
}

impl CachedStore {
    pub(crate) fn new(inner: Arc<dyn ParamStore>, cache: Arc<ParamCache>) -> Self {
        Self { inner, cache }
    }
}

#[async_trait]
impl EventStore for CachedStore {
    async fn events_after(&self, after: OutboxCursor, limit: u32) -> Result<Vec<QueuedEvent>, StoreError> {
        self.inner.events_after(after, limit).await
    }

    async fn remove_events_through(&self, through: OutboxCursor) -> Result<(), StoreError> {
        self.inner.remove_events_through(through).await
    }

    async fn undelivered(&self, sink: &str, limit: u32) -> Result<Vec<QueuedEvent>, StoreError> {
        self.inner.undelivered(sink, limit).await
    }

    async fn undelivered_count(&self, sink: &str) -> Result<u64, StoreError> {
        self.inner.undelivered_count(sink).await
    }

    async fn mark_delivered(&self, sink: &str, seqs: &[u64], at: OffsetDateTime) -> Result<(), StoreError> {
        self.inner.mark_delivered(sink, seqs, at).await
    }

    async fn trim_delivered(&self, sinks: &[String], before: OffsetDateTime) -> Result<u64, StoreError> {
        self.inner.trim_delivered(sinks, before).await
    }
}

#[async_trait]
impl ParamStore for CachedStore {
    async fn put_version(&self, scope: &Scope, write: &ParameterWrite) -> Result<(), StoreError> {
        let result = self.inner.put_version(scope, write).await;
        self.cache.invalidate(scope, &write.version.name);
        result
    }

    async fn latest(&self, scope: &Scope, name: &str) -> Result<Option<ParameterVersion>, StoreError> {
        if let Some(found) = self.cache.latest(scope, name) {
            return Ok(Some(found));
        }
        let epoch = self.cache.epoch();
        // Before the rows: a change landing in between leaves the stamp behind the rows.
        let stamp = self.inner.parameter_stamp(scope, name).await?;
        let found = self.inner.latest(scope, name).await?;
        if let Some(version) = &found {
            self.cache.insert_latest(scope, version, stamp, epoch);
        }
        Ok(found)
    }

    async fn parameter_stamp(&self, scope: &Scope, name: &str) -> Result<Option<String>, StoreError> {
        self.inner.parameter_stamp(scope, name).await
    }

    async fn version(&self, scope: &Scope, name: &str, version: u64) -> Result<Option<ParameterVersion>, StoreError> {
        if let Some(found) = self.cache.version(scope, name, version) {
            return Ok(Some(found));
        }
        let epoch = self.cache.epoch();
        let stamp = self.inner.parameter_stamp(scope, name).await?;
        let found = self.inner.version(scope, name, version).await?;
        if let Some(v) = &found {
            self.cache.insert_version(scope, v, stamp, epoch);
        }
        Ok(found)
    }

    async fn labelled(&self, scope: &Scope, name: &str, label: &str) -> Result<Option<ParameterVersion>, StoreError> {
        self.inner.labelled(scope, name, label).await
    }

    async fn history(
        &self,
        scope: &Scope,
        name: &str,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<ParameterVersion>, StoreError> {
        self.inner.history(scope, name, after, limit).await
    }

    async fn list(
        &self,
        scope: &Scope,
        listing: Listing<'_>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ParameterVersion>, StoreError> {
        let key = page_key(listing, after, limit);
        if let Some(rows) = self.cache.page(scope, &key) {
            return Ok(rows);
        }
        let epoch = self.cache.epoch();
        let rows = self.inner.list(scope, listing, after, limit).await?;
        self.cache.insert_page(scope, key, &rows, epoch);
        Ok(rows)
    }

    async fn delete_parameter(
        &self,
        scope: &Scope,
        name: &str,
        version: Option<u64>,
        events: &[Event],
    ) -> Result<(), StoreError> {
        let result = self.inner.delete_parameter(scope, name, version, events).await;
        self.cache.invalidate(scope, name);
        result
    }

    async fn policies_due(&self, now: OffsetDateTime, limit: u32) -> Result<Vec<(Scope, String)>, StoreError> {
        self.inner.policies_due(now, limit).await
    }

    async fn update_policies(
        &self,
        scope: &Scope,
        name: &str,
        read: &ParameterVersion,
        policies: &[ParameterPolicy],
        due: Option<OffsetDateTime>,
        events: &[Event],
    ) -> Result<(), StoreError> {
        let result = self.inner.update_policies(scope, name, read, policies, due, events).await;
        self.cache.invalidate(scope, name);
        result
    }

    async fn move_labels(
        &self,
        scope: &Scope,
        name: &str,
        version: u64,
        labels: &[String],
        events: &[Event],
    ) -> Result<(), StoreError> {
        let result = self.inner.move_labels(scope, name, version, labels, events).await;
        self.cache.invalidate(scope, name);
        result
    }

    async fn remove_labels(
        &self,
        scope: &Scope,
        name: &str,
        version: u64,
        labels: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let result = self.inner.remove_labels(scope, name, version, labels).await;
        self.cache.invalidate(scope, name);
        result
    }

    async fn count_by_tier(&self, scope: &Scope) -> Result<TierCounts, StoreError> {
        self.inner.count_by_tier(scope).await
    }

    async fn put_param_tags(&self, scope: &Scope, name: &str, tags: &[ParamTag]) -> Result<(), StoreError> {
        // Tags are not cached; a listing filtered by tag reads them from the store.
        self.inner.put_param_tags(scope, name, tags).await
    }

    async fn remove_param_tags(&self, scope: &Scope, name: &str, keys: &[String]) -> Result<(), StoreError> {
        self.inner.remove_param_tags(scope, name, keys).await
    }

    async fn param_tags(&self, scope: &Scope, name: &str) -> Result<Vec<ParamTag>, StoreError> {
        self.inner.param_tags(scope, name).await
    }

    async fn setting(&self, scope: &Scope, id: &str) -> Result<Option<StoredSetting>, StoreError> {
        self.inner.setting(scope, id).await
    }

    async fn put_setting(&self, scope: &Scope, setting: &StoredSetting) -> Result<(), StoreError> {
        self.inner.put_setting(scope, setting).await
    }

    async fn delete_setting(&self, scope: &Scope, id: &str) -> Result<(), StoreError> {
        self.inner.delete_setting(scope, id).await
    }
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
