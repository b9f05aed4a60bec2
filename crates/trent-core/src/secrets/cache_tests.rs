//! The secret cache: reads served from memory, every write drops the entry (here and on other
//! nodes), and a load that raced a write never inserts what it read.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use super::*;
use crate::ids::{AccountId, Region};
use crate::secrets::ValueKind;

/// Secrets with their versions, by scope and name.
type Rows = HashMap<(Scope, String), (SecretRecord, Vec<VersionRecord>)>;

/// An in-memory store counting the reads that reach it.
#[derive(Default)]
struct Memory {
    secrets: Mutex<Rows>,
    reads: AtomicU64,
    /// Applied by the next `get_secret` after it read, as a write landing during the load.
    race: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

#[async_trait]
impl SecretsStore for Memory {
    async fn insert_secret(&self, secret: &SecretRecord, version: Option<&VersionRecord>) -> Result<(), StoreError> {
        let key = (secret.scope.clone(), secret.name.clone());
        let mut map = self.secrets.lock();
        if map.contains_key(&key) {
            return Err(StoreError::AlreadyExists);
        }
        map.insert(key, (secret.clone(), version.into_iter().cloned().collect()));
        Ok(())
    }

    async fn get_secret(&self, scope: &Scope, name: &str) -> Result<Option<SecretRecord>, StoreError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let found = self.secrets.lock().get(&(scope.clone(), name.to_owned())).map(|(s, _)| s.clone());
        if let Some(race) = self.race.lock().take() {
            race();
        }
        Ok(found)
    }

    async fn list_secrets(&self, _: &Scope) -> Result<Vec<SecretRecord>, StoreError> {
        Ok(self.secrets.lock().values().map(|(s, _)| s.clone()).collect())
    }

    async fn update_secret(&self, change: SecretChange<'_>) -> Result<(), StoreError> {
        let mut map = self.secrets.lock();
        let Some((stored, versions)) = map.get_mut(&(change.secret.scope.clone(), change.secret.name.clone())) else {
            return Err(StoreError::NotFound);
        };
        if stored.revision != change.expected_revision {
            return Err(StoreError::Conflict);
        }
        *stored = change.secret.clone();
        versions.extend(change.new_version.cloned());
        versions.retain(|v| !change.pruned.contains(&v.version_id));
        Ok(())
    }

    async fn touch_secret(&self, scope: &Scope, name: &str, day: OffsetDateTime) -> Result<(), StoreError> {
        let mut map = self.secrets.lock();
        let (s, _) = map.get_mut(&(scope.clone(), name.to_owned())).ok_or(StoreError::NotFound)?;
        s.last_accessed_at = Some(day);
        Ok(())
    }

    async fn get_version(&self, scope: &Scope, name: &str, id: &str) -> Result<Option<VersionRecord>, StoreError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let map = self.secrets.lock();
        Ok(map.get(&(scope.clone(), name.to_owned())).and_then(|(_, v)| v.iter().find(|v| v.version_id == id).cloned()))
    }

    async fn versions(&self, scope: &Scope, name: &str) -> Result<Vec<VersionRecord>, StoreError> {
        Ok(self.secrets.lock().get(&(scope.clone(), name.to_owned())).map(|(_, v)| v.clone()).unwrap_or_default())
    }

    async fn delete_secret(&self, scope: &Scope, name: &str, expected_revision: Option<u64>) -> Result<(), StoreError> {
        let mut map = self.secrets.lock();
        let key = (scope.clone(), name.to_owned());
        let (stored, _) = map.get(&key).ok_or(StoreError::NotFound)?;
        if expected_revision.is_some_and(|r| r != stored.revision) {
            return Err(StoreError::Conflict);
        }
        map.remove(&key);
        Ok(())
    }

    async fn rotating_secrets(&self) -> Result<Vec<(Scope, String)>, StoreError> {
        Ok(Vec::new())
    }

    async fn secrets_with_replicas_due(&self, _: OffsetDateTime) -> Result<Vec<(Scope, String)>, StoreError> {
        Ok(Vec::new())
    }

    async fn secrets_due(&self, _: OffsetDateTime) -> Result<Vec<(Scope, String)>, StoreError> {
        Ok(Vec::new())
    }
}

fn scope() -> Scope {
    Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap())
}

fn secret(name: &str) -> SecretRecord {
    let mut s = SecretRecord::for_tests(name);
    s.labels = BTreeMap::from([("AWSCURRENT".to_owned(), "v1".repeat(16))]);
    s
}

fn version(id: &str) -> VersionRecord {
    VersionRecord {
        version_id: id.into(),
        created_at: OffsetDateTime::UNIX_EPOCH,
        kind: ValueKind::String,
        key_arn: String::new(),
        wrapped_key: vec![1],
        ciphertext: vec![2],
    }
}

struct Recorder(Mutex<Vec<Invalidation>>);

impl InvalidationSink for Recorder {
    fn publish(&self, change: Invalidation) {
        self.0.lock().push(change);
    }
}

fn cached() -> (Arc<Memory>, Arc<SecretCache>, CachedStore) {
    let memory = Arc::new(Memory::default());
    let cache = Arc::new(SecretCache::new(DEFAULT_CAPACITY));
    let store = CachedStore::new(memory.clone(), cache.clone());
    (memory, cache, store)
}

