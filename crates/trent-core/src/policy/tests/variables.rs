//! Policy variables in `Resource` and condition values.

use super::{check, context, evaluate, holds, policy, root, session, user};
use crate::policy::{PolicyKind, RequestPrincipal};

const BUCKET: &str = "arn:aws:s3:::amzn-s3-demo-bucket";

/// Whether an identity policy of `version` allowing `s3:GetObject` on `resource` lets
/// `caller` read `object` (a path in the bucket), with context `pairs`.
fn reads(
    version: Option<&str>,
    resource: &str,
    caller: &RequestPrincipal,
    object: &str,
    pairs: &[(&str, &[&str])],
) -> bool {
    let version = version.map(|v| format!(r#""Version":"{v}","#)).unwrap_or_default();
    let doc =
        format!(r#"{{{version}"Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"{resource}"}}}}"#);
    let policy = policy(PolicyKind::Identity, &doc);
    evaluate(&policy, caller, "s3:GetObject", &format!("{BUCKET}/{object}"), &context(pairs)).is_allowed()
}

const V2012: Option<&str> = Some("2012-10-17");
const HOME: &str = "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*";

#[test]
fn variables_in_resources() {
    let alice = user("alice");
    let tagged = [("aws:PrincipalTag/team", &["blue"][..])];
    check([
        ("username_own_home", reads(V2012, HOME, &alice, "home/alice/notes", &[]), true),
        ("username_other_home", reads(V2012, HOME, &alice, "home/bob/notes", &[]), false),
        // Under 2008-10-17, or with no Version, variables are literal text.
        ("v2008_is_literal", reads(Some("2008-10-17"), HOME, &alice, "home/alice/notes", &[]), false),
        ("v2008_matches_literally", reads(Some("2008-10-17"), HOME, &alice, "home/${aws:username}/notes", &[]), true),
        ("no_version_is_literal", reads(None, HOME, &alice, "home/alice/notes", &[]), false),
        // A role session has no aws:username: the resource cannot match.
        ("unresolved_never_matches", reads(V2012, HOME, &session("Admin", "alice"), "home/alice/notes", &[]), false),
        (
            "unresolved_no_literal_match",
            reads(V2012, HOME, &session("Admin", "s"), "home/${aws:username}/x", &[]),
            false,
        ),
        ("userid", reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/${aws:userid}/*", &alice, "AIDAALICE/x", &[]), true),
        (
            "principal_tag",
            reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team}/*", &alice, "blue/x", &tagged),
            true,
        ),
        (
            "principal_tag_other",
            reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team}/*", &alice, "red/x", &tagged),
            false,
        ),
        // Variable names are case-insensitive like every key name.
        (
            "variable_name_case",
            reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/${AWS:PrincipalTAG/TEAM}/*", &alice, "blue/x", &tagged),
            true,
        ),
        (
            "any_context_key",
            reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/${s3:prefix}", &alice, "docs", &[("s3:prefix", &["docs"])]),
            true,
        ),
        // "You can't use a variable to replace parts of the ARN before the fifth colon."
        (
            "no_variables_before_fifth_colon",
            // Substituting the empty region would match; left literal, it cannot.
            reads(
                V2012,
                "arn:aws:s3:${aws:RequestedRegion}::amzn-s3-demo-bucket/*",
                &alice,
                "x",
                &[("aws:RequestedRegion", &[""])],
            ),
            false,
        ),
        // A multivalued key cannot be a variable.
        (
            "multivalued_key_unresolved",
            reads(
                V2012,
                "arn:aws:s3:::amzn-s3-demo-bucket/${aws:TagKeys}",
                &alice,
                "a",
                &[("aws:TagKeys", &["a", "b"])],
            ),
            false,
        ),
        // Substituted text is literal: a tag value of "*" is not a wildcard.
        (
            "value_star_is_literal",
            reads(
                V2012,
                "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team}",
                &alice,
                "red",
                &[("aws:PrincipalTag/team", &["*"])],
            ),
            false,
        ),
        (
            "value_star_matches_star",
            reads(
                V2012,
                "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team}",
                &alice,
                "*",
                &[("aws:PrincipalTag/team", &["*"])],
            ),
            true,
        ),
        (
            "unterminated_is_literal",
            reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username", &alice, "${aws:username", &[]),
            true,
        ),
    ]);
}

#[test]
fn defaults_and_escapes() {
    let anonymous = RequestPrincipal::anonymous();
    let alice = user("alice");
    check([
        // "anonymous users will not populate the ${aws:userid} variable. You can set the default
        // value to anonymous for those users."
        (
            "default_used",
            reads(
                V2012,
                "arn:aws:s3:::amzn-s3-demo-bucket/${aws:userid, 'anonymous'}/*",
                &anonymous,
                "anonymous/x",
                &[],
            ),
            true,
        ),
        (
            "default_not_used_when_present",
            reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/${aws:userid, 'anonymous'}/*", &alice, "anonymous/x", &[]),
            false,
        ),
        (
            "value_wins_over_default",
            reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/${aws:userid, 'anonymous'}/*", &alice, "AIDAALICE/x", &[]),
            true,
        ),
        (
            "default_for_multivalued",
            reads(
                V2012,
                "arn:aws:s3:::amzn-s3-demo-bucket/${aws:TagKeys, 'none'}",
                &alice,
                "none",
                &[("aws:TagKeys", &["a", "b"])],
            ),
            true,
        ),
        (
            "default_with_doubled_quote",
            reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/${aws:x, 'it''s'}", &alice, "it's", &[]),
            true,
        ),
        (
            "default_is_literal",
            reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/${aws:x, '*'}", &alice, "anything", &[]),
            false,
        ),
        ("star_escape", reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/a${*}b", &alice, "a*b", &[]), true),
        (
            "star_escape_not_wildcard",
            reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/a${*}b", &alice, "axyb", &[]),
            false,
        ),
        ("question_escape", reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/why${?}", &alice, "why?", &[]), true),
        (
            "question_escape_not_wildcard",
            reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/why${?}", &alice, "whyX", &[]),
            false,
        ),
        (
            "dollar_escape",
            reads(V2012, "arn:aws:s3:::amzn-s3-demo-bucket/${$}{aws:username}", &alice, "${aws:username}", &[]),
            true,
        ),
        (
            "escapes_literal_in_2008",
            reads(Some("2008-10-17"), "arn:aws:s3:::amzn-s3-demo-bucket/a${*}b", &alice, "a${xyz}b", &[]),
            true,
        ),
    ]);
}

#[test]
fn variables_in_conditions() {
    const ALICE_PREFIX: &[(&str, &[&str])] = &[("s3:prefix", &["home/alice/"])];
    check([
        ("string_equals", holds(r#"{"StringEquals":{"s3:prefix":"home/${aws:username}/"}}"#, ALICE_PREFIX), true),
        (
            "string_like",
            holds(
                r#"{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/*"]}}"#,
                &[("s3:prefix", &["home/alice/docs"])],
            ),
            true,
        ),
        (
            "string_like_other_user",
            holds(r#"{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}"#, &[("s3:prefix", &["home/bob/docs"])]),
            false,
        ),
        (
            "ignore_case",
            holds(
                r#"{"StringEqualsIgnoreCase":{"aws:x":"${aws:PrincipalTag/code}"}}"#,
                &[("aws:x", &["abc"]), ("aws:PrincipalTag/code", &["ABC"])],
            ),
            true,
        ),
        ("arn_like", holds(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/${aws:username}"}}"#, &[]), true),
        (
            "bool",
            holds(
                r#"{"Bool":{"aws:SecureTransport":"${aws:PrincipalTag/secure}"}}"#,
                &[("aws:SecureTransport", &["true"]), ("aws:PrincipalTag/secure", &["true"])],
            ),
            true,
        ),
        // Variables are not substituted for Numeric operators: "${...}" is no number.
        (
            "numeric_not_substituted",
            holds(
                r#"{"NumericEquals":{"s3:max-keys":"${aws:PrincipalTag/n}"}}"#,
                &[("s3:max-keys", &["5"]), ("aws:PrincipalTag/n", &["5"])],
            ),
            false,
        ),
        (
            "unresolved_positive",
            holds(r#"{"StringEquals":{"aws:x":"${aws:PrincipalTag/missing}"}}"#, &[("aws:x", &["v"])]),
            false,
        ),
        // An unresolvable value makes a negated test fail rather than vacuously pass.
        (
            "unresolved_negated",
            holds(r#"{"StringNotEquals":{"aws:x":"${aws:PrincipalTag/missing}"}}"#, &[("aws:x", &["v"])]),
            false,
        ),
        (
            "unresolved_other_value_matches",
            holds(r#"{"StringEquals":{"aws:x":["${aws:PrincipalTag/missing}","v"]}}"#, &[("aws:x", &["v"])]),
            true,
        ),
        (
            "v2008_literal_in_condition",
            {
                let p = policy(
                    PolicyKind::Identity,
                    r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:x":"${aws:username}"}}}}"#,
                );
                evaluate(&p, &user("alice"), "kms:Encrypt", "*", &context(&[("aws:x", &["${aws:username}"])]))
                    .is_allowed()
            },
            true,
        ),
    ]);
}

#[test]
fn unresolved_variable_in_not_resource() {
    // Deny everything except the caller's own home: for a caller without aws:username the
    // exception cannot be computed and the statement does not apply (AWS: "might cause the
    // entire statement to be invalid") — so it neither denies nor protects anything.
    let p = policy(
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::b/home/${aws:username}/*"}}"#,
    );
    let ctx = context(&[]);
    check([
        (
            "own_home_not_denied",
            evaluate(&p, &user("alice"), "s3:GetObject", "arn:aws:s3:::b/home/alice/x", &ctx).explicit_deny,
            false,
        ),
        (
            "other_home_denied",
            evaluate(&p, &user("alice"), "s3:GetObject", "arn:aws:s3:::b/home/bob/x", &ctx).explicit_deny,
            true,
        ),
        (
            "root_statement_void",
            evaluate(&p, &root("111122223333"), "s3:GetObject", "arn:aws:s3:::b/home/bob/x", &ctx).explicit_deny,
            false,
        ),
    ]);
}
