//! The in-memory cache of unwrapped keys and resolved aliases that keeps cryptographic
//! operations off the database.
//!
//! Every mutation of a key or alias goes through [`super::Kms`], which writes the store
//! first and then invalidates, whether the write succeeded or not (a failed write may still
//! have committed if only its acknowledgement was lost). A load that raced with a mutation
//! could otherwise insert a stale entry after the invalidation; the epochs prevent it (see
//! [`crate::coherence`]): a load records the epoch before reading the store and inserts only
//! if no invalidation happened since.
//!
//! Other nodes sharing the database cache the same keys: every invalidation is also handed to
//! the [`InvalidationSink`] the cache was given (see [`crate::invalidation`]); what other
//! nodes publish arrives through [`KeyCache::apply_remote`], which drops without publishing.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use parking_lot::RwLock;
use trent_crypto::{KeyMaterial, KeyMaterialId, PrivateKey};

use super::{Grant, KeyRecord};
use crate::coherence::{Coherence, Epoch};
use crate::ids::{KeyId, Scope};
use crate::invalidation::{Invalidation, InvalidationSink};
use crate::policy::{Policy, PolicyKind};

/// How many keys the cache holds before it starts evicting.
pub(crate) const DEFAULT_CAPACITY: usize = 10_000;

/// A key ready for authorization and cryptography: its metadata, parsed key policy,
/// grants, tags and aliases (the condition keys it carries), and every backing key unwrapped.
pub(crate) struct LoadedKey {
    pub(crate) record: KeyRecord,
    pub(crate) arn: String,
    /// The parsed key policy; `None` if the stored document does not parse (nobody may
    /// then use the key until a valid policy is put).
    pub(crate) policy: Option<Policy>,
    pub(crate) grants: Vec<Grant>,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) aliases: Vec<String>,
    /// Oldest first; the last one is current.
    materials: Vec<(KeyMaterialId, KeyMaterial)>,
    /// An asymmetric key's private key, parsed once from its (only) material; `None` for
    /// symmetric and HMAC keys, and for stored material that does not parse (the key is
    /// then unusable for cryptography; the log says why).
    pub(crate) private: Option<PrivateKey>,
    /// The store's stamp of the rows this was built from, read before them
    /// ([`crate::KmsStore::key_stamp`]); `None` on a single-node store.
    stamp: Option<String>,
}

/// What a [`LoadedKey`] is built from, besides its record and materials.
#[derive(Default)]
pub(crate) struct KeyExtras {
    pub(crate) grants: Vec<Grant>,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) aliases: Vec<String>,
}

impl LoadedKey {
    pub(crate) fn new(record: KeyRecord, materials: Vec<(KeyMaterialId, KeyMaterial)>, extras: KeyExtras) -> Self {
        let arn = record.arn();
        let policy = match Policy::parse(&record.policy, PolicyKind::Resource) {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::error!(key_id = %record.key_id, error = %e, "stored key policy does not parse; the key is unusable");
                None
            }
        };
        let private = record.spec.private_key_kind().and_then(|kind| {
            let (_, material) = materials.last()?;
            PrivateKey::from_pkcs8(kind, material.expose_secret())
                .inspect_err(|e| {
                    tracing::error!(key_id = %record.key_id, error = %e, "stored private key does not parse; the key is unusable");
                })
                .ok()
        });
        Self {
            record,
            arn,
            policy,
            grants: extras.grants,
            tags: extras.tags,
            aliases: extras.aliases,
            materials,
            private,
            stamp: None,
        }
    }

    /// The same key, with the stamp read before its rows.
    pub(crate) fn stamped(mut self, stamp: Option<String>) -> Self {
        self.stamp = stamp;
        self
    }

    /// The backing key new ciphertexts use: the newest, or an imported key's current material
    /// (material imported for the next rotation is newer but not used yet).
    pub(crate) fn current(&self) -> Option<&(KeyMaterialId, KeyMaterial)> {
        match self.record.current_import() {
            Some(current) => self.materials.iter().find(|(id, _)| *id == current.material_id),
            None => self.materials.last(),
        }
    }

    /// The backing key a ciphertext names.
    pub(crate) fn material(&self, id: &KeyMaterialId) -> Option<&KeyMaterial> {
        self.materials.iter().find(|(m, _)| m == id).map(|(_, k)| k)
    }
}

type KeyCacheKey = (Scope, KeyId);

#[derive(Default)]
pub(crate) struct KeyCache {
    keys: RwLock<HashMap<KeyCacheKey, Arc<LoadedKey>>>,
    aliases: RwLock<HashMap<(Scope, String), KeyId>>,
    /// The keys' epoch, moved by every drop of a key (and of everything), the sink and the
    /// counters of key lookups.
    coherence: Coherence,
    /// The epoch of alias resolutions: moved by every drop of aliases, and by the full check,
    /// which re-resolves every alias but keeps unchanged keys (their stamps protect them).
    alias_epoch: Epoch,
    capacity: usize,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache").field("keys", &self.keys.read().len()).finish_non_exhaustive()
    }
}

