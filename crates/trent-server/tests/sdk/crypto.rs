//! Encrypt, Decrypt, ReEncrypt, GenerateDataKey (with and without plaintext) and
//! GenerateRandom: round trips, encryption-context binding, size limits, key checks, DryRun,
//! algorithms and grant-token limits.

use aws_sdk_kms::types::{DataKeySpec, EncryptionAlgorithmSpec};

use crate::common::{TestServer, base64, blob, expect_code};

const BLOB_OVERHEAD: usize = 118;

fn ctx(pairs: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[tokio::test]
async fn encrypt_then_decrypt_round_trips_without_context() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let arn = server.key_arn(&id).await;
    let material = server.current_material(&id).await;
    let out = kms.encrypt().key_id(&id).plaintext(blob(b"attack at dawn")).send().await.unwrap();
    assert_eq!(out.key_id(), Some(arn.as_str()));
    assert_eq!(out.encryption_algorithm(), Some(&EncryptionAlgorithmSpec::SymmetricDefault));
    let ciphertext = out.ciphertext_blob().unwrap().clone();
    assert_eq!(ciphertext.as_ref().len(), BLOB_OVERHEAD + 14);
    assert!(!ciphertext.as_ref().windows(6).any(|w| w == b"attack"));
    let plain = kms.decrypt().ciphertext_blob(ciphertext).send().await.unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"attack at dawn");
    assert_eq!(plain.key_id(), Some(arn.as_str()));
    assert_eq!(plain.key_material_id(), Some(material.as_str()));
    assert_eq!(plain.encryption_algorithm(), Some(&EncryptionAlgorithmSpec::SymmetricDefault));
    // Two encryptions of the same plaintext differ (fresh salt and nonce).
    let a = kms.encrypt().key_id(&id).plaintext(blob(b"same")).send().await.unwrap();
    let b = kms.encrypt().key_id(&id).plaintext(blob(b"same")).send().await.unwrap();
    assert_ne!(a.ciphertext_blob(), b.ciphertext_blob());
}

#[tokio::test]
async fn the_encryption_context_must_match_exactly() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let good = ctx(&[("purpose", "test"), ("tenant", "42")]);
    let out = kms.encrypt().key_id(&id).plaintext(blob(b"bound")).set_encryption_context(Some(good.clone()));
    let ciphertext = out.send().await.unwrap().ciphertext_blob().unwrap().clone();
    let decrypt = |c: Option<std::collections::HashMap<String, String>>| {
        kms.decrypt().ciphertext_blob(ciphertext.clone()).set_encryption_context(c).send()
    };
    assert_eq!(decrypt(Some(good)).await.unwrap().plaintext().unwrap().as_ref(), b"bound");
    for wrong in [
        None,
        Some(ctx(&[("purpose", "test")])),
        Some(ctx(&[("purpose", "test"), ("tenant", "43")])),
        Some(ctx(&[("purpose", "test"), ("Tenant", "42")])),
        Some(ctx(&[("purpose", "test"), ("tenant", "42"), ("extra", "x")])),
    ] {
        let message = expect_code(decrypt(wrong.clone()).await, "InvalidCiphertextException");
        assert_eq!(message, "", "{wrong:?}");
    }
    // A ciphertext made without a context does not decrypt with one.
    let bare = kms.encrypt().key_id(&id).plaintext(blob(b"bare")).send().await.unwrap();
    let with_ctx =
        kms.decrypt().ciphertext_blob(bare.ciphertext_blob().unwrap().clone()).encryption_context("k", "v").send();
    expect_code(with_ctx.await, "InvalidCiphertextException");
}

