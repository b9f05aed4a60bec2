//! Whether the database is known to be unreachable, so that a node whose database went away
//! answers at once instead of making every call wait for the pool's acquire timeout.
//!
//! The state turns *down* when getting a connection, a statement or a commit fails with a
//! connection-class error ([`is_connection_error`]: the socket failed, the pool could not
//! connect in time, PostgreSQL refused or ended the session), or when a call outlives the
//! client-side time limit ([`CallTimedOut`]: a network partition black-holes packets, so the
//! server's own `statement_timeout` can never answer). While it is down, every call of the
//! store fails at once with [`StoreError::Unavailable`] ([`DatabaseDown`]), which callers
//! answer as they answer any unreachable database (a 5xx). A background probe, started when the
//! state turns down, tries the database every [`PROBE_INTERVAL`] and turns the state *up* again
//! at its first success: a node recovers by itself, with no restart. A false alarm (one session
//! killed while the database is fine) costs calls one probe interval of refusals.
//!
//! Connections opened before the state last turned down are never used again (the pool's
//! `before_acquire` and `after_release` hooks close them): after a partition the sessions
//! behind them may be dead without either side knowing, and a ping on one would hang.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgPool};
use trent_core::StoreError;

use super::checkout::Checkout;
use super::map_err;

/// How often the probe tries a database that is down.
pub(crate) const PROBE_INTERVAL: Duration = Duration::from_millis(100);
/// How long one probe may take before it counts as a failure.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// How long a pooled connection may take to answer the ping that checks it before a call
/// uses it; one that does not is closed and another one used.
const PING_TIMEOUT: Duration = Duration::from_secs(1);

/// Why a call failed without trying the database.
#[derive(Debug, thiserror::Error)]
#[error("the database is unreachable (a recent connection or commit failed; a background probe retries it)")]
pub struct DatabaseDown;

/// Why a call was abandoned: it did not finish within the client-side time limit
/// (`PgSettings::call_timeout`), so the database (or the network to it) is taken to be down.
/// A write abandoned this way may or may not have committed (never in part: every write is one
/// statement or one transaction).
#[derive(Debug, thiserror::Error)]
#[error("the call to the database did not finish within {limit:?}; its connection was closed")]
pub struct CallTimedOut {
    /// The time limit it outlived.
    pub limit: Duration,
}

/// The database's state as this process last saw it, shared by a store and its audit trail.
#[derive(Debug)]
pub(crate) struct Health {
    /// Set by a connection-class failure or a call that timed out, cleared by the probe.
    down: AtomicBool,
    /// The client-side time limit of one call (a statement on its own, or a transaction with
    /// its retries).
    limit: Duration,
    /// Calls abandoned at `limit` since the store was opened.
    timeouts: AtomicU64,
    /// The reference point of `last_down`.
    origin: Instant,
    /// When (nanoseconds after `origin`) the state last turned down: connections opened
    /// before are never used again. Zero: never.
    last_down: AtomicU64,
}

impl Health {
    /// An up state, with `limit` for each call.
    pub(crate) fn new(limit: Duration) -> Self {
        Self {
            down: AtomicBool::new(false),
            limit,
            timeouts: AtomicU64::new(0),
            origin: Instant::now(),
            last_down: AtomicU64::new(0),
        }
    }

    /// The client-side time limit of one call.
    pub(crate) fn limit(&self) -> Duration {
        self.limit
    }

    /// Calls abandoned at the time limit so far.
    pub(crate) fn timeouts(&self) -> u64 {
        self.timeouts.load(Ordering::Relaxed)
    }

    /// Whether a connection `age` old was opened before the state last turned down.
    fn stale(&self, age: Duration) -> bool {
        let last_down = self.last_down.load(Ordering::Acquire);
        if last_down == 0 {
            return false;
        }
        let opened = self.origin.elapsed().saturating_sub(age);
        opened.as_nanos() <= u128::from(last_down)
    }

    /// Notes a call abandoned at the time limit: the state turns down (its connection is
    /// closed by the caller); returns why the call fails.
    pub(crate) fn timed_out(self: &Arc<Self>, pool: &PgPool) -> CallTimedOut {
        self.timeouts.fetch_add(1, Ordering::Relaxed);
        let error = CallTimedOut { limit: self.limit };
        self.turn_down(pool, &error);
        error
    }
    /// `Err` at once while the database is known to be down.
    pub(crate) fn gate(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::Acquire) {
            return Err(StoreError::Unavailable(Box::new(DatabaseDown)));
        }
        Ok(())
    }

    /// Whether the database is known to be down now.
    pub(crate) fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    /// Notes the outcome of a call that failed with `error`: a connection-class failure turns
    /// the state down and starts the probe that will turn it up again.
    pub(crate) fn observe(self: &Arc<Self>, pool: &PgPool, error: &StoreError) {
        let StoreError::Unavailable(source) = error else { return };
        if let Some(e) = source.downcast_ref::<sqlx::Error>() {
            self.observe_sqlx(pool, e);
        }
    }

    /// Notes `e`, the failure of a statement: a connection-class failure turns the state down.
    pub(crate) fn observe_sqlx(self: &Arc<Self>, pool: &PgPool, e: &sqlx::Error) {
        if is_connection_error(e) {
            self.turn_down(pool, e);
        }
    }

    /// Turns the state down for `reason`, and starts the probe that will turn it up again.
    fn turn_down(self: &Arc<Self>, pool: &PgPool, reason: &dyn std::fmt::Display) {
        if self.down.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_err() {
            return; // already down: its probe is running
        }
        let now = u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX).max(1);
        self.last_down.store(now, Ordering::Release);
        tracing::error!(error = %reason, "the database is unreachable; answering errors at once until a probe reaches it");
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.down.store(false, Ordering::Release); // nothing could clear it
            return;
        };
        runtime.spawn(probe(self.clone(), pool.clone()));
    }
}

