//! ML-KEM keys end to end through `aws-sdk-kms`: `CreateKey` with `ML_KEM_*` and
//! `ENCAPSULATE_DECAPSULATE`, `GetPublicKey`, `Encapsulate`, `Decapsulate` (implicit rejection,
//! the length check), `GenerateDataKeyPair` with `ML_KEM_*`, grants, key policy actions, key
//! states and `DryRun`. Checked against RustCrypto's `ml-kem` (an implementation nobody here
//! wrote; OpenSSL here is 3.0, without ML-KEM): it reads `GetPublicKey`'s
//! `SubjectPublicKeyInfo`, encapsulates to it, and `Decapsulate` recovers its secret; it reads a
//! data key pair's PKCS#8 private key and decapsulates what it encapsulated to the pair's public
//! key.

use aws_sdk_kms::Client;
use aws_sdk_kms::types::{
    DataKeyPairSpec, EncapsulationAlgorithmSpec as Alg, GrantOperation, KeyLastUsageTrackingOperation as Op, KeySpec,
    KeyUsageType as U,
};
use ml_kem::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ml_kem::{Decapsulate as _, KeyExport as _};

use crate::common::{TestServer, blob, expect_code};

/// The three key specs with their ciphertext and public key lengths (FIPS 203).
const SPECS: [(KeySpec, usize, usize); 3] =
    [(KeySpec::MlKem512, 768, 800), (KeySpec::MlKem768, 1088, 1184), (KeySpec::MlKem1024, 1568, 1568)];

async fn kem_key(kms: &Client, spec: KeySpec) -> String {
    let out = kms.create_key().key_spec(spec.clone()).key_usage(U::EncapsulateDecapsulate).send().await;
    out.unwrap_or_else(|e| panic!("CreateKey {spec:?}: {e:?}")).key_metadata().unwrap().key_id().to_owned()
}

fn random_m() -> [u8; 32] {
    let mut m = [0u8; 32];
    aws_lc_rs::rand::fill(&mut m).unwrap();
    m
}

/// `ml-kem` reads `spki` as an encapsulation key of `spec` (refusing it as any other) and
/// encapsulates to it: the ciphertext and the shared secret.
fn ml_kem_encapsulate(spec: &KeySpec, spki: &[u8]) -> (Vec<u8>, Vec<u8>) {
    macro_rules! with {
        ($level:ident) => {{
            let ek = ml_kem::$level::EncapsulationKey::from_public_key_der(spki).expect("ml-kem reads the SPKI");
            let (ct, k) = ek.encapsulate_deterministic(&random_m().into());
            (ct.to_vec(), k.to_vec())
        }};
    }
    match spec {
        KeySpec::MlKem512 => {
            assert!(ml_kem::ml_kem_768::EncapsulationKey::from_public_key_der(spki).is_err());
            with!(ml_kem_512)
        }
        KeySpec::MlKem768 => {
            assert!(ml_kem::ml_kem_1024::EncapsulationKey::from_public_key_der(spki).is_err());
            with!(ml_kem_768)
        }
        KeySpec::MlKem1024 => {
            assert!(ml_kem::ml_kem_512::EncapsulationKey::from_public_key_der(spki).is_err());
            with!(ml_kem_1024)
        }
        other => panic!("not an ML-KEM spec: {other:?}"),
    }
}

async fn decapsulate(kms: &Client, key: &str, ct: &[u8]) -> Vec<u8> {
    let out = kms.decapsulate().key_id(key).shared_secret_ciphertext_blob(blob(ct)).encapsulation_algorithm(Alg::MlKem);
    out.send().await.expect("Decapsulate").shared_secret().unwrap().as_ref().to_vec()
}

/// What `GetKeyLastUsage` reports of `key`.
async fn last_use(kms: &Client, key: &str) -> Option<Op> {
    let out = kms.get_key_last_usage().key_id(key).send().await.unwrap();
    out.key_last_usage().and_then(|u| u.operation().cloned())
}

