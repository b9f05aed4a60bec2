//! Who is calling: accounts, IAM users, groups, roles and their inline policies, access keys,
//! STS sessions, and the [`Caller`] that authentication hands to every operation.
//!
//! [`Identities`] is the service: the IAM and STS operations (each authorized against the
//! caller's identity policies through the policy engine), and the credential lookup that
//! authentication runs on every request, served from an in-memory cache that every IAM
//! mutation invalidates.

mod access_keys;
mod authz;
mod cache;
mod caller;
mod entities;
mod error;
mod groups;
mod load;
mod model;
mod policies;
mod role_tags;
mod role_updates;
mod roles;
mod seed;
mod service;
mod service_role;
mod sts;
mod users;
mod validate;
mod via;

pub use access_keys::{ACCESS_KEYS_PER_USER, AccessKeyMetadata, CreatedAccessKey};
pub use cache::ActiveAccessKey;
pub use caller::{Caller, CallerIdentity};
pub use entities::{Group, IamTag, InlinePolicy, PolicyOwner, Role, SessionRecord, User};
pub use error::{
    Attached, Constraint, Denied, Exists, Field, IdentityError, Invalid, Modified, NoSuch, Quota, Shown, Unusable,
    Violation, Why,
};
pub use groups::GROUPS_PER_USER;
pub use model::{
    AccessKeyRecord, AccessKeyStatus, Account, Principal, PrincipalKind, access_key_wrap_aad, session_wrap_aad,
};
pub use role_tags::TAGS_PER_ROLE;
pub use roles::{MAX_SESSION_DURATION, NewRole, TRUST_POLICY_MAX};
pub use seed::SeedAccessKey;
pub use service::{ADMINISTRATOR_POLICY, ADMINISTRATOR_POLICY_NAME, ADMINISTRATOR_USER, Identities, NewAccessKey};
pub use service_role::{ServiceRole, service_role_caller};
pub use sts::{AssumeRoleInput, AssumedRole, DURATION_SECONDS};
pub use users::Page;
pub use via::ViaService;
