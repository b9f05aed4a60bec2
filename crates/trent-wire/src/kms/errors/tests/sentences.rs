//! Golden sentences of `UnsupportedOperationException` and `KMSInvalidStateException`: one
//! row per reason, each the exact message the domain used to build itself.

use trent_core::ids::Region;
use trent_core::kms::{
    DataKeyPairSpec, KeySpec, KeyState, KeyUsage, KmsError, Origin, SigningAlgorithm, Unsupported, WrappingAlgorithm,
    WrappingKeySpec,
};

use crate::AwsError;

const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/k";

fn assert_renders(cases: Vec<(KmsError, &str)>, code: &str) {
    for (err, message) in cases {
        let aws = AwsError::from(err);
        assert_eq!((aws.code, aws.status.as_u16(), aws.message.as_str()), (code, 400, message));
    }
}

/// Every reason of `UnsupportedOperationException`, with its sentence.
#[test]
fn every_unsupported_reason_renders_its_aws_sentence() {
    let arn = || ARN.to_owned();
    let u = KmsError::Unsupported;
    let cases: Vec<(KmsError, &str)> = vec![
        (
            u(Unsupported::NewMaterialNotSymmetric { key_arn: arn(), spec: KeySpec::Rsa2048 }),
            "arn:aws:kms:us-east-1:111122223333:key/k has key spec RSA_2048; only symmetric encryption keys can hold \
             new key material.",
        ),
        (
            u(Unsupported::ChinaKeyPairSpec(DataKeyPairSpec::Sm2)),
            "KeyPairSpec SM2 is only available in the China Regions; this server does not offer it",
        ),
        (
            u(Unsupported::DataKeyPairInCustomKeyStore { key_arn: arn() }),
            "arn:aws:kms:us-east-1:111122223333:key/k is in a custom key store; data key pairs need a KMS key outside \
             custom key stores.",
        ),
        (
            u(Unsupported::SigningAlgorithm(SigningAlgorithm::Sm2dsa)),
            "Signing algorithm SM2DSA is not supported by this server",
        ),
        (
            u(Unsupported::NoPublicKey { key_arn: arn(), spec: KeySpec::Hmac256 }),
            "arn:aws:kms:us-east-1:111122223333:key/k has key spec HMAC_256, which has no public key.",
        ),
        (
            u(Unsupported::CloudHsmOriginWithoutStore),
            "Origin AWS_CLOUDHSM needs the CustomKeyStoreId of a custom key store of type AWS_CLOUDHSM",
        ),
        (
            u(Unsupported::ChinaKeySpec(KeySpec::Sm2)),
            "KeySpec SM2 is only available in the China Regions; this server does not offer it",
        ),
        (
            u(Unsupported::Origin(Origin::ExternalKeyStore)),
            "Origin EXTERNAL_KEY_STORE is not supported by this server; AWS_KMS, EXTERNAL and AWS_CLOUDHSM are",
        ),
        (
            u(Unsupported::MultiRegionExternal),
            "Multi-Region keys of origin EXTERNAL are not supported by this server yet",
        ),
        (
            u(Unsupported::NotPrimary { key_arn: arn() }),
            "arn:aws:kms:us-east-1:111122223333:key/k is not a multi-Region primary key.",
        ),
        (
            u(Unsupported::NotMultiRegion { key_arn: arn() }),
            "arn:aws:kms:us-east-1:111122223333:key/k is not a multi-Region key.",
        ),
        (
            u(Unsupported::RegionNotHosted(Region::parse("eu-west-3").unwrap())),
            "Region eu-west-3 is not hosted by this deployment.",
        ),
        (
            u(Unsupported::NotRotatable { key_arn: arn(), spec: KeySpec::SymmetricDefault, origin: Origin::External }),
            "arn:aws:kms:us-east-1:111122223333:key/k has key spec SYMMETRIC_DEFAULT and origin EXTERNAL; rotation \
             applies to symmetric keys with AWS_KMS origin.",
        ),
        (
            u(Unsupported::ReplicaRotation { key_arn: arn() }),
            "arn:aws:kms:us-east-1:111122223333:key/k is a multi-Region replica key; manage rotation on its primary \
             key.",
        ),
        (
            u(Unsupported::StoreKeyOrigin(Origin::AwsKms)),
            "Keys in a custom key store of type AWS_CLOUDHSM need Origin AWS_CLOUDHSM, not AWS_KMS.",
        ),
        (
            u(Unsupported::StoreKeySpec { spec: KeySpec::Hmac256, usage: KeyUsage::GenerateVerifyMac }),
            "Keys in a custom key store must be symmetric encryption keys (KeySpec SYMMETRIC_DEFAULT, KeyUsage \
             ENCRYPT_DECRYPT), not HMAC_256 for GENERATE_VERIFY_MAC.",
        ),
        (u(Unsupported::StoreKeyMultiRegion), "You cannot create a multi-Region key in a custom key store."),
        (
            u(Unsupported::ImportOrigin { key_arn: arn(), origin: Origin::AwsKms }),
            "arn:aws:kms:us-east-1:111122223333:key/k has origin AWS_KMS; importing key material requires origin \
             EXTERNAL.",
        ),
        (
            u(Unsupported::ImportMemberNotSymmetric {
                member: "KeyMaterialId",
                key_arn: arn(),
                spec: KeySpec::EccNistP256,
            }),
            "KeyMaterialId is only valid for symmetric encryption keys; arn:aws:kms:us-east-1:111122223333:key/k has \
             key spec ECC_NIST_P256.",
        ),
        (
            u(Unsupported::Wrapping { algorithm: WrappingAlgorithm::RsaesPkcs1V15, spec: WrappingKeySpec::Rsa2048 }),
            "Wrapping algorithm RSAES_PKCS1_V1_5 with wrapping key spec RSA_2048 is not supported; use an RSA wrapping \
             key with RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256.",
        ),
        (
            u(Unsupported::IgnoreCiphertext),
            "DryRunModifiers IGNORE_CIPHERTEXT is not supported by this server yet: its dry runs check the ciphertext",
        ),
    ];
    assert_renders(cases, "UnsupportedOperationException");
}

/// Every key state that refuses an operation, with its sentence.
#[test]
fn every_refusing_key_state_renders_its_aws_sentence() {
    let state = |state| KmsError::InvalidState { key_arn: ARN.to_owned(), state };
    let cases: Vec<(KmsError, &str)> = vec![
        (state(KeyState::PendingDeletion), "arn:aws:kms:us-east-1:111122223333:key/k is pending deletion."),
        (state(KeyState::PendingImport), "arn:aws:kms:us-east-1:111122223333:key/k is pending import."),
        (
            state(KeyState::PendingReplicaDeletion),
            "arn:aws:kms:us-east-1:111122223333:key/k is pending replica deletion.",
        ),
        (state(KeyState::Unavailable), "arn:aws:kms:us-east-1:111122223333:key/k is unavailable."),
        (state(KeyState::Creating), "arn:aws:kms:us-east-1:111122223333:key/k is being created."),
        (state(KeyState::Updating), "arn:aws:kms:us-east-1:111122223333:key/k is being updated."),
        (state(KeyState::Enabled), "arn:aws:kms:us-east-1:111122223333:key/k is enabled."),
        (state(KeyState::Disabled), "arn:aws:kms:us-east-1:111122223333:key/k is disabled."),
        (
            KmsError::NotPendingDeletion { key_arn: ARN.to_owned() },
            "arn:aws:kms:us-east-1:111122223333:key/k is not pending deletion.",
        ),
    ];
    assert_renders(cases, "KMSInvalidStateException");
}
