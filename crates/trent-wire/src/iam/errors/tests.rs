//! Golden tables: every identity error's IAM code, status and message, one row per sentence
//! the domain can produce.

use trent_core::StoreError;

use super::*;
use crate::query::{error_response, escape};

const BOB: &str = "arn:aws:iam::111122223333:user/bob";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/ops/s1";
const ROLE: &str = "arn:aws:iam::111122223333:role/ops";

/// Checks each row's code, status and message, and the message in the XML body.
fn assert_rows(cases: Vec<(IdentityError, &str, u16, &str)>) {
    for (err, code, status, message) in cases {
        let aws = to_aws_error(err);
        assert_eq!((aws.code, aws.status.as_u16(), aws.message.as_str()), (code, status, message));
        let xml = String::from_utf8(error_response(&aws, super::super::NAMESPACE, "r")).unwrap();
        let kind = if status >= 500 { "Receiver" } else { "Sender" };
        assert!(xml.contains(&format!("<Type>{kind}</Type><Code>{code}</Code><Message>{}", escape(message))), "{xml}");
    }
}

/// `validate::constraint` as the domain words it: the value's first 128 characters shown.
fn member(member: &str, value: &str, rule: &str) -> IdentityError {
    let shown: String = value.chars().take(128).collect();
    IdentityError::Validation(format!(
        "1 validation error detected: Value '{shown}' at '{member}' failed to satisfy constraint: {rule}"
    ))
}

/// A constraint sentence that does not show the value (documents, the tag list).
fn hidden(member: &str, rule: &str) -> IdentityError {
    IdentityError::Validation(format!(
        "1 validation error detected: Value at '{member}' failed to satisfy constraint: {rule}"
    ))
}

/// `authz::denied` as the domain words it.
fn denied(caller: &str, action: &str, resource: &str, why: &str) -> IdentityError {
    IdentityError::AccessDenied(format!(
        "User: {caller} is not authorized to perform: {action} on resource: {resource} {why}"
    ))
}

/// Golden table: every domain error's IAM code, status and message.
#[test]
fn every_identity_error_maps_to_its_iam_code() {
    let policy_error = trent_core::policy::Policy::parse("{", trent_core::policy::PolicyKind::Identity).unwrap_err();
    let fault = "The request processing has failed because of an unknown error, exception or failure.";
    assert_rows(vec![
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
            IdentityError::NoSuchEntity(NoSuch::Policy { owner: PolicyOwner::Group("u".into()), name: "Read".into() }),
            "NoSuchEntity",
            404,
            "The group policy with name Read cannot be found.",
        ),
        (
            IdentityError::NoSuchEntity(NoSuch::Policy { owner: PolicyOwner::Role("u".into()), name: "Assume".into() }),
            "NoSuchEntity",
            404,
            "The role policy with name Assume cannot be found.",
        ),
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
        (
            IdentityError::StoredPolicy { which: "User admin policy p".into(), source: policy_error },
            "ServiceFailure",
            500,
            fault,
        ),
        (IdentityError::Store(StoreError::Unavailable("db at /secret/path".into())), "ServiceFailure", 500, fault),
        (IdentityError::Crypto(trent_crypto::CryptoError::AuthenticationFailed), "ServiceFailure", 500, fault),
    ]);
}

