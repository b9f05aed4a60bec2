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
    store: Arc<dyn ParamStore>,
    clock: SharedClock,
}

impl Params {
    /// Builds the service over a store and a clock.
    pub fn new(store: Arc<dyn ParamStore>, clock: SharedClock) -> Self {
        Self { store, clock }
    }
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Params")
    }
}
