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
mod tests {
    use trent_core::StoreError;

    use super::*;
    use crate::query::error_response;

    /// Golden table: every domain error's IAM code, status and message.
    #[test]
    fn every_identity_error_maps_to_its_iam_code() {
        let policy_error =
            trent_core::policy::Policy::parse("{", trent_core::policy::PolicyKind::Identity).unwrap_err();
        let fault = "The request processing has failed because of an unknown error, exception or failure.";
        let cases: Vec<(IdentityError, &str, u16, &str)> = vec![
            (
                IdentityError::NoSuchEntity(NoSuch::User("alice".into())),
                "NoSuchEntity",
                404,
                "The user with name alice cannot be found.",
            ),
            (
                IdentityError::NoSuchEntity(NoSuch::Group("ops".into())),
                "NoSuchEntity",
                404,
                "The group with name ops cannot be found.",
            ),
            (
                IdentityError::NoSuchEntity(NoSuch::Role("deployer".into())),
                "NoSuchEntity",
                404,
                "The role with name deployer cannot be found.",
            ),
            (
                IdentityError::NoSuchEntity(NoSuch::AccessKey("AKIAEXAMPLE".into())),
                "NoSuchEntity",
                404,
                "The Access Key with id AKIAEXAMPLE cannot be found.",
            ),
            (
                IdentityError::NoSuchEntity(NoSuch::Policy {
                    owner: PolicyOwner::User("u".into()),
                    name: "Encrypt".into(),
                }),
                "NoSuchEntity",
                404,
                "The user policy with name Encrypt cannot be found.",
            ),
            (
                IdentityError::NoSuchEntity(NoSuch::Policy {
                    owner: PolicyOwner::Group("u".into()),
                    name: "Read".into(),
                }),
                "NoSuchEntity",
                404,
                "The group policy with name Read cannot be found.",
            ),
            (
                IdentityError::NoSuchEntity(NoSuch::Policy {
                    owner: PolicyOwner::Role("u".into()),
                    name: "Assume".into(),
                }),
                "NoSuchEntity",
                404,
                "The role policy with name Assume cannot be found.",
            ),
            (IdentityError::EntityAlreadyExists("e".into()), "EntityAlreadyExists", 409, "e"),
            (IdentityError::DeleteConflict("d".into()), "DeleteConflict", 409, "d"),
            (
                IdentityError::LimitExceeded(Quota::AccessKeysPerUser),
                "LimitExceeded",
                409,
                "Cannot exceed quota for AccessKeysPerUser: 2",
            ),
            (
                IdentityError::LimitExceeded(Quota::GroupsPerUser),
                "LimitExceeded",
                409,
                "Cannot exceed quota for GroupsPerUser: 10",
            ),
            (
                IdentityError::LimitExceeded(Quota::RoleTrustPolicySize),
                "LimitExceeded",
                409,
                "Cannot exceed quota for ACLSizePerRole: 2048",
            ),
            (
                IdentityError::LimitExceeded(Quota::InlinePolicySize {
                    owner: PolicyOwner::User("u".into()),
                    quota: 2_048,
                }),
                "LimitExceeded",
                409,
                "Maximum policy size of 2048 bytes exceeded for user u",
            ),
            (
                IdentityError::LimitExceeded(Quota::InlinePolicySize {
                    owner: PolicyOwner::Group("g".into()),
                    quota: 5_120,
                }),
                "LimitExceeded",
                409,
                "Maximum policy size of 5120 bytes exceeded for group g",
            ),
            (
                IdentityError::LimitExceeded(Quota::InlinePolicySize {
                    owner: PolicyOwner::Role("r".into()),
                    quota: 10_240,
                }),
                "LimitExceeded",
                409,
                "Maximum policy size of 10240 bytes exceeded for role r",
            ),
            (IdentityError::MalformedPolicyDocument("m".into()), "MalformedPolicyDocument", 400, "m"),
            (IdentityError::InvalidInput("i".into()), "InvalidInput", 400, "i"),
            (IdentityError::Validation("v".into()), "ValidationError", 400, "v"),
            (IdentityError::AccessDenied("a".into()), "AccessDenied", 403, "a"),
            (IdentityError::PackedPolicyTooLarge("p".into()), "MalformedPolicyDocument", 400, "p"),
            (
                IdentityError::StoredPolicy { which: "User admin policy p".into(), source: policy_error },
                "ServiceFailure",
                500,
                fault,
            ),
            (IdentityError::Store(StoreError::Unavailable("db at /secret/path".into())), "ServiceFailure", 500, fault),
            (IdentityError::Crypto(trent_crypto::CryptoError::AuthenticationFailed), "ServiceFailure", 500, fault),
        ];
        for (err, code, status, message) in cases {
            let aws = to_aws_error(err);
            assert_eq!((aws.code, aws.status.as_u16(), aws.message.as_str()), (code, status, message));
            let xml = String::from_utf8(error_response(&aws, super::super::NAMESPACE, "r")).unwrap();
            let kind = if status >= 500 { "Receiver" } else { "Sender" };
            assert!(
                xml.contains(&format!("<Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message>")),
                "{xml}"
            );
        }
    }
}
