//! KMS keys in custom key stores of type `AWS_CLOUDHSM`: their material is an AES-256 key
//! object generated inside the store's token (sensitive, non-extractable), and every
//! encryption and decryption with it runs in the token (AES-GCM, the HSM blob of
//! `docs/ciphertext-format.md`). Trent holds only the object's id ([`HsmKeyRef`]).
//!
//! A key is usable only while its store is connected; otherwise it shows the key state
//! `Unavailable` (unless pending deletion) and cryptographic operations answer
//! `KMSInvalidStateException`, as AWS documents. Its stored state (`Enabled`, `Disabled`) is
//! kept and shows again once the store is connected.

use std::sync::Arc;

use trent_crypto::{
    HSM_IV_LEN, KeyMaterialId, Plaintext, SecretBytes, hsm_blob_aad, hsm_blob_header, parse_hsm_blob, random_array,
};

use super::{ConnectionState, CustomKeyStoreRecord, HsmConnection, HsmKeyError};
use crate::ids::Scope;
use crate::kms::cache::LoadedKey;
use crate::kms::{HsmFault, HsmKeyRef, KeyRecord, KeySpec, KeyState, KeyUsage, Kms, KmsError, Origin, Unsupported};

/// The custom key store a key is in, as `KeyMetadata` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreOfKey {
    /// `CustomKeyStoreId`.
    pub id: String,
    /// `CloudHsmClusterId`: the store's cluster now (`None` if the store is gone).
    pub cluster_id: Option<String>,
}

/// The token object label of a key: its ARN, so an operator finds it (and any orphan) in the
/// token by name.
fn object_label(record: &KeyRecord) -> String {
    record.arn()
}

/// `KMSInvalidStateException` for a key whose store is not connected: `Unavailable`, or the
/// state that refuses the operation anyway (pending deletion).
fn unavailable(record: &KeyRecord) -> KmsError {
    match record.state {
        KeyState::Enabled | KeyState::Disabled => {
            KmsError::InvalidState { key_arn: record.arn(), state: KeyState::Unavailable }
        }
        _ => crate::kms::lifecycle::state_error(record),
    }
}

/// A token failure with a key, as the caller sees it; the details go to the log.
fn hsm_key_error(key_arn: &str, e: HsmKeyError) -> KmsError {
    let fault = match &e {
        HsmKeyError::NoKey => HsmFault::KeyMissing,
        HsmKeyError::Unauthentic => return KmsError::InvalidCiphertext,
        HsmKeyError::Unfit(_) | HsmKeyError::Failed(_) => HsmFault::Failed,
    };
    tracing::warn!(key_arn, error = %e, cause = ?std::error::Error::source(&e), "an HSM operation with a key failed");
    KmsError::HsmKey { key_arn: key_arn.to_owned(), fault }
}

