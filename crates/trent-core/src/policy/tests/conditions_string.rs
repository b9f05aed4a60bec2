//! String, ARN and Null operators; missing keys; `...IfExists`; keys the principal implies.

use super::{KEY, check, condition_policy, context, evaluate, holds, root, session, user};
use crate::policy::RequestPrincipal;

type Case = (&'static str, &'static str, &'static [(&'static str, &'static [&'static str])], bool);

fn run(cases: &[Case]) {
    check(cases.iter().map(|&(name, condition, ctx, expected)| (name, holds(condition, ctx), expected)));
}

const DEPT_FINANCE: &[(&str, &[&str])] = &[("aws:PrincipalTag/dept", &["finance"])];
const NONE: &[(&str, &[&str])] = &[];

#[test]
fn string_equality() {
    run(&[
        ("equals_match", r#"{"StringEquals":{"aws:PrincipalTag/dept":"finance"}}"#, DEPT_FINANCE, true),
        ("equals_case_sensitive", r#"{"StringEquals":{"aws:PrincipalTag/dept":"Finance"}}"#, DEPT_FINANCE, false),
        ("equals_missing_key", r#"{"StringEquals":{"aws:PrincipalTag/dept":"finance"}}"#, NONE, false),
        ("equals_second_value", r#"{"StringEquals":{"aws:PrincipalTag/dept":["hr","finance"]}}"#, DEPT_FINANCE, true),
        ("equals_no_value", r#"{"StringEquals":{"aws:PrincipalTag/dept":["hr","it"]}}"#, DEPT_FINANCE, false),
        // StringEquals has no wildcards: `*` is a character like any other.
        ("equals_star_is_literal", r#"{"StringEquals":{"aws:PrincipalTag/dept":"*"}}"#, DEPT_FINANCE, false),
        (
            "equals_literal_star",
            r#"{"StringEquals":{"aws:PrincipalTag/dept":"*"}}"#,
            &[("aws:PrincipalTag/dept", &["*"])],
            true,
        ),
        // Condition key names are case-insensitive; values are not.
        ("key_name_case", r#"{"StringEquals":{"AWS:PRINCIPALTAG/DEPT":"finance"}}"#, DEPT_FINANCE, true),
        ("number_value", r#"{"StringEquals":{"kms:GrantCount":10}}"#, &[("kms:GrantCount", &["10"])], true),
        ("bool_value", r#"{"StringEquals":{"aws:x":true}}"#, &[("aws:x", &["true"])], true),
        ("empty_string", r#"{"StringEquals":{"aws:x":""}}"#, &[("aws:x", &[""])], true),
        ("not_equals_other", r#"{"StringNotEquals":{"aws:PrincipalTag/dept":"hr"}}"#, DEPT_FINANCE, true),
        ("not_equals_same", r#"{"StringNotEquals":{"aws:PrincipalTag/dept":"finance"}}"#, DEPT_FINANCE, false),
        // "If the policy condition requires that the key is not matched ... and the right key is
        // not present, the condition is true."
        ("not_equals_missing_key", r#"{"StringNotEquals":{"aws:PrincipalTag/dept":"finance"}}"#, NONE, true),
        // Several values of a negated operator are NOR'ed: matching any one makes it false.
        (
            "not_equals_nor_hit",
            r#"{"StringNotEquals":{"aws:PrincipalTag/dept":["hr","finance"]}}"#,
            DEPT_FINANCE,
            false,
        ),
        ("not_equals_nor_miss", r#"{"StringNotEquals":{"aws:PrincipalTag/dept":["hr","it"]}}"#, DEPT_FINANCE, true),
        ("ignore_case_match", r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/dept":"FINANCE"}}"#, DEPT_FINANCE, true),
        ("ignore_case_request_upper", r#"{"StringEqualsIgnoreCase":{"aws:x":"abc"}}"#, &[("aws:x", &["AbC"])], true),
        ("ignore_case_mismatch", r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/dept":"hr"}}"#, DEPT_FINANCE, false),
        ("ignore_case_missing", r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/dept":"hr"}}"#, NONE, false),
        (
            "not_ignore_case_same",
            r#"{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/dept":"FINANCE"}}"#,
            DEPT_FINANCE,
            false,
        ),
        (
            "not_ignore_case_other",
            r#"{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/dept":"HR"}}"#,
            DEPT_FINANCE,
            true,
        ),
        ("not_ignore_case_missing", r#"{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/dept":"HR"}}"#, NONE, true),
    ]);
}

#[test]
fn string_like() {
    run(&[
        ("like_prefix", r#"{"StringLike":{"s3:prefix":"home/*"}}"#, &[("s3:prefix", &["home/alice/x"])], true),
        ("like_prefix_miss", r#"{"StringLike":{"s3:prefix":"home/*"}}"#, &[("s3:prefix", &["work/alice"])], false),
        ("like_question", r#"{"StringLike":{"aws:x":"a?c"}}"#, &[("aws:x", &["abc"])], true),
        ("like_question_needs_char", r#"{"StringLike":{"aws:x":"a?c"}}"#, &[("aws:x", &["ac"])], false),
        ("like_case_sensitive", r#"{"StringLike":{"aws:x":"A*"}}"#, &[("aws:x", &["abc"])], false),
        ("like_star_matches_empty", r#"{"StringLike":{"aws:x":"*"}}"#, &[("aws:x", &[""])], true),
        ("like_missing_key", r#"{"StringLike":{"aws:x":"*"}}"#, NONE, false),
        ("like_middle", r#"{"StringLike":{"aws:x":"t1.*"}}"#, &[("aws:x", &["t1.micro"])], true),
        // StringLike lets `*` run across colons, where ArnLike would not (IAM reference example).
        (
            "like_crosses_colons",
            r#"{"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}"#,
            &[(
                "aws:SourceArn",
                &["arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"],
            )],
            true,
        ),
        ("not_like_other", r#"{"StringNotLike":{"aws:x":"abc*"}}"#, &[("aws:x", &["xyz"])], true),
        ("not_like_match", r#"{"StringNotLike":{"aws:x":"abc*"}}"#, &[("aws:x", &["abcd"])], false),
        ("not_like_missing", r#"{"StringNotLike":{"aws:x":"abc*"}}"#, NONE, true),
        ("not_like_nor", r#"{"StringNotLike":{"aws:x":["q*","ab*"]}}"#, &[("aws:x", &["abcd"])], false),
    ]);
}

#[test]
fn if_exists() {
    run(&[
        ("missing_is_true", r#"{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}"#, NONE, true),
        (
            "present_match",
            r#"{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*"]}}"#,
            &[("ec2:InstanceType", &["t2.small"])],
            true,
        ),
        (
            "present_mismatch",
            r#"{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*"]}}"#,
            &[("ec2:InstanceType", &["m5.large"])],
            false,
        ),
        ("negated_missing", r#"{"StringNotEqualsIfExists":{"aws:x":"a"}}"#, NONE, true),
        ("negated_present_same", r#"{"StringNotEqualsIfExists":{"aws:x":"a"}}"#, &[("aws:x", &["a"])], false),
        ("numeric_missing", r#"{"NumericLessThanIfExists":{"s3:max-keys":"10"}}"#, NONE, true),
        (
            "numeric_present_too_big",
            r#"{"NumericLessThanIfExists":{"s3:max-keys":"10"}}"#,
            &[("s3:max-keys", &["11"])],
            false,
        ),
        // IfExists only forgives the key it is attached to.
        (
            "other_key_still_required",
            r#"{"StringEqualsIfExists":{"aws:x":"a"},"StringEquals":{"aws:y":"b"}}"#,
            NONE,
            false,
        ),
    ]);
}

#[test]
fn arn_operators() {
    const ROLE: &[(&str, &[&str])] = &[("aws:SourceArn", &["arn:aws:iam::111122223333:role/Admin"])];
    run(&[
        ("equals_exact", r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:iam::111122223333:role/Admin"}}"#, ROLE, true),
        // "The ArnEquals and ArnLike condition operators behave identically": wildcards in both.
        ("equals_has_wildcards", r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:iam::*:role/*"}}"#, ROLE, true),
        ("like_account_wildcard", r#"{"ArnLike":{"aws:SourceArn":"arn:aws:iam::*:role/Admin"}}"#, ROLE, true),
        ("like_other_role", r#"{"ArnLike":{"aws:SourceArn":"arn:aws:iam::*:role/Ops*"}}"#, ROLE, false),
        ("like_case_sensitive", r#"{"ArnLike":{"aws:SourceArn":"arn:aws:iam::*:role/admin"}}"#, ROLE, false),
        (
            "like_component_bound",
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}"#,
            &[(
                "aws:SourceArn",
                &["arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"],
            )],
            false,
        ),
        (
            "like_value_not_arn",
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:iam::*:role/*"}}"#,
            &[("aws:SourceArn", &["Admin"])],
            false,
        ),
        ("like_missing", r#"{"ArnLike":{"aws:SourceArn":"arn:aws:iam::*:role/*"}}"#, NONE, false),
        ("not_like_other", r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:iam::*:user/*"}}"#, ROLE, true),
        ("not_like_same", r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:iam::*:role/*"}}"#, ROLE, false),
        ("not_like_missing", r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:iam::*:role/*"}}"#, NONE, true),
        ("not_equals_other", r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:iam::111122223333:role/Ops"}}"#, ROLE, true),
        (
            "not_equals_same",
            r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:iam::111122223333:role/Admin"}}"#,
            ROLE,
            false,
        ),
        // A negated operator on a value that is not an ARN: it matches no pattern, so it holds.
        (
            "not_like_value_not_arn",
            r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:iam::*:role/*"}}"#,
            &[("aws:SourceArn", &["Admin"])],
            true,
        ),
    ]);
}

#[test]
fn null_checks_presence() {
    run(&[
        ("true_when_absent", r#"{"Null":{"aws:TokenIssueTime":"true"}}"#, NONE, true),
        (
            "true_when_present",
            r#"{"Null":{"aws:TokenIssueTime":"true"}}"#,
            &[("aws:TokenIssueTime", &["2024-01-01T00:00:00Z"])],
            false,
        ),
        (
            "false_when_present",
            r#"{"Null":{"aws:TokenIssueTime":"false"}}"#,
            &[("aws:TokenIssueTime", &["2024-01-01T00:00:00Z"])],
            true,
        ),
        ("false_when_absent", r#"{"Null":{"aws:TokenIssueTime":"false"}}"#, NONE, false),
        ("value_case_ignored", r#"{"Null":{"aws:x":"TRUE"}}"#, NONE, true),
        ("json_bool_value", r#"{"Null":{"aws:x":false}}"#, &[("aws:x", &["v"])], true),
        // An empty multivalued key is "an empty data set": null.
        ("empty_set_is_null", r#"{"Null":{"aws:TagKeys":"true"}}"#, &[("aws:TagKeys", &[])], true),
        ("unreadable_value_never_matches", r#"{"Null":{"aws:x":"maybe"}}"#, NONE, false),
    ]);
}

#[test]
fn keys_the_principal_implies() {
    let on = |condition: &str, caller: &RequestPrincipal| {
        evaluate(&condition_policy(condition), caller, "kms:Encrypt", KEY, &context(&[])).is_allowed()
    };
    let role = session("Admin", "s1");
    check([
        ("username_user", on(r#"{"StringEquals":{"aws:username":"alice"}}"#, &user("alice")), true),
        // aws:username is not present for the root user or role sessions.
        ("username_root_absent", on(r#"{"Null":{"aws:username":"true"}}"#, &root("111122223333")), true),
        ("username_role_absent", on(r#"{"StringLike":{"aws:username":"*"}}"#, &role), false),
        ("userid_user", on(r#"{"StringEquals":{"aws:userid":"AIDAALICE"}}"#, &user("alice")), true),
        ("userid_session", on(r#"{"StringLike":{"aws:userid":"AROA*:s1"}}"#, &role), true),
        // For a role session aws:PrincipalArn is the role's ARN, not the session's.
        (
            "principal_arn_role",
            on(r#"{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/Admin"}}"#, &role),
            true,
        ),
        (
            "principal_arn_user",
            on(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/alice"}}"#, &user("alice")),
            true,
        ),
        ("principal_account", on(r#"{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#, &role), true),
        ("principal_type_role", on(r#"{"StringEquals":{"aws:PrincipalType":"AssumedRole"}}"#, &role), true),
        ("principal_type_root", on(r#"{"StringEquals":{"aws:PrincipalType":"Account"}}"#, &root("111122223333")), true),
        (
            "anonymous_has_none",
            on(r#"{"Null":{"aws:userid":"true","aws:PrincipalArn":"true"}}"#, &RequestPrincipal::anonymous()),
            true,
        ),
        (
            "service_has_no_account",
            on(r#"{"Null":{"aws:PrincipalAccount":"true"}}"#, &RequestPrincipal::service("logs.amazonaws.com")),
            true,
        ),
    ]);
    // A value the service layer put in the context wins over the derived one.
    let ctx = context(&[("aws:username", &["override"])]);
    let overridden = evaluate(
        &condition_policy(r#"{"StringEquals":{"aws:username":"override"}}"#),
        &user("alice"),
        "kms:Encrypt",
        KEY,
        &ctx,
    );
    check([("context_overrides_derived", overridden.is_allowed(), true)]);
}
