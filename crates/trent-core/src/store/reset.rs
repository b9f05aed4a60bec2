//! Emptying a store: the development server's reset (`POST /_trent/reset`).

use async_trait::async_trait;

use super::StoreError;

/// A store that can be emptied at once.
#[async_trait]
pub trait ResetStore: Send + Sync {
    /// Removes every account, access key, IAM entity, session, KMS key (with its backing keys),
    /// alias, tag and grant in one transaction, keeping only the deployment's own meta values
    /// (such as the root-key check). Either everything is removed or nothing is.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the transaction fails.
    async fn wipe(&self) -> Result<(), StoreError>;
}