fn change<'a>(next: &'a SecretRecord, expected: u64, new_version: Option<&'a VersionRecord>) -> SecretChange<'a> {
    SecretChange { secret: next, expected_revision: expected, new_version, pruned: &[], upserted: &[], events: &[] }
}

#[tokio::test]
async fn a_secret_and_its_versions_are_read_from_the_store_once() {
    let (memory, cache, store) = cached();
    let v1 = "v1".repeat(16);
    store.insert_secret(&secret("app"), Some(&version(&v1))).await.unwrap();
    for _ in 0..3 {
        assert_eq!(store.get_secret(&scope(), "app").await.unwrap().unwrap().name, "app");
        assert_eq!(store.get_version(&scope(), "app", &v1).await.unwrap().unwrap().version_id, v1);
    }
    assert_eq!(memory.reads.load(Ordering::Relaxed), 2, "one read of the secret, one of the version");
    assert_eq!(cache.stats(), (2, 1));
    assert!(store.get_secret(&scope(), "missing").await.unwrap().is_none());
}

#[tokio::test]
async fn every_write_drops_the_entry_so_the_next_read_sees_it() {
    let (_, _, store) = cached();
    let v1 = "v1".repeat(16);
    store.insert_secret(&secret("app"), Some(&version(&v1))).await.unwrap();
    let mut next = store.get_secret(&scope(), "app").await.unwrap().unwrap();
    next.description = Some("changed".into());
    next.revision = 2;
    store.update_secret(change(&next, 1, None)).await.unwrap();
    assert_eq!(store.get_secret(&scope(), "app").await.unwrap().unwrap().description.as_deref(), Some("changed"));

    let day = OffsetDateTime::UNIX_EPOCH + time::Duration::days(3);
    store.touch_secret(&scope(), "app", day).await.unwrap();
    assert_eq!(store.get_secret(&scope(), "app").await.unwrap().unwrap().last_accessed_at, Some(day));

    store.delete_secret(&scope(), "app", Some(2)).await.unwrap();
    assert!(store.get_secret(&scope(), "app").await.unwrap().is_none());
    assert!(store.get_version(&scope(), "app", &v1).await.unwrap().is_none());
}

#[tokio::test]
async fn a_conflict_drops_the_stale_entry_so_a_retry_reads_the_new_revision() {
    let (memory, _, store) = cached();
    store.insert_secret(&secret("app"), None).await.unwrap();
    let seen = store.get_secret(&scope(), "app").await.unwrap().unwrap();
    // Another node writes revision 2 behind this node's back (no invalidation arrives).
    memory.secrets.lock().get_mut(&(scope(), "app".to_owned())).unwrap().0.revision = 2;
    let mut next = seen.clone();
    next.revision = 2;
    assert!(matches!(store.update_secret(change(&next, 1, None)).await, Err(StoreError::Conflict)));
    assert_eq!(store.get_secret(&scope(), "app").await.unwrap().unwrap().revision, 2);
}

#[tokio::test]
async fn a_load_that_raced_a_write_is_not_inserted() {
    let (memory, cache, store) = cached();
    store.insert_secret(&secret("app"), None).await.unwrap();
    let c = cache.clone();
    *memory.race.lock() = Some(Box::new(move || c.invalidate(&scope(), "app")));
    store.get_secret(&scope(), "app").await.unwrap().unwrap();
    assert_eq!(cache.len(), 0, "the raced load kept nothing");
    store.get_secret(&scope(), "app").await.unwrap().unwrap();
    assert_eq!(cache.len(), 1);
}

#[tokio::test]
async fn local_writes_are_published_and_remote_invalidations_drop_without_publishing() {
    let (memory, cache, store) = cached();
    let recorder = Arc::new(Recorder(Mutex::new(Vec::new())));
    cache.set_sink(recorder.clone());
    store.insert_secret(&secret("app"), None).await.unwrap();
    assert_eq!(*recorder.0.lock(), [Invalidation::Secret(scope(), "app".into())]);

    store.get_secret(&scope(), "app").await.unwrap();
    let reads = memory.reads.load(Ordering::Relaxed);
    cache.apply_remote(&Invalidation::Key(scope(), crate::ids::KeyId::new_random()));
    store.get_secret(&scope(), "app").await.unwrap();
    assert_eq!(memory.reads.load(Ordering::Relaxed), reads, "a key's change leaves secrets cached");
    cache.apply_remote(&Invalidation::Secret(scope(), "app".into()));
    store.get_secret(&scope(), "app").await.unwrap();
    assert_eq!(memory.reads.load(Ordering::Relaxed), reads + 1, "another node's write is read again");
    cache.apply_remote(&Invalidation::All);
    assert_eq!(cache.len(), 0);
    assert_eq!(recorder.0.lock().len(), 1, "nothing remote is published again");
}

#[tokio::test]
async fn capacity_bounds_the_number_of_secrets() {
    let memory = Arc::new(Memory::default());
    let cache = Arc::new(SecretCache::new(3));
    let store = CachedStore::new(memory, cache.clone());
    for i in 0..10 {
        store.insert_secret(&secret(&format!("s{i}")), None).await.unwrap();
        store.get_secret(&scope(), &format!("s{i}")).await.unwrap().unwrap();
    }
    assert_eq!(cache.len(), 3);
}
