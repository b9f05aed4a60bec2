//! AWS Secrets Manager semantics: secrets, their versions and staging labels, deletion with a
//! recovery window, tags and resource policies.
//!
//! [`Secrets`] is the service object. Every public method takes the authenticated [`Caller`]
//! and inputs already decoded from the wire, authorizes the call with the one policy engine
//! (identity policies and the secret's resource policy), and returns domain outputs or a
//! [`SecretsError`]. Values are envelope-encrypted: a data key from KMS per version, asked for
//! on the caller's behalf ([`Kms::on_behalf`]) under the encryption context
//! `{SecretARN, SecretVersionId}`. It knows nothing of JSON shapes or SQL.

mod access;
mod cache;
mod cross_account;
mod envelope;
mod error;
mod labels;
mod lifecycle;
mod list;
mod model;
mod password;
mod policy;
mod rekey;
mod replica_retry;
mod replicas;
mod rotation;
mod rotation_log;
mod rotation_run;
mod secret_id;
mod values;
mod writers;

use std::sync::Arc;

pub use cross_account::{
    Association, CrossAccountFailure, CrossAccountPrimary, CrossAccountReplica, CrossAccountStatus, MANAGED_POLICY_NAME,
};
pub use error::{BadParameter, BadPolicy, BadRequest, KmsUse, Limit, SecretsError};
pub use labels::StageMove;
pub use lifecycle::{CreateSecretInput, CreatedSecret, DeletedSecret, SecretDescription, UpdateSecretInput};
pub use list::{
    BatchOutput, Filter, FilterKey, ListSecretsInput, MAX_BATCH_RESULTS, MAX_LIST_RESULTS, SecretPage, SortBy,
    SortOrder, VersionEntry, VersionPage,
};
pub use model::{AWSCURRENT, AWSPENDING, AWSPREVIOUS, SecretRecord, SecretValue, ValueKind, VersionRecord};
pub use password::{DEFAULT_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH, PUNCTUATION, PasswordRules, random_password};
pub use policy::{DEFAULT_POLICY_NAME, MAX_POLICY_NAMES, PolicyNamePage};
pub use replica_retry::ReplicaRetries;
pub use replicas::{ReplicaFailure, ReplicaRecord, ReplicaRegion, Replication, ReplicationStatus};
pub use rotation::{PendingRotation, RotateSecretInput, RotationOutput, RotationRulesRecord, RotationState};
pub use rotation_run::{RotationApi, RotationRun};
pub use trent_rotation::{CronField, ScheduleError, Step as RotationStep};
pub use values::{PutValueInput, PutValueOutput, ValueOutput, VersionSelector};

use crate::clock::SharedClock;
use crate::identity::Caller;
use crate::kms::Kms;
use crate::store::SecretsStore;

/// Shortest and longest recovery window of `DeleteSecret`, in days.
pub const RECOVERY_WINDOW_DAYS: std::ops::RangeInclusive<i64> = 7..=30;
/// Recovery window when `DeleteSecret` names none.
pub const DEFAULT_RECOVERY_WINDOW_DAYS: i64 = 30;
/// Versions a secret keeps before unlabelled ones older than a day are pruned ("Secrets Manager
/// removes unlabeled versions when there are more than 100").
pub const MAX_VERSIONS: usize = 100;
/// Staging labels a secret may carry across its versions.
pub const MAX_STAGING_LABELS: usize = 20;
/// Tags a secret may carry.
pub const MAX_TAGS: usize = 50;
/// Largest `SecretString` or `SecretBinary`, in bytes.
pub const MAX_VALUE_BYTES: usize = 65_536;
/// Largest resource policy, in characters.
pub const MAX_POLICY_CHARS: usize = 20_480;

/// The Secrets Manager service.
pub struct Secrets {
    store: Arc<dyn SecretsStore>,
    kms: Arc<Kms>,
    clock: SharedClock,
    /// The secrets and versions `store` read lately (it is wrapped around them).
    records: Arc<cache::SecretCache>,
    keys: envelope::DataKeyCache,
    rotation: rotation_run::RotationHooks,
    /// This node's writers of each secret, one at a time.
    writers: writers::WriteLocks,
    /// Where the roles cross-account replication assumes (`ReplicationRoleARN`) are found;
    /// `None`: no role can be assumed, and a link that names one fails.
    roles: Option<Arc<dyn crate::store::IdentityStore>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("cached_secrets", &self.records.len())
            .field("cached_data_keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl Secrets {
    /// Builds the service over its store, the KMS it encrypts with and a clock. Single
    /// secrets and their versions are cached in memory; every write through this service
    /// drops the secret's entry.
    pub fn new(store: Arc<dyn SecretsStore>, kms: Arc<Kms>, clock: SharedClock) -> Self {
        let records = Arc::new(cache::SecretCache::new(cache::DEFAULT_CAPACITY));
        Self {
            store: Arc::new(cache::CachedStore::new(store, records.clone())),
            kms,
            clock,
            records,
            keys: envelope::DataKeyCache::new(envelope::DEFAULT_CAPACITY),
            rotation: rotation_run::RotationHooks::default(),
            writers: writers::WriteLocks::default(),
            roles: None,
        }
    }

    /// Finds the roles cross-account replication assumes (`ReplicationRoleARN`) in `roles`.
    pub fn with_roles(mut self, roles: Arc<dyn crate::store::IdentityStore>) -> Self {
        self.roles = Some(roles);
        self
    }

    /// Hands every later change of a secret to `sink` too, for the other nodes sharing the
    /// store to drop their cached copy.
    pub fn with_invalidations(self, sink: Arc<dyn crate::InvalidationSink>) -> Self {
        self.records.set_sink(sink);
        self
    }

    /// Applies an invalidation another node published: drops the secret it names.
    pub fn apply_remote(&self, change: &crate::Invalidation) {
        self.records.apply_remote(change);
        if matches!(change, crate::Invalidation::All) {
            self.keys.clear();
        }
    }

    /// Lookups of the secret cache so far: (hits, misses).
    pub fn cache_stats(&self) -> (u64, u64) {
        self.records.stats()
    }

    /// The secrets cached now, for a periodic check of the cache against the store
    /// ([`Secrets::drop_changed_secrets`]).
    pub fn cached_secret_names(&self) -> Vec<(crate::ids::Scope, String)> {
        self.records.names()
    }

    /// The full check of the secret cache against the store: keeps each cached secret whose
    /// stamp (read when it was loaded, [`crate::SecretsStore::secret_stamp`]) is its stamp in
    /// `current` (`None` for a secret no longer stored), drops every other secret `current`
    /// names and leaves those it does not name for the next check. Unwrapped data keys stay:
    /// they are found by their wrapped bytes, and every use of one is authorized by KMS anew.
    /// Returns how many secrets it dropped.
    pub fn drop_changed_secrets(
        &self,
        current: &std::collections::HashMap<(crate::ids::Scope, String), Option<String>>,
    ) -> usize {
        self.records.drop_changed(current)
    }

    /// How many secrets are cached (a gauge for operators).
    pub fn cached_secrets(&self) -> usize {
        self.records.len()
    }

    /// Forgets every cached secret, version and data key.
    pub fn invalidate_cache(&self) {
        self.records.clear();
        self.keys.clear();
    }
}

/// The caller's account owns the secret.
fn same_account(caller: &Caller, secret: &SecretRecord) -> bool {
    caller.principal.account == secret.scope.account
}
