//! The PostgreSQL backend: connecting, the pool and its statement timeout, the schema check at
//! start, the retry of transactions PostgreSQL aborts for serialization, and the mapping of
//! `sqlx` errors to [`StoreError`].
//!
//! The rows and their conversions are the SQLite backend's (`crate::sqlite::rows`): both
//! schemas hold the same values (see `docs/adr/0009-postgresql-backend.md`). What differs is
//! here: the SQL (`$n` parameters, `lower()` for IAM's case-insensitive names, `TRUNCATE`), the
//! migrations of `migrations/postgres/`, and concurrency.
//!
//! # Concurrency
//! Many Trent processes may share one database. Every transaction of more than one statement
//! runs at `SERIALIZABLE` isolation, so a check followed by a write (a quota, a delete refused
//! while something is attached, a conditional update) behaves as if the transactions ran one
//! after the other. PostgreSQL aborts one side of a conflicting pair with SQLSTATE `40001`
//! (or `40P01` for a deadlock); [`transaction!`] runs such a transaction again, up to
//! [`MAX_ATTEMPTS`] times, so callers never see those aborts. Single statements run on their
//! own (autocommit) and need no retry.

mod aliases_tags;
mod audit;
mod batch;
mod checkout;
mod cluster;
mod custom_key_stores;
mod events;
mod grants;
mod health;
mod identity;
mod kms;
mod migrate;
mod params;
mod reset;
mod rewrap;
mod roles;
mod secrets;
mod stamps;

pub use audit::PgAuditStore;
pub use cluster::{
    HEARTBEAT_INTERVAL, LISTENER_SILENCE, ListenerSilent, MAX_NOTIFICATION, Notice, PgLease, PgNotifications,
};
pub use health::{CallTimedOut, DatabaseDown};

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool};
use trent_core::StoreError;

use checkout::Checkout;

/// Attempts of one transaction aborted for serialization before the failure is returned.
pub(crate) const MAX_ATTEMPTS: u32 = 8;
/// The isolation of every multi-statement transaction (see the module documentation).
pub(crate) const BEGIN: &str = "BEGIN ISOLATION LEVEL SERIALIZABLE";
/// SQLSTATEs of a transaction PostgreSQL aborted so that it can be run again.
const RETRYABLE: [&str; 2] = ["40001", "40P01"];

/// How to reach the database, and the pool's limits. Its `Debug` names the server, database
/// and user, never the password.
#[derive(Clone)]
pub struct PgSettings {
    /// Where the database is and who Trent is there.
    connect: PgConnectOptions,
    /// Connections this process keeps at most.
    max_connections: u32,
    /// How long one statement may run before PostgreSQL cancels it.
    statement_timeout: Duration,
    /// How long a caller waits for a pooled connection (or a new one) before failing.
    acquire_timeout: Duration,
    /// The client-side time limit of one call (see [`PgSettings::call_timeout`]).
    call_timeout: Duration,
}

