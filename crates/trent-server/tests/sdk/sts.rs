//! STS over awsQuery, driven by `aws-sdk-sts`: `GetCallerIdentity`, `AssumeRole` with its
//! trust-policy rules and `DurationSeconds` bounds, and temporary credentials working on KMS,
//! IAM and STS until the (manual) clock passes their expiry.

use aws_sdk_sts::error::ProvideErrorMetadata;
use time::Duration;
use trent_core::Clock;

use crate::common::{TestServer, expect_code};
use crate::iam::{Creds, allow};

/// A trust policy allowing `principal` (an ARN or account id) to assume the role.
fn trust(principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":["sts:AssumeRole","sts:TagSession"]}}]}}"#
    )
}

impl TestServer {
    /// Creates role `name` with `trust_policy`, its inline policy `policy` and `max` seconds.
    async fn role(&self, name: &str, trust_policy: &str, policy: Option<&str>, max: Option<i32>) -> String {
        let iam = self.iam(&self.admin_creds());
        let out = iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust_policy)
            .set_max_session_duration(max)
            .send()
            .await
            .expect("create role");
        if let Some(p) = policy {
            iam.put_role_policy()
                .role_name(name)
                .policy_name("inline")
                .policy_document(p)
                .send()
                .await
                .expect("policy");
        }
        out.role().expect("role").arn().to_owned()
    }
}

/// The temporary credentials of an `AssumeRole` answer.
pub(crate) fn session(out: &aws_sdk_sts::operation::assume_role::AssumeRoleOutput) -> Creds {
    let c = out.credentials().expect("credentials");
    Creds {
        id: c.access_key_id().to_owned(),
        secret: c.secret_access_key().to_owned(),
        token: Some(c.session_token().to_owned()),
    }
}

#[tokio::test]
async fn get_caller_identity_names_each_kind_of_caller() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let me = server.sts(&server.admin_creds()).get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some(account.as_str()));
    assert_eq!(me.arn(), Some(format!("arn:aws:iam::{account}:user/admin").as_str()));
    assert!(me.user_id().unwrap().starts_with("AIDA"));
    // No permission needed, even against an explicit deny.
    let denied = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
    let bob = server.user_with_policy("bob", Some(denied)).await;
    let bob_id = server.sts(&bob).get_caller_identity().send().await.unwrap();
    assert_eq!(bob_id.arn(), Some(format!("arn:aws:iam::{account}:user/bob").as_str()));
}

#[tokio::test]
async fn temporary_credentials_work_everywhere_until_they_expire() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let bob = server.user_with_policy("bob", None).await;
    let role_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:*","iam:GetRole","sts:GetCallerIdentity"],"Resource":"*"}]}"#;
    let role_arn =
        server.role("deployer", &trust(&format!("arn:aws:iam::{account}:user/bob")), Some(role_policy), None).await;

    let started = server.clock.now();
    let out = server.sts(&bob).assume_role().role_arn(&role_arn).role_session_name("ci-run").send().await.unwrap();
    let creds = session(&out);
    assert!(creds.id.starts_with("ASIA") && creds.id.len() == 20);
    let expiration = out.credentials().unwrap().expiration().secs();
    assert_eq!(expiration - started.unix_timestamp(), 3600, "the default duration");
    let user = out.assumed_role_user().unwrap();
    assert_eq!(user.arn(), format!("arn:aws:sts::{account}:assumed-role/deployer/ci-run"));
    assert!(user.assumed_role_id().starts_with("AROA") && user.assumed_role_id().ends_with(":ci-run"));

    // STS, IAM and KMS accept them.
    let who = server.sts(&creds).get_caller_identity().send().await.unwrap();
    assert_eq!(who.arn(), Some(user.arn()));
    assert_eq!(who.user_id(), Some(user.assumed_role_id()));
    server.iam(&creds).get_role().role_name("deployer").send().await.unwrap();
    let err = expect_code(server.iam(&creds).list_users().send().await, "AccessDenied");
    assert!(err.starts_with(&format!("User: {} is not authorized", user.arn())), "{err}");
    let kms = server.kms(&creds);
    let key = kms.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    kms.encrypt().key_id(&key).plaintext(crate::common::blob(b"x")).send().await.unwrap();

    // The token must be the session's own.
    let mut wrong = creds.clone();
    wrong.token = Some("not-the-token".into());
    let err = server.sts(&wrong).get_caller_identity().send().await.unwrap_err();
    assert_eq!(
        (err.code(), err.raw_response().map(|r| r.status().as_u16())),
        (Some("InvalidClientTokenId"), Some(403))
    );
    expect_code(server.kms(&wrong).list_keys().send().await, "UnrecognizedClientException");
    let mut missing = creds.clone();
    missing.token = None;
    expect_code(server.sts(&missing).get_caller_identity().send().await, "InvalidClientTokenId");
    // A long-term key does not take a token.
    let mut stray = bob.clone();
    stray.token = Some("x".into());
    expect_code(server.sts(&stray).get_caller_identity().send().await, "InvalidClientTokenId");

    // One second before expiry they work; at expiry they are refused on every service.
    server.clock.advance(Duration::seconds(3599));
    server.sts(&creds).get_caller_identity().send().await.unwrap();
    server.clock.advance(Duration::seconds(1));
    let err = server.sts(&creds).get_caller_identity().send().await.unwrap_err();
    assert_eq!((err.code(), err.raw_response().map(|r| r.status().as_u16())), (Some("ExpiredToken"), Some(403)));
    assert_eq!(err.message(), Some("The security token included in the request is expired"));
    expect_code(server.iam(&creds).get_role().role_name("deployer").send().await, "ExpiredToken");
    let err = kms.list_keys().send().await.unwrap_err();
    assert_eq!(crate::common::code(&err), "ExpiredTokenException");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
}

