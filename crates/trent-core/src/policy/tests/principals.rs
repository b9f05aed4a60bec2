//! Whom `Principal` and `NotPrincipal` match, and how strongly.

use super::{ACCOUNT, KEY, OTHER, check, context, evaluate, federated_user, policy, root, session, user, user_of};
use crate::policy::{Evaluation, PolicyKind, PrincipalMatch, RequestPrincipal};

use PrincipalMatch::{Account, Specific};

fn key_policy(effect: &str, field: &str, principal: &str) -> crate::policy::Policy {
    policy(
        PolicyKind::Resource,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"{effect}","{field}":{principal},"Action":"kms:*","Resource":"*"}}}}"#
        ),
    )
}

/// How an `Allow` with `principal` matches `caller`.
fn allow_match(principal: &str, caller: &RequestPrincipal) -> Option<PrincipalMatch> {
    evaluate(&key_policy("Allow", "Principal", principal), caller, "kms:Encrypt", KEY, &context(&[])).allow
}

/// A web-identity caller whose provider is carried in `service`.
fn web_identity(provider: &str) -> RequestPrincipal {
    RequestPrincipal { service: Some(provider.to_owned()), ..session("WebRole", "app") }
}

#[test]
fn everyone() {
    let anyone = r#""*""#;
    let aws_anyone = r#"{"AWS":"*"}"#;
    check([
        ("star_user", allow_match(anyone, &user("alice")), Some(Specific)),
        // For resource policies "*" includes anonymous callers (public access).
        ("star_anonymous", allow_match(anyone, &RequestPrincipal::anonymous()), Some(Specific)),
        ("star_service", allow_match(anyone, &RequestPrincipal::service("logs.amazonaws.com")), Some(Specific)),
        ("star_other_account", allow_match(anyone, &user_of(OTHER, "mallory")), Some(Specific)),
        // `"*"` and `{"AWS":"*"}` are documented as equivalent.
        ("aws_star_anonymous", allow_match(aws_anyone, &RequestPrincipal::anonymous()), Some(Specific)),
        ("aws_star_role_session", allow_match(aws_anyone, &session("Admin", "s1")), Some(Specific)),
    ]);
}

