//! Same-account cases: the key policy as the gate, delegation to IAM through the account
//! principal, principals named directly, the root user, explicit denies, and the `Action`,
//! `NotAction`, `Resource`, `NotResource` and `NotPrincipal` elements.

use serde_json::json;
use trent_core::kms::decide::PolicySource::{Identity, KeyPolicy};

use super::dsl::{Case, KEY, KEY2, OWNER, case};
use super::policies::*;

pub(crate) fn cases() -> Vec<Case> {
    let mut v = delegation();
    v.extend(named_principals());
    v.extend(explicit_denies());
    v.extend(elements());
    v
}

fn delegation() -> Vec<Case> {
    vec![
        // [KP-DEF] the default policy lets the account delegate kms:* to IAM; IAM allows Encrypt.
        case("default_kp_user_iam_allows", alice(), "kms:Encrypt").iam(iam("kms:Encrypt", KEY)).allow(),
        // [KP-DEF] delegation alone gives no user anything: no IAM allow, denied ("Example 1: Alice").
        case("default_kp_user_no_iam", alice(), "kms:Encrypt").implicit(Identity),
        // [EVAL] IAM allows Decrypt only; nothing allows Encrypt.
        case("default_kp_user_iam_other_action", alice(), "kms:Encrypt")
            .iam(iam("kms:Decrypt", KEY))
            .implicit(Identity),
        // [RESOURCE] the IAM statement names another key.
        case("default_kp_user_iam_other_key", alice(), "kms:Encrypt").iam(iam("kms:*", KEY2)).implicit(Identity),
        // [RESOURCE] "*" in an identity policy covers every key.
        case("default_kp_user_iam_star", alice(), "kms:Decrypt").iam(iam("kms:*", "*")).allow(),
        // [RESOURCE] a wildcard ARN of the account's keys covers this key.
        case("default_kp_user_iam_key_wildcard", alice(), "kms:Encrypt")
            .iam(iam("kms:Encrypt", "arn:aws:kms:us-east-1:111122223333:key/*"))
            .allow(),
        // [RESOURCE] a wildcard ARN of another region does not.
        case("default_kp_user_iam_other_region", alice(), "kms:Encrypt")
            .iam(iam("kms:Encrypt", "arn:aws:kms:eu-west-1:111122223333:key/*"))
            .implicit(Identity),
        // [RESOURCE] resource ARNs compare case-sensitively.
        case("default_kp_user_iam_resource_case", alice(), "kms:Encrypt")
            .iam(iam("kms:Encrypt", "arn:aws:kms:us-east-1:111122223333:KEY/*"))
            .implicit(Identity),
        // [EVAL] "AWS applies a logical OR across all of those policies": a second policy allows.
        case("default_kp_user_second_iam_policy", alice(), "kms:Encrypt")
            .iam(iam("kms:Decrypt", KEY))
            .iam(iam("kms:Encrypt", KEY))
            .allow(),
        // [KP-DEF] a role session gets its role's identity policies through the same delegation.
        case("default_kp_session_role_iam", app(), "kms:GenerateDataKey").iam(iam("kms:GenerateDataKey*", KEY)).allow(),
        // [KP-DEF] a role session without any identity allow.
        case("default_kp_session_no_iam", app(), "kms:GenerateDataKey").implicit(Identity),
        // [KP-DEF] the account principal "represents the AWS account and its administrators": root may.
        case("default_kp_root_encrypt", owner_root(), "kms:Encrypt").allow(),
        // [KP-DEF] kms:* covers the administrative actions for root too.
        case("default_kp_root_schedule_deletion", owner_root(), "kms:ScheduleKeyDeletion").allow(),
        // [PRINC] a bare account id and the :root ARN "behave the same way": root may.
        case("bare_account_id_root", owner_root(), "kms:DescribeKey").kp(doc(vec![allow(aws(OWNER), "kms:*")])).allow(),
        // [PRINC] a bare account id delegates to IAM like the :root ARN.
        case("bare_account_id_user_iam", alice(), "kms:DescribeKey")
            .kp(doc(vec![allow(aws(OWNER), "kms:*")]))
            .iam(iam("kms:DescribeKey", KEY))
            .allow(),
        // [PRINC] ... and without IAM the user gets nothing.
        case("bare_account_id_user_no_iam", alice(), "kms:DescribeKey")
            .kp(doc(vec![allow(aws(OWNER), "kms:*")]))
            .implicit(Identity),
        // [KP] the account statement delegates only the actions it lists.
        case("account_statement_limits_actions", alice(), "kms:Decrypt")
            .kp(doc(vec![allow(aws(OWNER_ROOT), "kms:Encrypt")]))
            .iam(iam("kms:*", "*"))
            .implicit(KeyPolicy),
    ]
}

