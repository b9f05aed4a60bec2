//! Writing one planned [`Batch`] of the filler so that contention does not fail the fill (issue
//! 13): several fillers on one PostgreSQL abort each other's `SERIALIZABLE` transactions, and a
//! transaction of 10,000 secrets retried inside the store (`transaction!`) could keep failing
//! until the call's time limit. A batch that fails that way
//! ([`trent_store::aborted_transaction`]) is split in halves, each written on its own (and
//! split again if it fails the same way), down to [`FLOOR`] items; every other failure is
//! returned at once, and stops the fill.
//!
//! Splitting writes nothing twice and loses nothing: a batch is one transaction, written whole
//! or not at all, and its halves hold the same planned items (the same key ids, secret and
//! parameter names), in the same order. The one doubt is a batch cut at the call's time limit
//! after its `COMMIT` was sent, which may have committed: its halves then fail with
//! `AlreadyExists`, which stops the fill, and nothing is written twice.
//!
//! The store takes a database whose call timed out to be down, and refuses every call at once
//! ([`DatabaseDown`]) until its probe reaches the database again (within 100 ms when it
//! answers): a write refused that way wrote nothing, and is tried again for up to
//! [`DOWN_WAIT`] before its refusal stops the fill.

use std::time::Duration;

use tokio::time::Instant;
use trent_core::StoreError;
use trent_core::store::{Batch, BatchStore};
use trent_store::DatabaseDown;

/// The fewest items a failing batch is split into: a batch of this many that fails is the
/// fill's failure.
const FLOOR: usize = 1;
/// How long a write waits for a database the store refuses to call ([`DatabaseDown`]).
pub(super) const DOWN_WAIT: Duration = Duration::from_secs(30);
/// How often a write refused with [`DatabaseDown`] is tried again.
const DOWN_POLL: Duration = Duration::from_millis(100);

/// Writes `batch` (items of the kind `label` names) through `store`, splitting it in halves
/// while it fails with an aborted transaction; one line on standard error per split, with
/// counts only. A write refused with [`DatabaseDown`] is tried again for `down_wait`
/// ([`DOWN_WAIT`]) at most.
///
/// # Errors
/// The first failure that is not an aborted transaction, or the failure of a batch of
/// [`FLOOR`] items.
pub(super) async fn write(
    store: &dyn BatchStore,
    batch: Batch,
    label: &str,
    down_wait: Duration,
) -> Result<(), StoreError> {
    // Batches still to write, the next one last.
    let mut pending = vec![batch];
    while let Some(mut batch) = pending.pop() {
        let Err(e) = apply(store, &batch, down_wait).await else { continue };
        let n = batch.len();
        let Some(why) = trent_store::aborted_transaction(&e).filter(|_| n > FLOOR) else { return Err(e) };
        let second = batch.split_off(n / 2);
        eprintln!("a batch of {n} {label} was {}: writing it as {} and {}", why.label(), batch.len(), second.len());
        pending.push(second);
        pending.push(batch);
    }
    Ok(())
}

