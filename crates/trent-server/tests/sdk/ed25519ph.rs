//! `ED25519_PH_SHA_512` (Ed25519ph, RFC 8032 section 5.1) end to end. The openssl here (3.0)
//! has no Ed25519ph (`-pkeyopt instance:Ed25519ph` came in 3.2), so the independent check is
//! RFC 8032's own test vector: its private key is imported into an `EXTERNAL` key, and
//! because Ed25519 is deterministic, `Sign` must answer exactly the RFC's signature, from the
//! message (`RAW`) and from its SHA-512 (`DIGEST`).

use aws_sdk_kms::Client;
use aws_sdk_kms::types::{
    AlgorithmSpec, ExpirationModelType, KeySpec, KeyUsageType, MessageType, OriginType, SigningAlgorithmSpec,
    WrappingKeySpec,
};
use trent_crypto::{ImportWrapping, OaepHash, wrap_for_import};

use crate::common::{TestServer, blob, expect_code};

/// RFC 8032 section 7.3 (Ed25519ph, message "abc").
const SECRET: &str = "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42";
const PUBLIC: &str = "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf";
const SIGNATURE: &str = "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41\
                         31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406";
/// PKCS#8 v1 `PrivateKeyInfo` of an Ed25519 key (RFC 8410), before the 32-byte seed.
const PKCS8_PREFIX: &str = "302e020100300506032b657004220420";

/// An `EXTERNAL` Ed25519 key holding RFC 8032's private key.
async fn rfc_key(kms: &Client) -> String {
    let key = kms
        .create_key()
        .origin(OriginType::External)
        .key_spec(KeySpec::EccNistEdwards25519)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .expect("CreateKey EXTERNAL Ed25519")
        .key_metadata()
        .expect("metadata")
        .key_id()
        .to_owned();
    let params = kms
        .get_parameters_for_import()
        .key_id(&key)
        .wrapping_algorithm(AlgorithmSpec::RsaAesKeyWrapSha256)
        .wrapping_key_spec(WrappingKeySpec::Rsa2048)
        .send()
        .await
        .expect("GetParametersForImport");
    let pkcs8 = hex::decode(format!("{PKCS8_PREFIX}{SECRET}")).unwrap();
    let public = params.public_key().unwrap().as_ref();
    let wrapped = wrap_for_import(public, ImportWrapping::RsaAesKeyWrap(OaepHash::Sha256), &pkcs8).expect("wrap");
    kms.import_key_material()
        .key_id(&key)
        .import_token(params.import_token().unwrap().clone())
        .encrypted_key_material(blob(&wrapped))
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await
        .expect("ImportKeyMaterial of the RFC 8032 key");
    key
}

async fn sign(kms: &Client, key: &str, message: &[u8], kind: MessageType) -> Result<Vec<u8>, String> {
    kms.sign()
        .key_id(key)
        .message(blob(message))
        .message_type(kind)
        .signing_algorithm(SigningAlgorithmSpec::Ed25519PhSha512)
        .send()
        .await
        .map(|out| out.signature().expect("signature").as_ref().to_vec())
        .map_err(|e| crate::common::code(&e).to_owned())
}

async fn verify(kms: &Client, key: &str, message: &[u8], kind: MessageType, sig: &[u8]) -> Result<(), String> {
    kms.verify()
        .key_id(key)
        .message(blob(message))
        .message_type(kind)
        .signature(blob(sig))
        .signing_algorithm(SigningAlgorithmSpec::Ed25519PhSha512)
        .send()
        .await
        .map(|out| assert!(out.signature_valid()))
        .map_err(|e| crate::common::code(&e).to_owned())
}

#[tokio::test]
async fn an_imported_rfc8032_key_signs_exactly_the_rfc_ed25519ph_signature() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = rfc_key(&kms).await;
    let spki = kms.get_public_key().key_id(&key).send().await.unwrap();
    let spki = spki.public_key().unwrap().as_ref();
    assert!(hex::encode(spki).ends_with(PUBLIC), "GetPublicKey holds RFC 8032's public key");

    let expected = hex::decode(SIGNATURE).unwrap();
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, b"abc");
    assert_eq!(sign(&kms, &key, b"abc", MessageType::Raw).await, Ok(expected.clone()));
    assert_eq!(sign(&kms, &key, digest.as_ref(), MessageType::Digest).await, Ok(expected.clone()));
    verify(&kms, &key, b"abc", MessageType::Raw, &expected).await.expect("RAW verifies");
    verify(&kms, &key, digest.as_ref(), MessageType::Digest, &expected).await.expect("DIGEST verifies");

    let refused = |r: Result<(), String>| assert_eq!(r, Err("KMSInvalidSignatureException".to_owned()));
    refused(verify(&kms, &key, b"abd", MessageType::Raw, &expected).await);
    let mut forged = expected.clone();
    forged[10] ^= 0x40;
    refused(verify(&kms, &key, b"abc", MessageType::Raw, &forged).await);
    // A pure Ed25519 signature of the same message is not an Ed25519ph one.
    let pure = kms
        .sign()
        .key_id(&key)
        .message(blob(b"abc"))
        .signing_algorithm(SigningAlgorithmSpec::Ed25519Sha512)
        .send()
        .await
        .unwrap();
    let pure = pure.signature().unwrap().as_ref().to_vec();
    assert_ne!(pure, expected);
    refused(verify(&kms, &key, b"abc", MessageType::Raw, &pure).await);

    // DIGEST must be a SHA-512 digest: 64 bytes.
    assert_eq!(sign(&kms, &key, &[0; 32], MessageType::Digest).await, Err("ValidationException".to_owned()));
    // EXTERNAL_MU is ML-DSA's alone.
    assert_eq!(sign(&kms, &key, &[0; 64], MessageType::ExternalMu).await, Err("ValidationException".to_owned()));
}

#[tokio::test]
async fn a_generated_key_signs_and_verifies_ed25519ph_and_dry_runs_sign_nothing() {
    let server = TestServer::start().await;
    let kms = server.client();
    let out = kms.create_key().key_spec(KeySpec::EccNistEdwards25519).key_usage(KeyUsageType::SignVerify);
    let key = out.send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let message = b"pre-hashed with SHA-512";
    let first = sign(&kms, &key, message, MessageType::Raw).await.expect("Sign");
    assert_eq!(first.len(), 64);
    assert_eq!(sign(&kms, &key, message, MessageType::Raw).await, Ok(first.clone()), "deterministic");
    verify(&kms, &key, message, MessageType::Raw, &first).await.expect("Verify");
    let dry = kms
        .sign()
        .key_id(&key)
        .message(blob(message))
        .signing_algorithm(SigningAlgorithmSpec::Ed25519PhSha512)
        .dry_run(true)
        .send()
        .await;
    expect_code(dry, "DryRunOperationException");
}
