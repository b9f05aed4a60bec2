//! The cast and the reusable documents: named principals of both accounts, and the key
//! policies and identity policies the AWS KMS Developer Guide uses as its own examples
//! ("Default key policy", "Allowing users in other accounts to use a KMS key").

use serde_json::{Value, json};
use trent_core::policy::RequestPrincipal;

use super::dsl::{OTHER, OWNER, owner_scope, root, session, user};

/// `arn:aws:iam::111122223333:user/alice`: the key user of the console policy.
pub(crate) const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
/// `arn:aws:iam::111122223333:user/bob`: a user no key policy names.
pub(crate) const BOB: &str = "arn:aws:iam::111122223333:user/bob";
/// `arn:aws:iam::111122223333:user/key-admin`: the key administrator of the console policy.
pub(crate) const ADMIN: &str = "arn:aws:iam::111122223333:user/key-admin";
/// The role `App` of the owner account.
pub(crate) const APP_ROLE: &str = "arn:aws:iam::111122223333:role/App";
/// Session `i-0abc` of `App`.
pub(crate) const APP_SESSION: &str = "arn:aws:sts::111122223333:assumed-role/App/i-0abc";
/// `arn:aws:iam::444455556666:user/carol`: a user of the other account.
pub(crate) const CAROL: &str = "arn:aws:iam::444455556666:user/carol";
/// `arn:aws:iam::444455556666:user/dave`: another user of the other account.
pub(crate) const DAVE: &str = "arn:aws:iam::444455556666:user/dave";
/// The role `Partner` of the other account.
pub(crate) const PARTNER_ROLE: &str = "arn:aws:iam::444455556666:role/Partner";
/// Session `job-7` of `Partner`.
pub(crate) const PARTNER_SESSION: &str = "arn:aws:sts::444455556666:assumed-role/Partner/job-7";
/// The owner account's principal.
pub(crate) const OWNER_ROOT: &str = "arn:aws:iam::111122223333:root";
/// The other account's principal.
pub(crate) const OTHER_ROOT: &str = "arn:aws:iam::444455556666:root";

pub(crate) fn alice() -> RequestPrincipal {
    user(OWNER, "alice")
}

pub(crate) fn bob() -> RequestPrincipal {
    user(OWNER, "bob")
}

pub(crate) fn admin() -> RequestPrincipal {
    user(OWNER, "key-admin")
}

/// Session `i-0abc` of `App`.
pub(crate) fn app() -> RequestPrincipal {
    session(OWNER, "App", "i-0abc")
}

/// Another session (`i-0def`) of the same role.
pub(crate) fn app2() -> RequestPrincipal {
    session(OWNER, "App", "i-0def")
}

pub(crate) fn owner_root() -> RequestPrincipal {
    root(OWNER)
}

pub(crate) fn carol() -> RequestPrincipal {
    user(OTHER, "carol")
}

pub(crate) fn dave() -> RequestPrincipal {
    user(OTHER, "dave")
}

/// Session `job-7` of `Partner` in the other account.
pub(crate) fn partner() -> RequestPrincipal {
    session(OTHER, "Partner", "job-7")
}

/// Another session (`job-8`) of `Partner`.
pub(crate) fn partner2() -> RequestPrincipal {
    session(OTHER, "Partner", "job-8")
}

pub(crate) fn other_root() -> RequestPrincipal {
    root(OTHER)
}

/// The key policy Trent attaches to a key created without one.
pub(crate) fn default_key_policy() -> String {
    trent_core::kms::default_key_policy(&owner_scope())
}

/// A `2012-10-17` document with these statements.
pub(crate) fn doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// `{"AWS": arns}`.
pub(crate) fn aws(arns: impl Into<Value>) -> Value {
    json!({"AWS": arns.into()})
}

/// A key-policy `Allow` statement for `principal`, `Resource: "*"` (this key).
pub(crate) fn allow(principal: Value, action: impl Into<Value>) -> Value {
    json!({"Effect": "Allow", "Principal": principal, "Action": action.into(), "Resource": "*"})
}

/// A key-policy `Deny` statement for `principal`, `Resource: "*"`.
pub(crate) fn deny(principal: Value, action: impl Into<Value>) -> Value {
    json!({"Effect": "Deny", "Principal": principal, "Action": action.into(), "Resource": "*"})
}

