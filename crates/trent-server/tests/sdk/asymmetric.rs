//! Asymmetric and HMAC keys end to end: every key spec with its usages and metadata,
//! `GetPublicKey`, `Sign`/`Verify` and `GenerateMac`/`VerifyMac`, checked against the
//! `openssl` command line (an implementation nobody here wrote): Trent's signatures verify with
//! `openssl` using `GetPublicKey`'s key, `openssl`'s signatures with a seeded key pass
//! `Verify`, and `GenerateMac` equals `openssl mac` over the same key.

use std::path::{Path, PathBuf};
use std::process::Command;

use aws_sdk_kms::Client;
use aws_sdk_kms::types::{
    EncryptionAlgorithmSpec, KeyAgreementAlgorithmSpec, KeySpec, KeyUsageType, MacAlgorithmSpec, MessageType,
    SigningAlgorithmSpec,
};

use crate::common::{TestServer, blob, expect_code};

/// Runs `openssl` with `args`; its standard output, or a panic naming what it said.
fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl").args(args).output().expect("the openssl command runs");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// Whether `openssl` accepts a command (to tell a verification failure from a crash).
fn openssl_ok(args: &[&str]) -> bool {
    Command::new("openssl").args(args).output().expect("the openssl command runs").status.success()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path: PathBuf = dir.join(name);
    std::fs::write(&path, bytes).expect("write temp file");
    path.to_str().expect("utf-8 path").to_owned()
}

async fn create(kms: &Client, spec: KeySpec, usage: KeyUsageType) -> String {
    let out = kms.create_key().key_spec(spec.clone()).key_usage(usage.clone()).send().await;
    let out = out.unwrap_or_else(|e| panic!("CreateKey {spec:?} {usage:?}: {e:?}"));
    out.key_metadata().unwrap().key_id().to_owned()
}

/// The public key of `key` as a PEM file in `dir`, converted by `openssl` from the DER
/// `GetPublicKey` answers (which proves the DER is a SubjectPublicKeyInfo openssl reads).
async fn public_pem(kms: &Client, key: &str, dir: &Path) -> String {
    let out = kms.get_public_key().key_id(key).send().await.expect("GetPublicKey");
    let der = write(dir, &format!("{key}.der"), out.public_key().unwrap().as_ref());
    let pem = dir.join(format!("{key}.pem")).to_str().unwrap().to_owned();
    openssl(&["pkey", "-pubin", "-inform", "DER", "-in", &der, "-out", &pem]);
    pem
}

/// `openssl dgst` arguments that verify `alg`'s signatures.
fn dgst_args(alg: &SigningAlgorithmSpec) -> Vec<&'static str> {
    use SigningAlgorithmSpec::*;
    let pss = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"];
    match alg {
        RsassaPssSha256 => [&["-sha256"][..], &pss].concat(),
        RsassaPssSha384 => [&["-sha384"][..], &pss].concat(),
        RsassaPssSha512 => [&["-sha512"][..], &pss].concat(),
        RsassaPkcs1V15Sha256 | EcdsaSha256 => vec!["-sha256"],
        RsassaPkcs1V15Sha384 | EcdsaSha384 => vec!["-sha384"],
        RsassaPkcs1V15Sha512 | EcdsaSha512 => vec!["-sha512"],
        other => panic!("no dgst arguments for {other:?}"),
    }
}

fn digest_of(alg: &SigningAlgorithmSpec, message: &[u8], dir: &Path) -> Vec<u8> {
    let file = write(dir, "digest-input", message);
    let mut args = vec!["dgst", "-binary"];
    args.push(dgst_args(alg)[0]);
    args.push(&file);
    openssl(&args)
}

/// The six signing algorithms of every RSA key spec.
fn rsa_signing_algorithms() -> Vec<SigningAlgorithmSpec> {
    use SigningAlgorithmSpec as A;
    let pss = [A::RsassaPssSha256, A::RsassaPssSha384, A::RsassaPssSha512];
    let pkcs1 = [A::RsassaPkcs1V15Sha256, A::RsassaPkcs1V15Sha384, A::RsassaPkcs1V15Sha512];
    pss.into_iter().chain(pkcs1).collect()
}

