//! The encryption-context condition keys of AWS KMS: `kms:EncryptionContext:<key>` (pairs,
//! single-valued) and `kms:EncryptionContextKeys` (keys, multivalued), with the string,
//! negated, set and `Null` operators applied to them.

use serde_json::{Value, json};
use trent_core::kms::decide::PolicySource::KeyPolicy;

use super::dsl::{Case, case};
use super::policies::*;

pub(crate) fn cases() -> Vec<Case> {
    let mut v = encryption_context();
    v.extend(context_keys());
    v
}

/// A key policy letting the `App` role `action` under `condition`, nothing else.
fn app_kp(action: impl Into<Value>, condition: Value) -> Value {
    doc(vec![when(allow(aws(APP_ROLE), action), condition)])
}

fn encryption_context() -> Vec<Case> {
    let app_name = app_kp("kms:Decrypt", json!({"StringEquals": {"kms:EncryptionContext:AppName": "ExampleApp"}}));
    let two = app_kp(
        "kms:Decrypt",
        json!({"StringEquals": {"kms:EncryptionContext:Department": "IT", "kms:EncryptionContext:Project": "Alpha"}}),
    );
    let either = doc(vec![
        when(
            allow(aws(APP_ROLE), "kms:GenerateDataKey"),
            json!({"StringEquals": {"kms:EncryptionContext:Department": "IT"}}),
        ),
        when(
            allow(aws(APP_ROLE), "kms:GenerateDataKey"),
            json!({"StringEquals": {"kms:EncryptionContext:Project": "Alpha"}}),
        ),
    ]);
    let stage = doc(vec![
        allow(aws(APP_ROLE), "kms:GenerateDataKey"),
        when(
            deny(aws(APP_ROLE), "kms:GenerateDataKey"),
            json!({"StringEquals": {"kms:EncryptionContext:Stage": ["Restricted", "Production"]}}),
        ),
    ]);
    let tenant_guard = kp_with_root(vec![when(
        deny(json!("*"), "kms:Decrypt"),
        json!({"StringNotEquals": {"kms:EncryptionContext:tenant": "acme"}}),
    )]);
    let like = app_kp("kms:Encrypt", json!({"StringLike": {"kms:EncryptionContext:tenant": "acme-*"}}));
    let by_user = kp_only(ALICE, "kms:Encrypt");
    let own_name = doc(vec![when(
        allow(aws(vec![ALICE, APP_ROLE]), "kms:Decrypt"),
        json!({"StringEquals": {"kms:EncryptionContext:user": "${aws:username}"}}),
    )]);
    vec![
        // [KMS-COND] "allows ... only when the encryption context in the request includes the AppName:ExampleApp pair".
        case("ec_exact_pair", app(), "kms:Decrypt").kp(app_name.clone()).ec(&[("AppName", "ExampleApp")]).allow(),
        // [KMS-COND] "Other encryption context pairs are permitted."
        case("ec_extra_pairs", app(), "kms:Decrypt")
            .kp(app_name.clone())
            .ec(&[("AppName", "ExampleApp"), ("Project", "Alpha")])
            .allow(),
        // [COND-OP] the pair's key is absent: the key is not in the request context, the condition is false.
        case("ec_missing_key", app(), "kms:Decrypt")
            .kp(app_name.clone())
            .ec(&[("Project", "Alpha")])
            .implicit(KeyPolicy),
        // [COND-OP] no encryption context at all.
        case("ec_none", app(), "kms:Decrypt").kp(app_name.clone()).implicit(KeyPolicy),
        // [KMS-COND] "The StringEquals condition requires that ExampleApp be capitalized as it is specified."
        case("ec_value_case", app(), "kms:Decrypt").kp(app_name).ec(&[("AppName", "exampleapp")]).implicit(KeyPolicy),
        // [KMS-COND] "the condition key ... is not case sensitive": kms:EncryptionContext:Appname matches AppName.
        case("ec_key_name_case", app(), "kms:Decrypt")
            .kp(app_kp("kms:Decrypt", json!({"StringEquals": {"kms:EncryptionContext:Appname": "ExampleApp"}})))
            .ec(&[("AppName", "ExampleApp")])
            .allow(),
        // [KMS-COND] two condition keys "are implicitly connected by an AND operator": both present.
        case("ec_two_pairs_both", app(), "kms:Decrypt")
            .kp(two.clone())
            .ec(&[("Department", "IT"), ("Project", "Alpha")])
            .allow(),
        // [KMS-COND] ... one missing.
        case("ec_two_pairs_one", app(), "kms:Decrypt").kp(two).ec(&[("Department", "IT")]).implicit(KeyPolicy),
        // [KMS-COND] "To require one encryption context pair OR another pair", use separate statements.
        case("ec_either_statement", app(), "kms:GenerateDataKey")
            .kp(either.clone())
            .ec(&[("Project", "Alpha")])
            .allow(),
        // [KMS-COND] ... neither pair.
        case("ec_either_neither", app(), "kms:GenerateDataKey")
            .kp(either)
            .ec(&[("Project", "Beta")])
            .implicit(KeyPolicy),
        // [KMS-COND] values of one key "are implicitly connected by a OR": Stage=Production is denied.
        case("ec_deny_production", app(), "kms:GenerateDataKey")
            .kp(stage.clone())
            .ec(&[("Stage", "Production")])
            .explicit(KeyPolicy),
        // [KMS-COND] "This condition allows a request with ... Stage=Test."
        case("ec_deny_other_stage", app(), "kms:GenerateDataKey").kp(stage.clone()).ec(&[("Stage", "Test")]).allow(),
        // [COND-OP] no Stage key: StringEquals is false, the deny does not apply.
        case("ec_deny_no_context", app(), "kms:GenerateDataKey").kp(stage).allow(),
        // [COND-OP] StringNotEquals on another tenant: the deny applies.
        case("ec_not_equals_other_tenant", alice(), "kms:Decrypt")
            .kp(tenant_guard.clone())
            .iam(iam("kms:*", "*"))
            .ec(&[("tenant", "globex")])
            .explicit(KeyPolicy),
        // [COND-OP] a negated operator and "the right key is not present, the condition is true".
        case("ec_not_equals_missing", alice(), "kms:Decrypt")
            .kp(tenant_guard.clone())
            .iam(iam("kms:*", "*"))
            .explicit(KeyPolicy),
        // [COND-OP] the right tenant: the deny does not apply.
        case("ec_not_equals_same_tenant", alice(), "kms:Decrypt")
            .kp(tenant_guard)
            .iam(iam("kms:*", "*"))
            .ec(&[("tenant", "acme")])
            .allow(),
        // [COND-OP] StringLike with "*".
        case("ec_like_match", app(), "kms:Encrypt").kp(like.clone()).ec(&[("tenant", "acme-eu")]).allow(),
        // [COND-OP] StringLike no match.
        case("ec_like_no_match", app(), "kms:Encrypt").kp(like).ec(&[("tenant", "globex")]).implicit(KeyPolicy),
        // [KP] no condition: any encryption context is fine.
        case("ec_unconditioned", alice(), "kms:Encrypt").kp(by_user).ec(&[("anything", "goes")]).allow(),
        // [KMS-COND] "${aws:username}" resolves to the caller's user name: alice encrypting her own data.
        case("ec_variable_own_name", alice(), "kms:Decrypt").kp(own_name.clone()).ec(&[("user", "alice")]).allow(),
        // [KMS-COND] ... not bob's.
        case("ec_variable_other_name", alice(), "kms:Decrypt")
            .kp(own_name.clone())
            .ec(&[("user", "bob")])
            .implicit(KeyPolicy),
        // [VARS] aws:username is absent for role sessions: the variable cannot resolve, no match.
        case("ec_variable_session_no_username", app(), "kms:Decrypt")
            .kp(own_name)
            .ec(&[("user", "i-0abc")])
            .implicit(KeyPolicy),
        // [VARS] without Version 2012-10-17 "${aws:username}" is literal text.
        case("ec_variable_old_version_literal", alice(), "kms:Decrypt")
            .kp(json!({"Statement": [when(allow(aws(ALICE), "kms:Decrypt"),
                json!({"StringEquals": {"kms:EncryptionContext:user": "${aws:username}"}}))]}))
            .ec(&[("user", "alice")])
            .implicit(KeyPolicy),
    ]
}

