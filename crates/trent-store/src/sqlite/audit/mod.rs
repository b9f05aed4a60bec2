//! The audit database: the trail in a SQLite file of its own (`audit.db`), apart from the keys
//! and identities of [`super::SqliteStore`].
//!
//! A separate file gives the trail its own write lock, so a group commit never waits behind a
//! key or identity write (nor they behind it), and its own page size. A commit appends a few
//! dozen 1–2 KB records at the right edge of one table and one index, and writes every page it
//! touched whole to the WAL: 4 KiB pages write a third of what 64 KiB pages did (see
//! `docs/adr/0005-audit-storage.md` for the measurements). The schema is in
//! `migrations/sqlite-audit/`.
//!
//! Like the main database, writes go through one writer connection (`BEGIN IMMEDIATE`) and
//! reads through a pool of read-only connections that WAL mode lets run beside it.

pub(crate) mod trail;

use std::path::Path;

use async_trait::async_trait;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use trent_core::StoreError;
use trent_core::store::Fault;
use trent_core::store::MetaStore;

use super::migrate::{self, AUDIT, latest};
use super::{BUSY_TIMEOUT, READERS, map_err, pool_options, writer_pool_options};

/// The page size of a new audit file, SQLite's default (see the module documentation). It is
/// set when the file is created: WAL mode fixes it, so a file made with 64 KiB pages by an
/// earlier Trent keeps them and works as before.
const PAGE_SIZE: u32 = 4_096;

/// The audit trail on SQLite: implements [`trent_core::store::AuditStore`] and, for the
/// trail's signing key, [`MetaStore`] (its own `audit_meta` table).
///
/// Cloning is cheap and shares the pools.
#[derive(Clone, Debug)]
pub struct SqliteAuditStore {
    /// One connection: every append.
    writer: SqlitePool,
    /// Read-only connections (the writer itself when in memory or opened read-only).
    reader: SqlitePool,
}

impl SqliteAuditStore {
    /// Opens (creating it if missing) the audit database at `path` and brings its schema up to
    /// date. WAL mode, `synchronous=FULL`: an append is durable when it returns.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] if the file was written by a newer Trent;
    /// [`StoreError::Unavailable`] if it cannot be opened or migrated.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let base =
            SqliteConnectOptions::new().filename(path).busy_timeout(BUSY_TIMEOUT).synchronous(SqliteSynchronous::Full);
        // sqlx sets page_size before journal_mode: a new file gets its pages before WAL mode
        // fixes them (an existing file keeps the size it was created with).
        // `temp_store = MEMORY`: a group commit's multi-row INSERT runs in a transaction of
        // several statements, so SQLite keeps a statement journal of the pages it changes; on
        // disk it spilled to a temporary file past 64 KiB, so every commit created, wrote and
        // unlinked a file beside its WAL frames (BENCHMARKS.md, "The audit commit's temporary
        // file"). In memory it is a copy, no file.
        let writer_options = base
            .clone()
            .create_if_missing(true)
            .page_size(PAGE_SIZE)
            .journal_mode(SqliteJournalMode::Wal)
            .pragma("temp_store", "MEMORY");
        let writer = writer_pool_options().connect_with(writer_options).await.map_err(map_err)?;
        migrate::migrate(&writer, AUDIT).await?;
        let reader = pool_options(READERS).connect_with(base.read_only(true)).await.map_err(map_err)?;
        Ok(Self { writer, reader })
    }

    /// Opens an existing audit database for reading only: no migration, no write. For
    /// `trent audit verify|query` beside a running server (WAL lets them read concurrently).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the file cannot be opened; [`StoreError::Corrupt`] if it
    /// is not an audit database or comes from a newer Trent.
    pub async fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new().filename(path).busy_timeout(BUSY_TIMEOUT).read_only(true);
        let pool = pool_options(READERS).connect_with(options).await.map_err(map_err)?;
        let version: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_version")
            .fetch_one(&pool)
            .await
            .map_err(|e| StoreError::corrupt_because("schema_version", Fault::Undecodable, e))?;
        let version = version.unwrap_or(0);
        if version < 1 {
            return Err(StoreError::corrupt("schema_version", Fault::Missing("the audit schema")));
        }
        if version > latest(AUDIT) {
            return Err(StoreError::SchemaTooNew { found: version, known: latest(AUDIT) });
        }
        Ok(Self { writer: pool.clone(), reader: pool })
    }

    /// A fresh, empty in-memory trail, for tests; gone when the last clone is dropped.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if SQLite cannot create it.
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new().in_memory(true).busy_timeout(BUSY_TIMEOUT);
        let pool = pool_options(1).connect_with(options).await.map_err(map_err)?;
        migrate::migrate(&pool, AUDIT).await?;
        Ok(Self { writer: pool.clone(), reader: pool })
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

#[async_trait]
impl MetaStore for SqliteAuditStore {
    async fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        sqlx::query_scalar("SELECT value FROM audit_meta WHERE name = ?1")
            .bind(name)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)
    }

    async fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_meta (name, value) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_new_file_gets_small_pages_and_wal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteAuditStore::open(&dir.path().join("audit.db")).await.expect("open");
        let page: i64 = sqlx::query_scalar("PRAGMA page_size").fetch_one(&store.writer).await.expect("page_size");
        assert_eq!(page, i64::from(PAGE_SIZE));
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&store.reader).await.expect("mode");
        assert_eq!(mode, "wal");
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&store.writer).await.expect("sync");
        assert_eq!(sync, 2, "FULL");
        let temp: i64 = sqlx::query_scalar("PRAGMA temp_store").fetch_one(&store.writer).await.expect("temp_store");
        assert_eq!(temp, 2, "MEMORY: no temporary file per commit");
        store.close().await;
    }

    #[tokio::test]
    async fn a_file_made_with_large_pages_keeps_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.db");
        // The file as Trent made it before 4 KiB pages: 64 KiB pages, then WAL mode.
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .page_size(65_536)
            .journal_mode(SqliteJournalMode::Wal);
        let old = SqlitePool::connect_with(options).await.expect("create");
        sqlx::query("CREATE TABLE made_before (x INTEGER)").execute(&old).await.expect("write a page");
        old.close().await;

        let store = SqliteAuditStore::open(&path).await.expect("open");
        let page: i64 = sqlx::query_scalar("PRAGMA page_size").fetch_one(&store.writer).await.expect("page_size");
        assert_eq!(page, 65_536, "WAL mode keeps the page size the file was made with");
        store.put_meta("probe", b"value").await.expect("a write after the upgrade");
        assert_eq!(store.get_meta("probe").await.expect("read").as_deref(), Some(&b"value"[..]));
        store.close().await;
    }
}
