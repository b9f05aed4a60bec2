//! Golden tables: every identity error's IAM code, status and message, one row per sentence
//! the domain can produce.

use trent_core::StoreError;
use trent_core::ids::AccountId;

use trent_core::identity::{
    Attached, Constraint, Denied, Exists, Field, Invalid, Modified, NoSuch, PolicyOwner, Quota, Shown, Unusable,
    Violation, Why,
};

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

/// `value` of `field` breaks `constraint`.
fn member(field: impl Into<Field>, value: &str, constraint: Constraint) -> IdentityError {
    IdentityError::Validation(Invalid::Member(Violation {
        field: field.into(),
        value: Shown::Value(value.to_owned()),
        constraint,
    }))
}

/// `field` breaks `constraint`, its value not shown (documents, the tag list).
fn hidden(field: &'static str, constraint: Constraint) -> IdentityError {
    IdentityError::Validation(Invalid::Member(Violation { field: field.into(), value: Shown::Hidden, constraint }))
}

/// The policies refused `action` on `resource` to `caller`.
fn denied(caller: &str, action: &str, resource: &str, why: Why) -> IdentityError {
    IdentityError::AccessDenied(Denied::Policy {
        principal_arn: caller.into(),
        action: action.into(),
        resource: resource.into(),
        why,
    })
}

