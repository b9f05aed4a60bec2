//! AWS Systems Manager Parameter Store semantics: parameters and their versions, labels,
//! hierarchies, tiers, `SecureString` encryption through KMS, tags and the default-tier
//! service setting.
//!
//! [`Params`] is the service object. Every public method takes the authenticated [`Caller`]
//! and inputs already decoded from the wire, checks the caller's IAM permissions on the
//! parameter's ARN (`arn:aws:ssm:REGION:ACCOUNT:parameter/a/b`), applies AWS's rules and
//! returns domain outputs or a [`ParamsError`]. `SecureString` values are encrypted and
//! decrypted through [`Kms::on_behalf`](crate::kms::Kms::on_behalf): the caller's own KMS
//! permissions and quotas apply, and the plaintext never reaches the store, a log or an
//! error.

mod access;
mod cache;
mod describe;
mod error;
mod filters;
mod get;
mod history;
mod model;
pub mod names;
mod notify;
mod policies;
mod put;
mod reference;
mod schedule;
mod seal;
mod settings;
mod tags;
mod token;

use std::sync::Arc;

pub use describe::DescribePage;
pub use error::ParamsError;
pub use filters::{LegacyFilter, StringFilter};
pub use get::{ParameterRead, ParametersPage, PathQuery, Sources};
pub use history::{HistoryPage, LabelOutcome};
pub use model::{
    DataType, Listing, ParamTag, ParameterType, ParameterVersion, ParameterWrite, StoredSetting, StoredValue, Tier,
    TierCounts,
};
pub use policies::{
    MAX_POLICIES, ParameterPolicy, PolicyProblem, PolicyStatus, PolicyType, due_at, next_due, parse_policies,
};
pub use put::{PutInput, PutOutput};
pub use schedule::PolicyWork;
pub use settings::{DEFAULT_TIER_SETTING, ServiceSetting};

use crate::clock::SharedClock;
use crate::store::ParamStore;

/// Most versions a parameter keeps; writing one more removes the oldest.
pub const MAX_VERSIONS: u64 = 100;
/// Most labels on one version.
pub const MAX_LABELS_PER_VERSION: usize = 10;
/// Largest value of a Standard parameter, in bytes.
pub const STANDARD_MAX_VALUE: usize = 4096;
/// Largest value of an Advanced parameter, in bytes.
pub const ADVANCED_MAX_VALUE: usize = 8192;
/// Most Standard parameters per account and region.
pub const STANDARD_QUOTA: u64 = 10_000;
/// Most Advanced parameters per account and region.
pub const ADVANCED_QUOTA: u64 = 100_000;
/// Most tags on one parameter.
pub const MAX_TAGS: usize = 50;

/// The Parameter Store service.
pub struct Params {
    /// The store, read through `cache` (every write through it drops what it changed).
    store: Arc<dyn ParamStore>,
    clock: SharedClock,
    /// The parameters and listing pages `store` read lately.
    cache: Arc<cache::ParamCache>,
    /// Unwrapped data keys of envelope-encrypted (larger than 4 KB) `SecureString`s.
    keys: seal::DataKeys,
}

impl Params {
    /// Builds the service over a store and a clock. Parameters, their versions and listing
    /// pages are cached in memory; every write through this service drops what it changed.
    pub fn new(store: Arc<dyn ParamStore>, clock: SharedClock) -> Self {
        let cache = Arc::new(cache::ParamCache::new(cache::DEFAULT_BUDGET));
        Self {
            store: Arc::new(cache::CachedStore::new(store, cache.clone())),
            clock,
            cache,
            keys: seal::DataKeys::new(crate::data_keys::DEFAULT_CAPACITY),
        }
    }

    /// Hands every later change of a parameter to `sink` too, for the other nodes sharing
    /// the store to drop their cached copy.
    pub fn with_invalidations(self, sink: Arc<dyn crate::InvalidationSink>) -> Self {
        self.cache.set_sink(sink);
        self
    }

    /// Applies an invalidation another node published: drops the parameter it names.
    pub fn apply_remote(&self, change: &crate::Invalidation) {
        self.cache.apply_remote(change);
        if matches!(change, crate::Invalidation::All) {
            self.keys.clear();
        }
    }

    /// Lookups of the parameter cache so far: (hits, misses).
    pub fn cache_stats(&self) -> (u64, u64) {
        self.cache.stats()
    }

    /// The parameters cached now, for a periodic check of the cache against the store
    /// ([`Params::drop_changed_parameters`]).
    pub fn cached_parameter_names(&self) -> Vec<(crate::ids::Scope, String)> {
        self.cache.names()
    }

    /// The full check of the parameter cache against the store: keeps each cached parameter
    /// whose stamp (read when it was loaded, [`crate::ParamStore::parameter_stamp`]) is its
    /// stamp in `current` (`None` for a parameter no longer stored), drops every other
    /// parameter `current` names, leaves those it does not name for the next check, and drops
    /// every listing page. Unwrapped data keys stay (found by their wrapped bytes, every use
    /// authorized by KMS anew). Returns how many parameters it dropped.
    pub fn drop_changed_parameters(
        &self,
        current: &std::collections::HashMap<(crate::ids::Scope, String), Option<String>>,
    ) -> usize {
        self.cache.drop_changed(current)
    }

    /// How many parameters are cached (a gauge for operators).
    pub fn cached_parameters(&self) -> usize {
        self.cache.len()
    }

    /// Forgets every cached parameter, listing and data key (after the store was changed
    /// behind this service's back: a reset, a restore).
    pub fn invalidate_cache(&self) {
        self.cache.clear();
        self.keys.clear();
    }
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Params")
            .field("cached_bytes", &self.cache.bytes())
            .field("cached_data_keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}
