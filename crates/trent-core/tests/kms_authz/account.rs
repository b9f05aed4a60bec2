//! Operations on the account rather than a key (`decide_account`): no key policy exists, so
//! identity (and session) policies decide, on resource `*` or an alias ARN. And the
//! refusals behind the `AccessDeniedException` messages of a few denials (`trent-wire`'s
//! golden table pins the sentence of each refusal).

use serde_json::json;
use trent_core::kms::decide::PolicySource::{Identity, KeyPolicy, Session};

use super::dsl::{Case, KEY, alias_arn, case};
use super::policies::*;

pub(crate) fn cases() -> Vec<Case> {
    let mut v = account_level();
    v.extend(messages());
    v
}

/// `principal` asks for the account-level `action` on `*`.
fn acct(name: &'static str, principal: trent_core::policy::RequestPrincipal, action: &'static str) -> Case {
    case(name, principal, action).account_level().on("*")
}

fn account_level() -> Vec<Case> {
    let rsa_only = doc(vec![when(iam_allow("kms:CreateKey", "*"), json!({"StringLike": {"kms:KeySpec": "RSA_*"}}))]);
    let encrypt_usage =
        doc(vec![when(iam_allow("kms:CreateKey", "*"), json!({"StringEquals": {"kms:KeyUsage": "ENCRYPT_DECRYPT"}}))]);
    let no_import = doc(vec![
        iam_allow("kms:CreateKey", "*"),
        when(iam_deny("kms:CreateKey", "*"), json!({"StringEquals": {"kms:KeyOrigin": "EXTERNAL"}})),
    ]);
    let no_bypass = doc(vec![
        iam_allow(vec!["kms:CreateKey", "kms:PutKeyPolicy"], "*"),
        when(
            iam_deny(vec!["kms:CreateKey", "kms:PutKeyPolicy"], "*"),
            json!({"Bool": {"kms:BypassPolicyLockoutSafetyCheck": true}}),
        ),
    ]);
    let tagged = doc(vec![when(
        iam_allow("kms:CreateKey", "*"),
        json!({"StringEquals": {"aws:RequestTag/Project": "Alpha"},
               "ForAllValues:StringEquals": {"aws:TagKeys": ["Project", "Owner"]}}),
    )]);
    let test_aliases = iam("kms:CreateAlias", "arn:aws:kms:us-east-1:111122223333:alias/test-*");
    vec![
        // [KMS-COND] CreateKey is controlled by IAM policies only; an allow on "*".
        acct("create_key_iam_allows", alice(), "kms:CreateKey").iam(iam("kms:CreateKey", "*")).allow(),
        // [EVAL] "By default, all requests are implicitly denied".
        acct("create_key_no_iam", alice(), "kms:CreateKey").implicit(Identity),
        // [EVAL] "with the exception of the AWS account root user, which has full access".
        acct("create_key_root", owner_root(), "kms:CreateKey").allow(),
        // [EVAL] a role session through its role's identity policy.
        acct("create_key_session", app(), "kms:CreateKey").iam(iam("kms:*", "*")).allow(),
        // [SESS] the session policy leaves CreateKey out.
        acct("create_key_session_policy_excludes", app(), "kms:CreateKey")
            .iam(iam("kms:*", "*"))
            .session_policy(iam("kms:Decrypt", "*"))
            .implicit(Session),
        // [SESS] an explicit deny in the session policy.
        acct("create_key_session_policy_deny", app(), "kms:CreateKey")
            .iam(iam("kms:*", "*"))
            .session_policy(doc(vec![iam_allow("kms:*", "*"), iam_deny("kms:CreateKey", "*")]))
            .explicit(Session),
        // [SESS] a session policy cannot give what the role's policies do not.
        acct("create_key_session_policy_widens", app(), "kms:CreateKey")
            .session_policy(iam("kms:*", "*"))
            .implicit(Identity),
        // [KMS-COND] kms:KeySpec "RSA_*": an RSA_4096 key may be created.
        acct("create_key_spec_rsa", alice(), "kms:CreateKey")
            .iam(rsa_only.clone())
            .ctx("kms:KeySpec", "RSA_4096")
            .allow(),
        // [KMS-COND] the condition reads the KeySpec in effect, the default included: SYMMETRIC_DEFAULT is not RSA_*.
        acct("create_key_spec_default", alice(), "kms:CreateKey")
            .iam(rsa_only)
            .ctx("kms:KeySpec", "SYMMETRIC_DEFAULT")
            .implicit(Identity),
        // [KMS-COND] kms:KeyUsage ENCRYPT_DECRYPT.
        acct("create_key_usage_encrypt", alice(), "kms:CreateKey")
            .iam(encrypt_usage.clone())
            .ctx("kms:KeyUsage", "ENCRYPT_DECRYPT")
            .allow(),
        // [KMS-COND] ... SIGN_VERIFY is not.
        acct("create_key_usage_sign", alice(), "kms:CreateKey")
            .iam(encrypt_usage)
            .ctx("kms:KeyUsage", "SIGN_VERIFY")
            .implicit(Identity),
        // [KMS-COND] kms:KeyOrigin EXTERNAL denied.
        acct("create_key_origin_external", alice(), "kms:CreateKey")
            .iam(no_import.clone())
            .ctx("kms:KeyOrigin", "EXTERNAL")
            .explicit(Identity),
        // [KMS-COND] ... AWS_KMS allowed.
        acct("create_key_origin_aws_kms", alice(), "kms:CreateKey")
            .iam(no_import)
            .ctx("kms:KeyOrigin", "AWS_KMS")
            .allow(),
        // [KMS-COND] "prevents users from bypassing the policy lockout safety check".
        acct("create_key_bypass_true", alice(), "kms:CreateKey")
            .iam(no_bypass.clone())
            .ctx("kms:BypassPolicyLockoutSafetyCheck", "true")
            .explicit(Identity),
        // [KMS-COND] "When the parameter is not used, the default value is false."
        acct("create_key_bypass_false", alice(), "kms:CreateKey")
            .iam(no_bypass.clone())
            .ctx("kms:BypassPolicyLockoutSafetyCheck", "false")
            .allow(),
        // [KMS-COND] the same guard on PutKeyPolicy, through the identity side of a key operation.
        case("put_key_policy_bypass_true", alice(), "kms:PutKeyPolicy")
            .iam(no_bypass)
            .ctx("kms:BypassPolicyLockoutSafetyCheck", "true")
            .explicit(Identity),
        // [GLOBAL] aws:RequestTag and aws:TagKeys (ForAllValues) on CreateKey: allowed tags.
        acct("create_key_request_tags", alice(), "kms:CreateKey")
            .iam(tagged.clone())
            .ctx("aws:RequestTag/Project", "Alpha")
            .ctx_all("aws:TagKeys", &["Project", "Owner"])
            .allow(),
        // [MULTI] ... one tag key outside the allowed set.
        acct("create_key_request_tags_extra", alice(), "kms:CreateKey")
            .iam(tagged.clone())
            .ctx("aws:RequestTag/Project", "Alpha")
            .ctx_all("aws:TagKeys", &["Project", "Secret"])
            .implicit(Identity),
        // [COND-OP] ... the required tag missing.
        acct("create_key_request_tags_missing", alice(), "kms:CreateKey")
            .iam(tagged)
            .ctx_all("aws:TagKeys", &["Owner"])
            .implicit(Identity),
        // [ACTION] ListKeys through "kms:List*".
        acct("list_keys_iam", alice(), "kms:ListKeys").iam(iam("kms:List*", "*")).allow(),
        // [EVAL] ListKeys without IAM.
        acct("list_keys_no_iam", alice(), "kms:ListKeys").implicit(Identity),
        // [EVAL] root may list.
        acct("list_aliases_root", owner_root(), "kms:ListAliases").allow(),
        // [EVAL] GenerateRandom through kms:*.
        acct("generate_random", app(), "kms:GenerateRandom").iam(iam("kms:*", "*")).allow(),
        // [EVAL] an IAM deny on GenerateRandom.
        acct("generate_random_denied", app(), "kms:GenerateRandom")
            .iam(iam("kms:*", "*"))
            .iam(iam_denying("kms:GenerateRandom", "*"))
            .explicit(Identity),
        // [KMS-ALIAS] CreateAlias needs permission on the alias, named by its ARN: alias/test-* allows alias/test-app.
        acct("create_alias_allowed", alice(), "kms:CreateAlias")
            .on(alias_arn("test-app"))
            .iam(test_aliases.clone())
            .allow(),
        // [KMS-ALIAS] ... not alias/prod-app.
        acct("create_alias_other_prefix", alice(), "kms:CreateAlias")
            .on(alias_arn("prod-app"))
            .iam(test_aliases)
            .implicit(Identity),
        // [RESOURCE] an IAM allow on keys does not cover an alias ARN.
        acct("create_alias_key_resource", alice(), "kms:CreateAlias")
            .on(alias_arn("test-app"))
            .iam(iam("kms:CreateAlias", "arn:aws:kms:us-east-1:111122223333:key/*"))
            .implicit(Identity),
        // [EVAL] DeleteAlias denied on that alias.
        acct("delete_alias_denied", alice(), "kms:DeleteAlias")
            .on(alias_arn("prod-app"))
            .iam(iam("kms:*", "*"))
            .iam(iam_denying("kms:DeleteAlias", "arn:aws:kms:us-east-1:111122223333:alias/prod-*"))
            .explicit(Identity),
    ]
}

