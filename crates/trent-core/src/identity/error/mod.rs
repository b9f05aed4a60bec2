//! Why an identity operation failed: one enum for accounts, IAM and STS.
//!
//! Each variant is one IAM/STS error code with a typed reason; the wire layer maps them and
//! renders AWS's sentences exactly once (in `trent-wire`'s `iam::errors`, which
//! `sts::errors` reuses). The `Display`s are for the log and the operator's CLI, and never
//! contain a secret access key, a session token or a policy document.

mod reasons;

pub use reasons::{Attached, Constraint, Denied, Exists, Field, Invalid, Modified, Shown, Unusable, Violation, Why};

use super::PolicyOwner;
use crate::policy::PolicyError;
use crate::store::StoreError;

/// Which IAM quota a request would exceed (`LimitExceeded`); `trent-wire` renders the
/// sentence with the quota's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Quota {
    /// [`ACCESS_KEYS_PER_USER`](super::ACCESS_KEYS_PER_USER) access keys of one user.
    AccessKeysPerUser,
    /// [`GROUPS_PER_USER`](super::GROUPS_PER_USER) groups of one user.
    GroupsPerUser,
    /// A role trust policy over [`TRUST_POLICY_MAX`](super::TRUST_POLICY_MAX) characters.
    RoleTrustPolicySize,
    /// More than [`TAGS_PER_ROLE`](super::TAGS_PER_ROLE) tags on one role.
    TagsPerRole,
    /// The inline policies of `owner` over `quota` characters together.
    InlinePolicySize {
        /// The user, group or role.
        owner: PolicyOwner,
        /// The owner kind's quota.
        quota: usize,
    },
}

/// What a `NoSuchEntity` says does not exist; `trent-wire` renders the sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoSuch {
    /// A user, by name.
    User(String),
    /// A group, by name.
    Group(String),
    /// A role, by name.
    Role(String),
    /// An access key, by id.
    AccessKey(String),
    /// An inline policy `name` of `owner`.
    Policy {
        /// The user, group or role asked about.
        owner: PolicyOwner,
        /// The policy name.
        name: String,
    },
}

impl NoSuch {
    /// The user, group or role that `owner` names.
    pub(crate) fn owner(owner: &PolicyOwner) -> Self {
        match owner {
            PolicyOwner::User(name) => Self::User(name.clone()),
            PolicyOwner::Group(name) => Self::Group(name.clone()),
            PolicyOwner::Role(name) => Self::Role(name.clone()),
        }
    }
}

/// For the log and the operator's CLI; clients get `trent-wire`'s sentence.
impl std::fmt::Display for NoSuch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::User(name) => write!(f, "no user {name}"),
            Self::Group(name) => write!(f, "no group {name}"),
            Self::Role(name) => write!(f, "no role {name}"),
            Self::AccessKey(id) => write!(f, "no access key {id}"),
            Self::Policy { owner, name } => write!(f, "no policy {name} of {} {}", owner.kind(), owner.name()),
        }
    }
}

/// Why an identity operation failed.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The user, group, role, policy or access key named does not exist (`NoSuchEntity`).
    #[error("{0}")]
    NoSuchEntity(NoSuch),
    /// An entity of that name exists already (`EntityAlreadyExists`); also an account id
    /// that is taken.
    #[error("{0}")]
    EntityAlreadyExists(Exists),
    /// The entity changed under the request, again and again, so that its change could not
    /// be applied (`ConcurrentModification`).
    #[error("{0}")]
    ConcurrentModification(Modified),
    /// The entity still has something attached (`DeleteConflict`).
    #[error("cannot delete: {0}")]
    DeleteConflict(Attached),
    /// A quota is reached: two access keys per user, policy sizes (`LimitExceeded`).
    #[error("quota exceeded: {0:?}")]
    LimitExceeded(Quota),
    /// A policy document that the policy engine refuses (`MalformedPolicyDocument`); the
    /// engine's error, whose `Display` is AWS's sentence.
    #[error("malformed policy document: {0}")]
    MalformedPolicyDocument(PolicyError),
    /// A request value that is well formed but unusable (`InvalidInput`).
    #[error("unusable input: {0}")]
    InvalidInput(Unusable),
    /// A request value that breaks a constraint of the model (`ValidationError`).
    #[error("invalid input: {0}")]
    Validation(Invalid),
    /// The caller's policies do not allow the call, or it acts on another account
    /// (`AccessDenied`).
    #[error("access denied: {0}")]
    AccessDenied(Denied),
    /// A session policy or session tags too large once packed (`PackedPolicyTooLarge`).
    #[error("the session policy and tags take {percent}% of the packed space")]
    PackedPolicyTooLarge {
        /// How much of the packed space they take, in percent (over 100).
        percent: usize,
    },
    /// A stored policy document no longer parses: the credentials it belongs to are refused
    /// (fail closed) until the document is fixed, and the cause is logged.
    #[error("a stored policy document cannot be used")]
    StoredPolicy {
        /// Which policy: owner kind, owner name and policy name, for the log.
        which: String,
        /// Why the engine refuses it.
        #[source]
        source: PolicyError,
    },
    /// Storage failed.
    #[error("storage error")]
    Store(#[source] StoreError),
    /// A stored secret could not be unwrapped (wrong root key or tampering), or the random
    /// generator failed.
    #[error("cryptographic failure")]
    Crypto(#[source] trent_crypto::CryptoError),
}

impl From<StoreError> for IdentityError {
    /// Storage errors the caller did not expect. Calls that expect `NotFound`,
    /// `AlreadyExists` or `Conflict` map those to a specific variant themselves.
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<trent_crypto::CryptoError> for IdentityError {
    fn from(e: trent_crypto::CryptoError) -> Self {
        Self::Crypto(e)
    }
}