/// Golden table: every `EntityAlreadyExists`, `DeleteConflict`, `InvalidInput`,
/// `AccessDenied` and `PackedPolicyTooLarge` sentence.
#[test]
fn every_conflict_and_denial_sentence_is_pinned() {
    assert_rows(vec![
        (
            IdentityError::EntityAlreadyExists(format!("User with name {} already exists.", "alice")),
            "EntityAlreadyExists",
            409,
            "User with name alice already exists.",
        ),
        (
            IdentityError::EntityAlreadyExists(format!("Group with name {} already exists.", "ops")),
            "EntityAlreadyExists",
            409,
            "Group with name ops already exists.",
        ),
        (
            IdentityError::EntityAlreadyExists(format!("Role with name {} already exists.", "deployer")),
            "EntityAlreadyExists",
            409,
            "Role with name deployer already exists.",
        ),
        (
            IdentityError::EntityAlreadyExists(format!("Account {} already exists.", "123456789012")),
            "EntityAlreadyExists",
            409,
            "Account 123456789012 already exists.",
        ),
        (
            IdentityError::EntityAlreadyExists("The access key exists already.".into()),
            "EntityAlreadyExists",
            409,
            "The access key exists already.",
        ),
        (
            IdentityError::EntityAlreadyExists(format!(
                "Access key {} exists with another secret or user",
                "AKIAEXAMPLE"
            )),
            "EntityAlreadyExists",
            409,
            "Access key AKIAEXAMPLE exists with another secret or user",
        ),
        (
            IdentityError::DeleteConflict(
                "Cannot delete entity, must delete access keys, \
                 inline policies and group memberships first."
                    .into(),
            ),
            "DeleteConflict",
            409,
            "Cannot delete entity, must delete access keys, inline policies and group memberships first.",
        ),
        (
            IdentityError::DeleteConflict("Cannot delete entity, must delete policies first.".into()),
            "DeleteConflict",
            409,
            "Cannot delete entity, must delete policies first.",
        ),
        (
            IdentityError::InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case \
                 insensitive."
                    .into(),
            ),
            "InvalidInput",
            400,
            "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        ),
        (
            denied(
                BOB,
                "iam:CreateUser",
                "arn:aws:iam::111122223333:user/dave",
                "with an explicit deny in an identity-based policy",
            ),
            "AccessDenied",
            403,
            "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: iam:CreateUser on resource: \
             arn:aws:iam::111122223333:user/dave with an explicit deny in an identity-based policy",
        ),
        (
            denied(
                SESSION,
                "iam:ListUsers",
                "arn:aws:iam::111122223333:user/",
                &format!("because no identity-based policy allows the {} action", "iam:ListUsers"),
            ),
            "AccessDenied",
            403,
            "User: arn:aws:sts::111122223333:assumed-role/ops/s1 is not authorized to perform: iam:ListUsers on \
             resource: arn:aws:iam::111122223333:user/ because no identity-based policy allows the iam:ListUsers action",
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
            IdentityError::AccessDenied("Roles may not be assumed by root accounts.".into()),
            "AccessDenied",
            403,
            "Roles may not be assumed by root accounts.",
        ),
        (
            IdentityError::AccessDenied(format!("The role {ROLE} does not exist.")),
            "AccessDenied",
            403,
            "The role arn:aws:iam::111122223333:role/ops does not exist.",
        ),
        (
            IdentityError::PackedPolicyTooLarge(format!(
                "Packed policy consumes {}% of allotted space, please use smaller policy for \
                 better performance.",
                112
            )),
            "MalformedPolicyDocument",
            400,
            "Packed policy consumes 112% of allotted space, please use smaller policy for better performance.",
        ),
    ]);
}

