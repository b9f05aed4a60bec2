//! The typed reasons of identity errors: what exists already, what still holds an entity,
//! who was refused what, which member breaks which constraint. Typed fields only; the
//! sentences are `trent-wire`'s (its IAM mapping, which STS reuses). The `Display`s are for
//! the log and the operator's CLI, never a client's answer.

use std::fmt;

use crate::ids::AccountId;

/// What a `EntityAlreadyExists` says exists already.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exists {
    /// A user, by name.
    User(String),
    /// A group, by name.
    Group(String),
    /// A role, by name.
    Role(String),
    /// An account, by id (`trent admin create-account`).
    Account(AccountId),
    /// An access key the operator inserts, by id.
    AccessKey(String),
    /// A seeded access key, by id, stored (or planned) with another secret or user.
    SeededAccessKey(String),
}

impl fmt::Display for Exists {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(name) => write!(f, "user {name} already exists"),
            Self::Group(name) => write!(f, "group {name} already exists"),
            Self::Role(name) => write!(f, "role {name} already exists"),
            Self::Account(id) => write!(f, "account {id} already exists"),
            Self::AccessKey(id) => write!(f, "access key {id} already exists"),
            Self::SeededAccessKey(id) => write!(f, "access key {id} already exists with another secret or user"),
        }
    }
}

/// What still holds an entity that a `DeleteConflict` refuses to delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attached {
    /// The user, by name, still has access keys, inline policies or group memberships.
    User(String),
    /// The role, by name, still has inline policies.
    Role(String),
}

impl fmt::Display for Attached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(name) => write!(f, "user {name} still has access keys, inline policies or groups"),
            Self::Role(name) => write!(f, "role {name} still has inline policies"),
        }
    }
}

/// What changed under a request too often for it to apply its change
/// (`ConcurrentModification`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Modified {
    /// A role, by name.
    Role(String),
}

impl fmt::Display for Modified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Role(name) => write!(f, "role {name} kept changing under concurrent updates"),
        }
    }
}

/// A request value that is well formed but unusable (`InvalidInput`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unusable {
    /// Two tags whose keys are equal regardless of case; the second key as given.
    DuplicateTagKey(String),
    /// A tag key that starts with `aws:` (in any case), a prefix AWS keeps for itself; the
    /// key as given.
    ReservedTagKey(String),
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DuplicateTagKey(key) => write!(f, "tag key {key} repeated (keys are case insensitive)"),
            Self::ReservedTagKey(key) => write!(f, "tag key {key} starts with the reserved prefix aws:"),
        }
    }
}

/// Who was refused what (`AccessDenied`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denied {
    /// The caller's identity policies (or a role's trust policy) refused `action` on
    /// `resource`.
    Policy {
        /// The caller's ARN.
        principal_arn: String,
        /// The permission asked for (`iam:CreateUser`, `sts:AssumeRole`).
        action: String,
        /// The resource's ARN, as the request named it.
        resource: String,
        /// Which refusal the sentence states, if any.
        why: Why,
    },
    /// The caller is an account's root user, which may not assume roles.
    RootAssumesRole,
    /// A role the server itself would assume (for a rotation function) does not exist.
    NoRole {
        /// The role ARN configured.
        role_arn: String,
    },
}

/// Why the policies refused a request, as the sentence states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// A `Deny` statement of an identity-based policy matched.
    ExplicitDeny,
    /// No identity-based policy allows the action.
    NoAllow,
    /// Not stated: STS words its denials without a reason.
    Unstated,
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Policy { principal_arn, action, resource, why } => {
                write!(f, "{principal_arn} may not {action} on {resource} ({why:?})")
            }
            Self::RootAssumesRole => f.write_str("a root user may not assume roles"),
            Self::NoRole { role_arn } => write!(f, "no role {role_arn}"),
        }
    }
}

/// A request value that breaks a constraint of the model, or a rule of STS (`ValidationError`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// A member breaks a constraint of the model ("1 validation error detected: ...").
    Member(Violation),
    /// A `RoleArn` of the right length that is no role ARN of the partition, as given.
    RoleArn(String),
    /// A `DurationSeconds` above the role's `MaxSessionDuration`.
    DurationOverRoleMax,
    /// A `DurationSeconds` above an hour for a role session that assumes another role.
    DurationOverChainingLimit,
    /// The duration of a session the server itself asks for, out of bounds.
    ServiceSessionDuration(i64),
    /// A call about the caller's own user made with credentials that are no user's.
    UserNameRequired,
}

impl Invalid {
    /// A violation of `constraint` by `value` of the member `field`.
    pub(crate) fn member(field: impl Into<Field>, value: Shown, constraint: Constraint) -> Self {
        Self::Member(Violation { field: field.into(), value, constraint })
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Member(v) => write!(f, "{:?} breaks {:?}", v.field, v.constraint),
            Self::RoleArn(arn) => write!(f, "{arn} is no role ARN"),
            Self::DurationOverRoleMax => f.write_str("DurationSeconds above the role's MaxSessionDuration"),
            Self::DurationOverChainingLimit => f.write_str("DurationSeconds above an hour for role chaining"),
            Self::ServiceSessionDuration(seconds) => write!(f, "session duration {seconds} out of bounds"),
            Self::UserNameRequired => f.write_str("UserName needed with credentials of no user"),
        }
    }
}

/// One member that breaks one constraint of the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The member.
    pub field: Field,
    /// What the sentence shows of the value.
    pub value: Shown,
    /// The constraint broken.
    pub constraint: Constraint,
}

/// A member of an IAM or STS request, as the model names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// A member by its wire name (`userName`, `policyDocument`).
    Named(&'static str),
    /// The key of the tag at this 1-based position (`tags.N.member.key`).
    TagKey(usize),
    /// The value of the tag at this 1-based position (`tags.N.member.value`).
    TagValue(usize),
    /// The tag key at this 1-based position of an `UntagRole` list (`tagKeys.N.member`).
    TagKeysMember(usize),
}

impl From<&'static str> for Field {
    fn from(name: &'static str) -> Self {
        Self::Named(name)
    }
}

/// What a violation's sentence shows of the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    /// The value as given (the sentence shows its first 128 characters).
    Value(String),
    /// Nothing: a policy document or a list.
    Hidden,
}

/// A constraint of the IAM or STS model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// A length of at least this.
    LengthAtLeast(usize),
    /// A length of at most this.
    LengthAtMost(usize),
    /// A length within these bounds.
    LengthBetween(usize, usize),
    /// A number of at least this.
    ValueAtLeast(i64),
    /// A number of at most this.
    ValueAtMost(i64),
    /// A number within these bounds.
    ValueBetween(i64, i64),
    /// A string that matches this pattern of the model.
    Pattern(&'static str),
    /// A string that matches this pattern and has a length within these bounds.
    PatternAndLength {
        /// The model's pattern.
        pattern: &'static str,
        /// The shortest length.
        min: usize,
        /// The longest length.
        max: usize,
    },
}