impl KeyCache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { capacity, ..Self::default() }
    }

    pub(crate) fn key(&self, scope: &Scope, key_id: &KeyId) -> Option<Arc<LoadedKey>> {
        let found = self.keys.read().get(&(scope.clone(), *key_id)).cloned();
        self.coherence.count(found)
    }

    /// Key lookups so far: (hits, misses).
    pub(crate) fn stats(&self) -> (u64, u64) {
        self.coherence.stats()
    }

    pub(crate) fn alias(&self, scope: &Scope, name: &str) -> Option<KeyId> {
        self.aliases.read().get(&(scope.clone(), name.to_owned())).copied()
    }

    /// The epoch to pass to [`KeyCache::insert_key`] for a load that starts now.
    pub(crate) fn epoch(&self) -> u64 {
        self.coherence.epoch()
    }

    /// The epoch to pass to [`KeyCache::insert_alias`] for a resolution that starts now.
    pub(crate) fn alias_epoch(&self) -> u64 {
        self.alias_epoch.current()
    }

    pub(crate) fn insert_key(&self, scope: &Scope, key: Arc<LoadedKey>, epoch: u64) {
        let mut map = self.keys.write();
        if !self.coherence.unchanged_since(epoch) {
            return;
        }
        if map.len() >= self.capacity {
            // Evict an arbitrary entry; a miss only costs one store read.
            if let Some(victim) = map.keys().next().cloned() {
                map.remove(&victim);
            }
        }
        map.insert((scope.clone(), key.record.key_id), key);
    }

    pub(crate) fn insert_alias(&self, scope: &Scope, name: &str, target: KeyId, epoch: u64) {
        let mut map = self.aliases.write();
        if !self.alias_epoch.unchanged_since(epoch) {
            return;
        }
        if map.len() >= self.capacity {
            map.clear();
        }
        map.insert((scope.clone(), name.to_owned()), target);
    }

    /// Sends every later invalidation to `sink` too.
    pub(crate) fn set_sink(&mut self, sink: Arc<dyn InvalidationSink>) {
        self.coherence.set_sink(sink);
    }

    /// Drops a key after a change of it committed, here and (through the sink) on other nodes.
    pub(crate) fn invalidate_key(&self, scope: &Scope, key_id: &KeyId) {
        self.forget_key(scope, key_id);
        self.coherence.publish(|| Invalidation::Key(scope.clone(), *key_id));
    }

    /// Drops a scope's aliases after a change of them committed, here and on other nodes.
    pub(crate) fn invalidate_aliases(&self, scope: &Scope) {
        self.forget_aliases(scope);
        self.coherence.publish(|| Invalidation::Aliases(scope.clone()));
    }

    fn forget_key(&self, scope: &Scope, key_id: &KeyId) {
        let mut map = self.keys.write();
        self.coherence.advance();
        map.remove(&(scope.clone(), *key_id));
    }

    fn forget_aliases(&self, scope: &Scope) {
        let mut map = self.aliases.write();
        // Cached keys carry their aliases: their loads in flight are refused too.
        self.coherence.advance();
        self.alias_epoch.advance();
        map.retain(|(s, _), _| s != scope);
    }

    /// Applies another node's invalidation (publishing nothing); the identity changes are not
    /// this cache's and leave it alone.
    pub(crate) fn apply_remote(&self, change: &Invalidation) {
        match change {
            Invalidation::Key(scope, key_id) => self.forget_key(scope, key_id),
            Invalidation::Aliases(scope) => self.forget_aliases(scope),
            Invalidation::All => self.clear(),
            Invalidation::User(..)
            | Invalidation::Group(..)
            | Invalidation::Role(..)
            | Invalidation::AccessKey(_)
            | Invalidation::Secret(..)
            | Invalidation::Parameter(..) => {}
        }
    }

    /// The keys cached now.
    pub(crate) fn key_ids(&self) -> Vec<KeyCacheKey> {
        self.keys.read().keys().cloned().collect()
    }

    /// Keeps the keys whose stamp is the one in `current` (`None`: deleted), drops the others
    /// named there and every alias
    /// (see [`super::Kms::drop_changed_keys`]); returns how many keys it dropped.
    pub(crate) fn drop_changed(&self, current: &HashMap<KeyCacheKey, Option<String>>) -> usize {
        let mut keys = self.keys.write();
        let mut aliases = self.aliases.write();
        // An alias resolution in flight may have read the store before a move: refused. A key
        // load in flight is not: its stamp, read before its rows, is checked next time.
        self.alias_epoch.advance();
        let before = keys.len();
        keys.retain(|id, key| match current.get(id) {
            None => true,
            Some(now) => key.stamp.is_some() && key.stamp == *now,
        });
        aliases.clear();
        before - keys.len()
    }

    /// How many keys are cached.
    pub(crate) fn len(&self) -> usize {
        self.keys.read().len()
    }

    pub(crate) fn clear(&self) {
        let mut keys = self.keys.write();
        let mut aliases = self.aliases.write();
        self.coherence.advance();
        self.alias_epoch.advance();
        keys.clear();
        aliases.clear();
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;
    use crate::ids::{AccountId, Region};
    use crate::kms::{KeyManager, KeySpec, KeyState, KeyUsage, Origin, RotationSettings};

    fn record(scope: &Scope) -> KeyRecord {
        KeyRecord {
            scope: scope.clone(),
            key_id: KeyId::new_random(),
            description: String::new(),
            usage: KeyUsage::EncryptDecrypt,
            spec: KeySpec::SymmetricDefault,
            origin: Origin::AwsKms,
            state: KeyState::Enabled,
            created_at: OffsetDateTime::UNIX_EPOCH,
            deletion_date: None,
            pending_window_days: None,
            rotation: RotationSettings::default(),
            policy: String::new(),
            multi_region: None,
            manager: KeyManager::Customer,
            imported: Vec::new(),
            import_count: 0,
            revision: 1,
        }
    }

    fn scope() -> Scope {
        Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap())
    }

    #[test]
    fn a_load_that_raced_an_invalidation_is_not_inserted() {
        let cache = KeyCache::new(10);
        let s = scope();
        let rec = record(&s);
        let id = rec.key_id;
        let epoch = cache.epoch();
        cache.invalidate_key(&s, &id); // a mutation lands while the load reads the store
        cache.insert_key(&s, Arc::new(LoadedKey::new(rec, vec![], KeyExtras::default())), epoch);
        assert!(cache.key(&s, &id).is_none());
    }

    struct Recorder(parking_lot::Mutex<Vec<Invalidation>>);

    impl InvalidationSink for Recorder {
        fn publish(&self, change: Invalidation) {
            self.0.lock().push(change);
        }
    }

    #[test]
    fn local_invalidations_are_published_and_remote_ones_are_not() {
        let recorder = Arc::new(Recorder(parking_lot::Mutex::new(Vec::new())));
        let mut cache = KeyCache::new(10);
        cache.set_sink(recorder.clone());
        let s = scope();
        let (a, b) = (record(&s), record(&s));
        let (id_a, id_b) = (a.key_id, b.key_id);
        for rec in [a, b] {
            cache.insert_key(&s, Arc::new(LoadedKey::new(rec, vec![], KeyExtras::default())), cache.epoch());
        }
        cache.invalidate_key(&s, &id_a);
        cache.invalidate_aliases(&s);
        assert_eq!(*recorder.0.lock(), [Invalidation::Key(s.clone(), id_a), Invalidation::Aliases(s.clone())]);
        cache.apply_remote(&Invalidation::Key(s.clone(), id_b));
        assert!(cache.key(&s, &id_b).is_none(), "another node's change drops the entry");
        assert_eq!(recorder.0.lock().len(), 2, "and is not published again");
    }

    #[test]
    fn the_full_check_drops_only_the_keys_whose_stamp_moved() {
        let cache = KeyCache::new(10);
        let s = scope();
        let stamped = |stamp: Option<&str>| {
            let key = LoadedKey::new(record(&s), vec![], KeyExtras::default()).stamped(stamp.map(str::to_owned));
            let id = key.record.key_id;
            cache.insert_key(&s, Arc::new(key), cache.epoch());
            (s.clone(), id)
        };
        let (same, moved, gone, unstamped, unchecked) =
            (stamped(Some("a")), stamped(Some("a")), stamped(Some("a")), stamped(None), stamped(Some("a")));
        cache.insert_alias(&s, "alias/x", same.1, cache.alias_epoch());
        let current = HashMap::from([
            (same.clone(), Some("a".to_owned())),
            (moved.clone(), Some("b".to_owned())),
            (gone.clone(), None),
            (unstamped.clone(), Some("a".to_owned())),
        ]);
        assert_eq!(cache.drop_changed(&current), 3);
        let cached = |(scope, id): &KeyCacheKey| cache.keys.read().contains_key(&(scope.clone(), *id));
        assert!(cached(&same) && cached(&unchecked), "unchanged, and cached since the stamps were read");
        assert!(!cached(&moved) && !cached(&gone) && !cached(&unstamped));
        assert_eq!(cache.alias(&s, "alias/x"), None, "aliases are resolved again");
    }

    #[test]
    fn capacity_bounds_the_number_of_keys() {
        let cache = KeyCache::new(2);
        let s = scope();
        for _ in 0..5 {
            cache.insert_key(&s, Arc::new(LoadedKey::new(record(&s), vec![], KeyExtras::default())), cache.epoch());
        }
        assert_eq!(cache.keys.read().len(), 2);
    }
}
