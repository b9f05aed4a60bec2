//! Schema migrations: the numbered SQL files of `migrations/sqlite/` (the main database) and
//! `migrations/sqlite-audit/` (the audit database), embedded in the binary and applied in order
//! when a database is opened.
//!
//! Migrations are append-only: a released file never changes, a new schema is a new file. The
//! `schema_version` table holds one row per applied migration. This module knows nothing of
//! what the tables mean.

use sqlx::SqlitePool;
use trent_core::StoreError;

use super::map_err;

/// One schema step.
pub(crate) struct Migration {
    /// The number in the file name; versions run 1, 2, 3... without gaps.
    version: i64,
    /// The file name, recorded beside the version for operators.
    name: &'static str,
    /// The statements.
    sql: &'static str,
}

/// Every migration of the main database this build knows, in order.
pub(crate) const MAIN: &[Migration] = &[
    Migration { version: 1, name: "0001_init.sql", sql: include_str!("../../migrations/sqlite/0001_init.sql") },
    Migration { version: 2, name: "0002_grants.sql", sql: include_str!("../../migrations/sqlite/0002_grants.sql") },
    Migration { version: 3, name: "0003_iam.sql", sql: include_str!("../../migrations/sqlite/0003_iam.sql") },
    Migration {
        version: 4,
        name: "0004_key_manager.sql",
        sql: include_str!("../../migrations/sqlite/0004_key_manager.sql"),
    },
    Migration {
        version: 5,
        name: "0005_multi_region.sql",
        sql: include_str!("../../migrations/sqlite/0005_multi_region.sql"),
    },
    Migration { version: 6, name: "0006_secrets.sql", sql: include_str!("../../migrations/sqlite/0006_secrets.sql") },
    Migration { version: 7, name: "0007_params.sql", sql: include_str!("../../migrations/sqlite/0007_params.sql") },
    Migration {
        version: 8,
        name: "0008_secret_rotation.sql",
        sql: include_str!("../../migrations/sqlite/0008_secret_rotation.sql"),
    },
    Migration {
        version: 9,
        name: "0009_param_policies_events.sql",
        sql: include_str!("../../migrations/sqlite/0009_param_policies_events.sql"),
    },
    Migration {
        version: 10,
        name: "0010_imported_material.sql",
        sql: include_str!("../../migrations/sqlite/0010_imported_material.sql"),
    },
    Migration {
        version: 11,
        name: "0011_secret_replicas.sql",
        sql: include_str!("../../migrations/sqlite/0011_secret_replicas.sql"),
    },
    Migration {
        version: 12,
        name: "0012_key_last_usage.sql",
        sql: include_str!("../../migrations/sqlite/0012_key_last_usage.sql"),
    },
    Migration {
        version: 13,
        name: "0013_event_deliveries.sql",
        sql: include_str!("../../migrations/sqlite/0013_event_deliveries.sql"),
    },
    Migration {
        version: 14,
        name: "0014_param_counts.sql",
        sql: include_str!("../../migrations/sqlite/0014_param_counts.sql"),
    },
    Migration {
        version: 15,
        name: "0015_custom_key_stores.sql",
        sql: include_str!("../../migrations/sqlite/0015_custom_key_stores.sql"),
    },
    Migration {
        version: 16,
        name: "0016_imported_rotation.sql",
        sql: include_str!("../../migrations/sqlite/0016_imported_rotation.sql"),
    },
    Migration {
        version: 17,
        name: "0017_keys_in_custom_key_stores.sql",
        sql: include_str!("../../migrations/sqlite/0017_keys_in_custom_key_stores.sql"),
    },
    Migration {
        version: 18,
        name: "0018_replica_retry_at.sql",
        sql: include_str!("../../migrations/sqlite/0018_replica_retry_at.sql"),
    },
    Migration {
        version: 19,
        name: "0019_cross_account_replicas.sql",
        sql: include_str!("../../migrations/sqlite/0019_cross_account_replicas.sql"),
    },
    Migration {
        version: 20,
        name: "0020_cross_account_failures.sql",
        sql: include_str!("../../migrations/sqlite/0020_cross_account_failures.sql"),
    },
    Migration {
        version: 21,
        name: "0021_key_listing.sql",
        sql: include_str!("../../migrations/sqlite/0021_key_listing.sql"),
    },
];

/// Every migration of the audit database this build knows, in order.
pub(crate) const AUDIT: &[Migration] = &[
    Migration { version: 1, name: "0001_trail.sql", sql: include_str!("../../migrations/sqlite-audit/0001_trail.sql") },
    Migration { version: 2, name: "0002_node.sql", sql: include_str!("../../migrations/sqlite-audit/0002_node.sql") },
    Migration {
        version: 3,
        name: "0003_gap_check_per_statement.sql",
        sql: include_str!("../../migrations/sqlite-audit/0003_gap_check_per_statement.sql"),
    },
];

/// The schema version this build writes for a list of migrations.
pub(crate) const fn latest(migrations: &[Migration]) -> i64 {
    migrations[migrations.len() - 1].version
}

/// Created before anything else so the version can be read; it never changes shape.
const CREATE_VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL PRIMARY KEY,
    name    TEXT    NOT NULL
) STRICT";

/// Applies every migration newer than the database's schema version, all in one transaction
/// on the writer pool: a failure leaves the database as it was.
///
/// # Errors
/// [`StoreError::SchemaTooNew`] if the database's version is newer than the last of `migrations`;
/// [`StoreError::Unavailable`] if a statement or the commit fails.
pub(crate) async fn migrate(writer: &SqlitePool, migrations: &[Migration]) -> Result<(), StoreError> {
    let latest = latest(migrations);
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await.map_err(map_err)?;
    sqlx::query(CREATE_VERSION_TABLE).execute(&mut *tx).await.map_err(map_err)?;
    let current: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM schema_version").fetch_one(&mut *tx).await.map_err(map_err)?;
    let current = current.unwrap_or(0);
    if current > latest {
        return Err(StoreError::SchemaTooNew { found: current, known: latest });
    }
    for m in migrations.iter().filter(|m| m.version > current) {
        tracing::info!(version = m.version, migration = m.name, "applying SQLite migration");
        sqlx::raw_sql(m.sql).execute(&mut *tx).await.map_err(map_err)?;
        sqlx::query("INSERT INTO schema_version (version, name) VALUES (?1, ?2)")
            .bind(m.version)
            .bind(m.name)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
    }
    tx.commit().await.map_err(map_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_contiguous_and_end_at_latest() {
        for migrations in [MAIN, AUDIT] {
            for (i, m) in migrations.iter().enumerate() {
                assert_eq!(m.version, i as i64 + 1, "{}", m.name);
                assert!(m.name.starts_with(&format!("{:04}_", m.version)), "{}", m.name);
            }
            assert_eq!(migrations.last().map(|m| m.version), Some(latest(migrations)));
        }
    }
}
