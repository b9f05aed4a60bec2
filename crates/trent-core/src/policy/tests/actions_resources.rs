//! `Action`/`NotAction` and `Resource`/`NotResource` matching, and the two public matchers.

use super::{KEY, check, context, evaluate, policy, user};
use crate::policy::{PolicyKind, action_matches, arn_like};

#[test]
fn action_patterns() {
    let cases: &[(&str, &str, &str, bool)] = &[
        ("exact", "kms:Encrypt", "kms:Encrypt", true),
        // "prefixes and action names are case insensitive".
        ("pattern_case_ignored", "KMS:ENCRYPT", "kms:Encrypt", true),
        ("action_case_ignored", "kms:Encrypt", "KMS:encrypt", true),
        ("service_wildcard", "kms:*", "kms:GenerateDataKey", true),
        ("everything", "*", "secretsmanager:GetSecretValue", true),
        ("prefix_wildcard", "kms:Re*", "kms:ReEncryptFrom", true),
        ("prefix_wildcard_miss", "kms:Re*", "kms:Encrypt", false),
        ("suffix_wildcard", "kms:*crypt", "kms:Decrypt", true),
        ("inner_wildcard", "kms:*Key*", "kms:CreateKey", true),
        ("question_one_char", "kms:?ncrypt", "kms:Encrypt", true),
        // `?` needs exactly one character.
        ("question_needs_a_char", "kms:Encrypt?", "kms:Encrypt", false),
        ("question_not_two_chars", "kms:?crypt", "kms:Encrypt", false),
        ("other_service", "s3:*", "kms:Encrypt", false),
        ("no_prefix_match_without_star", "kms:Encrypt", "kms:EncryptX", false),
        ("no_suffix_match_without_star", "kms:Encrypt", "kms:ReEncrypt", false),
        ("get_is_not_generate", "kms:Get*", "kms:GenerateDataKey", false),
        ("wildcard_vendor", "*:Describe*", "kms:DescribeKey", true),
        ("several_stars", "k*s:*En*t", "kms:ReEncrypt", true),
        ("star_cannot_skip_mismatch", "kms:*Key", "kms:KeyRotation", false),
        ("empty_action", "kms:*", "", false),
    ];
    check(cases.iter().map(|&(name, pattern, action, expected)| (name, action_matches(pattern, action), expected)));
}