impl PgSettings {
    /// Settings for `url` (`postgres://user:password@host:port/database?...`, every parameter
    /// of libpq's URI form that `sqlx` knows), with the default limits: 10 connections, a
    /// 5-second statement timeout, 2 seconds to get a connection (so that a node whose
    /// database is down answers errors promptly instead of queueing requests), and a
    /// 6-second time limit on each call ([`PgSettings::call_timeout`]).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the URL cannot be parsed (the error never contains the
    /// password).
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        let connect: PgConnectOptions = url.parse().map_err(|e: sqlx::Error| StoreError::Unavailable(Box::new(e)))?;
        Ok(Self {
            connect: connect.application_name("trent"),
            max_connections: 10,
            statement_timeout: DEFAULT_STATEMENT_TIMEOUT,
            acquire_timeout: Duration::from_secs(2),
            call_timeout: DEFAULT_CALL_TIMEOUT,
        })
    }

    /// Puts every table in `schema` (which must exist) instead of the user's default search path.
    #[must_use]
    pub fn schema(mut self, schema: &str) -> Self {
        self.connect = self.connect.options([("search_path", schema)]);
        self
    }

    /// The pool's size (at least 1).
    #[must_use]
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// The longest one statement may run, as the server enforces it (`statement_timeout`).
    #[must_use]
    pub fn statement_timeout(mut self, timeout: Duration) -> Self {
        self.statement_timeout = timeout;
        self
    }

    /// The client-side time limit of one call: a statement run on its own, or a transaction
    /// with its retries, from the moment it asks for a connection. The server's statement
    /// timeout cannot answer across a network partition (packets black-holed, no reset); a
    /// call still running at this limit fails with [`StoreError::Unavailable`]
    /// ([`CallTimedOut`]), its connection is closed instead of going back to the pool, and the
    /// database is taken to be down until a probe reaches it (calls meanwhile fail at once).
    /// Keep it a little above the statement timeout, so that a slow statement is cancelled by
    /// the server first.
    #[must_use]
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Refreshes the planner's statistics of `tables` (`ANALYZE`), on a connection of its own.
    /// For bulk loads (`trent admin fill`): on a database whose autovacuum is off or behind, the
    /// plans of a growing table's foreign-key checks are made for the empty table it was, and a
    /// fill slows to a crawl (measured: 143 parameters/s before, 2,400/s after, BENCHMARKS.md).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached or refuses the statement.
    pub async fn analyze(&self, tables: &[&str]) -> Result<(), StoreError> {
        use sqlx::{ConnectOptions, Connection};
        let unavailable = |e: sqlx::Error| StoreError::Unavailable(Box::new(e));
        let mut conn = self.connect.connect().await.map_err(unavailable)?;
        for table in tables {
            // A name of ours, never a caller's: quoted as an identifier all the same.
            let sql = format!("ANALYZE \"{}\"", table.replace('"', "\"\""));
            sqlx::query(&sql).execute(&mut conn).await.map_err(unavailable)?;
        }
        conn.close().await.map_err(unavailable)
    }
}

/// The statement timeout of [`PgSettings::from_url`].
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);
/// The call time limit of [`PgSettings::from_url`]: one second above the statement timeout.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(6);

impl std::fmt::Debug for PgSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSettings")
            .field("host", &self.connect.get_host())
            .field("port", &self.connect.get_port())
            .field("database", &self.connect.get_database())
            .field("user", &self.connect.get_username())
            .field("max_connections", &self.max_connections)
            .field("statement_timeout", &self.statement_timeout)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("call_timeout", &self.call_timeout)
            .finish_non_exhaustive()
    }
}

/// The PostgreSQL store: implements every trait of [`trent_core::Store`]; its audit trail is
/// [`PgAuditStore`] on the same pool ([`PgStore::audit_store`]).
///
/// Cloning is cheap and shares the pool.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    /// Whether the database is known to be unreachable (shared with the audit stores made
    /// from this one): calls then fail at once instead of waiting for the pool.
    health: Arc<health::Health>,
}

impl PgStore {
    /// Connects, brings the schema up to date (under an advisory lock, so that nodes starting
    /// together migrate once) and checks its version.
    ///
    /// # Errors
    /// [`StoreError::SchemaTooNew`] if the database was migrated by a newer Trent;
    /// [`StoreError::Unavailable`] if it cannot be reached or migrated.
    pub async fn open(settings: &PgSettings) -> Result<Self, StoreError> {
        let (pool, health) = Self::connect(settings).await?;
        if let Err(e) = migrate::migrate(&pool).await {
            pool.close().await;
            return Err(e);
        }
        Ok(Self { pool, health })
    }

