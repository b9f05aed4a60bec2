//! Asymmetric and HMAC multi-Region keys (issue 12): every spec family replicates with its
//! material, so a signature, MAC, RSA ciphertext or shared secret made with one copy verifies,
//! decrypts or matches with the copy in the other region; the public key is the same in both;
//! `MultiRegionConfiguration` is described; these keys do not rotate; the primary moves.

use aws_sdk_kms::Client;
use aws_sdk_kms::types::{
    EncapsulationAlgorithmSpec, EncryptionAlgorithmSpec, KeyAgreementAlgorithmSpec, KeySpec, KeyUsageType,
    MacAlgorithmSpec, MultiRegionKeyType, SigningAlgorithmSpec,
};
use trent_server::RawConfig;

use crate::common::{TestServer, blob, expect_code};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

async fn two_regions() -> TestServer {
    let regions = Some(vec![EAST.into(), WEST.into()]);
    TestServer::start_with(RawConfig { regions, ..Default::default() }).await
}

/// A multi-Region primary of `spec`/`usage` in `us-east-1` with a replica in `eu-west-1`;
/// checks that ReplicateKey answers the replica's spec, usage and algorithms.
async fn replicated(east: &Client, spec: KeySpec, usage: KeyUsageType) -> String {
    let created = east.create_key().key_spec(spec.clone()).key_usage(usage.clone()).multi_region(true).send().await;
    let created = created.unwrap_or_else(|e| panic!("CreateKey {spec:?} multi-Region: {e:?}"));
    let primary = created.key_metadata().unwrap();
    let id = primary.key_id().to_owned();
    assert!(id.starts_with("mrk-"), "{id}");
    let out = east.replicate_key().key_id(&id).replica_region(WEST).send().await;
    let out = out.unwrap_or_else(|e| panic!("ReplicateKey {spec:?}: {e:?}"));
    let replica = out.replica_key_metadata().unwrap();
    assert_eq!(replica.key_spec(), Some(&spec));
    assert_eq!(replica.key_usage(), Some(&usage));
    assert_eq!(replica.signing_algorithms(), primary.signing_algorithms(), "{spec:?}");
    assert_eq!(replica.encryption_algorithms(), primary.encryption_algorithms(), "{spec:?}");
    assert_eq!(replica.mac_algorithms(), primary.mac_algorithms(), "{spec:?}");
    assert_eq!(replica.key_agreement_algorithms(), primary.key_agreement_algorithms(), "{spec:?}");
    assert_eq!(replica.encapsulation_algorithms(), primary.encapsulation_algorithms(), "{spec:?}");
    let config = replica.multi_region_configuration().expect("MultiRegionConfiguration");
    assert_eq!(config.multi_region_key_type(), Some(&MultiRegionKeyType::Replica));
    assert_eq!(config.primary_key().and_then(|p| p.region()), Some(EAST));
    id
}

async fn public_key(kms: &Client, id: &str) -> Vec<u8> {
    kms.get_public_key().key_id(id).send().await.expect("GetPublicKey").public_key().unwrap().as_ref().to_vec()
}

/// Signs with `from`'s copy and verifies with `to`'s, and checks a tampered message fails.
async fn sign_across(from: &Client, to: &Client, id: &str, algorithm: SigningAlgorithmSpec) {
    let message = b"signed in one region, verified in the other";
    let signed = from.sign().key_id(id).message(blob(message)).signing_algorithm(algorithm.clone()).send().await;
    let signature = signed.unwrap_or_else(|e| panic!("Sign {algorithm:?}: {e:?}")).signature().unwrap().clone();
    let verify = |m: &'static [u8]| {
        to.verify().key_id(id).message(blob(m)).signature(signature.clone()).signing_algorithm(algorithm.clone())
    };
    assert!(verify(message).send().await.expect("Verify").signature_valid(), "{algorithm:?}");
    expect_code(verify(b"another message").send().await, "KMSInvalidSignatureException");
}

#[tokio::test]
async fn signatures_of_either_copy_verify_with_the_other() {
    let server = two_regions().await;
    let (east, west) = (server.client(), server.client_in(WEST));
    for (spec, algorithm) in [
        (KeySpec::Rsa2048, SigningAlgorithmSpec::RsassaPssSha256),
        (KeySpec::EccNistP256, SigningAlgorithmSpec::EcdsaSha256),
        (KeySpec::EccSecgP256K1, SigningAlgorithmSpec::EcdsaSha256),
        (KeySpec::MlDsa44, SigningAlgorithmSpec::MlDsaShake256),
    ] {
        let id = replicated(&east, spec.clone(), KeyUsageType::SignVerify).await;
        assert_eq!(public_key(&east, &id).await, public_key(&west, &id).await, "{spec:?}: one public key");
        sign_across(&east, &west, &id, algorithm.clone()).await;
        sign_across(&west, &east, &id, algorithm).await;
    }
}