#[tokio::test]
async fn every_key_spec_is_created_with_the_usages_and_algorithms_aws_gives_it() {
    use KeySpec as S;
    use KeyUsageType as U;
    let server = TestServer::start().await;
    let kms = server.client();
    let rsa_signing: Vec<SigningAlgorithmSpec> = ["PSS_SHA_256", "PSS_SHA_384", "PSS_SHA_512"]
        .iter()
        .map(|a| format!("RSASSA_{a}"))
        .chain(["SHA_256", "SHA_384", "SHA_512"].iter().map(|a| format!("RSASSA_PKCS1_V1_5_{a}")))
        .map(|a| SigningAlgorithmSpec::from(a.as_str()))
        .collect();
    let oaep = vec![EncryptionAlgorithmSpec::RsaesOaepSha1, EncryptionAlgorithmSpec::RsaesOaepSha256];
    let ecdsa = |a: SigningAlgorithmSpec| vec![a];
    let cases: Vec<(KeySpec, KeyUsageType, Vec<SigningAlgorithmSpec>, Vec<EncryptionAlgorithmSpec>)> = vec![
        (S::Rsa2048, U::SignVerify, rsa_signing.clone(), vec![]),
        (S::Rsa3072, U::EncryptDecrypt, vec![], oaep.clone()),
        (S::Rsa4096, U::SignVerify, rsa_signing.clone(), vec![]),
        (S::EccNistP256, U::SignVerify, ecdsa(SigningAlgorithmSpec::EcdsaSha256), vec![]),
        (S::EccNistP384, U::SignVerify, ecdsa(SigningAlgorithmSpec::EcdsaSha384), vec![]),
        (S::EccNistP521, U::SignVerify, ecdsa(SigningAlgorithmSpec::EcdsaSha512), vec![]),
        (S::EccSecgP256K1, U::SignVerify, ecdsa(SigningAlgorithmSpec::EcdsaSha256), vec![]),
        (
            S::EccNistEdwards25519,
            U::SignVerify,
            vec![SigningAlgorithmSpec::Ed25519Sha512, SigningAlgorithmSpec::Ed25519PhSha512],
            vec![],
        ),
        (S::MlDsa44, U::SignVerify, vec![SigningAlgorithmSpec::MlDsaShake256], vec![]),
        (S::MlDsa65, U::SignVerify, vec![SigningAlgorithmSpec::MlDsaShake256], vec![]),
        (S::MlDsa87, U::SignVerify, vec![SigningAlgorithmSpec::MlDsaShake256], vec![]),
    ];
    for (spec, usage, signing, encryption) in cases {
        let id = create(&kms, spec.clone(), usage.clone()).await;
        let m = server.describe(&id).await;
        assert_eq!((m.key_spec(), m.key_usage()), (Some(&spec), Some(&usage)));
        assert_eq!(m.signing_algorithms(), signing.as_slice(), "{spec:?}");
        assert_eq!(m.encryption_algorithms(), encryption.as_slice(), "{spec:?}");
        assert!(m.mac_algorithms().is_empty() && m.key_agreement_algorithms().is_empty(), "{spec:?}");
        let public = kms.get_public_key().key_id(&id).send().await.unwrap();
        assert_eq!((public.key_spec(), public.key_usage()), (Some(&spec), Some(&usage)));
        assert_eq!(public.signing_algorithms(), signing.as_slice());
        assert_eq!(public.encryption_algorithms(), encryption.as_slice());
        // Asymmetric keys do not rotate, as on AWS.
        expect_code(kms.enable_key_rotation().key_id(&id).send().await, "UnsupportedOperationException");
        expect_code(kms.rotate_key_on_demand().key_id(&id).send().await, "UnsupportedOperationException");
    }
    let agreement = create(&kms, S::EccNistP384, U::KeyAgreement).await;
    let m = server.describe(&agreement).await;
    assert_eq!(m.key_agreement_algorithms(), [KeyAgreementAlgorithmSpec::Ecdh]);
    assert!(m.signing_algorithms().is_empty() && m.encryption_algorithms().is_empty());
    for (spec, mac) in [
        (S::Hmac224, MacAlgorithmSpec::HmacSha224),
        (S::Hmac256, MacAlgorithmSpec::HmacSha256),
        (S::Hmac384, MacAlgorithmSpec::HmacSha384),
        (S::Hmac512, MacAlgorithmSpec::HmacSha512),
    ] {
        let id = create(&kms, spec.clone(), U::GenerateVerifyMac).await;
        let m = server.describe(&id).await;
        assert_eq!(m.mac_algorithms(), [mac]);
        assert!(m.encryption_algorithms().is_empty() && m.signing_algorithms().is_empty());
        expect_code(kms.get_public_key().key_id(&id).send().await, "UnsupportedOperationException");
        expect_code(kms.enable_key_rotation().key_id(&id).send().await, "UnsupportedOperationException");
    }
    // Pairs AWS refuses, in its words.
    for (spec, usage) in [
        (S::EccNistP256, U::EncryptDecrypt),
        (S::Hmac256, U::SignVerify),
        (S::Rsa2048, U::GenerateVerifyMac),
        (S::Rsa2048, U::KeyAgreement),
        (S::MlDsa65, U::EncryptDecrypt),
        (S::EccNistEdwards25519, U::KeyAgreement),
        (S::SymmetricDefault, U::SignVerify),
    ] {
        let msg = expect_code(
            kms.create_key().key_spec(spec.clone()).key_usage(usage.clone()).send().await,
            "ValidationException",
        );
        assert_eq!(msg, format!("KeyUsage {} is not compatible with KeySpec {}", usage.as_str(), spec.as_str()));
    }
    // Without KeyUsage the usage is ENCRYPT_DECRYPT, which an ECC key cannot have.
    expect_code(kms.create_key().key_spec(S::EccNistP256).send().await, "ValidationException");
    let rsa = kms.create_key().key_spec(S::Rsa2048).send().await.unwrap();
    assert_eq!(rsa.key_metadata().unwrap().key_usage(), Some(&U::EncryptDecrypt));
    // Multi-Region keys come in every spec, but SM2 (China Regions only) in none.
    let mrk = kms.create_key().key_spec(S::EccNistP256).key_usage(U::SignVerify).multi_region(true).send().await;
    assert!(mrk.unwrap().key_metadata().unwrap().multi_region().unwrap());
    let sm2 = kms.create_key().key_spec(S::Sm2).key_usage(U::SignVerify).multi_region(true).send().await;
    expect_code(sm2, "UnsupportedOperationException");
    // A symmetric key has no public key.
    let symmetric = server.new_key().await;
    expect_code(kms.get_public_key().key_id(&symmetric).send().await, "UnsupportedOperationException");
}

