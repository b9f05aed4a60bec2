//! KMS keys in a custom key store of type `AWS_CLOUDHSM` over a SoftHSM2 token, through
//! `aws-sdk-kms`: `CreateKey` generates the key inside the token (sensitive, non-extractable,
//! seen with `pkcs11-tool`), Encrypt/Decrypt/ReEncrypt/GenerateDataKey* run AES-GCM in the
//! token, a disconnected store makes its keys `Unavailable`, a store with keys is not deleted,
//! and the scheduler destroys the token object when the deletion window ends (or, the store
//! disconnected, leaves it orphaned as AWS does).

use aws_sdk_kms::types::{DataKeySpec, KeySpec, KeyState, OriginType};
use trent_server::RawConfig;
use trent_server::hsm::clusters::RawHsmCluster;

use crate::common::{TestServer, blob, expect_code};
use crate::custom_key_stores::ANCHOR;
use crate::pkcs11_listing::{secret_key_access, sensitive_and_never_extractable};
use crate::softhsm::{MODULE, PIN, SoftHsm, SoftHsmChild};

const TOKEN: &str = "cks-keys";
const CLUSTER: &str = "cluster-trentkeysaaa";

fn clusters() -> RawConfig {
    RawConfig {
        hsm_clusters: Some(vec![RawHsmCluster {
            cluster_id: Some(CLUSTER.into()),
            module: Some(MODULE.into()),
            token_label: Some(TOKEN.into()),
            ..RawHsmCluster::default()
        }]),
        ..RawConfig::default()
    }
}

/// Regression guard: `CreateKey` in a custom key store answered `UnsupportedOperationException`.
#[test]
fn keys_live_and_die_in_the_token() {
    let Some(hsm) = SoftHsm::new() else { return };
    hsm.init_token(TOKEN);
    hsm.run_child("custom_key_store_keys::child_keys");
}

/// The `Access:` words of the secret key object labelled `label` in the token; `None` when
/// the token has no such object.
fn token_key_access(hsm: &SoftHsmChild, label: &str) -> Option<Vec<String>> {
    let (ok, out) = hsm.pkcs11_tool(TOKEN, &["--list-objects", "--type", "secrkey"]);
    assert!(ok, "pkcs11-tool: {out}");
    secret_key_access(&out, label)
}

/// A custom key store named `name` over the test token; its id.
async fn create_store(kms: &aws_sdk_kms::Client, name: &str) -> String {
    kms.create_custom_key_store()
        .custom_key_store_name(name)
        .cloud_hsm_cluster_id(CLUSTER)
        .trust_anchor_certificate(ANCHOR)
        .key_store_password(PIN)
        .send()
        .await
        .unwrap()
        .custom_key_store_id()
        .unwrap()
        .to_owned()
}

