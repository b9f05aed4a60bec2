//! The SQLite backend: opening the main database, its pragmas, its two connection pools and
//! the mapping of `sqlx` errors to [`StoreError`]. The audit trail has a database of its own
//! ([`SqliteAuditStore`]).
//!
//! This module owns *how* Trent talks to SQLite. It knows the trait contracts of
//! `trent_core::store` and the schema in `migrations/sqlite/`, but nothing of KMS semantics
//! (key states are only strings it filters on), of HTTP or of key wrapping: wrapped secrets are
//! opaque bytes here and are never logged.
//!
//! # Concurrency
//! SQLite allows one writer at a time. A deferred transaction that reads and then writes can
//! fail with `SQLITE_BUSY` when it tries to upgrade its lock, so every write and every
//! multi-statement transaction goes through the *writer* pool of exactly one connection, and
//! writer transactions start with `BEGIN IMMEDIATE`. Reads go through a separate *reader* pool
//! of [`READERS`] read-only connections, which WAL mode lets run beside the writer.
//!
//! An in-memory database exists only as long as a connection to it, so
//! [`SqliteStore::open_in_memory`] uses one private connection that serves as both writer and
//! reader: simpler than a shared-cache database, whose table-level locks behave unlike WAL.

mod aliases_tags;
pub(crate) mod audit;
mod batch;
mod custom_key_stores;
pub(crate) mod events;
mod grants;
mod identity;
mod kms;
mod migrate;
pub(crate) mod params;
mod reset;
mod rewrap;
pub(crate) mod rows;
pub(crate) mod secret_rotation;
pub(crate) mod secrets;

pub use audit::SqliteAuditStore;

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use sqlx::pool::PoolConnectionMetadata;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Sqlite, SqliteConnection, Transaction};
use trent_core::StoreError;

/// Connections in the reader pool of an on-disk database.
const READERS: u32 = 4;
/// How long a connection waits for another process's lock before giving up with `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a caller waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// The embedded SQLite store: implements every trait of [`trent_core::Store`].
///
/// Cloning is cheap and shares the pools.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    /// One connection: every write and every multi-statement transaction.
    writer: SqlitePool,
    /// Read-only connections for single-statement reads (the writer itself when in memory).
    reader: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating it if missing) the database file at `path` and brings its schema up to
    /// date.
    ///
    /// The database runs in WAL mode with `synchronous=FULL` (a commit is durable when it
    /// returns), `foreign_keys=ON` and `secure_delete=ON` (deleted rows, such as destroyed key
    /// material, are overwritten with zeros on disk).
    ///
    /// # Errors
    /// [`StoreError::SchemaTooNew`] if the database was written by a newer Trent (its schema version
    /// is unknown to this build); [`StoreError::Unavailable`] if the file cannot be opened or
    /// migrated.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let base = SqliteConnectOptions::new()
            .filename(path)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            .synchronous(SqliteSynchronous::Full)
            .pragma("secure_delete", "ON");
        let writer_options = base.clone().create_if_missing(true).journal_mode(SqliteJournalMode::Wal);
        let writer = writer_pool_options().connect_with(writer_options).await.map_err(map_err)?;
        migrate::migrate(&writer, migrate::MAIN).await?;
        // Readers open after the writer so the file exists and is already in WAL mode (a
        // persistent property of the file, which read-only connections cannot set).
        let reader = pool_options(READERS).connect_with(base.read_only(true)).await.map_err(map_err)?;
        Ok(Self { writer, reader })
    }

    /// Opens a fresh, empty in-memory database, for tests. It disappears when the store and
    /// all its clones are dropped or [closed](Self::close).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if SQLite cannot create it.
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .in_memory(true)
            .foreign_keys(true)
            .pragma("secure_delete", "ON")
            .busy_timeout(BUSY_TIMEOUT);
        let pool = pool_options(1).connect_with(options).await.map_err(map_err)?;
        migrate::migrate(&pool, migrate::MAIN).await?;
        Ok(Self { writer: pool.clone(), reader: pool })
    }

    /// Closes every connection, waiting for those in use to be returned. SQLite checkpoints
    /// the WAL into the database file and removes it when the last connection closes.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    /// Starts a write transaction on the writer connection, taking SQLite's write lock at once.
    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(map_err)
    }

    /// Moves every WAL frame into the database file and truncates the WAL, so that rows just
    /// deleted (and zeroed by `secure_delete`) do not linger there. Best effort: a failure is
    /// logged, never returned, because the deletion itself has already committed.
    async fn checkpoint_truncate(&self) {
        let result: Result<(i64, i64, i64), sqlx::Error> =
            sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&self.writer).await;
        match result {
            Ok((0, _, _)) => {}
            Ok((busy, log, done)) => {
                tracing::warn!(busy, wal_frames = log, checkpointed = done, "WAL checkpoint after deletion incomplete")
            }
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint after deletion failed"),
        }
    }
}