#[tokio::test]
async fn signatures_verify_with_openssl_raw_and_digest() {
    use SigningAlgorithmSpec as A;
    let server = TestServer::start().await;
    let kms = server.client();
    let dir = tempfile::tempdir().unwrap();
    let message = b"Trent signs this; openssl checks it.";
    let msg_file = write(dir.path(), "message", message);
    let rsa = rsa_signing_algorithms();
    let cases = [
        (KeySpec::Rsa2048, rsa.clone()),
        (KeySpec::Rsa3072, vec![A::RsassaPssSha384, A::RsassaPkcs1V15Sha256]),
        (KeySpec::EccNistP256, vec![A::EcdsaSha256]),
        (KeySpec::EccNistP384, vec![A::EcdsaSha384]),
        (KeySpec::EccNistP521, vec![A::EcdsaSha512]),
        (KeySpec::EccSecgP256K1, vec![A::EcdsaSha256]),
    ];
    for (spec, algorithms) in cases {
        let key = create(&kms, spec.clone(), KeyUsageType::SignVerify).await;
        let arn = server.key_arn(&key).await;
        let pem = public_pem(&kms, &key, dir.path()).await;
        for alg in algorithms {
            let digest = digest_of(&alg, message, dir.path());
            for (kind, input) in [(MessageType::Raw, &message[..]), (MessageType::Digest, &digest[..])] {
                let out = kms
                    .sign()
                    .key_id(&key)
                    .message(blob(input))
                    .message_type(kind.clone())
                    .signing_algorithm(alg.clone())
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("Sign {spec:?} {alg:?} {kind:?}: {e:?}"));
                assert_eq!((out.key_id(), out.signing_algorithm()), (Some(arn.as_str()), Some(&alg)));
                let sig = write(dir.path(), "sig", out.signature().unwrap().as_ref());
                let mut args = vec!["dgst"];
                args.extend(dgst_args(&alg));
                args.extend(["-verify", &pem, "-signature", &sig, &msg_file]);
                let said = String::from_utf8(openssl(&args)).unwrap();
                assert!(said.contains("Verified OK"), "{spec:?} {alg:?} {kind:?}: {said}");
                // And Trent agrees, in either message type.
                let v = kms
                    .verify()
                    .key_id(&key)
                    .message(blob(message))
                    .signature(out.signature().unwrap().clone())
                    .signing_algorithm(alg.clone())
                    .send()
                    .await
                    .unwrap();
                assert!(v.signature_valid());
            }
        }
    }
    // Ed25519: pure EdDSA over the message (openssl pkeyutl -rawin).
    let key = create(&kms, KeySpec::EccNistEdwards25519, KeyUsageType::SignVerify).await;
    let pem = public_pem(&kms, &key, dir.path()).await;
    let out = kms.sign().key_id(&key).message(blob(message)).signing_algorithm(A::Ed25519Sha512).send().await;
    let sig = write(dir.path(), "ed-sig", out.unwrap().signature().unwrap().as_ref());
    let said = openssl(&["pkeyutl", "-verify", "-pubin", "-inkey", &pem, "-rawin", "-in", &msg_file, "-sigfile", &sig]);
    assert!(String::from_utf8(said).unwrap().contains("Signature Verified Successfully"));
    let bad = write(dir.path(), "other-message", b"something else");
    assert!(!openssl_ok(&["pkeyutl", "-verify", "-pubin", "-inkey", &pem, "-rawin", "-in", &bad, "-sigfile", &sig]));
}

