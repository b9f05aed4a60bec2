//! AWS managed keys: `alias/aws/<service>`, created on first use by a Trent service through
//! the internal API Secrets Manager and Parameter Store call (`Kms::on_behalf`), usable only
//! through that service within its account, never deleted, disabled or re-policied by anyone,
//! rotated every year; and the predefined AWS aliases `ListAliases` shows on any account.

use aws_sdk_kms::types::{KeyManagerType, KeyState, RotationType, Tag};
use trent_core::ViaService;
use trent_core::kms::{KmsError, PREDEFINED_ALIASES};
use trent_crypto::{EncryptionContext, Plaintext};

use crate::common::{TestServer, blob, expect_code};
use crate::iam::Creds;

fn secret() -> (Plaintext, EncryptionContext) {
    let ctx = EncryptionContext::from([("SecretARN".to_owned(), "arn:aws:secretsmanager:x".to_owned())]);
    (Plaintext::new(b"a secret value".to_vec()), ctx)
}

/// Regression guard: `ListAliases` on an account without AWS managed keys must show AWS's
/// predefined aliases without a `TargetKeyId`, as AWS does.
#[tokio::test]
async fn list_aliases_shows_the_predefined_aliases_on_an_empty_account() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let listed = server.client().list_aliases().send().await.unwrap();
    let names: Vec<&str> = listed.aliases().iter().filter_map(|a| a.alias_name()).collect();
    assert_eq!(names, PREDEFINED_ALIASES);
    assert!(names.contains(&"alias/aws/secretsmanager") && names.contains(&"alias/aws/ssm"));
    for a in listed.aliases() {
        let name = a.alias_name().unwrap();
        assert_eq!(a.alias_arn(), Some(format!("arn:aws:kms:us-east-1:{account}:{name}").as_str()));
        assert!(a.target_key_id().is_none() && a.creation_date().is_none() && a.last_updated_date().is_none());
    }
    let key = server.new_key().await;
    let of_key = server.client().list_aliases().key_id(&key).send().await.unwrap();
    assert!(of_key.aliases().is_empty(), "a predefined alias names no key");
}

/// Regression guard: a Trent service's first use must create its AWS managed key once, with
/// `KeyManager: AWS`, AWS's description and key policy, and yearly rotation.
#[tokio::test]
async fn a_service_creates_its_managed_key_on_first_use() {
    let server = TestServer::start().await;
    let admin = crate::keys::admin(&server).await;
    let sm = server.state.kms.on_behalf(&admin, ViaService::SECRETS_MANAGER);
    let created = sm.aws_managed_key().await.unwrap();
    let again = sm.aws_managed_key().await.unwrap();
    assert_eq!(created.record.key_id, again.record.key_id, "created once");
    let ssm = server.state.kms.on_behalf(&admin, ViaService::SSM).aws_managed_key().await.unwrap();
    assert_ne!(ssm.record.key_id, created.record.key_id, "one per service");

    let kms = server.client();
    let key_id = created.record.key_id.to_string();
    // The account may read it directly (`kms:Describe*`, `kms:Get*`, `kms:List*`).
    let described = kms.describe_key().key_id("alias/aws/secretsmanager").send().await.unwrap();
    let meta = described.key_metadata().unwrap();
    assert_eq!((meta.key_id(), meta.key_manager()), (key_id.as_str(), Some(&KeyManagerType::Aws)));
    assert_eq!(
        meta.description(),
        Some("Default key that protects my Secrets Manager data when no other key is defined")
    );
    assert_eq!(meta.key_state(), Some(&KeyState::Enabled));
    let policy = kms.get_key_policy().key_id(&key_id).send().await.unwrap();
    let policy: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert_eq!(policy["Id"], "auto-secretsmanager-2");
    let rotation = kms.get_key_rotation_status().key_id(&key_id).send().await.unwrap();
    assert!(rotation.key_rotation_enabled());
    assert_eq!(rotation.rotation_period_in_days(), Some(365));
    let listed = kms.list_aliases().send().await.unwrap();
    let entry = listed.aliases().iter().find(|a| a.alias_name() == Some("alias/aws/secretsmanager")).unwrap();
    assert_eq!(entry.target_key_id(), Some(key_id.as_str()), "now it names the key");
    assert_eq!(listed.aliases().len(), PREDEFINED_ALIASES.len(), "listed once");
    let keys = kms.list_keys().send().await.unwrap();
    assert!(keys.keys().iter().any(|k| k.key_id() == Some(key_id.as_str())));
}

