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

    const BOB: &str = "arn:aws:iam::111122223333:user/bob";
    const ROLE: &str = "arn:aws:iam::111122223333:role/ops";

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
            (
                IdentityError::PackedPolicyTooLarge(format!(
                    "Packed policy consumes {}% of allotted space, please use smaller policy for \
                     better performance.",
                    112
                )),
                "PackedPolicyTooLarge",
                400,
                "Packed policy consumes 112% of allotted space, please use smaller policy for better performance.",
            ),
            (
                IdentityError::AccessDenied(
                    format!("User: {BOB} is not authorized to perform: sts:AssumeRole on resource: {ROLE} ")
                        .trim_end()
                        .to_owned(),
                ),
                "AccessDenied",
                403,
                "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: sts:AssumeRole on resource: \
                 arn:aws:iam::111122223333:role/ops",
            ),
            (
                IdentityError::AccessDenied(format!(
                    "User: {BOB} is not authorized to perform: sts:TagSession on resource: {ROLE} "
                ).trim_end().to_owned()),
                "AccessDenied",
                403,
                "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: sts:TagSession on resource: \
                 arn:aws:iam::111122223333:role/ops",
            ),
            (
                IdentityError::AccessDenied("Roles may not be assumed by root accounts.".into()),
                "AccessDenied",
                403,
                "Roles may not be assumed by root accounts.",
            ),
            (
                IdentityError::Validation(format!(
                    "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: {}",
                    "s", "roleSessionName", "Member must have length greater than or equal to 2"
                )),
                "ValidationError",
                400,
                "1 validation error detected: Value 's' at 'roleSessionName' failed to satisfy constraint: Member must \
                 have length greater than or equal to 2",
            ),
            (
                IdentityError::Validation(format!(
                    "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: {}",
                    "50000", "durationSeconds", "Member must have value less than or equal to 43200"
                )),
                "ValidationError",
                400,
                "1 validation error detected: Value '50000' at 'durationSeconds' failed to satisfy constraint: Member \
                 must have value less than or equal to 43200",
            ),
            (
                IdentityError::Validation(format!("{} is invalid", "arn:aws:iam::111122223333:user/app")),
                "ValidationError",
                400,
                "arn:aws:iam::111122223333:user/app is invalid",
            ),
            (
                IdentityError::Validation(
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.".into(),
                ),
                "ValidationError",
                400,
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ),
            (
                IdentityError::Validation(
                    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
                        .into(),
                ),
                "ValidationError",
                400,
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
            ),
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
