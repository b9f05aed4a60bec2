//! Documents the parser must refuse, each with the exact `MalformedPolicyDocument` text.

use super::check;
use crate::policy::{Policy, PolicyKind};

use PolicyKind::{Identity, Resource, Session, Trust};

const SYNTAX: &str = "Syntax errors in policy.";
const ACTIONS: &str = "Policy statement must contain actions.";
const RESOURCES: &str = "Policy statement must contain resources.";
const NO_PRINCIPAL: &str = "Policy document should not specify a principal.";
const MISSING_PRINCIPAL: &str = "Missing required field Principal";
const VENDOR: &str = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
const INVALID_PRINCIPAL: &str = "Invalid principal in policy";

/// A statement body for each kind that is valid apart from what a case adds or removes.
fn statement(kind: PolicyKind, body: &str) -> String {
    let principal = match kind {
        Resource | Trust => r#""Principal":{"AWS":"111122223333"},"#,
        Identity | Session => "",
    };
    format!(r#"{{"Version":"2012-10-17","Statement":[{{{principal}{body}}}]}}"#)
}

const ALLOW_ALL: &str = r#""Effect":"Allow","Action":"kms:*","Resource":"*""#;

fn refused(kind: PolicyKind, document: &str) -> String {
    match Policy::parse(document, kind) {
        Ok(_) => "accepted".to_owned(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn documents_that_are_not_policies() {
    let cases: &[(&str, &str, &str)] = &[
        ("not_json", "{", SYNTAX),
        ("empty_text", "", SYNTAX),
        ("whitespace_only", "  \n ", SYNTAX),
        ("trailing_garbage", r#"{"Statement":[]} x"#, SYNTAX),
        ("top_level_array", "[]", SYNTAX),
        ("top_level_string", r#""policy""#, SYNTAX),
        ("missing_statement", r#"{"Version":"2012-10-17"}"#, "Missing required field Statement"),
        ("unknown_version", r#"{"Version":"2013-01-01","Statement":[]}"#, SYNTAX),
        ("version_as_number", r#"{"Version":20121017,"Statement":[]}"#, SYNTAX),
        ("unknown_top_level_field", r#"{"Statement":[],"Comment":"x"}"#, SYNTAX),
        // Element names are case-sensitive: "statement" is an unknown field, not Statement.
        ("lowercase_statement", r#"{"statement":[]}"#, SYNTAX),
        // The grammar forbids repeated keys; serde_json alone would keep the last one.
        ("duplicate_top_level_key", r#"{"Statement":[],"Statement":[]}"#, SYNTAX),
        ("statement_is_string", r#"{"Statement":"Allow"}"#, SYNTAX),
        ("statement_holds_string", r#"{"Statement":["Allow"]}"#, SYNTAX),
        ("id_is_number", r#"{"Id":7,"Statement":[]}"#, SYNTAX),
        ("deeply_nested", &format!("{}{}", "[".repeat(200), "]".repeat(200)), SYNTAX),
    ];
    check(cases.iter().map(|&(name, doc, expected)| (name, refused(Identity, doc), expected.to_owned())));
}

#[test]
fn statements_with_bad_elements() {
    let cases: &[(&str, PolicyKind, &str, &str)] = &[
        ("unknown_statement_field", Identity, r#""Effect":"Allow","Action":"kms:*","Resources":"*""#, SYNTAX),
        ("lowercase_action_field", Identity, r#""Effect":"Allow","action":"kms:*","Resource":"*""#, SYNTAX),
        ("duplicate_effect", Identity, r#""Effect":"Deny","Effect":"Allow","Action":"kms:*","Resource":"*""#, SYNTAX),
        ("missing_effect", Identity, r#""Action":"kms:*","Resource":"*""#, "Missing required field Effect"),
        // Effect values are case-sensitive; IAM answers this sentence for "allow".
        (
            "lowercase_effect",
            Identity,
            r#""Effect":"allow","Action":"kms:*","Resource":"*""#,
            "The policy failed legacy parsing",
        ),
        ("effect_is_bool", Identity, r#""Effect":true,"Action":"kms:*","Resource":"*""#, SYNTAX),
        ("missing_action", Identity, r#""Effect":"Allow","Resource":"*""#, ACTIONS),
        ("empty_action_list", Identity, r#""Effect":"Allow","Action":[],"Resource":"*""#, ACTIONS),
        ("empty_notaction_list", Identity, r#""Effect":"Allow","NotAction":[],"Resource":"*""#, ACTIONS),
        (
            "action_and_notaction",
            Identity,
            r#""Effect":"Allow","Action":"kms:*","NotAction":"kms:Decrypt","Resource":"*""#,
            SYNTAX,
        ),
        ("action_is_object", Identity, r#""Effect":"Allow","Action":{"kms":"*"},"Resource":"*""#, SYNTAX),
        ("action_list_with_number", Identity, r#""Effect":"Allow","Action":["kms:*",1],"Resource":"*""#, SYNTAX),
        ("action_without_vendor", Identity, r#""Effect":"Allow","Action":"Encrypt","Resource":"*""#, VENDOR),
        ("action_without_name", Identity, r#""Effect":"Allow","Action":"kms:","Resource":"*""#, VENDOR),
        ("action_without_service", Identity, r#""Effect":"Allow","Action":":Encrypt","Resource":"*""#, VENDOR),
        ("identity_missing_resource", Identity, r#""Effect":"Allow","Action":"kms:*""#, RESOURCES),
        ("session_missing_resource", Session, r#""Effect":"Allow","Action":"kms:*""#, RESOURCES),
        ("key_policy_missing_resource", Resource, r#""Effect":"Allow","Action":"kms:*""#, RESOURCES),
        ("empty_resource_list", Identity, r#""Effect":"Allow","Action":"kms:*","Resource":[]"#, RESOURCES),
        (
            "resource_and_notresource",
            Identity,
            r#""Effect":"Allow","Action":"kms:*","Resource":"*","NotResource":"*""#,
            SYNTAX,
        ),
        ("resource_is_number", Identity, r#""Effect":"Allow","Action":"kms:*","Resource":5"#, SYNTAX),
        (
            "resource_not_an_arn",
            Identity,
            r#""Effect":"Allow","Action":"kms:*","Resource":"my-bucket""#,
            r#"Resource my-bucket must be in ARN format or "*"."#,
        ),
        // Trust policies name who may assume the role, never a resource.
        ("trust_with_resource", Trust, ALLOW_ALL, "Has prohibited field Resource"),
        (
            "trust_with_notresource",
            Trust,
            r#""Effect":"Allow","Action":"sts:AssumeRole","NotResource":"*""#,
            "Has prohibited field NotResource",
        ),
        ("sid_is_number", Identity, r#""Sid":1,"Effect":"Allow","Action":"kms:*","Resource":"*""#, SYNTAX),
        // IAM-managed policies restrict Sid to [0-9A-Za-z]; KMS key policies do not.
        (
            "identity_sid_with_space",
            Identity,
            r#""Sid":"Allow all","Effect":"Allow","Action":"kms:*","Resource":"*""#,
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
        ),
        (
            "trust_sid_with_dash",
            Trust,
            r#""Sid":"trust-ec2","Effect":"Allow","Action":"sts:AssumeRole""#,
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
        ),
    ];
    check(
        cases
            .iter()
            .map(|&(name, kind, body, expected)| (name, refused(kind, &statement(kind, body)), expected.to_owned())),
    );
}

#[test]
fn principals_where_they_do_not_belong_or_are_malformed() {
    let with_principal = |principal: &str| {
        format!(r#"{{"Statement":{{"Effect":"Allow","Principal":{principal},"Action":"kms:*","Resource":"*"}}}}"#)
    };
    let cases: &[(&str, PolicyKind, String, &str)] = &[
        ("identity_with_principal", Identity, with_principal(r#"{"AWS":"111122223333"}"#), NO_PRINCIPAL),
        (
            "identity_with_notprincipal",
            Identity,
            r#"{"Statement":{"Effect":"Deny","NotPrincipal":"*","Action":"kms:*","Resource":"*"}}"#.to_owned(),
            NO_PRINCIPAL,
        ),
        ("session_with_principal", Session, with_principal(r#""*""#), NO_PRINCIPAL),
        (
            "key_policy_without_principal",
            Resource,
            r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#.to_owned(),
            MISSING_PRINCIPAL,
        ),
        (
            "trust_without_principal",
            Trust,
            r#"{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}"#.to_owned(),
            MISSING_PRINCIPAL,
        ),
        (
            "principal_and_notprincipal",
            Resource,
            r#"{"Statement":{"Effect":"Deny","Principal":"*","NotPrincipal":"*","Action":"kms:*","Resource":"*"}}"#
                .to_owned(),
            SYNTAX,
        ),
        // A bare string must be "*"; an account goes in a map under "AWS".
        ("bare_account_string", Resource, with_principal(r#""111122223333""#), INVALID_PRINCIPAL),
        ("principal_is_list", Resource, with_principal(r#"["*"]"#), INVALID_PRINCIPAL),
        ("empty_principal_map", Resource, with_principal("{}"), INVALID_PRINCIPAL),
    ];
    check(cases.iter().map(|(name, kind, doc, expected)| (*name, refused(*kind, doc), (*expected).to_owned())));
}

#[test]
fn principal_values_that_name_nobody() {
    // Each value goes under the given principal type of a key policy's statement.
    let cases: &[(&str, &str, &str)] = &[
        ("not_an_arn", "AWS", "alice"),
        ("eleven_digit_account", "AWS", "11112222333"),
        ("thirteen_digit_account", "AWS", "1111222233334"),
        // "You cannot use a wildcard to match part of a principal name or ARN."
        ("wildcard_user", "AWS", "arn:aws:iam::111122223333:user/*"),
        ("wildcard_account_in_arn", "AWS", "arn:aws:iam::*:root"),
        ("wildcard_session", "AWS", "arn:aws:sts::111122223333:assumed-role/Admin/*"),
        ("s3_arn", "AWS", "arn:aws:s3:::bucket"),
        ("kms_key_arn", "AWS", "arn:aws:kms:us-east-1:111122223333:key/abc"),
        ("iam_group", "AWS", "arn:aws:iam::111122223333:group/Admins"),
        ("role_without_name", "AWS", "arn:aws:iam::111122223333:role/"),
        ("user_without_name", "AWS", "arn:aws:iam::111122223333:user"),
        ("assumed_role_without_session", "AWS", "arn:aws:sts::111122223333:assumed-role/Admin"),
        ("federated_user_without_name", "AWS", "arn:aws:sts::111122223333:federated-user/"),
        ("iam_arn_with_region", "AWS", "arn:aws:iam:us-east-1:111122223333:root"),
        ("arn_with_space", "AWS", "arn:aws:iam::111122223333:user/a b"),
        ("uppercase_partition", "AWS", "arn:AWS:iam::111122223333:root"),
        ("service_wildcard", "Service", "*"),
        ("empty_service", "Service", ""),
        ("unknown_principal_type", "Group", "Admins"),
    ];
    check(cases.iter().map(|&(name, kind, value)| {
        let doc = format!(
            r#"{{"Statement":{{"Effect":"Allow","Principal":{{"{kind}":"{value}"}},"Action":"kms:*","Resource":"*"}}}}"#
        );
        (name, refused(Resource, &doc), format!(r#"{INVALID_PRINCIPAL}: "{kind}":"{value}""#))
    }));
}

#[test]
fn conditions_and_sids_that_do_not_parse() {
    let with_condition = |condition: &str| {
        format!(r#"{{"Statement":{{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{condition}}}}}"#)
    };
    let cases: &[(&str, String, &str)] = &[
        (
            "unknown_operator",
            with_condition(r#"{"StringEqualz":{"aws:x":"a"}}"#),
            "Invalid Condition type : StringEqualz",
        ),
        // "You can add IfExists to the end of any condition operator name except the Null condition".
        (
            "null_if_exists",
            with_condition(r#"{"NullIfExists":{"aws:x":"true"}}"#),
            "Invalid Condition type : NullIfExists",
        ),
        (
            "lowercase_operator",
            with_condition(r#"{"stringequals":{"aws:x":"a"}}"#),
            "Invalid Condition type : stringequals",
        ),
        (
            "unknown_set_qualifier",
            with_condition(r#"{"ForSomeValues:StringEquals":{"aws:x":"a"}}"#),
            "Invalid Condition type : ForSomeValues:StringEquals",
        ),
        (
            "qualifier_after_operator",
            with_condition(r#"{"StringEqualsIfExists:ForAnyValue":{"aws:x":"a"}}"#),
            "Invalid Condition type : StringEqualsIfExists:ForAnyValue",
        ),
        ("key_without_vendor", with_condition(r#"{"IpAddress":{"SourceIp":"10.0.0.0/8"}}"#), VENDOR),
        ("condition_is_list", with_condition("[]"), SYNTAX),
        ("operator_block_is_string", with_condition(r#"{"StringEquals":"a"}"#), SYNTAX),
        ("value_is_object", with_condition(r#"{"StringEquals":{"aws:x":{"a":"b"}}}"#), SYNTAX),
        ("value_is_null", with_condition(r#"{"StringEquals":{"aws:x":null}}"#), SYNTAX),
        ("value_list_holds_list", with_condition(r#"{"StringEquals":{"aws:x":[["a"]]}}"#), SYNTAX),
        ("duplicate_key_in_operator", with_condition(r#"{"StringEquals":{"aws:x":"a","aws:x":"b"}}"#), SYNTAX),
        (
            "duplicate_sid",
            r#"{"Statement":[{"Sid":"One","Effect":"Allow","Action":"kms:*","Resource":"*"},
                             {"Sid":"One","Effect":"Deny","Action":"kms:*","Resource":"*"}]}"#
                .to_owned(),
            "Statement IDs (SID) in a single policy must be unique.",
        ),
    ];
    check(cases.iter().map(|(name, doc, expected)| (*name, refused(Identity, doc), (*expected).to_owned())));
}

#[test]
fn errors_expose_their_kind() {
    use crate::policy::PolicyErrorKind;
    let cases: Vec<(&str, bool)> = vec![
        ("syntax", matches!(kind_of(Identity, "{"), Some(PolicyErrorKind::Syntax(_)))),
        (
            "missing_principal",
            matches!(
                kind_of(Resource, r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#),
                Some(PolicyErrorKind::MissingPrincipal)
            ),
        ),
        (
            "invalid_effect_keeps_value",
            kind_of(Identity, r#"{"Statement":{"Effect":"Permit","Action":"kms:*","Resource":"*"}}"#)
                == Some(PolicyErrorKind::InvalidEffect("Permit".to_owned())),
        ),
    ];
    check(cases.into_iter().map(|(name, ok)| (name, ok, true)));
}

fn kind_of(kind: PolicyKind, document: &str) -> Option<crate::policy::PolicyErrorKind> {
    Policy::parse(document, kind).err().map(|e| e.kind().clone())
}

/// Regression: a key policy with two statements of the same `Sid` was refused, so the key policy
/// AWS attaches to `alias/aws/secretsmanager` (which has such a pair) made its key unusable.
#[test]
fn key_policies_may_repeat_a_sid() {
    let doc = r#"{"Statement":[
        {"Sid":"Same","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Encrypt","Resource":"*"},
        {"Sid":"Same","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*"}]}"#;
    assert!(Policy::parse(doc, Resource).is_ok());
    assert!(Policy::parse(doc, Identity).is_err(), "IAM still refuses it");
}