/// Regression guard: an AWS managed key must be usable through its service only (the
/// `kms:ViaService` condition of its policy), not directly, not through another service.
#[tokio::test]
async fn a_managed_key_works_through_its_service_only() {
    let server = TestServer::start().await;
    let admin = crate::keys::admin(&server).await;
    let sm = server.state.kms.on_behalf(&admin, ViaService::SECRETS_MANAGER);
    sm.aws_managed_key().await.unwrap();
    let (plaintext, ctx) = secret();
    let sealed = sm.encrypt("alias/aws/secretsmanager", &plaintext, &ctx).await.expect("through Secrets Manager");
    let opened = sm.decrypt(&sealed.ciphertext, &ctx).await.unwrap();
    assert_eq!(opened.plaintext.expose_secret(), plaintext.expose_secret());
    let size = trent_core::kms::DataKeySize { spec: Some(trent_core::kms::DataKeySpec::Aes256), number_of_bytes: None };
    sm.generate_data_key("alias/aws/secretsmanager", &ctx, size).await.expect("GenerateDataKey* in any region");

    let direct = server.client().encrypt().key_id("alias/aws/secretsmanager").plaintext(blob(b"x")).send().await;
    let m = expect_code(direct, "AccessDeniedException");
    assert!(m.contains("kms:Encrypt") && m.contains("no resource-based policy allows"), "{m}");
    let blob_of = aws_sdk_kms::primitives::Blob::new(sealed.ciphertext.clone());
    expect_code(server.client().decrypt().ciphertext_blob(blob_of).send().await, "AccessDeniedException");
    let ssm = server.state.kms.on_behalf(&admin, ViaService::SSM);
    let wrong_service = ssm.encrypt("alias/aws/secretsmanager", &plaintext, &ctx).await;
    assert!(matches!(wrong_service, Err(KmsError::AccessDenied(_))), "{wrong_service:?}");
}

/// Regression guard: `kms:ViaService` is a real condition key for customer keys too, set only
/// on a service's calls (a client cannot claim it).
#[tokio::test]
async fn kms_via_service_conditions_customer_key_policies() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"kms:*","Resource":"*",
              "Condition":{{"StringNotEquals":{{"kms:ViaService":"ssm.us-east-1.amazonaws.com"}}}}}},
            {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"kms:Encrypt","Resource":"*",
              "Condition":{{"StringEquals":{{"kms:ViaService":"ssm.us-east-1.amazonaws.com"}}}}}},
            {{"Effect":"Deny","Principal":{{"AWS":"*"}},"Action":"kms:Decrypt","Resource":"*",
              "Condition":{{"Bool":{{"aws:ViaAWSService":"false"}}}}}}]}}"#
    );
    let kms = server.client();
    let key = kms.create_key().policy(policy).send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let sealed = kms.encrypt().key_id(&key).plaintext(blob(b"direct")).send().await.unwrap();
    let direct = kms.decrypt().ciphertext_blob(sealed.ciphertext_blob().unwrap().clone()).send().await;
    expect_code(direct, "AccessDeniedException");
    let admin = crate::keys::admin(&server).await;
    let ssm = server.state.kms.on_behalf(&admin, ViaService::SSM);
    let sm = server.state.kms.on_behalf(&admin, ViaService::SECRETS_MANAGER);
    let (plaintext, ctx) = secret();
    let via_ssm = ssm.encrypt(&key, &plaintext, &EncryptionContext::new()).await.expect("allowed via SSM");
    let opened = sm.decrypt(sealed.ciphertext_blob().unwrap().as_ref(), &EncryptionContext::new()).await.unwrap();
    assert_eq!(opened.plaintext.expose_secret(), b"direct", "a service's Decrypt is not refused by the Deny");
    assert!(matches!(ssm.decrypt(&via_ssm.ciphertext, &ctx).await, Err(KmsError::AccessDenied(_))));
    drop(plaintext);
}