fn context_keys() -> Vec<Case> {
    let only_app_name = app_kp(
        "kms:GenerateDataKey",
        json!({"StringEquals": {"kms:EncryptionContext:AppName": "ExampleApp"},
               "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["AppName"]}}),
    );
    let all_alone =
        app_kp("kms:Encrypt", json!({"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["AppName"]}}));
    let any = app_kp("kms:Encrypt", json!({"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "AppName"}}));
    let any_ci =
        app_kp("kms:Encrypt", json!({"ForAnyValue:StringEqualsIgnoreCase": {"kms:EncryptionContextKeys": "appname"}}));
    let required = app_kp("kms:Encrypt", json!({"Null": {"kms:EncryptionContextKeys": false}}));
    let no_secret = kp_with_root(vec![when(
        deny(json!("*"), "kms:*"),
        json!({"ForAnyValue:StringLike": {"kms:EncryptionContextKeys": "secret*"}}),
    )]);
    let no_key_named_secret =
        app_kp("kms:Encrypt", json!({"ForAllValues:StringNotEquals": {"kms:EncryptionContextKeys": "secret"}}));
    let not_like = kp_with_root(vec![when(
        deny(json!("*"), "kms:Decrypt"),
        json!({"StringNotLike": {"kms:EncryptionContext:tenant": "acme-*"}}),
    )]);
    let not_equals_ci = kp_with_root(vec![when(
        deny(json!("*"), "kms:Decrypt"),
        json!({"StringNotEqualsIgnoreCase": {"kms:EncryptionContext:tenant": "acme"}}),
    )]);
    let must_have = kp_with_root(vec![when(
        deny(json!("*"), "kms:Encrypt"),
        json!({"Null": {"kms:EncryptionContextKeys": "true"}}),
    )]);
    vec![
        // [KMS-COND] require AppName=ExampleApp and forbid other keys: exactly that pair.
        case("ec_keys_exact_set", app(), "kms:GenerateDataKey")
            .kp(only_app_name.clone())
            .ec(&[("AppName", "ExampleApp")])
            .allow(),
        // [KMS-COND] ForAllValues "forbids unspecified encryption context keys".
        case("ec_keys_extra_key", app(), "kms:GenerateDataKey")
            .kp(only_app_name.clone())
            .ec(&[("AppName", "ExampleApp"), ("Project", "Alpha")])
            .implicit(KeyPolicy),
        // [KMS-COND] "if the request had no encryption context, the kms:EncryptionContext:AppName condition would fail"
        case("ec_keys_none_with_pair", app(), "kms:GenerateDataKey").kp(only_app_name).implicit(KeyPolicy),
        // [KMS-COND] ForAllValues alone "would allow requests with no encryption context".
        case("ec_keys_forall_no_context", app(), "kms:Encrypt").kp(all_alone.clone()).allow(),
        // [MULTI] ForAllValues: every request key must be in the policy's set.
        case("ec_keys_forall_subset", app(), "kms:Encrypt").kp(all_alone.clone()).ec(&[("AppName", "x")]).allow(),
        // [MULTI] ... one key outside the set.
        case("ec_keys_forall_outside", app(), "kms:Encrypt")
            .kp(all_alone)
            .ec(&[("AppName", "x"), ("Other", "y")])
            .implicit(KeyPolicy),
        // [KMS-COND] ForAnyValue allows "two encryption context pairs, AppName=Helper and Project=Alpha".
        case("ec_keys_any_match", app(), "kms:Encrypt")
            .kp(any.clone())
            .ec(&[("AppName", "Helper"), ("Project", "Alpha")])
            .allow(),
        // [KMS-COND] "A request with only Project=Alpha ... would fail."
        case("ec_keys_any_no_match", app(), "kms:Encrypt")
            .kp(any.clone())
            .ec(&[("Project", "Alpha")])
            .implicit(KeyPolicy),
        // [KMS-COND] "... or with no encryption context would fail."
        case("ec_keys_any_no_context", app(), "kms:Encrypt").kp(any.clone()).implicit(KeyPolicy),
        // [KMS-COND] StringEquals "requires the spelling and case of the encryption context key".
        case("ec_keys_any_case", app(), "kms:Encrypt").kp(any).ec(&[("appname", "Helper")]).implicit(KeyPolicy),
        // [KMS-COND] "a condition operator that ignores the case of the key, such as StringEqualsIgnoreCase".
        case("ec_keys_any_ignore_case", app(), "kms:Encrypt").kp(any_ci).ec(&[("APPNAME", "Helper")]).allow(),
        // [KMS-COND] Null false: "allow access ... only when encryption context in the API request is not null".
        case("ec_keys_null_false_present", app(), "kms:Encrypt").kp(required.clone()).ec(&[("k", "v")]).allow(),
        // [COND-OP] Null false with the key absent.
        case("ec_keys_null_false_absent", app(), "kms:Encrypt").kp(required).implicit(KeyPolicy),
        // [COND-OP] Null true in a Deny: a request without context is refused.
        case("ec_keys_null_true_deny", alice(), "kms:Encrypt")
            .kp(must_have.clone())
            .iam(iam("kms:*", "*"))
            .explicit(KeyPolicy),
        // [COND-OP] ... one with context is not.
        case("ec_keys_null_true_present", alice(), "kms:Encrypt")
            .kp(must_have)
            .iam(iam("kms:*", "*"))
            .ec(&[("k", "v")])
            .allow(),
        // [MULTI] ForAnyValue:StringLike in a Deny: any key starting "secret" is refused.
        case("ec_keys_deny_any_like", alice(), "kms:Encrypt")
            .kp(no_secret.clone())
            .iam(iam("kms:*", "*"))
            .ec(&[("team", "a"), ("secret-id", "b")])
            .explicit(KeyPolicy),
        // [MULTI] ForAnyValue with no context is false: the deny does not apply.
        case("ec_keys_deny_any_like_absent", alice(), "kms:Encrypt").kp(no_secret).iam(iam("kms:*", "*")).allow(),
        // [MULTI] ForAllValues with a negated operator: no request key may be "secret".
        case("ec_keys_all_not_equals_clean", app(), "kms:Encrypt")
            .kp(no_key_named_secret.clone())
            .ec(&[("team", "a")])
            .allow(),
        // [MULTI] ... one key is "secret".
        case("ec_keys_all_not_equals_secret", app(), "kms:Encrypt")
            .kp(no_key_named_secret.clone())
            .ec(&[("team", "a"), ("secret", "b")])
            .implicit(KeyPolicy),
        // [MULTI] ForAllValues on no context is true.
        case("ec_keys_all_not_equals_none", app(), "kms:Encrypt").kp(no_key_named_secret).allow(),
        // [COND-OP] StringNotLike in a Deny: a tenant outside "acme-*" is refused.
        case("ec_not_like_outside", alice(), "kms:Decrypt")
            .kp(not_like.clone())
            .iam(iam("kms:*", "*"))
            .ec(&[("tenant", "globex-eu")])
            .explicit(KeyPolicy),
        // [COND-OP] ... inside it the deny does not apply.
        case("ec_not_like_inside", alice(), "kms:Decrypt")
            .kp(not_like)
            .iam(iam("kms:*", "*"))
            .ec(&[("tenant", "acme-eu")])
            .allow(),
        // [COND-OP] StringNotEqualsIgnoreCase: "ACME" equals "acme" ignoring case, so the deny does not apply.
        case("ec_not_equals_ignore_case", alice(), "kms:Decrypt")
            .kp(not_equals_ci)
            .iam(iam("kms:*", "*"))
            .ec(&[("tenant", "ACME")])
            .allow(),
    ]
}
