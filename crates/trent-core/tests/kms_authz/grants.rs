//! Grants: operations, grantees, constraints, accounts, and their interplay with denies.
//!
//! The key policy of most cases names only the key administrator, so whatever the caller may
//! do comes from the grant alone.

use serde_json::{Value, json};
use trent_core::kms::GrantOperation::{
    self, CreateGrant, Decrypt, DescribeKey, Encrypt, GenerateDataKey, ReEncryptFrom, RetireGrant, Sign,
};
use trent_core::kms::decide::AllowedBy;
use trent_core::kms::decide::PolicySource::{Identity, KeyPolicy, Session};

use super::dsl::{Case, KEY, case, grant, grant_equals, grant_subset};
use super::policies::*;

/// A key policy that gives nobody but the administrator anything.
fn admin_only() -> Value {
    kp_only(ADMIN, ADMIN_ACTIONS.to_vec())
}

/// `principal` asks for `action` on a key whose policy names only the administrator.
fn g(name: &'static str, principal: trent_core::policy::RequestPrincipal, action: &'static str) -> Case {
    case(name, principal, action).kp(admin_only())
}

const FIN: [(&str, &str); 2] = [("Department", "Finance"), ("Classification", "Public")];

pub(crate) fn cases() -> Vec<Case> {
    let mut v = grantees_and_operations();
    v.extend(constraints());
    v.extend(with_policies());
    v.extend(create_grant_through_grant());
    v
}

fn grantees_and_operations() -> Vec<Case> {
    let enc: &[GrantOperation] = &[Encrypt];
    vec![
        // [GRANTS] "the grant allows the grantee principal to call the specified grant operations".
        g("grant_user_covered", alice(), "kms:Encrypt").grant(grant(ALICE, enc)).allow(),
        // [GRANTS] the operation is not in the grant.
        g("grant_user_other_operation", alice(), "kms:Decrypt").grant(grant(ALICE, enc)).implicit(KeyPolicy),
        // [GRANTS] the grant is for another principal.
        g("grant_other_grantee", bob(), "kms:Encrypt").grant(grant(ALICE, enc)).implicit(KeyPolicy),
        // [GRANTS] "the grantee principal can represent multiple identities": a role grant serves its sessions.
        g("grant_role_session", app(), "kms:Encrypt").grant(grant(APP_ROLE, enc)).allow(),
        // [GRANTS] an assumed-role user as grantee: that session.
        g("grant_session_arn", app(), "kms:Encrypt").grant(grant(APP_SESSION, enc)).allow(),
        // [GRANTS] ... not another session of the role.
        g("grant_session_arn_other_session", app2(), "kms:Encrypt").grant(grant(APP_SESSION, enc)).implicit(KeyPolicy),
        // [GRANTS] a role grant does not serve an IAM user.
        g("grant_role_user_calls", alice(), "kms:Encrypt").grant(grant(APP_ROLE, enc)).implicit(KeyPolicy),
        // [GRANTS] "A grant can only allow grant operations": ScheduleKeyDeletion is none.
        g("grant_non_grant_operation", alice(), "kms:ScheduleKeyDeletion")
            .grant(grant(ALICE, &[Decrypt, CreateGrant]))
            .implicit(KeyPolicy),
        // [GRANTS] DescribeKey is a grant operation.
        g("grant_describe_key", alice(), "kms:DescribeKey").grant(grant(ALICE, &[DescribeKey])).allow(),
        // [GRANTS] several operations, one used.
        g("grant_several_operations", app(), "kms:GenerateDataKey")
            .grant(grant(APP_ROLE, &[GenerateDataKey, Decrypt]))
            .allow(),
        // [GRANTS] "for the ReEncrypt operation, you can specify ReEncryptFrom, ReEncryptTo, or both": From only.
        g("grant_reencrypt_from_only", alice(), "kms:ReEncryptTo")
            .grant(grant(ALICE, &[ReEncryptFrom]))
            .implicit(KeyPolicy),
        // [GRANTS] ... From, used.
        g("grant_reencrypt_from", alice(), "kms:ReEncryptFrom").grant(grant(ALICE, &[ReEncryptFrom])).allow(),
        // [GRANTS] CreateGrant as a grant operation.
        g("grant_create_grant", alice(), "kms:CreateGrant")
            .grant(grant(ALICE, &[CreateGrant]))
            .creating(&[CreateGrant], None)
            .allow_by(AllowedBy::Grant),
        // [GRANTS] "If the grant allows the RetireGrant operation, the grantee principal can retire the grant."
        g("grant_retire_grant", alice(), "kms:RetireGrant").grant(grant(ALICE, &[RetireGrant])).allow(),
        // [GRANTS] Sign on an asymmetric key.
        g("grant_sign", app(), "kms:Sign").grant(grant(APP_ROLE, &[Sign])).allow(),
        // [GRANTS] a second grant covers what the first does not.
        g("grant_second_grant", alice(), "kms:Decrypt")
            .grant(grant(ALICE, enc))
            .grant(grant(ALICE, &[Decrypt]))
            .allow(),
        // [GRANTS] grants "are considered along with key policies": the key user allowed both ways.
        case("grant_and_kp_both", alice(), "kms:Encrypt").kp(console_key_policy()).grant(grant(ALICE, enc)).allow(),
        // [GRANTS] the default policy delegates, IAM is silent, the grant allows.
        case("grant_with_default_kp_no_iam", alice(), "kms:Encrypt").grant(grant(ALICE, enc)).allow(),
        // [XACCT] other accounts' users may use "IAM policies ..., or use grants": no IAM, no key policy.
        g("grant_cross_account_user", carol(), "kms:Decrypt").grant(grant(CAROL, &[Decrypt])).allow(),
        // [GRANTS] a cross-account role grant serves the role's sessions.
        g("grant_cross_account_role", partner(), "kms:Decrypt").grant(grant(PARTNER_ROLE, &[Decrypt])).allow(),
        // [GRANTS] "an AWS account (root)" as grantee: its root user.
        g("grant_account_root_itself", other_root(), "kms:Encrypt").grant(grant(OTHER_ROOT, enc)).allow(),
        // [GRANTS]+[PRINC] an account grantee delegates like an account principal: without IAM a user gets nothing.
        g("grant_account_user_no_iam", carol(), "kms:Encrypt").grant(grant(OTHER_ROOT, enc)).denied(),
        // [GRANTS] a grant to another account's user does not serve the owner's users.
        g("grant_other_account_grantee", alice(), "kms:Decrypt").grant(grant(CAROL, &[Decrypt])).implicit(KeyPolicy),
    ]
}

