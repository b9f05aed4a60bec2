//! The KMS domain error.
//!
//! Each variant corresponds to one AWS error `__type`; `trent-wire` maps them exactly once.
//! Messages follow AWS's wording and never contain plaintext, key material or ciphertext.

use crate::ids::Scope;
use crate::store::StoreError;

/// What a `NotFoundException` says does not exist. The fields are the values AWS's sentences
/// name; `trent-wire` renders the sentences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    /// A key, as the request named it (a key id or key ARN) or by its ARN.
    Key(String),
    /// A `KeyId` that is no key id where only a key id or key ARN is taken, as given.
    KeyId(String),
    /// A key ARN of a region or partition that is not the caller's: the ARN's region.
    ArnRegion(String),
    /// An alias `name` (with its `alias/` prefix) of `scope`.
    Alias {
        /// The account and region of the alias.
        scope: Scope,
        /// The alias name.
        name: String,
    },
    /// A grant id that names no grant of the key.
    Grant(String),
    /// A key policy name other than `default`.
    KeyPolicy,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Key(name) => write!(f, "key {name}"),
            Self::KeyId(input) => write!(f, "key id {input}"),
            Self::ArnRegion(region) => write!(f, "key ARN of region {region}"),
            Self::Alias { scope, name } => write!(f, "alias {}", scope.arn("kms", name)),
            Self::Grant(id) => write!(f, "grant {id}"),
            Self::KeyPolicy => f.write_str("key policy"),
        }
    }
}

/// What a competing change modified while retries ran (`ConflictException`); `trent-wire`
/// renders the sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contended {
    /// The key's record.
    Key,
    /// A multi-Region key's primary Region.
    PrimaryRegion,
    /// The custom key stores of an account and Region (a name or cluster taken meanwhile).
    CustomKeyStore,
}

/// Which quota a request would exceed (`LimitExceededException`); `trent-wire` renders the
/// sentence with the quota's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Limit {
    /// [`MAX_GRANTS_PER_KEY`](super::MAX_GRANTS_PER_KEY) grants of the key with this ARN.
    GrantsPerKey {
        /// The key's ARN.
        key_arn: String,
    },
    /// [`MAX_ALIASES_PER_KEY`](super::MAX_ALIASES_PER_KEY) aliases of the key with this ARN.
    AliasesPerKey {
        /// The key's ARN.
        key_arn: String,
    },
    /// A key policy of `bytes` bytes, over [`MAX_POLICY_BYTES`](super::MAX_POLICY_BYTES).
    KeyPolicySize {
        /// The policy's size.
        bytes: usize,
    },
    /// [`MAX_TAGS_PER_KEY`](super::MAX_TAGS_PER_KEY) tags of one key.
    TagsPerKey,
    /// [`MAX_ON_DEMAND_ROTATIONS`](super::MAX_ON_DEMAND_ROTATIONS) on-demand rotations of the
    /// key with this ARN.
    OnDemandRotations {
        /// The key's ARN.
        key_arn: String,
    },
    /// [`MAX_CUSTOM_KEY_STORES`](super::MAX_CUSTOM_KEY_STORES) custom key stores in an account
    /// and Region.
    CustomKeyStores,
}

