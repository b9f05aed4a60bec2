//! Whether the database is known to be unreachable, so that a node whose database went away
//! answers at once instead of making every call wait for the pool's acquire timeout.
//!
//! The state turns *down* when getting a connection, or committing, fails with a
//! connection-class error ([`is_connection_error`]: the socket failed, the pool could not
//! connect in time, PostgreSQL refused or ended the session). While it is down, every call of
//! the store fails at once with [`StoreError::Unavailable`] ([`DatabaseDown`]), which callers
//! answer as they answer any unreachable database (a 5xx). A background probe, started when the
//! state turns down, tries the database every [`PROBE_INTERVAL`] and turns the state *up* again
//! at its first success: a node recovers by itself, with no restart. A false alarm (one session
//! killed while the database is fine) costs calls one probe interval of refusals.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres, Transaction};
use trent_core::StoreError;

use super::map_err;

/// How often the probe tries a database that is down.
pub(crate) const PROBE_INTERVAL: Duration = Duration::from_millis(100);
/// How long one probe may take before it counts as a failure.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// Why a call failed without trying the database.
#[derive(Debug, thiserror::Error)]
#[error("the database is unreachable (a recent connection or commit failed; a background probe retries it)")]
pub struct DatabaseDown;

/// The database's state as this process last saw it, shared by a store and its audit trail.
#[derive(Debug, Default)]
pub(crate) struct Health {
    /// Set by a connection-class failure, cleared by the probe.
    down: AtomicBool,
}

impl Health {
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
        let Some(e) = source.downcast_ref::<sqlx::Error>() else { return };
        if !is_connection_error(e) {
            return;
        }
        if self.down.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_err() {
            return; // already down: its probe is running
        }
        tracing::error!(error = %e, "the database is unreachable; answering errors at once until a probe reaches it");
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.down.store(false, Ordering::Release); // nothing could clear it
            return;
        };
        runtime.spawn(probe(self.clone(), pool.clone()));
    }
}

/// A connection of `pool`, or an error at once while `health` says the database is down; a
/// failure to connect is noted.
pub(crate) async fn conn(pool: &PgPool, health: &Arc<Health>) -> Result<PoolConnection<Postgres>, StoreError> {
    health.gate()?;
    pool.acquire().await.map_err(|e| noted(pool, health, map_err(e)))
}

/// A transaction of `pool` begun with `begin` (`None`: PostgreSQL's default isolation), or an
/// error at once while `health` says the database is down; a failure to begin is noted.
pub(crate) async fn begin(
    pool: &PgPool,
    health: &Arc<Health>,
    begin: Option<&'static str>,
) -> Result<Transaction<'static, Postgres>, StoreError> {
    health.gate()?;
    let begun = match begin {
        Some(statement) => pool.begin_with(statement).await,
        None => pool.begin().await,
    };
    begun.map_err(|e| noted(pool, health, map_err(e)))
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
        let health = Arc::new(Health::default());
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