/// Golden table: every `ValidationError` sentence, one row per constraint the domain checks.
#[test]
fn every_validation_sentence_is_pinned() {
    let v = "ValidationError";
    let head = "1 validation error detected: Value";
    let long = "n".repeat(200);
    assert_rows(vec![
        (
            member("userName", "", "Member must have length greater than or equal to 1"),
            v,
            400,
            "1 validation error detected: Value '' at 'userName' failed to satisfy constraint: Member must have length \
             greater than or equal to 1",
        ),
        (
            member("userName", &long, &format!("Member must have length less than or equal to {}", 64)),
            v,
            400,
            &format!(
                "{head} '{}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64",
                "n".repeat(128)
            ),
        ),
        (
            member("groupName", "a b", r"Member must satisfy regular expression pattern: [\w+=,.@-]+"),
            v,
            400,
            r"1 validation error detected: Value 'a b' at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+",
        ),
        (
            member("roleSessionName", "s", "Member must have length greater than or equal to 2"),
            v,
            400,
            "1 validation error detected: Value 's' at 'roleSessionName' failed to satisfy constraint: Member must have \
             length greater than or equal to 2",
        ),
        (
            member("roleSessionName", "a b", r"Member must satisfy regular expression pattern: [\w+=,.@-]*"),
            v,
            400,
            r"1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*",
        ),
        (
            member(
                "path",
                "/a",
                r"Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
            ),
            v,
            400,
            r"1 validation error detected: Value '/a' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
        ),
        (
            member("pathPrefix", "a", r"Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*"),
            v,
            400,
            r"1 validation error detected: Value 'a' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*",
        ),
        (
            hidden("policyDocument", &format!("Member must have length less than or equal to {}", 131_072)),
            v,
            400,
            "1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must have length \
             less than or equal to 131072",
        ),
        (
            hidden(
                "assumeRolePolicyDocument",
                "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
            ),
            v,
            400,
            r"1 validation error detected: Value at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+",
        ),
        (
            member(
                "description",
                "bell\u{7}",
                r"Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*",
            ),
            v,
            400,
            "1 validation error detected: Value 'bell\u{7}' at 'description' failed to satisfy constraint: Member must \
             satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*",
        ),
        (
            hidden("tags", "Member must have length less than or equal to 50"),
            v,
            400,
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less \
             than or equal to 50",
        ),
        (
            member(&format!("tags.{}.member.key", 2), "", "Member must have length between 1 and 128"),
            v,
            400,
            "1 validation error detected: Value '' at 'tags.2.member.key' failed to satisfy constraint: Member must \
             have length between 1 and 128",
        ),
        (
            member(
                &format!("tags.{}.member.key", 1),
                "k*",
                r"Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+",
            ),
            v,
            400,
            r"1 validation error detected: Value 'k*' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+",
        ),
        (
            member(&format!("tags.{}.member.value", 3), "v", "Member must have length less than or equal to 256"),
            v,
            400,
            "1 validation error detected: Value 'v' at 'tags.3.member.value' failed to satisfy constraint: Member must \
             have length less than or equal to 256",
        ),
        (
            member(
                &format!("tags.{}.member.value", 1),
                "v*",
                r"Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*",
            ),
            v,
            400,
            r"1 validation error detected: Value 'v*' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*",
        ),
        (
            member("durationSeconds", &600.to_string(), "Member must have value greater than or equal to 900"),
            v,
            400,
            "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must \
             have value greater than or equal to 900",
        ),
        (
            member("maxItems", &5000.to_string(), "Member must have value less than or equal to 1000"),
            v,
            400,
            "1 validation error detected: Value '5000' at 'maxItems' failed to satisfy constraint: Member must have \
             value less than or equal to 1000",
        ),
        (
            member("maxSessionDuration", &60.to_string(), "Member must have value between 3600 and 43200"),
            v,
            400,
            "1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must \
             have value between 3600 and 43200",
        ),
        (
            member("roleArn", "arn:x", "Member must have length between 20 and 2048"),
            v,
            400,
            "1 validation error detected: Value 'arn:x' at 'roleArn' failed to satisfy constraint: Member must have \
             length between 20 and 2048",
        ),
        (
            member(
                "accessKeyId",
                "AKIA",
                r"Member must satisfy regular expression pattern: [\w]+ and have length between 16 and 128",
            ),
            v,
            400,
            r"1 validation error detected: Value 'AKIA' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w]+ and have length between 16 and 128",
        ),
        (
            IdentityError::Validation(format!("{} is invalid", "arn:aws:iam::111122223333:user/app")),
            v,
            400,
            "arn:aws:iam::111122223333:user/app is invalid",
        ),
        (
            IdentityError::Validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.".into(),
            ),
            v,
            400,
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ),
        (
            IdentityError::Validation(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
                    .into(),
            ),
            v,
            400,
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ),
        (
            IdentityError::Validation(format!("{} is not a valid session duration", 60)),
            v,
            400,
            "60 is not a valid session duration",
        ),
        (
            IdentityError::Validation("Must specify userName when calling with non-User credentials".into()),
            v,
            400,
            "Must specify userName when calling with non-User credentials",
        ),
    ]);
}
