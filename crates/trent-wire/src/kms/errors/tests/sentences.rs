//! Golden sentences of `UnsupportedOperationException` and `KMSInvalidStateException`: one
//! row per reason, each the exact message the domain used to build itself.

use trent_core::kms::KmsError;

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
    let arn = ARN;
    let cases: Vec<(KmsError, &str)> = vec![
        (
            KmsError::Unsupported(format!(
                "{arn} has key spec {}; only symmetric encryption keys can hold new key material.",
                "RSA_2048"
            )),
            "arn:aws:kms:us-east-1:111122223333:key/k has key spec RSA_2048; only symmetric encryption keys can hold \
             new key material.",
        ),
        (
            KmsError::Unsupported(format!(
                "KeyPairSpec {} is only available in the China Regions; this server does not offer it",
                "SM2"
            )),
            "KeyPairSpec SM2 is only available in the China Regions; this server does not offer it",
        ),
        (
            KmsError::Unsupported(format!(
                "{} is in a custom key store; data key pairs need a KMS key outside custom key stores.",
                arn
            )),
            "arn:aws:kms:us-east-1:111122223333:key/k is in a custom key store; data key pairs need a KMS key outside \
             custom key stores.",
        ),
        (
            KmsError::Unsupported(format!("Signing algorithm {} is not supported by this server", "SM2DSA")),
            "Signing algorithm SM2DSA is not supported by this server",
        ),
        (
            KmsError::Unsupported(format!("{} has key spec {}, which has no public key.", arn, "HMAC_256")),
            "arn:aws:kms:us-east-1:111122223333:key/k has key spec HMAC_256, which has no public key.",
        ),
        (
            KmsError::Unsupported(
                "Origin AWS_CLOUDHSM needs the CustomKeyStoreId of a custom key store of type AWS_CLOUDHSM".into(),
            ),
            "Origin AWS_CLOUDHSM needs the CustomKeyStoreId of a custom key store of type AWS_CLOUDHSM",
        ),
        (
            KmsError::Unsupported(
                "KeySpec SM2 is only available in the China Regions; this server does not offer it".into(),
            ),
            "KeySpec SM2 is only available in the China Regions; this server does not offer it",
        ),
        (
            KmsError::Unsupported(format!(
                "Origin {} is not supported by this server; AWS_KMS, EXTERNAL and AWS_CLOUDHSM are",
                "EXTERNAL_KEY_STORE"
            )),
            "Origin EXTERNAL_KEY_STORE is not supported by this server; AWS_KMS, EXTERNAL and AWS_CLOUDHSM are",
        ),
        (
            KmsError::Unsupported("Multi-Region keys of origin EXTERNAL are not supported by this server yet".into()),
            "Multi-Region keys of origin EXTERNAL are not supported by this server yet",
        ),
        (
            KmsError::Unsupported(format!("{} is not a multi-Region primary key.", arn)),
            "arn:aws:kms:us-east-1:111122223333:key/k is not a multi-Region primary key.",
        ),
        (
            KmsError::Unsupported(format!("{} is not a multi-Region key.", arn)),
            "arn:aws:kms:us-east-1:111122223333:key/k is not a multi-Region key.",
        ),
        (
            KmsError::Unsupported(format!("Region {} is not hosted by this deployment.", "eu-west-3")),
            "Region eu-west-3 is not hosted by this deployment.",
        ),
        (
            KmsError::Unsupported(format!(
                "{} has key spec {} and origin {}; rotation applies to symmetric keys with AWS_KMS origin.",
                arn, "SYMMETRIC_DEFAULT", "EXTERNAL"
            )),
            "arn:aws:kms:us-east-1:111122223333:key/k has key spec SYMMETRIC_DEFAULT and origin EXTERNAL; rotation \
             applies to symmetric keys with AWS_KMS origin.",
        ),
        (
            KmsError::Unsupported(format!(
                "{} is a multi-Region replica key; manage rotation on its primary key.",
                arn
            )),
            "arn:aws:kms:us-east-1:111122223333:key/k is a multi-Region replica key; manage rotation on its primary \
             key.",
        ),
        (
            KmsError::Unsupported(format!(
                "Keys in a custom key store of type AWS_CLOUDHSM need Origin AWS_CLOUDHSM, not {}.",
                "AWS_KMS"
            )),
            "Keys in a custom key store of type AWS_CLOUDHSM need Origin AWS_CLOUDHSM, not AWS_KMS.",
        ),
        (
            KmsError::Unsupported(format!(
                "Keys in a custom key store must be symmetric encryption keys (KeySpec SYMMETRIC_DEFAULT, KeyUsage \
                 ENCRYPT_DECRYPT), not {} for {}.",
                "HMAC_256", "GENERATE_VERIFY_MAC"
            )),
            "Keys in a custom key store must be symmetric encryption keys (KeySpec SYMMETRIC_DEFAULT, KeyUsage \
             ENCRYPT_DECRYPT), not HMAC_256 for GENERATE_VERIFY_MAC.",
        ),
        (
            KmsError::Unsupported("You cannot create a multi-Region key in a custom key store.".into()),
            "You cannot create a multi-Region key in a custom key store.",
        ),
        (
            KmsError::Unsupported(format!(
                "{} has origin {}; importing key material requires origin EXTERNAL.",
                arn, "AWS_KMS"
            )),
            "arn:aws:kms:us-east-1:111122223333:key/k has origin AWS_KMS; importing key material requires origin \
             EXTERNAL.",
        ),
        (
            KmsError::Unsupported(format!(
                "{} is only valid for symmetric encryption keys; {} has key spec {}.",
                "KeyMaterialId", arn, "ECC_NIST_P256"
            )),
            "KeyMaterialId is only valid for symmetric encryption keys; arn:aws:kms:us-east-1:111122223333:key/k has \
             key spec ECC_NIST_P256.",
        ),
        (
            KmsError::Unsupported(format!(
                "Wrapping algorithm {} with wrapping key spec {} is not supported; use an RSA wrapping key with \
                 RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256.",
                "RSAES_PKCS1_V1_5", "RSA_2048"
            )),
            "Wrapping algorithm RSAES_PKCS1_V1_5 with wrapping key spec RSA_2048 is not supported; use an RSA wrapping \
             key with RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256.",
        ),
        (
            KmsError::Unsupported(
                "DryRunModifiers IGNORE_CIPHERTEXT is not supported by this server yet: its dry runs check the \
                 ciphertext"
                    .into(),
            ),
            "DryRunModifiers IGNORE_CIPHERTEXT is not supported by this server yet: its dry runs check the ciphertext",
        ),
    ];
    assert_renders(cases, "UnsupportedOperationException");
}

