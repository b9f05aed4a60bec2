//! Imported key material (origin `EXTERNAL`): `GetParametersForImport` with every wrapping
//! algorithm and wrapping key spec, `ImportKeyMaterial` (symmetric, HMAC and EC material; the
//! same material only on re-import), `DeleteImportedKeyMaterial`, expiry by the scheduler on
//! the manual clock, and the errors AWS answers. Material is wrapped by `openssl` exactly as
//! AWS's developer guide shows (`pkeyutl` RSA-OAEP, `enc -id-aes256-wrap-pad`) as well as by
//! `trent_crypto::wrap_for_import`.

use std::path::Path;
use std::process::Command;

use aws_sdk_kms::Client;
use aws_sdk_kms::types::{
    AlgorithmSpec, ExpirationModelType, KeySpec, KeyState, KeyUsageType, MacAlgorithmSpec, MessageType, OriginType,
    SigningAlgorithmSpec, WrappingKeySpec,
};
use trent_core::Clock as _;
use trent_crypto::{ImportWrapping, OaepHash, wrap_for_import};

use crate::common::{TestServer, blob, expect_code, quiet_scheduler};

/// Runs `openssl` with `args`; its standard output, or a panic naming what it said.
pub(crate) fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl").args(args).output().expect("the openssl command runs");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

pub(crate) fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().expect("utf-8 path").to_owned()
}

/// `openssl pkeyutl` RSA-OAEP (SHA-256, MGF1 SHA-256) of `dir/input` under the DER public key
/// `dir/public`, into `dir/output`: the wrapping step of AWS's developer guide.
pub(crate) fn openssl_oaep_sha256(dir: &Path, input: &str, public: &str, output: &str) {
    openssl_oaep(dir, "sha256", input, public, output);
}

async fn external_key(kms: &Client, spec: KeySpec, usage: KeyUsageType) -> String {
    let out = kms.create_key().origin(OriginType::External).key_spec(spec).key_usage(usage).send().await;
    out.expect("CreateKey EXTERNAL").key_metadata().expect("metadata").key_id().to_owned()
}