impl Kms {
    /// The store `id` of `scope`, its connection state on this node and, when connected, the
    /// connection.
    async fn store_connection(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<(CustomKeyStoreRecord, ConnectionState, Option<Arc<dyn HsmConnection>>), KmsError> {
        let (cks, record) = self.store_by_id(scope, id).await?;
        let (state, _, conn) = self.connection(cks, &record).await;
        Ok((record, state, conn))
    }

    /// What `CreateKey` with a `CustomKeyStoreId` asks for, checked before the key is made:
    /// an existing store, `Origin` `AWS_CLOUDHSM`, a symmetric encryption key, single-Region
    /// (AWS: "You cannot create any other type of KMS key in a custom key store").
    ///
    /// # Errors
    /// `CustomKeyStoreNotFound`; `Unsupported` for another origin, spec or usage, or a
    /// multi-Region key.
    pub(crate) async fn check_key_in_store(
        &self,
        scope: &Scope,
        store_id: &str,
        origin: Origin,
        spec: KeySpec,
        usage: KeyUsage,
        multi_region: bool,
    ) -> Result<(), KmsError> {
        self.store_by_id(scope, store_id).await?;
        if origin != Origin::AwsCloudhsm {
            return Err(KmsError::Unsupported(Unsupported::StoreKeyOrigin(origin)));
        }
        if spec != KeySpec::SymmetricDefault || usage != KeyUsage::EncryptDecrypt {
            return Err(KmsError::Unsupported(Unsupported::StoreKeySpec { spec, usage }));
        }
        if multi_region {
            return Err(KmsError::Unsupported(Unsupported::StoreKeyMultiRegion));
        }
        Ok(())
    }

    /// `CreateKey` in a custom key store, after the request's checks and authorization: the
    /// store must be connected; the key object is generated in its token under `record`'s id
    /// and ARN, and `record` gains the reference to it.
    ///
    /// # Errors
    /// `CustomKeyStoreNotFound`, `CustomKeyStoreInvalidState` unless connected,
    /// `CloudHsmClusterInvalidConfiguration` when the token cannot hold such a key,
    /// `Internal` when it fails.
    pub(crate) async fn generate_key_in_store(&self, record: &mut KeyRecord, store_id: &str) -> Result<(), KmsError> {
        let (store, state, conn) = self.store_connection(&record.scope, store_id).await?;
        let Some(conn) = conn else {
            return Err(KmsError::CustomKeyStoreInvalidState { id: store.id, state });
        };
        let object_id = record.key_id.as_bytes().to_vec();
        match conn.generate_key(&object_label(record), &object_id).await {
            Ok(()) => {}
            Err(HsmKeyError::Unfit(e)) => {
                tracing::warn!(store = %store.id, cluster = %store.cluster_id, error = %e, "the token cannot make a KMS key");
                return Err(KmsError::CloudHsmClusterInvalidConfiguration { cluster_id: store.cluster_id });
            }
            Err(e) => return Err(KmsError::Internal(Box::new(e))),
        }
        tracing::info!(key_id = %record.key_id, store = %store.id, cluster = %store.cluster_id, "key material generated in the token");
        record.hsm = Some(HsmKeyRef { store_id: store.id, object_id });
        Ok(())
    }

    /// Destroys the token object of a key whose creation failed after it was generated.
    pub(crate) async fn discard_key_in_store(&self, record: &KeyRecord) {
        if let Some(hsm) = &record.hsm
            && let Ok((_, _, Some(conn))) = self.store_connection(&record.scope, &hsm.store_id).await
            && let Err(e) = conn.destroy_key(&hsm.object_id).await
        {
            tracing::warn!(key_id = %record.key_id, store = %hsm.store_id, error = %e, "an unused key object stays in the token");
        }
    }

    /// For a key in a custom key store, the connection of its store, or the refusal AWS gives
    /// while the store is not connected; `None` for every other key (at once, without I/O).
    ///
    /// # Errors
    /// `InvalidState` (`Unavailable`, or the key's own state) while the store is not connected.
    pub(crate) async fn hsm_for_use(&self, record: &KeyRecord) -> Result<Option<Arc<dyn HsmConnection>>, KmsError> {
        let Some(hsm) = &record.hsm else { return Ok(None) };
        match self.store_connection(&record.scope, &hsm.store_id).await {
            Ok((_, _, Some(conn))) => Ok(Some(conn)),
            Ok((_, _, None)) | Err(KmsError::CustomKeyStoreNotFound(_)) => Err(unavailable(record)),
            Err(e) => Err(e),
        }
    }

    /// Encrypts `plaintext` inside the token under a key of a custom key store: the HSM blob
    /// (the header and the context its AAD, as the derived blob binds them).
    ///
    /// # Errors
    /// `Validation` for an unencodable context; `HsmKey` when the token fails.
    pub(crate) async fn hsm_seal(
        &self,
        key: &LoadedKey,
        conn: &Arc<dyn HsmConnection>,
        ctx: &trent_crypto::EncryptionContext,
        plaintext: &[u8],
    ) -> Result<(Vec<u8>, KeyMaterialId), KmsError> {
        let hsm =
            key.record.hsm.as_ref().ok_or_else(|| KmsError::Internal("not a key of a custom key store".into()))?;
        let material_id = hsm.material_id();
        let iv = random_array::<HSM_IV_LEN>()?;
        let header = hsm_blob_header(key.record.scope.account.as_u64(), key.record.key_id.as_bytes(), material_id, &iv);
        let aad = hsm_blob_aad(&header, ctx).map_err(crate::kms::crypto::context_error)?;
        let sealed = conn
            .encrypt(&hsm.object_id, iv, aad, SecretBytes::from_slice(plaintext))
            .await
            .map_err(|e| hsm_key_error(&key.arn, e))?;
        let mut blob = Vec::with_capacity(header.len() + sealed.len());
        blob.extend_from_slice(&header);
        blob.extend_from_slice(&sealed);
        Ok((blob, material_id))
    }

    /// Opens an HSM blob inside the token of the key's store.
    ///
    /// # Errors
    /// `InvalidCiphertext` for a blob that is not this key's HSM blob or does not
    /// authenticate (another context, an altered byte); `HsmKey` when the token fails.
    pub(crate) async fn hsm_open(
        &self,
        key: &LoadedKey,
        conn: &Arc<dyn HsmConnection>,
        ctx: &trent_crypto::EncryptionContext,
        blob: &[u8],
    ) -> Result<Plaintext, KmsError> {
        let hsm = key.record.hsm.as_ref().ok_or(KmsError::InvalidCiphertext)?;
        let parsed = parse_hsm_blob(blob).map_err(|_| KmsError::InvalidCiphertext)?;
        if parsed.header.material_id != hsm.material_id() {
            return Err(KmsError::InvalidCiphertext);
        }
        let aad = hsm_blob_aad(parsed.header_bytes, ctx).map_err(|_| KmsError::InvalidCiphertext)?;
        conn.decrypt(&hsm.object_id, parsed.iv, aad, parsed.sealed.to_vec())
            .await
            .map_err(|e| hsm_key_error(&key.arn, e))
    }

    /// What `DescribeKey` shows of a key in a custom key store: its store and cluster, and the
    /// key state `Unavailable` in place of `Enabled` or `Disabled` while the store is not
    /// connected. `None` (and `record` unchanged) for every other key.
    ///
    /// # Errors
    /// Storage errors.
    pub(crate) async fn store_view(&self, record: &mut KeyRecord) -> Result<Option<StoreOfKey>, KmsError> {
        let Some(hsm) = &record.hsm else { return Ok(None) };
        let (cluster_id, state) = match self.store_connection(&record.scope, &hsm.store_id).await {
            Ok((store, state, _)) => (Some(store.cluster_id), state),
            Err(KmsError::CustomKeyStoreNotFound(_)) => (None, ConnectionState::Disconnected),
            Err(e) => return Err(e),
        };
        let view = StoreOfKey { id: hsm.store_id.clone(), cluster_id };
        if state != ConnectionState::Connected && matches!(record.state, KeyState::Enabled | KeyState::Disabled) {
            record.state = KeyState::Unavailable;
        }
        Ok(Some(view))
    }

    /// The scheduler's destruction of a key in a custom key store: a best effort to destroy
    /// its token object before the key is deleted. While the store is not connected (or the
    /// token fails) the key is deleted all the same and its object stays in the token,
    /// orphaned, as AWS documents; the log names it for an operator to delete.
    pub(crate) async fn destroy_key_in_store(&self, record: &KeyRecord) {
        let Some(hsm) = &record.hsm else { return };
        let object = hsm.object_id.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let orphaned = |why: &dyn std::fmt::Display| {
            tracing::warn!(key_id = %record.key_id, store = %hsm.store_id, object_id = %object, label = %object_label(record),
                reason = %why, "key deleted; its key material is orphaned in the token, delete it there");
        };
        match self.store_connection(&record.scope, &hsm.store_id).await {
            Ok((_, _, Some(conn))) => match conn.destroy_key(&hsm.object_id).await {
                Ok(true) => {
                    tracing::info!(key_id = %record.key_id, store = %hsm.store_id, "key material destroyed in the token")
                }
                Ok(false) => tracing::warn!(key_id = %record.key_id, store = %hsm.store_id, object_id = %object,
                    "the token had no key object for the deleted key"),
                Err(e) => orphaned(&e),
            },
            Ok((_, state, None)) => orphaned(&format!("the custom key store is {}", state.as_str())),
            Err(e) => orphaned(&e),
        }
    }
}
