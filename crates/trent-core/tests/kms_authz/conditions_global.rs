//! AWS global condition keys with every operator family KMS policies use: IP address, date
//! and time, Boolean, numeric, ARN, string with tags and variables, `Null` and `...IfExists`.
//!
//! Expired session tokens: AWS refuses an expired token while authenticating the request
//! ("The security token included in the request is expired"), before any policy is read, so
//! an expired session never reaches `decide_key`. What the authorization layer does see is
//! time as a condition key, and the cases below on `aws:CurrentTime`, `aws:EpochTime` and
//! `aws:TokenIssueTime` pin that: a policy that bounds a credential's useful life by date
//! refuses requests outside the window.

use serde_json::{Value, json};
use trent_core::kms::decide::PolicySource::{Identity, KeyPolicy};

use super::dsl::{Case, KEY, case};
use super::policies::*;

pub(crate) fn cases() -> Vec<Case> {
    let mut v = network_and_time();
    v.extend(principal_and_tags());
    v
}

/// An identity policy allowing Encrypt on [`KEY`] under `condition`.
fn iam_when(condition: Value) -> Value {
    doc(vec![when(iam_allow("kms:Encrypt", KEY), condition)])
}

/// A key policy with the root statement and a `Deny` of `kms:*` to everyone under `condition`.
fn kp_deny_when(condition: Value) -> Value {
    kp_with_root(vec![when(deny(json!("*"), "kms:*"), condition)])
}

