//! Why an operation is not supported for a key or by this server
//! (`UnsupportedOperationException`). Typed fields only; `trent-wire` renders the sentences.

use crate::ids::Region;
use crate::kms::{DataKeyPairSpec, KeySpec, KeyUsage, Origin, SigningAlgorithm, WrappingAlgorithm, WrappingKeySpec};

/// Why an operation is not supported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsupported {
    /// `ImportKeyMaterial` of new material into an asymmetric or HMAC key that has material.
    NewMaterialNotSymmetric {
        /// The key's ARN.
        key_arn: String,
        /// The key's spec.
        spec: KeySpec,
    },
    /// A `KeySpec` of the China Regions only (SM2).
    ChinaKeySpec(KeySpec),
    /// A `KeyPairSpec` of the China Regions only (SM2).
    ChinaKeyPairSpec(DataKeyPairSpec),
    /// `GenerateDataKeyPair` with a key of a custom key store.
    DataKeyPairInCustomKeyStore {
        /// The key's ARN.
        key_arn: String,
    },
    /// A signing algorithm this server does not implement (SM2DSA).
    SigningAlgorithm(SigningAlgorithm),
    /// `GetPublicKey` of a symmetric or HMAC key.
    NoPublicKey {
        /// The key's ARN.
        key_arn: String,
        /// The key's spec.
        spec: KeySpec,
    },
    /// `CreateKey` with `Origin` `AWS_CLOUDHSM` and no custom key store.
    CloudHsmOriginWithoutStore,
    /// `CreateKey` with an origin this server does not offer (`EXTERNAL_KEY_STORE`).
    Origin(Origin),
    /// `CreateKey` of a multi-Region key of origin `EXTERNAL`.
    MultiRegionExternal,
    /// A multi-Region operation on a replica, which needs the primary key.
    NotPrimary {
        /// The replica's ARN.
        key_arn: String,
    },
    /// A multi-Region operation on a single-Region key.
    NotMultiRegion {
        /// The key's ARN.
        key_arn: String,
    },
    /// A Region this deployment does not host.
    RegionNotHosted(Region),
    /// Rotation of a key that is not a symmetric key of origin `AWS_KMS`.
    NotRotatable {
        /// The key's ARN.
        key_arn: String,
        /// The key's spec.
        spec: KeySpec,
        /// The key's origin.
        origin: Origin,
    },
    /// Rotation managed on a multi-Region replica instead of its primary.
    ReplicaRotation {
        /// The replica's ARN.
        key_arn: String,
    },
    /// A key in a custom key store with another origin than `AWS_CLOUDHSM`.
    StoreKeyOrigin(Origin),
    /// A key in a custom key store that is not a symmetric encryption key.
    StoreKeySpec {
        /// The spec asked for.
        spec: KeySpec,
        /// The usage asked for.
        usage: KeyUsage,
    },
    /// A multi-Region key in a custom key store.
    StoreKeyMultiRegion,
    /// An import operation on a key whose origin is not `EXTERNAL`.
    ImportOrigin {
        /// The key's ARN.
        key_arn: String,
        /// The key's origin.
        origin: Origin,
    },
    /// An `ImportKeyMaterial` member for symmetric encryption keys only, given for another key.
    ImportMemberNotSymmetric {
        /// The member's wire name (`ImportType`, `KeyMaterialId`, `KeyMaterialDescription`).
        member: &'static str,
        /// The key's ARN.
        key_arn: String,
        /// The key's spec.
        spec: KeySpec,
    },
    /// A wrapping algorithm and key spec this server does not offer (`RSAES_PKCS1_V1_5`, SM2).
    Wrapping {
        /// The wrapping algorithm asked for.
        algorithm: WrappingAlgorithm,
        /// The wrapping key spec asked for.
        spec: WrappingKeySpec,
    },
    /// `DryRunModifiers` `IGNORE_CIPHERTEXT`: this server's dry runs always check the ciphertext.
    IgnoreCiphertext,
}