#[tokio::test]
async fn the_trust_policy_decides_who_may_assume() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let bob = server.user_with_policy("bob", None).await;
    let sts = server.sts(&bob);

    // Trusting the account delegates to the caller's identity policies.
    let by_account = server.role("by-account", &trust(&account), None, None).await;
    let err = expect_code(sts.assume_role().role_arn(&by_account).role_session_name("s1").send().await, "AccessDenied");
    assert_eq!(
        err,
        format!(
            "User: arn:aws:iam::{account}:user/bob is not authorized to perform: sts:AssumeRole on resource: {by_account}"
        )
    );
    let iam = server.iam(&server.admin_creds());
    let may_assume = allow("\"sts:AssumeRole\"", &by_account);
    iam.put_user_policy().user_name("bob").policy_name("assume").policy_document(&may_assume).send().await.unwrap();
    sts.assume_role().role_arn(&by_account).role_session_name("s2").send().await.unwrap();

    // Trusting someone else: no identity policy helps.
    let for_carol = server.role("for-carol", &trust(&format!("arn:aws:iam::{account}:user/carol")), None, None).await;
    let may_assume_any = allow("\"sts:AssumeRole\"", "*");
    iam.put_user_policy().user_name("bob").policy_name("assume").policy_document(&may_assume_any).send().await.unwrap();
    expect_code(sts.assume_role().role_arn(&for_carol).role_session_name("s3").send().await, "AccessDenied");

    // An explicit deny in the caller's policies wins over a trust policy naming it.
    let for_bob = server.role("for-bob", &trust(&format!("arn:aws:iam::{account}:user/bob")), None, None).await;
    sts.assume_role().role_arn(&for_bob).role_session_name("s4").send().await.unwrap();
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}"#;
    iam.put_user_policy().user_name("bob").policy_name("deny").policy_document(deny).send().await.unwrap();
    expect_code(sts.assume_role().role_arn(&for_bob).role_session_name("s5").send().await, "AccessDenied");

    // A role that does not exist is not revealed; a malformed ARN is a validation error.
    let ghost = format!("arn:aws:iam::{account}:role/ghost");
    expect_code(
        server.sts(&server.admin_creds()).assume_role().role_arn(&ghost).role_session_name("s6").send().await,
        "AccessDenied",
    );
    expect_code(
        sts.assume_role().role_arn("arn:aws:iam::x:user/nope").role_session_name("s7").send().await,
        "ValidationError",
    );
    expect_code(sts.assume_role().role_arn(&for_bob).role_session_name("x").send().await, "ValidationError");
}

#[tokio::test]
async fn the_root_user_cannot_assume_roles() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let id = trent_core::AccountId::parse(&account).unwrap();
    let root = trent_core::Principal {
        account: id.clone(),
        kind: trent_core::PrincipalKind::Root,
        unique_id: account.clone(),
    };
    let key = server.state.identities.create_access_key(root).await.unwrap();
    let creds = Creds {
        id: key.access_key_id.clone(),
        secret: String::from_utf8(key.secret_access_key.expose_secret().to_vec()).unwrap(),
        token: None,
    };
    let role = server.role("r", &trust(&account), None, None).await;
    let err = expect_code(
        server.sts(&creds).assume_role().role_arn(&role).role_session_name("root").send().await,
        "AccessDenied",
    );
    assert_eq!(err, "Roles may not be assumed by root accounts.");
    let me = server.sts(&creds).get_caller_identity().send().await.unwrap();
    assert_eq!(
        (me.arn(), me.user_id()),
        (Some(format!("arn:aws:iam::{account}:root").as_str()), Some(account.as_str()))
    );
}

