//! The KMS domain error.
//!
//! Each variant corresponds to one AWS error `__type`; `trent-wire` maps them exactly once
//! and renders AWS's sentences from the typed fields. The `Display` of a variant is for the
//! log, never a client, and never contains plaintext, key material or ciphertext.

mod invalid;
mod reasons;
mod unsupported;

pub(crate) use invalid::validation;
pub use invalid::{
    AliasInput, Constraint, CryptoInput, GrantInput, ImportInput, Invalid, KeyInput, RegionInput, Shown, Violation,
};
pub use reasons::{
    Contended, Denied, Existing, Limit, Malformed, Mismatch, Missing, MissingStore, Misuse, Refusal, TagRule,
};
pub use unsupported::Unsupported;

use crate::store::StoreError;

/// What went wrong with a key of a custom key store in its HSM; `trent-wire` renders the
/// sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HsmFault {
    /// The token has no key object for the key (deleted outside Trent).
    KeyMissing,
    /// The token failed the operation.
    Failed,
}

/// Why a KMS operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KmsError {
    /// The key, alias or other resource does not exist (`NotFoundException`).
    #[error("not found: {0}")]
    NotFound(Missing),
    /// An ARN is malformed or names the wrong service (`InvalidArnException`).
    #[error("invalid ARN {arn}")]
    InvalidArn {
        /// The ARN as given.
        arn: String,
    },
    /// The key is disabled (`DisabledException`).
    #[error("the key {key_arn} is disabled")]
    Disabled {
        /// ARN of the disabled key.
        key_arn: String,
    },
    /// The key's state does not allow the operation (`KMSInvalidStateException`).
    #[error("the key {key_arn} is {state:?}")]
    InvalidState {
        /// ARN of the key.
        key_arn: String,
        /// The state that refuses the operation: the key's own, or `Unavailable` for an
        /// enabled or disabled key whose custom key store is not connected.
        state: crate::kms::KeyState,
    },
    /// `CancelKeyDeletion` of a key that is not pending deletion (`KMSInvalidStateException`).
    #[error("the key {key_arn} is not pending deletion")]
    NotPendingDeletion {
        /// ARN of the key.
        key_arn: String,
    },
    /// `RotateKeyOnDemand` of a key of imported material that has none pending rotation
    /// (`KMSInvalidStateException`, in AWS's words).
    #[error("no key material of {key_arn} is pending rotation")]
    NoPendingRotation {
        /// ARN of the key.
        key_arn: String,
    },
    /// `ImportKeyMaterial` of new material while other material waits for rotation
    /// (`KMSInvalidStateException`, in AWS's words).
    #[error("key material {new} refused for key {key_id}: material {pending} is pending rotation")]
    RotationPending {
        /// The key's id.
        key_id: String,
        /// The id of the material refused.
        new: String,
        /// The id of the material pending rotation.
        pending: String,
    },
    /// The ciphertext is malformed, tampered with, or the context differs (`InvalidCiphertextException`).
    #[error("invalid ciphertext")]
    InvalidCiphertext,
    /// A signature that does not verify (`KMSInvalidSignatureException`).
    #[error("invalid signature")]
    InvalidSignature,
    /// A MAC that does not verify (`KMSInvalidMacException`).
    #[error("invalid MAC")]
    InvalidMac,
    /// Imported key material that is not valid for the key, or not the material imported
    /// into it before (`IncorrectKeyMaterialException`).
    #[error("incorrect key material: {0:?}")]
    IncorrectKeyMaterial(Mismatch),
    /// The import token of `ImportKeyMaterial` has expired (`ExpiredImportTokenException`).
    #[error("the import token expired")]
    ExpiredImportToken,
    /// The import token was not issued by this server for this key
    /// (`InvalidImportTokenException`).
    #[error("the import token is invalid or of another key")]
    InvalidImportToken,
    /// A KeyId was given for Decrypt that is not the key of the ciphertext (`IncorrectKeyException`).
    #[error("the key id names another key than the ciphertext's")]
    IncorrectKey,
    /// The key's usage or spec does not allow the operation or algorithm (`InvalidKeyUsageException`).
    #[error("invalid key usage: {0:?}")]
    InvalidKeyUsage(Misuse),
    /// The resource exists already (`AlreadyExistsException`).
    #[error("already exists: {0:?}")]
    AlreadyExists(Existing),
    /// An alias name without the `alias/` prefix (`ValidationException`).
    #[error("the alias name lacks the alias/ prefix")]
    AliasPrefix,
    /// An alias name with a character AWS does not allow after the prefix, such as `:`
    /// (`ValidationException`).
    #[error("the alias name {name} has characters an alias may not have")]
    AliasCharacters {
        /// The alias name as given.
        name: String,
    },
    /// An alias name with nothing after its `alias/` prefix (`InvalidAliasNameException`).
    #[error("the alias name {name} is not valid")]
    InvalidAliasName {
        /// The alias name as given.
        name: String,
    },
    /// An alias name under `alias/aws/`, reserved for AWS managed keys (`NotAuthorizedException`).
    #[error("the alias name {reserved_alias} is reserved for AWS managed keys")]
    NotAuthorized {
        /// The alias name as given.
        reserved_alias: String,
    },
    /// A quota was reached (`LimitExceededException`).
    #[error("limit exceeded: {0:?}")]
    LimitExceeded(Limit),
    /// Input fails a constraint (`ValidationException`).
    #[error("invalid input: {0:?}")]
    Validation(Invalid),
    /// A grant token that is malformed or names no grant (`InvalidGrantTokenException`).
    #[error("the grant token is not valid")]
    InvalidGrantToken,
    /// A grant id that is malformed (`InvalidGrantIdException`).
    #[error("the grant id {id} is not valid")]
    InvalidGrantId {
        /// The grant id as given.
        id: String,
    },
    /// A pagination marker this server did not issue (`InvalidMarkerException`).
    #[error("a pagination marker this server did not issue")]
    InvalidMarker,
    /// The operation is not supported for this key or by this server (`UnsupportedOperationException`).
    #[error("unsupported: {0:?}")]
    Unsupported(Unsupported),
    /// A tag rule was broken (`TagException`).
    #[error("tag rule broken: {0:?}")]
    Tag(TagRule),
    /// A policy document is not a valid policy (`MalformedPolicyDocumentException`).
    #[error("malformed policy document")]
    MalformedPolicy(#[source] Malformed),
    /// The caller may not do this (`AccessDeniedException`).
    #[error("access denied: {0:?}")]
    AccessDenied(Denied),
    /// The request would have succeeded but `DryRun` was set (`DryRunOperationException`).
    #[error("dry run")]
    DryRun,
    /// A named custom key store does not exist (`CustomKeyStoreNotFoundException`).
    #[error("no custom key store {0:?}")]
    CustomKeyStoreNotFound(MissingStore),
    /// Another custom key store of the account and region has this name
    /// (`CustomKeyStoreNameInUseException`).
    #[error("the custom key store name {name} is in use")]
    CustomKeyStoreNameInUse {
        /// The name asked for.
        name: String,
    },
    /// The custom key store's connection state forbids the operation
    /// (`CustomKeyStoreInvalidStateException`).
    #[error("the custom key store {id} is {state:?}")]
    CustomKeyStoreInvalidState {
        /// The store's id.
        id: String,
        /// Its connection state.
        state: crate::kms::ConnectionState,
    },
    /// No cluster of this id is configured (`CloudHsmClusterNotFoundException`).
    #[error("no CloudHSM cluster {cluster_id}")]
    CloudHsmClusterNotFound {
        /// The cluster id asked for.
        cluster_id: String,
    },
    /// Another custom key store of the account and region uses the cluster
    /// (`CloudHsmClusterInUseException`).
    #[error("the CloudHSM cluster {cluster_id} is in use")]
    CloudHsmClusterInUse {
        /// The cluster id.
        cluster_id: String,
    },
    /// The cluster is not the store's token under another id (`CloudHsmClusterNotRelatedException`).
    #[error("the CloudHSM cluster {cluster_id} is not the store's")]
    CloudHsmClusterNotRelated {
        /// The cluster id asked for.
        cluster_id: String,
    },
    /// The trust anchor certificate is not the cluster's (`IncorrectTrustAnchorException`).
    #[error("the trust anchor is not the one of CloudHSM cluster {cluster_id}")]
    IncorrectTrustAnchor {
        /// The cluster id.
        cluster_id: String,
    },
    /// The cluster cannot hold the store's keys: its token refuses to make a sensitive,
    /// non-extractable AES-256 key (`CloudHsmClusterInvalidConfigurationException`).
    #[error("the CloudHSM cluster {cluster_id} cannot make the key material")]
    CloudHsmClusterInvalidConfiguration {
        /// The store's cluster id.
        cluster_id: String,
    },
    /// `DeleteCustomKeyStore` of a store that still has KMS keys
    /// (`CustomKeyStoreHasCMKsException`).
    #[error("the custom key store {id} has KMS keys")]
    CustomKeyStoreHasKeys {
        /// The store's id.
        id: String,
    },
    /// A key of a custom key store that its HSM could not use (`KMSInvalidStateException`,
    /// AWS's general failure of cryptographic operations in custom key stores).
    #[error("the HSM failed the operation with {key_arn}: {fault:?}")]
    HsmKey {
        /// ARN of the key.
        key_arn: String,
        /// What failed.
        fault: HsmFault,
    },
    /// The caller's request quota is used up (`ThrottlingException`); the wire renders
    /// KMS's sentence.
    #[error("the request quota '{quota}' is exceeded")]
    Throttled {
        /// The quota's name (`kms:cryptographic-rsa`), for the log.
        quota: &'static str,
    },
    /// A competing change got there first and retries ran out (`ConflictException`).
    #[error("concurrent change of the {0:?}")]
    Conflict(Contended),
    /// Storage is unreachable or failed (`DependencyTimeoutException`).
    #[error("storage unavailable")]
    Unavailable(#[source] StoreError),
    /// A bug or corrupt state (`KMSInternalException`); details go to the log only.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for KmsError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => Self::Unavailable(e),
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<trent_crypto::CryptoError> for KmsError {
    fn from(e: trent_crypto::CryptoError) -> Self {
        Self::Internal(Box::new(e))
    }
}