#[tokio::test]
async fn ml_kem_keys_have_only_their_usage_and_describe_their_algorithm() {
    let server = TestServer::start().await;
    let kms = server.client();
    for (spec, _, public_len) in SPECS {
        let id = kem_key(&kms, spec.clone()).await;
        let m = server.describe(&id).await;
        assert_eq!((m.key_spec(), m.key_usage()), (Some(&spec), Some(&U::EncapsulateDecapsulate)));
        assert_eq!(m.encapsulation_algorithms(), [Alg::MlKem]);
        assert!(m.signing_algorithms().is_empty() && m.encryption_algorithms().is_empty());
        assert!(m.mac_algorithms().is_empty() && m.key_agreement_algorithms().is_empty());
        let public = kms.get_public_key().key_id(&id).send().await.unwrap();
        assert_eq!((public.key_spec(), public.key_usage()), (Some(&spec), Some(&U::EncapsulateDecapsulate)));
        assert_eq!(public.encapsulation_algorithms(), [Alg::MlKem]);
        assert!(public.signing_algorithms().is_empty() && public.encryption_algorithms().is_empty());
        let spki = public.public_key().unwrap().as_ref();
        assert_eq!(spki.len(), public_len + 22, "{spec:?}: SEQUENCE, AlgorithmIdentifier, BIT STRING");
        ml_kem_encapsulate(&spec, spki);
        // Asymmetric keys do not rotate, as on AWS.
        expect_code(kms.enable_key_rotation().key_id(&id).send().await, "UnsupportedOperationException");
    }
    // Other keys have no EncapsulationAlgorithms.
    let ecc = kms.create_key().key_spec(KeySpec::EccNistP256).key_usage(U::SignVerify).send().await.unwrap();
    assert!(ecc.key_metadata().unwrap().encapsulation_algorithms().is_empty());
    // ML-KEM specs take only ENCAPSULATE_DECAPSULATE, and only they take it, in AWS's words.
    for (spec, usage) in [
        (KeySpec::MlKem768, U::SignVerify),
        (KeySpec::MlKem512, U::EncryptDecrypt),
        (KeySpec::MlKem1024, U::KeyAgreement),
        (KeySpec::SymmetricDefault, U::EncapsulateDecapsulate),
        (KeySpec::MlDsa65, U::EncapsulateDecapsulate),
        (KeySpec::EccNistP256, U::EncapsulateDecapsulate),
        (KeySpec::Rsa2048, U::EncapsulateDecapsulate),
    ] {
        let msg = expect_code(
            kms.create_key().key_spec(spec.clone()).key_usage(usage.clone()).send().await,
            "ValidationException",
        );
        assert_eq!(msg, format!("KeyUsage {} is not compatible with KeySpec {}", usage.as_str(), spec.as_str()));
    }
    // Without KeyUsage the usage is ENCRYPT_DECRYPT, which an ML-KEM key cannot have.
    expect_code(kms.create_key().key_spec(KeySpec::MlKem768).send().await, "ValidationException");
    // A multi-Region ML-KEM key, as for every other asymmetric spec.
    let mrk = kms.create_key().key_spec(KeySpec::MlKem768).key_usage(U::EncapsulateDecapsulate).multi_region(true);
    assert!(mrk.send().await.unwrap().key_metadata().unwrap().multi_region().unwrap());
}

#[tokio::test]
async fn decapsulate_recovers_what_ml_kem_and_encapsulate_encapsulated() {
    let server = TestServer::start().await;
    let kms = server.client();
    for (spec, ct_len, _) in SPECS {
        let id = kem_key(&kms, spec.clone()).await;
        let arn = server.key_arn(&id).await;
        let spki = kms.get_public_key().key_id(&id).send().await.unwrap().public_key().unwrap().clone();
        // ml-kem encapsulates to the public key; Trent decapsulates.
        let (ct, secret) = ml_kem_encapsulate(&spec, spki.as_ref());
        assert_eq!(ct.len(), ct_len);
        assert_eq!(decapsulate(&kms, &id, &ct).await, secret, "{spec:?}");
        // Trent encapsulates; Trent decapsulates, by key ARN.
        let enc = kms.encapsulate().key_id(&id).encapsulation_algorithm(Alg::MlKem).send().await.unwrap();
        assert_eq!((enc.key_id(), enc.encapsulation_algorithm()), (Some(arn.as_str()), Some(&Alg::MlKem)));
        let ct = enc.shared_secret_ciphertext_blob().unwrap().as_ref();
        let secret = enc.shared_secret().unwrap().as_ref();
        assert_eq!((ct.len(), secret.len()), (ct_len, 32), "{spec:?}");
        assert_eq!(last_use(&kms, &id).await, Some(Op::Encapsulate));
        assert_eq!(decapsulate(&kms, &arn, ct).await, secret, "{spec:?}");
        assert_eq!(last_use(&kms, &id).await, Some(Op::Decapsulate));
        let again = kms.encapsulate().key_id(&id).encapsulation_algorithm(Alg::MlKem).send().await.unwrap();
        assert_ne!(again.shared_secret().unwrap().as_ref(), secret, "a fresh secret each time");
    }
}

