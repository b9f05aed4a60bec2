//! Schema migrations of the PostgreSQL backend: the numbered SQL files of
//! `migrations/postgres/`, embedded in the binary and applied in order when a store opens.
//!
//! Migrations are append-only: a released file never changes, a new schema is a new file. The
//! `schema_version` table holds one row per applied migration. Several nodes may start at
//! once: the migration runs under a transaction-scoped advisory lock, so one of them migrates
//! and the others find the schema current.

use sqlx::PgPool;
use trent_core::StoreError;

use super::map_err;

/// One schema step.
pub(crate) struct Migration {
    /// The number in the file name; versions run 1, 2, 3... without gaps.
    pub(crate) version: i64,
    /// The file name, recorded beside the version for operators.
    name: &'static str,
    /// The statements.
    sql: &'static str,
}

/// Every migration this build knows, in order.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "0001_init.sql", sql: include_str!("../../migrations/postgres/0001_init.sql") },
    Migration {
        version: 2,
        name: "0002_multi_region.sql",
        sql: include_str!("../../migrations/postgres/0002_multi_region.sql"),
    },
    Migration { version: 3, name: "0003_secrets.sql", sql: include_str!("../../migrations/postgres/0003_secrets.sql") },
    Migration { version: 4, name: "0004_params.sql", sql: include_str!("../../migrations/postgres/0004_params.sql") },
    Migration {
        version: 5,
        name: "0005_secret_rotation.sql",
        sql: include_str!("../../migrations/postgres/0005_secret_rotation.sql"),
    },
    Migration {
        version: 6,
        name: "0006_param_policies_events.sql",
        sql: include_str!("../../migrations/postgres/0006_param_policies_events.sql"),
    },
    Migration {
        version: 7,
        name: "0007_audit_nodes.sql",
        sql: include_str!("../../migrations/postgres/0007_audit_nodes.sql"),
    },
    Migration {
        version: 8,
        name: "0008_imported_material.sql",
        sql: include_str!("../../migrations/postgres/0008_imported_material.sql"),
    },
    Migration {
        version: 9,
        name: "0009_secret_replicas.sql",
        sql: include_str!("../../migrations/postgres/0009_secret_replicas.sql"),
    },
    Migration {
        version: 10,
        name: "0010_key_last_usage.sql",
        sql: include_str!("../../migrations/postgres/0010_key_last_usage.sql"),
    },
    Migration {
        version: 11,
        name: "0011_event_deliveries.sql",
        sql: include_str!("../../migrations/postgres/0011_event_deliveries.sql"),
    },
    Migration {
        version: 12,
        name: "0012_param_counts.sql",
        sql: include_str!("../../migrations/postgres/0012_param_counts.sql"),
    },
    Migration {
        version: 13,
        name: "0013_custom_key_stores.sql",
        sql: include_str!("../../migrations/postgres/0013_custom_key_stores.sql"),
    },
    Migration {
        version: 14,
        name: "0014_imported_rotation.sql",
        sql: include_str!("../../migrations/postgres/0014_imported_rotation.sql"),
    },
    Migration {
        version: 15,
        name: "0015_outbox_order.sql",
        sql: include_str!("../../migrations/postgres/0015_outbox_order.sql"),
    },
    Migration {
        version: 16,
        name: "0016_keys_in_custom_key_stores.sql",
        sql: include_str!("../../migrations/postgres/0016_keys_in_custom_key_stores.sql"),
    },
    Migration {
        version: 17,
        name: "0017_replica_retry_at.sql",
        sql: include_str!("../../migrations/postgres/0017_replica_retry_at.sql"),
    },
    Migration {
        version: 18,
        name: "0018_param_counts_per_statement.sql",
        sql: include_str!("../../migrations/postgres/0018_param_counts_per_statement.sql"),
    },
    Migration {
        version: 19,
        name: "0019_cross_account_replicas.sql",
        sql: include_str!("../../migrations/postgres/0019_cross_account_replicas.sql"),
    },
    Migration {
        version: 20,
        name: "0020_cross_account_failures.sql",
        sql: include_str!("../../migrations/postgres/0020_cross_account_failures.sql"),
    },
    Migration {
        version: 21,
        name: "0021_key_listing.sql",
        sql: include_str!("../../migrations/postgres/0021_key_listing.sql"),
    },
    Migration {
        version: 22,
        name: "0022_audit_gap_check_per_commit.sql",
        sql: include_str!("../../migrations/postgres/0022_audit_gap_check_per_commit.sql"),
    },
];

/// The advisory lock key the migration holds: "trentmig" in ASCII.
const LOCK_KEY: i64 = 0x7472_656e_746d_6967;

/// The schema version this build writes.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Created before anything else so the version can be read; it never changes shape.
const CREATE_VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_version (
    version BIGINT NOT NULL PRIMARY KEY,
    name    TEXT   NOT NULL
)";

/// The version the database's schema is at, 0 for an empty database.
pub(crate) async fn current(conn: &mut super::checkout::Checkout) -> Result<i64, StoreError> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('schema_version') IS NOT NULL")
        .fetch_one(&mut *conn)
        .await
        .map_err(map_err)?;
    if !exists {
        return Ok(0);
    }
    let version: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM schema_version").fetch_one(conn).await.map_err(map_err)?;
    Ok(version.unwrap_or(0))
}

/// Applies every migration newer than the database's version, all in one transaction: a
/// failure leaves the database as it was.
///
/// # Errors
/// [`StoreError::SchemaTooNew`] if the database's version is newer than this build's;
/// [`StoreError::Unavailable`] if a statement or the commit fails.
pub(crate) async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    migrate_to(pool, latest()).await
}

/// [`migrate`], stopping after migration `target` (for the upgrade tests' older schemas).
///
/// # Errors
/// As [`migrate`]; [`StoreError::SchemaTooNew`] also if `target` is past this build's latest
/// or the database is already past `target`.
pub(crate) async fn migrate_to(pool: &PgPool, target: i64) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(map_err)?;
    match apply(&mut tx, target).await {
        Ok(()) => tx.commit().await.map_err(map_err),
        Err(e) => {
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = %rollback, "rollback of a failed migration failed");
            }
            Err(e)
        }
    }
}

/// The body of [`migrate_to`], on its transaction.
async fn apply(tx: &mut sqlx::PgConnection, target: i64) -> Result<(), StoreError> {
    let known = latest();
    if target > known {
        return Err(StoreError::SchemaTooNew { found: target, known });
    }
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(LOCK_KEY).execute(&mut *tx).await.map_err(map_err)?;
    sqlx::query(CREATE_VERSION_TABLE).execute(&mut *tx).await.map_err(map_err)?;
    let found: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM schema_version").fetch_one(&mut *tx).await.map_err(map_err)?;
    let found = found.unwrap_or(0);
    if found > target {
        return Err(StoreError::SchemaTooNew { found, known: target });
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > found && m.version <= target) {
        tracing::info!(version = m.version, migration = m.name, "applying PostgreSQL migration");
        sqlx::raw_sql(m.sql).execute(&mut *tx).await.map_err(map_err)?;
        sqlx::query("INSERT INTO schema_version (version, name) VALUES ($1, $2)")
            .bind(m.version)
            .bind(m.name)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_contiguous_and_end_at_latest() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.name);
            assert!(m.name.starts_with(&format!("{:04}_", m.version)), "{}", m.name);
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(latest()));
    }
}