fn named_principals() -> Vec<Case> {
    vec![
        // [EVAL] same account, a key policy naming the user's ARN suffices without IAM.
        case("kp_names_user_no_iam", alice(), "kms:Encrypt").kp(kp_only(ALICE, "kms:Encrypt")).allow(),
        // [KP] "To use an IAM policy to allow access to a KMS key, the key policy must explicitly allow it."
        case("kp_names_user_other_action_iam_allows", alice(), "kms:Decrypt")
            .kp(kp_only(ALICE, "kms:Encrypt"))
            .iam(iam("kms:*", "*"))
            .implicit(KeyPolicy),
        // [KP] no statement for bob or his account: unusable by him "whatever IAM says".
        case("kp_names_other_user_iam_allows", bob(), "kms:Encrypt")
            .kp(kp_only(ALICE, "kms:Encrypt"))
            .iam(iam("kms:*", "*"))
            .implicit(KeyPolicy),
        // [KP] no statement and no IAM.
        case("kp_names_other_user_no_iam", bob(), "kms:Encrypt").kp(kp_only(ALICE, "kms:*")).implicit(KeyPolicy),
        // [KP-DEF] "the root user can access a KMS key only when the key policy explicitly allows it".
        case("root_not_in_kp", owner_root(), "kms:Encrypt").kp(kp_only(ALICE, "kms:*")).implicit(KeyPolicy),
        // [KP-DEF] same for managing the key ("the KMS key is now unmanageable").
        case("root_not_in_kp_put_policy", owner_root(), "kms:PutKeyPolicy")
            .kp(kp_only(ALICE, "kms:*"))
            .implicit(KeyPolicy),
        // [PRINC] a role ARN names every session of the role; same account, no IAM needed.
        case("kp_names_role_session_uses", app(), "kms:Decrypt").kp(kp_only(APP_ROLE, "kms:Decrypt")).allow(),
        // [PRINC] an assumed-role session ARN names that session.
        case("kp_names_session_arn", app(), "kms:Decrypt").kp(kp_only(APP_SESSION, "kms:Decrypt")).allow(),
        // [PRINC] ... and only that session.
        case("kp_names_session_arn_other_session", app2(), "kms:Decrypt")
            .kp(kp_only(APP_SESSION, "kms:Decrypt"))
            .iam(iam("kms:*", "*"))
            .implicit(KeyPolicy),
        // [PRINC] a role ARN does not name an IAM user.
        case("kp_names_role_user_calls", alice(), "kms:Decrypt").kp(kp_only(APP_ROLE, "kms:*")).implicit(KeyPolicy),
        // [PRINC] a user ARN does not name a role session.
        case("kp_names_user_session_calls", app(), "kms:Decrypt").kp(kp_only(ALICE, "kms:*")).implicit(KeyPolicy),
        // [KP-DEF] the console's key administrator may manage without IAM.
        case("console_admin_put_policy", admin(), "kms:PutKeyPolicy").kp(console_key_policy()).allow(),
        // [KP-DEF] administrators are not key users; the root statement delegates, IAM is silent.
        case("console_admin_encrypt_no_iam", admin(), "kms:Encrypt").kp(console_key_policy()).implicit(Identity),
        // [KP-DEF] ... and with an IAM allow the delegation works.
        case("console_admin_encrypt_iam", admin(), "kms:Encrypt")
            .kp(console_key_policy())
            .iam(iam("kms:Encrypt", KEY))
            .allow(),
        // [KP-DEF] the key user may encrypt.
        case("console_user_encrypt", alice(), "kms:Encrypt").kp(console_key_policy()).allow(),
        // [KP-DEF] "kms:ReEncrypt*" covers both halves of ReEncrypt.
        case("console_role_reencrypt_to", app(), "kms:ReEncryptTo").kp(console_key_policy()).allow(),
        // [KP-DEF] key users cannot schedule deletion; the root statement needs IAM.
        case("console_user_schedule_deletion", alice(), "kms:ScheduleKeyDeletion")
            .kp(console_key_policy())
            .implicit(Identity),
        // [KMS-COND] kms:GrantIsForAWSResource true: an integrated service asks on the user's behalf.
        case("console_user_grant_for_aws_resource", alice(), "kms:CreateGrant")
            .kp(console_key_policy())
            .ctx("kms:GrantIsForAWSResource", "true")
            .allow(),
        // [KMS-COND] not for an AWS resource: that statement does not apply; root statement, no IAM.
        case("console_user_grant_not_aws_resource", alice(), "kms:CreateGrant")
            .kp(console_key_policy())
            .ctx("kms:GrantIsForAWSResource", "false")
            .implicit(Identity),
        // [COND-OP] a key missing from the request makes Bool false.
        case("console_user_grant_key_absent", alice(), "kms:ListGrants").kp(console_key_policy()).implicit(Identity),
        // [KP] without the root statement IAM policies are ineffective for every principal.
        case("no_root_admin_encrypt_iam", admin(), "kms:Encrypt")
            .kp(console_without_root())
            .iam(iam("kms:*", "*"))
            .implicit(KeyPolicy),
        // [KP] ... for a user the policy never names.
        case("no_root_bob_iam_star", bob(), "kms:Decrypt")
            .kp(console_without_root())
            .iam(iam("kms:*", "*"))
            .implicit(KeyPolicy),
        // [KP-DEF] ... and for the root user.
        case("no_root_root_describe", owner_root(), "kms:DescribeKey").kp(console_without_root()).implicit(KeyPolicy),
    ]
}

