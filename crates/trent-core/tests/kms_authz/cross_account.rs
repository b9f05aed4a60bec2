//! Cross-account cases and role sessions: the key policy of the owning account and an
//! identity policy of the calling account must both allow; roles, sessions and session
//! policies.

use serde_json::json;
use trent_core::kms::decide::AllowedBy;
use trent_core::kms::decide::PolicySource::{Identity, KeyPolicy, Session};
use trent_core::kms::{GrantOperation, KeyAction};

use super::dsl::{Case, KEY, KEY2, OTHER, OWNER, case};
use super::policies::*;

pub(crate) fn cases() -> Vec<Case> {
    let mut v = other_account();
    v.extend(sessions());
    v
}

fn other_account() -> Vec<Case> {
    let use_key = iam(USE_ACTIONS.to_vec(), KEY);
    let star = kp_with_root(vec![allow(json!({"AWS": "*"}), "kms:Encrypt")]);
    let caller_owner = kp_with_root(vec![when(
        allow(json!({"AWS": "*"}), "kms:Encrypt"),
        json!({"StringEquals": {"kms:CallerAccount": OWNER}}),
    )]);
    let perimeter = kp_with_root(vec![
        allow(aws(OTHER_ROOT), USE_ACTIONS.to_vec()),
        when(deny(json!("*"), "kms:*"), json!({"StringNotEquals": {"aws:PrincipalAccount": OWNER}})),
    ]);
    vec![
        // [XACCT] key policy allows the external account and its IAM policy delegates: allowed.
        case("xacct_kp_and_iam", carol(), "kms:Encrypt").kp(external_account_kp()).iam(use_key.clone()).allow(),
        // [XACCT] "Neither the key policy nor the IAM policy alone is sufficient": key policy only.
        case("xacct_kp_only", carol(), "kms:Encrypt").kp(external_account_kp()).implicit(Identity),
        // [XACCT] IAM only: the default policy names the owner account alone.
        case("xacct_iam_only", carol(), "kms:Encrypt").iam(use_key.clone()).implicit(KeyPolicy),
        // [XACCT] IAM actions "not specified in the key policy, those permissions are not effective".
        case("xacct_action_beyond_kp", carol(), "kms:CreateGrant")
            .kp(external_account_kp())
            .iam(iam("kms:*", "*"))
            .implicit(KeyPolicy),
        // [XACCT] "if you give a principal in a different account ... kms:ScheduleKeyDeletion permission on a
        // KMS key in a key policy, the user's attempts to call those operations on your resources still fail".
        case("xacct_schedule_deletion_never", carol(), "kms:ScheduleKeyDeletion")
            .kp(kp_with_root(vec![allow(aws(OTHER_ROOT), "kms:*")]))
            .iam(iam("kms:*", "*"))
            .out_of_reach(),
        // [XACCT] "kms:ReEncrypt*" in both policies covers ReEncryptFrom.
        case("xacct_reencrypt_from", carol(), "kms:ReEncryptFrom")
            .kp(external_account_kp())
            .iam(use_key.clone())
            .allow(),
        // [XACCT] the IAM policy names another key.
        case("xacct_iam_other_key", carol(), "kms:Encrypt")
            .kp(external_account_kp())
            .iam(iam("kms:*", KEY2))
            .implicit(Identity),
        // [XACCT] named external users "cannot use the CMK until IAM administrators ... attach the proper IAM policies"
        case("xacct_kp_names_user_no_iam", carol(), "kms:Decrypt").kp(kp_only(CAROL, "kms:Decrypt")).implicit(Identity),
        // [XACCT] named external user with an IAM allow.
        case("xacct_kp_names_user_iam", carol(), "kms:Decrypt")
            .kp(kp_only(CAROL, "kms:Decrypt"))
            .iam(use_key.clone())
            .allow(),
        // [XACCT] "If an IAM policy gives CMK access to other external users or roles, it has no effect."
        case("xacct_kp_names_other_external_user", dave(), "kms:Decrypt")
            .kp(kp_only(CAROL, "kms:Decrypt"))
            .iam(use_key.clone())
            .implicit(KeyPolicy),
        // [XACCT] the external account's root is its administrator: the account statement suffices.
        case("xacct_other_root_kp_names_account", other_root(), "kms:Decrypt").kp(external_account_kp()).allow(),
        // [XACCT] the default policy does not name the other account, root or not.
        case("xacct_other_root_default_kp", other_root(), "kms:Decrypt").implicit(KeyPolicy),
        // [XACCT] the other root is bounded by the actions the key policy gives its account.
        case("xacct_other_root_beyond_kp", other_root(), "kms:ListGrants")
            .kp(external_account_kp())
            .implicit(KeyPolicy),
        // [XACCT] ... and DisableKey is out of its reach, even when the key policy gives it everything.
        case("xacct_other_root_admin_action", other_root(), "kms:DisableKey")
            .kp(kp_with_root(vec![allow(aws(OTHER_ROOT), "kms:*")]))
            .out_of_reach(),
        // [XACCT] IAM may give the key "to all or a subset of the external users and roles that are specified".
        case("xacct_kp_names_two_users", dave(), "kms:Decrypt")
            .kp(doc(vec![allow(aws(vec![CAROL, DAVE]), "kms:Decrypt")]))
            .iam(use_key.clone())
            .allow(),
        // [XACCT] the external root is not named when only a user of its account is.
        case("xacct_other_root_kp_names_user", other_root(), "kms:Decrypt")
            .kp(kp_only(CAROL, "kms:Decrypt"))
            .implicit(KeyPolicy),
        // [EVAL] an explicit deny in the caller's identity policy.
        case("xacct_iam_deny", carol(), "kms:Encrypt")
            .kp(external_account_kp())
            .iam(use_key.clone())
            .iam(iam_denying("kms:Encrypt", "*"))
            .explicit(Identity),
        // [EVAL] an explicit deny in the key policy, naming the external account.
        case("xacct_kp_deny_account", carol(), "kms:Encrypt")
            .kp(doc(vec![allow(aws(OTHER_ROOT), "kms:*"), deny(aws(OTHER_ROOT), "kms:Encrypt")]))
            .iam(use_key.clone())
            .explicit(KeyPolicy),
        // [NOTRESOURCE] the caller's own guard: deny keys outside its account.
        case("xacct_iam_notresource_deny", carol(), "kms:Encrypt")
            .kp(external_account_kp())
            .iam(use_key.clone())
            .iam(doc(vec![not_resource(iam_deny("kms:*", "arn:aws:kms:*:444455556666:*"))]))
            .explicit(Identity),
        // [KP] "*" means "every identity in every AWS account"; others "just need corresponding IAM permissions".
        case("xacct_star_principal_iam", carol(), "kms:Encrypt").kp(star.clone()).iam(use_key.clone()).allow(),
        // [KP] ... and without those IAM permissions, nothing.
        case("xacct_star_principal_no_iam", carol(), "kms:Encrypt").kp(star.clone()).implicit(Identity),
        // [KP] in the owning account "*" names the user itself: no IAM needed.
        case("star_principal_same_account_no_iam", bob(), "kms:Encrypt").kp(star).allow(),
        // [KMS-COND] "*" with kms:CallerAccount limits the statement to the owner account.
        case("caller_account_excludes_other", carol(), "kms:Encrypt")
            .kp(caller_owner.clone())
            .iam(use_key.clone())
            .implicit(KeyPolicy),
        // [KMS-COND] "effectively allow access to all identities in AWS account 111122223333".
        case("caller_account_includes_owner", bob(), "kms:Encrypt").kp(caller_owner).allow(),
        // [GLOBAL] aws:PrincipalAccount perimeter deny in the key policy refuses the other account.
        case("perimeter_deny_other_account", carol(), "kms:Encrypt")
            .kp(perimeter.clone())
            .iam(use_key.clone())
            .explicit(KeyPolicy),
        // [GLOBAL] ... and leaves the owner's principals alone.
        case("perimeter_deny_owner_user", alice(), "kms:Encrypt").kp(perimeter).iam(use_key.clone()).allow(),
        // [PRINC] a role ARN of the other account names its sessions; its IAM policy delegates (Example 2).
        case("xacct_kp_names_role_session_iam", partner(), "kms:Decrypt")
            .kp(kp_only(PARTNER_ROLE, "kms:Decrypt"))
            .iam(use_key.clone())
            .allow(),
        // [XACCT] ... without an IAM policy on the role, nothing.
        case("xacct_kp_names_role_no_iam", partner(), "kms:Decrypt")
            .kp(kp_only(PARTNER_ROLE, "kms:Decrypt"))
            .implicit(Identity),
        // [PRINC] the session ARN names that session; cross-account it still needs IAM.
        case("xacct_kp_names_session_iam", partner(), "kms:Decrypt")
            .kp(kp_only(PARTNER_SESSION, "kms:Decrypt"))
            .iam(use_key.clone())
            .allow(),
        // [PRINC] another session of the role is not that session.
        case("xacct_kp_names_session_other_session", partner2(), "kms:Decrypt")
            .kp(kp_only(PARTNER_SESSION, "kms:Decrypt"))
            .iam(use_key.clone())
            .implicit(KeyPolicy),
        // [XACCT] the account statement reaches the other account's role sessions via IAM.
        case("xacct_session_via_account", partner(), "kms:GenerateDataKey")
            .kp(external_account_kp())
            .iam(use_key.clone())
            .allow(),
        // [XACCT] a statement for the other account does not reach the owner's users.
        case("external_statement_not_for_owner_users", bob(), "kms:Encrypt")
            .kp(doc(vec![allow(aws(OTHER_ROOT), "kms:*")]))
            .iam(iam("kms:*", "*"))
            .implicit(KeyPolicy),
        // [XACCT] an owner user named in the policy is not helped by a statement for another account.
        case("xacct_user_of_owner_not_external", alice(), "kms:Encrypt")
            .kp(kp_only(CAROL, "kms:*"))
            .iam(use_key)
            .implicit(KeyPolicy),
    ]
}