    /// Brings the schema only up to `version` (a migration number, at most the latest) and
    /// closes: the schema an older Trent left, for upgrade tests to fill with rows of that
    /// time before they [`open`](Self::open) it. Not for anything else: the store only works
    /// on the latest schema.
    ///
    /// # Errors
    /// As [`PgStore::open`]; [`StoreError::SchemaTooNew`] if `version` is past this build's
    /// latest or the schema is already past `version`.
    #[doc(hidden)]
    pub async fn migrate_only_to(settings: &PgSettings, version: i64) -> Result<(), StoreError> {
        let (pool, _) = Self::connect(settings).await?;
        let migrated = migrate::migrate_to(&pool, version).await;
        pool.close().await;
        migrated
    }

    /// The pool of [`PgStore::open`], its sessions' time limits set, and its health.
    async fn connect(settings: &PgSettings) -> Result<(PgPool, Arc<health::Health>), StoreError> {
        let millis = settings.statement_timeout.as_millis().to_string();
        // A transaction left open by a process that hangs, or by a connection this node gave up
        // at its call's time limit behind a partition (the server never sees that session end:
        // its packets are black-holed), must not hold its locks past the limit: after a partition
        // heals, the audit chain's next rows wait on the row locks of the abandoned transaction's
        // inserts. No transaction of Trent's outlives its call's limit, so twice that is safe.
        let idle_in_transaction = (settings.call_timeout * 2).as_millis().max(1_000).to_string();
        let connect = settings.connect.clone().options([
            ("statement_timeout", millis.as_str()),
            ("idle_in_transaction_session_timeout", idle_in_transaction.as_str()),
        ]);
        let health = Arc::new(health::Health::new(settings.call_timeout));
        let pool = health::pool_options(&health)
            .max_connections(settings.max_connections)
            .min_connections(0)
            .acquire_timeout(settings.acquire_timeout)
            .idle_timeout(Duration::from_secs(300))
            .connect_with(connect)
            .await
            .map_err(map_err)?;
        Ok((pool, health))
    }

    /// Whether the database answers and its schema is the one this build migrates to: `Ok`
    /// when ready to serve.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached;
    /// [`StoreError::SchemaTooNew`] if another node migrated it past this build (this node
    /// must not write to it); [`StoreError::NotFound`] if the schema is older than this build's
    /// (someone dropped or restored it since this node started).
    pub async fn check_ready(&self) -> Result<(), StoreError> {
        self.health.gate()?;
        let (found, known) = (migrate::current(&mut self.conn().await?).await?, migrate::latest());
        match found.cmp(&known) {
            std::cmp::Ordering::Equal => Ok(()),
            std::cmp::Ordering::Greater => Err(StoreError::SchemaTooNew { found, known }),
            std::cmp::Ordering::Less => Err(StoreError::NotFound),
        }
    }

    /// The audit trail in the same database, sharing this store's pool, recording into the
    /// chain of node `""` (a single node, and the chain of rows written before chains had
    /// nodes).
    #[must_use]
    pub fn audit_store(&self) -> PgAuditStore {
        PgAuditStore::new(self.pool.clone(), self.health.clone(), String::new())
    }

