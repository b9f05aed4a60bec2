//! The other AWS KMS condition keys: calling service, key properties, encryption
//! algorithm, aliases, and the grant keys of `CreateGrant`.

use serde_json::{Value, json};
use trent_core::kms::decide::PolicySource::{Identity, KeyPolicy};

use super::dsl::{Case, KEY, case};
use super::policies::*;

/// The calling-service, key-property, algorithm and alias cases.
pub(crate) fn cases() -> Vec<Case> {
    other_keys()
}

/// A key policy letting the `App` role `action` under `condition`, nothing else.
fn app_kp(action: impl Into<Value>, condition: Value) -> Value {
    doc(vec![when(allow(aws(APP_ROLE), action), condition)])
}

fn other_keys() -> Vec<Case> {
    let ebs = doc(vec![when(
        allow(json!({"AWS": "*"}), USE_ACTIONS.to_vec()),
        json!({"StringEquals": {"kms:CallerAccount": "111122223333", "kms:ViaService": "ec2.us-east-1.amazonaws.com"}}),
    )]);
    let only_via_sm = doc(vec![
        iam_allow("kms:*", "*"),
        when(
            iam_deny("kms:Decrypt", "*"),
            json!({"StringNotEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}),
        ),
    ]);
    let via_like = app_kp("kms:Decrypt", json!({"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}}));
    let symmetric = doc(vec![when(
        iam_allow(vec!["kms:Encrypt", "kms:Decrypt"], "arn:aws:kms:us-east-1:111122223333:key/*"),
        json!({"StringEquals": {"kms:KeySpec": "SYMMETRIC_DEFAULT"}}),
    )]);
    let signing = doc(vec![when(iam_allow("kms:Sign", "*"), json!({"StringEquals": {"kms:KeyUsage": "SIGN_VERIFY"}}))]);
    let no_external =
        kp_with_root(vec![when(deny(json!("*"), "kms:*"), json!({"StringEquals": {"kms:KeyOrigin": "EXTERNAL"}}))]);
    let algorithm = kp_with_root(vec![
        allow(aws(APP_ROLE), "kms:Decrypt"),
        when(
            deny(aws(APP_ROLE), "kms:Decrypt"),
            json!({"StringNotEquals": {"kms:EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}}),
        ),
    ]);
    let via_alias = app_kp("kms:Encrypt", json!({"StringEquals": {"kms:RequestAlias": "alias/finance-key"}}));
    let any_alias =
        app_kp("kms:Decrypt", json!({"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/finance-key"}}));
    let all_alias =
        app_kp("kms:Decrypt", json!({"ForAllValues:StringLike": {"kms:ResourceAliases": "alias/finance-*"}}));
    let legacy = kp_with_root(vec![when(
        deny(json!("*"), "kms:*"),
        json!({"StringLike": {"kms:RequestAlias": "alias/legacy-*"}}),
    )]);
    vec![
        // [KMS-COND] the EBS key policy: same account, through EC2.
        case("via_service_match", bob(), "kms:Decrypt")
            .kp(ebs.clone())
            .ctx("kms:ViaService", "ec2.us-east-1.amazonaws.com")
            .allow(),
        // [COND-OP] a direct call carries no kms:ViaService: StringEquals is false.
        case("via_service_direct", bob(), "kms:Decrypt").kp(ebs.clone()).implicit(KeyPolicy),
        // [KMS-COND] through another service.
        case("via_service_other", bob(), "kms:Decrypt")
            .kp(ebs.clone())
            .ctx("kms:ViaService", "s3.us-east-1.amazonaws.com")
            .implicit(KeyPolicy),
        // [KMS-COND] kms:CallerAccount is the other account's: no match even through EC2.
        case("via_service_other_account", carol(), "kms:Decrypt")
            .kp(ebs)
            .iam(iam("kms:*", "*"))
            .ctx("kms:ViaService", "ec2.us-east-1.amazonaws.com")
            .implicit(KeyPolicy),
        // [COND-OP] StringNotEquals in an identity Deny: a direct call (key absent) is denied.
        case("via_service_deny_direct", alice(), "kms:Decrypt").iam(only_via_sm.clone()).explicit(Identity),
        // [COND-OP] ... through Secrets Manager the deny does not apply.
        case("via_service_deny_through_sm", alice(), "kms:Decrypt")
            .iam(only_via_sm)
            .ctx("kms:ViaService", "secretsmanager.us-east-1.amazonaws.com")
            .allow(),
        // [COND-OP] StringLike on the service name.
        case("via_service_like", app(), "kms:Decrypt")
            .kp(via_like)
            .ctx("kms:ViaService", "secretsmanager.eu-west-1.amazonaws.com")
            .allow(),
        // [KMS-COND] kms:KeySpec as a resource condition: a symmetric key.
        case("key_spec_symmetric", alice(), "kms:Encrypt")
            .iam(symmetric.clone())
            .ctx("kms:KeySpec", "SYMMETRIC_DEFAULT")
            .allow(),
        // [KMS-COND] ... an RSA key is not.
        case("key_spec_rsa", alice(), "kms:Encrypt").iam(symmetric).ctx("kms:KeySpec", "RSA_2048").implicit(Identity),
        // [KMS-COND] kms:KeyUsage SIGN_VERIFY.
        case("key_usage_sign", alice(), "kms:Sign").iam(signing.clone()).ctx("kms:KeyUsage", "SIGN_VERIFY").allow(),
        // [KMS-COND] ... an ENCRYPT_DECRYPT key.
        case("key_usage_encrypt_key", alice(), "kms:Sign")
            .iam(signing)
            .ctx("kms:KeyUsage", "ENCRYPT_DECRYPT")
            .implicit(Identity),
        // [KMS-COND] kms:KeyOrigin EXTERNAL denied in the key policy.
        case("key_origin_external_denied", alice(), "kms:Encrypt")
            .kp(no_external.clone())
            .iam(iam("kms:*", "*"))
            .ctx("kms:KeyOrigin", "EXTERNAL")
            .explicit(KeyPolicy),
        // [KMS-COND] ... an AWS_KMS key is not.
        case("key_origin_aws_kms", alice(), "kms:Encrypt")
            .kp(no_external)
            .iam(iam("kms:*", "*"))
            .ctx("kms:KeyOrigin", "AWS_KMS")
            .allow(),
        // [KMS-COND] "prohibits ... unless the encryption algorithm in the request is RSAES_OAEP_SHA_256".
        case("algorithm_other_denied", app(), "kms:Decrypt")
            .kp(algorithm.clone())
            .ctx("kms:EncryptionAlgorithm", "RSAES_OAEP_SHA_1")
            .explicit(KeyPolicy),
        // [KMS-COND] ... the required algorithm.
        case("algorithm_required", app(), "kms:Decrypt")
            .kp(algorithm)
            .ctx("kms:EncryptionAlgorithm", "RSAES_OAEP_SHA_256")
            .allow(),
        // [KMS-COND] kms:RequestAlias: the request names the key by that alias.
        case("request_alias_match", app(), "kms:Encrypt")
            .kp(via_alias.clone())
            .ctx("kms:RequestAlias", "alias/finance-key")
            .allow(),
        // [KMS-COND] by key id: no kms:RequestAlias in the request.
        case("request_alias_by_key_id", app(), "kms:Encrypt").kp(via_alias.clone()).implicit(KeyPolicy),
        // [KMS-COND] by another alias.
        case("request_alias_other", app(), "kms:Encrypt")
            .kp(via_alias)
            .ctx("kms:RequestAlias", "alias/other")
            .implicit(KeyPolicy),
        // [COND-OP] StringLike in a Deny on legacy aliases.
        case("request_alias_legacy_denied", alice(), "kms:Encrypt")
            .kp(legacy)
            .iam(iam("kms:*", "*"))
            .ctx("kms:RequestAlias", "alias/legacy-app")
            .explicit(KeyPolicy),
        // [KMS-COND] kms:ResourceAliases is multivalued: ForAnyValue, one alias matches.
        case("resource_aliases_any", app(), "kms:Decrypt")
            .kp(any_alias.clone())
            .ctx_all("kms:ResourceAliases", &["alias/other", "alias/finance-key"])
            .allow(),
        // [MULTI] ForAnyValue, none matches.
        case("resource_aliases_any_none", app(), "kms:Decrypt")
            .kp(any_alias.clone())
            .ctx_all("kms:ResourceAliases", &["alias/other"])
            .implicit(KeyPolicy),
        // [MULTI] ForAnyValue on a key without aliases (empty set): false.
        case("resource_aliases_any_no_alias", app(), "kms:Decrypt").kp(any_alias).implicit(KeyPolicy),
        // [MULTI] ForAllValues: one alias outside the pattern.
        case("resource_aliases_all_outside", app(), "kms:Decrypt")
            .kp(all_alias.clone())
            .ctx_all("kms:ResourceAliases", &["alias/finance-a", "alias/hr"])
            .implicit(KeyPolicy),
        // [MULTI] ForAllValues: every alias matches.
        case("resource_aliases_all_inside", app(), "kms:Decrypt")
            .kp(all_alias.clone())
            .ctx_all("kms:ResourceAliases", &["alias/finance-a", "alias/finance-b"])
            .allow(),
        // [MULTI] ForAllValues "returns true if there are no keys in the request".
        case("resource_aliases_all_no_alias", app(), "kms:Decrypt").kp(all_alias).allow(),
    ]
}

/// Grant-related condition keys on `CreateGrant`.
pub(crate) fn grant_keys() -> Vec<Case> {
    let for_all =
        kp_only_when(json!({"ForAllValues:StringEquals": {"kms:GrantOperations": ["Encrypt", "ReEncryptTo"]}}));
    let for_any =
        kp_only_when(json!({"ForAnyValue:StringEquals": {"kms:GrantOperations": ["Encrypt", "ReEncryptTo"]}}));
    let grantee = kp_only_when(
        json!({"StringEquals": {"kms:GranteePrincipal": "arn:aws:iam::111122223333:role/LimitedAdminRole"}}),
    );
    let constraint = kp_only_when(json!({"StringEquals": {"kms:GrantConstraintType": "EncryptionContextEquals"}}));
    vec![
        // [KMS-COND] ForAllValues: grants "only when the grant operations are Encrypt, ReEncryptTo, or both".
        case("grant_ops_all_inside", alice(), "kms:CreateGrant")
            .kp(for_all.clone())
            .ctx_all("kms:GrantOperations", &["Encrypt"])
            .allow(),
        // [KMS-COND] "If the grant includes any other operations, the CreateGrant request fails."
        case("grant_ops_all_outside", alice(), "kms:CreateGrant")
            .kp(for_all)
            .ctx_all("kms:GrantOperations", &["Encrypt", "Decrypt"])
            .implicit(KeyPolicy),
        // [KMS-COND] ForAnyValue: one is Encrypt or ReEncryptTo, "but it would allow other grant operations".
        case("grant_ops_any_one", alice(), "kms:CreateGrant")
            .kp(for_any.clone())
            .ctx_all("kms:GrantOperations", &["Encrypt", "Decrypt"])
            .allow(),
        // [MULTI] ForAnyValue, no listed operation.
        case("grant_ops_any_none", alice(), "kms:CreateGrant")
            .kp(for_any)
            .ctx_all("kms:GrantOperations", &["Decrypt"])
            .implicit(KeyPolicy),
        // [KMS-COND] kms:GranteePrincipal: only for LimitedAdminRole.
        case("grantee_principal_match", alice(), "kms:CreateGrant")
            .kp(grantee.clone())
            .ctx("kms:GranteePrincipal", "arn:aws:iam::111122223333:role/LimitedAdminRole")
            .allow(),
        // [KMS-COND] ... another grantee.
        case("grantee_principal_other", alice(), "kms:CreateGrant")
            .kp(grantee)
            .ctx("kms:GranteePrincipal", BOB)
            .implicit(KeyPolicy),
        // [KMS-COND] kms:GrantConstraintType.
        case("grant_constraint_type", alice(), "kms:CreateGrant")
            .kp(constraint.clone())
            .ctx("kms:GrantConstraintType", "EncryptionContextEquals")
            .allow(),
        // [COND-OP] no constraint in the request: the key is absent.
        case("grant_constraint_type_absent", alice(), "kms:CreateGrant").kp(constraint).implicit(KeyPolicy),
        // [KMS-COND] `"kms:GrantIsForAWSResource": true` written as a JSON Boolean in an identity policy.
        case("grant_for_aws_resource_iam", alice(), "kms:CreateGrant")
            .iam(doc(vec![when(
                iam_allow("kms:CreateGrant", KEY),
                json!({"Bool": {"kms:GrantIsForAWSResource": true}}),
            )]))
            .ctx("kms:GrantIsForAWSResource", "true")
            .allow(),
    ]
}

fn kp_only_when(condition: Value) -> Value {
    doc(vec![when(allow(aws(ALICE), "kms:CreateGrant"), condition)])
}