/// The openssl here (3.0) has no ML-DSA: its signatures are checked by `Verify` and by
/// aws-lc-rs's own verifier with `GetPublicKey`'s key. An `EXTERNAL_MU` signature (made by
/// RustCrypto's ml-dsa) must be aws-lc-rs's pure ML-DSA signature of the message the mu came
/// from.
#[tokio::test]
async fn ml_dsa_signatures_verify_with_the_public_key() {
    use aws_lc_rs::signature::{ML_DSA_44, ML_DSA_65, ML_DSA_87, UnparsedPublicKey, VerificationAlgorithm};
    use trent_crypto::MlDsaLevel;
    let server = TestServer::start().await;
    let kms = server.client();
    // With each spec its raw public key's length (FIPS 204 pkEncode), the end of the SPKI.
    let levels: [(KeySpec, &'static dyn VerificationAlgorithm, MlDsaLevel, usize); 3] = [
        (KeySpec::MlDsa44, &ML_DSA_44, MlDsaLevel::L44, 1312),
        (KeySpec::MlDsa65, &ML_DSA_65, MlDsaLevel::L65, 1952),
        (KeySpec::MlDsa87, &ML_DSA_87, MlDsaLevel::L87, 2592),
    ];
    for (spec, verifier, level, raw_len) in levels {
        let key = create(&kms, spec.clone(), KeyUsageType::SignVerify).await;
        let alg = SigningAlgorithmSpec::MlDsaShake256;
        let out = kms.sign().key_id(&key).message(blob(b"post-quantum")).signing_algorithm(alg.clone());
        let sig = out.send().await.unwrap().signature().unwrap().clone();
        let public = kms.get_public_key().key_id(&key).send().await.unwrap();
        let public = public.public_key().unwrap().as_ref().to_vec();
        UnparsedPublicKey::new(verifier, &public).verify(b"post-quantum", sig.as_ref()).expect("verifies");
        assert!(UnparsedPublicKey::new(verifier, &public).verify(b"post-quantun", sig.as_ref()).is_err());
        let v = kms
            .verify()
            .key_id(&key)
            .message(blob(b"post-quantum"))
            .signature(sig.clone())
            .signing_algorithm(alg.clone());
        assert!(v.send().await.unwrap().signature_valid());
        // A digest is not what ML-DSA signs.
        let digest = kms.sign().key_id(&key).message(blob(&[0; 64])).message_type(MessageType::Digest);
        expect_code(digest.signing_algorithm(alg.clone()).send().await, "ValidationException");

        // EXTERNAL_MU: the client's mu of a message larger than RAW takes (FIPS 204 6.2).
        let message = vec![b'q'; 10_000];
        let mu = trent_crypto::ml_dsa_mu(level, &public[public.len() - raw_len..], &message).unwrap();
        let sign_mu = |mu: Vec<u8>| {
            kms.sign()
                .key_id(&key)
                .message(blob(&mu))
                .message_type(MessageType::ExternalMu)
                .signing_algorithm(alg.clone())
        };
        let sig = sign_mu(mu.to_vec()).send().await.unwrap().signature().unwrap().clone();
        UnparsedPublicKey::new(verifier, &public)
            .verify(&message, sig.as_ref())
            .expect("a pure signature of the message");
        let verify_mu = |mu: &[u8], sig: &[u8]| {
            kms.verify()
                .key_id(&key)
                .message(blob(mu))
                .message_type(MessageType::ExternalMu)
                .signature(blob(sig))
                .signing_algorithm(alg.clone())
                .send()
        };
        assert!(verify_mu(&mu, sig.as_ref()).await.unwrap().signature_valid());
        // A RAW signature of the message verifies against its mu as well, and a changed mu fails.
        let raw_sig = kms.sign().key_id(&key).message(blob(&message[..4096])).signing_algorithm(alg.clone());
        let raw_sig = raw_sig.send().await.unwrap().signature().unwrap().clone();
        let short_mu = trent_crypto::ml_dsa_mu(level, &public[public.len() - raw_len..], &message[..4096]).unwrap();
        assert!(verify_mu(&short_mu, raw_sig.as_ref()).await.unwrap().signature_valid());
        let mut other = mu;
        other[0] ^= 1;
        expect_code(verify_mu(&other, sig.as_ref()).await, "KMSInvalidSignatureException");
        expect_code(sign_mu(vec![0; 32]).send().await, "ValidationException");
    }
}

const SEED_KEY_EC: &str = "5eed0001-0000-4000-8000-000000000001";
const SEED_KEY_RSA: &str = "5eed0001-0000-4000-8000-000000000002";
const SEED_KEY_ED: &str = "5eed0001-0000-4000-8000-000000000003";
const SEED_KEY_HMAC: &str = "5eed0001-0000-4000-8000-000000000004";

/// Keys made by `openssl`, seeded into the server: what `openssl` signs with them must pass
/// `Verify`, and `GenerateMac` must equal `openssl mac`.
#[tokio::test]
async fn openssl_signatures_and_macs_over_seeded_keys_pass_verify() {
    let server = TestServer::start().await;
    let kms = server.client();
    let account = server.account().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ec = d.join("ec.pem").to_str().unwrap().to_owned();
    openssl(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &ec]);
    let rsa = d.join("rsa.pem").to_str().unwrap().to_owned();
    openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", &rsa]);
    let ed = d.join("ed.pem").to_str().unwrap().to_owned();
    openssl(&["genpkey", "-algorithm", "ED25519", "-out", &ed]);
    let hmac_key = "0f".repeat(32);
    let indent =
        |path: &str| std::fs::read_to_string(path).unwrap().lines().map(|l| format!("      {l}\n")).collect::<String>();
    let seed = format!(
        "keys:\n\
         \x20\x20- id: {SEED_KEY_EC}\n    account: \"{account}\"\n    key_spec: ECC_NIST_P256\n    key_usage: SIGN_VERIFY\n    material_pem: |\n{}\
         \x20\x20- id: {SEED_KEY_RSA}\n    account: \"{account}\"\n    key_spec: RSA_2048\n    key_usage: SIGN_VERIFY\n    material_pem: |\n{}\
         \x20\x20- id: {SEED_KEY_ED}\n    account: \"{account}\"\n    key_spec: ECC_NIST_EDWARDS25519\n    key_usage: SIGN_VERIFY\n    material_pem: |\n{}\
         \x20\x20- id: {SEED_KEY_HMAC}\n    account: \"{account}\"\n    key_spec: HMAC_256\n    key_usage: GENERATE_VERIFY_MAC\n    material: \"{hmac_key}\"\n",
        indent(&ec),
        indent(&rsa),
        indent(&ed)
    );
    let seed_file = d.join("seed.yaml");
    std::fs::write(&seed_file, seed).unwrap();
    let loaded = trent_server::seed::load(&seed_file).expect("seed parses");
    trent_server::seed::apply(&server.state, &loaded, &seed_file, false).await.expect("seed applies");

    let message = b"openssl signs this; Trent checks it.";
    let msg_file = write(d, "message", message);
    let sig_file = d.join("sig").to_str().unwrap().to_owned();
    let verify = |key: &'static str, alg: SigningAlgorithmSpec, sig: Vec<u8>| {
        kms.verify().key_id(key).message(blob(message)).signature(blob(&sig)).signing_algorithm(alg).send()
    };
    for (alg, extra) in [(SigningAlgorithmSpec::EcdsaSha256, vec!["-sha256"])] {
        let mut args = vec!["dgst"];
        args.extend(extra);
        args.extend(["-sign", &ec, "-out", &sig_file, &msg_file]);
        openssl(&args);
        let sig = std::fs::read(&sig_file).unwrap();
        assert!(verify(SEED_KEY_EC, alg.clone(), sig.clone()).await.unwrap().signature_valid());
        let mut tampered = sig;
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let e = expect_code(verify(SEED_KEY_EC, alg, tampered).await, "KMSInvalidSignatureException");
        assert_eq!(e, "");
    }
    for (alg, extra) in [
        (SigningAlgorithmSpec::RsassaPkcs1V15Sha256, vec!["-sha256"]),
        (SigningAlgorithmSpec::RsassaPkcs1V15Sha512, vec!["-sha512"]),
        (
            SigningAlgorithmSpec::RsassaPssSha384,
            vec!["-sha384", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"],
        ),
    ] {
        let mut args = vec!["dgst"];
        args.extend(extra);
        args.extend(["-sign", &rsa, "-out", &sig_file, &msg_file]);
        openssl(&args);
        let sig = std::fs::read(&sig_file).unwrap();
        assert!(verify(SEED_KEY_RSA, alg.clone(), sig).await.unwrap().signature_valid(), "{alg:?}");
    }
    openssl(&["pkeyutl", "-sign", "-inkey", &ed, "-rawin", "-in", &msg_file, "-out", &sig_file]);
    let sig = std::fs::read(&sig_file).unwrap();
    assert!(verify(SEED_KEY_ED, SigningAlgorithmSpec::Ed25519Sha512, sig).await.unwrap().signature_valid());
    // The seeded public keys are openssl's.
    for (key, private) in [(SEED_KEY_EC, &ec), (SEED_KEY_RSA, &rsa), (SEED_KEY_ED, &ed)] {
        let theirs = openssl(&["pkey", "-in", private, "-pubout", "-outform", "DER"]);
        let ours = kms.get_public_key().key_id(key).send().await.unwrap();
        assert_eq!(ours.public_key().unwrap().as_ref(), theirs.as_slice(), "{key}");
    }

    // HMAC: openssl mac over the same key and message.
    let expected =
        openssl(&["mac", "-digest", "SHA256", "-macopt", &format!("hexkey:{hmac_key}"), "-in", &msg_file, "HMAC"]);
    let expected = String::from_utf8(expected).unwrap().trim().to_lowercase();
    let alg = MacAlgorithmSpec::HmacSha256;
    let out = kms.generate_mac().key_id(SEED_KEY_HMAC).message(blob(message)).mac_algorithm(alg.clone());
    let mac = out.send().await.unwrap().mac().unwrap().clone();
    assert_eq!(hex::encode(mac.as_ref()), expected);
    let ok = kms.verify_mac().key_id(SEED_KEY_HMAC).message(blob(message)).mac(mac.clone()).mac_algorithm(alg.clone());
    assert!(ok.send().await.unwrap().mac_valid());
    let wrong = kms.verify_mac().key_id(SEED_KEY_HMAC).message(blob(b"other")).mac(mac).mac_algorithm(alg);
    assert_eq!(expect_code(wrong.send().await, "KMSInvalidMacException"), "");
}