/// Regression guard: nobody may delete, disable, re-policy, tag or re-alias an AWS managed
/// key, as in AWS (its policy allows the account to read it, nothing more).
#[tokio::test]
async fn a_managed_key_cannot_be_deleted_changed_or_disabled() {
    let server = TestServer::start().await;
    let admin = crate::keys::admin(&server).await;
    let key = server.state.kms.on_behalf(&admin, ViaService::SSM).aws_managed_key().await.unwrap();
    let id = key.record.key_id.to_string();
    let kms = server.client();
    let denied = "AccessDeniedException";
    expect_code(kms.schedule_key_deletion().key_id(&id).pending_window_in_days(7).send().await, denied);
    let open = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}"#;
    let put = kms.put_key_policy().key_id(&id).policy(open).bypass_policy_lockout_safety_check(true).send().await;
    expect_code(put, denied);
    expect_code(kms.disable_key().key_id(&id).send().await, denied);
    expect_code(kms.disable_key_rotation().key_id(&id).send().await, denied);
    expect_code(kms.rotate_key_on_demand().key_id(&id).send().await, denied);
    expect_code(kms.update_key_description().key_id(&id).description("mine").send().await, denied);
    let tag = Tag::builder().tag_key("k").tag_value("v").build().unwrap();
    expect_code(kms.tag_resource().key_id(&id).tags(tag).send().await, denied);
    expect_code(kms.create_alias().alias_name("alias/mine").target_key_id(&id).send().await, denied);
    expect_code(kms.delete_alias().alias_name("alias/aws/ssm").send().await, "NotAuthorizedException");
    expect_code(
        kms.update_alias().alias_name("alias/aws/ssm").target_key_id(&id).send().await,
        "NotAuthorizedException",
    );
    expect_code(
        kms.create_alias().alias_name("alias/aws/other").target_key_id(&id).send().await,
        "NotAuthorizedException",
    );
    let meta = server.describe(&id).await;
    assert_eq!(
        (meta.key_state(), meta.description()),
        (Some(&KeyState::Enabled), key.record.description.as_str().into())
    );
}

/// Regression guard: another account cannot use an AWS managed key, even through the service
/// (`kms:CallerAccount`), nor read it.
#[tokio::test]
async fn another_account_cannot_use_a_managed_key() {
    let server = TestServer::start().await;
    let admin = crate::keys::admin(&server).await;
    let key = server.state.kms.on_behalf(&admin, ViaService::SECRETS_MANAGER).aws_managed_key().await.unwrap();
    let arn = key.record.arn();
    let (_, partner): (String, Creds) = crate::key_policies::second_account(&server).await;
    let theirs = server.caller(&partner.id).await;
    let (plaintext, ctx) = secret();
    let through =
        server.state.kms.on_behalf(&theirs, ViaService::SECRETS_MANAGER).encrypt(&arn, &plaintext, &ctx).await;
    assert!(matches!(through, Err(KmsError::AccessDenied(_))), "{through:?}");
    expect_code(server.kms(&partner).describe_key().key_id(&arn).send().await, "AccessDeniedException");
}