fn explicit_denies() -> Vec<Case> {
    let deny_alice_encrypt = kp_with_root(vec![deny(aws(ALICE), "kms:Encrypt")]);
    vec![
        // [EVAL] "An explicit deny in any policy overrides any allows": key policy deny vs IAM allow.
        case("kp_deny_beats_iam_allow", alice(), "kms:Encrypt")
            .kp(deny_alice_encrypt.clone())
            .iam(iam("kms:*", "*"))
            .explicit(KeyPolicy),
        // [EVAL] the deny covers Encrypt only; Decrypt stays allowed by delegation.
        case("kp_deny_other_action_unaffected", alice(), "kms:Decrypt")
            .kp(deny_alice_encrypt)
            .iam(iam("kms:*", "*"))
            .allow(),
        // [NOTPR] a Deny naming the account principal reaches "the entire account": alice is denied.
        case("kp_deny_account_principal_user", alice(), "kms:ScheduleKeyDeletion")
            .kp(kp_with_root(vec![deny(aws(OWNER_ROOT), "kms:ScheduleKeyDeletion")]))
            .iam(iam("kms:*", "*"))
            .explicit(KeyPolicy),
        // [EVAL] ... and root, who needs no IAM, as well.
        case("kp_deny_account_principal_root", owner_root(), "kms:ScheduleKeyDeletion")
            .kp(kp_with_root(vec![deny(aws(OWNER_ROOT), "kms:ScheduleKeyDeletion")]))
            .explicit(KeyPolicy),
        // [EVAL] a key policy naming the user does not survive an IAM deny.
        case("iam_deny_beats_kp_named_allow", alice(), "kms:Encrypt")
            .kp(kp_only(ALICE, "kms:Encrypt"))
            .iam(iam_denying("kms:Encrypt", "*"))
            .explicit(Identity),
        // [RESOURCE] the IAM deny names another key.
        case("iam_deny_other_key", alice(), "kms:Encrypt")
            .kp(kp_only(ALICE, "kms:Encrypt"))
            .iam(iam_denying("kms:*", KEY2))
            .allow(),
        // [EVAL] deny in one identity policy, allow in another: deny wins.
        case("iam_deny_beats_iam_allow", alice(), "kms:Encrypt")
            .iam(iam("kms:*", "*"))
            .iam(iam_denying("kms:Encrypt", KEY))
            .explicit(Identity),
        // [EVAL] both deny; AWS does not say which of the two its message names.
        case("kp_and_iam_deny", alice(), "kms:Encrypt")
            .kp(kp_with_root(vec![deny(aws(ALICE), "kms:Encrypt")]))
            .iam(iam_denying("kms:Encrypt", "*"))
            .denied_explicitly(),
        // [PRINC] a Deny to "*" covers role sessions.
        case("kp_deny_everyone_session", app(), "kms:Decrypt")
            .kp(kp_with_root(vec![deny(json!("*"), "kms:Decrypt")]))
            .iam(iam("kms:*", "*"))
            .explicit(KeyPolicy),
        // [POLICIES] "You cannot attach identity-based policies to the root user": any given are ignored.
        case("root_identity_policies_ignored", owner_root(), "kms:Encrypt").iam(iam_denying("kms:*", "*")).allow(),
    ]
}

