//! The KMS authorization table: (principal, action, resource, key policy, identity policies,
//! session policy, grants, condition context) → decision, for `trent_core::kms::decide`.
//!
//! Every case carries, beside it, the AWS rule its answer follows. The tags name the AWS
//! pages the rules come from:
//!
//! | tag          | page |
//! |--------------|------|
//! | `[KP]`       | KMS Developer Guide, "Key policies in AWS KMS" |
//! | `[KP-DEF]`   | KMS, "Default key policy" |
//! | `[XACCT]`    | KMS, "Allowing users in other accounts to use a KMS key" |
//! | `[GRANTS]`   | KMS, "Grants in AWS KMS" (grant concepts, grant constraints) |
//! | `[KMS-COND]` | KMS, "AWS KMS condition keys" |
//! | `[KMS-ALIAS]`| KMS, "Controlling access to aliases" |
//! | `[ABAC]`     | KMS, "ABAC for AWS KMS" |
//! | `[TROUBLE]`  | KMS, "Troubleshooting key access"; IAM, "Access denied error messages" |
//! | `[EVAL]`     | IAM User Guide, "Policy evaluation logic" |
//! | `[POLICIES]` | IAM, "Policies and permissions" (root user, policy types) |
//! | `[SESS]`     | IAM, "Session policies" |
//! | `[PRINC]`    | IAM, "AWS JSON policy elements: Principal" |
//! | `[NOTPR]`    | IAM, "AWS JSON policy elements: NotPrincipal" |
//! | `[ACTION]`, `[NOTACTION]`, `[RESOURCE]`, `[NOTRESOURCE]` | IAM, the element references |
//! | `[COND-OP]`  | IAM, "IAM JSON policy elements: Condition operators" |
//! | `[MULTI]`    | IAM, "Single-valued vs. multivalued context keys" and set operators |
//! | `[GLOBAL]`   | IAM, "AWS global condition context keys" |
//! | `[VARS]`     | IAM, "IAM policy elements: Variables and tags" |
//!
//! `DISPUTED` holds the cases where the code under test once decided otherwise than AWS
//! documents; each was fixed in `decide.rs` or the policy engine, and they stay as regression
//! cases: any future disagreement fails the test and the report quotes the rule.

#[path = "kms_authz/account.rs"]
mod account;
#[path = "kms_authz/conditions_global.rs"]
mod conditions_global;
#[path = "kms_authz/conditions_kms.rs"]
mod conditions_kms;
#[path = "kms_authz/cross_account.rs"]
mod cross_account;
#[path = "kms_authz/dsl.rs"]
mod dsl;
#[path = "kms_authz/encryption_context.rs"]
mod encryption_context;
#[path = "kms_authz/grants.rs"]
mod grants;
#[path = "kms_authz/key_policy.rs"]
mod key_policy;
#[path = "kms_authz/policies.rs"]
mod policies;

use std::collections::HashSet;

use serde_json::json;
use trent_core::kms::GrantOperation::Encrypt;
use trent_core::kms::decide::PolicySource::{KeyPolicy, Session};
use trent_core::policy::RequestPrincipal;

use dsl::{Case, KEY, case, grant};
use policies::*;

/// Every agreed case.
fn table() -> Vec<Case> {
    let mut all = key_policy::cases();
    all.extend(cross_account::cases());
    all.extend(encryption_context::cases());
    all.extend(conditions_kms::cases());
    all.extend(conditions_kms::grant_keys());
    all.extend(conditions_global::cases());
    all.extend(grants::cases());
    all.extend(account::cases());
    all
}

