//! The event outbox: events written by the stores' own transactions (a parameter's change
//! and its event commit together, or neither does), read back in commit order by the
//! delivery worker and removed once every sink has them.

use async_trait::async_trait;

use super::StoreError;
use crate::events::QueuedEvent;

/// The outbox of events awaiting delivery. Writing happens inside the other stores'
/// transactions (for example [`super::ParamStore::put_version`]); this trait reads and
/// trims it.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Events after position `after` (0: from the start), oldest first, at most `limit`.
    async fn events_after(&self, after: u64, limit: u32) -> Result<Vec<QueuedEvent>, StoreError>;

    /// Removes every event at or before position `through`, once all sinks have them.
    async fn remove_events_through(&self, through: u64) -> Result<(), StoreError>;
}
