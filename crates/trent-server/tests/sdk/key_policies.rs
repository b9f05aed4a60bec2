//! KMS authorization end to end: key policies (Get/Put/ListKeyPolicies, the lockout safety
//! check, malformed documents), the default key policy delegating to IAM, explicit denies,
//! encryption-context conditions, grants that let a principal without any IAM policy use a
//! key, role sessions, and cross-account use.

use aws_sdk_kms::types::{GrantConstraints, GrantOperation};

use crate::common::{TestServer, blob, expect_code};
use crate::iam::{Creds, allow};

/// A key policy: the account delegates to IAM, plus `extra` statements.
fn key_policy(account: &str, extra: &str) -> String {
    let sep = if extra.is_empty() { "" } else { "," };
    format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"kms:*","Resource":"*"}}{sep}{extra}]}}"#
    )
}

async fn setup() -> (TestServer, String, String) {
    let server = TestServer::start().await;
    let account = server.account().await;
    let key = server.new_key().await;
    (server, account, key)
}

#[tokio::test]
async fn the_default_policy_delegates_to_iam() {
    let (server, _account, key) = setup().await;
    let user = server.user_with_policy("app", Some(&allow(r#"["kms:Encrypt"]"#, "*"))).await;
    let nobody = server.user_with_policy("nobody", None).await;
    server.kms(&user).encrypt().key_id(&key).plaintext(blob(b"x")).send().await.unwrap();
    let message = expect_code(
        server.kms(&user).decrypt().ciphertext_blob(blob(&[1; 200])).key_id(&key).send().await,
        "InvalidCiphertextException",
    );
    assert!(message.is_empty());
    let r = server.kms(&nobody).encrypt().key_id(&key).plaintext(blob(b"x")).send().await;
    let message = expect_code(r, "AccessDeniedException");
    assert!(
        message.contains(":user/nobody is not authorized to perform: kms:Encrypt on resource: arn:aws:kms:")
            && message.ends_with("because no identity-based policy allows the kms:Encrypt action"),
        "{message}"
    );
    expect_code(server.kms(&nobody).list_keys().send().await, "AccessDeniedException");
    expect_code(server.kms(&nobody).create_key().send().await, "AccessDeniedException");
    expect_code(server.kms(&user).describe_key().key_id(&key).send().await, "AccessDeniedException");
}

#[tokio::test]
async fn key_policies_can_be_read_listed_and_replaced() {
    let (server, account, key) = setup().await;
    let kms = server.client();
    let got = kms.get_key_policy().key_id(&key).policy_name("default").send().await.unwrap();
    assert!(got.policy().unwrap().contains(&format!("arn:aws:iam::{account}:root")));
    assert_eq!(got.policy_name(), Some("default"));
    let names = kms.list_key_policies().key_id(&key).send().await.unwrap();
    assert_eq!(names.policy_names(), ["default"]);
    expect_code(kms.get_key_policy().key_id(&key).policy_name("other").send().await, "NotFoundException");

    // Name a user directly: it needs no IAM policy then.
    let direct = server.user_with_policy("direct", None).await;
    let statement = format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:user/direct"}},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}}"#
    );
    let policy = key_policy(&account, &statement);
    kms.put_key_policy().key_id(&key).policy_name("default").policy(&policy).send().await.unwrap();
    assert_eq!(kms.get_key_policy().key_id(&key).send().await.unwrap().policy(), Some(policy.as_str()));
    let ct = server.kms(&direct).encrypt().key_id(&key).plaintext(blob(b"hi")).send().await.unwrap();
    let pt = server.kms(&direct).decrypt().ciphertext_blob(ct.ciphertext_blob().unwrap().clone()).send().await.unwrap();
    assert_eq!(pt.plaintext().unwrap().as_ref(), b"hi");
    expect_code(server.kms(&direct).describe_key().key_id(&key).send().await, "AccessDeniedException");
}

#[tokio::test]
async fn malformed_policies_and_the_lockout_check() {
    let (server, account, key) = setup().await;
    let kms = server.client();
    for bad in [
        "{not json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Principal":"*","Action":"kms:*","Resource":"*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"kms:*","Resource":"*"}]}"#,
    ] {
        let r = kms.put_key_policy().key_id(&key).policy(bad).send().await;
        expect_code(r, "MalformedPolicyDocumentException");
    }
    // A policy that no longer lets the administrator put a policy is refused...
    let other = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:user/someone"}},"Action":"kms:*","Resource":"*"}}]}}"#
    );
    let message =
        expect_code(kms.put_key_policy().key_id(&key).policy(&other).send().await, "MalformedPolicyDocumentException");
    assert!(message.contains("will not allow you to update the key policy in the future"), "{message}");
    let r = kms.create_key().policy(&other).send().await;
    expect_code(r, "MalformedPolicyDocumentException");
    // ...unless the caller bypasses the check, and then it is locked out, as in AWS.
    kms.put_key_policy().key_id(&key).policy(&other).bypass_policy_lockout_safety_check(true).send().await.unwrap();
    expect_code(kms.describe_key().key_id(&key).send().await, "AccessDeniedException");
    let r = kms.encrypt().key_id(&key).plaintext(blob(b"x")).send().await;
    let message = expect_code(r, "AccessDeniedException");
    assert!(message.ends_with("because no resource-based policy allows the kms:Encrypt action"), "{message}");
}

/// AWS's order for `PutKeyPolicy`: find the key, authorize, validate the document, then the
/// lockout check. A missing key or a refused caller learns nothing about the document.
#[tokio::test]
async fn put_key_policy_finds_and_authorizes_before_it_reads_the_document() {
    let (server, _account, key) = setup().await;
    let kms = server.client();
    let missing = "00000000-0000-0000-0000-000000000000";
    let message =
        expect_code(kms.put_key_policy().key_id(missing).policy("{not json").send().await, "NotFoundException");
    assert!(message.starts_with("Key 'arn:aws:kms:") && message.ends_with(&format!("key/{missing}' does not exist")));
    let nobody = server.user_with_policy("nobody", None).await;
    let r = server.kms(&nobody).put_key_policy().key_id(&key).policy("{not json").send().await;
    let message = expect_code(r, "AccessDeniedException");
    assert!(message.contains("kms:PutKeyPolicy"), "{message}");
    expect_code(kms.put_key_policy().key_id(&key).policy("{not json").send().await, "MalformedPolicyDocumentException");
}

#[tokio::test]
async fn an_explicit_deny_beats_administrator_access() {
    let (server, account, key) = setup().await;
    let kms = server.client();
    let deny = r#"{"Sid":"NoDecrypt","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}"#;
    kms.put_key_policy().key_id(&key).policy(key_policy(&account, deny)).send().await.unwrap();
    let ct = kms.encrypt().key_id(&key).plaintext(blob(b"x")).send().await.unwrap();
    let r = kms.decrypt().ciphertext_blob(ct.ciphertext_blob().unwrap().clone()).send().await;
    let message = expect_code(r, "AccessDeniedException");
    assert!(message.ends_with("with an explicit deny in a resource-based policy"), "{message}");
}

#[tokio::test]
async fn encryption_context_conditions_are_enforced() {
    let (server, account, key) = setup().await;
    let statement = format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:user/tenant"}},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*",
            "Condition":{{"StringEquals":{{"kms:EncryptionContext:tenant":"acme"}}}}}}"#
    );
    server.client().put_key_policy().key_id(&key).policy(key_policy(&account, &statement)).send().await.unwrap();
    let tenant = server.user_with_policy("tenant", None).await;
    let kms = server.kms(&tenant);
    let ct =
        kms.encrypt().key_id(&key).plaintext(blob(b"x")).encryption_context("tenant", "acme").send().await.unwrap();
    kms.decrypt()
        .ciphertext_blob(ct.ciphertext_blob().unwrap().clone())
        .encryption_context("tenant", "acme")
        .send()
        .await
        .unwrap();
    let r = kms.encrypt().key_id(&key).plaintext(blob(b"x")).encryption_context("tenant", "other").send().await;
    expect_code(r, "AccessDeniedException");
    expect_code(kms.encrypt().key_id(&key).plaintext(blob(b"x")).send().await, "AccessDeniedException");
}