#[tokio::test]
async fn decapsulate_refuses_only_a_wrong_length_and_rejects_the_rest_implicitly() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = kem_key(&kms, KeySpec::MlKem768).await;
    let other = kem_key(&kms, KeySpec::MlKem768).await;
    let small = kem_key(&kms, KeySpec::MlKem512).await;
    let enc = kms.encapsulate().key_id(&key).encapsulation_algorithm(Alg::MlKem).send().await.unwrap();
    let ct = enc.shared_secret_ciphertext_blob().unwrap().as_ref().to_vec();
    let secret = enc.shared_secret().unwrap().as_ref().to_vec();
    // An altered ciphertext, and one made for another key: 32 pseudo-random bytes, no error,
    // the same each time.
    let mut altered = ct.clone();
    altered[100] ^= 0x40;
    let rejected = decapsulate(&kms, &key, &altered).await;
    assert_eq!(rejected.len(), 32);
    assert_ne!(rejected, secret);
    assert_eq!(decapsulate(&kms, &key, &altered).await, rejected);
    let elsewhere = decapsulate(&kms, &other, &ct).await;
    assert_eq!(elsewhere.len(), 32);
    assert_ne!(elsewhere, secret);
    // A length that is not ML_KEM_768's, including ML_KEM_512's: InvalidCiphertextException.
    let small_ct = kms.encapsulate().key_id(&small).encapsulation_algorithm(Alg::MlKem).send().await.unwrap();
    let small_ct = small_ct.shared_secret_ciphertext_blob().unwrap().as_ref().to_vec();
    for wrong in [&ct[..1087], &[ct.clone(), vec![0]].concat()[..], &small_ct[..]] {
        let d = kms.decapsulate().key_id(&key).shared_secret_ciphertext_blob(blob(wrong));
        expect_code(d.encapsulation_algorithm(Alg::MlKem).send().await, "InvalidCiphertextException");
    }
    // The model's bound on the blob comes first.
    let d = kms.decapsulate().key_id(&key).shared_secret_ciphertext_blob(blob(&[0; 6145]));
    expect_code(d.encapsulation_algorithm(Alg::MlKem).send().await, "ValidationException");
}

