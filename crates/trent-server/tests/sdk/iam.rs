//! IAM over awsQuery, driven by `aws-sdk-iam`: users, access keys, inline policies, groups and
//! roles; a user signing in with its own key and being allowed and denied as its policies say.

use std::time::SystemTime;

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_smithy_async::time::{SharedTimeSource, TimeSource};
use trent_core::{Clock, ManualClock};

use crate::common::{TestServer, expect_code};

/// The manual clock as the SDKs' time source, so signatures stay fresh when tests move time.
#[derive(Debug, Clone)]
pub(crate) struct ManualTime(pub(crate) ManualClock);

impl TimeSource for ManualTime {
    fn now(&self) -> SystemTime {
        SystemTime::from(self.0.now())
    }
}

/// Credentials of a test principal: an access key, its secret and (for sessions) a token.
#[derive(Clone, Debug)]
pub(crate) struct Creds {
    pub(crate) id: String,
    pub(crate) secret: String,
    pub(crate) token: Option<String>,
}

impl TestServer {
    /// The administrator's credentials.
    pub(crate) fn admin_creds(&self) -> Creds {
        Creds { id: self.access_key_id.clone(), secret: self.secret_access_key.clone(), token: None }
    }

    fn provider(creds: &Creds) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(&creds.id, &creds.secret, creds.token.clone(), None, "trent-tests")
    }

    /// An IAM client signing with `creds`.
    pub(crate) fn iam(&self, creds: &Creds) -> aws_sdk_iam::Client {
        let conf = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(format!("http://{}", self.addr))
            .credentials_provider(Self::provider(creds))
            .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled())
            .time_source(SharedTimeSource::new(ManualTime(self.clock.clone())))
            .build();
        aws_sdk_iam::Client::from_conf(conf)
    }

    /// An STS client signing with `creds`.
    pub(crate) fn sts(&self, creds: &Creds) -> aws_sdk_sts::Client {
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url(format!("http://{}", self.addr))
            .credentials_provider(Self::provider(creds))
            .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
            .time_source(SharedTimeSource::new(ManualTime(self.clock.clone())))
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }

    /// A KMS client signing with `creds` (session token included).
    pub(crate) fn kms(&self, creds: &Creds) -> aws_sdk_kms::Client {
        let conf = aws_sdk_kms::Config::builder()
            .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
            .region(aws_sdk_kms::config::Region::new("us-east-1"))
            .endpoint_url(format!("http://{}", self.addr))
            .credentials_provider(Self::provider(creds))
            .retry_config(aws_sdk_kms::config::retry::RetryConfig::disabled())
            .time_source(SharedTimeSource::new(ManualTime(self.clock.clone())))
            .build();
        aws_sdk_kms::Client::from_conf(conf)
    }

    /// Creates user `name` with the inline policy `policy` (if any) and an access key, as the
    /// administrator, and returns the key.
    pub(crate) async fn user_with_policy(&self, name: &str, policy: Option<&str>) -> Creds {
        let iam = self.iam(&self.admin_creds());
        iam.create_user().user_name(name).send().await.expect("create user");
        if let Some(p) = policy {
            iam.put_user_policy()
                .user_name(name)
                .policy_name("inline")
                .policy_document(p)
                .send()
                .await
                .expect("put policy");
        }
        let out = iam.create_access_key().user_name(name).send().await.expect("create access key");
        let key = out.access_key().expect("access key");
        Creds { id: key.access_key_id().to_owned(), secret: key.secret_access_key().to_owned(), token: None }
    }
}

/// An identity policy of one statement.
pub(crate) fn allow(actions: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"{resource}"}}]}}"#
    )
}

/// Decodes a URL-encoded policy document as IAM returns it.
pub(crate) fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