/// Every spec and signing algorithm `openssl` has, the other way round: `openssl` signs with a
/// key it made, the key is seeded into the server, and `Verify` accepts the signature over the
/// message (`RAW`) and over the message's digest (`DIGEST`), and refuses it altered.
#[tokio::test]
async fn openssl_signatures_of_every_spec_and_algorithm_pass_verify_raw_and_digest() {
    use SigningAlgorithmSpec as A;
    let server = TestServer::start().await;
    let kms = server.client();
    let account = server.account().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rsa = rsa_signing_algorithms();
    // (key id, spec, openssl genpkey arguments, algorithms)
    let mut keys: Vec<(&str, KeySpec, Vec<&str>, Vec<A>)> = vec![
        ("5eed0002-0000-4000-8000-000000000001", KeySpec::Rsa2048, vec!["RSA", "rsa_keygen_bits:2048"], rsa.clone()),
        ("5eed0002-0000-4000-8000-000000000002", KeySpec::Rsa3072, vec!["RSA", "rsa_keygen_bits:3072"], rsa.clone()),
        ("5eed0002-0000-4000-8000-000000000003", KeySpec::Rsa4096, vec!["RSA", "rsa_keygen_bits:4096"], rsa),
    ];
    let curves = [
        ("5eed0002-0000-4000-8000-000000000004", KeySpec::EccNistP256, "P-256", A::EcdsaSha256),
        ("5eed0002-0000-4000-8000-000000000005", KeySpec::EccNistP384, "P-384", A::EcdsaSha384),
        ("5eed0002-0000-4000-8000-000000000006", KeySpec::EccNistP521, "P-521", A::EcdsaSha512),
        ("5eed0002-0000-4000-8000-000000000007", KeySpec::EccSecgP256K1, "secp256k1", A::EcdsaSha256),
    ];
    let curve_params: Vec<String> = curves.iter().map(|c| format!("ec_paramgen_curve:{}", c.2)).collect();
    for ((id, spec, _, alg), param) in curves.into_iter().zip(&curve_params) {
        keys.push((id, spec, vec!["EC", param.as_str()], vec![alg]));
    }
    let mut seed = String::from("keys:\n");
    let mut privates = Vec::new();
    for (id, spec, genpkey, _) in &keys {
        let file = d.join(format!("{id}.pem")).to_str().unwrap().to_owned();
        openssl(&["genpkey", "-algorithm", genpkey[0], "-pkeyopt", genpkey[1], "-out", &file]);
        let pem: String = std::fs::read_to_string(&file).unwrap().lines().map(|l| format!("      {l}\n")).collect();
        seed.push_str(&format!(
            "  - id: {id}\n    account: \"{account}\"\n    key_spec: {}\n    key_usage: SIGN_VERIFY\n    material_pem: |\n{pem}",
            spec.as_str()
        ));
        privates.push(file);
    }
    let seed_file = d.join("seed.yaml");
    std::fs::write(&seed_file, seed).unwrap();
    let loaded = trent_server::seed::load(&seed_file).expect("seed parses");
    trent_server::seed::apply(&server.state, &loaded, &seed_file, false).await.expect("seed applies");

    let message = b"openssl signs this with every algorithm; Trent checks it.";
    let msg_file = write(d, "message", message);
    let sig_file = d.join("sig").to_str().unwrap().to_owned();
    for ((id, spec, _, algorithms), private) in keys.iter().zip(&privates) {
        for alg in algorithms {
            let mut args = vec!["dgst"];
            args.extend(dgst_args(alg));
            args.extend(["-sign", private, "-out", &sig_file, &msg_file]);
            openssl(&args);
            let sig = std::fs::read(&sig_file).unwrap();
            let digest = digest_of(alg, message, d);
            for (kind, input) in [(MessageType::Raw, &message[..]), (MessageType::Digest, &digest[..])] {
                let verify = |sig: &[u8]| {
                    kms.verify()
                        .key_id(*id)
                        .message(blob(input))
                        .message_type(kind.clone())
                        .signature(blob(sig))
                        .signing_algorithm(alg.clone())
                        .send()
                };
                let out = verify(&sig).await.unwrap_or_else(|e| panic!("Verify {spec:?} {alg:?} {kind:?}: {e:?}"));
                assert!(out.signature_valid(), "{spec:?} {alg:?} {kind:?}");
                let mut tampered = sig.clone();
                tampered[sig.len() / 2] ^= 1;
                expect_code(verify(&tampered).await, "KMSInvalidSignatureException");
            }
        }
    }
}