#[tokio::test]
async fn the_order_of_context_members_in_the_json_is_irrelevant() {
    let server = TestServer::start().await;
    let id = server.new_key().await;
    let plaintext = base64(b"order does not matter");
    let enc = server
        .call_raw(
            "Encrypt",
            &format!(r#"{{"KeyId":"{id}","Plaintext":"{plaintext}","EncryptionContext":{{"a":"1","b":"2","c":"3"}}}}"#),
        )
        .await;
    assert_eq!(enc.status, 200, "{}", String::from_utf8_lossy(&enc.body));
    let ciphertext = enc.json()["CiphertextBlob"].as_str().unwrap().to_owned();
    let dec = server
        .call_raw(
            "Decrypt",
            &format!(r#"{{"CiphertextBlob":"{ciphertext}","EncryptionContext":{{"c":"3","a":"1","b":"2"}}}}"#),
        )
        .await;
    assert_eq!(dec.status, 200, "{}", String::from_utf8_lossy(&dec.body));
    assert_eq!(dec.json()["Plaintext"].as_str(), Some(plaintext.as_str()));
}

#[tokio::test]
async fn plaintext_is_limited_to_4096_bytes_and_never_echoed() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let max: Vec<u8> = b"SECRET-PAYLOAD-".iter().copied().cycle().take(4096).collect();
    let out = kms.encrypt().key_id(&id).plaintext(blob(&max)).send().await.unwrap();
    let ciphertext = out.ciphertext_blob().unwrap().clone();
    assert_eq!(ciphertext.as_ref().len(), BLOB_OVERHEAD + 4096);
    assert_eq!(kms.decrypt().ciphertext_blob(ciphertext).send().await.unwrap().plaintext().unwrap().as_ref(), max);
    let too_big: Vec<u8> = b"SECRET-PAYLOAD-".iter().copied().cycle().take(4097).collect();
    let message = expect_code(kms.encrypt().key_id(&id).plaintext(blob(&too_big)).send().await, "ValidationException");
    assert!(message.contains("'plaintext'") && message.contains("less than or equal to 4096"), "{message}");
    assert!(!message.contains("SECRET"), "{message}");
    assert!(!message.contains(&base64(&too_big)[..40]), "{message}");
    let message = expect_code(kms.encrypt().key_id(&id).plaintext(blob(b"")).send().await, "ValidationException");
    assert!(message.contains("greater than or equal to 1"), "{message}");
    // A CiphertextBlob is at most 6144 bytes (the model's limit), checked before parsing.
    let r = kms.decrypt().ciphertext_blob(blob(&[1u8; 6145])).send().await;
    let message = expect_code(r, "ValidationException");
    assert!(message.contains("'ciphertextBlob'") && message.contains("less than or equal to 6144"), "{message}");
}

#[tokio::test]
async fn decrypt_key_id_must_name_the_key_of_the_ciphertext() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let other = server.new_key().await;
    let arn = server.key_arn(&id).await;
    kms.create_alias().alias_name("alias/mine").target_key_id(&id).send().await.unwrap();
    kms.create_alias().alias_name("alias/other").target_key_id(&other).send().await.unwrap();
    let ciphertext =
        kms.encrypt().key_id(&id).plaintext(blob(b"named")).send().await.unwrap().ciphertext_blob().unwrap().clone();
    let alias_arn = arn.replace(&format!("key/{id}"), "alias/mine");
    for form in [id.as_str(), arn.as_str(), "alias/mine", alias_arn.as_str()] {
        let out = kms.decrypt().ciphertext_blob(ciphertext.clone()).key_id(form).send().await.unwrap();
        assert_eq!(out.plaintext().unwrap().as_ref(), b"named", "{form}");
    }
    for form in [other.as_str(), "alias/other"] {
        let message = expect_code(
            kms.decrypt().ciphertext_blob(ciphertext.clone()).key_id(form).send().await,
            "IncorrectKeyException",
        );
        assert_eq!(message, "The key ID in the request does not identify a CMK that can perform this operation.");
    }
    expect_code(kms.decrypt().ciphertext_blob(ciphertext).key_id("alias/none").send().await, "NotFoundException");
}