#[tokio::test]
async fn grants_allow_a_principal_without_policies_within_their_constraints() {
    let (server, account, key) = setup().await;
    let app = server.user_with_policy("granted", None).await;
    let kms = server.kms(&app);
    expect_code(kms.encrypt().key_id(&key).plaintext(blob(b"x")).send().await, "AccessDeniedException");
    let grant = server
        .client()
        .create_grant()
        .key_id(&key)
        .grantee_principal(format!("arn:aws:iam::{account}:user/granted"))
        .operations(GrantOperation::Encrypt)
        .operations(GrantOperation::Decrypt)
        .constraints(GrantConstraints::builder().encryption_context_subset("app", "billing").build())
        .send()
        .await
        .unwrap();
    let ct = kms
        .encrypt()
        .key_id(&key)
        .plaintext(blob(b"x"))
        .encryption_context("app", "billing")
        .encryption_context("extra", "ok")
        .send()
        .await
        .unwrap();
    kms.decrypt()
        .ciphertext_blob(ct.ciphertext_blob().unwrap().clone())
        .encryption_context("app", "billing")
        .encryption_context("extra", "ok")
        .send()
        .await
        .unwrap();
    let r = kms.encrypt().key_id(&key).plaintext(blob(b"x")).encryption_context("app", "payroll").send().await;
    expect_code(r, "AccessDeniedException");
    expect_code(kms.generate_data_key().key_id(&key).number_of_bytes(16).send().await, "AccessDeniedException");
    // The grantee may not retire the grant (no RetireGrant operation), the administrator may.
    let r = kms.retire_grant().grant_token(grant.grant_token().unwrap()).send().await;
    expect_code(r, "AccessDeniedException");
    server.client().retire_grant().grant_token(grant.grant_token().unwrap()).send().await.unwrap();
    let r = kms.encrypt().key_id(&key).plaintext(blob(b"x")).encryption_context("app", "billing").send().await;
    expect_code(r, "AccessDeniedException");
}

