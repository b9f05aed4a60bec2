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
        | IdentityError::ConcurrentModification(_)
        | IdentityError::LimitExceeded(_) => ("ValidationError", StatusCode::BAD_REQUEST),
        IdentityError::MalformedPolicyDocument(_) => ("MalformedPolicyDocument", StatusCode::BAD_REQUEST),
        IdentityError::PackedPolicyTooLarge { .. } => ("PackedPolicyTooLarge", StatusCode::BAD_REQUEST),
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

    use trent_core::identity::{Attached, Constraint, Denied, Exists, Invalid, Shown, Unusable, Violation, Why};

    /// STS's denial of `action` on the role to bob, without a reason.
    fn unstated(action: &str) -> IdentityError {
        IdentityError::AccessDenied(Denied::Policy {
            principal_arn: "arn:aws:iam::111122223333:user/bob".into(),
            action: action.into(),
            resource: "arn:aws:iam::111122223333:role/ops".into(),
            why: Why::Unstated,
        })
    }

    /// `value` of `field` breaks `constraint`.
    fn member(field: &'static str, value: &str, constraint: Constraint) -> IdentityError {
        IdentityError::Validation(Invalid::Member(Violation {
            field: field.into(),
            value: Shown::Value(value.into()),
            constraint,
        }))
    }

    /// Golden table: every domain error's STS code, status and message.
    #[test]
    fn every_identity_error_maps_to_its_sts_code() {
        let policy_error = trent_core::policy::Policy::parse("{", trent_core::policy::PolicyKind::Session).unwrap_err();
        let fault = "An internal error occurred.";
        let cases: Vec<(IdentityError, &str, u16, &str)> = vec![
            (
                IdentityError::Validation(Invalid::UserNameRequired),
                "ValidationError",
                400,
                "Must specify userName when calling with non-User credentials",
            ),
            (
                IdentityError::InvalidInput(Unusable::DuplicateTagKey("k".into())),
                "ValidationError",
                400,
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ),
            (
                IdentityError::NoSuchEntity(trent_core::identity::NoSuch::Role("deployer".into())),
                "ValidationError",
                400,
                "The role with name deployer cannot be found.",
            ),
            (
                IdentityError::EntityAlreadyExists(Exists::Role("r".into())),
                "ValidationError",
                400,
                "Role with name r already exists.",
            ),
            (
                IdentityError::DeleteConflict(Attached::Role("r".into())),
                "ValidationError",
                400,
                "Cannot delete entity, must delete policies first.",
            ),
            (
                IdentityError::LimitExceeded(trent_core::identity::Quota::GroupsPerUser),
                "ValidationError",
                400,
                "Cannot exceed quota for GroupsPerUser: 10",
            ),
            (
                IdentityError::MalformedPolicyDocument(policy_error.clone()),
                "MalformedPolicyDocument",
                400,
                "Syntax errors in policy.",
            ),
            (
                IdentityError::PackedPolicyTooLarge { percent: 112 },
                "PackedPolicyTooLarge",
                400,
                "Packed policy consumes 112% of allotted space, please use smaller policy for better performance.",
            ),
            (
                unstated("sts:AssumeRole"),
                "AccessDenied",
                403,
                "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: sts:AssumeRole on resource: \
                 arn:aws:iam::111122223333:role/ops",
            ),
            (
                unstated("sts:TagSession"),
                "AccessDenied",
                403,
                "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: sts:TagSession on resource: \
                 arn:aws:iam::111122223333:role/ops",
            ),
            (
                IdentityError::AccessDenied(Denied::RootAssumesRole),
                "AccessDenied",
                403,
                "Roles may not be assumed by root accounts.",
            ),
            (
                member("roleSessionName", "s", Constraint::LengthAtLeast(2)),
                "ValidationError",
                400,
                "1 validation error detected: Value 's' at 'roleSessionName' failed to satisfy constraint: Member must \
                 have length greater than or equal to 2",
            ),
            (
                member("durationSeconds", "50000", Constraint::ValueAtMost(43_200)),
                "ValidationError",
                400,
                "1 validation error detected: Value '50000' at 'durationSeconds' failed to satisfy constraint: Member \
                 must have value less than or equal to 43200",
            ),
            (
                IdentityError::Validation(Invalid::RoleArn("arn:aws:iam::111122223333:user/app".into())),
                "ValidationError",
                400,
                "arn:aws:iam::111122223333:user/app is invalid",
            ),
            (
                IdentityError::Validation(Invalid::DurationOverRoleMax),
                "ValidationError",
                400,
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ),
            (
                IdentityError::Validation(Invalid::DurationOverChainingLimit),
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