#[tokio::test]
async fn re_encrypt_moves_a_ciphertext_to_another_key() {
    let server = TestServer::start().await;
    let kms = server.client();
    let (source, destination) = (server.new_key().await, server.new_key().await);
    let (source_arn, destination_arn) = (server.key_arn(&source).await, server.key_arn(&destination).await);
    let out = kms.encrypt().key_id(&source).plaintext(blob(b"moving")).encryption_context("from", "a").send();
    let original = out.await.unwrap().ciphertext_blob().unwrap().clone();
    let moved = kms
        .re_encrypt()
        .ciphertext_blob(original.clone())
        .source_encryption_context("from", "a")
        .destination_key_id(&destination)
        .destination_encryption_context("to", "b")
        .send()
        .await
        .unwrap();
    assert_eq!(moved.source_key_id(), Some(source_arn.as_str()));
    assert_eq!(moved.key_id(), Some(destination_arn.as_str()));
    assert_eq!(moved.source_key_material_id(), Some(server.current_material(&source).await.as_str()));
    assert_eq!(moved.destination_key_material_id(), Some(server.current_material(&destination).await.as_str()));
    assert_eq!(moved.source_encryption_algorithm(), Some(&EncryptionAlgorithmSpec::SymmetricDefault));
    let new_blob = moved.ciphertext_blob().unwrap().clone();
    let plain = kms.decrypt().ciphertext_blob(new_blob.clone()).encryption_context("to", "b").send().await.unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"moving");
    assert_eq!(plain.key_id(), Some(destination_arn.as_str()));
    let with_old_ctx = kms.decrypt().ciphertext_blob(new_blob).encryption_context("from", "a").send().await;
    expect_code(with_old_ctx, "InvalidCiphertextException");
    let wrong_source = kms
        .re_encrypt()
        .ciphertext_blob(original.clone())
        .source_encryption_context("from", "a")
        .source_key_id(&destination)
        .destination_key_id(&destination)
        .send()
        .await;
    expect_code(wrong_source, "IncorrectKeyException");
    let wrong_ctx = kms.re_encrypt().ciphertext_blob(original).destination_key_id(&destination).send().await;
    expect_code(wrong_ctx, "InvalidCiphertextException");
}

#[tokio::test]
async fn generate_data_key_sizes() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let arn = server.key_arn(&id).await;
    for (spec, len) in [(DataKeySpec::Aes256, 32), (DataKeySpec::Aes128, 16)] {
        let out = kms.generate_data_key().key_id(&id).key_spec(spec).encryption_context("k", "v").send().await.unwrap();
        let plaintext = out.plaintext().unwrap().as_ref().to_vec();
        assert_eq!(plaintext.len(), len);
        assert_eq!(out.key_id(), Some(arn.as_str()));
        assert_eq!(out.key_material_id(), Some(server.current_material(&id).await.as_str()));
        let ciphertext = out.ciphertext_blob().unwrap().clone();
        assert_eq!(ciphertext.as_ref().len(), BLOB_OVERHEAD + len);
        let back = kms.decrypt().ciphertext_blob(ciphertext).encryption_context("k", "v").send().await.unwrap();
        assert_eq!(back.plaintext().unwrap().as_ref(), plaintext);
    }
    for n in [1, 1024] {
        let out = kms.generate_data_key().key_id(&id).number_of_bytes(n).send().await.unwrap();
        assert_eq!(out.plaintext().unwrap().as_ref().len(), n as usize);
    }
    for n in [0, 1025] {
        let message =
            expect_code(kms.generate_data_key().key_id(&id).number_of_bytes(n).send().await, "ValidationException");
        assert!(message.contains("'numberOfBytes'"), "{message}");
    }
    let both = kms.generate_data_key().key_id(&id).key_spec(DataKeySpec::Aes256).number_of_bytes(32).send().await;
    let message = expect_code(both, "ValidationException");
    assert_eq!(message, "Please specify either number of bytes or key spec, not both.");
    let message = expect_code(kms.generate_data_key().key_id(&id).send().await, "ValidationException");
    assert_eq!(message, "Please specify either number of bytes or key spec.");
}