/// `(public key DER, import token)` for `key`.
async fn parameters(kms: &Client, key: &str, algorithm: AlgorithmSpec, spec: WrappingKeySpec) -> (Vec<u8>, Vec<u8>) {
    let out = kms
        .get_parameters_for_import()
        .key_id(key)
        .wrapping_algorithm(algorithm.clone())
        .wrapping_key_spec(spec.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetParametersForImport {algorithm:?} {spec:?}: {e:?}"));
    (out.public_key().expect("public key").as_ref().to_vec(), out.import_token().expect("token").as_ref().to_vec())
}

/// Imports `material` into `key` (RSA_AES_KEY_WRAP_SHA_256 under RSA_3072), not expiring.
async fn import(kms: &Client, key: &str, material: &[u8]) -> Result<String, String> {
    let (public, token) = parameters(kms, key, AlgorithmSpec::RsaAesKeyWrapSha256, WrappingKeySpec::Rsa3072).await;
    let wrapped = wrap_for_import(&public, ImportWrapping::RsaAesKeyWrap(OaepHash::Sha256), material).expect("wrap");
    send_wrapped(kms, key, &token, &wrapped).await
}

/// `ImportKeyMaterial` of already wrapped material, not expiring: the `KeyMaterialId`, or the
/// error code.
async fn send_wrapped(kms: &Client, key: &str, token: &[u8], encrypted: &[u8]) -> Result<String, String> {
    kms.import_key_material()
        .key_id(key)
        .import_token(blob(token))
        .encrypted_key_material(blob(encrypted))
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await
        // KeyMaterialId comes for symmetric keys only, as AWS answers.
        .map(|out| out.key_material_id().unwrap_or_default().to_owned())
        .map_err(|e| format!("{}: {}", crate::common::code(&e), crate::common::message(&e)))
}

async fn state(kms: &Client, key: &str) -> KeyState {
    let out = kms.describe_key().key_id(key).send().await.expect("DescribeKey");
    out.key_metadata().expect("metadata").key_state().expect("state").clone()
}

#[tokio::test]
async fn symmetric_material_survives_deletion_and_only_the_same_material_comes_back() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = external_key(&kms, KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt).await;
    let m = kms.describe_key().key_id(&key).send().await.unwrap().key_metadata.unwrap();
    assert_eq!(
        (m.origin(), m.key_state(), m.enabled()),
        (Some(&OriginType::External), Some(&KeyState::PendingImport), false)
    );
    assert!(m.expiration_model().is_none() && m.valid_to().is_none() && m.current_key_material_id().is_none());
    expect_code(kms.encrypt().key_id(&key).plaintext(blob(b"x")).send().await, "KMSInvalidStateException");
    expect_code(kms.enable_key().key_id(&key).send().await, "KMSInvalidStateException");

    let material = [0x42u8; 32];
    let id = import(&kms, &key, &material).await.expect("first import");
    let m = kms.describe_key().key_id(&key).send().await.unwrap().key_metadata.unwrap();
    assert_eq!(m.key_state(), Some(&KeyState::Enabled));
    assert_eq!(m.expiration_model(), Some(&ExpirationModelType::KeyMaterialDoesNotExpire));
    assert_eq!(m.current_key_material_id(), Some(id.as_str()));
    let sealed = kms.encrypt().key_id(&key).plaintext(blob(b"kept")).send().await.unwrap();
    let ciphertext = sealed.ciphertext_blob().unwrap().clone();
    // The same material again (AWS allows it, to change the expiry); no rotation without
    // material imported for it.
    assert_eq!(import(&kms, &key, &material).await, Ok(id.clone()));
    expect_code(kms.rotate_key_on_demand().key_id(&key).send().await, "KMSInvalidStateException");

    let deleted = kms.delete_imported_key_material().key_id(&key).send().await.unwrap();
    assert_eq!(deleted.key_material_id(), Some(id.as_str()));
    assert_eq!(state(&kms, &key).await, KeyState::PendingImport);
    expect_code(kms.decrypt().ciphertext_blob(ciphertext.clone()).send().await, "KMSInvalidStateException");
    assert!(import(&kms, &key, &[0x43; 32]).await.is_err_and(|e| e.starts_with("IncorrectKeyMaterialException")));
    assert_eq!(import(&kms, &key, &material).await, Ok(id.clone()));
    let out = kms.decrypt().ciphertext_blob(ciphertext).send().await.expect("decrypts after re-import");
    assert_eq!(out.plaintext().unwrap().as_ref(), b"kept");
    assert_eq!(out.key_material_id(), Some(id.as_str()));

    // A key pending deletion keeps that state when its material goes, and returns to
    // PendingImport (not Disabled) when the deletion is cancelled.
    kms.schedule_key_deletion().key_id(&key).send().await.unwrap();
    kms.delete_imported_key_material().key_id(&key).send().await.unwrap();
    assert_eq!(state(&kms, &key).await, KeyState::PendingDeletion);
    expect_code(
        kms.get_parameters_for_import()
            .key_id(&key)
            .wrapping_algorithm(AlgorithmSpec::RsaesOaepSha256)
            .wrapping_key_spec(WrappingKeySpec::Rsa2048)
            .send()
            .await,
        "KMSInvalidStateException",
    );
    kms.cancel_key_deletion().key_id(&key).send().await.unwrap();
    assert_eq!(state(&kms, &key).await, KeyState::PendingImport);
}