    /// The audit trail in the same database, recording into `node`'s own chain: every node of
    /// a deployment appends to a chain of its own, so no lock is shared between their group
    /// commits.
    #[must_use]
    pub fn audit_store_for(&self, node: &str) -> PgAuditStore {
        PgAuditStore::new(self.pool.clone(), self.health.clone(), node.to_owned())
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether the database is known to be unreachable now (a connection or commit failed
    /// and the probe has not reached it since): every call then fails at once.
    #[must_use]
    pub fn database_down(&self) -> bool {
        self.health.is_down()
    }

    /// Calls abandoned at the client-side time limit since the store was opened
    /// ([`PgSettings::call_timeout`]).
    #[must_use]
    pub fn call_timeouts(&self) -> u64 {
        self.health.timeouts()
    }

    /// A connection for one statement, with the call's time limit.
    async fn conn(&self) -> Result<Checkout, StoreError> {
        health::conn(&self.pool, &self.health).await
    }
}

/// Runs `$body` in a transaction of `$store` bound to `$tx`, commits it, and runs it all again
/// when PostgreSQL aborted it for serialization ([`is_retryable`]). `$body` may use `?` and
/// `return Err(..)`: an error rolls the transaction back at once. The whole expression is a
/// `Result<T, StoreError>` of `$body`'s value. `$store` is a store with a `pool` and a `health`
/// ([`PgStore`], [`PgAuditStore`]); the transaction begins with `$begin` (by default
/// [`BEGIN`], `SERIALIZABLE`; `None`: PostgreSQL's default isolation).
///
/// The attempts together have the call's time limit ([`health::Health::limit`]): at the limit
/// the call fails with [`CallTimedOut`], the database is taken to be down, and the connection
/// (with its transaction open, or its `COMMIT` unanswered) is closed, never given back to the
/// pool. PostgreSQL rolls back a transaction whose session ends; a `COMMIT` already sent may
/// have been applied, as a whole or not at all.
macro_rules! transaction {
    ($store:expr, |$tx:ident| $body:expr) => {
        $crate::postgres::transaction!($store, Some($crate::postgres::BEGIN), |$tx| $body)
    };
    ($store:expr, $begin:expr, |$tx:ident| $body:expr) => {{
        let (pool, health) = (&$store.pool, &$store.health);
        let deadline = tokio::time::Instant::now() + health.limit();
        let attempts = async {
            let mut attempt = 0_u32;
            loop {
                attempt += 1;
                let result: Result<_, trent_core::StoreError> = async {
                    let mut checkout = $crate::postgres::health::conn_until(pool, health, deadline).await?;
                    let mut $tx = checkout.begin($begin).await?;
                    let body: Result<_, trent_core::StoreError> = async { Ok($body) }.await;
                    match body {
                        Ok(value) => {
                            let committed = $tx.commit().await;
                            checkout.settle(committed)?;
                            Ok(value)
                        }
                        Err(e) => {
                            // Rolled back now rather than when the connection is next used, so
                            // that no lock outlives the call.
                            let rolled_back = $tx.rollback().await;
                            if let Err(rollback) = checkout.settle(rolled_back) {
                                tracing::warn!(error = %rollback, "rollback after a failed transaction failed");
                            }
                            Err(e)
                        }
                    }
                }
                .await;
                match result {
                    Err(e) if attempt < $crate::postgres::MAX_ATTEMPTS && $crate::postgres::is_retryable(&e) => {
                        $crate::postgres::backoff(attempt).await;
                    }
                    Err(e) => break Err($crate::postgres::health::noted(pool, health, e)),
                    ok => break ok,
                }
            }
        };
        match tokio::time::timeout_at(deadline, attempts).await {
            Ok(result) => result,
            Err(_) => Err(trent_core::StoreError::Unavailable(Box::new(health.timed_out(pool)))),
        }
    }};
}
pub(crate) use transaction;

/// Whether `e` is a transaction PostgreSQL aborted so that it could be run again.
pub(crate) fn is_retryable(e: &StoreError) -> bool {
    let StoreError::Unavailable(source) = e else { return false };
    match source.downcast_ref::<sqlx::Error>() {
        Some(sqlx::Error::Database(db)) => db.code().is_some_and(|code| RETRYABLE.contains(&code.as_ref())),
        _ => false,
    }
}

/// SQLSTATE of a statement PostgreSQL cancelled: its statement timeout, or an operator's
/// `pg_cancel_backend`.
const CANCELLED: &str = "57014";

/// Why a transaction failed as a whole in a way that the same writes in smaller transactions
/// may not: see [`aborted_transaction`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aborted {
    /// PostgreSQL aborted it for serialization or a deadlock (SQLSTATE `40001`, `40P01`) on
    /// every attempt [`transaction!`] made: nothing was written.
    Serialization,
    /// PostgreSQL cancelled one of its statements (`57014`: the statement timeout, or an
    /// operator's cancel) and rolled it back: nothing was written.
    Cancelled,
    /// It outlived the call's time limit ([`CallTimedOut`]), with its retries: it was rolled
    /// back, or, if its `COMMIT` had been sent, may have committed (as a whole).
    TimedOut,
}

impl Aborted {
    /// What happened, for a log line.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Serialization => "aborted for serialization",
            Self::Cancelled => "cancelled at the statement timeout",
            Self::TimedOut => "cut at the call's time limit",
        }
    }
}