fn constraints() -> Vec<Case> {
    let dec: &[GrantOperation] = &[GenerateDataKey, Decrypt];
    let subset = || grant_subset(APP_ROLE, dec, &FIN);
    let equals = || grant_equals(APP_ROLE, dec, &[("Department", "Finance")]);
    vec![
        // [GRANTS] EncryptionContextSubset satisfied: {"Department":"Finance","Classification":"Public"}.
        g("subset_exact", app(), "kms:Decrypt").grant(subset()).ec(&FIN).allow(),
        // [GRANTS] "The pairs can appear in any order".
        g("subset_reordered", app(), "kms:Decrypt")
            .grant(subset())
            .ec(&[("Classification", "Public"), ("Department", "Finance")])
            .allow(),
        // [GRANTS] "... but it can include additional encryption context pairs".
        g("subset_extra_pairs", app(), "kms:GenerateDataKey")
            .grant(subset())
            .ec(&[("Customer", "12345"), ("Department", "Finance"), ("Classification", "Public"), ("Purpose", "Test")])
            .allow(),
        // [GRANTS] "{"Department":"Finance"}" is incomplete.
        g("subset_incomplete", app(), "kms:Decrypt")
            .grant(subset())
            .ec(&[("Department", "Finance")])
            .implicit(KeyPolicy),
        // [GRANTS] "{"department":"finance","classification":"public"}": not a case-sensitive match.
        g("subset_wrong_case", app(), "kms:Decrypt")
            .grant(subset())
            .ec(&[("department", "finance"), ("classification", "public")])
            .implicit(KeyPolicy),
        // [GRANTS] "{"Classification":"Public","Customer":"12345"}": Department missing.
        g("subset_missing_pair", app(), "kms:Decrypt")
            .grant(subset())
            .ec(&[("Classification", "Public"), ("Customer", "12345")])
            .implicit(KeyPolicy),
        // [GRANTS] no encryption context cannot include the constraint's pairs.
        g("subset_no_context", app(), "kms:Decrypt").grant(subset()).implicit(KeyPolicy),
        // [GRANTS] constraint satisfied but the operation is not granted.
        g("subset_operation_not_granted", app(), "kms:Encrypt").grant(subset()).ec(&FIN).implicit(KeyPolicy),
        // [GRANTS] EncryptionContextEquals: "an exact, case-sensitive match".
        g("equals_exact", app(), "kms:Decrypt").grant(equals()).ec(&[("Department", "Finance")]).allow(),
        // [GRANTS] ... an extra pair is not exact.
        g("equals_extra_pair", app(), "kms:Decrypt")
            .grant(equals())
            .ec(&[("Department", "Finance"), ("Project", "A")])
            .implicit(KeyPolicy),
        // [GRANTS] ... a different pair.
        g("equals_other_pair", app(), "kms:Decrypt").grant(equals()).ec(&[("Project", "A")]).implicit(KeyPolicy),
        // [GRANTS] "the keys and values in each pair cannot vary": value case.
        g("equals_value_case", app(), "kms:Decrypt")
            .grant(equals())
            .ec(&[("Department", "finance")])
            .implicit(KeyPolicy),
        // [GRANTS] no context is not the constraint's context.
        g("equals_no_context", app(), "kms:Decrypt").grant(equals()).implicit(KeyPolicy),
        // [GRANTS] a constrained grant across accounts, satisfied.
        g("subset_cross_account", carol(), "kms:Decrypt").grant(grant_subset(CAROL, &[Decrypt], &FIN)).ec(&FIN).allow(),
        // [GRANTS] an unconstrained grant accepts any context.
        g("unconstrained_any_context", alice(), "kms:Encrypt")
            .grant(grant(ALICE, &[Encrypt]))
            .ec(&[("x", "y")])
            .allow(),
    ]
}