/// Cases where the code once disagreed with AWS (all fixed): each states AWS's answer and why.
fn disputed() -> Vec<Case> {
    let cloudtrail = RequestPrincipal::service("cloudtrail.amazonaws.com");
    vec![
        case("disputed_kp_session_arn_beyond_session_policy", app(), "kms:Encrypt")
            .kp(kp_only(APP_SESSION, "kms:Encrypt"))
            .session_policy(iam("kms:Decrypt", "*"))
            .allow()
            .because(
                "IAM 'Policy evaluation logic': 'IAM role session – Within the same account, resource-based policies \
                 that grant permissions to an IAM role session ARN grant permissions directly to the assumed role \
                 session. Permissions granted directly to a session are not limited by an implicit deny in an \
                 identity-based policy, a permissions boundary, or session policy.' IAM 'Session policies': 'The \
                 resource-based policy permissions are not limited by the session policy.' The code requires the \
                 session policy to allow every call, whichever principal the key policy named.",
            ),
        case("disputed_kp_role_session_policy_source", app(), "kms:Encrypt")
            .kp(kp_only(APP_ROLE, "kms:Encrypt"))
            .session_policy(iam("kms:Decrypt", "*"))
            .implicit(Session)
            .because(
                "The key policy names the role (same account), so no identity policy is needed; the one policy \
                 without an allow is the session policy ('Resource-based policies that grant permissions to an IAM \
                 role ARN are limited by an implicit deny in a permissions boundary or session policy'), and AWS's \
                 message names it: 'because no session policy allows the kms:Encrypt action'. The code reports the \
                 identity policy as missing because it tests `iam_allows` before the session policy even when IAM is \
                 irrelevant.",
            ),
        case("disputed_notprincipal_account_entry", bob(), "kms:Decrypt")
            .kp(kp_with_root(vec![not_principal(deny(aws(vec![ALICE, OWNER_ROOT]), "kms:Decrypt"))]))
            .iam(iam("kms:*", "*"))
            .explicit(KeyPolicy)
            .because(
                "IAM 'NotPrincipal': with NotPrincipal [user Bob, arn:aws:iam::ACCOUNT:root] and Deny, 'all \
                 principals except the user named Bob ... are explicitly denied'; the account ARN is listed so that \
                 the account itself, which AWS may evaluate first, is not denied. It does not exempt the account's \
                 other users. The code lets an account entry in NotPrincipal match every principal of the account, so \
                 bob escapes the deny.",
            ),
        case("disputed_notprincipal_role_entry", partner2(), "kms:Decrypt")
            .kp(doc(vec![
                allow(aws(OTHER_ROOT), USE_ACTIONS.to_vec()),
                not_principal(deny(aws(vec![PARTNER_SESSION, PARTNER_ROLE, OTHER_ROOT]), "kms:Decrypt")),
            ]))
            .iam(iam(USE_ACTIONS.to_vec(), KEY))
            .explicit(KeyPolicy)
            .because(
                "IAM 'NotPrincipal': with NotPrincipal [assumed-role session, its role, its account] and Deny, 'all \
                 principals except the assumed-role user cross-account-audit-app ... are explicitly denied'; the role \
                 and account ARNs are there so the parents of that one session are not denied, and 'When you specify \
                 an assumed-role session in a NotPrincipal element, you cannot use a wildcard (*) to mean all \
                 sessions'. The code lets the role entry match every session of the role, so session job-8 escapes.",
            ),
        case("disputed_service_principal_in_key_policy", cloudtrail, "kms:GenerateDataKey")
            .kp(kp_with_root(vec![allow(json!({"Service": "cloudtrail.amazonaws.com"}), "kms:GenerateDataKey*")]))
            .allow()
            .because(
                "A service principal has no identity policies: a key policy statement naming it ('Principal': \
                 {'Service': 'cloudtrail.amazonaws.com'}, as in CloudTrail's and other services' documented key \
                 policies) is what lets it use the key ('Resource-based policies grant permissions to the principal \
                 ... specified as the principal', IAM 'Policy evaluation logic'). decide_key compares the service's \
                 empty account with the key's owner, treats it as cross-account and then demands an identity-policy \
                 allow that a service can never have.",
            ),
        case("disputed_grant_to_account_used_by_its_user", carol(), "kms:Encrypt")
            .kp(kp_only(ADMIN, "kms:*"))
            .grant(grant(OTHER_ROOT, &[Encrypt]))
            .iam(iam("kms:Encrypt", KEY))
            .allow()
            .because(
                "KMS 'Grants in AWS KMS': the grantee principal 'can be any AWS principal, including an AWS account \
                 (root)', 'can represent multiple identities' and 'one or more identities in the same AWS account as \
                 the KMS key or in a different account'. An account grantee stands for the account's identities, as \
                 the account principal does in a key policy; carol's IAM policy delegates Encrypt on the key to her. \
                 (The docs do not spell out the delegation; with the IAM allow present both readings allow.) \
                 principal_is compares the grantee with the caller's own ARN, so only the root user can use the \
                 grant.",
            ),
    ]
}

#[test]
fn kms_authorization_table() {
    let table = table();
    let disputed = disputed();
    let mut names = HashSet::new();
    for c in table.iter().chain(&disputed) {
        assert!(names.insert(c.name), "case name {} is used twice", c.name);
    }
    assert!(table.len() >= 200, "the table has only {} cases", table.len());

    let failures: Vec<String> =
        table.iter().filter_map(|c| c.check().map(|why| format!("  {}: {why}", c.name))).collect();
    let disagreements: Vec<String> = disputed
        .iter()
        .filter_map(|c| c.check().map(|why| format!("  {}: {why}\n    AWS: {}", c.name, c.reason)))
        .collect();
    println!(
        "{} cases, {} failing; {} disputed, {} still disagreeing",
        table.len(),
        failures.len(),
        disputed.len(),
        disagreements.len()
    );
    let mut report = String::new();
    if !failures.is_empty() {
        report.push_str(&format!("\nfailing cases:\n{}\n", failures.join("\n")));
    }
    if !disagreements.is_empty() {
        report.push_str(&format!("\nDISPUTED: the code disagrees with AWS:\n{}\n", disagreements.join("\n")));
    }
    assert!(report.is_empty(), "{report}");
}