/// The pool's options for `health`: connections opened before the state last turned down are
/// closed instead of used or given back, and a connection taken from the pool is checked with a
/// ping that may take [`PING_TIMEOUT`] at most (`sqlx`'s own check has no limit, and would hang
/// on a connection whose packets are black-holed).
///
/// A connection given back is pinged too, with the same limit, and closed if it does not
/// answer: `sqlx` pings every connection given back before it is idle again, with no limit,
/// and holds its slot of the pool meanwhile, so a connection given back just as a partition
/// begins would keep its slot until TCP gave it up (minutes to hours). `sqlx`'s own ping still
/// follows a successful one of ours; only a partition that begins between the two (one round
/// trip) can hold a slot that way.
pub(crate) fn pool_options(health: &Arc<Health>) -> PgPoolOptions {
    let (before, after) = (health.clone(), health.clone());
    PgPoolOptions::new()
        .test_before_acquire(false)
        .before_acquire(move |conn, meta| {
            let health = before.clone();
            Box::pin(async move {
                if health.stale(meta.age) {
                    return Ok(false);
                }
                Ok(matches!(tokio::time::timeout(PING_TIMEOUT, conn.ping()).await, Ok(Ok(()))))
            })
        })
        .after_release(move |conn, meta| {
            let health = after.clone();
            Box::pin(async move {
                if health.is_down() || health.stale(meta.age) {
                    return Ok(false);
                }
                Ok(matches!(tokio::time::timeout(PING_TIMEOUT, conn.ping()).await, Ok(Ok(()))))
            })
        })
}

/// A connection of `pool` for one call, with [`Health::limit`] from now; or an error at once
/// while `health` says the database is down. A failure to connect is noted.
pub(crate) async fn conn(pool: &PgPool, health: &Arc<Health>) -> Result<Checkout, StoreError> {
    conn_until(pool, health, tokio::time::Instant::now() + health.limit).await
}

/// A connection of `pool` for a call that must end by `deadline` (see [`conn`]).
pub(crate) async fn conn_until(
    pool: &PgPool,
    health: &Arc<Health>,
    deadline: tokio::time::Instant,
) -> Result<Checkout, StoreError> {
    health.gate()?;
    match tokio::time::timeout_at(deadline, pool.acquire()).await {
        Ok(Ok(conn)) => Ok(Checkout::new(conn, deadline, pool.clone(), health.clone())),
        Ok(Err(e)) => Err(noted(pool, health, map_err(e))),
        Err(_) => Err(StoreError::Unavailable(Box::new(health.timed_out(pool)))),
    }
}

/// `error`, after noting it in `health`.
pub(crate) fn noted(pool: &PgPool, health: &Arc<Health>, error: StoreError) -> StoreError {
    health.observe(pool, &error);
    error
}

/// Tries the database until it answers, then turns the state up.
async fn probe(health: Arc<Health>, pool: PgPool) {
    loop {
        tokio::time::sleep(PROBE_INTERVAL).await;
        if pool.is_closed() {
            return; // the store was closed: nobody will call it again
        }
        let answered = tokio::time::timeout(PROBE_TIMEOUT, sqlx::query("SELECT 1").execute(&pool)).await;
        if matches!(answered, Ok(Ok(_))) {
            health.down.store(false, Ordering::Release);
            tracing::info!("the database answers again");
            return;
        }
    }
}

/// Whether `e` says the database could not be reached (as opposed to a statement it refused):
/// an I/O or TLS failure, the pool's connect timeout, or a SQLSTATE of class 08 (connection
/// exception) or an operator intervention that ends sessions (57P01 `admin_shutdown`, 57P02
/// `crash_shutdown`, 57P03 `cannot_connect_now`).
pub(crate) fn is_connection_error(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            db.code().is_some_and(|code| code.starts_with("08") || ["57P01", "57P02", "57P03"].contains(&code.as_ref()))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_failures_are_told_from_refused_statements() {
        let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(is_connection_error(&io));
        assert!(is_connection_error(&sqlx::Error::PoolTimedOut));
        assert!(!is_connection_error(&sqlx::Error::RowNotFound));
        assert!(!is_connection_error(&sqlx::Error::PoolClosed), "a store closed on purpose is not an outage");
    }

    #[tokio::test]
    async fn a_connection_failure_turns_the_state_down_and_the_gate_refuses_at_once() {
        // A pool that never connects: its probe never succeeds.
        let pool = sqlx::postgres::PgPoolOptions::new()
            .acquire_timeout(Duration::from_millis(50))
            .connect_lazy("postgres://nobody@127.0.0.1:1/none")
            .expect("lazy pool");
        let health = Arc::new(Health::new(Duration::from_secs(1)));
        assert!(health.gate().is_ok());
        health.observe(&pool, &StoreError::Unavailable(Box::new(sqlx::Error::RowNotFound)));
        assert!(!health.is_down(), "a statement's own failure is not an outage");
        health.observe(&pool, &StoreError::Unavailable(Box::new(sqlx::Error::PoolTimedOut)));
        assert!(health.is_down());
        let refused = health.gate().expect_err("refused at once");
        assert!(matches!(refused, StoreError::Unavailable(ref s) if s.downcast_ref::<DatabaseDown>().is_some()));
        tokio::time::sleep(PROBE_INTERVAL * 3).await;
        assert!(health.is_down(), "still down while the probe cannot connect");
        pool.close().await;
    }
}