#[tokio::test]
async fn other_keys_states_algorithms_and_dry_runs() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = kem_key(&kms, KeySpec::MlKem1024).await;
    let enc = kms.encapsulate().key_id(&key).encapsulation_algorithm(Alg::MlKem).send().await.unwrap();
    let ct = enc.shared_secret_ciphertext_blob().unwrap().clone();
    let encapsulate = |k: &str| kms.encapsulate().key_id(k).encapsulation_algorithm(Alg::MlKem).send();
    let decapsulate = |k: &str| {
        kms.decapsulate().key_id(k).shared_secret_ciphertext_blob(ct.clone()).encapsulation_algorithm(Alg::MlKem).send()
    };
    // Keys of another usage: InvalidKeyUsageException, naming the operation.
    let symmetric = server.new_key().await;
    let symmetric_arn = server.key_arn(&symmetric).await;
    let msg = expect_code(encapsulate(&symmetric).await, "InvalidKeyUsageException");
    assert_eq!(msg, format!("{symmetric_arn} key usage is ENCRYPT_DECRYPT which is not valid for Encapsulate."));
    let signing = kms.create_key().key_spec(KeySpec::MlDsa65).key_usage(U::SignVerify).send().await.unwrap();
    let signing = signing.key_metadata().unwrap().arn().unwrap().to_owned();
    let msg = expect_code(decapsulate(&signing).await, "InvalidKeyUsageException");
    assert_eq!(msg, format!("{signing} key usage is SIGN_VERIFY which is not valid for Decapsulate."));
    // An algorithm the model does not list.
    let bad = kms.encapsulate().key_id(&key).encapsulation_algorithm(Alg::from("ML_KEM_768")).send().await;
    expect_code(bad, "ValidationException");
    // DryRun: DryRunOperationException where the call would succeed, the error where it would not.
    let dry = kms.encapsulate().key_id(&key).encapsulation_algorithm(Alg::MlKem).dry_run(true).send().await;
    expect_code(dry, "DryRunOperationException");
    let dry = kms.decapsulate().key_id(&key).shared_secret_ciphertext_blob(ct.clone());
    expect_code(dry.encapsulation_algorithm(Alg::MlKem).dry_run(true).send().await, "DryRunOperationException");
    let dry = kms.decapsulate().key_id(&key).shared_secret_ciphertext_blob(blob(&[0; 1088]));
    expect_code(dry.encapsulation_algorithm(Alg::MlKem).dry_run(true).send().await, "InvalidCiphertextException");
    let dry = kms.encapsulate().key_id(&symmetric).encapsulation_algorithm(Alg::MlKem).dry_run(true).send().await;
    expect_code(dry, "InvalidKeyUsageException");
    // Key states, as for the other cryptographic operations.
    let arn = server.key_arn(&key).await;
    kms.disable_key().key_id(&key).send().await.unwrap();
    assert_eq!(expect_code(encapsulate(&key).await, "DisabledException"), format!("{arn} is disabled."));
    assert_eq!(expect_code(decapsulate(&key).await, "DisabledException"), format!("{arn} is disabled."));
    kms.enable_key().key_id(&key).send().await.unwrap();
    decapsulate(&key).await.unwrap();
    kms.schedule_key_deletion().key_id(&key).pending_window_in_days(7).send().await.unwrap();
    expect_code(encapsulate(&key).await, "KMSInvalidStateException");
    expect_code(decapsulate(&key).await, "KMSInvalidStateException");
    expect_code(encapsulate("alias/nothing-here").await, "NotFoundException");
}

