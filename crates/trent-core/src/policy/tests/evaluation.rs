//! Whole-policy answers: Deny beats Allow, the strongest Allow, KMS's default key policies.

use super::{ACCOUNT, KEY, OTHER, check, context, evaluate, policy, root, session, user, user_of};
use crate::policy::{Evaluation, PolicyKind, PrincipalMatch, RequestPrincipal};

use PrincipalMatch::{Account, Specific};

const fn answer(explicit_deny: bool, allow: Option<PrincipalMatch>) -> Evaluation {
    Evaluation { explicit_deny, allow }
}

#[test]
fn deny_and_allow_in_one_policy() {
    let p = policy(
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"AllowAll","Effect":"Allow","Action":"kms:*","Resource":"*"},
            {"Sid":"NoDecrypt","Effect":"Deny","Action":"kms:Decrypt","Resource":"*"},
            {"Sid":"DenyUnlessSecure","Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
    );
    let secure = context(&[("aws:SecureTransport", &["true"])]);
    let plain = context(&[("aws:SecureTransport", &["false"])]);
    let alice = user("alice");
    check([
        ("allowed", evaluate(&p, &alice, "kms:Encrypt", KEY, &secure), answer(false, Some(Specific))),
        // Both statements apply: the deny is reported and wins in `is_allowed`.
        ("deny_beats_allow", evaluate(&p, &alice, "kms:Decrypt", KEY, &secure), answer(true, Some(Specific))),
        ("conditional_deny_applies", evaluate(&p, &alice, "kms:Encrypt", KEY, &plain), answer(true, Some(Specific))),
        ("other_service_untouched", evaluate(&p, &alice, "s3:GetObject", KEY, &secure), answer(false, None)),
    ]);
    check([
        ("is_allowed_false_on_deny", evaluate(&p, &alice, "kms:Decrypt", KEY, &secure).is_allowed(), false),
        ("is_allowed_true", evaluate(&p, &alice, "kms:Encrypt", KEY, &secure).is_allowed(), true),
        ("is_allowed_false_without_allow", answer(false, None).is_allowed(), false),
    ]);
}