fn messages() -> Vec<Case> {
    vec![
        // [TROUBLE] no key-policy statement for the caller: the resource-based policy is missing.
        case("msg_no_resource_policy", bob(), "kms:Encrypt").kp(kp_only(ALICE, "kms:*")).implicit(KeyPolicy),
        // [TROUBLE] an explicit deny in the key policy.
        case("msg_explicit_resource_policy", alice(), "kms:Encrypt")
            .kp(kp_with_root(vec![deny(aws(ALICE), "kms:Encrypt")]))
            .iam(iam("kms:*", "*"))
            .explicit(KeyPolicy),
        // [TROUBLE] delegated by the key policy, no identity allow.
        case("msg_no_identity_policy", alice(), "kms:Decrypt").implicit(Identity),
        // [TROUBLE] an explicit deny in an identity policy.
        case("msg_explicit_identity_policy", alice(), "kms:Decrypt")
            .iam(iam_denying("kms:Decrypt", "*"))
            .explicit(Identity),
        // [TROUBLE] the session policy is the one without an allow; the session ARN is the "User".
        case("msg_no_session_policy", app(), "kms:Encrypt")
            .iam(iam("kms:*", "*"))
            .session_policy(iam("kms:Decrypt", "*"))
            .implicit(Session),
        // [TROUBLE] an explicit deny in the session policy.
        case("msg_explicit_session_policy", app(), "kms:Encrypt")
            .iam(iam("kms:*", "*"))
            .session_policy(iam_denying("kms:*", "*"))
            .explicit(Session),
        // [TROUBLE] an account-level operation: resource "*".
        acct("msg_account_level", bob(), "kms:CreateKey").implicit(Identity),
        // [TROUBLE] cross-account: the external user, the owner's key ARN.
        case("msg_cross_account", carol(), "kms:Encrypt").iam(iam("kms:Encrypt", KEY)).implicit(KeyPolicy),
    ]
}