#[tokio::test]
#[ignore = "run by keys_live_and_die_in_the_token in a SoftHSM environment"]
async fn child_keys() {
    let hsm = SoftHsm::in_child();
    let server = TestServer::start_with(clusters()).await;
    let kms = server.client();
    let store = create_store(&kms, "keys").await;
    let in_store = || kms.create_key().origin(OriginType::AwsCloudhsm).custom_key_store_id(&store);

    // Refusals: a store that is not connected, or missing; what a store cannot hold.
    expect_code(in_store().send().await, "CustomKeyStoreInvalidStateException");
    expect_code(
        kms.create_key().origin(OriginType::AwsCloudhsm).custom_key_store_id("cks-1234567890abcdef0").send().await,
        "CustomKeyStoreNotFoundException",
    );
    kms.connect_custom_key_store().custom_key_store_id(&store).send().await.unwrap();
    expect_code(in_store().key_spec(KeySpec::Rsa2048).send().await, "UnsupportedOperationException");
    expect_code(in_store().multi_region(true).send().await, "UnsupportedOperationException");
    expect_code(kms.create_key().custom_key_store_id(&store).send().await, "UnsupportedOperationException");
    expect_code(kms.create_key().origin(OriginType::AwsCloudhsm).send().await, "UnsupportedOperationException");

    // Created in the token: sensitive, never extractable, labelled with the key's ARN.
    let meta = in_store().description("hsm").send().await.unwrap().key_metadata.unwrap();
    let (key, arn) = (meta.key_id().to_owned(), meta.arn().unwrap().to_owned());
    assert_eq!(meta.origin(), Some(&OriginType::AwsCloudhsm));
    assert_eq!(meta.custom_key_store_id(), Some(store.as_str()));
    assert_eq!(meta.cloud_hsm_cluster_id(), Some(CLUSTER));
    assert_eq!(meta.key_state(), Some(&KeyState::Enabled));
    assert!(meta.current_key_material_id().is_none(), "no Trent-held material");
    let access = token_key_access(&hsm, &arn).expect("the key object is in the token");
    assert!(sensitive_and_never_extractable(&access), "{access:?}");
    let described = kms.describe_key().key_id(&key).send().await.unwrap().key_metadata.unwrap();
    assert_eq!(described.cloud_hsm_cluster_id(), Some(CLUSTER));

    // AES-GCM in the token, the context bound as AAD; the HSM blob (suite 0x02).
    let ctx = |v: &str| std::collections::HashMap::from([("purpose".to_owned(), v.to_owned())]);
    let sealed = kms
        .encrypt()
        .key_id(&key)
        .plaintext(blob(b"kept in the HSM"))
        .set_encryption_context(Some(ctx("a")))
        .send()
        .await
        .unwrap();
    let ct = sealed.ciphertext_blob().unwrap().as_ref().to_vec();
    assert_eq!((ct[0], ct[1], ct.len()), (0x01, 0x02, 15 + 86), "version 1, HSM suite, 70-byte header and tag");
    let opened = kms.decrypt().ciphertext_blob(blob(&ct)).set_encryption_context(Some(ctx("a"))).send().await.unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"kept in the HSM");
    assert_eq!(opened.key_id(), Some(arn.as_str()));
    let wrong = kms.decrypt().ciphertext_blob(blob(&ct)).set_encryption_context(Some(ctx("b"))).send().await;
    expect_code(wrong, "InvalidCiphertextException");
    let mut altered = ct.clone();
    altered[75] ^= 1;
    let tampered = kms.decrypt().ciphertext_blob(blob(&altered)).set_encryption_context(Some(ctx("a"))).send().await;
    expect_code(tampered, "InvalidCiphertextException");

    // Data keys, and ReEncrypt both ways with a Trent key.
    let dk = kms.generate_data_key().key_id(&key).key_spec(DataKeySpec::Aes256).send().await.unwrap();
    let back = kms.decrypt().ciphertext_blob(dk.ciphertext_blob().unwrap().clone()).send().await.unwrap();
    assert_eq!(back.plaintext().unwrap().as_ref(), dk.plaintext().unwrap().as_ref());
    let without = kms.generate_data_key_without_plaintext().key_id(&key).number_of_bytes(24).send().await.unwrap();
    let back = kms.decrypt().ciphertext_blob(without.ciphertext_blob().unwrap().clone()).send().await.unwrap();
    assert_eq!(back.plaintext().unwrap().as_ref().len(), 24);
    let trent_key = server.new_key().await;
    let to_trent = kms
        .re_encrypt()
        .ciphertext_blob(blob(&ct))
        .set_source_encryption_context(Some(ctx("a")))
        .destination_key_id(&trent_key)
        .send()
        .await
        .unwrap();
    let to_hsm = kms
        .re_encrypt()
        .ciphertext_blob(to_trent.ciphertext_blob().unwrap().clone())
        .destination_key_id(&key)
        .destination_encryption_context("purpose", "c")
        .send()
        .await
        .unwrap();
    let last = kms
        .decrypt()
        .ciphertext_blob(to_hsm.ciphertext_blob().unwrap().clone())
        .set_encryption_context(Some(ctx("c")))
        .send()
        .await
        .unwrap();
    assert_eq!(last.plaintext().unwrap().as_ref(), b"kept in the HSM");
    // A Trent key's blob does not open under the HSM key, nor the other way round.
    expect_code(
        kms.decrypt().ciphertext_blob(to_trent.ciphertext_blob().unwrap().clone()).key_id(&key).send().await,
        "IncorrectKeyException",
    );
    expect_code(
        kms.generate_data_key_pair()
            .key_id(&key)
            .key_pair_spec(aws_sdk_kms::types::DataKeyPairSpec::EccNistP256)
            .send()
            .await,
        "UnsupportedOperationException",
    );
    expect_code(kms.enable_key_rotation().key_id(&key).send().await, "UnsupportedOperationException");

    // Disconnected: the key shows Unavailable and is refused as AWS refuses it; the store
    // with a key cannot be deleted; enabling and disabling take effect once it is back.
    kms.disconnect_custom_key_store().custom_key_store_id(&store).send().await.unwrap();
    let meta = kms.describe_key().key_id(&key).send().await.unwrap().key_metadata.unwrap();
    assert_eq!((meta.key_state(), meta.enabled()), (Some(&KeyState::Unavailable), false));
    expect_code(kms.encrypt().key_id(&key).plaintext(blob(b"x")).send().await, "KMSInvalidStateException");
    let refused = kms.decrypt().ciphertext_blob(blob(&ct)).set_encryption_context(Some(ctx("a"))).send().await;
    expect_code(refused, "KMSInvalidStateException");
    expect_code(kms.generate_data_key().key_id(&key).number_of_bytes(16).send().await, "KMSInvalidStateException");
    expect_code(
        kms.delete_custom_key_store().custom_key_store_id(&store).send().await,
        "CustomKeyStoreHasCMKsException",
    );
    kms.disable_key().key_id(&key).send().await.unwrap();
    let meta = kms.describe_key().key_id(&key).send().await.unwrap().key_metadata.unwrap();
    assert_eq!(meta.key_state(), Some(&KeyState::Unavailable));
    kms.connect_custom_key_store().custom_key_store_id(&store).send().await.unwrap();
    let meta = kms.describe_key().key_id(&key).send().await.unwrap().key_metadata.unwrap();
    assert_eq!(meta.key_state(), Some(&KeyState::Disabled));
    expect_code(kms.encrypt().key_id(&key).plaintext(blob(b"x")).send().await, "DisabledException");
    kms.enable_key().key_id(&key).send().await.unwrap();

    // Deletion after the moved window destroys the token object.
    kms.schedule_key_deletion().key_id(&key).pending_window_in_days(7).send().await.unwrap();
    server.clock.advance(time::Duration::days(7) + time::Duration::seconds(1));
    assert_eq!(server.run_scheduler().await.deleted, 1);
    expect_code(kms.describe_key().key_id(&key).send().await, "NotFoundException");
    assert_eq!(token_key_access(&hsm, &arn), None, "the token object is destroyed");

    // Pending deletion while disconnected: the key shows PendingDeletion, not Unavailable; at
    // the end of the window it is deleted and its material stays in the token, orphaned.
    let orphan = in_store().send().await.unwrap().key_metadata.unwrap();
    let orphan_arn = orphan.arn().unwrap().to_owned();
    kms.schedule_key_deletion().key_id(orphan.key_id()).pending_window_in_days(7).send().await.unwrap();
    kms.disconnect_custom_key_store().custom_key_store_id(&store).send().await.unwrap();
    let meta = kms.describe_key().key_id(orphan.key_id()).send().await.unwrap().key_metadata.unwrap();
    assert_eq!(meta.key_state(), Some(&KeyState::PendingDeletion));
    server.clock.advance(time::Duration::days(7) + time::Duration::seconds(1));
    assert_eq!(server.run_scheduler().await.deleted, 1);
    assert!(token_key_access(&hsm, &orphan_arn).is_some(), "orphaned key material stays in the token");

    // Without keys, the disconnected store is deleted.
    kms.delete_custom_key_store().custom_key_store_id(&store).send().await.unwrap();
}

