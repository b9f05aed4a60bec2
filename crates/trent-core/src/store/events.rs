//! The event outbox: events written by the stores' own transactions (a parameter's change
//! and its event commit together, or neither does), read back in commit order by the
//! delivery worker, marked delivered per sink, and removed once every sink has them and
//! they are older than the retention.

use async_trait::async_trait;
use time::OffsetDateTime;

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

    /// Events not yet marked delivered to `sink`, oldest position first, at most `limit`.
    /// An event whose transaction committed after a later position was read (PostgreSQL
    /// numbers events at insert) is still found by a later call: nothing is skipped.
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