#[tokio::test]
async fn users_keys_and_inline_policies_round_trip() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let iam = server.iam(&server.admin_creds());

    let tag = aws_sdk_iam::types::Tag::builder().key("team").value("core").build().unwrap();
    let created = iam.create_user().user_name("Alice").path("/eng/").tags(tag).send().await.unwrap();
    let user = created.user().unwrap();
    assert_eq!(user.arn(), format!("arn:aws:iam::{account}:user/eng/Alice"));
    assert!(user.user_id().starts_with("AIDA") && user.user_id().len() == 21);
    assert_eq!(user.tags()[0].key(), "team");
    let err = expect_code(iam.create_user().user_name("alice").send().await, "EntityAlreadyExists");
    assert_eq!(err, "User with name alice already exists.");
    expect_code(iam.create_user().user_name("bad name").send().await, "ValidationError");

    let got = iam.get_user().user_name("ALICE").send().await.unwrap();
    assert_eq!(got.user().unwrap().user_name(), "Alice");
    let me = iam.get_user().send().await.unwrap();
    assert_eq!(me.user().unwrap().user_name(), "admin", "without UserName: the caller");
    let missing = iam.get_user().user_name("nobody").send().await.unwrap_err();
    assert_eq!(missing.code(), Some("NoSuchEntity"));
    assert_eq!(missing.raw_response().map(|r| r.status().as_u16()), Some(404));

    iam.create_user().user_name("bob").send().await.unwrap();
    let page = iam.list_users().max_items(2).send().await.unwrap();
    let names: Vec<&str> = page.users().iter().map(|u| u.user_name()).collect();
    assert_eq!(names, ["admin", "Alice"]);
    assert!(page.is_truncated());
    let rest = iam.list_users().marker(page.marker().unwrap()).send().await.unwrap();
    assert_eq!(rest.users().iter().map(|u| u.user_name()).collect::<Vec<_>>(), ["bob"]);
    assert!(!rest.is_truncated());
    let eng = iam.list_users().path_prefix("/eng/").send().await.unwrap();
    assert_eq!(eng.users().len(), 1);

    let document = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"kms:Encrypt\", \"Resource\": \"*\"}]\n}";
    iam.put_user_policy().user_name("alice").policy_name("Encrypt").policy_document(document).send().await.unwrap();
    let policy = iam.get_user_policy().user_name("alice").policy_name("Encrypt").send().await.unwrap();
    assert_eq!(policy.user_name(), "Alice");
    assert_eq!(url_decode(policy.policy_document()), document, "returned as written, URL-encoded");
    let listed = iam.list_user_policies().user_name("alice").send().await.unwrap();
    assert_eq!(listed.policy_names(), ["Encrypt"]);
    let malformed =
        iam.put_user_policy().user_name("alice").policy_name("bad").policy_document("{\"Statement\":[]").send().await;
    expect_code(malformed, "MalformedPolicyDocument");
    let with_principal =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}"#;
    let err = expect_code(
        iam.put_user_policy().user_name("alice").policy_name("p").policy_document(with_principal).send().await,
        "MalformedPolicyDocument",
    );
    assert_eq!(err, "Policy document should not specify a principal.");
    expect_code(
        iam.put_user_policy().user_name("nobody").policy_name("p").policy_document(document).send().await,
        "NoSuchEntity",
    );

    let k1 = iam.create_access_key().user_name("alice").send().await.unwrap();
    let k1 = k1.access_key().unwrap();
    assert!(k1.access_key_id().starts_with("AKIA") && k1.secret_access_key().len() == 40);
    iam.create_access_key().user_name("alice").send().await.unwrap();
    let err = expect_code(iam.create_access_key().user_name("alice").send().await, "LimitExceeded");
    assert_eq!(err, "Cannot exceed quota for AccessKeysPerUser: 2");
    let keys = iam.list_access_keys().user_name("alice").send().await.unwrap();
    assert_eq!(keys.access_key_metadata().len(), 2);
    assert!(keys.access_key_metadata().iter().all(|k| k.status() == Some(&aws_sdk_iam::types::StatusType::Active)));

    let err = expect_code(iam.delete_user().user_name("alice").send().await, "DeleteConflict");
    assert!(err.contains("must delete"), "{err}");
    for k in keys.access_key_metadata() {
        iam.delete_access_key().user_name("alice").access_key_id(k.access_key_id().unwrap()).send().await.unwrap();
    }
    expect_code(iam.delete_user().user_name("alice").send().await, "DeleteConflict");
    iam.delete_user_policy().user_name("alice").policy_name("Encrypt").send().await.unwrap();
    expect_code(iam.delete_user_policy().user_name("alice").policy_name("Encrypt").send().await, "NoSuchEntity");
    iam.delete_user().user_name("alice").send().await.unwrap();
    expect_code(iam.get_user().user_name("alice").send().await, "NoSuchEntity");
}