/// Every wrapping algorithm AWS accepts under every RSA wrapping key spec imports HMAC key
/// material that `GenerateMac` then uses byte for byte (checked against aws-lc's HMAC).
#[tokio::test]
async fn every_wrapping_algorithm_and_wrapping_key_spec_imports() {
    let server = TestServer::start().await;
    let kms = server.client();
    let algorithms = [
        (AlgorithmSpec::RsaesOaepSha1, ImportWrapping::Oaep(OaepHash::Sha1)),
        (AlgorithmSpec::RsaesOaepSha256, ImportWrapping::Oaep(OaepHash::Sha256)),
        (AlgorithmSpec::RsaAesKeyWrapSha1, ImportWrapping::RsaAesKeyWrap(OaepHash::Sha1)),
        (AlgorithmSpec::RsaAesKeyWrapSha256, ImportWrapping::RsaAesKeyWrap(OaepHash::Sha256)),
    ];
    for spec in [WrappingKeySpec::Rsa2048, WrappingKeySpec::Rsa3072, WrappingKeySpec::Rsa4096] {
        for (n, (algorithm, scheme)) in algorithms.iter().enumerate() {
            let key = external_key(&kms, KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await;
            let (public, token) = parameters(&kms, &key, algorithm.clone(), spec.clone()).await;
            let material: Vec<u8> = (0..40).map(|i| i as u8 ^ n as u8).collect(); // HMAC_256 takes 32..=64 bytes
            let wrapped = wrap_for_import(&public, *scheme, &material).expect("wrap");
            let imported = send_wrapped(&kms, &key, &token, &wrapped).await;
            imported.unwrap_or_else(|e| panic!("import {algorithm:?} {spec:?}: {e}"));
            let mac = kms
                .generate_mac()
                .key_id(&key)
                .message(blob(b"imported"))
                .mac_algorithm(MacAlgorithmSpec::HmacSha256)
                .send()
                .await
                .unwrap();
            let expected =
                aws_lc_rs::hmac::sign(&aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &material), b"imported");
            assert_eq!(mac.mac().unwrap().as_ref(), expected.as_ref(), "{algorithm:?} {spec:?}");
        }
    }
    let key = external_key(&kms, KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt).await;
    for (algorithm, spec) in [
        (AlgorithmSpec::RsaesPkcs1V15, WrappingKeySpec::Rsa2048),
        (AlgorithmSpec::Sm2Pke, WrappingKeySpec::Sm2),
        (AlgorithmSpec::RsaesOaepSha256, WrappingKeySpec::Sm2),
    ] {
        let r = kms
            .get_parameters_for_import()
            .key_id(&key)
            .wrapping_algorithm(algorithm)
            .wrapping_key_spec(spec)
            .send()
            .await;
        expect_code(r, "UnsupportedOperationException");
    }
    let generated = server.new_key().await;
    let r = kms
        .get_parameters_for_import()
        .key_id(&generated)
        .wrapping_algorithm(AlgorithmSpec::RsaesOaepSha256)
        .wrapping_key_spec(WrappingKeySpec::Rsa2048)
        .send()
        .await;
    expect_code(r, "UnsupportedOperationException");
    expect_code(kms.delete_imported_key_material().key_id(&generated).send().await, "UnsupportedOperationException");
}