#[test]
fn action_clauses_in_statements() {
    let allow = |clause: &str| {
        policy(
            PolicyKind::Identity,
            &format!(r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow",{clause},"Resource":"*"}}}}"#),
        )
    };
    let ctx = context(&[]);
    let cases: &[(&str, &str, &str, bool)] = &[
        ("list_any_member", r#""Action":["kms:Decrypt","kms:Encrypt"]"#, "kms:Encrypt", true),
        ("list_no_member", r#""Action":["kms:Decrypt","kms:Sign"]"#, "kms:Encrypt", false),
        ("notaction_other_action", r#""NotAction":"kms:Decrypt""#, "kms:Encrypt", true),
        ("notaction_listed_action", r#""NotAction":"kms:Decrypt""#, "kms:Decrypt", false),
        // NotAction compares case-insensitively too, so it cannot be dodged by spelling.
        ("notaction_listed_other_case", r#""NotAction":"kms:Decrypt""#, "KMS:DECRYPT", false),
        ("notaction_wildcard", r#""NotAction":"kms:*""#, "kms:Encrypt", false),
        ("notaction_other_service", r#""NotAction":"kms:*""#, "s3:GetObject", true),
        ("notaction_list", r#""NotAction":["kms:Decrypt","kms:Encrypt"]"#, "kms:Encrypt", false),
        ("notaction_star_matches_nothing", r#""NotAction":"*""#, "kms:Encrypt", false),
    ];
    check(cases.iter().map(|&(name, clause, action, expected)| {
        (name, evaluate(&allow(clause), &user("alice"), action, KEY, &ctx).is_allowed(), expected)
    }));
}

#[test]
fn resource_clauses_in_statements() {
    let allow = |clause: &str| {
        policy(
            PolicyKind::Identity,
            &format!(r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"kms:*",{clause}}}}}"#),
        )
    };
    let key = |id: &str| format!("arn:aws:kms:us-east-1:111122223333:key/{id}");
    let ctx = context(&[]);
    let cases: Vec<(&str, &str, String, bool)> = vec![
        ("exact_arn", r#""Resource":"arn:aws:kms:us-east-1:111122223333:key/abc""#, key("abc"), true),
        ("star", r#""Resource":"*""#, key("abc"), true),
        ("key_wildcard", r#""Resource":"arn:aws:kms:us-east-1:111122223333:key/*""#, key("abc"), true),
        // Resource ARNs are case-sensitive.
        ("case_sensitive", r#""Resource":"arn:aws:kms:us-east-1:111122223333:key/ABC""#, key("abc"), false),
        ("question_mark", r#""Resource":"arn:aws:kms:us-east-1:111122223333:key/a?c""#, key("abc"), true),
        ("question_mark_length", r#""Resource":"arn:aws:kms:us-east-1:111122223333:key/a?c""#, key("abbc"), false),
        // A trailing `*` runs across colons.
        ("star_crosses_colons", r#""Resource":"arn:aws:kms:*""#, key("abc"), true),
        ("any_region", r#""Resource":"arn:aws:kms:*:111122223333:key/*""#, key("abc"), true),
        ("alias_is_not_key", r#""Resource":"arn:aws:kms:us-east-1:111122223333:alias/*""#, key("abc"), false),
        ("other_account", r#""Resource":"arn:aws:kms:us-east-1:444455556666:key/*""#, key("abc"), false),
        ("no_prefix_match", r#""Resource":"arn:aws:kms:us-east-1:111122223333:key/ab""#, key("abc"), false),
        ("list_any_member", r#""Resource":["arn:aws:s3:::b","arn:aws:kms:*:*:key/abc"]"#, key("abc"), true),
        ("notresource_other", r#""NotResource":"arn:aws:kms:us-east-1:111122223333:key/secret""#, key("abc"), true),
        (
            "notresource_listed",
            r#""NotResource":"arn:aws:kms:us-east-1:111122223333:key/secret""#,
            key("secret"),
            false,
        ),
        ("notresource_wildcard", r#""NotResource":"arn:aws:kms:*:*:key/*""#, key("abc"), false),
        ("notresource_list", r#""NotResource":["arn:aws:s3:::*","arn:aws:kms:*:*:key/abc"]"#, key("abc"), false),
        ("notresource_star", r#""NotResource":"*""#, key("abc"), false),
    ];
    check(cases.into_iter().map(|(name, clause, resource, expected)| {
        (name, evaluate(&allow(clause), &user("alice"), "kms:Encrypt", &resource, &ctx).is_allowed(), expected)
    }));
}

#[test]
fn arn_like_compares_component_by_component() {
    let cases: &[(&str, &str, &str, bool)] = &[
        ("exact", "arn:aws:kms:us-east-1:111122223333:key/abc", "arn:aws:kms:us-east-1:111122223333:key/abc", true),
        ("region_wildcard", "arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:eu-west-1:111122223333:key/abc", true),
        // The IAM reference's own example: StringLike would match, ArnLike must not, because the
        // first `*` may only cover the region component.
        (
            "star_stays_in_component",
            "arn:aws:someservice:*:111122223333:finance/*",
            "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
            false,
        ),
        ("resource_keeps_colons", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b:c", true),
        ("empty_region_component", "arn:aws:iam::111122223333:role/*", "arn:aws:iam::111122223333:role/Admin", true),
        (
            "empty_component_needs_empty",
            "arn:aws:iam::111122223333:role/*",
            "arn:aws:iam:us-east-1:111122223333:role/A",
            false,
        ),
        (
            "question_in_component",
            "arn:aws:kms:us-east-?:111122223333:key/*",
            "arn:aws:kms:us-east-1:111122223333:key/k",
            true,
        ),
        ("case_sensitive", "arn:aws:iam::111122223333:user/Alice", "arn:aws:iam::111122223333:user/alice", false),
        ("pattern_too_short", "arn:aws:s3", "arn:aws:s3:::bucket", false),
        // A lone `*` is not an ARN pattern: it has one component, not six.
        ("lone_star", "*", "arn:aws:s3:::bucket", false),
        ("value_not_an_arn", "arn:aws:s3:::*", "bucket", false),
        ("account_mismatch", "arn:aws:kms:*:111122223333:*", "arn:aws:kms:us-east-1:444455556666:key/k", false),
    ];
    check(cases.iter().map(|&(name, pattern, arn, expected)| (name, arn_like(pattern, arn), expected)));
}