#[tokio::test]
async fn the_administrator_has_administrator_access() {
    let server = TestServer::start().await;
    let iam = server.iam(&server.admin_creds());
    let policies = iam.list_user_policies().user_name("admin").send().await.unwrap();
    assert_eq!(policies.policy_names(), ["AdministratorAccess"]);
    let doc = iam.get_user_policy().user_name("admin").policy_name("AdministratorAccess").send().await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(&url_decode(doc.policy_document())).unwrap();
    assert_eq!(doc["Statement"][0], serde_json::json!({"Effect": "Allow", "Action": "*", "Resource": "*"}));
}

#[tokio::test]
async fn a_user_is_allowed_and_denied_as_its_policies_say() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let admin = server.iam(&server.admin_creds());
    let policy = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["iam:GetUser","iam:ListUsers"],"Resource":"*"},
        {"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}]}"#;
    let bob = server.user_with_policy("bob", Some(policy)).await;
    let as_bob = server.iam(&bob);

    assert_eq!(as_bob.get_user().send().await.unwrap().user().unwrap().user_name(), "bob");
    as_bob.list_users().send().await.unwrap();
    let denied = as_bob.create_user().user_name("carol").send().await.unwrap_err();
    assert_eq!(denied.code(), Some("AccessDenied"));
    assert_eq!(denied.raw_response().map(|r| r.status().as_u16()), Some(403));
    assert_eq!(
        denied.message(),
        Some(
            format!(
                "User: arn:aws:iam::{account}:user/bob is not authorized to perform: iam:CreateUser on resource: \
                 arn:aws:iam::{account}:user/carol because no identity-based policy allows the iam:CreateUser action"
            )
            .as_str()
        )
    );

    // A group's policy applies from the next request on (the credential cache is invalidated).
    admin.create_group().group_name("admins").send().await.unwrap();
    admin
        .put_group_policy()
        .group_name("admins")
        .policy_name("all")
        .policy_document(allow("\"iam:*\"", "*"))
        .send()
        .await
        .unwrap();
    admin.add_user_to_group().group_name("admins").user_name("bob").send().await.unwrap();
    as_bob.create_user().user_name("carol").send().await.unwrap();
    // ... but an explicit deny wins over it.
    let err = expect_code(as_bob.delete_user().user_name("carol").send().await, "AccessDenied");
    assert!(err.ends_with("with an explicit deny in an identity-based policy"), "{err}");
    admin.remove_user_from_group().group_name("admins").user_name("bob").send().await.unwrap();
    expect_code(as_bob.create_user().user_name("dave").send().await, "AccessDenied");
    // Without permission, a missing user is not revealed.
    expect_code(
        as_bob
            .put_user_policy()
            .user_name("nobody")
            .policy_name("p")
            .policy_document(allow("\"s3:*\"", "*"))
            .send()
            .await,
        "AccessDenied",
    );

    // An inactive key stops authenticating at once; reactivated, it works again.
    admin
        .update_access_key()
        .user_name("bob")
        .access_key_id(&bob.id)
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .unwrap();
    let err = as_bob.get_user().send().await.unwrap_err();
    assert_eq!(
        (err.code(), err.raw_response().map(|r| r.status().as_u16())),
        (Some("InvalidClientTokenId"), Some(403))
    );
    expect_code(server.kms(&bob).list_keys().send().await, "UnrecognizedClientException");
    admin
        .update_access_key()
        .user_name("bob")
        .access_key_id(&bob.id)
        .status(aws_sdk_iam::types::StatusType::Active)
        .send()
        .await
        .unwrap();
    as_bob.get_user().send().await.unwrap();
    admin.delete_access_key().user_name("bob").access_key_id(&bob.id).send().await.unwrap();
    expect_code(as_bob.get_user().send().await, "InvalidClientTokenId");
}

