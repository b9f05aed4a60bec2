//! A bounded, thread-safe local cache of materials with a time-to-live and usage counters,
//! and the clock it reads (injectable, so expiry is tested by moving time).
//!
//! Used by the caching materials manager (data keys) and the hierarchical keyring (branch
//! keys). Eviction: expired entries first, then the least recently used.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Monotonic time as seen by the caches.
pub trait Clock: Send + Sync {
    /// Time elapsed since an arbitrary fixed origin.
    fn now(&self) -> Duration;
}

/// The process's monotonic clock.
#[derive(Debug)]
pub struct SystemClock(Instant);

impl Default for SystemClock {
    fn default() -> Self {
        Self(Instant::now())
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

/// A clock that moves only when told to (tests).
#[derive(Debug, Default, Clone)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_nanos() as u64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::SeqCst))
    }
}

/// How much an entry has been used (for the caching manager's limits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Messages encrypted with the entry.
    pub messages: u64,
    /// Plaintext bytes encrypted with the entry.
    pub bytes: u64,
}

struct Entry<V> {
    value: V,
    expires: Duration,
    usage: Usage,
    last_used: u64,
}

struct Inner<V> {
    map: HashMap<Vec<u8>, Entry<V>>,
    tick: u64,
}

/// A bounded cache from ids to values.
pub struct LocalCache<V> {
    inner: Mutex<Inner<V>>,
    capacity: usize,
    clock: Arc<dyn Clock>,
}

impl<V: Clone> LocalCache<V> {
    /// A cache of at most `capacity` entries (at least 1) reading `clock`.
    pub fn new(capacity: usize, clock: Arc<dyn Clock>) -> Self {
        Self { inner: Mutex::new(Inner { map: HashMap::new(), tick: 0 }), capacity: capacity.max(1), clock }
    }

    /// The cache's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The live entry under `id`, after adding `add` to its usage; the entry is removed and
    /// `None` returned when it has expired or when `within` rejects the new usage.
    pub fn get_and_use(&self, id: &[u8], add: Usage, within: impl Fn(Usage) -> bool) -> Option<V> {
        let now = self.clock.now();
        let mut inner = self.inner.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let entry = inner.map.get_mut(id)?;
        if now >= entry.expires {
            inner.map.remove(id);
            return None;
        }
        let usage = Usage {
            messages: entry.usage.messages.saturating_add(add.messages),
            bytes: entry.usage.bytes.saturating_add(add.bytes),
        };
        if !within(usage) {
            inner.map.remove(id);
            return None;
        }
        entry.usage = usage;
        entry.last_used = tick;
        Some(entry.value.clone())
    }

    /// The live entry under `id`.
    pub fn get(&self, id: &[u8]) -> Option<V> {
        self.get_and_use(id, Usage::default(), |_| true)
    }

    /// Stores `value` under `id` for `ttl`, with initial `usage`, evicting if full.
    pub fn put(&self, id: Vec<u8>, value: V, ttl: Duration, usage: Usage) {
        let now = self.clock.now();
        let mut inner = self.inner.lock();
        inner.tick += 1;
        let tick = inner.tick;
        if !inner.map.contains_key(&id) && inner.map.len() >= self.capacity {
            inner.map.retain(|_, e| now < e.expires);
            if inner.map.len() >= self.capacity
                && let Some(oldest) = inner.map.iter().min_by_key(|(_, e)| e.last_used).map(|(k, _)| k.clone())
            {
                inner.map.remove(&oldest);
            }
        }
        inner.map.insert(id, Entry { value, expires: now.saturating_add(ttl), usage, last_used: tick });
    }

    /// Removes the entry under `id`.
    pub fn remove(&self, id: &[u8]) {
        self.inner.lock().map.remove(id);
    }

    /// Number of entries, live or not yet swept.
    pub fn len(&self) -> usize {
        self.inner.lock().map.len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_counts_and_evicts_least_recently_used() {
        let clock = ManualClock::default();
        let cache = LocalCache::new(2, Arc::new(clock.clone()));
        cache.put(b"a".to_vec(), 1, Duration::from_secs(10), Usage::default());
        cache.put(b"b".to_vec(), 2, Duration::from_secs(10), Usage::default());
        assert_eq!(cache.get(b"a"), Some(1));
        cache.put(b"c".to_vec(), 3, Duration::from_secs(10), Usage::default());
        assert_eq!(cache.get(b"b"), None, "b was least recently used");
        assert_eq!(cache.get(b"a"), Some(1));
        let one = Usage { messages: 1, bytes: 5 };
        assert_eq!(cache.get_and_use(b"a", one, |u| u.messages <= 2), Some(1));
        assert_eq!(cache.get_and_use(b"a", one, |u| u.messages <= 2), Some(1));
        assert_eq!(cache.get_and_use(b"a", one, |u| u.messages <= 2), None);
        assert_eq!(cache.get(b"a"), None, "an over-used entry is removed");
        clock.advance(Duration::from_secs(10));
        assert_eq!(cache.get(b"c"), None, "expired at exactly its TTL");
    }
}