#[tokio::test]
async fn keys_refuse_the_wrong_use_and_dry_runs_do_nothing() {
    let server = TestServer::start().await;
    let kms = server.client();
    let ec = create(&kms, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let hmac = create(&kms, KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await;
    let symmetric = server.new_key().await;
    let sign =
        |key: &str, alg: SigningAlgorithmSpec| kms.sign().key_id(key).message(blob(b"m")).signing_algorithm(alg).send();
    // An algorithm of another spec, a key of another usage.
    let e = expect_code(sign(&ec, SigningAlgorithmSpec::EcdsaSha384).await, "InvalidKeyUsageException");
    assert!(e.contains("ECDSA_SHA_384") && e.contains("ECC_NIST_P256"), "{e}");
    expect_code(sign(&symmetric, SigningAlgorithmSpec::EcdsaSha256).await, "InvalidKeyUsageException");
    expect_code(sign(&hmac, SigningAlgorithmSpec::EcdsaSha256).await, "InvalidKeyUsageException");
    expect_code(kms.encrypt().key_id(&ec).plaintext(blob(b"m")).send().await, "InvalidKeyUsageException");
    let mac = |key: &str| {
        kms.generate_mac().key_id(key).message(blob(b"m")).mac_algorithm(MacAlgorithmSpec::HmacSha256).send()
    };
    expect_code(mac(&ec).await, "InvalidKeyUsageException");
    expect_code(mac(&symmetric).await, "InvalidKeyUsageException");
    let wrong_mac = kms.generate_mac().key_id(&hmac).message(blob(b"m")).mac_algorithm(MacAlgorithmSpec::HmacSha512);
    expect_code(wrong_mac.send().await, "InvalidKeyUsageException");
    // A digest of the wrong length, in AWS's words.
    let short = kms.sign().key_id(&ec).message(blob(&[0; 20])).message_type(MessageType::Digest);
    let e = expect_code(short.signing_algorithm(SigningAlgorithmSpec::EcdsaSha256).send().await, "ValidationException");
    assert_eq!(e, "Digest is invalid length for algorithm ECDSA_SHA_256.");
    // The 4096-byte message limit.
    let long = kms.sign().key_id(&ec).message(blob(&[7; 4097])).signing_algorithm(SigningAlgorithmSpec::EcdsaSha256);
    expect_code(long.send().await, "ValidationException");
    let at_limit =
        kms.sign().key_id(&ec).message(blob(&[7; 4096])).signing_algorithm(SigningAlgorithmSpec::EcdsaSha256);
    at_limit.send().await.unwrap();
    // DryRun: authorized, checked, nothing signed.
    let dry = kms.sign().key_id(&ec).message(blob(b"m")).signing_algorithm(SigningAlgorithmSpec::EcdsaSha256);
    expect_code(dry.dry_run(true).send().await, "DryRunOperationException");
    let dry = kms.verify().key_id(&ec).message(blob(b"m")).signature(blob(b"not a signature"));
    expect_code(
        dry.signing_algorithm(SigningAlgorithmSpec::EcdsaSha256).dry_run(true).send().await,
        "DryRunOperationException",
    );
    let dry = kms.generate_mac().key_id(&hmac).message(blob(b"m")).mac_algorithm(MacAlgorithmSpec::HmacSha256);
    expect_code(dry.dry_run(true).send().await, "DryRunOperationException");
    let dry =
        kms.verify_mac().key_id(&hmac).message(blob(b"m")).mac(blob(b"x")).mac_algorithm(MacAlgorithmSpec::HmacSha256);
    expect_code(dry.dry_run(true).send().await, "DryRunOperationException");
    // A dry run with the wrong algorithm is refused for that, not answered as a dry run.
    let dry = kms.sign().key_id(&ec).message(blob(b"m")).signing_algorithm(SigningAlgorithmSpec::EcdsaSha512);
    expect_code(dry.dry_run(true).send().await, "InvalidKeyUsageException");
    // A disabled key neither signs nor shows its public key.
    kms.disable_key().key_id(&ec).send().await.unwrap();
    expect_code(sign(&ec, SigningAlgorithmSpec::EcdsaSha256).await, "DisabledException");
    expect_code(kms.get_public_key().key_id(&ec).send().await, "DisabledException");
}

/// RSA-OAEP with `hash` as `openssl pkeyutl` options.
fn oaep_opts(alg: &EncryptionAlgorithmSpec) -> [&'static str; 6] {
    let md = if *alg == EncryptionAlgorithmSpec::RsaesOaepSha1 { "sha1" } else { "sha256" };
    let (oaep, mgf) = if md == "sha1" {
        ("rsa_oaep_md:sha1", "rsa_mgf1_md:sha1")
    } else {
        ("rsa_oaep_md:sha256", "rsa_mgf1_md:sha256")
    };
    ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", oaep, "-pkeyopt", mgf]
}

#[tokio::test]
async fn rsa_oaep_interoperates_with_openssl_and_re_encrypts_both_ways() {
    use EncryptionAlgorithmSpec as E;
    let server = TestServer::start().await;
    let kms = server.client();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rsa = create(&kms, KeySpec::Rsa2048, KeyUsageType::EncryptDecrypt).await;
    let pem = public_pem(&kms, &rsa, d).await;
    let plain = write(d, "plain", b"for Trent's eyes only");
    for alg in [E::RsaesOaepSha1, E::RsaesOaepSha256] {
        // openssl encrypts with the public key; Decrypt opens it.
        let ct = d.join("ct").to_str().unwrap().to_owned();
        let mut args = vec!["pkeyutl", "-encrypt", "-pubin", "-inkey", &pem, "-in", &plain, "-out", &ct];
        args.extend(oaep_opts(&alg));
        openssl(&args);
        let ciphertext = std::fs::read(&ct).unwrap();
        let out = kms.decrypt().key_id(&rsa).ciphertext_blob(blob(&ciphertext)).encryption_algorithm(alg.clone());
        let out = out.send().await.unwrap();
        assert_eq!(out.plaintext().unwrap().as_ref(), b"for Trent's eyes only");
        assert_eq!(out.encryption_algorithm(), Some(&alg));
        assert_eq!(out.key_material_id(), None, "only symmetric keys name their material");
        // Encrypt's ciphertexts are plain OAEP too: they decrypt, and differ each time.
        let enc = kms.encrypt().key_id(&rsa).plaintext(blob(b"x")).encryption_algorithm(alg.clone());
        let a = enc.clone().send().await.unwrap();
        assert_eq!(a.encryption_algorithm(), Some(&alg));
        assert_eq!(a.ciphertext_blob().unwrap().as_ref().len(), 256);
        let b = enc.send().await.unwrap();
        assert_ne!(a.ciphertext_blob(), b.ciphertext_blob());
        // The other algorithm does not open it; without a KeyId it is no ciphertext of Trent's.
        let other = if alg == E::RsaesOaepSha1 { E::RsaesOaepSha256 } else { E::RsaesOaepSha1 };
        let wrong = kms.decrypt().key_id(&rsa).ciphertext_blob(a.ciphertext_blob().unwrap().clone());
        expect_code(wrong.encryption_algorithm(other).send().await, "InvalidCiphertextException");
        let keyless = kms.decrypt().ciphertext_blob(a.ciphertext_blob().unwrap().clone()).encryption_algorithm(alg);
        expect_code(keyless.send().await, "InvalidCiphertextException");
    }
    // Plaintext limits per algorithm (RSA_2048: 214 bytes with SHA-1, 190 with SHA-256).
    for (alg, max) in [(E::RsaesOaepSha1, 214), (E::RsaesOaepSha256, 190)] {
        let enc =
            |n: usize| kms.encrypt().key_id(&rsa).plaintext(blob(&vec![1; n])).encryption_algorithm(alg.clone()).send();
        enc(max).await.unwrap();
        expect_code(enc(max + 1).await, "ValidationException");
    }
    // No encryption context, no symmetric algorithm, on an RSA key.
    let ctx = kms.encrypt().key_id(&rsa).plaintext(blob(b"x")).encryption_algorithm(E::RsaesOaepSha256);
    expect_code(ctx.encryption_context("k", "v").send().await, "ValidationException");
    expect_code(kms.encrypt().key_id(&rsa).plaintext(blob(b"x")).send().await, "InvalidKeyUsageException");
    let gdk = kms.generate_data_key().key_id(&rsa).number_of_bytes(16).send().await;
    expect_code(gdk, "InvalidKeyUsageException");
    let dry = kms.encrypt().key_id(&rsa).plaintext(blob(b"x")).encryption_algorithm(E::RsaesOaepSha256);
    expect_code(dry.dry_run(true).send().await, "DryRunOperationException");
    let sealed = kms.encrypt().key_id(&rsa).plaintext(blob(b"x")).encryption_algorithm(E::RsaesOaepSha256);
    let sealed = sealed.send().await.unwrap().ciphertext_blob().unwrap().clone();
    let dry = kms.decrypt().key_id(&rsa).ciphertext_blob(sealed).encryption_algorithm(E::RsaesOaepSha256);
    expect_code(dry.dry_run(true).send().await, "DryRunOperationException");

    // ReEncrypt, symmetric to RSA and back.
    let symmetric = server.new_key().await;
    let sym = kms.encrypt().key_id(&symmetric).plaintext(blob(b"moving")).encryption_context("a", "b").send();
    let sym = sym.await.unwrap().ciphertext_blob().unwrap().clone();
    let to_rsa = kms
        .re_encrypt()
        .ciphertext_blob(sym)
        .source_encryption_context("a", "b")
        .destination_key_id(&rsa)
        .destination_encryption_algorithm(E::RsaesOaepSha256)
        .send()
        .await
        .unwrap();
    assert_eq!(to_rsa.source_encryption_algorithm(), Some(&E::SymmetricDefault));
    assert_eq!(to_rsa.destination_encryption_algorithm(), Some(&E::RsaesOaepSha256));
    assert!(to_rsa.source_key_material_id().is_some() && to_rsa.destination_key_material_id().is_none());
    let back = kms
        .re_encrypt()
        .ciphertext_blob(to_rsa.ciphertext_blob().unwrap().clone())
        .source_key_id(&rsa)
        .source_encryption_algorithm(E::RsaesOaepSha256)
        .destination_key_id(&symmetric)
        .send()
        .await
        .unwrap();
    assert_eq!(back.source_encryption_algorithm(), Some(&E::RsaesOaepSha256));
    let plain = kms.decrypt().ciphertext_blob(back.ciphertext_blob().unwrap().clone()).send().await.unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"moving");
}

const SEED_KEY_RSA_ENCRYPT: &str = "5eed0002-0000-4000-8000-000000000001";

/// A seeded RSA key: what Trent encrypts, openssl decrypts with the private key.
#[tokio::test]
async fn openssl_decrypts_what_trent_encrypts_under_a_seeded_rsa_key() {
    let server = TestServer::start().await;
    let kms = server.client();
    let account = server.account().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rsa = d.join("rsa.pem").to_str().unwrap().to_owned();
    openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", "-out", &rsa]);
    let pem: String = std::fs::read_to_string(&rsa).unwrap().lines().map(|l| format!("      {l}\n")).collect();
    let seed = format!(
        "keys:\n  - id: {SEED_KEY_RSA_ENCRYPT}\n    account: \"{account}\"\n    key_spec: RSA_3072\n    \
         key_usage: ENCRYPT_DECRYPT\n    material_pem: |\n{pem}"
    );
    let seed_file = d.join("seed.yaml");
    std::fs::write(&seed_file, seed).unwrap();
    let loaded = trent_server::seed::load(&seed_file).expect("seed parses");
    trent_server::seed::apply(&server.state, &loaded, &seed_file, false).await.expect("seed applies");
    for alg in [EncryptionAlgorithmSpec::RsaesOaepSha1, EncryptionAlgorithmSpec::RsaesOaepSha256] {
        let out =
            kms.encrypt().key_id(SEED_KEY_RSA_ENCRYPT).plaintext(blob(b"to openssl")).encryption_algorithm(alg.clone());
        let ct = write(d, "ct", out.send().await.unwrap().ciphertext_blob().unwrap().as_ref());
        let mut args = vec!["pkeyutl", "-decrypt", "-inkey", &rsa, "-in", &ct];
        args.extend(oaep_opts(&alg));
        assert_eq!(openssl(&args), b"to openssl", "{alg:?}");
    }
}

#[tokio::test]
async fn data_key_pairs_of_every_spec_parse_with_openssl_and_match_their_public_keys() {
    use aws_sdk_kms::types::DataKeyPairSpec as P;
    let server = TestServer::start().await;
    let kms = server.client();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = server.new_key().await;
    for spec in [
        P::Rsa2048,
        P::Rsa3072,
        P::Rsa4096,
        P::EccNistP256,
        P::EccNistP384,
        P::EccNistP521,
        P::EccSecgP256K1,
        P::EccNistEdwards25519,
    ] {
        let out = kms
            .generate_data_key_pair()
            .key_id(&key)
            .key_pair_spec(spec.clone())
            .encryption_context("purpose", "pairs")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{spec:?}: {e:?}"));
        assert_eq!(out.key_pair_spec(), Some(&spec));
        let private = out.private_key_plaintext().unwrap().as_ref().to_vec();
        let private_file = write(d, "private.der", &private);
        let theirs = openssl(&["pkey", "-inform", "DER", "-in", &private_file, "-pubout", "-outform", "DER"]);
        assert_eq!(out.public_key().unwrap().as_ref(), theirs.as_slice(), "{spec:?}");
        // The encrypted copy opens, with its context, to the same private key.
        let opened = kms
            .decrypt()
            .ciphertext_blob(out.private_key_ciphertext_blob().unwrap().clone())
            .encryption_context("purpose", "pairs")
            .send()
            .await
            .unwrap();
        assert_eq!(opened.plaintext().unwrap().as_ref(), private.as_slice(), "{spec:?}");
    }
    let without = kms.generate_data_key_pair_without_plaintext().key_id(&key).key_pair_spec(P::EccNistP256);
    let without = without.send().await.unwrap();
    assert!(without.private_key_ciphertext_blob().is_some() && without.public_key().is_some());
    expect_code(
        kms.generate_data_key_pair().key_id(&key).key_pair_spec(P::Sm2).send().await,
        "UnsupportedOperationException",
    );
    let rsa = create(&kms, KeySpec::Rsa2048, KeyUsageType::EncryptDecrypt).await;
    let refused = kms.generate_data_key_pair().key_id(&rsa).key_pair_spec(P::EccNistP256).send().await;
    expect_code(refused, "InvalidKeyUsageException");
    let dry = kms.generate_data_key_pair().key_id(&key).key_pair_spec(P::EccNistP256).dry_run(true);
    expect_code(dry.send().await, "DryRunOperationException");
    let dry = kms.generate_data_key_pair_without_plaintext().key_id(&key).key_pair_spec(P::Rsa2048).dry_run(true);
    expect_code(dry.send().await, "DryRunOperationException");
}

#[tokio::test]
async fn derive_shared_secret_equals_openssl_derive() {
    let server = TestServer::start().await;
    let kms = server.client();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (spec, curve) in
        [(KeySpec::EccNistP256, "P-256"), (KeySpec::EccNistP384, "P-384"), (KeySpec::EccNistP521, "P-521")]
    {
        let key = create(&kms, spec.clone(), KeyUsageType::KeyAgreement).await;
        let ours = public_pem(&kms, &key, d).await;
        let peer = d.join("peer.pem").to_str().unwrap().to_owned();
        openssl(&["genpkey", "-algorithm", "EC", "-pkeyopt", &format!("ec_paramgen_curve:{curve}"), "-out", &peer]);
        let peer_public = openssl(&["pkey", "-in", &peer, "-pubout", "-outform", "DER"]);
        let out = kms
            .derive_shared_secret()
            .key_id(&key)
            .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
            .public_key(blob(&peer_public))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{spec:?}: {e:?}"));
        let expected = openssl(&["pkeyutl", "-derive", "-inkey", &peer, "-peerkey", &ours]);
        assert_eq!(out.shared_secret().unwrap().as_ref(), expected.as_slice(), "{spec:?}");
        assert_eq!(out.key_agreement_algorithm(), Some(&KeyAgreementAlgorithmSpec::Ecdh));
    }
    // A peer key on another curve, a key that does not agree, a dry run.
    let key = create(&kms, KeySpec::EccNistP256, KeyUsageType::KeyAgreement).await;
    let other = d.join("other.pem").to_str().unwrap().to_owned();
    openssl(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", &other]);
    let other = openssl(&["pkey", "-in", &other, "-pubout", "-outform", "DER"]);
    let derive = |key: &str, public: &[u8]| {
        kms.derive_shared_secret()
            .key_id(key)
            .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
            .public_key(blob(public))
    };
    expect_code(derive(&key, &other).send().await, "ValidationException");
    let signer = create(&kms, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    expect_code(derive(&signer, &other).send().await, "InvalidKeyUsageException");
    expect_code(derive(&key, &other).dry_run(true).send().await, "DryRunOperationException");
}