/// Pool settings shared by both pools. Connections are kept for the life of the pool: an idle
/// timeout would make no difference to a local file and would destroy an in-memory database.
fn pool_options(size: u32) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(size)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .acquire_timeout(ACQUIRE_TIMEOUT)
}

/// The writer pool of a database file: one connection, replaced when a failed commit has left
/// it unusable (see [`usable_after_release`]). Not for an in-memory database, whose only
/// connection *is* the database.
fn writer_pool_options() -> SqlitePoolOptions {
    pool_options(1).after_release(usable_after_release)
}

/// Whether a connection returned to the pool can be used again.
///
/// When `COMMIT` fails (`SQLITE_FULL` on a full disk, an I/O error), SQLite rolls the
/// transaction back itself, but sqlx still counts it as open: the `ROLLBACK` it then sends
/// fails ("no transaction is active"), and from then on every `BEGIN IMMEDIATE` on that
/// connection fails with `InvalidSavePointStatement`, until a restart. Such a connection is
/// closed here and the pool opens a fresh one. After a normal commit nothing is open; after a
/// dropped transaction the rollback it queued is flushed (`ping`) before looking again.
fn usable_after_release(
    conn: &mut SqliteConnection,
    _: PoolConnectionMetadata,
) -> Pin<Box<dyn Future<Output = Result<bool, sqlx::Error>> + Send + '_>> {
    Box::pin(async move {
        if !conn.is_in_transaction() {
            return Ok(true);
        }
        conn.ping().await?;
        let usable = !conn.is_in_transaction();
        if !usable {
            tracing::warn!("a failed commit left the writer connection unusable; opening a fresh one");
        }
        Ok(usable)
    })
}

/// Maps a `sqlx` error to the narrow store error, keeping the source where there is one.
///
/// Uniqueness violations are "already exists" and foreign-key violations are "the row referred
/// to does not exist", both read from SQLite's extended result codes, never from message text.
/// Values the driver cannot decode are [`StoreError::Undecodable`]; everything else (I/O,
/// pool, lock timeouts, failed commits) is unavailability.
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
    use sqlx::Row;

    use super::*;

    async fn pragma(pool: &SqlitePool, name: &str) -> String {
        let row = sqlx::query(&format!("PRAGMA {name}")).fetch_one(pool).await.expect("pragma");
        row.try_get::<String, _>(0).or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string())).expect("value")
    }

    #[tokio::test]
    async fn every_on_disk_connection_carries_the_durability_pragmas() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("t.db")).await.expect("open");
        for (pool, name) in [(&store.writer, "writer"), (&store.reader, "reader")] {
            assert_eq!(pragma(pool, "journal_mode").await, "wal", "{name}");
            assert_eq!(pragma(pool, "synchronous").await, "2", "{name}: FULL");
            assert_eq!(pragma(pool, "foreign_keys").await, "1", "{name}");
            assert_eq!(pragma(pool, "secure_delete").await, "1", "{name}");
            assert_eq!(pragma(pool, "busy_timeout").await, BUSY_TIMEOUT.as_millis().to_string(), "{name}");
        }
        assert_eq!(pragma(&store.writer, "query_only").await, "0");
        let write = sqlx::query("INSERT INTO meta (name, value) VALUES ('x', x'00')").execute(&store.reader).await;
        assert!(write.is_err(), "reader connections are read-only");
        store.close().await;
    }

    #[tokio::test]
    async fn in_memory_connections_carry_the_safety_pragmas() {
        let store = SqliteStore::open_in_memory().await.expect("open");
        assert_eq!(pragma(&store.writer, "foreign_keys").await, "1");
        assert_eq!(pragma(&store.writer, "secure_delete").await, "1");
    }
}