#[tokio::test]
async fn import_tokens_are_bound_to_their_key_and_expire_after_24_hours() {
    let server = TestServer::start().await;
    let kms = server.client();
    let a = external_key(&kms, KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt).await;
    let b = external_key(&kms, KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt).await;
    let before = server.clock.now();
    let out = kms
        .get_parameters_for_import()
        .key_id(&a)
        .wrapping_algorithm(AlgorithmSpec::RsaesOaepSha256)
        .wrapping_key_spec(WrappingKeySpec::Rsa2048)
        .send()
        .await
        .unwrap();
    assert_eq!(crate::common::seconds_after(out.parameters_valid_to().unwrap(), before), 86_400);
    let public = out.public_key().unwrap().as_ref().to_vec();
    let token = out.import_token().unwrap().as_ref().to_vec();
    let wrap = |material: &[u8]| wrap_for_import(&public, ImportWrapping::Oaep(OaepHash::Sha256), material).unwrap();
    let send = |key: &str, token: &[u8], wrapped: Vec<u8>| {
        kms.import_key_material()
            .key_id(key)
            .import_token(blob(token))
            .encrypted_key_material(blob(&wrapped))
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
    };
    expect_code(send(&b, &token, wrap(&[1; 32])).await, "InvalidImportTokenException");
    expect_code(send(&a, b"not a token", wrap(&[1; 32])).await, "InvalidImportTokenException");
    let mut flipped = token.clone();
    flipped[20] ^= 1;
    expect_code(send(&a, &flipped, wrap(&[1; 32])).await, "InvalidImportTokenException");
    expect_code(send(&a, &token, vec![7; 256]).await, "InvalidCiphertextException");
    let m = expect_code(send(&a, &token, wrap(&[1; 31])).await, "IncorrectKeyMaterialException");
    assert!(m.contains("32 bytes, not 31"), "{m}");
    // ExpirationModel defaults to KEY_MATERIAL_EXPIRES, which needs ValidTo within 365 days.
    let import = |valid_to: Option<time::OffsetDateTime>, model: Option<ExpirationModelType>| {
        kms.import_key_material()
            .key_id(&a)
            .import_token(blob(&token))
            .encrypted_key_material(blob(&wrap(&[1; 32])))
            .set_valid_to(valid_to.map(|t| aws_sdk_kms::primitives::DateTime::from_secs(t.unix_timestamp())))
            .set_expiration_model(model)
            .send()
    };
    let now = server.clock.now();
    expect_code(import(None, None).await, "ValidationException");
    expect_code(import(Some(now - time::Duration::hours(1)), None).await, "ValidationException");
    expect_code(import(Some(now + time::Duration::days(366)), None).await, "ValidationException");
    expect_code(
        import(Some(now + time::Duration::days(1)), Some(ExpirationModelType::KeyMaterialDoesNotExpire)).await,
        "ValidationException",
    );
    for bad in ["G".repeat(64), "A".repeat(64)] {
        let m = expect_code(
            kms.delete_imported_key_material().key_id(&a).key_material_id(&bad).send().await,
            "ValidationException",
        );
        assert!(m.contains("'keyMaterialId'") && m.contains("^[a-f0-9]+$"), "{m}");
        let r = kms
            .import_key_material()
            .key_id(&a)
            .import_token(blob(&token))
            .encrypted_key_material(blob(&wrap(&[1; 32])))
            .key_material_id(&bad)
            .send()
            .await;
        let m = expect_code(r, "ValidationException");
        assert!(m.contains("'keyMaterialId'") && m.contains("^[a-f0-9]+$"), "{m}");
    }
    server.clock.advance(time::Duration::hours(24));
    expect_code(send(&a, &token, wrap(&[1; 32])).await, "ExpiredImportTokenException");
    assert_eq!(state(&kms, &a).await, KeyState::PendingImport, "nothing was imported by the refused calls");
}

#[tokio::test]
async fn expired_material_makes_the_key_unusable_until_it_is_imported_again() {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let kms = server.client();
    let key = external_key(&kms, KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt).await;
    let (public, token) = parameters(&kms, &key, AlgorithmSpec::RsaesOaepSha1, WrappingKeySpec::Rsa2048).await;
    let material = [9u8; 32];
    let valid_to = server.clock.now() + time::Duration::days(2);
    kms.import_key_material()
        .key_id(&key)
        .import_token(blob(&token))
        .encrypted_key_material(blob(
            &wrap_for_import(&public, ImportWrapping::Oaep(OaepHash::Sha1), &material).unwrap(),
        ))
        .valid_to(aws_sdk_kms::primitives::DateTime::from_secs(valid_to.unix_timestamp()))
        .send()
        .await
        .expect("import with the default model, KEY_MATERIAL_EXPIRES");
    let m = kms.describe_key().key_id(&key).send().await.unwrap().key_metadata.unwrap();
    assert_eq!(m.expiration_model(), Some(&ExpirationModelType::KeyMaterialExpires));
    assert_eq!(m.valid_to().map(|t| t.secs()), Some(valid_to.unix_timestamp()));
    let ciphertext = kms.encrypt().key_id(&key).plaintext(blob(b"until then")).send().await.unwrap();
    let ciphertext = ciphertext.ciphertext_blob().unwrap().clone();

    server.clock.advance(time::Duration::days(2) - time::Duration::seconds(1));
    assert_eq!(server.run_scheduler().await.expired, 0, "not yet");
    kms.decrypt().ciphertext_blob(ciphertext.clone()).send().await.expect("usable until ValidTo");
    server.clock.advance(time::Duration::seconds(1));
    assert_eq!(server.run_scheduler().await.expired, 1);
    assert_eq!(server.run_scheduler().await.expired, 0, "expired once");
    assert_eq!(state(&kms, &key).await, KeyState::PendingImport);
    expect_code(kms.decrypt().ciphertext_blob(ciphertext.clone()).send().await, "KMSInvalidStateException");
    import(&kms, &key, &material).await.expect("the same material again");
    let out = kms.decrypt().ciphertext_blob(ciphertext).send().await.expect("decrypts again");
    assert_eq!(out.plaintext().unwrap().as_ref(), b"until then");
}