pub(crate) async fn second_account(server: &TestServer) -> (String, Creds) {
    let (account, key) = server.state.identities.create_account_with_admin(None, "partner").await.expect("account");
    let creds = Creds {
        id: key.access_key_id,
        secret: String::from_utf8(key.secret_access_key.expose_secret().to_vec()).expect("ascii"),
        token: None,
    };
    (account.id.to_string(), creds)
}

#[tokio::test]
async fn cross_account_use_needs_both_sides() {
    let (server, account, key) = setup().await;
    let (partner, partner_admin) = second_account(&server).await;
    let key_arn = server.key_arn(&key).await;
    let other = server.kms(&partner_admin);
    // The partner's administrator has kms:* in its account, but the key policy says nothing of it.
    expect_code(other.encrypt().key_id(&key_arn).plaintext(blob(b"x")).send().await, "AccessDeniedException");
    let statement = format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{partner}:root"}},"Action":["kms:Encrypt","kms:Decrypt","kms:DescribeKey"],"Resource":"*"}}"#
    );
    server.client().put_key_policy().key_id(&key).policy(key_policy(&account, &statement)).send().await.unwrap();
    let ct = other.encrypt().key_id(&key_arn).plaintext(blob(b"shared")).send().await.unwrap();
    let pt = other.decrypt().ciphertext_blob(ct.ciphertext_blob().unwrap().clone()).send().await.unwrap();
    assert_eq!(pt.plaintext().unwrap().as_ref(), b"shared");
    // A partner user without an IAM policy is still refused: its account must allow it too.
    let bare = {
        let iam = server.iam(&partner_admin);
        iam.create_user().user_name("bare").send().await.unwrap();
        let k = iam.create_access_key().user_name("bare").send().await.unwrap();
        let k = k.access_key().unwrap();
        Creds { id: k.access_key_id().to_owned(), secret: k.secret_access_key().to_owned(), token: None }
    };
    let r = server.kms(&bare).encrypt().key_id(&key_arn).plaintext(blob(b"x")).send().await;
    expect_code(r, "AccessDeniedException");
    // By key id alone the partner names a key of its own account, which does not exist.
    expect_code(other.describe_key().key_id(&key).send().await, "NotFoundException");
}

#[tokio::test]
async fn a_key_policy_naming_a_role_admits_its_sessions() {
    let (server, account, key) = setup().await;
    let admin = server.iam(&server.admin_creds());
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    admin.create_role().role_name("Encryptor").assume_role_policy_document(trust).send().await.unwrap();
    let statement = format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:role/Encryptor"}},"Action":"kms:Encrypt","Resource":"*"}}"#
    );
    server.client().put_key_policy().key_id(&key).policy(key_policy(&account, &statement)).send().await.unwrap();
    let out = server
        .sts(&server.admin_creds())
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/Encryptor"))
        .role_session_name("job-1")
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    let session = Creds {
        id: c.access_key_id().to_owned(),
        secret: c.secret_access_key().to_owned(),
        token: Some(c.session_token().to_owned()),
    };
    let kms = server.kms(&session);
    kms.encrypt().key_id(&key).plaintext(blob(b"x")).send().await.unwrap();
    expect_code(kms.generate_data_key().key_id(&key).number_of_bytes(8).send().await, "AccessDeniedException");
}