#[test]
fn statement_order_does_not_matter() {
    let allow = r#"{"Effect":"Allow","Action":"kms:*","Resource":"*"}"#;
    let deny = r#"{"Effect":"Deny","Action":"kms:Encrypt","Resource":"*"}"#;
    let first = policy(PolicyKind::Identity, &format!(r#"{{"Statement":[{allow},{deny}]}}"#));
    let second = policy(PolicyKind::Identity, &format!(r#"{{"Statement":[{deny},{allow}]}}"#));
    let ctx = context(&[]);
    check([
        ("allow_first", evaluate(&first, &user("alice"), "kms:Encrypt", KEY, &ctx), answer(true, Some(Specific))),
        ("deny_first", evaluate(&second, &user("alice"), "kms:Encrypt", KEY, &ctx), answer(true, Some(Specific))),
    ]);
}

#[test]
fn strongest_allow_across_statements() {
    let p = policy(
        PolicyKind::Resource,
        r#"{"Statement":[
            {"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"},
            {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt","Resource":"*"}]}"#,
    );
    let ctx = context(&[]);
    check([
        (
            "account_and_user_statement",
            evaluate(&p, &user("alice"), "kms:Encrypt", KEY, &ctx),
            answer(false, Some(Specific)),
        ),
        // Only the account statement covers Decrypt.
        (
            "account_statement_only",
            evaluate(&p, &user("alice"), "kms:Decrypt", KEY, &ctx),
            answer(false, Some(Account)),
        ),
        ("other_user_account_only", evaluate(&p, &user("bob"), "kms:Encrypt", KEY, &ctx), answer(false, Some(Account))),
        ("outsider_nothing", evaluate(&p, &user_of(OTHER, "mallory"), "kms:Encrypt", KEY, &ctx), answer(false, None)),
    ]);
}

#[test]
fn kms_default_key_policies() {
    // The default key policy: "gives the AWS account that owns the KMS key permission to use
    // IAM policies to allow access" — an Account match, which the KMS layer combines with the
    // caller's identity policies.
    let default_policy = policy(
        PolicyKind::Resource,
        &format!(
            r#"{{"Version":"2012-10-17","Id":"key-default-1","Statement":[{{"Sid":"Enable IAM User Permissions","Effect":"Allow",
                "Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#
        ),
    );
    // A console-style policy: key administrators and key users by role.
    let console_policy = policy(
        PolicyKind::Resource,
        &format!(
            r#"{{"Version":"2012-10-17","Id":"key-consolepolicy-3","Statement":[
                {{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}},
                {{"Sid":"Allow access for Key Administrators","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:role/KeyAdmin"}},
                  "Action":["kms:Create*","kms:Describe*","kms:Enable*","kms:List*","kms:Put*","kms:Update*","kms:Revoke*","kms:Disable*","kms:Get*","kms:Delete*","kms:TagResource","kms:UntagResource","kms:ScheduleKeyDeletion","kms:CancelKeyDeletion"],"Resource":"*"}},
                {{"Sid":"Allow use of the key","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{OTHER}:role/App"}},
                  "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}},
                {{"Sid":"Allow attachment of persistent resources","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{OTHER}:role/App"}},
                  "Action":["kms:CreateGrant","kms:ListGrants","kms:RevokeGrant"],"Resource":"*","Condition":{{"Bool":{{"kms:GrantIsForAWSResource":"true"}}}}}}]}}"#
        ),
    );
    let ctx = context(&[]);
    let app = RequestPrincipal {
        arn: format!("arn:aws:sts::{OTHER}:assumed-role/App/i-0abc"),
        account: OTHER.to_owned(),
        principal_type: crate::policy::PrincipalType::AssumedRole {
            role_arn: format!("arn:aws:iam::{OTHER}:role/App"),
        },
        user_id: "AROAAPP:i-0abc".to_owned(),
        username: None,
        service: None,
    };
    let for_aws_resource = context(&[("kms:GrantIsForAWSResource", &["true"])]);
    check([
        (
            "default_user",
            evaluate(&default_policy, &user("alice"), "kms:Encrypt", KEY, &ctx),
            answer(false, Some(Account)),
        ),
        (
            "default_root",
            evaluate(&default_policy, &root(ACCOUNT), "kms:ScheduleKeyDeletion", KEY, &ctx),
            answer(false, Some(Account)),
        ),
        (
            "default_role_session",
            evaluate(&default_policy, &session("Admin", "s"), "kms:Decrypt", KEY, &ctx),
            answer(false, Some(Account)),
        ),
        (
            "default_outsider",
            evaluate(&default_policy, &user_of(OTHER, "mallory"), "kms:Encrypt", KEY, &ctx),
            answer(false, None),
        ),
        (
            "default_anonymous",
            evaluate(&default_policy, &RequestPrincipal::anonymous(), "kms:Encrypt", KEY, &ctx),
            answer(false, None),
        ),
        (
            "admin_manages",
            evaluate(&console_policy, &session("KeyAdmin", "s"), "kms:ScheduleKeyDeletion", KEY, &ctx),
            answer(false, Some(Specific)),
        ),
        // The admin statement does not list Encrypt; the account statement still applies.
        (
            "admin_encrypt_through_account",
            evaluate(&console_policy, &session("KeyAdmin", "s"), "kms:Encrypt", KEY, &ctx),
            answer(false, Some(Account)),
        ),
        (
            "cross_account_user",
            evaluate(&console_policy, &app, "kms:GenerateDataKeyWithoutPlaintext", KEY, &ctx),
            answer(false, Some(Specific)),
        ),
        (
            "cross_account_no_admin",
            evaluate(&console_policy, &app, "kms:ScheduleKeyDeletion", KEY, &ctx),
            answer(false, None),
        ),
        (
            "grant_without_condition_key",
            evaluate(&console_policy, &app, "kms:CreateGrant", KEY, &ctx),
            answer(false, None),
        ),
        (
            "grant_for_aws_resource",
            evaluate(&console_policy, &app, "kms:CreateGrant", KEY, &for_aws_resource),
            answer(false, Some(Specific)),
        ),
    ]);
}

#[test]
fn session_policies_act_like_identity_policies() {
    let p = policy(
        PolicyKind::Session,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["kms:Decrypt","kms:DescribeKey"],"Resource":"arn:aws:kms:*:111122223333:key/*"}}"#,
    );
    let ctx = context(&[]);
    let s = session("Admin", "limited");
    check([
        ("listed_action", evaluate(&p, &s, "kms:Decrypt", KEY, &ctx), answer(false, Some(Specific))),
        ("unlisted_action", evaluate(&p, &s, "kms:Encrypt", KEY, &ctx), answer(false, None)),
        (
            "other_account_key",
            evaluate(&p, &s, "kms:Decrypt", "arn:aws:kms:us-east-1:444455556666:key/k", &ctx),
            answer(false, None),
        ),
    ]);
}