/// Regression guard: a key object deleted in the token by someone outside Trent
/// (`pkcs11-tool --delete-object`) made the first request after it fail with the token's
/// generic failure (the remembered handle was stale) instead of saying the key material is
/// gone. AWS answers `KMSInvalidStateException` when "the key material for the KMS key was
/// deleted from the cluster" and leaves the key state as it is.
#[test]
fn a_key_object_deleted_in_the_token_is_reported_missing() {
    let Some(hsm) = SoftHsm::new() else { return };
    hsm.init_token(TOKEN);
    hsm.run_child("custom_key_store_keys::child_deleted_object");
}

#[tokio::test]
#[ignore = "run by a_key_object_deleted_in_the_token_is_reported_missing in a SoftHSM environment"]
async fn child_deleted_object() {
    let hsm = SoftHsm::in_child();
    let server = TestServer::start_with(clusters()).await;
    let kms = server.client();
    let store = create_store(&kms, "deleted").await;
    kms.connect_custom_key_store().custom_key_store_id(&store).send().await.unwrap();
    let in_store = || kms.create_key().origin(OriginType::AwsCloudhsm).custom_key_store_id(&store);
    let meta = in_store().send().await.unwrap().key_metadata.unwrap();
    let (key, arn) = (meta.key_id().to_owned(), meta.arn().unwrap().to_owned());
    let kept = in_store().send().await.unwrap().key_metadata.unwrap().key_id().to_owned();
    // Used once, so the server remembers the object's handle.
    let sealed = kms.encrypt().key_id(&key).plaintext(blob(b"gone soon")).send().await.unwrap();
    let ct = sealed.ciphertext_blob().unwrap().clone();
    kms.decrypt().ciphertext_blob(ct.clone()).send().await.unwrap();

    let (ok, out) = hsm.pkcs11_tool(TOKEN, &["--delete-object", "--type", "secrkey", "--label", &arn]);
    assert!(ok, "pkcs11-tool --delete-object: {out}");
    assert_eq!(token_key_access(&hsm, &arn), None, "deleted in the token");

    let missing =
        format!("The key material for {arn} is not in the AWS CloudHSM cluster associated with its custom key store.");
    let message =
        expect_code(kms.encrypt().key_id(&key).plaintext(blob(b"x")).send().await, "KMSInvalidStateException");
    assert_eq!(message, missing, "the first request after the deletion already says why");
    let message = expect_code(kms.decrypt().ciphertext_blob(ct.clone()).send().await, "KMSInvalidStateException");
    assert_eq!(message, missing);
    let message = expect_code(
        kms.generate_data_key().key_id(&key).key_spec(DataKeySpec::Aes256).send().await,
        "KMSInvalidStateException",
    );
    assert_eq!(message, missing);
    let message = expect_code(
        kms.re_encrypt().ciphertext_blob(ct).destination_key_id(&kept).send().await,
        "KMSInvalidStateException",
    );
    assert_eq!(message, missing);
    // The key state is not changed by it, and the store stays connected; its other keys work.
    let meta = kms.describe_key().key_id(&key).send().await.unwrap().key_metadata.unwrap();
    assert_eq!(meta.key_state(), Some(&KeyState::Enabled));
    let stores = kms.describe_custom_key_stores().custom_key_store_id(&store).send().await.unwrap();
    assert_eq!(
        stores.custom_key_stores()[0].connection_state(),
        Some(&aws_sdk_kms::types::ConnectionStateType::Connected)
    );
    let other = kms.encrypt().key_id(&kept).plaintext(blob(b"still here")).send().await.unwrap();
    kms.decrypt().ciphertext_blob(other.ciphertext_blob().unwrap().clone()).send().await.unwrap();

    // Deleting the key at the end of its window finds no object to destroy, and deletes it.
    kms.schedule_key_deletion().key_id(&key).pending_window_in_days(7).send().await.unwrap();
    server.clock.advance(time::Duration::days(7) + time::Duration::seconds(1));
    assert_eq!(server.run_scheduler().await.deleted, 1);
    expect_code(kms.describe_key().key_id(&key).send().await, "NotFoundException");
}