#[tokio::test]
async fn rsa_ciphertexts_of_either_copy_decrypt_with_the_other() {
    let server = two_regions().await;
    let (east, west) = (server.client(), server.client_in(WEST));
    let id = replicated(&east, KeySpec::Rsa3072, KeyUsageType::EncryptDecrypt).await;
    for (from, to) in [(&east, &west), (&west, &east)] {
        let algorithm = EncryptionAlgorithmSpec::RsaesOaepSha256;
        let sealed = from.encrypt().key_id(&id).plaintext(blob(b"oaep")).encryption_algorithm(algorithm.clone());
        let ct = sealed.send().await.expect("Encrypt").ciphertext_blob().unwrap().clone();
        let opened = to.decrypt().key_id(&id).ciphertext_blob(ct).encryption_algorithm(algorithm).send().await;
        assert_eq!(opened.expect("Decrypt").plaintext().unwrap().as_ref(), b"oaep");
    }
}

#[tokio::test]
async fn macs_and_shared_secrets_match_across_regions() {
    let server = two_regions().await;
    let (east, west) = (server.client(), server.client_in(WEST));
    let hmac = replicated(&east, KeySpec::Hmac384, KeyUsageType::GenerateVerifyMac).await;
    let message = blob(b"mac me");
    let algorithm = MacAlgorithmSpec::HmacSha384;
    let mac = |kms: &Client| kms.generate_mac().key_id(&hmac).message(message.clone()).mac_algorithm(algorithm.clone());
    let (in_east, in_west) = (mac(&east).send().await.unwrap(), mac(&west).send().await.unwrap());
    assert_eq!(in_east.mac(), in_west.mac(), "one HMAC key in both regions");
    let verified = west.verify_mac().key_id(&hmac).message(message.clone()).mac_algorithm(algorithm.clone());
    assert!(verified.mac(in_east.mac().unwrap().clone()).send().await.unwrap().mac_valid());

    let agreement = replicated(&east, KeySpec::EccNistP384, KeyUsageType::KeyAgreement).await;
    let peer = east.create_key().key_spec(KeySpec::EccNistP384).key_usage(KeyUsageType::KeyAgreement).send().await;
    let peer = peer.unwrap().key_metadata().unwrap().key_id().to_owned();
    let peer_public = blob(&public_key(&east, &peer).await);
    let derive = |kms: &Client| {
        kms.derive_shared_secret()
            .key_id(&agreement)
            .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
            .public_key(peer_public.clone())
    };
    let (a, b) = (derive(&east).send().await.unwrap(), derive(&west).send().await.unwrap());
    assert!(a.shared_secret().is_some_and(|s| !s.as_ref().is_empty()));
    assert_eq!(a.shared_secret(), b.shared_secret(), "one private key in both regions");
}

#[tokio::test]
async fn an_ml_kem_encapsulation_by_either_copy_decapsulates_with_the_other() {
    let server = two_regions().await;
    let (east, west) = (server.client(), server.client_in(WEST));
    let id = replicated(&east, KeySpec::MlKem1024, KeyUsageType::EncapsulateDecapsulate).await;
    assert_eq!(public_key(&east, &id).await, public_key(&west, &id).await, "one public key");
    for (from, to) in [(&east, &west), (&west, &east)] {
        let sealed = from.encapsulate().key_id(&id).encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem);
        let sealed = sealed.send().await.expect("Encapsulate");
        let opened = to.decapsulate().key_id(&id).encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem);
        let opened = opened.shared_secret_ciphertext_blob(sealed.shared_secret_ciphertext_blob().unwrap().clone());
        assert_eq!(opened.send().await.expect("Decapsulate").shared_secret(), sealed.shared_secret());
    }
}

#[tokio::test]
async fn asymmetric_and_hmac_multi_region_keys_do_not_rotate_and_their_primary_moves() {
    let server = two_regions().await;
    let (east, west) = (server.client(), server.client_in(WEST));
    let signer = replicated(&east, KeySpec::EccNistP521, KeyUsageType::SignVerify).await;
    let hmac = replicated(&east, KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await;
    for id in [&signer, &hmac] {
        for kms in [&east, &west] {
            expect_code(kms.enable_key_rotation().key_id(id).send().await, "UnsupportedOperationException");
            expect_code(kms.rotate_key_on_demand().key_id(id).send().await, "UnsupportedOperationException");
            // As in AWS, these keys have no rotation status at all.
            expect_code(kms.get_key_rotation_status().key_id(id).send().await, "UnsupportedOperationException");
        }
    }
    east.update_primary_region().key_id(&signer).primary_region(WEST).send().await.unwrap();
    let described = west.describe_key().key_id(&signer).send().await.unwrap();
    let config = described.key_metadata().unwrap().multi_region_configuration().unwrap().clone();
    assert_eq!(config.multi_region_key_type(), Some(&MultiRegionKeyType::Primary));
    assert_eq!(config.replica_keys().iter().filter_map(|r| r.region()).collect::<Vec<_>>(), vec![EAST]);
    sign_across(&west, &east, &signer, SigningAlgorithmSpec::EcdsaSha512).await;
    // The moved primary replicates onward: a third region would now be asked of `eu-west-1`.
    expect_code(
        east.replicate_key().key_id(&signer).replica_region(WEST).send().await,
        "UnsupportedOperationException",
    );
}