fn with_policies() -> Vec<Case> {
    let enc: &[GrantOperation] = &[Encrypt];
    let stage_deny = doc(vec![
        allow(aws(ADMIN), ADMIN_ACTIONS.to_vec()),
        when(deny(aws(ALICE), "kms:Encrypt"), json!({"StringEquals": {"kms:EncryptionContext:Stage": "Restricted"}})),
    ]);
    vec![
        // [KMS-COND] a key-policy Deny "takes precedence over all grants for this KMS key and its principals".
        g("grant_vs_kp_deny", alice(), "kms:Encrypt")
            .kp(doc(vec![allow(aws(ADMIN), "kms:*"), deny(aws(ALICE), "kms:Encrypt")]))
            .grant(grant(ALICE, enc))
            .explicit(KeyPolicy),
        // [KMS-COND] the deny conditioned on Stage=Restricted beats the grant for that context.
        g("grant_vs_kp_ec_deny", alice(), "kms:Encrypt")
            .kp(stage_deny.clone())
            .grant(grant(ALICE, enc))
            .ec(&[("Stage", "Restricted")])
            .explicit(KeyPolicy),
        // [KMS-COND] ... and not for another.
        g("grant_vs_kp_ec_deny_other", alice(), "kms:Encrypt")
            .kp(stage_deny)
            .grant(grant(ALICE, enc))
            .ec(&[("Stage", "Test")])
            .allow(),
        // [TROUBLE] "denied access by an explicit DENY statement ... in the key policy, IAM policy": IAM deny.
        g("grant_vs_iam_deny", alice(), "kms:Encrypt")
            .grant(grant(ALICE, enc))
            .iam(iam_denying("kms:Encrypt", "*"))
            .explicit(Identity),
        // [TROUBLE] the other account's own IAM deny beats a grant to its user.
        g("grant_vs_cross_account_iam_deny", carol(), "kms:Decrypt")
            .grant(grant(CAROL, &[Decrypt]))
            .iam(doc(vec![not_resource(iam_deny("kms:*", "arn:aws:kms:*:444455556666:*"))]))
            .explicit(Identity),
        // [SESS] an explicit deny in the session policy beats a grant to the role.
        g("grant_vs_session_deny", app(), "kms:Encrypt")
            .grant(grant(APP_ROLE, enc))
            .session_policy(iam_denying("kms:Encrypt", "*"))
            .explicit(Session),
        // [SESS] "Session policies limit permissions for a created session": a role grant outside it.
        // AWS does not say which policy kind the message names here.
        g("grant_role_session_policy_excludes", app(), "kms:Encrypt")
            .grant(grant(APP_ROLE, enc))
            .session_policy(iam("kms:Decrypt", "*"))
            .denied(),
        // [SESS] ... inside it.
        g("grant_role_session_policy_allows", app(), "kms:Encrypt")
            .grant(grant(APP_ROLE, enc))
            .session_policy(iam("kms:Encrypt", KEY))
            .allow(),
        // [GRANTS] the grant operation is what the request uses: ReEncrypt's source half asks for ReEncryptFrom.
        g("grant_explicit_operation", alice(), "kms:ReEncryptFrom")
            .grant(grant(ALICE, &[ReEncryptFrom]))
            .grant_op(Some(ReEncryptFrom))
            .allow(),
    ]
}