/// Regression guard: AWS managed keys rotate every year by themselves, and what they sealed
/// before still opens.
#[tokio::test]
async fn a_managed_key_rotates_every_year() {
    let server = TestServer::start().await;
    let admin = crate::keys::admin(&server).await;
    let sm = server.state.kms.on_behalf(&admin, ViaService::SECRETS_MANAGER);
    let key = sm.aws_managed_key().await.unwrap();
    let (plaintext, ctx) = secret();
    let sealed = sm.encrypt("alias/aws/secretsmanager", &plaintext, &ctx).await.unwrap();
    server.clock.advance(time::Duration::days(364));
    assert_eq!(server.run_scheduler().await.rotated, 0);
    server.clock.advance(time::Duration::days(2));
    assert_eq!(server.run_scheduler().await.rotated, 1);
    let rotations = server.client().list_key_rotations().key_id(key.record.key_id.to_string()).send().await.unwrap();
    let kinds: Vec<_> = rotations.rotations().iter().filter_map(|r| r.rotation_type()).collect();
    assert_eq!(kinds, [&RotationType::Automatic]);
    let opened = sm.decrypt(&sealed.ciphertext, &ctx).await.unwrap();
    assert_eq!(opened.plaintext.expose_secret(), plaintext.expose_secret());
    let resealed = sm.encrypt("alias/aws/secretsmanager", &plaintext, &ctx).await.unwrap();
    assert_ne!(resealed.material_id, sealed.material_id, "new ciphertexts use the new material");
}

/// Regression guard: the authorization of a service's on-behalf `Decrypt` with an AWS managed
/// key builds only the condition keys its policies read (the key policy reads two); an
/// explicit `Deny` of `kms:Decrypt` in the caller's identity policy must still refuse
/// `GetSecretValue` and a decrypted `GetParameter`, plain or conditioned on keys the managed
/// key's policy does not read (the encryption context, `aws:ViaAWSService`).
#[tokio::test]
async fn an_identity_deny_of_kms_decrypt_refuses_reads_through_the_managed_keys() {
    let server = TestServer::start().await;
    let sm = server.secrets();
    let ssm = server.ssm(&server.admin_creds());
    sm.create_secret().name("app/db").secret_string("s3cret").send().await.unwrap();
    ssm.put_parameter()
        .name("/app/token")
        .value("t0ken")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let reads = r#"{"Effect":"Allow","Action":["secretsmanager:GetSecretValue","ssm:GetParameter"],"Resource":"*"}"#;
    let policy = |deny: &str| format!(r#"{{"Version":"2012-10-17","Statement":[{reads}{deny}]}}"#);
    let allowed = server.user_with_policy("allowed", Some(&policy(""))).await;
    let value = sm_as(&server, &allowed).get_secret_value().secret_id("app/db").send().await.unwrap();
    assert_eq!(value.secret_string(), Some("s3cret"), "the managed key's policy alone allows the service");
    let got = server.ssm(&allowed).get_parameter().name("/app/token").with_decryption(true).send().await.unwrap();
    assert_eq!(got.parameter().and_then(|p| p.value()), Some("t0ken"));
    let denies = [
        ("plain", String::new()),
        ("via-aws", r#","Condition":{"Bool":{"aws:ViaAWSService":"true"}}"#.to_owned()),
        ("context", r#","Condition":{"Null":{"kms:EncryptionContextKeys":"false"}}"#.to_owned()),
        ("via-service", r#","Condition":{"StringLike":{"kms:ViaService":"*.us-east-1.amazonaws.com"}}"#.to_owned()),
    ];
    for (name, condition) in denies {
        let deny = format!(r#",{{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"{condition}}}"#);
        let denied = server.user_with_policy(name, Some(&policy(&deny))).await;
        let secret = sm_as(&server, &denied).get_secret_value().secret_id("app/db").send().await;
        let message = expect_code(secret, "AccessDeniedException");
        assert_eq!(message, "Access to KMS is not allowed", "{name}: Secrets Manager's answer to a KMS denial");
        let param = server.ssm(&denied).get_parameter().name("/app/token").with_decryption(true).send().await;
        let message = expect_code(param, "AccessDeniedException");
        assert!(message.contains("kms:Decrypt"), "{name}: {message}");
        let plain = server.ssm(&denied).get_parameter().name("/app/token").send().await;
        assert!(plain.is_ok(), "{name}: the ciphertext needs no kms:Decrypt");
    }
}

fn sm_as(server: &TestServer, creds: &Creds) -> aws_sdk_secretsmanager::Client {
    server.secrets_with(&creds.id, &creds.secret)
}
