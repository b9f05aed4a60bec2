//! The scheduler's work: destroying keys whose deletion window has passed
//! (crypto-shredding: the wrapped material is deleted; a key of a custom key store has its
//! token object destroyed while its store is connected) and rotating keys whose automatic
//! rotation is due, and deleting imported key material whose `ValidTo` has passed. The server calls [`Kms::run_due_work`] on a timer; tests move the clock
//! and call it directly.

use super::{KeyState, Kms, KmsError, RotationType};
use crate::store::StoreError;

/// What one pass of the scheduler did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DueWork {
    /// Keys destroyed.
    pub deleted: usize,
    /// Keys rotated.
    pub rotated: usize,
    /// Keys whose imported material expired (and was deleted).
    pub expired: usize,
}

impl Kms {
    /// Performs all work that is due at the clock's current time.
    ///
    /// # Errors
    /// Storage errors; a failure on one key is logged and does not stop the others.
    pub async fn run_due_work(&self) -> Result<DueWork, KmsError> {
        let now = self.clock.now();
        let mut done = DueWork::default();
        for (scope, id) in self.store.keys_due(now).await? {
            match self.do_due_work(&scope, &id, now).await {
                Ok(Some(Work::Deleted)) => done.deleted += 1,
                Ok(Some(Work::Rotated)) => done.rotated += 1,
                Ok(Some(Work::Expired)) => done.expired += 1,
                Ok(None) => {}
                Err(e) => tracing::warn!(key_id = %id, error = %e, "scheduled work on a key failed; will retry"),
            }
        }
        Ok(done)
    }

    /// The due work of one key. Another pass (another node, or a manual run) may have done it
    /// already; that is not an error.
    async fn do_due_work(
        &self,
        scope: &crate::ids::Scope,
        id: &crate::ids::KeyId,
        now: time::OffsetDateTime,
    ) -> Result<Option<Work>, KmsError> {
        let Some(rec) = self.store.get_key(scope, id).await? else { return Ok(None) };
        if rec.state == KeyState::PendingDeletion && rec.deletion_date.is_some_and(|d| d <= now) {
            // A key of a custom key store: its token object first (a best effort, as AWS's).
            self.destroy_key_in_store(&rec).await;
            let written = self.store.delete_key(scope, id).await;
            // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
            self.cache.invalidate_key(scope, id);
            self.cache.invalidate_aliases(scope);
            match written {
                Ok(()) => {}
                Err(StoreError::NotFound) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
            tracing::info!(key_id = %id, account = %scope.account, region = %scope.region, "key material destroyed");
            if rec.multi_region == Some(super::MultiRegionKeyType::Replica) {
                self.release_primary(&scope.account, id).await?;
            }
            return Ok(Some(Work::Deleted));
        }
        if !super::imported::expired(&rec, now).is_empty() {
            return Ok(self.expire_material(scope, id, now).await?.then_some(Work::Expired));
        }
        if rec.state == KeyState::Enabled
            && rec.rotation.enabled
            && rec.rotation.next_rotation.is_some_and(|n| n <= now)
        {
            return Ok(self.rotate(scope, id, RotationType::Automatic).await?.map(|_| Work::Rotated));
        }
        Ok(None)
    }
}

enum Work {
    Deleted,
    Rotated,
    Expired,
}
