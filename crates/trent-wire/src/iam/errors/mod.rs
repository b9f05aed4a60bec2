//! The one mapping from [`IdentityError`] to IAM's error codes and HTTP statuses.
//!
//! Exhaustive, without a `_` arm: a new domain error does not compile until it is mapped.
//! Codes and statuses are the `error` members of the botocore IAM model's exception shapes
//! (`NoSuchEntity` 404, `EntityAlreadyExists`/`DeleteConflict`/`LimitExceeded`/
//! `ConcurrentModification` 409,
//! `MalformedPolicyDocument`/`InvalidInput` 400, `ServiceFailure` 500); `ValidationError`
//! (400) and `AccessDenied` (403) are IAM's common errors.

use http::StatusCode;
use trent_core::IdentityError;

use crate::AwsError;

mod sentences;

pub(crate) use sentences::denied;

/// The IAM error for a domain error. 5xx answers carry a generic message; the cause goes to
/// the log.
pub fn to_aws_error(e: IdentityError) -> AwsError {
    let message = message(&e);
    let (code, status) = match &e {
        IdentityError::NoSuchEntity(_) => ("NoSuchEntity", StatusCode::NOT_FOUND),
        IdentityError::EntityAlreadyExists(_) => ("EntityAlreadyExists", StatusCode::CONFLICT),
        IdentityError::DeleteConflict(_) => ("DeleteConflict", StatusCode::CONFLICT),
        IdentityError::ConcurrentModification(_) => ("ConcurrentModification", StatusCode::CONFLICT),
        IdentityError::LimitExceeded(_) => ("LimitExceeded", StatusCode::CONFLICT),
        IdentityError::MalformedPolicyDocument(_) => ("MalformedPolicyDocument", StatusCode::BAD_REQUEST),
        IdentityError::InvalidInput(_) => ("InvalidInput", StatusCode::BAD_REQUEST),
        IdentityError::Validation(_) => ("ValidationError", StatusCode::BAD_REQUEST),
        IdentityError::AccessDenied(_) => ("AccessDenied", StatusCode::FORBIDDEN),
        // STS's error; IAM never raises it, and would call it a malformed document.
        IdentityError::PackedPolicyTooLarge { .. } => ("MalformedPolicyDocument", StatusCode::BAD_REQUEST),
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

/// The message of an IAM or STS error, rendered from the typed reason (5xx messages are
/// replaced by the callers).
pub(crate) fn message(e: &IdentityError) -> String {
    match e {
        IdentityError::LimitExceeded(quota) => sentences::quota_exceeded(quota),
        IdentityError::NoSuchEntity(missing) => sentences::no_such_entity(missing),
        IdentityError::EntityAlreadyExists(existing) => sentences::exists(existing),
        IdentityError::DeleteConflict(attached) => sentences::delete_conflict(attached).to_owned(),
        IdentityError::ConcurrentModification(modified) => sentences::concurrent_modification(modified),
        IdentityError::InvalidInput(input) => sentences::unusable(input).to_owned(),
        IdentityError::Validation(invalid) => sentences::invalid(invalid),
        IdentityError::AccessDenied(denied) => sentences::denied(denied),
        IdentityError::PackedPolicyTooLarge { percent } => sentences::packed_policy_too_large(*percent),
        // The engine's error is worded as AWS words the refusal.
        IdentityError::MalformedPolicyDocument(refused) => refused.to_string(),
        IdentityError::StoredPolicy { .. } | IdentityError::Store(_) | IdentityError::Crypto(_) => e.to_string(),
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