#[tokio::test]
async fn key_policy_actions_and_grants_allow_each_operation_alone() {
    let server = TestServer::start().await;
    let kms = server.client();
    let account = server.account().await;
    let bob_creds = server.user_with_policy("bob", None).await;
    let bob_arn = format!("arn:aws:iam::{account}:user/bob");
    let bob = server.kms(&bob_creds);
    // The key policy lets bob encapsulate, nothing else.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"kms:*","Resource":"*"}},{{"Effect":"Allow","Principal":{{"AWS":"{bob_arn}"}},"Action":"kms:Encapsulate","Resource":"*"}}]}}"#
    );
    let key = kms.create_key().key_spec(KeySpec::MlKem768).key_usage(U::EncapsulateDecapsulate).policy(policy);
    let key = key.send().await.unwrap().key_metadata().unwrap().arn().unwrap().to_owned();
    let enc = bob.encapsulate().key_id(&key).encapsulation_algorithm(Alg::MlKem).send().await.unwrap();
    let ct = enc.shared_secret_ciphertext_blob().unwrap().clone();
    let secret = enc.shared_secret().unwrap().as_ref().to_vec();
    let bob_decapsulates =
        || bob.decapsulate().key_id(&key).shared_secret_ciphertext_blob(ct.clone()).encapsulation_algorithm(Alg::MlKem);
    expect_code(bob_decapsulates().send().await, "AccessDeniedException");
    expect_code(bob_decapsulates().dry_run(true).send().await, "AccessDeniedException");
    // A grant of Decapsulate lets him decapsulate.
    let grant = kms.create_grant().key_id(&key).grantee_principal(&bob_arn).operations(GrantOperation::Decapsulate);
    let grant = grant.send().await.unwrap();
    assert_eq!(bob_decapsulates().send().await.unwrap().shared_secret().unwrap().as_ref(), secret);
    let listed = kms.list_grants().key_id(&key).send().await.unwrap();
    assert_eq!(listed.grants()[0].operations(), [GrantOperation::Decapsulate]);
    kms.revoke_grant().key_id(&key).grant_id(grant.grant_id().unwrap()).send().await.unwrap();
    expect_code(bob_decapsulates().send().await, "AccessDeniedException");
    // A grant of Encapsulate and Decapsulate on a key whose policy gives bob nothing.
    let other = kem_key(&kms, KeySpec::MlKem512).await;
    let encapsulate = || bob.encapsulate().key_id(&other).encapsulation_algorithm(Alg::MlKem).send();
    expect_code(encapsulate().await, "AccessDeniedException");
    let both = kms.create_grant().key_id(&other).grantee_principal(&bob_arn);
    let both = both.operations(GrantOperation::Encapsulate).operations(GrantOperation::Decapsulate);
    let token = both.send().await.unwrap().grant_token().unwrap().to_owned();
    let other_arn = server.key_arn(&other).await;
    let enc = bob.encapsulate().key_id(&other_arn).encapsulation_algorithm(Alg::MlKem).grant_tokens(&token);
    let enc = enc.send().await.unwrap();
    let dec = bob.decapsulate().key_id(&other_arn).encapsulation_algorithm(Alg::MlKem);
    let dec = dec.shared_secret_ciphertext_blob(enc.shared_secret_ciphertext_blob().unwrap().clone());
    assert_eq!(dec.send().await.unwrap().shared_secret(), enc.shared_secret());
    // Operations without an encryption context cannot be in a constrained grant.
    let constrained = kms
        .create_grant()
        .key_id(&other)
        .grantee_principal(&bob_arn)
        .operations(GrantOperation::Encapsulate)
        .constraints(
            aws_sdk_kms::types::GrantConstraints::builder().encryption_context_subset("purpose", "test").build(),
        );
    expect_code(constrained.send().await, "ValidationException");
}

#[tokio::test]
async fn an_ml_kem_768_data_key_pair_decapsulates_in_ml_kem() {
    let server = TestServer::start().await;
    let kms = server.client();
    let wrapping = server.new_key().await;
    let pair = kms.generate_data_key_pair().key_id(&wrapping).key_pair_spec(DataKeyPairSpec::MlKem768);
    let pair = pair.send().await.unwrap();
    assert_eq!(pair.key_pair_spec(), Some(&DataKeyPairSpec::MlKem768));
    let private = pair.private_key_plaintext().unwrap().as_ref();
    assert_eq!(private.len(), 86, "seed-form PKCS#8, as AWS documents for ML-KEM");
    let dk = ml_kem::ml_kem_768::DecapsulationKey::from_pkcs8_der(private).expect("ml-kem reads the PKCS#8 key");
    let spki = pair.public_key().unwrap().as_ref();
    let ek = ml_kem::ml_kem_768::EncapsulationKey::from_public_key_der(spki).expect("ml-kem reads the SPKI");
    assert_eq!(dk.encapsulation_key().to_bytes(), ek.to_bytes(), "the public key is the private key's");
    let (ct, secret) = ek.encapsulate_deterministic(&random_m().into());
    assert_eq!(dk.decapsulate(&ct), secret);
    // The encrypted private key decrypts to the same PKCS#8.
    let decrypted = kms.decrypt().ciphertext_blob(pair.private_key_ciphertext_blob().unwrap().clone());
    assert_eq!(decrypted.send().await.unwrap().plaintext().unwrap().as_ref(), private);
    // Every level, without the plaintext: the public key of its level.
    for (spec, kem_spec) in [
        (DataKeyPairSpec::MlKem512, KeySpec::MlKem512),
        (DataKeyPairSpec::MlKem768, KeySpec::MlKem768),
        (DataKeyPairSpec::MlKem1024, KeySpec::MlKem1024),
    ] {
        let out = kms.generate_data_key_pair_without_plaintext().key_id(&wrapping).key_pair_spec(spec.clone());
        let out = out.send().await.unwrap();
        assert!(out.private_key_ciphertext_blob().is_some());
        ml_kem_encapsulate(&kem_spec, out.public_key().unwrap().as_ref());
    }
}
