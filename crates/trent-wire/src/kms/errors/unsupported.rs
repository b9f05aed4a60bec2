//! `UnsupportedOperationException`'s sentences, rendered from the typed reason: the only
//! place they are written. Exhaustive, without a `_` arm.

use trent_core::kms::Unsupported;

/// `UnsupportedOperationException`'s sentence for why the operation is not supported.
pub(super) fn unsupported(reason: &Unsupported) -> String {
    match reason {
        Unsupported::NewMaterialNotSymmetric { key_arn, spec } => format!(
            "{key_arn} has key spec {}; only symmetric encryption keys can hold new key material.",
            spec.as_str()
        ),
        Unsupported::ChinaKeySpec(spec) => {
            format!("KeySpec {} is only available in the China Regions; this server does not offer it", spec.as_str())
        }
        Unsupported::ChinaKeyPairSpec(spec) => format!(
            "KeyPairSpec {} is only available in the China Regions; this server does not offer it",
            spec.as_str()
        ),
        Unsupported::DataKeyPairInCustomKeyStore { key_arn } => {
            format!("{key_arn} is in a custom key store; data key pairs need a KMS key outside custom key stores.")
        }
        Unsupported::SigningAlgorithm(algorithm) => {
            format!("Signing algorithm {} is not supported by this server", algorithm.as_str())
        }
        Unsupported::NoPublicKey { key_arn, spec } => {
            format!("{key_arn} has key spec {}, which has no public key.", spec.as_str())
        }
        Unsupported::CloudHsmOriginWithoutStore => {
            "Origin AWS_CLOUDHSM needs the CustomKeyStoreId of a custom key store of type AWS_CLOUDHSM".to_owned()
        }
        Unsupported::Origin(origin) => format!(
            "Origin {} is not supported by this server; AWS_KMS, EXTERNAL and AWS_CLOUDHSM are",
            origin.as_str()
        ),
        Unsupported::MultiRegionExternal => {
            "Multi-Region keys of origin EXTERNAL are not supported by this server yet".to_owned()
        }
        Unsupported::NotPrimary { key_arn } => format!("{key_arn} is not a multi-Region primary key."),
        Unsupported::NotMultiRegion { key_arn } => format!("{key_arn} is not a multi-Region key."),
        Unsupported::RegionNotHosted(region) => format!("Region {region} is not hosted by this deployment."),
        Unsupported::NotRotatable { key_arn, spec, origin } => format!(
            "{key_arn} has key spec {} and origin {}; rotation applies to symmetric keys with AWS_KMS origin.",
            spec.as_str(),
            origin.as_str()
        ),
        Unsupported::ReplicaRotation { key_arn } => {
            format!("{key_arn} is a multi-Region replica key; manage rotation on its primary key.")
        }
        Unsupported::StoreKeyOrigin(origin) => format!(
            "Keys in a custom key store of type AWS_CLOUDHSM need Origin AWS_CLOUDHSM, not {}.",
            origin.as_str()
        ),
        Unsupported::StoreKeySpec { spec, usage } => format!(
            "Keys in a custom key store must be symmetric encryption keys (KeySpec SYMMETRIC_DEFAULT, KeyUsage \
             ENCRYPT_DECRYPT), not {} for {}.",
            spec.as_str(),
            usage.as_str()
        ),
        Unsupported::StoreKeyMultiRegion => "You cannot create a multi-Region key in a custom key store.".to_owned(),
        Unsupported::ImportOrigin { key_arn, origin } => {
            format!("{key_arn} has origin {}; importing key material requires origin EXTERNAL.", origin.as_str())
        }
        Unsupported::ImportMemberNotSymmetric { member, key_arn, spec } => {
            format!("{member} is only valid for symmetric encryption keys; {key_arn} has key spec {}.", spec.as_str())
        }
        Unsupported::Wrapping { algorithm, spec } => format!(
            "Wrapping algorithm {} with wrapping key spec {} is not supported; use an RSA wrapping key with \
             RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256.",
            algorithm.as_str(),
            spec.as_str()
        ),
        Unsupported::IgnoreCiphertext => {
            "DryRunModifiers IGNORE_CIPHERTEXT is not supported by this server yet: its dry runs check the ciphertext"
                .to_owned()
        }
    }
}