fn elements() -> Vec<Case> {
    let not_admin = not_action(allow(aws(ALICE), vec!["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"]));
    let decrypt_only = kp_with_root(vec![not_action(deny(json!("*"), vec!["kms:Decrypt", "kms:DescribeKey"]))]);
    vec![
        // [ACTION] "kms:GenerateDataKey*" covers GenerateDataKeyWithoutPlaintext.
        case("action_wildcard_star", alice(), "kms:GenerateDataKeyWithoutPlaintext")
            .kp(kp_only(ALICE, "kms:GenerateDataKey*"))
            .allow(),
        // [ACTION] "prefixes and action names are case insensitive".
        case("action_case_insensitive", alice(), "kms:Encrypt").kp(kp_only(ALICE, "KMS:encrypt")).allow(),
        // [ACTION] "?" matches exactly one character.
        case("action_question_mark", alice(), "kms:DescribeKey").kp(kp_only(ALICE, "kms:Describe?ey")).allow(),
        // [ACTION] another service's actions do not cover KMS.
        case("action_other_service", alice(), "kms:Encrypt").kp(kp_only(ALICE, "s3:*")).implicit(KeyPolicy),
        // [ACTION] a list of actions not including the one asked.
        case("action_not_in_list", alice(), "kms:Sign")
            .kp(kp_only(ALICE, vec!["kms:Encrypt", "kms:Decrypt"]))
            .implicit(KeyPolicy),
        // [NOTACTION] Allow + NotAction allows everything it does not list.
        case("kp_notaction_allow_other", alice(), "kms:Encrypt").kp(doc(vec![not_admin.clone()])).allow(),
        // [NOTACTION] ... and not what it lists.
        case("kp_notaction_allow_listed", alice(), "kms:ScheduleKeyDeletion")
            .kp(doc(vec![not_admin]))
            .implicit(KeyPolicy),
        // [NOTACTION] Deny + NotAction denies everything but Decrypt/DescribeKey.
        case("kp_notaction_deny_other", alice(), "kms:Encrypt")
            .kp(decrypt_only.clone())
            .iam(iam("kms:*", "*"))
            .explicit(KeyPolicy),
        // [NOTACTION] ... and leaves Decrypt to the other statements.
        case("kp_notaction_deny_listed", alice(), "kms:Decrypt").kp(decrypt_only).iam(iam("kms:*", "*")).allow(),
        // [NOTACTION] identity Allow + NotAction.
        case("iam_notaction_allow_other", alice(), "kms:Encrypt")
            .iam(doc(vec![not_action(iam_allow("kms:ScheduleKeyDeletion", "*"))]))
            .allow(),
        // [NOTACTION] ... the listed action stays implicitly denied.
        case("iam_notaction_allow_listed", alice(), "kms:ScheduleKeyDeletion")
            .iam(doc(vec![not_action(iam_allow("kms:ScheduleKeyDeletion", "*"))]))
            .implicit(Identity),
        // [NOTACTION] Allow + NotAction "iam:*" reaches KMS actions.
        case("iam_notaction_other_service", alice(), "kms:Encrypt")
            .iam(doc(vec![not_action(iam_allow("iam:*", "*"))]))
            .allow(),
        // [NOTACTION] identity Deny + NotAction: everything but Decrypt denied.
        case("iam_notaction_deny_other", alice(), "kms:Encrypt")
            .iam(iam("kms:*", "*"))
            .iam(doc(vec![not_action(iam_deny("kms:Decrypt", "*"))]))
            .explicit(Identity),
        // [NOTRESOURCE] Allow kms:* on everything but KEY2 covers KEY.
        case("iam_notresource_allow_key", alice(), "kms:Encrypt")
            .iam(doc(vec![not_resource(iam_allow("kms:*", KEY2))]))
            .allow(),
        // [NOTRESOURCE] ... not KEY2.
        case("iam_notresource_allow_excluded", alice(), "kms:Encrypt")
            .on(KEY2)
            .iam(doc(vec![not_resource(iam_allow("kms:*", KEY2))]))
            .implicit(Identity),
        // [NOTRESOURCE] Deny outside own account's keys does not touch own keys.
        case("iam_notresource_deny_own_key", alice(), "kms:Encrypt")
            .iam(iam("kms:*", "*"))
            .iam(doc(vec![not_resource(iam_deny("kms:*", "arn:aws:kms:*:111122223333:*"))]))
            .allow(),
        // [RESOURCE] a key-policy statement naming this key's ARN applies.
        case("kp_resource_this_key", alice(), "kms:Encrypt")
            .kp(doc(vec![
                json!({"Effect": "Allow", "Principal": aws(ALICE), "Action": "kms:Encrypt", "Resource": KEY}),
            ]))
            .allow(),
        // [RESOURCE] a key-policy statement naming another key does not.
        case("kp_resource_other_key", alice(), "kms:Encrypt")
            .kp(doc(vec![
                json!({"Effect": "Allow", "Principal": aws(ALICE), "Action": "kms:Encrypt", "Resource": KEY2}),
            ]))
            .implicit(KeyPolicy),
        // [NOTPR] Deny to all but alice (and her account): alice keeps her IAM-delegated access.
        case("notprincipal_deny_excluded_user", alice(), "kms:Decrypt")
            .kp(kp_with_root(vec![not_principal(deny(aws(vec![ALICE, OWNER_ROOT]), "kms:Decrypt"))]))
            .iam(iam("kms:*", "*"))
            .allow(),
        // [NOTPR] Deny to all but alice: bob is denied (no account ARN involved).
        case("notprincipal_deny_user_only", bob(), "kms:Decrypt")
            .kp(kp_with_root(vec![not_principal(deny(aws(ALICE), "kms:Decrypt"))]))
            .iam(iam("kms:*", "*"))
            .explicit(KeyPolicy),
        // [NOTPR] Deny to all but alice and her account: a principal of another account is denied.
        case("notprincipal_deny_other_account", carol(), "kms:Decrypt")
            .kp(doc(vec![
                allow(aws(OTHER_ROOT), "kms:Decrypt"),
                not_principal(deny(aws(vec![ALICE, OWNER_ROOT]), "kms:Decrypt")),
            ]))
            .iam(iam("kms:Decrypt", KEY))
            .explicit(KeyPolicy),
    ]
}
