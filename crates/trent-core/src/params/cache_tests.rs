//! The parameter cache: reads and listing pages served from memory, every write drops the
//! parameter and its scope's pages (here and on other nodes), a load that raced a write never
//! inserts what it read, and the byte budget holds.

use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use super::*;
use crate::ids::{AccountId, Region};
use crate::params::model::{DataType, ParameterType, StoredValue, Tier};

/// Parameters' versions (oldest first) by scope and name; the last is the newest.
type Rows = HashMap<(Scope, String), Vec<ParameterVersion>>;

/// An in-memory store counting the reads that reach it.
#[derive(Default)]
struct Memory {
    params: Mutex<Rows>,
    reads: AtomicU64,
    /// Applied by the next read after it read, as a write landing during the load.
    race: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl Memory {
    fn read(&self) {
        self.reads.fetch_add(1, Ordering::Relaxed);
    }

    fn raced(&self) {
        if let Some(race) = self.race.lock().take() {
            race();
        }
    }
}

#[async_trait]
impl EventStore for Memory {
    async fn events_after(&self, _: OutboxCursor, _: u32) -> Result<Vec<QueuedEvent>, StoreError> {
        Ok(Vec::new())
    }
    async fn remove_events_through(&self, _: OutboxCursor) -> Result<(), StoreError> {
        Ok(())
    }
    async fn undelivered(&self, _: &str, _: u32) -> Result<Vec<QueuedEvent>, StoreError> {
        Ok(Vec::new())
    }
    async fn undelivered_count(&self, _: &str) -> Result<u64, StoreError> {
        Ok(0)
    }
    async fn mark_delivered(&self, _: &str, _: &[u64], _: OffsetDateTime) -> Result<(), StoreError> {
        Ok(())
    }
    async fn trim_delivered(&self, _: &[String], _: OffsetDateTime) -> Result<u64, StoreError> {
        Ok(0)
    }
}

#[async_trait]
impl ParamStore for Memory {
    async fn put_version(&self, scope: &Scope, write: &ParameterWrite) -> Result<(), StoreError> {
        let mut map = self.params.lock();
        let key = (scope.clone(), write.version.name.clone());
        match (write.expected, map.get_mut(&key)) {
            (None, Some(_)) => Err(StoreError::AlreadyExists),
            (None, None) => {
                map.insert(key, vec![write.version.clone()]);
                Ok(())
            }
            (Some(_), None) => Err(StoreError::NotFound),
            (Some(expected), Some(versions)) if versions.last().map(|v| v.version) != Some(expected) => {
                Err(StoreError::Conflict)
            }
            (Some(_), Some(versions)) => {
                versions.push(write.version.clone());
                Ok(())
            }
        }
    }

    async fn latest(&self, scope: &Scope, name: &str) -> Result<Option<ParameterVersion>, StoreError> {
        self.read();
        let found = self.params.lock().get(&(scope.clone(), name.to_owned())).and_then(|v| v.last().cloned());
        self.raced();
        Ok(found)
    }

    async fn version(&self, scope: &Scope, name: &str, version: u64) -> Result<Option<ParameterVersion>, StoreError> {
        self.read();
        let map = self.params.lock();
        Ok(map.get(&(scope.clone(), name.to_owned())).and_then(|vs| vs.iter().find(|v| v.version == version).cloned()))
    }

    async fn labelled(&self, scope: &Scope, name: &str, label: &str) -> Result<Option<ParameterVersion>, StoreError> {
        self.read();
        let map = self.params.lock();
        let versions = map.get(&(scope.clone(), name.to_owned()));
        Ok(versions.and_then(|vs| vs.iter().find(|v| v.labels.iter().any(|l| l == label)).cloned()))
    }