#[test]
fn accounts() {
    let by_id = format!(r#"{{"AWS":"{ACCOUNT}"}}"#);
    let by_root = format!(r#"{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}}"#);
    check([
        // The account ARN "does not limit permissions to only the root user of the account".
        ("id_user", allow_match(&by_id, &user("alice")), Some(Account)),
        ("id_root", allow_match(&by_id, &root(ACCOUNT)), Some(Account)),
        ("id_role_session", allow_match(&by_id, &session("Admin", "s1")), Some(Account)),
        ("id_federated_user", allow_match(&by_id, &federated_user("bob")), Some(Account)),
        ("id_other_account", allow_match(&by_id, &user_of(OTHER, "mallory")), None),
        ("id_other_root", allow_match(&by_id, &root(OTHER)), None),
        ("id_anonymous", allow_match(&by_id, &RequestPrincipal::anonymous()), None),
        ("id_service", allow_match(&by_id, &RequestPrincipal::service("logs.amazonaws.com")), None),
        ("root_arn_user", allow_match(&by_root, &user("alice")), Some(Account)),
        ("root_arn_root", allow_match(&by_root, &root(ACCOUNT)), Some(Account)),
        ("root_arn_role_session", allow_match(&by_root, &session("Admin", "s1")), Some(Account)),
        ("root_arn_other_account", allow_match(&by_root, &root(OTHER)), None),
    ]);
}

#[test]
fn users_roles_and_sessions() {
    let alice = r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#;
    let admin_role = r#"{"AWS":"arn:aws:iam::111122223333:role/Admin"}"#;
    let pathed_role = r#"{"AWS":"arn:aws:iam::111122223333:role/team/Admin"}"#;
    let s1 = r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/Admin/s1"}"#;
    let bob_session = r#"{"AWS":"arn:aws:sts::111122223333:federated-user/bob"}"#;
    check([
        ("user_itself", allow_match(alice, &user("alice")), Some(Specific)),
        ("user_other_user", allow_match(alice, &user("bob")), None),
        // "the user name part of the ARN is case sensitive".
        ("user_name_case", allow_match(alice, &user("Alice")), None),
        ("user_not_root", allow_match(alice, &root(ACCOUNT)), None),
        ("user_same_name_other_account", allow_match(alice, &user_of(OTHER, "alice")), None),
        (
            "user_list",
            allow_match(
                r#"{"AWS":["arn:aws:iam::111122223333:user/carol","arn:aws:iam::111122223333:user/alice"]}"#,
                &user("alice"),
            ),
            Some(Specific),
        ),
        // A role principal covers every session of the role.
        ("role_its_session", allow_match(admin_role, &session("Admin", "s1")), Some(Specific)),
        ("role_another_session", allow_match(admin_role, &session("Admin", "s2")), Some(Specific)),
        ("role_other_role_session", allow_match(admin_role, &session("Auditor", "s1")), None),
        ("role_with_path", allow_match(pathed_role, &session("team/Admin", "s1")), Some(Specific)),
        // Same role name, other path: a different role.
        ("role_path_differs", allow_match(admin_role, &session("team/Admin", "s1")), None),
        ("role_not_a_user", allow_match(admin_role, &user("Admin")), None),
        ("session_itself", allow_match(s1, &session("Admin", "s1")), Some(Specific)),
        ("session_other_session", allow_match(s1, &session("Admin", "s2")), None),
        ("federated_user_itself", allow_match(bob_session, &federated_user("bob")), Some(Specific)),
        ("federated_user_not_iam_user", allow_match(bob_session, &user("bob")), None),
    ]);
}

#[test]
fn services_and_providers() {
    let secrets = r#"{"Service":"secretsmanager.amazonaws.com"}"#;
    let provider = r#"{"Federated":"cognito-identity.amazonaws.com"}"#;
    check([
        (
            "service_itself",
            allow_match(secrets, &RequestPrincipal::service("secretsmanager.amazonaws.com")),
            Some(Specific),
        ),
        ("service_other", allow_match(secrets, &RequestPrincipal::service("logs.amazonaws.com")), None),
        (
            "service_name_case",
            allow_match(secrets, &RequestPrincipal::service("SecretsManager.amazonaws.com")),
            Some(Specific),
        ),
        ("service_not_a_user", allow_match(secrets, &user("alice")), None),
        // A user cannot pose as a service by filling the service field.
        (
            "service_field_on_user",
            allow_match(
                secrets,
                &RequestPrincipal { service: Some("secretsmanager.amazonaws.com".into()), ..user("alice") },
            ),
            None,
        ),
        (
            "service_list",
            allow_match(
                r#"{"Service":["ecs.amazonaws.com","logs.amazonaws.com"]}"#,
                &RequestPrincipal::service("logs.amazonaws.com"),
            ),
            Some(Specific),
        ),
        ("federated_provider", allow_match(provider, &web_identity("cognito-identity.amazonaws.com")), Some(Specific)),
        ("federated_other_provider", allow_match(provider, &web_identity("accounts.google.com")), None),
        (
            "federated_not_a_service",
            allow_match(provider, &RequestPrincipal::service("cognito-identity.amazonaws.com")),
            None,
        ),
        ("canonical_user_matches_nobody", allow_match(r#"{"CanonicalUser":"79a59df900b949e5"}"#, &user("alice")), None),
    ]);
}

#[test]
fn strongest_entry_wins() {
    let mixed = r#"{"AWS":["111122223333","arn:aws:iam::111122223333:user/alice"]}"#;
    check([
        // Named explicitly and through the account: the explicit naming is what counts.
        ("account_and_user_for_user", allow_match(mixed, &user("alice")), Some(Specific)),
        ("account_and_user_for_other_user", allow_match(mixed, &user("bob")), Some(Account)),
        (
            "account_and_service",
            allow_match(
                r#"{"AWS":"111122223333","Service":"logs.amazonaws.com"}"#,
                &RequestPrincipal::service("logs.amazonaws.com"),
            ),
            Some(Specific),
        ),
    ]);
}

#[test]
fn not_principal() {
    let deny_except = |principal: &str, caller: &RequestPrincipal| {
        evaluate(&key_policy("Deny", "NotPrincipal", principal), caller, "kms:Encrypt", KEY, &context(&[]))
            .explicit_deny
    };
    let bob_and_account = r#"{"AWS":["arn:aws:iam::444455556666:user/Bob","arn:aws:iam::444455556666:root"]}"#;
    let role = r#"{"AWS":"arn:aws:iam::111122223333:role/Admin"}"#;
    check([
        // AWS checks the user and its account: listing the user alone does not spare it.
        (
            "listed_user_without_account_denied",
            deny_except(r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#, &user("alice")),
            true,
        ),
        ("other_user_denied", deny_except(r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#, &user("bob")), true),
        (
            "anonymous_denied",
            deny_except(r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#, &RequestPrincipal::anonymous()),
            true,
        ),
        ("doc_example_bob_spared", deny_except(bob_and_account, &user_of(OTHER, "Bob")), false),
        // The account entry spares the account itself, not every principal of it.
        ("account_entry_does_not_spare_its_users", deny_except(bob_and_account, &user_of(OTHER, "eve")), true),
        ("other_account_denied", deny_except(bob_and_account, &user("alice")), true),
        // A session is spared only when its ARN, its role and its account are all listed.
        ("role_alone_does_not_spare_its_sessions", deny_except(role, &session("Admin", "s1")), true),
        (
            "session_role_and_account_spare_the_session",
            deny_except(
                r#"{"AWS":["arn:aws:sts::111122223333:assumed-role/Admin/s1","arn:aws:iam::111122223333:role/Admin","111122223333"]}"#,
                &session("Admin", "s1"),
            ),
            false,
        ),
        ("role_does_not_spare_others", deny_except(role, &session("Auditor", "s1")), true),
        (
            "service_spared",
            deny_except(r#"{"Service":"logs.amazonaws.com"}"#, &RequestPrincipal::service("logs.amazonaws.com")),
            false,
        ),
        ("star_spares_everyone", deny_except(r#""*""#, &user("alice")), false),
    ]);
    // NotPrincipal with Allow grants everyone it does not exclude, as the caller itself; alice
    // is not excluded because her account is not listed (the same layered check as for Deny).
    let allow_except = key_policy("Allow", "NotPrincipal", r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#);
    let ctx = context(&[]);
    check([
        (
            "allow_others",
            evaluate(&allow_except, &user("bob"), "kms:Encrypt", KEY, &ctx),
            Evaluation { explicit_deny: false, allow: Some(Specific) },
        ),
        (
            "allow_not_listed",
            evaluate(&allow_except, &user("alice"), "kms:Encrypt", KEY, &ctx),
            Evaluation { explicit_deny: false, allow: Some(Specific) },
        ),
    ]);
}

#[test]
fn trust_and_identity_policies() {
    let trust = policy(
        PolicyKind::Trust,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
            {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#,
    );
    let identity = policy(PolicyKind::Identity, r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#);
    let ctx = context(&[]);
    let role = "arn:aws:iam::111122223333:role/Web";
    let assume = |caller: &RequestPrincipal| evaluate(&trust, caller, "sts:AssumeRole", role, &ctx).allow;
    check([
        ("trust_service", assume(&RequestPrincipal::service("ec2.amazonaws.com")), Some(Specific)),
        ("trust_trusted_account", assume(&user_of(OTHER, "ops")), Some(Account)),
        ("trust_own_account_not_listed", assume(&user("alice")), None),
        ("trust_other_action", evaluate(&trust, &user_of(OTHER, "ops"), "sts:TagSession", role, &ctx).allow, None),
        // An identity policy applies to whoever it is attached to.
        ("identity_any_caller", evaluate(&identity, &user("alice"), "kms:Encrypt", KEY, &ctx).allow, Some(Specific)),
        (
            "identity_role_session",
            evaluate(&identity, &session("Admin", "s"), "kms:Encrypt", KEY, &ctx).allow,
            Some(Specific),
        ),
    ]);
}
