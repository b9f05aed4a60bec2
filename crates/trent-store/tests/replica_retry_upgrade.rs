//! Upgrading a database written before failed replicas were found through an index (schema
//! version 17) to 0018: the migration fills `replica_retry_at` from each primary's `replicas`
//! JSON, so a replica that failed before the upgrade is still retried at its time.
//! (`postgres_upgrade.rs` checks PostgreSQL's version 17 with the same rows.)

use sqlx::Connection;
use trent_store::SqliteStore;

mod failed_replicas;
mod old_schema;

/// Regression guard: the scheduler stopped scanning `replicas` for `"Failed"`; a replica that
/// had failed before the upgrade must not be forgotten by the new indexed lookup.
#[tokio::test]
async fn replicas_failed_before_version_18_are_still_due_at_their_retry_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trent.db");
    let mut conn = old_schema::database_at_version(&path, 17).await;
    for row in &failed_replicas::rows() {
        sqlx::query(row).execute(&mut conn).await.expect("a version-17 secret");
    }
    conn.close().await.expect("close");

    let store = SqliteStore::open(&path).await.expect("open and migrate");
    failed_replicas::check(&store).await;
}