fn network_and_time() -> Vec<Case> {
    let office = iam_when(json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}));
    let single = iam_when(json!({"IpAddress": {"aws:SourceIp": "203.0.113.5"}}));
    let outside =
        kp_deny_when(json!({"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}));
    let tls = kp_deny_when(json!({"Bool": {"aws:SecureTransport": "false"}}));
    let tls_if = kp_deny_when(json!({"BoolIfExists": {"aws:SecureTransport": "false"}}));
    let until = iam_when(json!({"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}));
    let window = iam_when(json!({"DateGreaterThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"},
                                 "DateLessThan": {"aws:CurrentTime": "2025-12-31T23:59:59Z"}}));
    let offset = iam_when(json!({"DateLessThan": {"aws:CurrentTime": "2026-01-01T01:00:00+01:00"}}));
    let epoch = iam_when(json!({"DateLessThan": {"aws:EpochTime": "1767225600"}}));
    let epoch_num = iam_when(json!({"NumericLessThan": {"aws:EpochTime": 1767225600}}));
    let fresh = iam_when(json!({"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}));
    let mfa = kp_deny_when(json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}));
    let mfa_age = iam_when(json!({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}));
    let all = || iam("kms:*", "*");
    vec![
        // [COND-OP] IpAddress: "the request must come from the IP range 203.0.113.0 to 203.0.113.255".
        case("source_ip_inside", alice(), "kms:Encrypt")
            .iam(office.clone())
            .ctx("aws:SourceIp", "203.0.113.45")
            .allow(),
        // [COND-OP] ... outside it.
        case("source_ip_outside", alice(), "kms:Encrypt")
            .iam(office.clone())
            .ctx("aws:SourceIp", "198.51.100.7")
            .implicit(Identity),
        // [COND-OP] through a VPC endpoint aws:SourceIp is absent: "the condition returns false".
        case("source_ip_absent", alice(), "kms:Encrypt").iam(office).implicit(Identity),
        // [COND-OP] "without the associated routing prefix, IAM uses the default prefix value of /32".
        case("source_ip_single_match", alice(), "kms:Encrypt")
            .iam(single.clone())
            .ctx("aws:SourceIp", "203.0.113.5")
            .allow(),
        // [COND-OP] ... a neighbouring address.
        case("source_ip_single_neighbour", alice(), "kms:Encrypt")
            .iam(single)
            .ctx("aws:SourceIp", "203.0.113.6")
            .implicit(Identity),
        // [COND-OP] NotIpAddress with several ranges (NOR): outside both, denied.
        case("not_ip_outside", alice(), "kms:Encrypt")
            .kp(outside.clone())
            .iam(all())
            .ctx("aws:SourceIp", "198.51.100.7")
            .explicit(KeyPolicy),
        // [COND-OP] ... inside the IPv6 range ("2001:DB8:1234:5678::/64").
        case("not_ip_inside_v6", alice(), "kms:Encrypt")
            .kp(outside.clone())
            .iam(all())
            .ctx("aws:SourceIp", "2001:db8:1234:5678::9")
            .allow(),
        // [COND-OP] ... inside the IPv4 range.
        case("not_ip_inside_v4", alice(), "kms:Encrypt")
            .kp(outside.clone())
            .iam(all())
            .ctx("aws:SourceIp", "203.0.113.8")
            .allow(),
        // [COND-OP] negated operator, key absent: "the condition is true" and the deny applies.
        case("not_ip_absent", alice(), "kms:Encrypt").kp(outside).iam(all()).explicit(KeyPolicy),
        // [COND-OP] Bool: deny unless over TLS; a plain-HTTP request is denied.
        case("secure_transport_false", alice(), "kms:Encrypt")
            .kp(tls.clone())
            .iam(all())
            .ctx("aws:SecureTransport", "false")
            .explicit(KeyPolicy),
        // [COND-OP] ... over TLS it is not.
        case("secure_transport_true", alice(), "kms:Encrypt")
            .kp(tls.clone())
            .iam(all())
            .ctx("aws:SecureTransport", "true")
            .allow(),
        // [COND-OP] Bool on an absent key is false: the deny does not apply.
        case("secure_transport_absent", alice(), "kms:Encrypt").kp(tls).iam(all()).allow(),
        // [COND-OP] "...IfExists": "If the key is not present, evaluate the condition element as true".
        case("secure_transport_ifexists_absent", alice(), "kms:Encrypt").kp(tls_if).iam(all()).explicit(KeyPolicy),
        // [COND-OP] DateLessThan aws:CurrentTime: before the end date.
        case("current_time_before", alice(), "kms:Encrypt")
            .iam(until.clone())
            .ctx("aws:CurrentTime", "2025-06-01T12:00:00Z")
            .allow(),
        // [COND-OP] ... after it: the credential's policy window is over (expiry itself is authentication's).
        case("current_time_after", alice(), "kms:Encrypt")
            .iam(until)
            .ctx("aws:CurrentTime", "2026-02-01T00:00:00Z")
            .implicit(Identity),
        // [COND-OP] two Date operators AND: inside the window.
        case("current_time_window_inside", alice(), "kms:Encrypt")
            .iam(window.clone())
            .ctx("aws:CurrentTime", "2025-07-04T00:00:00Z")
            .allow(),
        // [COND-OP] ... before it.
        case("current_time_window_before", alice(), "kms:Encrypt")
            .iam(window)
            .ctx("aws:CurrentTime", "2024-12-31T00:00:00Z")
            .implicit(Identity),
        // [COND-OP] W3C ISO 8601 with an offset: 01:00+01:00 is midnight UTC; one second before it.
        case("current_time_offset", alice(), "kms:Encrypt")
            .iam(offset)
            .ctx("aws:CurrentTime", "2025-12-31T23:59:59Z")
            .allow(),
        // [COND-OP] dates "in epoch (UNIX) time": aws:EpochTime before 2026-01-01.
        case("epoch_time_date_before", alice(), "kms:Encrypt")
            .iam(epoch.clone())
            .ctx("aws:EpochTime", "1750000000")
            .allow(),
        // [COND-OP] ... after.
        case("epoch_time_date_after", alice(), "kms:Encrypt")
            .iam(epoch)
            .ctx("aws:EpochTime", "1770000000")
            .implicit(Identity),
        // [GLOBAL] aws:EpochTime also works with numeric operators.
        case("epoch_time_numeric", alice(), "kms:Encrypt")
            .iam(epoch_num.clone())
            .ctx("aws:EpochTime", "1750000000")
            .allow(),
        // [GLOBAL] ... numeric, after.
        case("epoch_time_numeric_after", alice(), "kms:Encrypt")
            .iam(epoch_num)
            .ctx("aws:EpochTime", "1800000000")
            .implicit(Identity),
        // [COND-OP] aws:TokenIssueTime is present for temporary credentials: a session issued in 2025.
        case("token_issue_time_session", app(), "kms:Encrypt")
            .iam(fresh.clone())
            .ctx("aws:TokenIssueTime", "2025-03-01T08:00:00Z")
            .allow(),
        // [COND-OP] long-term keys carry no aws:TokenIssueTime: "the request is denied".
        case("token_issue_time_long_term_key", alice(), "kms:Encrypt").iam(fresh).implicit(Identity),
        // [COND-OP] BoolIfExists MFA deny: long-term keys carry no aws:MultiFactorAuthPresent, IfExists makes it true.
        case("mfa_absent_denied", alice(), "kms:Encrypt").kp(mfa.clone()).iam(all()).explicit(KeyPolicy),
        // [COND-OP] ... MFA present.
        case("mfa_present", alice(), "kms:Encrypt")
            .kp(mfa.clone())
            .iam(all())
            .ctx("aws:MultiFactorAuthPresent", "true")
            .allow(),
        // [COND-OP] ... explicitly false.
        case("mfa_false", alice(), "kms:Encrypt")
            .kp(mfa)
            .iam(all())
            .ctx("aws:MultiFactorAuthPresent", "false")
            .explicit(KeyPolicy),
        // [COND-OP] NumericLessThan: MFA within the hour.
        case("mfa_age_recent", alice(), "kms:Encrypt")
            .iam(mfa_age.clone())
            .ctx("aws:MultiFactorAuthAge", "300")
            .allow(),
        // [COND-OP] ... too old.
        case("mfa_age_old", alice(), "kms:Encrypt")
            .iam(mfa_age.clone())
            .ctx("aws:MultiFactorAuthAge", "7200")
            .implicit(Identity),
        // [COND-OP] ... no MFA at all: the key is absent.
        case("mfa_age_absent", alice(), "kms:Encrypt").iam(mfa_age).implicit(Identity),
    ]
}

fn principal_and_tags() -> Vec<Case> {
    let project = doc(vec![when(
        iam_allow("kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/*"),
        json!({"StringEquals": {"aws:ResourceTag/Project": "Alpha"}}),
    )]);
    let same_team = doc(vec![when(
        iam_allow("kms:Decrypt", "*"),
        json!({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}),
    )]);
    let team_default = doc(vec![when(
        iam_allow("kms:Decrypt", "*"),
        json!({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team, 'shared'}"}}),
    )]);
    let untagged = kp_deny_when(json!({"Null": {"aws:ResourceTag/Project": "true"}}));
    let admin_tag = iam_when(json!({"StringEqualsIgnoreCase": {"aws:PrincipalTag/role": "Admin"}}));
    let app_roles = doc(vec![when(
        allow(json!({"AWS": "*"}), "kms:Decrypt"),
        json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/App*"}}),
    )]);
    let session_arn = doc(vec![when(
        allow(json!({"AWS": "*"}), "kms:Decrypt"),
        json!({"ArnEquals": {"aws:PrincipalArn": APP_SESSION}}),
    )]);
    let any_account = doc(vec![when(
        allow(json!({"AWS": "*"}), "kms:Decrypt"),
        json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/App"}}),
    )]);
    let only_listed = kp_with_root(vec![when(
        deny(json!("*"), "kms:Decrypt"),
        json!({"ArnNotLike": {"aws:PrincipalArn": [APP_ROLE, ALICE]}}),
    )]);
    let no_users =
        kp_with_root(vec![when(deny(json!("*"), "kms:*"), json!({"StringEquals": {"aws:PrincipalType": "User"}}))]);
    let role_ids =
        doc(vec![when(allow(json!({"AWS": "*"}), "kms:Decrypt"), json!({"StringLike": {"aws:userid": "AROA*:*"}}))]);
    let via_ifexists = iam_when(json!({"StringEqualsIfExists": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}}));
    vec![
        // [ABAC] aws:ResourceTag: the key is tagged Project=Alpha.
        case("resource_tag_match", alice(), "kms:Decrypt")
            .iam(project.clone())
            .ctx("aws:ResourceTag/Project", "Alpha")
            .allow(),
        // [ABAC] ... another project.
        case("resource_tag_other", alice(), "kms:Decrypt")
            .iam(project.clone())
            .ctx("aws:ResourceTag/Project", "Beta")
            .implicit(Identity),
        // [COND-OP] ... an untagged key: the key is absent.
        case("resource_tag_absent", alice(), "kms:Decrypt").iam(project).implicit(Identity),
        // [VARS] aws:ResourceTag/team equals the caller's aws:PrincipalTag/team.
        case("tag_variable_same_team", app(), "kms:Decrypt")
            .iam(same_team.clone())
            .ctx("aws:PrincipalTag/team", "blue")
            .ctx("aws:ResourceTag/team", "blue")
            .allow(),
        // [VARS] ... different teams.
        case("tag_variable_other_team", app(), "kms:Decrypt")
            .iam(same_team.clone())
            .ctx("aws:PrincipalTag/team", "blue")
            .ctx("aws:ResourceTag/team", "red")
            .implicit(Identity),
        // [VARS] the principal has no team tag: the variable cannot be resolved, the condition fails.
        case("tag_variable_unresolved", app(), "kms:Decrypt")
            .iam(same_team)
            .ctx("aws:ResourceTag/team", "blue")
            .implicit(Identity),
        // [VARS] "${aws:PrincipalTag/team, 'shared'}": the default applies when the tag is missing.
        case("tag_variable_default", app(), "kms:Decrypt")
            .iam(team_default)
            .ctx("aws:ResourceTag/team", "shared")
            .allow(),
        // [COND-OP] Null true in a Deny: untagged keys are refused.
        case("null_untagged_denied", alice(), "kms:Encrypt")
            .kp(untagged.clone())
            .iam(iam("kms:*", "*"))
            .explicit(KeyPolicy),
        // [COND-OP] ... a tagged key is not.
        case("null_tagged_allowed", alice(), "kms:Encrypt")
            .kp(untagged)
            .iam(iam("kms:*", "*"))
            .ctx("aws:ResourceTag/Project", "Alpha")
            .allow(),
        // [COND-OP] StringEqualsIgnoreCase on a principal tag.
        case("principal_tag_ignore_case", alice(), "kms:Encrypt")
            .iam(admin_tag.clone())
            .ctx("aws:PrincipalTag/role", "ADMIN")
            .allow(),
        // [COND-OP] ... a different value.
        case("principal_tag_other_value", alice(), "kms:Encrypt")
            .iam(admin_tag)
            .ctx("aws:PrincipalTag/role", "reader")
            .implicit(Identity),
        // [GLOBAL] "*" with aws:PrincipalArn: a session's aws:PrincipalArn is its role's ARN.
        case("principal_arn_like_role", app(), "kms:Decrypt").kp(app_roles.clone()).allow(),
        // [GLOBAL] ... a user does not match the role pattern.
        case("principal_arn_like_user", alice(), "kms:Decrypt").kp(app_roles).implicit(KeyPolicy),
        // [GLOBAL] aws:PrincipalArn of a session is the role ARN, never the session ARN.
        case("principal_arn_not_session", app(), "kms:Decrypt").kp(session_arn).implicit(KeyPolicy),
        // [COND-OP] ArnLike compares component by component: "*" in the account component.
        case("principal_arn_any_account", app(), "kms:Decrypt").kp(any_account).allow(),
        // [COND-OP] ArnNotLike in a Deny: bob is not listed, denied.
        case("arn_not_like_unlisted", bob(), "kms:Decrypt")
            .kp(only_listed.clone())
            .iam(iam("kms:*", "*"))
            .explicit(KeyPolicy),
        // [COND-OP] ... alice is listed.
        case("arn_not_like_listed", alice(), "kms:Decrypt").kp(only_listed.clone()).iam(iam("kms:*", "*")).allow(),
        // [COND-OP] ... a session of App is listed through its role ARN.
        case("arn_not_like_role_session", app(), "kms:Decrypt").kp(only_listed).iam(iam("kms:*", "*")).allow(),
        // [COND-OP] ArnNotEquals in a Deny: every principal but the App role is refused.
        case("arn_not_equals_other", alice(), "kms:Decrypt")
            .kp(kp_with_root(vec![when(
                deny(json!("*"), "kms:Decrypt"),
                json!({"ArnNotEquals": {"aws:PrincipalArn": APP_ROLE}}),
            )]))
            .iam(iam("kms:*", "*"))
            .explicit(KeyPolicy),
        // [GLOBAL] aws:PrincipalType "User": IAM users denied.
        case("principal_type_user_denied", alice(), "kms:Encrypt")
            .kp(no_users.clone())
            .iam(iam("kms:*", "*"))
            .explicit(KeyPolicy),
        // [GLOBAL] ... a role session is "AssumedRole".
        case("principal_type_session_allowed", app(), "kms:Encrypt")
            .kp(no_users.clone())
            .iam(iam("kms:*", "*"))
            .allow(),
        // [GLOBAL] ... the root user is "Account".
        case("principal_type_root_allowed", owner_root(), "kms:Encrypt").kp(no_users).allow(),
        // [GLOBAL] aws:userid of a role session is "role-id:session-name".
        case("userid_role_session", app(), "kms:Decrypt").kp(role_ids.clone()).allow(),
        // [GLOBAL] ... an IAM user's is its unique id.
        case("userid_user", alice(), "kms:Decrypt").kp(role_ids).implicit(KeyPolicy),
        // [COND-OP] StringEqualsIfExists: a direct call (key absent) passes.
        case("ifexists_absent", alice(), "kms:Encrypt").iam(via_ifexists.clone()).allow(),
        // [COND-OP] ... present and matching.
        case("ifexists_match", alice(), "kms:Encrypt")
            .iam(via_ifexists.clone())
            .ctx("kms:ViaService", "ec2.us-east-1.amazonaws.com")
            .allow(),
        // [COND-OP] ... present and different: "process the key as specified in the policy".
        case("ifexists_mismatch", alice(), "kms:Encrypt")
            .iam(via_ifexists)
            .ctx("kms:ViaService", "s3.us-east-1.amazonaws.com")
            .implicit(Identity),
        // [GLOBAL] condition key names are case-insensitive ("aws:SourceIP" is aws:SourceIp).
        case("condition_key_name_case", alice(), "kms:Encrypt")
            .iam(iam_when(json!({"IpAddress": {"AWS:sourceip": "203.0.113.0/24"}})))
            .ctx("aws:SourceIp", "203.0.113.1")
            .allow(),
    ]
}
