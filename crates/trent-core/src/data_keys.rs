//! A bounded, short-lived cache of unwrapped data keys, shared by the services that envelope-
//! encrypt through KMS (Secrets Manager's versions, Parameter Store's large `SecureString`s).
//!
//! Keys are found by the SHA-256 digest of their KMS-wrapped form, so a hit needs the very
//! ciphertext that was unwrapped. A hit does not skip KMS: the service still has KMS
//! *authorize* the decryption for the caller (`OnBehalf::authorize_decrypt`: policies, grants,
//! key state, quota), only the unwrapping is saved. Entries expire after [`TTL`]; the cache
//! never holds more than its capacity (when full it first drops expired entries, then all).

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use time::{Duration, OffsetDateTime};
use trent_crypto::sha256;

/// Data keys a cache holds at most.
pub(crate) const DEFAULT_CAPACITY: usize = 4096;
/// How long an unwrapped data key stays cached.
const TTL: Duration = Duration::minutes(5);

/// A cached key and when it stops being used.
type Entry<K> = (Arc<K>, OffsetDateTime);

/// Unwrapped data keys (`K`, a zeroizing key type) by the digest of their wrapped form.
pub(crate) struct DataKeyCache<K> {
    entries: Mutex<HashMap<[u8; 32], Entry<K>>>,
    capacity: usize,
}

impl<K> DataKeyCache<K> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { entries: Mutex::new(HashMap::new()), capacity }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.lock().len()
    }

    pub(crate) fn clear(&self) {
        self.entries.lock().clear();
    }

    /// The key unwrapped from `wrapped`, if cached and not expired at `now`.
    pub(crate) fn get(&self, wrapped: &[u8], now: OffsetDateTime) -> Option<Arc<K>> {
        let digest = sha256(wrapped);
        let mut entries = self.entries.lock();
        match entries.get(&digest) {
            Some((key, expires)) if *expires > now => Some(Arc::clone(key)),
            Some(_) => {
                entries.remove(&digest);
                None
            }
            None => None,
        }
    }

    /// Caches `key`, unwrapped from `wrapped` at `now`.
    pub(crate) fn put(&self, wrapped: &[u8], key: Arc<K>, now: OffsetDateTime) {
        let mut entries = self.entries.lock();
        if entries.len() >= self.capacity {
            entries.retain(|_, (_, expires)| *expires > now);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(sha256(wrapped), (key, now + TTL));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_found_by_its_wrapped_form_until_it_expires() {
        let cache = DataKeyCache::new(4);
        let now = OffsetDateTime::UNIX_EPOCH;
        cache.put(b"wrapped-1", Arc::new(1u8), now);
        assert_eq!(cache.get(b"wrapped-1", now + Duration::minutes(4)).as_deref(), Some(&1));
        assert_eq!(cache.get(b"wrapped-2", now), None);
        assert_eq!(cache.get(b"wrapped-1", now + TTL), None, "expired");
        assert_eq!(cache.len(), 0, "an expired entry is dropped when found");
    }

    #[test]
    fn a_full_cache_never_grows_past_its_capacity() {
        let cache = DataKeyCache::new(3);
        let now = OffsetDateTime::UNIX_EPOCH;
        for i in 0..10u8 {
            cache.put(&[i], Arc::new(i), now);
            assert!(cache.len() <= 3);
        }
        assert_eq!(cache.get(&[9], now).as_deref(), Some(&9), "the newest entry is kept");
    }
}
