//! Databases as an earlier Trent left them: the first migrations applied by hand, for the
//! upgrade tests to fill with rows of that time and open with the current store.

use std::path::Path;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

/// Every migration of the main database, numbered from 1.
const MIGRATIONS: [(&str, &str); 20] = [
    ("0001_init.sql", include_str!("../../migrations/sqlite/0001_init.sql")),
    ("0002_grants.sql", include_str!("../../migrations/sqlite/0002_grants.sql")),
    ("0003_iam.sql", include_str!("../../migrations/sqlite/0003_iam.sql")),
    ("0004_key_manager.sql", include_str!("../../migrations/sqlite/0004_key_manager.sql")),
    ("0005_multi_region.sql", include_str!("../../migrations/sqlite/0005_multi_region.sql")),
    ("0006_secrets.sql", include_str!("../../migrations/sqlite/0006_secrets.sql")),
    ("0007_params.sql", include_str!("../../migrations/sqlite/0007_params.sql")),
    ("0008_secret_rotation.sql", include_str!("../../migrations/sqlite/0008_secret_rotation.sql")),
    ("0009_param_policies_events.sql", include_str!("../../migrations/sqlite/0009_param_policies_events.sql")),
    ("0010_imported_material.sql", include_str!("../../migrations/sqlite/0010_imported_material.sql")),
    ("0011_secret_replicas.sql", include_str!("../../migrations/sqlite/0011_secret_replicas.sql")),
    ("0012_key_last_usage.sql", include_str!("../../migrations/sqlite/0012_key_last_usage.sql")),
    ("0013_event_deliveries.sql", include_str!("../../migrations/sqlite/0013_event_deliveries.sql")),
    ("0014_param_counts.sql", include_str!("../../migrations/sqlite/0014_param_counts.sql")),
    ("0015_custom_key_stores.sql", include_str!("../../migrations/sqlite/0015_custom_key_stores.sql")),
    ("0016_imported_rotation.sql", include_str!("../../migrations/sqlite/0016_imported_rotation.sql")),
    ("0017_keys_in_custom_key_stores.sql", include_str!("../../migrations/sqlite/0017_keys_in_custom_key_stores.sql")),
    ("0018_replica_retry_at.sql", include_str!("../../migrations/sqlite/0018_replica_retry_at.sql")),
    ("0019_cross_account_replicas.sql", include_str!("../../migrations/sqlite/0019_cross_account_replicas.sql")),
    ("0020_cross_account_failures.sql", include_str!("../../migrations/sqlite/0020_cross_account_failures.sql")),
];

/// A new database at `path` with migrations 1 to `version` applied and recorded.
pub(crate) async fn database_at_version(path: &Path, version: usize) -> SqliteConnection {
    let options = SqliteConnectOptions::new().filename(path).create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await.expect("create");
    sqlx::query("CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL) STRICT")
        .execute(&mut conn)
        .await
        .expect("version table");
    for (i, (name, sql)) in MIGRATIONS[..version].iter().enumerate() {
        sqlx::raw_sql(sql).execute(&mut conn).await.expect(name);
        sqlx::query("INSERT INTO schema_version (version, name) VALUES (?1, ?2)")
            .bind(i as i64 + 1)
            .bind(name)
            .execute(&mut conn)
            .await
            .expect("record version");
    }
    conn
}