#[tokio::test]
async fn generate_data_key_without_plaintext_returns_only_the_ciphertext() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let out = kms.generate_data_key_without_plaintext().key_id(&id).key_spec(DataKeySpec::Aes256).send();
    let out = out.await.unwrap();
    assert_eq!(out.key_id(), Some(server.key_arn(&id).await.as_str()));
    let back = kms.decrypt().ciphertext_blob(out.ciphertext_blob().unwrap().clone()).send().await.unwrap();
    assert_eq!(back.plaintext().unwrap().as_ref().len(), 32);
    // The SDK's output type has no Plaintext member at all; look at the wire.
    let raw =
        server.call_raw("GenerateDataKeyWithoutPlaintext", &format!(r#"{{"KeyId":"{id}","NumberOfBytes":64}}"#)).await;
    assert_eq!(raw.status, 200);
    let json = raw.json();
    assert!(json.get("Plaintext").is_none(), "{json}");
    assert!(json["CiphertextBlob"].as_str().is_some_and(|c| !c.is_empty()), "{json}");
}

#[tokio::test]
async fn generate_random_lengths_and_limits() {
    let server = TestServer::start().await;
    let kms = server.client();
    for n in [1, 32, 1024] {
        let out = kms.generate_random().number_of_bytes(n).send().await.unwrap();
        assert_eq!(out.plaintext().unwrap().as_ref().len(), n as usize);
    }
    let a = kms.generate_random().number_of_bytes(32).send().await.unwrap();
    let b = kms.generate_random().number_of_bytes(32).send().await.unwrap();
    assert_ne!(a.plaintext(), b.plaintext());
    let message = expect_code(kms.generate_random().number_of_bytes(0).send().await, "ValidationException");
    assert!(message.contains("Member must have value greater than or equal to 1"), "{message}");
    let message = expect_code(kms.generate_random().number_of_bytes(1025).send().await, "ValidationException");
    assert!(message.contains("Member must have value less than or equal to 1024"), "{message}");
}

#[tokio::test]
async fn dry_run_answers_dry_run_operation_exception() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let ciphertext =
        kms.encrypt().key_id(&id).plaintext(blob(b"dry")).send().await.unwrap().ciphertext_blob().unwrap().clone();
    let expected = "The request would have succeeded, but the DryRun option is set.";
    let r = kms.encrypt().key_id(&id).plaintext(blob(b"dry")).dry_run(true).send().await;
    assert_eq!(expect_code(r, "DryRunOperationException"), expected);
    let r = kms.decrypt().ciphertext_blob(ciphertext.clone()).dry_run(true).send().await;
    assert_eq!(expect_code(r, "DryRunOperationException"), expected);
    let r = kms.generate_data_key().key_id(&id).key_spec(DataKeySpec::Aes256).dry_run(true).send().await;
    assert_eq!(expect_code(r, "DryRunOperationException"), expected);
    let r = kms.re_encrypt().ciphertext_blob(ciphertext).destination_key_id(&id).dry_run(true).send().await;
    assert_eq!(expect_code(r, "DryRunOperationException"), expected);
    let r = kms.generate_data_key_without_plaintext().key_id(&id).key_spec(DataKeySpec::Aes256).dry_run(true);
    assert_eq!(expect_code(r.send().await, "DryRunOperationException"), expected);
    // DryRun still checks the request first: a missing key is NotFound, not DryRun.
    let missing = "00000000-0000-0000-0000-000000000000";
    expect_code(kms.encrypt().key_id(missing).plaintext(blob(b"x")).dry_run(true).send().await, "NotFoundException");
}

#[tokio::test]
async fn asymmetric_algorithms_are_refused_on_a_symmetric_key() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let rsa = EncryptionAlgorithmSpec::RsaesOaepSha256;
    let r = kms.encrypt().key_id(&id).plaintext(blob(b"x")).encryption_algorithm(rsa.clone()).send().await;
    let message = expect_code(r, "InvalidKeyUsageException");
    assert!(message.contains("RSAES_OAEP_SHA_256"), "{message}");
    let ciphertext =
        kms.encrypt().key_id(&id).plaintext(blob(b"x")).send().await.unwrap().ciphertext_blob().unwrap().clone();
    let r = kms.decrypt().ciphertext_blob(ciphertext).encryption_algorithm(rsa).send().await;
    expect_code(r, "InvalidKeyUsageException");
}

#[tokio::test]
async fn at_most_ten_grant_tokens() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let grantee = format!("arn:aws:iam::{}:user/app", server.account().await);
    let grant = kms
        .create_grant()
        .key_id(&id)
        .grantee_principal(grantee)
        .operations(aws_sdk_kms::types::GrantOperation::Encrypt)
        .send()
        .await
        .unwrap();
    let token = grant.grant_token().unwrap().to_owned();
    let tokens = |n: usize| Some(vec![token.clone(); n]);
    let ok = kms.encrypt().key_id(&id).plaintext(blob(b"x")).set_grant_tokens(tokens(10)).send().await;
    assert!(ok.is_ok(), "{ok:?}");
    let r = kms.encrypt().key_id(&id).plaintext(blob(b"x")).set_grant_tokens(tokens(11)).send().await;
    let message = expect_code(r, "ValidationException");
    assert!(message.contains("'grantTokens'"), "{message}");
    let r = kms.generate_data_key().key_id(&id).number_of_bytes(8).set_grant_tokens(tokens(11)).send().await;
    expect_code(r, "ValidationException");
}
