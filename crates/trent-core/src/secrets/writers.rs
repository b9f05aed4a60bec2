//! One writer of a secret at a time.
//!
//! Every write of a secret is a read-modify-write that the store commits only if the secret's
//! revision is still the one read ([`crate::store::SecretChange::expected_revision`]); a
//! writer that lost the race reads again and tries again. Left at that, many writers of one
//! secret at once (32 `PutSecretValue` calls) each seal a value, lose to one of the others,
//! and try again round after round until some run out of attempts. So on one node the writers
//! of a secret queue on that secret's lock ([`WriteLocks`]) and each read-modify-write runs
//! alone; the revision check then only settles races with other nodes sharing the store,
//! which a writer retries after a growing, jittered pause ([`Retry`]), as the PostgreSQL
//! backend retries a transaction aborted for serialization.
//!
//! A lock is held for one read-modify-write of one secret (with the replica updates it
//! carries), never while another secret's lock is taken, so locks cannot deadlock: an
//! operation that writes two secrets (`StopReplicationToReplica`) takes them one after the
//! other. A rotation holds no lock between its steps; each step's writes take it.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use super::{SecretRecord, Secrets, SecretsError};
use crate::ids::Scope;
use crate::store::StoreError;

/// Attempts of one read-modify-write that other nodes' writes of the secret keep overtaking,
/// before the request fails. The pauses between them add up to a quarter to half a second.
pub(crate) const WRITE_ATTEMPTS: u32 = 10;
/// Locks the map holds before it drops those nobody holds or waits for.
const SWEEP_AT: usize = 1024;

/// A secret's write lock, held by its writers (and, weakly, by [`WriteLocks`]).
type SecretLock = AsyncMutex<()>;

/// This node's write locks, one per secret being written; a lock lives while a writer holds
/// it or waits for it.
#[derive(Default)]
pub(crate) struct WriteLocks {
    locks: Mutex<HashMap<(Scope, String), Weak<SecretLock>>>,
}

/// The write lock of one secret, held.
pub(crate) type WriteGuard = OwnedMutexGuard<()>;

impl WriteLocks {
    /// Waits for the write lock of the secret `name` in `scope`.
    pub(crate) async fn lock(&self, scope: &Scope, name: &str) -> WriteGuard {
        let lock = {
            let mut locks = self.locks.lock();
            let key = (scope.clone(), name.to_owned());
            match locks.get(&key).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    if locks.len() >= SWEEP_AT {
                        locks.retain(|_, l| l.strong_count() > 0);
                    }
                    let lock = Arc::new(SecretLock::new(()));
                    locks.insert(key, Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }

    /// Locks in the map, held, awaited or not yet swept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.locks.lock().len()
    }
}

/// The retries of one read-modify-write that other writers' commits overtook.
#[derive(Default)]
pub(crate) struct Retry {
    lost: u32,
}

impl Retry {
    /// After a lost race: pauses before the next attempt (1 ms doubling to 64 ms, plus up to
    /// as much again at random, so that writers on two nodes do not collide again in step),
    /// or gives up after [`WRITE_ATTEMPTS`].
    ///
    /// # Errors
    /// `Internal` once the attempts are spent.
    pub(crate) async fn lost(&mut self) -> Result<(), SecretsError> {
        self.lost += 1;
        if self.lost >= WRITE_ATTEMPTS {
            tracing::warn!(attempts = WRITE_ATTEMPTS, "a secret write kept losing to other writers");
            return Err(SecretsError::Internal(Box::new(StoreError::Conflict)));
        }
        let base = 1_000_u64 << (self.lost - 1).min(6);
        let jitter = u64::from(uuid::Uuid::new_v4().as_u128() as u32) % base;
        tokio::time::sleep(Duration::from_micros(base + jitter)).await;
        Ok(())
    }
}

impl Secrets {
    /// Waits for this node's write lock of the secret `id` names for `caller`, then reads the
    /// secret again under the lock and authorizes `action` on what it read, once: a policy or
    /// a tag another writer changed while this one waited is the one that decides.
    ///
    /// The secret is found before the lock without being authorized ([`Secrets::named`]), only
    /// to know which lock to take, so a caller without the permission waits for the lock
    /// before it is refused; the answer is the same as when it was refused before the lock.
    /// A writer that loses a race with another node and tries again reads and authorizes
    /// again with [`Secrets::authorized`], still under the lock.
    ///
    /// # Errors
    /// As [`Secrets::authorized`].
    pub(crate) async fn lock_named(
        &self,
        caller: &crate::identity::Caller,
        id: &str,
        action: &str,
    ) -> Result<(WriteGuard, SecretRecord), SecretsError> {
        let named = self.named(caller, id, action).await?;
        let writing = self.writers.lock(&named.scope, &named.name).await;
        let secret = self.authorized(caller, id, action).await?;
        Ok((writing, secret))
    }

    /// Waits for this node's write lock of the secret `name` in `scope`.
    pub(crate) async fn lock_secret(&self, scope: &Scope, name: &str) -> WriteGuard {
        self.writers.lock(scope, name).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::ids::{AccountId, Region};

    fn scope() -> Scope {
        Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writers_of_one_secret_run_one_at_a_time_and_others_in_parallel() {
        let locks = Arc::new(WriteLocks::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let (locks, inside, most) = (locks.clone(), inside.clone(), most.clone());
            tasks.spawn(async move {
                let _held = locks.lock(&scope(), "one").await;
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(1)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);

        let one = locks.lock(&scope(), "one").await;
        let other = tokio::time::timeout(Duration::from_secs(5), locks.lock(&scope(), "other")).await;
        assert!(other.is_ok(), "another secret's lock is not held up");
        drop((one, other));
    }

    #[tokio::test]
    async fn locks_nobody_holds_are_swept() {
        let locks = WriteLocks::default();
        for i in 0..(SWEEP_AT * 2) {
            drop(locks.lock(&scope(), &format!("s{i}")).await);
        }
        assert!(locks.len() <= SWEEP_AT, "{}", locks.len());
    }
}