/// What went wrong with a key of a custom key store in its HSM (`KMSInvalidStateException`,
/// AWS's general failure of cryptographic operations in custom key stores); `trent-wire`
/// renders the sentence.
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
    #[error("{key_arn} is disabled.")]
    Disabled {
        /// ARN of the disabled key.
        key_arn: String,
    },
    /// The key's state does not allow the operation (`KMSInvalidStateException`).
    #[error("{key_arn} is {what}.")]
    InvalidState {
        /// ARN of the key.
        key_arn: String,
        /// "pending deletion", "not pending deletion", ...
        what: &'static str,
    },
    /// `RotateKeyOnDemand` of a key of imported material that has none pending rotation
    /// (`KMSInvalidStateException`, in AWS's words).
    #[error("No available key material pending rotation for the key: {key_arn}.")]
    NoPendingRotation {
        /// ARN of the key.
        key_arn: String,
    },
    /// `ImportKeyMaterial` of new material while other material waits for rotation
    /// (`KMSInvalidStateException`, in AWS's words).
    #[error(
        "New key material (id: {new}) cannot be imported into KMS key {key_id}, because another key material \
         (id: {pending}) is pending rotation."
    )]
    RotationPending {
        /// The key's id.
        key_id: String,
        /// The id of the material refused.
        new: String,
        /// The id of the material pending rotation.
        pending: String,
    },
    /// The ciphertext is malformed, tampered with, or the context differs (`InvalidCiphertextException`).
    #[error("")]
    InvalidCiphertext,
    /// A signature that does not verify (`KMSInvalidSignatureException`).
    #[error("")]
    InvalidSignature,
    /// A MAC that does not verify (`KMSInvalidMacException`).
    #[error("")]
    InvalidMac,
    /// Imported key material that is not valid for the key, or not the material imported
    /// into it before (`IncorrectKeyMaterialException`).
    #[error("{0}")]
    IncorrectKeyMaterial(String),
    /// The import token of `ImportKeyMaterial` has expired (`ExpiredImportTokenException`).
    #[error("The import token expired; call GetParametersForImport again.")]
    ExpiredImportToken,
    /// The import token was not issued by this server for this key
    /// (`InvalidImportTokenException`).
    #[error("The import token is invalid or is associated with a different KMS key.")]
    InvalidImportToken,
    /// A KeyId was given for Decrypt that is not the key of the ciphertext (`IncorrectKeyException`).
    #[error("the key id names another key than the ciphertext's")]
    IncorrectKey,
    /// The key's usage or spec does not allow the operation or algorithm (`InvalidKeyUsageException`).
    #[error("{0}")]
    InvalidKeyUsage(String),
    /// The resource exists already (`AlreadyExistsException`).
    #[error("{0}")]
    AlreadyExists(String),
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
    /// A malformed alias name (`InvalidAliasNameException`).
    #[error("{0}")]
    InvalidAliasName(String),
    /// A reserved name (`NotAuthorizedException`), e.g. an alias under `alias/aws/`.
    #[error("{0}")]
    NotAuthorized(String),
    /// A quota was reached (`LimitExceededException`).
    #[error("limit exceeded: {0:?}")]
    LimitExceeded(Limit),
    /// Input fails a constraint (`ValidationException`).
    #[error("{0}")]
    Validation(String),
    /// A grant token that is malformed or names no grant (`InvalidGrantTokenException`).
    #[error("{0}")]
    InvalidGrantToken(String),
    /// A grant id that is malformed or names no grant of the key (`InvalidGrantIdException`).
    #[error("{0}")]
    InvalidGrantId(String),
    /// A pagination marker this server did not issue (`InvalidMarkerException`).
    #[error("Invalid marker")]
    InvalidMarker,
    /// The operation is not supported for this key or by this server (`UnsupportedOperationException`).
    #[error("{0}")]
    Unsupported(String),
    /// A tag rule was broken (`TagException`).
    #[error("{0}")]
    Tag(String),
    /// A policy document is not a valid policy (`MalformedPolicyDocumentException`).
    #[error("{0}")]
    MalformedPolicy(String),
    /// The caller may not do this (`AccessDeniedException`).
    #[error("{0}")]
    AccessDenied(String),
    /// The request would have succeeded but `DryRun` was set (`DryRunOperationException`).
    #[error("The request would have succeeded, but the DryRun option is set.")]
    DryRun,
    /// A named custom key store does not exist (`CustomKeyStoreNotFoundException`).
    #[error("{0}")]
    CustomKeyStoreNotFound(String),
    /// Another custom key store of the account and region has this name
    /// (`CustomKeyStoreNameInUseException`).
    #[error("The custom key store name '{name}' is already in use in this account and Region.")]
    CustomKeyStoreNameInUse {
        /// The name asked for.
        name: String,
    },
    /// The custom key store's connection state forbids the operation
    /// (`CustomKeyStoreInvalidStateException`).
    #[error("Custom key store '{id}' has ConnectionState {}; the operation is not valid in that state.", state.as_str())]
    CustomKeyStoreInvalidState {
        /// The store's id.
        id: String,
        /// Its connection state.
        state: crate::kms::ConnectionState,
    },
    /// No cluster of this id is configured (`CloudHsmClusterNotFoundException`).
    #[error("AWS CloudHSM cluster '{cluster_id}' does not exist.")]
    CloudHsmClusterNotFound {
        /// The cluster id asked for.
        cluster_id: String,
    },
    /// Another custom key store of the account and region uses the cluster
    /// (`CloudHsmClusterInUseException`).
    #[error(
        "AWS CloudHSM cluster '{cluster_id}' is already associated with a custom key store in this account and Region."
    )]
    CloudHsmClusterInUse {
        /// The cluster id.
        cluster_id: String,
    },
    /// The cluster is not the store's token under another id (`CloudHsmClusterNotRelatedException`).
    #[error("AWS CloudHSM cluster '{cluster_id}' is not related to the custom key store's cluster.")]
    CloudHsmClusterNotRelated {
        /// The cluster id asked for.
        cluster_id: String,
    },
    /// The trust anchor certificate is not the cluster's (`IncorrectTrustAnchorException`).
    #[error("The trust anchor certificate does not match the trust anchor of AWS CloudHSM cluster '{cluster_id}'.")]
    IncorrectTrustAnchor {
        /// The cluster id.
        cluster_id: String,
    },
    /// The cluster cannot hold the store's keys: its token refuses to make a sensitive,
    /// non-extractable AES-256 key (`CloudHsmClusterInvalidConfigurationException`).
    #[error("AWS CloudHSM cluster '{cluster_id}' cannot create the key material.")]
    CloudHsmClusterInvalidConfiguration {
        /// The store's cluster id.
        cluster_id: String,
    },
    /// `DeleteCustomKeyStore` of a store that still has KMS keys
    /// (`CustomKeyStoreHasCMKsException`).
    #[error("Custom key store '{id}' contains KMS keys.")]
    CustomKeyStoreHasKeys {
        /// The store's id.
        id: String,
    },
    /// A key of a custom key store that its HSM could not use (`KMSInvalidStateException`).
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
    #[error("The system timed out while trying to fulfill the request.")]
    Unavailable(#[source] StoreError),
    /// A bug or corrupt state (`KMSInternalException`); details go to the log only.
    #[error("An internal error occurred.")]
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

/// Builders for AWS's validation-message shapes.
pub(crate) mod validation {
    use super::KmsError;

    pub(crate) fn custom(msg: impl Into<String>) -> KmsError {
        KmsError::Validation(msg.into())
    }

    pub(crate) fn value_at_least(field: &str, value: impl std::fmt::Display, min: i64) -> KmsError {
        KmsError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: \
             Member must have value greater than or equal to {min}"
        ))
    }

    pub(crate) fn value_at_most(field: &str, value: impl std::fmt::Display, max: i64) -> KmsError {
        KmsError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: \
             Member must have value less than or equal to {max}"
        ))
    }

    /// A length violation of a sensitive member: the value itself is never echoed.
    pub(crate) fn sensitive_length(field: &str, bound: &str, n: usize) -> KmsError {
        unechoed(field, &format!("Member must have length {bound} {n}"))
    }

    /// A violation reported without the value (a sensitive member, or a map).
    pub(crate) fn unechoed(field: &str, constraint: &str) -> KmsError {
        KmsError::Validation(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: {constraint}"
        ))
    }

    /// A string member of `value` outside `min..=max` characters.
    pub(crate) fn length(field: &str, value: &str, min: usize, max: usize) -> KmsError {
        let n = value.chars().count();
        let bound =
            if n < min { format!("greater than or equal to {min}") } else { format!("less than or equal to {max}") };
        KmsError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: \
             Member must have length {bound}"
        ))
    }

    /// A string member that does not match the model's `pattern`.
    pub(crate) fn pattern(field: &str, value: &str, pattern: &str) -> KmsError {
        KmsError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: {pattern}"
        ))
    }
}