/// The developer guide's procedure, with `openssl` doing the wrapping: RSAES_OAEP_SHA_256 for
/// symmetric material, and RSA_AES_KEY_WRAP_SHA_256 (`enc -id-aes256-wrap-pad` of the PKCS#8
/// DER, then the AES key under RSA-OAEP) for an `openssl`-made P-256 private key, whose
/// signatures `openssl` then verifies with its own public key.
#[tokio::test]
async fn material_wrapped_by_openssl_imports_and_an_imported_ec_key_signs_what_openssl_verifies() {
    let server = TestServer::start().await;
    let kms = server.client();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let key = external_key(&kms, KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt).await;
    let (public, token) = parameters(&kms, &key, AlgorithmSpec::RsaesOaepSha256, WrappingKeySpec::Rsa2048).await;
    std::fs::write(path(d, "wrapping.der"), &public).unwrap();
    openssl(&["rand", "-out", &path(d, "material.bin"), "32"]);
    openssl_oaep_sha256(d, "material.bin", "wrapping.der", "material.enc");
    let encrypted = std::fs::read(path(d, "material.enc")).unwrap();
    send_wrapped(&kms, &key, &token, &encrypted).await.expect("import of openssl-wrapped material");
    let sealed = kms.encrypt().key_id(&key).plaintext(blob(b"openssl")).send().await.unwrap();
    let out = kms.decrypt().ciphertext_blob(sealed.ciphertext_blob().unwrap().clone()).send().await.unwrap();
    assert_eq!(out.plaintext().unwrap().as_ref(), b"openssl");

    let signer = external_key(&kms, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let (public, token) = parameters(&kms, &signer, AlgorithmSpec::RsaAesKeyWrapSha256, WrappingKeySpec::Rsa4096).await;
    std::fs::write(path(d, "wrapping4096.der"), &public).unwrap();
    openssl(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &path(d, "ec.pem")]);
    openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", &path(d, "ec.pem"), "-outform", "DER", "-out", &path(d, "ec.der")]);
    openssl(&["pkey", "-in", &path(d, "ec.pem"), "-pubout", "-out", &path(d, "ec.pub.pem")]);
    let aes = hex::encode(openssl(&["rand", "32"]));
    openssl_aes_key_wrap(d, &aes, "ec.der", "ec.wrapped");
    std::fs::write(path(d, "aes.bin"), hex::decode(&aes).unwrap()).unwrap();
    openssl_oaep_sha256(d, "aes.bin", "wrapping4096.der", "aes.enc");
    let mut encrypted = std::fs::read(path(d, "aes.enc")).unwrap();
    encrypted.extend(std::fs::read(path(d, "ec.wrapped")).unwrap());
    send_wrapped(&kms, &signer, &token, &encrypted).await.expect("import of an openssl-made EC key");
    let signature = kms
        .sign()
        .key_id(&signer)
        .message(blob(b"signed by an imported key"))
        .message_type(MessageType::Raw)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    std::fs::write(path(d, "msg"), b"signed by an imported key").unwrap();
    std::fs::write(path(d, "sig"), signature.signature().unwrap().as_ref()).unwrap();
    openssl(&["dgst", "-sha256", "-verify", &path(d, "ec.pub.pem"), "-signature", &path(d, "sig"), &path(d, "msg")]);
    // Material of another kind than the key's spec is refused.
    let other = external_key(&kms, KeySpec::EccNistP384, KeyUsageType::SignVerify).await;
    let (public, token) = parameters(&kms, &other, AlgorithmSpec::RsaAesKeyWrapSha256, WrappingKeySpec::Rsa2048).await;
    let der = std::fs::read(path(d, "ec.der")).unwrap();
    let wrapped = wrap_for_import(&public, ImportWrapping::RsaAesKeyWrap(OaepHash::Sha256), &der).unwrap();
    let refused = send_wrapped(&kms, &other, &token, &wrapped).await.expect_err("a P-256 key for a P-384 key");
    assert!(refused.starts_with("IncorrectKeyMaterialException"), "{refused}");
}