fn sessions() -> Vec<Case> {
    let role_all = iam("kms:*", KEY);
    let only_decrypt = iam("kms:Decrypt", "*");
    let kp_role = kp_only(APP_ROLE, vec!["kms:Encrypt", "kms:Decrypt"]);
    vec![
        // [SESS] a session has "the intersection of the identity-based policies ... and the session policies".
        case("session_policy_narrows", app(), "kms:Encrypt")
            .iam(role_all.clone())
            .session_policy(only_decrypt.clone())
            .implicit(Session),
        // [SESS] ... inside the intersection: allowed.
        case("session_policy_inside", app(), "kms:Decrypt")
            .iam(role_all.clone())
            .session_policy(only_decrypt.clone())
            .allow(),
        // [SESS] "An explicit deny in any of these policies overrides the allow."
        case("session_policy_deny", app(), "kms:Decrypt")
            .iam(role_all.clone())
            .session_policy(doc(vec![iam_allow("kms:*", "*"), iam_deny("kms:Decrypt", "*")]))
            .explicit(Session),
        // [SESS] "You cannot use session policies to grant more permissions than ... the identity-based policy."
        case("session_policy_cannot_widen", app(), "kms:Encrypt")
            .iam(only_decrypt.clone())
            .session_policy(iam("kms:*", "*"))
            .implicit(Identity),
        // [SESS] a session policy allowing everything leaves the role's permissions as they are.
        case("session_policy_all", app(), "kms:Encrypt")
            .iam(role_all.clone())
            .session_policy(iam("kms:*", "*"))
            .allow(),
        // [SESS] no session policy: the role's identity policies decide.
        case("session_without_policy", app(), "kms:Encrypt").iam(role_all.clone()).allow(),
        // [EVAL] a key policy naming the role ARN is limited by the session policy; it allows Encrypt here.
        case("kp_role_session_policy_allows", app(), "kms:Encrypt")
            .kp(kp_role.clone())
            .session_policy(iam("kms:Encrypt", KEY))
            .allow(),
        // [EVAL] grants to "an IAM role ARN are limited by an implicit deny in a ... session policy".
        case("kp_role_session_policy_excludes", app(), "kms:Encrypt")
            .kp(kp_role.clone())
            .iam(role_all.clone())
            .session_policy(iam("kms:*", KEY2))
            .implicit(Session),
        // [SESS] an explicit deny in the session policy beats the key policy's allow to the role.
        case("kp_role_session_policy_deny", app(), "kms:Encrypt")
            .kp(kp_role.clone())
            .session_policy(doc(vec![iam_allow("kms:*", "*"), iam_deny("kms:Encrypt", KEY)]))
            .explicit(Session),
        // [PRINC] the key policy naming the session, no session policy: allowed without IAM.
        case("kp_session_arn_no_session_policy", app(), "kms:Encrypt").kp(kp_only(APP_SESSION, "kms:Encrypt")).allow(),
        // [SESS] NotAction in a session policy: everything but Encrypt stays possible.
        case("session_policy_notaction_excluded", app(), "kms:Encrypt")
            .iam(role_all.clone())
            .session_policy(doc(vec![not_action(iam_allow("kms:Encrypt", "*"))]))
            .implicit(Session),
        // [SESS] ... and Decrypt, not excluded, is allowed.
        case("session_policy_notaction_other", app(), "kms:Decrypt")
            .iam(role_all.clone())
            .session_policy(doc(vec![not_action(iam_allow("kms:Encrypt", "*"))]))
            .allow(),
        // [SESS] the session policy's resource must cover the key.
        case("session_policy_other_key", app(), "kms:Decrypt")
            .iam(role_all.clone())
            .session_policy(iam("kms:*", KEY2))
            .implicit(Session),
        // [SESS] cross-account: the role's identity policy intersected with the session policy must allow.
        case("xacct_session_policy_narrows", partner(), "kms:Encrypt")
            .kp(external_account_kp())
            .iam(iam(USE_ACTIONS.to_vec(), KEY))
            .session_policy(only_decrypt.clone())
            .implicit(Session),
        // [SESS] ... and within it, allowed.
        case("xacct_session_policy_allows", partner(), "kms:Decrypt")
            .kp(external_account_kp())
            .iam(iam(USE_ACTIONS.to_vec(), KEY))
            .session_policy(only_decrypt.clone())
            .allow(),
        // [XACCT]+[SESS] cross-account, a session-ARN principal needs the identity side, which the session bounds.
        case("xacct_kp_session_arn_session_policy", partner(), "kms:Encrypt")
            .kp(kp_only(PARTNER_SESSION, "kms:Encrypt"))
            .iam(iam("kms:*", KEY))
            .session_policy(only_decrypt)
            .implicit(Session),
        // [SESS] the session policy's deny applies to the root statement's delegation as well.
        case("session_policy_deny_cross", partner(), "kms:Decrypt")
            .kp(external_account_kp())
            .iam(iam(USE_ACTIONS.to_vec(), KEY))
            .session_policy(iam_denying("kms:*", "*"))
            .explicit(Session),
        // [EVAL] role identity policies and a key policy naming another role do not combine.
        case("session_of_other_role", app(), "kms:Encrypt")
            .kp(doc(vec![allow(aws(super::dsl::role_arn(OWNER, "Auditor")), "kms:*")]))
            .iam(role_all)
            .implicit(KeyPolicy),
        // [PRINC] a role of another account with the same name is another role.
        case("same_role_name_other_account", app(), "kms:Encrypt")
            .kp(kp_only(&super::dsl::role_arn(OTHER, "App"), "kms:*"))
            .implicit(KeyPolicy),
    ]
}

