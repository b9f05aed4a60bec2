//! Numeric, Date, Bool, BinaryEquals and IP address operators.

use super::{check, holds};

type Case = (&'static str, &'static str, &'static [(&'static str, &'static [&'static str])], bool);

fn run(cases: &[Case]) {
    check(cases.iter().map(|&(name, condition, ctx, expected)| (name, holds(condition, ctx), expected)));
}

const NONE: &[(&str, &[&str])] = &[];
const TEN: &[(&str, &[&str])] = &[("s3:max-keys", &["10"])];

#[test]
fn numeric() {
    run(&[
        ("equals", r#"{"NumericEquals":{"s3:max-keys":"10"}}"#, TEN, true),
        ("equals_json_number", r#"{"NumericEquals":{"s3:max-keys":10}}"#, TEN, true),
        // Numbers compare by value, not by spelling.
        ("equals_decimal_spelling", r#"{"NumericEquals":{"s3:max-keys":"10.00"}}"#, TEN, true),
        ("equals_leading_zero", r#"{"NumericEquals":{"s3:max-keys":"010"}}"#, TEN, true),
        ("equals_other", r#"{"NumericEquals":{"s3:max-keys":"11"}}"#, TEN, false),
        ("equals_missing", r#"{"NumericEquals":{"s3:max-keys":"10"}}"#, NONE, false),
        ("not_equals_other", r#"{"NumericNotEquals":{"s3:max-keys":"11"}}"#, TEN, true),
        ("not_equals_same", r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#, TEN, false),
        ("not_equals_missing", r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#, NONE, true),
        ("less_than_true", r#"{"NumericLessThan":{"s3:max-keys":"11"}}"#, TEN, true),
        ("less_than_equal_is_false", r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#, TEN, false),
        ("less_than_equals_equal", r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#, TEN, true),
        ("less_than_equals_greater", r#"{"NumericLessThanEquals":{"s3:max-keys":"9"}}"#, TEN, false),
        ("greater_than_true", r#"{"NumericGreaterThan":{"s3:max-keys":"9.5"}}"#, TEN, true),
        ("greater_than_equal_is_false", r#"{"NumericGreaterThan":{"s3:max-keys":"10"}}"#, TEN, false),
        ("greater_than_equals_equal", r#"{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}"#, TEN, true),
        ("greater_than_equals_less", r#"{"NumericGreaterThanEquals":{"s3:max-keys":"10.001"}}"#, TEN, false),
        ("negative_below_zero", r#"{"NumericLessThan":{"aws:n":"0"}}"#, &[("aws:n", &["-1"])], true),
        ("negative_order", r#"{"NumericLessThan":{"aws:n":"-1.5"}}"#, &[("aws:n", &["-2"])], true),
        ("minus_zero_is_zero", r#"{"NumericEquals":{"aws:n":"0"}}"#, &[("aws:n", &["-0.0"])], true),
        ("fraction_order", r#"{"NumericGreaterThan":{"aws:n":"1.25"}}"#, &[("aws:n", &["1.3"])], true),
        // Beyond f64 precision, the comparison stays exact.
        (
            "exact_big_integers",
            r#"{"NumericGreaterThan":{"aws:n":"12345678901234567889"}}"#,
            &[("aws:n", &["12345678901234567890"])],
            true,
        ),
        ("unreadable_request", r#"{"NumericEquals":{"aws:n":"10"}}"#, &[("aws:n", &["ten"])], false),
        ("unreadable_policy", r#"{"NumericEquals":{"aws:n":"ten"}}"#, &[("aws:n", &["10"])], false),
        // Trent's reading: an unreadable value matches nothing, so the negated test holds.
        ("unreadable_request_negated", r#"{"NumericNotEquals":{"aws:n":"10"}}"#, &[("aws:n", &["ten"])], true),
        ("exponent_not_numeric", r#"{"NumericEquals":{"aws:n":"1000"}}"#, &[("aws:n", &["1e3"])], false),
        ("any_of_values", r#"{"NumericEquals":{"aws:n":["1","2","3"]}}"#, &[("aws:n", &["2"])], true),
    ]);
}

#[test]
fn dates() {
    const NOW: &[(&str, &[&str])] = &[("aws:CurrentTime", &["2024-06-01T12:00:00Z"])];
    run(&[
        ("equals_same_instant", r#"{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}"#, NOW, true),
        // The same instant written in another offset.
        ("equals_other_offset", r#"{"DateEquals":{"aws:CurrentTime":"2024-06-01T14:00:00+02:00"}}"#, NOW, true),
        ("equals_compact_offset", r#"{"DateEquals":{"aws:CurrentTime":"2024-06-01T07:00:00-0500"}}"#, NOW, true),
        ("equals_epoch", r#"{"DateEquals":{"aws:CurrentTime":"1717243200"}}"#, NOW, true),
        ("equals_json_number_epoch", r#"{"DateEquals":{"aws:CurrentTime":1717243200}}"#, NOW, true),
        ("equals_fraction", r#"{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00:00.000Z"}}"#, NOW, true),
        ("equals_minutes_only", r#"{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00Z"}}"#, NOW, true),
        ("equals_other_instant", r#"{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00:01Z"}}"#, NOW, false),
        ("less_than_later", r#"{"DateLessThan":{"aws:CurrentTime":"2025-01-01T00:00:00Z"}}"#, NOW, true),
        ("less_than_earlier", r#"{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#, NOW, false),
        ("less_than_same", r#"{"DateLessThan":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}"#, NOW, false),
        ("less_than_equals_same", r#"{"DateLessThanEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}"#, NOW, true),
        ("greater_than_date_only", r#"{"DateGreaterThan":{"aws:CurrentTime":"2024-06-01"}}"#, NOW, true),
        ("greater_than_month_only", r#"{"DateGreaterThan":{"aws:CurrentTime":"2024-07"}}"#, NOW, false),
        ("greater_than_equals_same", r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"1717243200"}}"#, NOW, true),
        (
            "epoch_request_value",
            r#"{"DateGreaterThan":{"aws:EpochTime":"2024-01-01T00:00:00Z"}}"#,
            &[("aws:EpochTime", &["1717243200"])],
            true,
        ),
        ("not_equals_other", r#"{"DateNotEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#, NOW, true),
        ("not_equals_same", r#"{"DateNotEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}"#, NOW, false),
        ("not_equals_missing", r#"{"DateNotEquals":{"aws:TokenIssueTime":"2020-01-01"}}"#, NONE, true),
        // The reference's example: a missing aws:TokenIssueTime fails DateGreaterThan.
        ("greater_than_missing", r#"{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#, NONE, false),
        ("invalid_month", r#"{"DateLessThan":{"aws:CurrentTime":"2024-13-01T00:00:00Z"}}"#, NOW, false),
        ("invalid_day", r#"{"DateLessThan":{"aws:CurrentTime":"2025-02-30"}}"#, NOW, false),
        (
            "garbage_request",
            r#"{"DateLessThan":{"aws:CurrentTime":"2030-01-01"}}"#,
            &[("aws:CurrentTime", &["yesterday"])],
            false,
        ),
        ("wildcards_not_dates", r#"{"DateEquals":{"aws:CurrentTime":"2024-*"}}"#, NOW, false),
    ]);
}

#[test]
fn booleans() {
    const SECURE: &[(&str, &[&str])] = &[("aws:SecureTransport", &["true"])];
    run(&[
        ("true_true", r#"{"Bool":{"aws:SecureTransport":"true"}}"#, SECURE, true),
        ("false_true", r#"{"Bool":{"aws:SecureTransport":"false"}}"#, SECURE, false),
        ("policy_case_ignored", r#"{"Bool":{"aws:SecureTransport":"TRUE"}}"#, SECURE, true),
        (
            "request_case_ignored",
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", &["True"])],
            true,
        ),
        ("json_bool", r#"{"Bool":{"aws:SecureTransport":true}}"#, SECURE, true),
        ("false_false", r#"{"Bool":{"aws:SecureTransport":false}}"#, &[("aws:SecureTransport", &["false"])], true),
        (
            "unreadable_request",
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", &["yes"])],
            false,
        ),
        ("unreadable_policy", r#"{"Bool":{"aws:SecureTransport":"yes"}}"#, SECURE, false),
        ("missing", r#"{"Bool":{"aws:SecureTransport":"false"}}"#, NONE, false),
        ("if_exists_missing", r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}"#, NONE, true),
    ]);
}

#[test]
fn binary() {
    // "QmluYXJ5VmFsdWVJbkJhc2U2NA==" is the reference's example: "BinaryValueInBase64".
    const BLOB: &[(&str, &[&str])] = &[("aws:blob", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="])];
    run(&[
        ("equal_bytes", r#"{"BinaryEquals":{"aws:blob":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#, BLOB, true),
        // Compared byte for byte after decoding: padding is not part of the value.
        ("unpadded_policy", r#"{"BinaryEquals":{"aws:blob":"QmluYXJ5VmFsdWVJbkJhc2U2NA"}}"#, BLOB, true),
        ("different_bytes", r#"{"BinaryEquals":{"aws:blob":"QmluYXJ5"}}"#, BLOB, false),
        ("invalid_policy_base64", r#"{"BinaryEquals":{"aws:blob":"not base64!"}}"#, BLOB, false),
        ("invalid_request_base64", r#"{"BinaryEquals":{"aws:blob":"QQ=="}}"#, &[("aws:blob", &["Q"])], false),
        ("missing", r#"{"BinaryEquals":{"aws:blob":"QQ=="}}"#, NONE, false),
        ("empty_value", r#"{"BinaryEquals":{"aws:blob":""}}"#, &[("aws:blob", &[""])], true),
    ]);
}

#[test]
fn ip_addresses() {
    const V4: &[(&str, &[&str])] = &[("aws:SourceIp", &["203.0.113.45"])];
    const V6: &[(&str, &[&str])] = &[("aws:SourceIp", &["2001:db8:1234:5678::9"])];
    run(&[
        ("v4_in_range", r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, V4, true),
        ("v4_out_of_range", r#"{"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}}"#, V4, false),
        // "If you specify an IP address without the associated routing prefix, IAM uses /32."
        ("v4_no_prefix_exact", r#"{"IpAddress":{"aws:SourceIp":"203.0.113.45"}}"#, V4, true),
        ("v4_no_prefix_other", r#"{"IpAddress":{"aws:SourceIp":"203.0.113.46"}}"#, V4, false),
        ("v4_host_bits_ignored", r#"{"IpAddress":{"aws:SourceIp":"203.0.113.200/24"}}"#, V4, true),
        ("v4_slash_zero", r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#, V4, true),
        ("v4_slash_31", r#"{"IpAddress":{"aws:SourceIp":"203.0.113.44/31"}}"#, V4, true),
        ("v6_in_range", r#"{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#, V6, true),
        ("v6_out_of_range", r#"{"IpAddress":{"aws:SourceIp":"2001:db8:1234:5679::/64"}}"#, V6, false),
        ("v4_request_v6_range", r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#, V4, false),
        ("mixed_list", r#"{"IpAddress":{"aws:SourceIp":["198.51.100.0/24","2001:DB8:1234:5678::/64"]}}"#, V6, true),
        (
            "v4_mapped_v6_request",
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["::ffff:203.0.113.45"])],
            true,
        ),
        ("bad_prefix_never_matches", r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/33"}}"#, V4, false),
        (
            "garbage_request",
            r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#,
            &[("aws:SourceIp", &["localhost"])],
            false,
        ),
        ("missing", r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#, NONE, false),
        ("not_in_range_inside", r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, V4, false),
        ("not_in_range_outside", r#"{"NotIpAddress":{"aws:SourceIp":"198.51.100.0/24"}}"#, V4, true),
        ("not_in_range_nor", r#"{"NotIpAddress":{"aws:SourceIp":["198.51.100.0/24","203.0.113.0/24"]}}"#, V4, false),
        // A missing key satisfies the negated operator (VPC endpoint requests carry no SourceIp).
        ("not_in_range_missing", r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, NONE, true),
    ]);
}

#[test]
fn context_builder() {
    use super::{KEY, condition_policy, evaluate, user};
    use crate::policy::ConditionContext;

    let mut ctx = ConditionContext::new();
    ctx.insert("aws:x", "first").insert("AWS:X", "second");
    ctx.insert_all("aws:TagKeys", ["a", "b"]).insert_all("aws:Empty", Vec::<String>::new());
    let at = time::macros::datetime!(2024-06-01 12:00:00.25 UTC);
    ctx.insert_time("aws:CurrentTime", at).insert_bool("aws:SecureTransport", true);
    let allowed =
        |condition: &str| evaluate(&condition_policy(condition), &user("alice"), "kms:Encrypt", KEY, &ctx).is_allowed();
    check([
        // `insert` replaces, and key names are case-insensitive.
        ("insert_replaces", format!("{:?}", ctx.get("aws:x")), r#"Some(["second"])"#.to_owned()),
        ("get_any_case", format!("{:?}", ctx.get("AWS:TAGKEYS")), r#"Some(["a", "b"])"#.to_owned()),
        ("empty_set_absent", format!("{:?}", ctx.get("aws:Empty")), "None".to_owned()),
        ("unknown_absent", format!("{:?}", ctx.get("aws:nothing")), "None".to_owned()),
    ]);
    check([
        ("is_present", ctx.is_present("Aws:TagKeys"), true),
        ("empty_set_not_present", ctx.is_present("aws:Empty"), false),
        // The time helper writes a value the Date operators read, fraction included.
        ("time_round_trip", allowed(r#"{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00:00.25Z"}}"#), true),
        ("time_order", allowed(r#"{"DateGreaterThan":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}"#), true),
        ("bool_helper", allowed(r#"{"Bool":{"aws:SecureTransport":"true"}}"#), true),
    ]);
}