/// `openssl pkeyutl` RSA-OAEP of `dir/input` under the DER public key `dir/public` with
/// `hash` (`sha1` or `sha256`) for OAEP and MGF1, into `dir/output`.
fn openssl_oaep(dir: &Path, hash: &str, input: &str, public: &str, output: &str) {
    let (md, mgf1) = (format!("rsa_oaep_md:{hash}"), format!("rsa_mgf1_md:{hash}"));
    openssl(&[
        "pkeyutl",
        "-encrypt",
        "-in",
        &path(dir, input),
        "-out",
        &path(dir, output),
        "-inkey",
        &path(dir, public),
        "-keyform",
        "DER",
        "-pubin",
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        &md,
        "-pkeyopt",
        &mgf1,
    ]);
}

/// `openssl enc -id-aes256-wrap-pad` (RFC 5649) of `dir/input` under the hexadecimal AES-256
/// key `aes_hex`, into `dir/output`: the second step of the RSA_AES_KEY_WRAP algorithms.
fn openssl_aes_key_wrap(dir: &Path, aes_hex: &str, input: &str, output: &str) {
    let (input, output) = (path(dir, input), path(dir, output));
    openssl(&["enc", "-id-aes256-wrap-pad", "-K", aes_hex, "-iv", "A65959A6", "-in", &input, "-out", &output]);
}

