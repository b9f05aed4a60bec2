//! Custom key stores of type `AWS_CLOUDHSM`: the domain's model of a store, its connection
//! state as AWS reports it, and the two traits through which the domain reaches a hardware
//! security module without knowing PKCS#11 ([`HsmClusters`], [`HsmConnection`]; the server
//! implements them over a token).
//!
//! A store's row says whether an operator asked to connect it (`ConnectCustomKeyStore`, until
//! `DisconnectCustomKeyStore`); whether it *is* connected is this node's live session with the
//! token, made on demand, so a restarted node or another node of a cluster connects by itself.

pub(crate) mod keys;
pub(crate) mod ops;

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;
use trent_crypto::{HSM_IV_LEN, Plaintext, SecretBytes};

use crate::enums::string_enum;
use crate::ids::Scope;

pub use keys::StoreOfKey;
pub use ops::{CreateCustomKeyStoreInput, CustomKeyStoreFilter, CustomKeyStorePage, UpdateCustomKeyStoreInput};

/// Most custom key stores in one account and region (AWS's quota).
pub const MAX_CUSTOM_KEY_STORES: usize = 10;

string_enum!(
    /// `ConnectionState` of a custom key store.
    ConnectionState {
        /// A session with the HSM is open.
        Connected = "CONNECTED",
        /// Connecting (not reported by Trent, which connects within the call).
        Connecting = "CONNECTING",
        /// Connecting failed; `ConnectionErrorCode` says why.
        Failed = "FAILED",
        /// Not connected.
        Disconnected = "DISCONNECTED",
        /// Disconnecting (not reported by Trent, which disconnects within the call).
        Disconnecting = "DISCONNECTING",
    }
);

string_enum!(
    /// `ConnectionErrorCode` of a store whose connection failed (the codes of `AWS_CLOUDHSM`).
    ConnectionErrorCode {
        /// The token refused the password (`CKR_PIN_INCORRECT`).
        InvalidCredentials = "INVALID_CREDENTIALS",
        /// The cluster is not configured, or its token is not present.
        ClusterNotFound = "CLUSTER_NOT_FOUND",
        /// The module could not be reached.
        NetworkErrors = "NETWORK_ERRORS",
        /// Anything else the token answered.
        InternalError = "INTERNAL_ERROR",
        /// The token locked the user out (`CKR_PIN_LOCKED`).
        UserLockedOut = "USER_LOCKED_OUT",
        /// The token has no user PIN set (`CKR_USER_PIN_NOT_INITIALIZED`).
        UserNotFound = "USER_NOT_FOUND",
    }
);

/// A custom key store as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct CustomKeyStoreRecord {
    /// The account and region it belongs to.
    pub scope: Scope,
    /// `cks-` and 17 hexadecimal digits.
    pub id: String,
    /// Its friendly name, unique in its scope.
    pub name: String,
    /// The cluster (a PKCS#11 token configured in `trent.toml`) it is associated with.
    pub cluster_id: String,
    /// The trust anchor certificate given at creation (PEM).
    pub trust_anchor: String,
    /// `KeyStorePassword` (the token's user PIN) wrapped under the root key; see
    /// [`password_wrap_aad`].
    pub wrapped_password: Vec<u8>,
    /// Whether `ConnectCustomKeyStore` was called and `DisconnectCustomKeyStore` not since.
    pub connect: bool,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// Bumped on every change; the store's optimistic-concurrency token.
    pub revision: u64,
}

impl std::fmt::Debug for CustomKeyStoreRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomKeyStoreRecord")
            .field("scope", &self.scope)
            .field("id", &self.id)
            .field("name", &self.name)
            .field("cluster_id", &self.cluster_id)
            .field("connect", &self.connect)
            .field("created_at", &self.created_at)
            .field("revision", &self.revision)
            .finish_non_exhaustive()
    }
}

/// The additional authenticated data a store's password is wrapped with: its account, region
/// and id, so a wrapped password cannot be moved to another store.
pub fn password_wrap_aad(scope: &Scope, id: &str) -> Vec<u8> {
    format!("trent:custom-key-store-password:{}:{}:{id}", scope.account.as_str(), scope.region.as_str()).into_bytes()
}