#[tokio::test]
async fn kms_allows_and_denies_a_user_as_its_iam_policy_says() {
    let server = TestServer::start().await;
    let allowed_key = server.new_key().await;
    let other_key = server.new_key().await;
    let allowed_arn = server.key_arn(&allowed_key).await;
    let bob = server.user_with_policy("bob", Some(&allow("[\"kms:Encrypt\",\"kms:Decrypt\"]", &allowed_arn))).await;
    let kms = server.kms(&bob);
    let blob = crate::common::blob(b"secret");
    let out = kms.encrypt().key_id(&allowed_key).plaintext(blob.clone()).send().await.unwrap();
    kms.decrypt().ciphertext_blob(out.ciphertext_blob().unwrap().clone()).send().await.unwrap();
    let err = expect_code(kms.encrypt().key_id(&other_key).plaintext(blob).send().await, "AccessDeniedException");
    assert!(err.contains("because no identity-based policy allows the kms:Encrypt action"), "{err}");
    expect_code(kms.create_key().send().await, "AccessDeniedException");
}

#[tokio::test]
async fn groups_and_roles_over_the_sdk() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let iam = server.iam(&server.admin_creds());
    let group = iam.create_group().group_name("Ops").path("/teams/").send().await.unwrap();
    let group = group.group().unwrap();
    assert_eq!(group.arn(), format!("arn:aws:iam::{account}:group/teams/Ops"));
    assert!(group.group_id().starts_with("AGPA"));
    expect_code(iam.create_group().group_name("ops").send().await, "EntityAlreadyExists");
    expect_code(iam.add_user_to_group().group_name("ops").user_name("nobody").send().await, "NoSuchEntity");

    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let role = iam
        .create_role()
        .role_name("Deployer")
        .path("/svc/")
        .assume_role_policy_document(&trust)
        .description("deploys things")
        .max_session_duration(7200)
        .send()
        .await
        .unwrap();
    let role = role.role().unwrap();
    assert_eq!(role.arn(), format!("arn:aws:iam::{account}:role/svc/Deployer"));
    assert!(role.role_id().starts_with("AROA"));
    assert_eq!(role.max_session_duration(), Some(7200));
    let got = iam.get_role().role_name("deployer").send().await.unwrap();
    assert_eq!(url_decode(got.role().unwrap().assume_role_policy_document().unwrap()), trust);
    assert_eq!(got.role().unwrap().description(), Some("deploys things"));
    expect_code(
        iam.create_role().role_name("x").assume_role_policy_document("{}").send().await,
        "MalformedPolicyDocument",
    );
    let with_resource = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Resource":"*"}]}"#;
    expect_code(
        iam.create_role().role_name("x").assume_role_policy_document(with_resource).send().await,
        "MalformedPolicyDocument",
    );
    expect_code(
        iam.create_role().role_name("x").assume_role_policy_document(&trust).max_session_duration(3599).send().await,
        "ValidationError",
    );

    iam.put_role_policy()
        .role_name("deployer")
        .policy_name("kms")
        .policy_document(allow("\"kms:*\"", "*"))
        .send()
        .await
        .unwrap();
    assert_eq!(iam.list_role_policies().role_name("Deployer").send().await.unwrap().policy_names(), ["kms"]);
    expect_code(iam.delete_role().role_name("deployer").send().await, "DeleteConflict");
    iam.delete_role_policy().role_name("deployer").policy_name("kms").send().await.unwrap();
    iam.delete_role().role_name("deployer").send().await.unwrap();
    expect_code(iam.get_role().role_name("deployer").send().await, "NoSuchEntity");
}

impl TestServer {
    /// An SSM client signing with `creds` in `us-east-1`.
    pub(crate) fn ssm(&self, creds: &Creds) -> aws_sdk_ssm::Client {
        self.ssm_in(creds, "us-east-1")
    }

    /// An SSM client signing with `creds` for `region`.
    pub(crate) fn ssm_in(&self, creds: &Creds, region: &str) -> aws_sdk_ssm::Client {
        let conf = aws_sdk_ssm::Config::builder()
            .behavior_version(aws_sdk_ssm::config::BehaviorVersion::latest())
            .region(aws_sdk_ssm::config::Region::new(region.to_owned()))
            .endpoint_url(format!("http://{}", self.addr))
            .credentials_provider(Self::provider(creds))
            .retry_config(aws_sdk_ssm::config::retry::RetryConfig::disabled())
            .time_source(SharedTimeSource::new(ManualTime(self.clock.clone())))
            .build();
        aws_sdk_ssm::Client::from_conf(conf)
    }
}