    async fn history(
        &self,
        scope: &Scope,
        name: &str,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<ParameterVersion>, StoreError> {
        let map = self.params.lock();
        let versions = map.get(&(scope.clone(), name.to_owned())).cloned().unwrap_or_default();
        let after = after.unwrap_or(0);
        Ok(versions.into_iter().filter(|v| v.version > after).take(limit as usize).collect())
    }

    async fn list(
        &self,
        scope: &Scope,
        listing: Listing<'_>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ParameterVersion>, StoreError> {
        self.read();
        let map = self.params.lock();
        let below = |name: &str| match listing {
            Listing::All => true,
            Listing::Children(p) | Listing::Below(p) => name.starts_with(&format!("{p}/")),
        };
        let mut rows: Vec<ParameterVersion> = map
            .iter()
            .filter(|((s, name), _)| s == scope && below(name) && after.is_none_or(|a| name.as_str() > a))
            .filter_map(|(_, versions)| versions.last().cloned())
            .collect();
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        rows.truncate(limit as usize);
        Ok(rows)
    }

    async fn delete_parameter(&self, scope: &Scope, name: &str, _: Option<u64>, _: &[Event]) -> Result<(), StoreError> {
        self.params.lock().remove(&(scope.clone(), name.to_owned())).map(drop).ok_or(StoreError::NotFound)
    }

    async fn policies_due(&self, _: OffsetDateTime, _: u32) -> Result<Vec<(Scope, String)>, StoreError> {
        Ok(Vec::new())
    }

    async fn update_policies(
        &self,
        scope: &Scope,
        name: &str,
        _: &ParameterVersion,
        policies: &[ParameterPolicy],
        _: Option<OffsetDateTime>,
        _: &[Event],
    ) -> Result<(), StoreError> {
        let mut map = self.params.lock();
        let latest = map.get_mut(&(scope.clone(), name.to_owned())).and_then(|v| v.last_mut());
        latest.ok_or(StoreError::NotFound)?.policies = policies.to_vec();
        Ok(())
    }

    async fn move_labels(
        &self,
        scope: &Scope,
        name: &str,
        version: u64,
        labels: &[String],
        _: &[Event],
    ) -> Result<(), StoreError> {
        let mut map = self.params.lock();
        let versions = map.get_mut(&(scope.clone(), name.to_owned())).ok_or(StoreError::NotFound)?;
        for v in versions.iter_mut() {
            v.labels.retain(|l| !labels.contains(l));
            if v.version == version {
                v.labels.extend(labels.iter().cloned());
            }
        }
        Ok(())
    }

    async fn remove_labels(
        &self,
        scope: &Scope,
        name: &str,
        version: u64,
        labels: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let mut map = self.params.lock();
        let versions = map.get_mut(&(scope.clone(), name.to_owned())).ok_or(StoreError::NotFound)?;
        let v = versions.iter_mut().find(|v| v.version == version).ok_or(StoreError::NotFound)?;
        let removed: Vec<String> = v.labels.iter().filter(|l| labels.contains(l)).cloned().collect();
        v.labels.retain(|l| !labels.contains(l));
        Ok(removed)
    }

    async fn count_by_tier(&self, _: &Scope) -> Result<TierCounts, StoreError> {
        Ok(TierCounts::default())
    }

    async fn put_param_tags(&self, _: &Scope, _: &str, _: &[ParamTag]) -> Result<(), StoreError> {
        Ok(())
    }

    async fn remove_param_tags(&self, _: &Scope, _: &str, _: &[String]) -> Result<(), StoreError> {
        Ok(())
    }

    async fn param_tags(&self, _: &Scope, _: &str) -> Result<Vec<ParamTag>, StoreError> {
        Ok(Vec::new())
    }

    async fn setting(&self, _: &Scope, _: &str) -> Result<Option<StoredSetting>, StoreError> {
        Ok(None)
    }

    async fn put_setting(&self, _: &Scope, _: &StoredSetting) -> Result<(), StoreError> {
        Ok(())
    }

    async fn delete_setting(&self, _: &Scope, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
}

fn scope() -> Scope {
    Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap())
}

fn other_scope() -> Scope {
    Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("eu-west-1").unwrap())
}

fn version(name: &str, version: u64, value: &str) -> ParameterVersion {
    ParameterVersion {
        name: name.into(),
        version,
        kind: ParameterType::String,
        value: StoredValue(value.as_bytes().to_vec()),
        key_id: None,
        description: None,
        allowed_pattern: None,
        tier: Tier::Standard,
        data_type: DataType::Text,
        labels: Vec::new(),
        policies: Vec::new(),
        modified_at: OffsetDateTime::UNIX_EPOCH,
        modified_by: "arn:aws:iam::111122223333:root".into(),
    }
}

fn write(name: &str, v: u64, value: &str) -> ParameterWrite {
    ParameterWrite {
        version: version(name, v, value),
        expected: v.checked_sub(1).filter(|&e| e > 0),
        drop_version: None,
        tags: Vec::new(),
        policies_due: None,
        events: Vec::new(),
        tier_quota: None,
    }
}

struct Recorder(Mutex<Vec<Invalidation>>);

impl InvalidationSink for Recorder {
    fn publish(&self, change: Invalidation) {
        self.0.lock().push(change);
    }
}

fn cached_with(budget: usize) -> (Arc<Memory>, Arc<ParamCache>, CachedStore) {
    let memory = Arc::new(Memory::default());
    let cache = Arc::new(ParamCache::new(budget));
    let store = CachedStore::new(memory.clone(), cache.clone());
    (memory, cache, store)
}

fn cached() -> (Arc<Memory>, Arc<ParamCache>, CachedStore) {
    cached_with(DEFAULT_BUDGET)
}

fn reads(memory: &Memory) -> u64 {
    memory.reads.load(Ordering::Relaxed)
}

fn value(v: Option<ParameterVersion>) -> String {
    String::from_utf8(v.expect("found").value.0).unwrap()
}

#[tokio::test]
async fn a_parameter_its_versions_and_a_listing_page_are_read_from_the_store_once() {
    let (memory, cache, store) = cached();
    store.put_version(&scope(), &write("/app/db", 1, "one")).await.unwrap();
    store.put_version(&scope(), &write("/app/db", 2, "two")).await.unwrap();
    for _ in 0..3 {
        assert_eq!(value(store.latest(&scope(), "/app/db").await.unwrap()), "two");
        assert_eq!(value(store.version(&scope(), "/app/db", 1).await.unwrap()), "one");
        let page = store.list(&scope(), Listing::Below("/app"), None, 10).await.unwrap();
        assert_eq!(page.len(), 1);
    }
    assert_eq!(reads(&memory), 3, "one read of the newest version, one of version 1, one of the page");
    assert_eq!(cache.stats(), (6, 3));
    // The newest version answers a read of its own number without another load.
    assert_eq!(value(store.version(&scope(), "/app/db", 2).await.unwrap()), "two");
    assert_eq!(reads(&memory), 3);
    // Nothing is cached for a name that does not exist, nor across scopes.
    assert!(store.latest(&scope(), "/app/missing").await.unwrap().is_none());
    assert!(store.latest(&other_scope(), "/app/db").await.unwrap().is_none());
    assert!(store.latest(&other_scope(), "/app/db").await.unwrap().is_none());
    assert_eq!(reads(&memory), 6);
}

#[tokio::test]
async fn every_write_drops_the_parameter_and_its_scopes_listings() {
    let (_, _, store) = cached();
    store.put_version(&scope(), &write("/app/db", 1, "one")).await.unwrap();
    assert_eq!(value(store.latest(&scope(), "/app/db").await.unwrap()), "one");
    assert_eq!(store.list(&scope(), Listing::Children("/app"), None, 10).await.unwrap().len(), 1);

    store.put_version(&scope(), &write("/app/db", 2, "two")).await.unwrap();
    assert_eq!(value(store.latest(&scope(), "/app/db").await.unwrap()), "two");
    // A new parameter elsewhere in the scope changes the listing.
    store.put_version(&scope(), &write("/app/url", 1, "u")).await.unwrap();
    assert_eq!(store.list(&scope(), Listing::Children("/app"), None, 10).await.unwrap().len(), 2);

    store.move_labels(&scope(), "/app/db", 1, &["stable".into()], &[]).await.unwrap();
    assert_eq!(store.version(&scope(), "/app/db", 1).await.unwrap().unwrap().labels, ["stable"]);
    store.remove_labels(&scope(), "/app/db", 1, &["stable".into()]).await.unwrap();
    assert!(store.version(&scope(), "/app/db", 1).await.unwrap().unwrap().labels.is_empty());

    let policy = ParameterPolicy {
        kind: crate::params::PolicyType::Expiration,
        text: "{}".into(),
        status: crate::params::PolicyStatus::Pending,
    };
    let read = store.latest(&scope(), "/app/db").await.unwrap().unwrap();
    store.update_policies(&scope(), "/app/db", &read, std::slice::from_ref(&policy), None, &[]).await.unwrap();
    assert_eq!(store.latest(&scope(), "/app/db").await.unwrap().unwrap().policies, [policy]);

    store.delete_parameter(&scope(), "/app/db", None, &[]).await.unwrap();
    assert!(store.latest(&scope(), "/app/db").await.unwrap().is_none());
    assert!(store.version(&scope(), "/app/db", 1).await.unwrap().is_none());
    assert_eq!(store.list(&scope(), Listing::Children("/app"), None, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_failed_write_drops_the_entry_too() {
    let (memory, _, store) = cached();
    store.put_version(&scope(), &write("/app/db", 1, "one")).await.unwrap();
    store.latest(&scope(), "/app/db").await.unwrap();
    // Another node writes version 2 behind this node's back (no invalidation arrives).
    memory.params.lock().get_mut(&(scope(), "/app/db".to_owned())).unwrap().push(version("/app/db", 2, "two"));
    assert!(matches!(store.put_version(&scope(), &write("/app/db", 2, "mine")).await, Err(StoreError::Conflict)));
    assert_eq!(value(store.latest(&scope(), "/app/db").await.unwrap()), "two", "the retry reads the winner");
}

#[tokio::test]
async fn a_load_that_raced_a_write_is_not_inserted() {
    let (memory, cache, store) = cached();
    store.put_version(&scope(), &write("/app/db", 1, "one")).await.unwrap();
    let c = cache.clone();
    *memory.race.lock() = Some(Box::new(move || c.invalidate(&scope(), "/app/db")));
    store.latest(&scope(), "/app/db").await.unwrap().unwrap();
    assert_eq!(cache.bytes(), 0, "the raced load kept nothing");
    store.latest(&scope(), "/app/db").await.unwrap().unwrap();
    assert!(cache.bytes() > 0);
}

#[tokio::test]
async fn local_writes_are_published_and_remote_invalidations_drop_without_publishing() {
    let (memory, cache, store) = cached();
    let recorder = Arc::new(Recorder(Mutex::new(Vec::new())));
    cache.set_sink(recorder.clone());
    store.put_version(&scope(), &write("/app/db", 1, "one")).await.unwrap();
    assert_eq!(*recorder.0.lock(), [Invalidation::Parameter(scope(), "/app/db".into())]);

    store.latest(&scope(), "/app/db").await.unwrap();
    store.list(&scope(), Listing::Below("/app"), None, 10).await.unwrap();
    let before = reads(&memory);
    cache.apply_remote(&Invalidation::Secret(scope(), "/app/db".into()));
    store.latest(&scope(), "/app/db").await.unwrap();
    assert_eq!(reads(&memory), before, "a secret's change leaves parameters cached");
    cache.apply_remote(&Invalidation::Parameter(scope(), "/app/other".into()));
    store.latest(&scope(), "/app/db").await.unwrap();
    store.list(&scope(), Listing::Below("/app"), None, 10).await.unwrap();
    assert_eq!(reads(&memory), before + 1, "another parameter's change drops the listing only");
    cache.apply_remote(&Invalidation::Parameter(scope(), "/app/db".into()));
    store.latest(&scope(), "/app/db").await.unwrap();
    assert_eq!(reads(&memory), before + 2, "another node's write is read again");
    cache.apply_remote(&Invalidation::All);
    assert_eq!(cache.bytes(), 0);
    assert_eq!(recorder.0.lock().len(), 1, "nothing remote is published again");
}

#[tokio::test]
async fn the_byte_budget_bounds_what_is_held() {
    let budget = 20 * (OVERHEAD + 1024);
    let (memory, cache, store) = cached_with(budget);
    let big = "x".repeat(900);
    for i in 0..200 {
        let name = format!("/app/p{i:03}");
        store.put_version(&scope(), &write(&name, 1, &big)).await.unwrap();
        store.latest(&scope(), &name).await.unwrap().unwrap();
        assert!(cache.bytes() <= budget, "{} bytes held after {i}", cache.bytes());
    }
    // A page too large for its share of the budget is answered but not kept.
    let before = reads(&memory);
    for _ in 0..2 {
        assert_eq!(store.list(&scope(), Listing::Below("/app"), None, 500).await.unwrap().len(), 200);
    }
    assert_eq!(reads(&memory), before + 2);
    assert!(cache.bytes() <= budget);
}
