//! The one mapping from [`IdentityError`] to STS's error codes and HTTP statuses.
//!
//! Exhaustive, without a `_` arm. Codes and statuses are the `error` members of the botocore
//! STS model (`MalformedPolicyDocument` 400, `PackedPolicyTooLarge` 400) and STS's common
//! errors (`ValidationError` 400, `AccessDenied` 403, `InternalFailure` 500). IAM-only
//! conditions, which STS operations do not raise, are reported as validation errors.

use http::StatusCode;
use trent_core::IdentityError;

use crate::AwsError;

/// The STS error for a domain error. 5xx answers carry a generic message; the cause goes to
/// the log.
pub fn to_aws_error(e: IdentityError) -> AwsError {
    let message = crate::iam::message(&e);
    let (code, status) = match &e {
        IdentityError::Validation(_)
        | IdentityError::InvalidInput(_)
        | IdentityError::NoSuchEntity(_)
        | IdentityError::EntityAlreadyExists(_)
        | IdentityError::DeleteConflict(_)
        | IdentityError::LimitExceeded(_) => ("ValidationError", StatusCode::BAD_REQUEST),
        IdentityError::MalformedPolicyDocument(_) => ("MalformedPolicyDocument", StatusCode::BAD_REQUEST),
        IdentityError::PackedPolicyTooLarge(_) => ("PackedPolicyTooLarge", StatusCode::BAD_REQUEST),
        IdentityError::AccessDenied(_) => ("AccessDenied", StatusCode::FORBIDDEN),
        IdentityError::StoredPolicy { .. } | IdentityError::Store(_) | IdentityError::Crypto(_) => {
            crate::iam::log_fault(&e);
            return AwsError::new("InternalFailure", StatusCode::INTERNAL_SERVER_ERROR, "An internal error occurred.");
        }
    };
    AwsError::new(code, status, message)
}

#[cfg(test)]
mod tests {
    use trent_core::StoreError;

    use super::*;

    /// Golden table: every domain error's STS code, status and message.
    #[test]
    fn every_identity_error_maps_to_its_sts_code() {
        let policy_error = trent_core::policy::Policy::parse("{", trent_core::policy::PolicyKind::Session).unwrap_err();
        let fault = "An internal error occurred.";
        let cases: Vec<(IdentityError, &str, u16, &str)> = vec![
            (IdentityError::Validation("v".into()), "ValidationError", 400, "v"),
            (IdentityError::InvalidInput("i".into()), "ValidationError", 400, "i"),
            (
                IdentityError::NoSuchEntity(trent_core::identity::NoSuch::Role("deployer".into())),
                "ValidationError",
                400,
                "The role with name deployer cannot be found.",
            ),
            (IdentityError::EntityAlreadyExists("e".into()), "ValidationError", 400, "e"),
            (IdentityError::DeleteConflict("d".into()), "ValidationError", 400, "d"),
            (
                IdentityError::LimitExceeded(trent_core::identity::Quota::GroupsPerUser),
                "ValidationError",
                400,
                "Cannot exceed quota for GroupsPerUser: 10",
            ),
            (IdentityError::MalformedPolicyDocument("m".into()), "MalformedPolicyDocument", 400, "m"),
            (IdentityError::PackedPolicyTooLarge("p".into()), "PackedPolicyTooLarge", 400, "p"),
            (IdentityError::AccessDenied("a".into()), "AccessDenied", 403, "a"),
            (
                IdentityError::StoredPolicy { which: "trust".into(), source: policy_error },
                "InternalFailure",
                500,
                fault,
            ),
            (IdentityError::Store(StoreError::Unavailable("down".into())), "InternalFailure", 500, fault),
            (IdentityError::Crypto(trent_crypto::CryptoError::AuthenticationFailed), "InternalFailure", 500, fault),
        ];
        for (err, code, status, message) in cases {
            let aws = to_aws_error(err);
            assert_eq!((aws.code, aws.status.as_u16(), aws.message.as_str()), (code, status, message));
        }
    }
}
