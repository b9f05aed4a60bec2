//! [`ResetStore`] for PostgreSQL: every table of the schema but the schema version, the
//! deployment's meta values and the audit trail emptied in one `TRUNCATE`.

use async_trait::async_trait;
use trent_core::StoreError;
use trent_core::store::ResetStore;

use super::{PgStore, map_err, transaction};

/// Tables a wipe keeps: the schema's version, the deployment's own values, and the audit
/// trail, which has a reset of its own (`AuditStore::clear_audit`).
const KEPT: [&str; 5] = ["schema_version", "meta", "audit_meta", "audit_events", "audit_digests"];

#[async_trait]
impl ResetStore for PgStore {
    async fn wipe(&self) -> Result<(), StoreError> {
        transaction!(self, |tx| {
            // Every table the migrations created in the store's schema, so a table added later
            // is wiped too.
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
            )
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?;
            let wiped: Vec<String> = tables
                .iter()
                .filter(|t| !KEPT.contains(&t.as_str()))
                .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
                .collect();
            if !wiped.is_empty() {
                sqlx::query(&format!("TRUNCATE {}", wiped.join(", "))).execute(&mut *tx).await.map_err(map_err)?;
            }
        })
    }
}