#[tokio::test]
async fn duration_seconds_stays_within_its_bounds() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let bob = server.user_with_policy("bob", None).await;
    let sts = server.sts(&bob);
    let bob_arn = format!("arn:aws:iam::{account}:user/bob");
    let short = server.role("short", &trust(&bob_arn), None, None).await;
    let long = server.role("long", &trust(&bob_arn), Some(&allow("\"sts:AssumeRole\"", "*")), Some(7200)).await;

    let assume = |role: &str, seconds: i32| {
        sts.assume_role().role_arn(role).role_session_name("dur").duration_seconds(seconds).send()
    };
    let err = expect_code(assume(&short, 899).await, "ValidationError");
    assert!(err.contains("greater than or equal to 900"), "{err}");
    expect_code(assume(&short, 43_201).await, "ValidationError");
    let err = expect_code(assume(&short, 3601).await, "ValidationError");
    assert_eq!(err, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    let ok = assume(&short, 900).await.unwrap();
    assert_eq!(ok.credentials().unwrap().expiration().secs() - server.clock.now().unix_timestamp(), 900);
    let long_session = assume(&long, 7200).await.unwrap();
    assert_eq!(long_session.credentials().unwrap().expiration().secs() - server.clock.now().unix_timestamp(), 7200);

    // Role chaining: a session assuming a role gets at most an hour.
    let long_trust = trust(&format!("arn:aws:iam::{account}:role/long"));
    let chained = server.role("chained", &long_trust, None, Some(43_200)).await;
    let as_session = server.sts(&session(&long_session));
    let chain = |seconds: i32| {
        as_session.assume_role().role_arn(&chained).role_session_name("chain").duration_seconds(seconds).send()
    };
    let err = expect_code(chain(3601).await, "ValidationError");
    assert!(err.contains("role chaining"), "{err}");
    chain(3600).await.unwrap();
}

#[tokio::test]
async fn session_policies_narrow_and_role_changes_apply_at_once() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let bob = server.user_with_policy("bob", None).await;
    let role = server
        .role("ops", &trust(&format!("arn:aws:iam::{account}:user/bob")), Some(&allow("\"iam:*\"", "*")), None)
        .await;
    let sts = server.sts(&bob);

    let narrow = allow("\"iam:GetRole\"", "*");
    let out = sts.assume_role().role_arn(&role).role_session_name("narrow").policy(&narrow).send().await.unwrap();
    let iam = server.iam(&session(&out));
    iam.get_role().role_name("ops").send().await.unwrap();
    expect_code(iam.list_role_policies().role_name("ops").send().await, "AccessDenied");
    // The role allows IAM only: KMS refuses the session.
    expect_code(server.kms(&session(&out)).list_keys().send().await, "AccessDeniedException");
    expect_code(
        sts.assume_role().role_arn(&role).role_session_name("bad").policy("{").send().await,
        "MalformedPolicyDocument",
    );

    let tag = aws_sdk_sts::types::Tag::builder().key("project").value("trent").build().unwrap();
    let full = sts.assume_role().role_arn(&role).role_session_name("full").tags(tag).send().await.unwrap();
    let full_iam = server.iam(&session(&full));
    full_iam.list_role_policies().role_name("ops").send().await.unwrap();

    // Removing the role's policy applies to its live sessions at once; deleting the role ends them.
    let admin = server.iam(&server.admin_creds());
    admin.delete_role_policy().role_name("ops").policy_name("inline").send().await.unwrap();
    expect_code(full_iam.get_role().role_name("ops").send().await, "AccessDenied");
    admin.delete_role().role_name("ops").send().await.unwrap();
    expect_code(full_iam.get_role().role_name("ops").send().await, "InvalidClientTokenId");
}