/// Applies `batch` once, or again while the store refuses with [`DatabaseDown`] (which wrote
/// nothing), for `down_wait` at most.
async fn apply(store: &dyn BatchStore, batch: &Batch, down_wait: Duration) -> Result<(), StoreError> {
    let until = Instant::now() + down_wait;
    loop {
        match store.apply_batch(batch).await {
            Err(StoreError::Unavailable(source)) if source.is::<DatabaseDown>() && Instant::now() < until => {
                tokio::time::sleep(DOWN_POLL).await;
            }
            written => return written,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    use async_trait::async_trait;
    use time::OffsetDateTime;
    use trent_core::kms::Alias;
    use trent_core::{AccountId, KeyId, Region, Scope};
    use trent_store::CallTimedOut;

    use super::*;

    /// A store that writes (into a set of names) batches of at most `most` items, and
    /// fails larger ones as a transaction PostgreSQL aborted or the call's time limit cut; it
    /// refuses a name written before, as the schema's unique keys do.
    struct Contended {
        most: usize,
        /// The error of a batch too large.
        failure: fn() -> StoreError,
        /// After each failure, the calls refused with [`DatabaseDown`] (as a store whose call
        /// timed out refuses until its probe reaches the database).
        down_after_failure: usize,
        state: Mutex<State>,
    }

    #[derive(Default)]
    struct State {
        written: BTreeSet<String>,
        /// The size of every batch applied, written or not.
        calls: Vec<usize>,
        down: usize,
    }

    #[async_trait]
    impl BatchStore for Contended {
        async fn apply_batch(&self, batch: &Batch) -> Result<(), StoreError> {
            let mut state = self.state.lock().expect("state");
            state.calls.push(batch.len());
            if state.down > 0 {
                state.down -= 1;
                return Err(StoreError::Unavailable(Box::new(DatabaseDown)));
            }
            if batch.len() > self.most {
                state.down = self.down_after_failure;
                return Err((self.failure)());
            }
            let names: Vec<String> = batch.aliases.iter().map(|(_, a)| a.name.clone()).collect();
            if names.iter().any(|name| state.written.contains(name)) {
                return Err(StoreError::AlreadyExists);
            }
            state.written.extend(names);
            Ok(())
        }
    }

    fn contended(most: usize, failure: fn() -> StoreError) -> Contended {
        Contended { most, failure, down_after_failure: 0, state: Mutex::new(State::default()) }
    }

    fn timed_out() -> StoreError {
        StoreError::Unavailable(Box::new(CallTimedOut { limit: Duration::from_secs(600) }))
    }

    /// `n` new aliases named `/p/0`... (the split is the same for every kind of item).
    fn items(n: usize) -> Batch {
        let scope =
            Scope::new(AccountId::parse("111122223333").expect("id"), Region::parse("us-east-1").expect("region"));
        let now = OffsetDateTime::UNIX_EPOCH;
        let alias =
            |i: usize| Alias { name: format!("/p/{i}"), target: KeyId::new_random(), created_at: now, updated_at: now };
        Batch { aliases: (0..n).map(|i| (scope.clone(), alias(i))).collect(), ..Batch::default() }
    }

    fn written(store: &Contended) -> BTreeSet<String> {
        store.state.lock().expect("state").written.clone()
    }

    #[tokio::test]
    async fn a_batch_cut_at_the_time_limit_is_written_in_halves_each_item_once() {
        // Regression (issue 13): one filler's 10,000-item transaction, retried until the call's
        // time limit, failed the fill with "storage unavailable".
        let store = Contended { down_after_failure: 3, ..contended(3, timed_out) };
        write(&store, items(10), "items", DOWN_WAIT).await.expect("written in smaller batches");
        let all: BTreeSet<String> = (0..10).map(|i| format!("/p/{i}")).collect();
        assert_eq!(written(&store), all, "every item, each once (a second write is refused)");
        // 10 fails; its first half of 5 fails; 2 and 3 are written; the same for the second
        // half of 5. Each failure is followed by 3 refusals while the database is "down", each
        // a call that wrote nothing, tried again.
        let calls = store.state.lock().expect("state").calls.clone();
        assert_eq!(calls, [10, 5, 5, 5, 5, 2, 2, 2, 2, 3, 5, 2, 2, 2, 2, 3]);
    }

    #[tokio::test]
    async fn a_batch_aborted_down_to_one_item_fails_with_the_stores_error() {
        let store = contended(0, timed_out);
        let e = write(&store, items(4), "items", DOWN_WAIT).await.expect_err("nothing can be written");
        assert!(trent_store::aborted_transaction(&e).is_some(), "the store's own error: {e}");
        assert!(written(&store).is_empty());
        assert_eq!(store.state.lock().expect("state").calls, [4, 2, 1], "down to one item, then stops");
    }

    #[tokio::test]
    async fn a_failure_that_is_not_an_aborted_transaction_stops_at_once() {
        let store = contended(3, || StoreError::Conflict);
        let e = write(&store, items(10), "items", DOWN_WAIT).await.expect_err("not split");
        assert!(matches!(e, StoreError::Conflict), "{e}");
        assert_eq!(store.state.lock().expect("state").calls, [10]);
        // A name that exists fails its half, and nothing after it is written.
        let store = contended(3, timed_out);
        store.state.lock().expect("state").written.insert("/p/1".to_owned());
        let e = write(&store, items(10), "items", DOWN_WAIT).await.expect_err("a name exists");
        assert!(matches!(e, StoreError::AlreadyExists), "{e}");
        assert_eq!(written(&store), BTreeSet::from(["/p/1".to_owned()]));
    }

    #[tokio::test]
    async fn a_database_down_for_good_stops_the_write() {
        let store = Contended { down_after_failure: usize::MAX, ..contended(3, timed_out) };
        let e = write(&store, items(4), "items", DOWN_POLL * 3).await.expect_err("down for good");
        assert!(matches!(e, StoreError::Unavailable(ref s) if s.is::<DatabaseDown>()), "{e}");
        assert!(written(&store).is_empty());
    }
}
