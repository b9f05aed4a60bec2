//! The one mapping from [`IdentityError`] to IAM's error codes and HTTP statuses.
//!
//! Exhaustive, without a `_` arm: a new domain error does not compile until it is mapped.
//! Codes and statuses are the `error` members of the botocore IAM model's exception shapes
//! (`NoSuchEntity` 404, `EntityAlreadyExists`/`DeleteConflict`/`LimitExceeded` 409,
//! `MalformedPolicyDocument`/`InvalidInput` 400, `ServiceFailure` 500); `ValidationError`
//! (400) and `AccessDenied` (403) are IAM's common errors.

use http::StatusCode;
use trent_core::IdentityError;
use trent_core::identity::{ACCESS_KEYS_PER_USER, GROUPS_PER_USER, NoSuch, PolicyOwner, Quota, TRUST_POLICY_MAX};

use crate::AwsError;

/// The IAM error for a domain error. 5xx answers carry a generic message; the cause goes to
/// the log.
pub fn to_aws_error(e: IdentityError) -> AwsError {
    let message = message(&e);
    let (code, status) = match &e {
        IdentityError::NoSuchEntity(_) => ("NoSuchEntity", StatusCode::NOT_FOUND),
        IdentityError::EntityAlreadyExists(_) => ("EntityAlreadyExists", StatusCode::CONFLICT),
        IdentityError::DeleteConflict(_) => ("DeleteConflict", StatusCode::CONFLICT),
        IdentityError::LimitExceeded(_) => ("LimitExceeded", StatusCode::CONFLICT),
        IdentityError::MalformedPolicyDocument(_) => ("MalformedPolicyDocument", StatusCode::BAD_REQUEST),
        IdentityError::InvalidInput(_) => ("InvalidInput", StatusCode::BAD_REQUEST),
        IdentityError::Validation(_) => ("ValidationError", StatusCode::BAD_REQUEST),
        IdentityError::AccessDenied(_) => ("AccessDenied", StatusCode::FORBIDDEN),
        // STS's error; IAM never raises it, and would call it a malformed document.
        IdentityError::PackedPolicyTooLarge(_) => ("MalformedPolicyDocument", StatusCode::BAD_REQUEST),
        IdentityError::StoredPolicy { .. } | IdentityError::Store(_) | IdentityError::Crypto(_) => {
            log_fault(&e);
            return AwsError::new(
                "ServiceFailure",
                StatusCode::INTERNAL_SERVER_ERROR,
                "The request processing has failed because of an unknown error, exception or failure.",
            );
        }
    };
    AwsError::new(code, status, message)
}

/// The message of an IAM or STS error: the quota and missing-entity sentences rendered here,
/// the others as the domain words them (5xx messages are replaced by the callers).
pub(crate) fn message(e: &IdentityError) -> String {
    match e {
        IdentityError::LimitExceeded(quota) => quota_exceeded(quota),
        IdentityError::NoSuchEntity(missing) => no_such_entity(missing),
        IdentityError::EntityAlreadyExists(m)
        | IdentityError::DeleteConflict(m)
        | IdentityError::MalformedPolicyDocument(m)
        | IdentityError::InvalidInput(m)
        | IdentityError::Validation(m)
        | IdentityError::AccessDenied(m)
        | IdentityError::PackedPolicyTooLarge(m) => m.clone(),
        IdentityError::StoredPolicy { .. } | IdentityError::Store(_) | IdentityError::Crypto(_) => e.to_string(),
    }
}

/// IAM's `NoSuchEntity` sentence for what does not exist.
fn no_such_entity(missing: &NoSuch) -> String {
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

/// IAM's `LimitExceeded` sentence for the quota.
fn quota_exceeded(quota: &Quota) -> String {
    match quota {
        Quota::AccessKeysPerUser => format!("Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}"),
        Quota::GroupsPerUser => format!("Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}"),
        Quota::RoleTrustPolicySize => format!("Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_MAX}"),
        Quota::InlinePolicySize { owner, quota } => {
            format!("Maximum policy size of {quota} bytes exceeded for {} {}", noun(owner), owner.name())
        }
    }
}

/// Logs a server-side failure with its whole cause chain (never a secret: identity errors
/// carry none).
pub(crate) fn log_fault(e: &IdentityError) {
    let mut chain = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    tracing::error!(error = %e, cause = ?chain, "identity operation failed");
}

#[cfg(test)]
mod tests;
