//! The event outbox: events written by the stores' own transactions (a parameter's change
//! and its event commit together, or neither does), read back in commit order by the
//! delivery worker, marked delivered per sink, and removed once every sink has them and
//! they are older than the retention.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::events::{OutboxCursor, QueuedEvent};

/// The outbox of events awaiting delivery. Writing happens inside the other stores'
/// transactions (for example [`super::ParamStore::put_version`]); this trait reads and
/// trims it.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Events after `after` ([`OutboxCursor::START`]: from the start) in reading order, at
    /// most `limit`; pass the last one's [`QueuedEvent::position`] to read on. A follower
    /// never misses an event nor sees one out of order: an event whose transaction has not
    /// finished holds back every event that would come after it (on PostgreSQL, every event
    /// of a transaction that began after it took its id), so an event committed late is never
    /// before a place already passed.
    async fn events_after(&self, after: OutboxCursor, limit: u32) -> Result<Vec<QueuedEvent>, StoreError>;

    /// Removes every event at or before `through` in reading order, with its delivery marks.
    async fn remove_events_through(&self, through: OutboxCursor) -> Result<(), StoreError>;

    /// Events not yet marked delivered to `sink`, in the reading order of
    /// [`EventStore::events_after`], at most `limit`. Nothing is skipped: an event held back
    /// because an older transaction was still in progress is found by a later call.
    async fn undelivered(&self, sink: &str, limit: u32) -> Result<Vec<QueuedEvent>, StoreError>;

    /// How many events `sink` has not been marked as having: its outbox depth.
    async fn undelivered_count(&self, sink: &str) -> Result<u64, StoreError>;

    /// Records that `sink` acknowledged the events at positions `seqs` at `at`. Marking an
    /// event twice is not an error.
    async fn mark_delivered(&self, sink: &str, seqs: &[u64], at: OffsetDateTime) -> Result<(), StoreError>;

    /// Removes the events older than `before` that every sink of `sinks` has (all of them
    /// when `sinks` is empty: nothing waits for them), with their delivery marks, and the
    /// marks of sinks no longer configured. Returns how many events went.
    async fn trim_delivered(&self, sinks: &[String], before: OffsetDateTime) -> Result<u64, StoreError>;
}
