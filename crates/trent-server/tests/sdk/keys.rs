//! CreateKey, DescribeKey, ListKeys, UpdateKeyDescription: happy paths and every
//! validation error.

use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType, OriginType, Tag};

use crate::common::{TestServer, expect_code};

#[tokio::test]
async fn create_key_returns_full_metadata() {
    let server = TestServer::start().await;
    let kms = server.client();
    let out = kms
        .create_key()
        .description("payments")
        .tags(Tag::builder().tag_key("team").tag_value("core").build().unwrap())
        .send()
        .await
        .unwrap();
    let m = out.key_metadata().unwrap();
    assert_eq!(m.key_state(), Some(&KeyState::Enabled));
    assert!(m.enabled());
    assert_eq!(m.description(), Some("payments"));
    assert_eq!(m.key_spec(), Some(&KeySpec::SymmetricDefault));
    assert_eq!(m.key_usage(), Some(&KeyUsageType::EncryptDecrypt));
    assert_eq!(m.origin(), Some(&OriginType::AwsKms));
    let account = m.aws_account_id().unwrap();
    assert_eq!(account.len(), 12);
    assert_eq!(m.arn().unwrap(), format!("arn:aws:kms:us-east-1:{account}:key/{}", m.key_id()));
    assert!(m.creation_date().is_some());
    assert_eq!(m.current_key_material_id().map(str::len), Some(64));
    let tags = kms.list_resource_tags().key_id(m.key_id()).send().await.unwrap();
    assert_eq!(tags.tags().len(), 1);
}

#[tokio::test]
async fn describe_key_accepts_every_identifier_form() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let arn = kms.describe_key().key_id(&id).send().await.unwrap().key_metadata().unwrap().arn().unwrap().to_owned();
    kms.create_alias().alias_name("alias/desc").target_key_id(&id).send().await.unwrap();
    let alias_arn = arn.replace(&format!("key/{id}"), "alias/desc");
    for form in [id.as_str(), arn.as_str(), "alias/desc", alias_arn.as_str()] {
        let m = kms.describe_key().key_id(form).send().await.unwrap();
        assert_eq!(m.key_metadata().unwrap().key_id(), id, "{form}");
    }
    expect_code(kms.describe_key().key_id("00000000-0000-0000-0000-000000000000").send().await, "NotFoundException");
    expect_code(kms.describe_key().key_id("not-a-key").send().await, "NotFoundException");
    expect_code(kms.describe_key().key_id("alias/none").send().await, "NotFoundException");
    expect_code(kms.describe_key().key_id("arn:aws:s3:::bucket").send().await, "InvalidArnException");
}

#[tokio::test]
async fn list_keys_paginates_with_markers() {
    let server = TestServer::start().await;
    let kms = server.client();
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(server.new_key().await);
    }
    // Listed in the order created (Trent's store keeps that order; AWS documents none).
    let mut seen = Vec::new();
    let mut marker = None;
    loop {
        let page = kms.list_keys().limit(2).set_marker(marker).send().await.unwrap();
        assert!(page.keys().len() <= 2);
        seen.extend(page.keys().iter().map(|k| k.key_id().unwrap().to_owned()));
        assert_eq!(page.truncated(), page.next_marker().is_some());
        marker = page.next_marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    assert_eq!(seen, created);
    expect_code(kms.list_keys().marker("garbage").send().await, "InvalidMarkerException");
    expect_code(kms.list_keys().limit(0).send().await, "ValidationException");
    expect_code(kms.list_keys().limit(1001).send().await, "ValidationException");
}

#[tokio::test]
async fn update_key_description_changes_it() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    kms.update_key_description().key_id(&id).description("new").send().await.unwrap();
    let m = kms.describe_key().key_id(&id).send().await.unwrap();
    assert_eq!(m.key_metadata().unwrap().description(), Some("new"));
    expect_code(
        kms.update_key_description().key_id(&id).description("x".repeat(8193)).send().await,
        "ValidationException",
    );
}

#[tokio::test]
async fn create_key_validation_errors() {
    let server = TestServer::start().await;
    let kms = server.client();
    expect_code(kms.create_key().description("d".repeat(8193)).send().await, "ValidationException");
    expect_code(kms.create_key().key_spec(KeySpec::Sm2).send().await, "UnsupportedOperationException");
    expect_code(kms.create_key().key_usage(KeyUsageType::SignVerify).send().await, "ValidationException");
    expect_code(kms.create_key().origin(OriginType::AwsCloudhsm).send().await, "UnsupportedOperationException");
    expect_code(kms.create_key().origin(OriginType::ExternalKeyStore).send().await, "UnsupportedOperationException");
    expect_code(
        kms.create_key().origin(OriginType::External).multi_region(true).send().await,
        "UnsupportedOperationException",
    );
    expect_code(kms.create_key().custom_key_store_id("cks-1").send().await, "CustomKeyStoreNotFoundException");
    expect_code(kms.create_key().policy("{not json").send().await, "MalformedPolicyDocumentException");
    expect_code(
        kms.create_key().policy("{\"Version\":\"2012-10-17\"}").send().await,
        "MalformedPolicyDocumentException",
    );
    let tag = |k: &str, v: &str| Tag::builder().tag_key(k).tag_value(v).build().unwrap();
    expect_code(kms.create_key().tags(tag("aws:reserved", "v")).send().await, "TagException");
    expect_code(kms.create_key().tags(tag("k", "v")).tags(tag("k", "w")).send().await, "TagException");
    expect_code(kms.create_key().tags(tag(&"k".repeat(129), "v")).send().await, "ValidationException");
    let mut many = kms.create_key();
    for i in 0..51 {
        many = many.tags(tag(&format!("k{i}"), "v"));
    }
    expect_code(many.send().await, "TagException");
    // Nothing half-created: only keys from successful calls exist.
    assert!(kms.list_keys().send().await.unwrap().keys().is_empty());
    // Multi-Region keys of every spec family (issue 12): asymmetric and HMAC ones too.
    for (spec, usage) in [
        (KeySpec::Rsa2048, KeyUsageType::SignVerify),
        (KeySpec::EccNistP256, KeyUsageType::SignVerify),
        (KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac),
    ] {
        let out = kms.create_key().multi_region(true).key_spec(spec.clone()).key_usage(usage).send().await.unwrap();
        let m = out.key_metadata().unwrap();
        assert!(m.key_id().starts_with("mrk-") && m.multi_region() == Some(true), "{spec:?}");
        assert_eq!(m.key_spec(), Some(&spec));
    }
}

#[tokio::test]
async fn a_given_policy_is_kept_and_the_default_names_the_account() {
    let server = TestServer::start().await;
    let kms = server.client();
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}"#;
    let id = kms.create_key().policy(policy).send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let stored = server.state.kms.describe_key(&admin(&server).await, &id).await.unwrap();
    assert_eq!(stored.record.policy, policy);
    let id2 = server.new_key().await;
    let default = server.state.kms.describe_key(&admin(&server).await, &id2).await.unwrap();
    assert!(default.record.policy.contains(&format!("arn:aws:iam::{}:root", default.record.scope.account)));
}

/// The administrator as a domain caller, for assertions that look behind the wire.
pub(crate) async fn admin(server: &TestServer) -> trent_core::Caller {
    server.caller(&server.access_key_id).await
}