/// Regression (issue 8, item 3): a grant that allowed only `CreateGrant` let its grantee
/// create a grant for `Decrypt`, and a constrained grant could neither be used for
/// `DescribeKey` nor for `CreateGrant`.
///
/// [GRANTS] "Granting CreateGrant permission": a grantee that gets `CreateGrant` from a grant
/// "can only create grants that allow some or all of the operations in the parent grant";
/// "The grant constraints in the grants they create must be at least as strict as those in
/// the parent grant"; "These limitations don't apply to principals who get CreateGrant
/// permission from a policy". `CreateGrant` API: "Grants with grant constraints can include
/// the DescribeKey and RetireGrant operations, but the constraint doesn't apply to these
/// operations."
fn create_grant_through_grant() -> Vec<Case> {
    let it = [("Department", "IT")];
    let it_test = [("Department", "IT"), ("Purpose", "Test")];
    let parent = || grant_subset(ALICE, &[GenerateDataKey, Decrypt, CreateGrant], &it);
    let subset = |pairs: &[(&str, &str)]| Some(child_constraints(pairs, false));
    let equals = |pairs: &[(&str, &str)]| Some(child_constraints(pairs, true));
    let cg = |name| g(name, alice(), "kms:CreateGrant");
    vec![
        // The hole: a CreateGrant-only grant must not create a Decrypt grant.
        cg("grant_cg_only_creates_decrypt").grant(grant(ALICE, &[CreateGrant])).creating(&[Decrypt], None).denied(),
        // Some of the parent's operations: allowed, by the grant.
        cg("grant_cg_subset_of_operations")
            .grant(grant(ALICE, &[Decrypt, Encrypt, CreateGrant]))
            .creating(&[Decrypt, CreateGrant], None)
            .allow_by(AllowedBy::Grant),
        // One operation more than the parent's: refused.
        cg("grant_cg_one_operation_more")
            .grant(grant(ALICE, &[Decrypt, CreateGrant]))
            .creating(&[Decrypt, Encrypt], None)
            .implicit(KeyPolicy),
        // Two grants: the one that contains the child allows it.
        cg("grant_cg_second_parent_contains")
            .grant(grant(ALICE, &[CreateGrant]))
            .grant(grant(ALICE, &[Encrypt, CreateGrant]))
            .creating(&[Encrypt], None)
            .allow_by(AllowedBy::Grant),
        // "the child grant can add pairs to an EncryptionContextSubset constraint in the parent grant".
        cg("grant_cg_subset_adds_pairs").grant(parent()).creating(&[Decrypt], subset(&it_test)).allow(),
        // "... but it cannot remove them" (here: all of them).
        cg("grant_cg_subset_dropped").grant(parent()).creating(&[Decrypt], None).implicit(KeyPolicy),
        // ... nor change a value.
        cg("grant_cg_subset_other_value")
            .grant(parent())
            .creating(&[Decrypt], subset(&[("Department", "HR")]))
            .implicit(KeyPolicy),
        // "The child grant can change an EncryptionContextSubset constraint to an EncryptionContextEquals".
        cg("grant_cg_subset_to_equals").grant(parent()).creating(&[Decrypt, CreateGrant], equals(&it)).allow(),
        // "... but not the reverse".
        cg("grant_cg_equals_to_subset")
            .grant(grant_equals(ALICE, &[Decrypt, CreateGrant], &it))
            .creating(&[Decrypt], subset(&it))
            .implicit(KeyPolicy),
        // An equals parent: the same equals.
        cg("grant_cg_equals_kept")
            .grant(grant_equals(ALICE, &[Decrypt, CreateGrant], &it))
            .creating(&[Decrypt], equals(&it))
            .allow(),
        // A constrained parent limits operations too.
        cg("grant_cg_constrained_wider_operations")
            .grant(parent())
            .creating(&[Encrypt], subset(&it))
            .implicit(KeyPolicy),
        // "These limitations don't apply to principals who get CreateGrant permission from a policy".
        case("grant_cg_by_policy_unlimited", alice(), "kms:CreateGrant")
            .kp(kp_with_root(vec![allow(aws(ALICE), "kms:CreateGrant")]))
            .grant(grant(ALICE, &[CreateGrant]))
            .creating(&[Decrypt, Encrypt], None)
            .allow_by(AllowedBy::Policies),
        // A constrained grant that includes DescribeKey allows it: "the constraint doesn't apply".
        g("grant_constrained_describe_key", alice(), "kms:DescribeKey")
            .grant(grant_subset(ALICE, &[Decrypt, DescribeKey], &it))
            .allow_by(AllowedBy::Grant),
        // ... and RetireGrant.
        g("grant_constrained_retire_grant", alice(), "kms:RetireGrant")
            .grant(grant_equals(ALICE, &[Decrypt, RetireGrant], &it))
            .allow_by(AllowedBy::Grant),
        // A constrained grant cannot allow an operation without an encryption context.
        g("grant_constrained_sign", app(), "kms:Sign").grant(grant_subset(APP_ROLE, &[Sign], &it)).implicit(KeyPolicy),
    ]
}

fn child_constraints(pairs: &[(&str, &str)], equals: bool) -> trent_core::kms::GrantConstraints {
    let map = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    if equals {
        trent_core::kms::GrantConstraints { encryption_context_equals: Some(map), ..Default::default() }
    } else {
        trent_core::kms::GrantConstraints { encryption_context_subset: Some(map), ..Default::default() }
    }
}