/// A configured cluster: what `CreateCustomKeyStore` checks before it stores a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HsmCluster {
    /// The certificate a store of this cluster must present (PEM), if the configuration names
    /// one; any PEM certificate is accepted otherwise.
    pub trust_anchor: Option<String>,
    /// Names the token behind the cluster: two cluster ids of the same token are related
    /// (`UpdateCustomKeyStore` may move a store between them), others are not.
    pub token: String,
}

/// The clusters this deployment can reach: PKCS#11 tokens, each named by a cluster id.
#[async_trait]
pub trait HsmClusters: Send + Sync {
    /// The cluster of this id, or `None` if none is configured.
    fn cluster(&self, cluster_id: &str) -> Option<HsmCluster>;

    /// Opens sessions with the cluster's token, logged in with `password` (the user PIN).
    ///
    /// # Errors
    /// The [`ConnectionErrorCode`] AWS would report.
    async fn connect(
        &self,
        cluster_id: &str,
        password: &SecretBytes,
    ) -> Result<Arc<dyn HsmConnection>, ConnectionErrorCode>;
}

/// Why an HSM operation failed; the details go to the log only.
#[derive(Debug, thiserror::Error)]
#[error("the HSM failed: {0}")]
pub struct HsmFailure(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Why an operation with a key object in a token failed.
#[derive(Debug, thiserror::Error)]
pub enum HsmKeyError {
    /// The token has no AES key object of the id asked for (deleted outside Trent).
    #[error("the token has no key object of that id")]
    NoKey,
    /// The ciphertext does not authenticate under the token's key (`CKR_ENCRYPTED_DATA_INVALID`).
    #[error("the ciphertext does not authenticate under the token's key")]
    Unauthentic,
    /// The token cannot hold such a key: it lacks the mechanism, refuses the template or is
    /// write-protected.
    #[error("the token cannot hold a sensitive, non-extractable AES-256 key")]
    Unfit(#[source] HsmFailure),
    /// Any other failure of the token.
    #[error(transparent)]
    Failed(#[from] HsmFailure),
}

/// A live, logged-in connection to a cluster's token.
#[async_trait]
pub trait HsmConnection: Send + Sync {
    /// `n` random bytes from the token's generator (`C_GenerateRandom`).
    ///
    /// # Errors
    /// [`HsmFailure`] when the token fails.
    async fn random(&self, n: usize) -> Result<SecretBytes, HsmFailure>;

    /// Generates a token object: an AES-256 key, sensitive and non-extractable, for
    /// encryption and decryption only, labelled `label` with `CKA_ID` `object_id`.
    ///
    /// # Errors
    /// [`HsmKeyError::Unfit`] when the token cannot hold such a key, `Failed` otherwise.
    async fn generate_key(&self, label: &str, object_id: &[u8]) -> Result<(), HsmKeyError>;

    /// AES-GCM encryption inside the token with the key `object_id`: ciphertext and tag.
    ///
    /// # Errors
    /// [`HsmKeyError::NoKey`] when the object is gone, `Failed` otherwise.
    async fn encrypt(
        &self,
        object_id: &[u8],
        iv: [u8; HSM_IV_LEN],
        aad: Vec<u8>,
        plaintext: SecretBytes,
    ) -> Result<Vec<u8>, HsmKeyError>;

    /// AES-GCM decryption inside the token with the key `object_id` of `sealed` (ciphertext
    /// and tag).
    ///
    /// # Errors
    /// [`HsmKeyError::Unauthentic`] when the tag does not verify, `NoKey` when the object is
    /// gone, `Failed` otherwise.
    async fn decrypt(
        &self,
        object_id: &[u8],
        iv: [u8; HSM_IV_LEN],
        aad: Vec<u8>,
        sealed: Vec<u8>,
    ) -> Result<Plaintext, HsmKeyError>;

    /// Destroys the key object `object_id` (`C_DestroyObject`); `false` when there was none.
    ///
    /// # Errors
    /// `Failed` when the token refuses.
    async fn destroy_key(&self, object_id: &[u8]) -> Result<bool, HsmKeyError>;
}

/// No cluster at all: the clusters of a deployment whose configuration names none.
#[derive(Debug, Default)]
pub struct NoClusters;

#[async_trait]
impl HsmClusters for NoClusters {
    fn cluster(&self, _: &str) -> Option<HsmCluster> {
        None
    }

    async fn connect(&self, _: &str, _: &SecretBytes) -> Result<Arc<dyn HsmConnection>, ConnectionErrorCode> {
        Err(ConnectionErrorCode::ClusterNotFound)
    }
}