/// Every key state that refuses an operation, with its sentence.
#[test]
fn every_refusing_key_state_renders_its_aws_sentence() {
    let state = |what| KmsError::InvalidState { key_arn: ARN.to_owned(), what };
    let cases: Vec<(KmsError, &str)> = vec![
        (state("pending deletion"), "arn:aws:kms:us-east-1:111122223333:key/k is pending deletion."),
        (state("pending import"), "arn:aws:kms:us-east-1:111122223333:key/k is pending import."),
        (state("pending replica deletion"), "arn:aws:kms:us-east-1:111122223333:key/k is pending replica deletion."),
        (state("unavailable"), "arn:aws:kms:us-east-1:111122223333:key/k is unavailable."),
        (state("being created"), "arn:aws:kms:us-east-1:111122223333:key/k is being created."),
        (state("being updated"), "arn:aws:kms:us-east-1:111122223333:key/k is being updated."),
        (state("enabled"), "arn:aws:kms:us-east-1:111122223333:key/k is enabled."),
        (state("disabled"), "arn:aws:kms:us-east-1:111122223333:key/k is disabled."),
        (state("not pending deletion"), "arn:aws:kms:us-east-1:111122223333:key/k is not pending deletion."),
    ];
    assert_renders(cases, "KMSInvalidStateException");
}
