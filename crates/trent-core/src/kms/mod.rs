//! AWS KMS semantics: key lifecycle, cryptography with keys, aliases, rotation, tags.
//!
//! [`Kms`] is the service object. Every public method takes the authenticated [`Caller`]
//! and AWS-shaped inputs already decoded from the wire, checks authorization, key state and
//! limits, and returns domain outputs or a [`KmsError`].

mod access;
mod actions;
mod aliases;
mod cache;
mod constraints;
mod crypto;
pub(crate) mod custom_key_stores;
pub mod decide;
mod encapsulation;
mod error;
mod grants;
mod import;
mod imported;
mod key_policy;
mod keyref;
mod keys;
mod lifecycle;
mod managed;
mod marker;
mod model;
mod multi_region;
mod on_behalf;
mod pairs;
mod quotas;
mod rotation;
mod scheduler;
mod seed;
mod signing;
mod tags;
mod usage;

use std::sync::Arc;

pub use actions::{CrossAccount, KeyAction};
pub use aliases::{AliasPage, ListedAlias};
pub use constraints::{
    ConstraintRule, MAX_CONSTRAINT_ENTRY_CHARS, MAX_CONSTRAINT_PAIRS, MAX_GRANT_NAME, at_least_as_strict,
    constraints_hold,
};
pub use crypto::{CiphertextInput, DataKeyOutput, DataKeySize, DecryptOutput, EncryptOutput, ReEncryptOutput};
pub use custom_key_stores::{
    ConnectionErrorCode, ConnectionState, CreateCustomKeyStoreInput, CustomKeyStoreFilter, CustomKeyStorePage,
    CustomKeyStoreRecord, HsmCluster, HsmClusters, HsmConnection, HsmFailure, HsmKeyError, MAX_CUSTOM_KEY_STORES,
    NoClusters, StoreOfKey, UpdateCustomKeyStoreInput, password_wrap_aad,
};
pub use encapsulation::{DecapsulateOutput, EncapsulateOutput};
pub use error::{
    AliasInput, Constraint, Contended, CryptoInput, Denied, Existing, GrantInput, HsmFault, ImportInput, Invalid,
    KeyInput, KmsError, Limit, Malformed, Mismatch, Missing, MissingStore, Misuse, Refusal, RegionInput, Shown,
    TagRule, Unsupported, Violation,
};
pub use grants::{CreateGrantInput, GrantPage, NewGrant, RetireGrantInput, check_grant_tokens};
pub use import::{
    ExpirationModel, IMPORT_TOKEN_VALIDITY, ImportKeyMaterialInput, ImportParameters, ImportType, ImportedKeyMaterial,
    MAX_VALID_TO_DAYS, WrappingAlgorithm, WrappingKeySpec,
};
pub use key_policy::DEFAULT_POLICY_NAME;
pub use keys::{CreateKeyInput, KeyDescription, KeyPage, MAX_POLICY_BYTES, default_key_policy};
pub use lifecycle::DeletionScheduled;
pub use managed::{AWS_ALIAS_PREFIX, PREDEFINED_ALIASES, managed_alias, managed_key_policy};
pub use model::{
    Alias, DEFAULT_ROTATION_PERIOD_DAYS, DataKeyPairSpec, DataKeySpec, EncapsulationAlgorithm, EncryptionAlgorithm,
    Grant, GrantConstraints, GrantOperation, HsmKeyRef, ImportedMaterial, KeyAgreementAlgorithm, KeyManager,
    KeyMaterialRecord, KeyMaterialState, KeyRecord, KeySpec, KeyState, KeyUsage, MAX_HSM_OBJECT_ID, MacAlgorithm,
    MessageType, MultiRegionKeyType, Origin, RotationSettings, RotationType, SigningAlgorithm, Tag, material_wrap_aad,
};
pub use multi_region::{HostedRegions, MultiRegionConfiguration, RegionalKey, ReplicateKeyInput, Replicated};
pub use on_behalf::OnBehalf;
pub use pairs::{DataKeyPairOutput, SharedSecretOutput};
pub use rotation::{ImportDetails, ROTATION_PERIOD_DAYS, RotationEntry, RotationPage, RotationStatus};
pub use scheduler::DueWork;
pub use seed::{MaterialFault, SeedKey, Seeded, check_seed_material};
pub use signing::{MacOutput, PublicKeyOutput, SignOutput, SignedMessage, Verified};
pub use tags::TagPage;
pub use usage::{KeyLastUsage, KeyUse, KeyUsed, UsageOperation};

