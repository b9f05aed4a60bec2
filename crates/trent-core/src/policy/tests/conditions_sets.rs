//! Multivalued keys (`ForAnyValue:`, `ForAllValues:`) and how keys, operators and values
//! combine (AND, AND, OR/NOR).

use super::{check, holds};

type Case = (&'static str, &'static str, &'static [(&'static str, &'static [&'static str])], bool);

fn run(cases: &[Case]) {
    check(cases.iter().map(|&(name, condition, ctx, expected)| (name, holds(condition, ctx), expected)));
}

const NONE: &[(&str, &[&str])] = &[];
const EMPTY_TAGS: &[(&str, &[&str])] = &[("aws:TagKeys", &[])];

#[test]
fn for_any_value() {
    run(&[
        (
            "one_in_common",
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["b","c"]}}"#,
            &[("aws:TagKeys", &["a", "b"])],
            true,
        ),
        (
            "none_in_common",
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["b","c"]}}"#,
            &[("aws:TagKeys", &["x", "y"])],
            false,
        ),
        // "a condition operator modified by ForAnyValue returns false" for a missing/empty set.
        ("missing_key", r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["b"]}}"#, NONE, false),
        ("empty_set", r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["b"]}}"#, EMPTY_TAGS, false),
        ("if_exists_missing", r#"{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["b"]}}"#, NONE, true),
        // The reference's Deny example: PutItem touching PostDateTime matches.
        (
            "doc_deny_example_hit",
            r#"{"ForAnyValue:StringLike":{"dynamodb:requestedAttributes":["ID","PostDateTime"]}}"#,
            &[("dynamodb:requestedAttributes", &["UserName", "Message", "PostDateTime"])],
            true,
        ),
        (
            "doc_deny_example_miss",
            r#"{"ForAnyValue:StringLike":{"dynamodb:requestedAttributes":["ID","PostDateTime"]}}"#,
            &[("dynamodb:requestedAttributes", &["UserName"])],
            false,
        ),
        // Per request value the negated test is "equals none of the policy values".
        (
            "negated_some_value_outside",
            r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}"#,
            &[("aws:TagKeys", &["a", "x"])],
            true,
        ),
        (
            "negated_all_values_listed",
            r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}"#,
            &[("aws:TagKeys", &["a"])],
            false,
        ),
        ("negated_missing", r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}"#, NONE, false),
        ("numeric", r#"{"ForAnyValue:NumericGreaterThan":{"aws:n":"5"}}"#, &[("aws:n", &["1", "7"])], true),
        (
            "ip",
            r#"{"ForAnyValue:IpAddress":{"aws:ips":"10.0.0.0/8"}}"#,
            &[("aws:ips", &["192.0.2.1", "10.1.2.3"])],
            true,
        ),
    ]);
}