/// An identity-policy `Allow` statement (no principal).
pub(crate) fn iam_allow(action: impl Into<Value>, resource: impl Into<Value>) -> Value {
    json!({"Effect": "Allow", "Action": action.into(), "Resource": resource.into()})
}

/// An identity-policy `Deny` statement (no principal).
pub(crate) fn iam_deny(action: impl Into<Value>, resource: impl Into<Value>) -> Value {
    json!({"Effect": "Deny", "Action": action.into(), "Resource": resource.into()})
}

/// `statement` with a `Condition` element.
pub(crate) fn when(mut statement: Value, condition: Value) -> Value {
    statement["Condition"] = condition;
    statement
}

/// `statement` with its `Action` replaced by `NotAction`.
pub(crate) fn not_action(mut statement: Value) -> Value {
    let actions = statement.as_object_mut().and_then(|s| s.remove("Action")).unwrap_or(Value::Null);
    statement["NotAction"] = actions;
    statement
}

/// `statement` with its `Resource` replaced by `NotResource`.
pub(crate) fn not_resource(mut statement: Value) -> Value {
    let resources = statement.as_object_mut().and_then(|s| s.remove("Resource")).unwrap_or(Value::Null);
    statement["NotResource"] = resources;
    statement
}

/// `statement` with its `Principal` replaced by `NotPrincipal`.
pub(crate) fn not_principal(mut statement: Value) -> Value {
    let principal = statement.as_object_mut().and_then(|s| s.remove("Principal")).unwrap_or(Value::Null);
    statement["NotPrincipal"] = principal;
    statement
}

/// "Enable IAM User Permissions": the owner account may use IAM policies for `kms:*`.
pub(crate) fn root_statement() -> Value {
    json!({"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": aws(OWNER_ROOT),
           "Action": "kms:*", "Resource": "*"})
}

/// A key policy: the root statement, then `statements`.
pub(crate) fn kp_with_root(statements: Vec<Value>) -> Value {
    let mut all = vec![root_statement()];
    all.extend(statements);
    doc(all)
}

/// The actions the console gives key users for cryptography.
pub(crate) const USE_ACTIONS: [&str; 5] =
    ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];

/// The actions the console gives key administrators.
pub(crate) const ADMIN_ACTIONS: [&str; 14] = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
];

/// The console's key policy statements for `key-admin` (administrator) and for `alice` and
/// the `App` role (key users), without the root statement.
pub(crate) fn console_statements() -> Vec<Value> {
    let users = aws(vec![ALICE, APP_ROLE]);
    vec![
        allow(aws(ADMIN), ADMIN_ACTIONS.to_vec()),
        allow(users.clone(), USE_ACTIONS.to_vec()),
        when(
            allow(users, vec!["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]),
            json!({"Bool": {"kms:GrantIsForAWSResource": true}}),
        ),
    ]
}

/// The console's default key policy with key administrators and key users.
pub(crate) fn console_key_policy() -> Value {
    kp_with_root(console_statements())
}

/// The console policy without "Enable IAM User Permissions": IAM policies cannot help.
pub(crate) fn console_without_root() -> Value {
    doc(console_statements())
}

/// The owner's root statement plus "Allow an external account to use this CMK" for
/// [`OTHER`], as "Allowing users in other accounts to use a KMS key" writes it.
pub(crate) fn external_account_kp() -> Value {
    kp_with_root(vec![allow(aws(OTHER_ROOT), USE_ACTIONS.to_vec())])
}

/// An identity policy allowing `actions` on `resource`.
pub(crate) fn iam(actions: impl Into<Value>, resource: impl Into<Value>) -> Value {
    doc(vec![iam_allow(actions, resource)])
}

/// An identity policy denying `actions` on `resource`.
pub(crate) fn iam_denying(actions: impl Into<Value>, resource: impl Into<Value>) -> Value {
    doc(vec![iam_deny(actions, resource)])
}

/// A key policy naming only `principal` for `actions`.
pub(crate) fn kp_only(principal: &str, actions: impl Into<Value>) -> Value {
    doc(vec![allow(aws(principal), actions)])
}