/// Golden table: every domain error's IAM code, status and message.
#[test]
fn every_identity_error_maps_to_its_iam_code() {
    let policy_error = trent_core::policy::Policy::parse("{", trent_core::policy::PolicyKind::Identity).unwrap_err();
    let principal_error = trent_core::policy::Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}"#,
        trent_core::policy::PolicyKind::Identity,
    )
    .unwrap_err();
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
            IdentityError::LimitExceeded(Quota::TagsPerRole),
            "LimitExceeded",
            409,
            "Cannot exceed quota for TagsPerRole: 50",
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
        (
            IdentityError::MalformedPolicyDocument(policy_error.clone()),
            "MalformedPolicyDocument",
            400,
            "Syntax errors in policy.",
        ),
        (
            IdentityError::MalformedPolicyDocument(principal_error),
            "MalformedPolicyDocument",
            400,
            "Policy document should not specify a principal.",
        ),
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
            IdentityError::EntityAlreadyExists(Exists::User("alice".into())),
            "EntityAlreadyExists",
            409,
            "User with name alice already exists.",
        ),
        (
            IdentityError::EntityAlreadyExists(Exists::Group("ops".into())),
            "EntityAlreadyExists",
            409,
            "Group with name ops already exists.",
        ),
        (
            IdentityError::EntityAlreadyExists(Exists::Role("deployer".into())),
            "EntityAlreadyExists",
            409,
            "Role with name deployer already exists.",
        ),
        (
            IdentityError::EntityAlreadyExists(Exists::Account(AccountId::parse("123456789012").unwrap())),
            "EntityAlreadyExists",
            409,
            "Account 123456789012 already exists.",
        ),
        (
            IdentityError::EntityAlreadyExists(Exists::AccessKey("AKIAEXAMPLE".into())),
            "EntityAlreadyExists",
            409,
            "The access key exists already.",
        ),
        (
            IdentityError::EntityAlreadyExists(Exists::SeededAccessKey("AKIAEXAMPLE".into())),
            "EntityAlreadyExists",
            409,
            "Access key AKIAEXAMPLE exists with another secret or user",
        ),
        (
            IdentityError::DeleteConflict(Attached::User("alice".into())),
            "DeleteConflict",
            409,
            "Cannot delete entity, must delete access keys, inline policies and group memberships first.",
        ),
        (
            IdentityError::DeleteConflict(Attached::Role("deployer".into())),
            "DeleteConflict",
            409,
            "Cannot delete entity, must delete policies first.",
        ),
        (
            IdentityError::InvalidInput(Unusable::DuplicateTagKey("Team".into())),
            "InvalidInput",
            400,
            "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        ),
        (
            IdentityError::InvalidInput(Unusable::ReservedTagKey("AWS:team".into())),
            "InvalidInput",
            400,
            "Tag keys starting with 'aws:' are reserved for internal use.",
        ),
        (
            IdentityError::ConcurrentModification(Modified::Role("deployer".into())),
            "ConcurrentModification",
            409,
            "Role deployer was modified by concurrent requests. Wait a few seconds and try again.",
        ),
        (
            denied(BOB, "iam:CreateUser", "arn:aws:iam::111122223333:user/dave", Why::ExplicitDeny),
            "AccessDenied",
            403,
            "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: iam:CreateUser on resource: \
             arn:aws:iam::111122223333:user/dave with an explicit deny in an identity-based policy",
        ),
        (
            denied(SESSION, "iam:ListUsers", "arn:aws:iam::111122223333:user/", Why::NoAllow),
            "AccessDenied",
            403,
            "User: arn:aws:sts::111122223333:assumed-role/ops/s1 is not authorized to perform: iam:ListUsers on \
             resource: arn:aws:iam::111122223333:user/ because no identity-based policy allows the iam:ListUsers action",
        ),
        (
            denied(BOB, "sts:AssumeRole", ROLE, Why::Unstated),
            "AccessDenied",
            403,
            "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: sts:AssumeRole on resource: \
             arn:aws:iam::111122223333:role/ops",
        ),
        (
            IdentityError::AccessDenied(Denied::RootAssumesRole),
            "AccessDenied",
            403,
            "Roles may not be assumed by root accounts.",
        ),
        (
            IdentityError::AccessDenied(Denied::NoRole { role_arn: ROLE.into() }),
            "AccessDenied",
            403,
            "The role arn:aws:iam::111122223333:role/ops does not exist.",
        ),
        (
            IdentityError::PackedPolicyTooLarge { percent: 112 },
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
            member("userName", "", Constraint::LengthAtLeast(1)),
            v,
            400,
            "1 validation error detected: Value '' at 'userName' failed to satisfy constraint: Member must have length \
             greater than or equal to 1",
        ),
        (
            member("userName", &long, Constraint::LengthAtMost(64)),
            v,
            400,
            &format!(
                "{head} '{}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64",
                "n".repeat(128)
            ),
        ),
        (
            member("groupName", "a b", Constraint::Pattern(r"[\w+=,.@-]+")),
            v,
            400,
            r"1 validation error detected: Value 'a b' at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+",
        ),
        (
            member("roleSessionName", "s", Constraint::LengthAtLeast(2)),
            v,
            400,
            "1 validation error detected: Value 's' at 'roleSessionName' failed to satisfy constraint: Member must have \
             length greater than or equal to 2",
        ),
        (
            member("roleSessionName", "a b", Constraint::Pattern(r"[\w+=,.@-]*")),
            v,
            400,
            r"1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*",
        ),
        (
            member("path", "/a", Constraint::Pattern(r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)")),
            v,
            400,
            r"1 validation error detected: Value '/a' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
        ),
        (
            member("pathPrefix", "a", Constraint::Pattern(r"\u002F[\u0021-\u007F]*")),
            v,
            400,
            r"1 validation error detected: Value 'a' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*",
        ),
        (
            hidden("policyDocument", Constraint::LengthAtMost(131_072)),
            v,
            400,
            "1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must have length \
             less than or equal to 131072",
        ),
        (
            hidden("assumeRolePolicyDocument", Constraint::Pattern(r"[\u0009\u000A\u000D\u0020-\u00FF]+")),
            v,
            400,
            r"1 validation error detected: Value at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+",
        ),
        (
            member("description", "bell\u{7}", Constraint::Pattern(r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*")),
            v,
            400,
            "1 validation error detected: Value 'bell\u{7}' at 'description' failed to satisfy constraint: Member must \
             satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*",
        ),
        (
            hidden("tags", Constraint::LengthAtMost(50)),
            v,
            400,
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less \
             than or equal to 50",
        ),
        (
            member(Field::TagKey(2), "", Constraint::LengthBetween(1, 128)),
            v,
            400,
            "1 validation error detected: Value '' at 'tags.2.member.key' failed to satisfy constraint: Member must \
             have length between 1 and 128",
        ),
        (
            member(Field::TagKey(1), "k*", Constraint::Pattern(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+")),
            v,
            400,
            r"1 validation error detected: Value 'k*' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+",
        ),
        (
            member(Field::TagValue(3), "v", Constraint::LengthAtMost(256)),
            v,
            400,
            "1 validation error detected: Value 'v' at 'tags.3.member.value' failed to satisfy constraint: Member must \
             have length less than or equal to 256",
        ),
        (
            member(Field::TagValue(1), "v*", Constraint::Pattern(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*")),
            v,
            400,
            r"1 validation error detected: Value 'v*' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*",
        ),
        (
            member(Field::TagKeysMember(2), "", Constraint::LengthBetween(1, 128)),
            v,
            400,
            "1 validation error detected: Value '' at 'tagKeys.2.member' failed to satisfy constraint: Member must \
             have length between 1 and 128",
        ),
        (
            member("durationSeconds", "600", Constraint::ValueAtLeast(900)),
            v,
            400,
            "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must \
             have value greater than or equal to 900",
        ),
        (
            member("maxItems", "5000", Constraint::ValueAtMost(1000)),
            v,
            400,
            "1 validation error detected: Value '5000' at 'maxItems' failed to satisfy constraint: Member must have \
             value less than or equal to 1000",
        ),
        (
            member("maxSessionDuration", "60", Constraint::ValueBetween(3600, 43200)),
            v,
            400,
            "1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must \
             have value between 3600 and 43200",
        ),
        (
            member("roleArn", "arn:x", Constraint::LengthBetween(20, 2048)),
            v,
            400,
            "1 validation error detected: Value 'arn:x' at 'roleArn' failed to satisfy constraint: Member must have \
             length between 20 and 2048",
        ),
        (
            member("accessKeyId", "AKIA", Constraint::PatternAndLength { pattern: r"[\w]+", min: 16, max: 128 }),
            v,
            400,
            r"1 validation error detected: Value 'AKIA' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w]+ and have length between 16 and 128",
        ),
        (
            IdentityError::Validation(Invalid::RoleArn("arn:aws:iam::111122223333:user/app".into())),
            v,
            400,
            "arn:aws:iam::111122223333:user/app is invalid",
        ),
        (
            IdentityError::Validation(Invalid::DurationOverRoleMax),
            v,
            400,
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ),
        (
            IdentityError::Validation(Invalid::DurationOverChainingLimit),
            v,
            400,
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ),
        (IdentityError::Validation(Invalid::ServiceSessionDuration(60)), v, 400, "60 is not a valid session duration"),
        (
            IdentityError::Validation(Invalid::UserNameRequired),
            v,
            400,
            "Must specify userName when calling with non-User credentials",
        ),
    ]);
}