#[tokio::test]
async fn cross_account_roles_need_both_the_trust_and_an_identity_policy() {
    let server = TestServer::start().await;
    let home = server.account().await;
    let other = trent_core::AccountId::parse("210987654321").unwrap();
    let (_, key) = server.state.identities.create_account_with_admin(Some(other.clone()), "other").await.unwrap();
    let other_admin = Creds {
        id: key.access_key_id.clone(),
        secret: String::from_utf8(key.secret_access_key.expose_secret().to_vec()).unwrap(),
        token: None,
    };
    // Each account sees only its own IAM entities.
    let other_iam = server.iam(&other_admin);
    let users = other_iam.list_users().send().await.unwrap();
    assert_eq!(users.users().iter().map(|u| u.user_name()).collect::<Vec<_>>(), ["admin"]);
    expect_code(other_iam.get_user().user_name("bob").send().await, "NoSuchEntity");

    let bob = server.user_with_policy("bob", None).await;
    let bob_arn = format!("arn:aws:iam::{home}:user/bob");
    let trust_bob = trust(&bob_arn);
    other_iam.create_role().role_name("shared").assume_role_policy_document(&trust_bob).send().await.unwrap();
    let role_arn = format!("arn:aws:iam::{other}:role/shared");
    let sts = server.sts(&bob);
    // Named by the other account's trust policy, but no identity policy at home: denied.
    expect_code(sts.assume_role().role_arn(&role_arn).role_session_name("x-acct").send().await, "AccessDenied");
    let iam = server.iam(&server.admin_creds());
    let may_assume = allow("\"sts:AssumeRole\"", &role_arn);
    iam.put_user_policy().user_name("bob").policy_name("assume").policy_document(&may_assume).send().await.unwrap();
    let out = sts.assume_role().role_arn(&role_arn).role_session_name("x-acct").send().await.unwrap();
    let who = server.sts(&session(&out)).get_caller_identity().send().await.unwrap();
    assert_eq!(who.account(), Some(other.as_str()));
    assert_eq!(who.arn(), Some(format!("arn:aws:sts::{other}:assumed-role/shared/x-acct").as_str()));

    // A trust policy naming another account (not bob's) refuses him whatever his policies say.
    let trust_stranger = trust("123456789012");
    other_iam.create_role().role_name("closed").assume_role_policy_document(&trust_stranger).send().await.unwrap();
    let closed = format!("arn:aws:iam::{other}:role/closed");
    iam.put_user_policy()
        .user_name("bob")
        .policy_name("assume")
        .policy_document(allow("\"sts:AssumeRole\"", "*"))
        .send()
        .await
        .unwrap();
    expect_code(sts.assume_role().role_arn(&closed).role_session_name("x-acct").send().await, "AccessDenied");
}

#[tokio::test]
async fn external_id_and_source_identity_are_held_to_the_models_bounds() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let bob = server.user_with_policy("bob", None).await;
    let sts = server.sts(&bob);
    let bob_arn = format!("arn:aws:iam::{account}:user/bob");
    let trust_with_external_id = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{bob_arn}"}},"Action":["sts:AssumeRole","sts:SetSourceIdentity"],"Condition":{{"StringEquals":{{"sts:ExternalId":"ext/1:a"}}}}}}]}}"#
    );
    let role = server.role("third-party", &trust_with_external_id, None, None).await;
    let assume = |external_id: Option<&str>, source_identity: Option<&str>| {
        sts.assume_role()
            .role_arn(&role)
            .role_session_name("third-party-session")
            .set_external_id(external_id.map(str::to_owned))
            .set_source_identity(source_identity.map(str::to_owned))
            .send()
    };
    // ExternalId: 2..=1224 characters of [\w+=,./@:-].
    let err = expect_code(assume(Some("x"), None).await, "ValidationError");
    assert!(err.contains("'externalId'") && err.contains("greater than or equal to 2"), "{err}");
    let err = expect_code(assume(Some(&"e".repeat(1225)), None).await, "ValidationError");
    assert!(err.contains("'externalId'") && err.contains("less than or equal to 1224"), "{err}");
    let err = expect_code(assume(Some("ext 1"), None).await, "ValidationError");
    assert!(err.contains("'externalId'") && err.contains("pattern"), "{err}");
    // SourceIdentity: 2..=256 characters of [\w+=,.@-], so never the reserved `aws:` prefix.
    let err = expect_code(assume(Some("ext/1:a"), Some(&"s".repeat(257))).await, "ValidationError");
    assert!(err.contains("'sourceIdentity'") && err.contains("less than or equal to 256"), "{err}");
    let err = expect_code(assume(Some("ext/1:a"), Some("aws:me")).await, "ValidationError");
    assert!(err.contains("'sourceIdentity'") && err.contains("pattern"), "{err}");
    // Within the bounds, the trust policy decides: the wrong external id is refused.
    expect_code(assume(Some("ext/1:b"), None).await, "AccessDenied");
    expect_code(assume(None, None).await, "AccessDenied");
    let max = "s".repeat(256);
    let out = assume(Some("ext/1:a"), Some(&max)).await.expect("assume with both at their bounds");
    assert_eq!(out.source_identity(), Some(max.as_str()));
    expect_code(assume(Some(&"e".repeat(1224)), None).await, "AccessDenied");

    // A source identity needs `sts:SetSourceIdentity` in the trust policy, as AWS requires.
    let plain = server.role("no-source-identity", &trust(&bob_arn), None, None).await;
    let with_source = sts.assume_role().role_arn(&plain).role_session_name("with-source").source_identity("alice");
    expect_code(with_source.send().await, "AccessDenied");
    sts.assume_role().role_arn(&plain).role_session_name("without-source").send().await.expect("no source identity");
}
