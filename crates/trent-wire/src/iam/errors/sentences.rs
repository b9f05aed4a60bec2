//! IAM's sentences (STS's too), rendered from the domain's typed reasons: the only place
//! they are written. Exhaustive, without a `_` arm.

use trent_core::identity::{
    ACCESS_KEYS_PER_USER, Attached, Constraint, Denied, Exists, Field, GROUPS_PER_USER, Invalid, Modified, NoSuch,
    PolicyOwner, Quota, Shown, TAGS_PER_ROLE, TRUST_POLICY_MAX, Unusable, Violation, Why,
};

/// How many characters of a value a `ValidationError` shows.
const SHOWN_CHARS: usize = 128;

/// `NoSuchEntity`'s sentence for what does not exist.
pub(super) fn no_such_entity(missing: &NoSuch) -> String {
    match missing {
        NoSuch::User(name) => format!("The user with name {name} cannot be found."),
        NoSuch::Group(name) => format!("The group with name {name} cannot be found."),
        NoSuch::Role(name) => format!("The role with name {name} cannot be found."),
        NoSuch::AccessKey(id) => format!("The Access Key with id {id} cannot be found."),
        NoSuch::Policy { owner, name } => format!("The {} policy with name {name} cannot be found.", noun(owner)),
    }
}

/// The owner's kind as IAM's sentences name it.
fn noun(owner: &PolicyOwner) -> &'static str {
    match owner {
        PolicyOwner::User(_) => "user",
        PolicyOwner::Group(_) => "group",
        PolicyOwner::Role(_) => "role",
    }
}

/// `LimitExceeded`'s sentence for the quota.
pub(super) fn quota_exceeded(quota: &Quota) -> String {
    match quota {
        Quota::AccessKeysPerUser => format!("Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}"),
        Quota::GroupsPerUser => format!("Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}"),
        Quota::RoleTrustPolicySize => format!("Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_MAX}"),
        Quota::TagsPerRole => format!("Cannot exceed quota for TagsPerRole: {TAGS_PER_ROLE}"),
        Quota::InlinePolicySize { owner, quota } => {
            format!("Maximum policy size of {quota} bytes exceeded for {} {}", noun(owner), owner.name())
        }
    }
}

/// `EntityAlreadyExists`'s sentence for what exists.
pub(super) fn exists(existing: &Exists) -> String {
    match existing {
        Exists::User(name) => format!("User with name {name} already exists."),
        Exists::Group(name) => format!("Group with name {name} already exists."),
        Exists::Role(name) => format!("Role with name {name} already exists."),
        Exists::Account(id) => format!("Account {id} already exists."),
        Exists::AccessKey(_) => "The access key exists already.".to_owned(),
        Exists::SeededAccessKey(id) => format!("Access key {id} exists with another secret or user"),
    }
}

/// `DeleteConflict`'s sentence for what still holds the entity.
pub(super) fn delete_conflict(attached: &Attached) -> &'static str {
    match attached {
        Attached::User(_) => {
            "Cannot delete entity, must delete access keys, inline policies and group memberships first."
        }
        Attached::Role(_) => "Cannot delete entity, must delete policies first.",
    }
}

/// `ConcurrentModification`'s sentence for what kept changing.
pub(super) fn concurrent_modification(modified: &Modified) -> String {
    match modified {
        Modified::Role(name) => {
            format!("Role {name} was modified by concurrent requests. Wait a few seconds and try again.")
        }
    }
}

/// `InvalidInput`'s sentence.
pub(super) fn unusable(input: &Unusable) -> &'static str {
    match input {
        Unusable::DuplicateTagKey(_) => "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        Unusable::ReservedTagKey(_) => "Tag keys starting with 'aws:' are reserved for internal use.",
    }
}

/// `AccessDenied`'s sentence for who was refused what.
pub(crate) fn denied(denied: &Denied) -> String {
    match denied {
        Denied::Policy { principal_arn, action, resource, why } => {
            let head = format!("User: {principal_arn} is not authorized to perform: {action} on resource: {resource}");
            match why {
                Why::ExplicitDeny => format!("{head} with an explicit deny in an identity-based policy"),
                Why::NoAllow => format!("{head} because no identity-based policy allows the {action} action"),
                // The sentence ends where the resource does, without its trailing blanks.
                Why::Unstated => head.trim_end().to_owned(),
            }
        }
        Denied::RootAssumesRole => "Roles may not be assumed by root accounts.".to_owned(),
        Denied::NoRole { role_arn } => format!("The role {role_arn} does not exist."),
    }
}

/// `PackedPolicyTooLarge`'s sentence.
pub(super) fn packed_policy_too_large(percent: usize) -> String {
    format!("Packed policy consumes {percent}% of allotted space, please use smaller policy for better performance.")
}

/// `ValidationError`'s sentence.
pub(super) fn invalid(invalid: &Invalid) -> String {
    match invalid {
        Invalid::Member(v) => violation(v),
        Invalid::RoleArn(arn) => format!("{arn} is invalid"),
        Invalid::DurationOverRoleMax => {
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.".to_owned()
        }
        Invalid::DurationOverChainingLimit => {
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
                .to_owned()
        }
        Invalid::ServiceSessionDuration(seconds) => format!("{seconds} is not a valid session duration"),
        Invalid::UserNameRequired => "Must specify userName when calling with non-User credentials".to_owned(),
    }
}

/// The model's sentence for one member that breaks one constraint.
fn violation(v: &Violation) -> String {
    let field = match &v.field {
        Field::Named(name) => (*name).to_owned(),
        Field::TagKey(n) => format!("tags.{n}.member.key"),
        Field::TagValue(n) => format!("tags.{n}.member.value"),
        Field::TagKeysMember(n) => format!("tagKeys.{n}.member"),
    };
    let subject = match &v.value {
        Shown::Value(value) => {
            let shown: String = value.chars().take(SHOWN_CHARS).collect();
            format!("Value '{shown}' at '{field}'")
        }
        Shown::Hidden => format!("Value at '{field}'"),
    };
    let constraint = match &v.constraint {
        Constraint::LengthAtLeast(min) => format!("Member must have length greater than or equal to {min}"),
        Constraint::LengthAtMost(max) => format!("Member must have length less than or equal to {max}"),
        Constraint::LengthBetween(min, max) => format!("Member must have length between {min} and {max}"),
        Constraint::ValueAtLeast(min) => format!("Member must have value greater than or equal to {min}"),
        Constraint::ValueAtMost(max) => format!("Member must have value less than or equal to {max}"),
        Constraint::ValueBetween(min, max) => format!("Member must have value between {min} and {max}"),
        Constraint::Pattern(pattern) => format!("Member must satisfy regular expression pattern: {pattern}"),
        Constraint::PatternAndLength { pattern, min, max } => {
            format!("Member must satisfy regular expression pattern: {pattern} and have length between {min} and {max}")
        }
    };
    format!("1 validation error detected: {subject} failed to satisfy constraint: {constraint}")
}
