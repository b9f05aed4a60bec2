//! [`ResetStore`] for SQLite: every table but the schema version and the deployment's meta
//! values emptied in one transaction.

use async_trait::async_trait;
use trent_core::StoreError;
use trent_core::store::ResetStore;

use super::{SqliteStore, map_err};

/// Tables a wipe keeps: the schema's version and the deployment's own values.
const KEPT: [&str; 2] = ["schema_version", "meta"];

#[async_trait]
impl ResetStore for SqliteStore {
    async fn wipe(&self) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        // Every table the migrations created, so a table added later is wiped too.
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
        // References between the tables are checked at commit, when all of them are empty.
        sqlx::query("PRAGMA defer_foreign_keys = ON").execute(&mut *tx).await.map_err(map_err)?;
        for table in tables.iter().filter(|t| !KEPT.contains(&t.as_str())) {
            let quoted = table.replace('"', "\"\"");
            sqlx::query(&format!("DELETE FROM \"{quoted}\"")).execute(&mut *tx).await.map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        // Destroyed key material was zeroed in the file (secure_delete); do not leave it in the WAL.
        self.checkpoint_truncate().await;
        Ok(())
    }
}
