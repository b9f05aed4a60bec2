//! Storage of deployment-wide named values.

use async_trait::async_trait;

use super::StoreError;

/// Small named values that describe the deployment itself (schema version, root-key check).
#[async_trait]
pub trait MetaStore: Send + Sync {
    /// Reads a value.
    async fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Writes a value, replacing any previous one.
    async fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError>;
}