/// Why `e` failed a transaction as a whole because of concurrent transactions or its own
/// length (see [`Aborted`]), so that its writes may succeed in smaller transactions; `None`
/// for every other failure (a row refused, a database that is down or unreachable, corrupt
/// data), which smaller transactions would meet again. Read from the error's typed source
/// and SQLSTATE, never from message text.
#[must_use]
pub fn aborted_transaction(e: &StoreError) -> Option<Aborted> {
    let StoreError::Unavailable(source) = e else { return None };
    if source.is::<CallTimedOut>() {
        return Some(Aborted::TimedOut);
    }
    let Some(sqlx::Error::Database(db)) = source.downcast_ref::<sqlx::Error>() else { return None };
    match db.code()?.as_ref() {
        code if RETRYABLE.contains(&code) => Some(Aborted::Serialization),
        CANCELLED => Some(Aborted::Cancelled),
        _ => None,
    }
}

/// A short pause before attempt `attempt + 1`, growing with each attempt and spread by the
/// clock's low bits so that two retrying transactions do not collide again in step.
pub(crate) async fn backoff(attempt: u32) {
    let jitter = u64::from(time::OffsetDateTime::now_utc().nanosecond() % 1000);
    let micros = (1_000_u64 << attempt.min(6)) + jitter;
    tokio::time::sleep(Duration::from_micros(micros)).await;
}

/// ` LIMIT n` for a listing, with `n` written into the statement instead of bound. PostgreSQL's
/// plan cache prices a generic plan whose `LIMIT` is a parameter as reading a tenth of the rows
/// that match, so on a scope of a million rows it judges that plan dear and plans every
/// execution again (a custom plan); on a small scope it takes the generic plan once. A page of
/// `ListKeys` ran about a third slower under concurrency on a million-key account for that
/// reason alone (BENCHMARKS.md, "Scale on both backends"). A literal limit is priced as what it
/// is on every scope; limits are bounded numbers that each service checks, so the statements
/// differ only by the few page sizes clients use.
pub(crate) fn limit_clause(limit: u32) -> String {
    format!(" LIMIT {limit}")
}

/// Maps a `sqlx` error to the narrow store error, keeping the source.
///
/// Uniqueness violations are "already exists" and foreign-key violations are "the row
/// referred to does not exist", read from the SQLSTATE, never from message text. Values the
/// driver cannot decode are [`StoreError::Undecodable`]; everything else (connection, pool,
/// statement timeout, serialization failure, failed commit) is unavailability.
pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Database(ref db) if db.is_unique_violation() => StoreError::AlreadyExists,
        sqlx::Error::Database(ref db) if db.is_foreign_key_violation() => StoreError::NotFound,
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::TypeNotFound { .. } => StoreError::Undecodable(Box::new(e)),
        other => StoreError::Unavailable(Box::new(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_transaction_aborted_whole_is_told_aborted() {
        let timed_out = StoreError::Unavailable(Box::new(CallTimedOut { limit: Duration::from_secs(1) }));
        assert_eq!(aborted_transaction(&timed_out), Some(Aborted::TimedOut));
        for other in [
            StoreError::Unavailable(Box::new(DatabaseDown)),
            StoreError::Unavailable(Box::new(sqlx::Error::PoolTimedOut)),
            StoreError::Unavailable(Box::new(sqlx::Error::RowNotFound)),
            StoreError::AlreadyExists,
            StoreError::Conflict,
        ] {
            assert_eq!(aborted_transaction(&other), None, "{other:?}");
        }
    }
}
