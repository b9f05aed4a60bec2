//! Documents the parser must accept, in every shape the grammar allows.

use super::{KEY, check, context, evaluate, policy, user};
use crate::policy::{Evaluation, Policy, PolicyKind, PrincipalMatch};

use PolicyKind::{Identity, Resource, Session, Trust};

fn accepted(kind: PolicyKind, document: &str) -> Result<(), String> {
    Policy::parse(document, kind).map(|_| ()).map_err(|e| format!("{e} ({:?})", e.kind()))
}

#[test]
fn documents_and_statements() {
    let cases: &[(&str, PolicyKind, &str)] = &[
        (
            "statement_as_object",
            Identity,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}}"#,
        ),
        (
            "statement_as_array",
            Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"},
                {"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}"#,
        ),
        (
            "version_2008",
            Identity,
            r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#,
        ),
        ("no_version", Identity, r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#),
        // The grammar lets blocks appear in any order, Version after Statement included.
        (
            "version_last",
            Identity,
            r#"{"Statement":{"Resource":"*","Action":"kms:*","Effect":"Allow"},"Version":"2012-10-17"}"#,
        ),
        (
            "id_in_key_policy",
            Resource,
            r#"{"Id":"key-default-1","Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}}"#,
        ),
        (
            "id_in_identity_policy",
            Identity,
            r#"{"Id":"Policy1","Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#,
        ),
        ("empty_statement_list", Identity, r#"{"Version":"2012-10-17","Statement":[]}"#),
        (
            "action_list",
            Identity,
            r#"{"Statement":{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}}"#,
        ),
        ("action_star", Identity, r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#),
        (
            "action_wildcard_in_vendor",
            Identity,
            r#"{"Statement":{"Effect":"Allow","Action":"*:Describe*","Resource":"*"}}"#,
        ),
        ("notaction", Identity, r#"{"Statement":{"Effect":"Deny","NotAction":"kms:Describe*","Resource":"*"}}"#),
        (
            "resource_list",
            Identity,
            r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":["arn:aws:kms:*:111122223333:key/*","arn:aws:kms:*:111122223333:alias/*"]}}"#,
        ),
        (
            "notresource",
            Session,
            r#"{"Statement":{"Effect":"Allow","Action":"kms:*","NotResource":"arn:aws:kms:*:*:key/secret"}}"#,
        ),
        (
            "trust_without_resource",
            Trust,
            r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}"#,
        ),
        // KMS key policies allow any Sid text, as the default policy's "Enable IAM User Permissions".
        (
            "key_policy_sid_with_spaces",
            Resource,
            r#"{"Statement":{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}}"#,
        ),
        (
            "identity_alphanumeric_sids",
            Identity,
            r#"{"Statement":[{"Sid":"A1","Effect":"Allow","Action":"kms:*","Resource":"*"},{"Sid":"a1","Effect":"Deny","Action":"kms:*","Resource":"*"}]}"#,
        ),
        (
            "empty_condition",
            Identity,
            r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{}}}"#,
        ),
        (
            "empty_operator_block",
            Identity,
            r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{}}}}"#,
        ),
        (
            "condition_scalars",
            Identity,
            r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true}}}}"#,
        ),
        (
            "condition_mixed_list",
            Identity,
            r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:x":["a",1,false]}}}}"#,
        ),
        // Values AWS cannot read never match, but the document is still accepted.
        (
            "unreadable_typed_values",
            Identity,
            r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"NumericEquals":{"aws:x":"ten"},"IpAddress":{"aws:SourceIp":"nowhere"}}}}"#,
        ),
        (
            "whitespace_and_unicode",
            Identity,
            "{ \"Statement\" :\n [ { \"Effect\" : \"Allow\" ,\t\"Action\":\"kms:*\", \"Resource\":\"*\", \"Condition\":{\"StringEquals\":{\"aws:PrincipalTag/équipe\":\"données\"}} } ] }",
        ),
    ];
    check(cases.iter().map(|&(name, kind, doc)| (name, accepted(kind, doc), Ok(()))));
}

#[test]
fn principal_forms() {
    let cases: &[(&str, &str)] = &[
        ("star", r#""*""#),
        ("aws_star", r#"{"AWS":"*"}"#),
        ("account_id", r#"{"AWS":"111122223333"}"#),
        ("account_root_arn", r#"{"AWS":"arn:aws:iam::111122223333:root"}"#),
        ("user", r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#),
        ("user_with_path", r#"{"AWS":"arn:aws:iam::111122223333:user/division/alice"}"#),
        ("role", r#"{"AWS":"arn:aws:iam::111122223333:role/Admin"}"#),
        ("role_with_path", r#"{"AWS":"arn:aws:iam::111122223333:role/service-role/Admin"}"#),
        ("assumed_role_session", r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/Admin/alice"}"#),
        ("federated_user_session", r#"{"AWS":"arn:aws:sts::111122223333:federated-user/bob"}"#),
        ("china_partition", r#"{"AWS":"arn:aws-cn:iam::111122223333:root"}"#),
        ("govcloud_partition", r#"{"AWS":"arn:aws-us-gov:iam::111122223333:user/alice"}"#),
        ("aws_list", r#"{"AWS":["111122223333","arn:aws:iam::444455556666:root"]}"#),
        ("service", r#"{"Service":"secretsmanager.amazonaws.com"}"#),
        ("service_list", r#"{"Service":["ecs.amazonaws.com","elasticloadbalancing.amazonaws.com"]}"#),
        ("federated_web_identity", r#"{"Federated":"cognito-identity.amazonaws.com"}"#),
        ("federated_saml", r#"{"Federated":"arn:aws:iam::111122223333:saml-provider/Okta"}"#),
        ("canonical_user", r#"{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}"#),
        ("mixed_types", r#"{"AWS":"111122223333","Service":"logs.amazonaws.com"}"#),
    ];
    let mut results = Vec::new();
    for &(name, principal) in cases {
        for (kind, field) in [(Resource, "Principal"), (Resource, "NotPrincipal"), (Trust, "Principal")] {
            let resource = if kind == Trust { "" } else { r#","Resource":"*""# };
            let doc =
                format!(r#"{{"Statement":{{"Effect":"Deny","{field}":{principal},"Action":"kms:*"{resource}}}}}"#);
            results.push((name, accepted(kind, &doc), Ok(())));
        }
    }
    check(results);
}

#[test]
fn every_operator_name_in_every_form() {
    let operators = [
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
    ];
    let mut results = Vec::new();
    for operator in operators {
        for name in [
            operator.to_owned(),
            format!("{operator}IfExists"),
            format!("ForAnyValue:{operator}"),
            format!("ForAllValues:{operator}IfExists"),
        ] {
            let doc = format!(
                r#"{{"Statement":{{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{{"{name}":{{"aws:x":"1"}}}}}}}}"#
            );
            results.push((operator, accepted(Identity, &doc), Ok(())));
        }
    }
    let null =
        r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"Null":{"aws:x":"true"}}}}"#;
    results.push(("Null", accepted(Identity, null), Ok(())));
    check(results);
}

#[test]
fn accessors_report_the_document() {
    let key_policy = policy(
        Resource,
        r#"{"Version":"2012-10-17","Id":"key-consolepolicy-3","Statement":[
            {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
            {"Effect":"Allow","Principal":"*","Action":"kms:Describe*","Resource":"*"}]}"#,
    );
    let legacy = policy(Identity, r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#);
    check([
        ("kind", format!("{:?}", key_policy.kind()), "Resource".to_owned()),
        ("id", format!("{:?}", key_policy.id()), r#"Some("key-consolepolicy-3")"#.to_owned()),
        ("variables_2012", key_policy.supports_variables().to_string(), "true".to_owned()),
        ("variables_absent_version", legacy.supports_variables().to_string(), "false".to_owned()),
        (
            "sids_in_order",
            format!("{:?}", key_policy.statement_ids().collect::<Vec<_>>()),
            r#"[Some("Enable IAM User Permissions"), None]"#.to_owned(),
        ),
        ("no_id", format!("{:?}", legacy.id()), "None".to_owned()),
    ]);
    // A parsed policy is a value: a clone evaluates as the original does (the account
    // statement delegates to alice's account).
    let clone = key_policy.clone();
    let ctx = context(&[]);
    let expected = Evaluation { explicit_deny: false, allow: Some(PrincipalMatch::Account) };
    check([
        ("original_evaluates", evaluate(&key_policy, &user("alice"), "kms:Encrypt", KEY, &ctx), expected),
        ("clone_evaluates_alike", evaluate(&clone, &user("alice"), "kms:Encrypt", KEY, &ctx), expected),
    ]);
}