/// HMAC key material wrapped by `openssl` alone under each of the four wrapping algorithms (RSA-OAEP
/// directly, or an AES key by RSA-OAEP and the material by `enc -id-aes256-wrap-pad`, as AWS's
/// developer guide shows) imports, and the key's `GenerateMac` equals `openssl mac` over the same
/// material and message, for every HMAC key spec.
#[tokio::test]
async fn hmac_material_wrapped_by_openssl_macs_as_openssl_does() {
    let server = TestServer::start().await;
    let kms = server.client();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(path(d, "msg"), b"imported HMAC keys MAC as openssl does").unwrap();
    let algorithms = [
        (AlgorithmSpec::RsaesOaepSha1, "sha1", false),
        (AlgorithmSpec::RsaesOaepSha256, "sha256", false),
        (AlgorithmSpec::RsaAesKeyWrapSha1, "sha1", true),
        (AlgorithmSpec::RsaAesKeyWrapSha256, "sha256", true),
    ];
    let specs = [
        (KeySpec::Hmac224, MacAlgorithmSpec::HmacSha224, "SHA224", 28),
        (KeySpec::Hmac256, MacAlgorithmSpec::HmacSha256, "SHA256", 32),
        (KeySpec::Hmac384, MacAlgorithmSpec::HmacSha384, "SHA384", 48),
        (KeySpec::Hmac512, MacAlgorithmSpec::HmacSha512, "SHA512", 64),
    ];
    for (n, (algorithm, hash, key_wrap)) in algorithms.iter().enumerate() {
        let (spec, mac_algorithm, digest, length) = &specs[n];
        let key = external_key(&kms, spec.clone(), KeyUsageType::GenerateVerifyMac).await;
        let (public, token) = parameters(&kms, &key, algorithm.clone(), WrappingKeySpec::Rsa2048).await;
        std::fs::write(path(d, "wrapping.der"), &public).unwrap();
        openssl(&["rand", "-out", &path(d, "material.bin"), &length.to_string()]);
        let encrypted = if *key_wrap {
            let aes = openssl(&["rand", "-hex", "32"]);
            let aes = String::from_utf8(aes).unwrap().trim().to_owned();
            openssl_aes_key_wrap(d, &aes, "material.bin", "material.wrapped");
            std::fs::write(path(d, "aes.bin"), hex::decode(&aes).unwrap()).unwrap();
            openssl_oaep(d, hash, "aes.bin", "wrapping.der", "aes.enc");
            let mut encrypted = std::fs::read(path(d, "aes.enc")).unwrap();
            encrypted.extend(std::fs::read(path(d, "material.wrapped")).unwrap());
            encrypted
        } else {
            openssl_oaep(d, hash, "material.bin", "wrapping.der", "material.enc");
            std::fs::read(path(d, "material.enc")).unwrap()
        };
        send_wrapped(&kms, &key, &token, &encrypted)
            .await
            .unwrap_or_else(|e| panic!("import of openssl-wrapped {spec:?} material under {algorithm:?}: {e}"));
        let material = hex::encode(std::fs::read(path(d, "material.bin")).unwrap());
        let hexkey = format!("hexkey:{material}");
        let expected = openssl(&["mac", "-digest", digest, "-macopt", &hexkey, "-in", &path(d, "msg"), "HMAC"]);
        let expected = String::from_utf8(expected).unwrap().trim().to_lowercase();
        let message = std::fs::read(path(d, "msg")).unwrap();
        let out = kms.generate_mac().key_id(&key).message(blob(&message)).mac_algorithm(mac_algorithm.clone());
        let mac = out.send().await.unwrap_or_else(|e| panic!("GenerateMac {spec:?}: {e:?}"));
        assert_eq!(hex::encode(mac.mac().unwrap().as_ref()), expected, "{spec:?} under {algorithm:?}");
    }
}

/// ML-KEM material made and encoded by RustCrypto's `ml-kem` (seed-form PKCS#8) imports into an
/// `ML_KEM_768` key: what Trent encapsulates to it, `ml-kem` decapsulates with its own key, and
/// the material refuses to go into a key of another ML-KEM level.
#[tokio::test]
async fn ml_kem_material_encoded_by_ml_kem_imports_and_encapsulates_to_its_key() {
    use aws_sdk_kms::types::EncapsulationAlgorithmSpec;
    use ml_kem::Decapsulate as _;
    use ml_kem::pkcs8::EncodePrivateKey as _;

    let server = TestServer::start().await;
    let kms = server.client();
    let mut seed = [0u8; 64];
    aws_lc_rs::rand::fill(&mut seed).unwrap();
    let dk = ml_kem::ml_kem_768::DecapsulationKey::from_seed(seed.into());
    let der = dk.to_pkcs8_der().expect("ml-kem encodes its key");
    let key = external_key(&kms, KeySpec::MlKem768, KeyUsageType::EncapsulateDecapsulate).await;
    import(&kms, &key, der.as_bytes()).await.expect("ImportKeyMaterial");
    assert_eq!(state(&kms, &key).await, KeyState::Enabled);
    let enc = kms.encapsulate().key_id(&key).encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem);
    let enc = enc.send().await.unwrap();
    let ct = enc.shared_secret_ciphertext_blob().unwrap().as_ref();
    assert_eq!(dk.decapsulate_slice(ct).unwrap().as_slice(), enc.shared_secret().unwrap().as_ref());
    let other = external_key(&kms, KeySpec::MlKem1024, KeyUsageType::EncapsulateDecapsulate).await;
    assert!(import(&kms, &other, der.as_bytes()).await.is_err(), "ML_KEM_768 material in an ML_KEM_1024 key");
    assert_eq!(state(&kms, &other).await, KeyState::PendingImport);
}