use crate::clock::SharedClock;
use crate::ids::{KeyId, Scope};
use crate::seal::KeyWrapper;
use crate::store::KmsStore;

/// Largest plaintext `Encrypt` accepts, in bytes.
pub const MAX_PLAINTEXT: usize = 4096;
/// Largest `NumberOfBytes` of `GenerateDataKey` and `GenerateRandom`.
pub const MAX_RANDOM_BYTES: u32 = 1024;
/// Most tags a key may carry.
pub const MAX_TAGS_PER_KEY: usize = 50;
/// Most aliases that may name one key.
pub const MAX_ALIASES_PER_KEY: usize = 50;
/// Most grants on one key.
pub const MAX_GRANTS_PER_KEY: usize = 50_000;
/// Most on-demand rotations of one key.
pub const MAX_ON_DEMAND_ROTATIONS: usize = 25;
/// Shortest and longest deletion waiting period, in days.
pub const PENDING_WINDOW_DAYS: std::ops::RangeInclusive<u32> = 7..=30;
/// Default deletion waiting period, in days.
pub const DEFAULT_PENDING_WINDOW_DAYS: u32 = 30;

/// The KMS service.
#[derive(Debug)]
pub struct Kms {
    store: Arc<dyn KmsStore>,
    wrapper: Arc<dyn KeyWrapper>,
    clock: SharedClock,
    cache: cache::KeyCache,
    /// Request quotas, for the operations charged by key type; `None` when throttling is off.
    quotas: Option<quotas::KmsQuotas>,
    /// The regions multi-Region keys may be replicated to.
    hosted: HostedRegions,
    /// Each key's last use not yet written to the store (`GetKeyLastUsage`).
    usage: usage::UsageTracker,
    /// Custom key stores (`AWS_CLOUDHSM`): their table, the configured clusters and this
    /// node's connections; `None` serves none (every store is not found, no cluster exists).
    custom_key_stores: Option<Arc<custom_key_stores::ops::CustomKeyStores>>,
}

impl Kms {
    /// Builds the service over a store, the root of trust and a clock.
    pub fn new(store: Arc<dyn KmsStore>, wrapper: Arc<dyn KeyWrapper>, clock: SharedClock) -> Self {
        Self {
            store,
            wrapper,
            clock,
            cache: cache::KeyCache::new(cache::DEFAULT_CAPACITY),
            quotas: None,
            hosted: HostedRegions::Any,
            usage: usage::UsageTracker::new(),
            custom_key_stores: None,
        }
    }

    /// Forgets every cached key and alias (for instance after another node changed them).
    pub fn invalidate_cache(&self) {
        self.cache.clear();
    }

    /// Hands every invalidation of this service's cache to `sink` too, for other nodes.
    #[must_use]
    pub fn with_invalidations(mut self, sink: Arc<dyn crate::InvalidationSink>) -> Self {
        self.cache.set_sink(sink);
        self
    }

    /// Applies an invalidation another node published: drops what it names from the cache.
    pub fn apply_remote(&self, change: &crate::Invalidation) {
        self.cache.apply_remote(change);
    }

    /// The keys cached now, for a periodic check of the cache against the store
    /// ([`Kms::drop_changed_keys`]).
    pub fn cached_key_ids(&self) -> Vec<(Scope, KeyId)> {
        self.cache.key_ids()
    }

    /// The full check of the key cache against the store: keeps each cached key whose stamp
    /// (read when it was loaded, [`crate::KmsStore::key_stamp`]) is its stamp in `current`
    /// (`None` for a key no longer stored), drops every other key `current` names (changed,
    /// deleted, or loaded without a stamp) and every resolved alias; keys `current` does not
    /// name (cached since it was read) are left for the next check. Returns how many keys it
    /// dropped.
    pub fn drop_changed_keys(&self, current: &std::collections::HashMap<(Scope, KeyId), Option<String>>) -> usize {
        self.cache.drop_changed(current)
    }

    /// Lookups of the key cache so far: (hits, misses).
    pub fn cache_stats(&self) -> (u64, u64) {
        self.cache.stats()
    }

    /// How many unwrapped keys are cached (a gauge for operators).
    pub fn cached_keys(&self) -> usize {
        self.cache.len()
    }
}

impl std::fmt::Debug for dyn KmsStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KmsStore")
    }
}