#[test]
fn for_all_values() {
    run(&[
        (
            "subset",
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}"#,
            &[("aws:TagKeys", &["a", "b"])],
            true,
        ),
        (
            "not_subset",
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}"#,
            &[("aws:TagKeys", &["a", "d"])],
            false,
        ),
        // "It also returns true if there are no context keys in the request."
        ("missing_key", r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}"#, NONE, true),
        ("empty_set", r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}"#, EMPTY_TAGS, true),
        (
            "doc_allow_example_hit",
            r#"{"ForAllValues:StringLike":{"dynamodb:requestedAttributes":["PostDateTime","Message","Tags"]}}"#,
            &[("dynamodb:requestedAttributes", &["PostDateTime", "Message"])],
            true,
        ),
        // UserName is not in the list, so the whole set fails.
        (
            "doc_allow_example_miss",
            r#"{"ForAllValues:StringLike":{"dynamodb:requestedAttributes":["PostDateTime","Message","Tags"]}}"#,
            &[("dynamodb:requestedAttributes", &["PostDateTime", "UserName"])],
            false,
        ),
        // "Deny multivalued context key" example: every tag key must start with key1.
        (
            "not_like_one_listed",
            r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#,
            &[("aws:TagKeys", &["key1:legal"])],
            false,
        ),
        (
            "not_like_two_listed",
            r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#,
            &[("aws:TagKeys", &["key1:hr", "key1:personnel"])],
            false,
        ),
        (
            "not_like_unlisted",
            r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#,
            &[("aws:TagKeys", &["key2:audit"])],
            true,
        ),
        ("not_like_missing", r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#, NONE, true),
        (
            "not_equals_all_outside",
            r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":"a"}}"#,
            &[("aws:TagKeys", &["x", "y"])],
            true,
        ),
        (
            "not_equals_one_inside",
            r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":"a"}}"#,
            &[("aws:TagKeys", &["a", "x"])],
            false,
        ),
        ("numeric_all_below", r#"{"ForAllValues:NumericLessThan":{"aws:n":"3"}}"#, &[("aws:n", &["1", "2"])], true),
        ("numeric_one_above", r#"{"ForAllValues:NumericLessThan":{"aws:n":"3"}}"#, &[("aws:n", &["1", "5"])], false),
        (
            "ignore_case",
            r#"{"ForAllValues:StringEqualsIgnoreCase":{"aws:TagKeys":["Env","Owner"]}}"#,
            &[("aws:TagKeys", &["env", "OWNER"])],
            true,
        ),
    ]);
}

#[test]
fn plain_operators_on_several_request_values() {
    // Without a set qualifier Trent compares pairwise: a positive operator holds when any pair
    // matches, and its negation is exactly the opposite answer.
    run(&[
        ("equals_any_pair", r#"{"StringEquals":{"aws:TagKeys":"b"}}"#, &[("aws:TagKeys", &["a", "b"])], true),
        ("equals_no_pair", r#"{"StringEquals":{"aws:TagKeys":"c"}}"#, &[("aws:TagKeys", &["a", "b"])], false),
        (
            "not_equals_some_pair_matches",
            r#"{"StringNotEquals":{"aws:TagKeys":"b"}}"#,
            &[("aws:TagKeys", &["a", "b"])],
            false,
        ),
        (
            "not_equals_no_pair_matches",
            r#"{"StringNotEquals":{"aws:TagKeys":"c"}}"#,
            &[("aws:TagKeys", &["a", "b"])],
            true,
        ),
        ("empty_set_like_missing", r#"{"StringNotEquals":{"aws:TagKeys":"c"}}"#, EMPTY_TAGS, true),
        ("empty_set_positive", r#"{"StringEquals":{"aws:TagKeys":"c"}}"#, EMPTY_TAGS, false),
    ]);
}

#[test]
fn keys_operators_and_values_combine() {
    const BOTH: &[(&str, &[&str])] = &[("aws:PrincipalTag/dept", &["finance"]), ("aws:PrincipalTag/role", &["audit"])];
    const DEPT_ONLY: &[(&str, &[&str])] = &[("aws:PrincipalTag/dept", &["finance"])];
    run(&[
        // Several keys under one operator: AND.
        (
            "keys_and_both",
            r#"{"StringEquals":{"aws:PrincipalTag/dept":"finance","aws:PrincipalTag/role":"audit"}}"#,
            BOTH,
            true,
        ),
        (
            "keys_and_one_missing",
            r#"{"StringEquals":{"aws:PrincipalTag/dept":"finance","aws:PrincipalTag/role":"audit"}}"#,
            DEPT_ONLY,
            false,
        ),
        (
            "keys_and_one_wrong",
            r#"{"StringEquals":{"aws:PrincipalTag/dept":"finance","aws:PrincipalTag/role":"admin"}}"#,
            BOTH,
            false,
        ),
        // Several operators: AND.
        (
            "operators_and_both",
            r#"{"StringEquals":{"aws:PrincipalTag/dept":"finance"},"StringLike":{"aws:PrincipalTag/role":"aud*"}}"#,
            BOTH,
            true,
        ),
        (
            "operators_and_one_fails",
            r#"{"StringEquals":{"aws:PrincipalTag/dept":"finance"},"NumericLessThan":{"s3:max-keys":"10"}}"#,
            BOTH,
            false,
        ),
        // Several values for one key: OR.
        ("values_or", r#"{"StringEquals":{"aws:PrincipalTag/role":["admin","audit"]}}"#, BOTH, true),
        // The reference's diagram example: two tag keys AND'ed, each a list OR'ed, plus an ARN.
        (
            "doc_block_example",
            r#"{"StringEquals":{"aws:PrincipalTag/dept":["finance","hr","legal"],"aws:PrincipalTag/role":["audit","security"]},
                "ArnLike":{"aws:PrincipalArn":["arn:aws:iam::222222222222:user/Ana","arn:aws:iam::111122223333:user/alice"]}}"#,
            BOTH,
            true,
        ),
        ("empty_operator_block", r#"{"StringEquals":{}}"#, NONE, true),
        ("empty_condition", "{}", NONE, true),
        ("empty_value_list", r#"{"StringEquals":{"aws:PrincipalTag/dept":[]}}"#, DEPT_ONLY, false),
        // A negated operator over no values excludes nothing.
        ("empty_value_list_negated", r#"{"StringNotEquals":{"aws:PrincipalTag/dept":[]}}"#, DEPT_ONLY, true),
    ]);
}
