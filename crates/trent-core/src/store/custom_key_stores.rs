//! Storage of custom key stores (`CreateCustomKeyStore` and its siblings).

use async_trait::async_trait;

use super::StoreError;
use crate::ids::Scope;
use crate::kms::CustomKeyStoreRecord;

/// The custom key stores of every scope. A scope holds at most
/// [`crate::kms::MAX_CUSTOM_KEY_STORES`] of them, so a scope's stores are read whole.
#[async_trait]
pub trait CustomKeyStoreStore: Send + Sync {
    /// Stores a new custom key store.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] if its id, its name or its cluster is taken in its scope.
    async fn insert_custom_key_store(&self, store: &CustomKeyStoreRecord) -> Result<(), StoreError>;

    /// Every custom key store of a scope, ordered by id.
    async fn custom_key_stores(&self, scope: &Scope) -> Result<Vec<CustomKeyStoreRecord>, StoreError>;

    /// Replaces a custom key store's name, cluster, password and connection intent if its stored
    /// revision is `expected_revision`; `store.revision` must be the new revision.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if it is gone, [`StoreError::Conflict`] if the revision moved,
    /// [`StoreError::AlreadyExists`] if the new name or cluster is taken in its scope.
    async fn update_custom_key_store(
        &self,
        store: &CustomKeyStoreRecord,
        expected_revision: u64,
    ) -> Result<(), StoreError>;

    /// How many KMS keys (in any state) are in the custom key store `id` of `scope`.
    async fn custom_key_store_key_count(&self, scope: &Scope, id: &str) -> Result<u64, StoreError>;

    /// Removes a custom key store.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is none of that id in the scope.
    async fn delete_custom_key_store(&self, scope: &Scope, id: &str) -> Result<(), StoreError>;
}
