//! What keeps an in-memory cache coherent with the store and with the other nodes, shared by
//! the KMS key cache, the secret cache, the parameter cache and the credential cache.
//!
//! Each cache writes the store first and drops the entries the write changed afterwards,
//! whether the write succeeded or not (a failed write may still have committed if only its
//! acknowledgement was lost). A load that raced with a write could otherwise insert a stale
//! entry after the drop: the [`Epoch`] prevents it. A load reads [`Coherence::epoch`] before
//! reading the store and inserts only if [`Coherence::unchanged_since`] holds under the
//! cache's write lock; a drop calls [`Coherence::advance`] under the same lock. Either the
//! stale insert happens first and is dropped, or it happens after and is refused.
//!
//! Every local drop is also handed to the cache's [`InvalidationSink`] (see
//! [`crate::invalidation`]) for the other nodes; what they publish arrives through each
//! cache's `apply_remote`, which drops without publishing. The hit and miss counters feed the
//! caches' metrics. This module knows nothing of what a cache holds.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::RwLock;

use crate::invalidation::{Invalidation, InvalidationSink};

/// A counter moved by every drop of a cache's entries: a load that read the store before a
/// drop may not insert what it read.
#[derive(Debug, Default)]
pub(crate) struct Epoch(AtomicU64);

impl Epoch {
    /// The epoch to record before a load reads the store.
    pub(crate) fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Whether no drop happened since `epoch` was recorded; ask with the cache's write lock
    /// held.
    pub(crate) fn unchanged_since(&self, epoch: u64) -> bool {
        self.current() == epoch
    }

    /// Records a drop; call with the cache's write lock held.
    pub(crate) fn advance(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

/// One cache's epoch, invalidation sink and lookup counters.
#[derive(Default)]
pub(crate) struct Coherence {
    epoch: Epoch,
    /// Where invalidations go for the other nodes; `None` on a node of its own.
    sink: RwLock<Option<Arc<dyn InvalidationSink>>>,
    /// Lookups answered from memory, and those that were not.
    hits: AtomicU64,
    misses: AtomicU64,
}

impl std::fmt::Debug for Coherence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coherence").field("epoch", &self.epoch).field("stats", &self.stats()).finish_non_exhaustive()
    }
}

impl Coherence {
    /// The epoch to pass back to [`Coherence::unchanged_since`] for a load that starts now.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.current()
    }

    /// Whether no drop happened since `epoch`; ask with the cache's write lock held.
    pub(crate) fn unchanged_since(&self, epoch: u64) -> bool {
        self.epoch.unchanged_since(epoch)
    }

    /// Records a drop; call with the cache's write lock held, whatever the drop removes.
    pub(crate) fn advance(&self) {
        self.epoch.advance();
    }

    /// Sends every later invalidation to `sink` too.
    pub(crate) fn set_sink(&self, sink: Arc<dyn InvalidationSink>) {
        *self.sink.write() = Some(sink);
    }

    /// Hands a local drop to the other nodes, if there is a sink; `change` is only built
    /// then.
    pub(crate) fn publish(&self, change: impl FnOnce() -> Invalidation) {
        let sink = self.sink.read().clone();
        if let Some(sink) = sink {
            sink.publish(change());
        }
    }

    /// Counts a lookup as a hit or a miss, and returns what it found.
    pub(crate) fn count<T>(&self, found: Option<T>) -> Option<T> {
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Lookups so far: (hits, misses).
    pub(crate) fn stats(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use parking_lot::Mutex;

    use super::*;
    use crate::ids::{AccountId, Region, Scope};

    #[derive(Debug, Default)]
    struct Recorder(Mutex<Vec<Invalidation>>);

    impl InvalidationSink for Recorder {
        fn publish(&self, change: Invalidation) {
            self.0.lock().push(change);
        }
    }

    #[test]
    fn an_epoch_recorded_before_a_drop_is_stale_after_it() {
        let c = Coherence::default();
        let before = c.epoch();
        assert!(c.unchanged_since(before));
        c.advance();
        assert!(!c.unchanged_since(before));
        assert!(c.unchanged_since(c.epoch()));
    }

    #[test]
    fn drops_reach_the_sink_once_one_is_set() {
        let c = Coherence::default();
        let scope = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap());
        let change = || Invalidation::Secret(scope.clone(), "s".into());
        c.publish(change);
        let recorder = Arc::new(Recorder::default());
        c.set_sink(recorder.clone());
        c.publish(change);
        assert_eq!(recorder.0.lock().len(), 1);
    }

    #[test]
    fn lookups_are_counted_as_hits_and_misses() {
        let c = Coherence::default();
        assert_eq!(c.count(Some(1)), Some(1));
        assert_eq!(c.count(None::<u8>), None);
        assert_eq!(c.count(Some(2)), Some(2));
        assert_eq!(c.stats(), (2, 1));
    }
}