/// AWS's *Cross-account use: Yes* permissions on a key, typed from the "Cross-account use"
/// paragraph of each operation of botocore's `kms/2014-11-01` model (ReEncrypt asks
/// `ReEncryptFrom` and `ReEncryptTo`). Every other key permission is *No*.
const CROSS_ACCOUNT_YES: &[&str] = &[
    "CreateGrant",
    "Decapsulate",
    "Decrypt",
    "DeriveSharedSecret",
    "DescribeKey",
    "Encapsulate",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateMac",
    "GetKeyRotationStatus",
    "GetPublicKey",
    "ListGrants",
    "ReEncryptFrom",
    "ReEncryptTo",
    "RetireGrant",
    "RevokeGrant",
    "Sign",
    "Verify",
    "VerifyMac",
];

/// Regression (issue 8, item 2): another account that a key policy shared `kms:*` with could
/// read and replace the key policy, tag, disable and schedule the deletion of the key.
///
/// Every key permission, asked by a user of another account whose IAM policy allows `kms:*`
/// on a key whose policy gives that account `kms:*`: the *Yes* ones are allowed, the rest
/// are out of reach (the service answers as for a key that does not exist). The owner's own
/// user is allowed everything under the same policies, and its own root too.
#[test]
fn every_key_permission_across_accounts() {
    for name in CROSS_ACCOUNT_YES {
        assert!(KeyAction::parse(name).is_some(), "{name} is no key permission of the table");
    }
    let shared = || kp_with_root(vec![allow(aws(OTHER_ROOT), "kms:*")]);
    let mut failures = Vec::new();
    for action in KeyAction::ALL {
        let yes = CROSS_ACCOUNT_YES.contains(&action.name());
        let other = case("xacct_table", carol(), action.permission()).kp(shared()).iam(iam("kms:*", "*"));
        let other_root = case("xacct_table_root", super::policies::other_root(), action.permission()).kp(shared());
        let owner = case("xacct_table_owner", alice(), action.permission()).kp(shared()).iam(iam("kms:*", "*"));
        let grantee = case("xacct_table_grant", carol(), action.permission())
            .kp(kp_only(ADMIN, "kms:*"))
            .grant(super::dsl::grant(CAROL, GrantOperation::ALL))
            .creating(&[GrantOperation::Decrypt], None);
        let grant_op = GrantOperation::parse(action.name()).is_some();
        let cases = [
            if yes { other.allow_by(AllowedBy::Policies) } else { other.out_of_reach() },
            if yes { other_root.allow() } else { other_root.out_of_reach() },
            owner.allow_by(AllowedBy::Policies),
            // A grant reaches no further than the key policy: a *No* permission stays out of reach.
            match (yes, grant_op) {
                (true, true) => grantee.allow_by(AllowedBy::Grant),
                (true, false) => grantee.implicit(KeyPolicy),
                (false, _) => grantee.out_of_reach(),
            },
        ];
        for c in cases {
            if let Some(why) = c.check() {
                failures.push(format!("  {} {}: {why}", c.name, action.name()));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
