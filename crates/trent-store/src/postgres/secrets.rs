//! [`SecretsStore`] for PostgreSQL: the `secrets` and `secret_versions` tables of
//! `migrations/postgres/0003_secrets.sql`, read and bound with the SQLite backend's row code.
//! Values are opaque envelope-encrypted bytes here and are never logged.

use async_trait::async_trait;
use sqlx::{PgConnection, Postgres};
use time::OffsetDateTime;
use trent_core::secrets::{SecretRecord, VersionRecord};
use trent_core::store::{SecretChange, SecretsStore};
use trent_core::{Scope, StoreError};

use super::kms::placeholders;
use super::{PgStore, map_err, transaction};
use crate::sqlite::rows::{scope_from_db, ts_to_db};
use crate::sqlite::secrets::{
    SECRET_COLUMNS, VERSION_COLUMNS, bind_secret, revision_to_db, secret_from_row, version_from_row,
};

const UPDATE_SECRET: &str = "UPDATE secrets SET suffix = $4, description = $5, kms_key_id = $6, created_at = $7, \
     last_changed_at = $8, last_accessed_at = $9, deleted_at = $10, deletion_date = $11, tags = $12, policy = $13, \
     labels = $14, revision = $15, rotation = $16, primary_region = $17, replicas = $18, replica_retry_at = $19, \
     cross_account_replica = $20, cross_account_role = $21, cross_account_replica_status = $22, \
     cross_account_primary = $23, cross_account_primary_status = $24, cross_account_replica_failure = $25, \
     cross_account_primary_failure = $26 \
     WHERE account_id = $1 AND region = $2 AND name = $3 AND revision = $27";

async fn insert_version(conn: &mut PgConnection, secret: &SecretRecord, v: &VersionRecord) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO secret_versions (account_id, region, name, {VERSION_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    );
    sqlx::query(&sql)
        .bind(secret.scope.account.as_str())
        .bind(secret.scope.region.as_str())
        .bind(secret.name.as_str())
        .bind(v.version_id.as_str())
        .bind(ts_to_db(v.created_at)?)
        .bind(v.kind.as_str())
        .bind(v.key_arn.as_str())
        .bind(v.wrapped_key.as_slice())
        .bind(v.ciphertext.as_slice())
        .execute(conn)
        .await
        .map_err(map_err)?;
    Ok(())
}

/// Why a write conditional on a secret's revision changed no row, asked on the writer's
/// transaction: [`StoreError::Conflict`] if the secret is there (its revision moved),
/// [`StoreError::NotFound`] if it is gone.
async fn missing_or_moved(conn: &mut PgConnection, scope: &Scope, name: &str) -> Result<StoreError, StoreError> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM secrets WHERE account_id = $1 AND region = $2 AND name = $3)")
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .fetch_one(conn)
            .await
            .map_err(map_err)?;
    Ok(if exists { StoreError::Conflict } else { StoreError::NotFound })
}

/// Inserts a new secret and its first version, if any, on the caller's transaction.
pub(crate) async fn insert_secret_rows(
    conn: &mut PgConnection,
    secret: &SecretRecord,
    version: Option<&VersionRecord>,
) -> Result<(), StoreError> {
    let sql = format!("INSERT INTO secrets ({SECRET_COLUMNS}) VALUES ({})", placeholders(SECRET_COLUMNS));
    bind_secret(sqlx::query::<Postgres>(&sql), secret)?.execute(&mut *conn).await.map_err(map_err)?;
    if let Some(v) = version {
        insert_version(conn, secret, v).await?;
    }
    Ok(())
}

#[async_trait]
impl SecretsStore for PgStore {
    async fn insert_secret(&self, secret: &SecretRecord, version: Option<&VersionRecord>) -> Result<(), StoreError> {
        transaction!(self, |tx| insert_secret_rows(&mut tx, secret, version).await?)
    }

    async fn secret_stamp(&self, scope: &Scope, name: &str) -> Result<Option<String>, StoreError> {
        let secret = (scope.clone(), name.to_owned());
        Ok(self.secret_stamps(std::slice::from_ref(&secret)).await?.remove(&secret))
    }

    async fn get_secret(&self, scope: &Scope, name: &str) -> Result<Option<SecretRecord>, StoreError> {
        let sql = format!("SELECT {SECRET_COLUMNS} FROM secrets WHERE account_id = $1 AND region = $2 AND name = $3");
        let row = sqlx::query(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .fetch_optional(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        row.as_ref().map(|r| secret_from_row(r, map_err)).transpose()
    }

    async fn list_secrets(&self, scope: &Scope) -> Result<Vec<SecretRecord>, StoreError> {
        let sql = format!("SELECT {SECRET_COLUMNS} FROM secrets WHERE account_id = $1 AND region = $2 ORDER BY name");
        let rows = sqlx::query(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .fetch_all(&mut self.conn().await?)
            .await;
        rows.map_err(map_err)?.iter().map(|r| secret_from_row(r, map_err)).collect()
    }

    async fn update_secret(&self, change: SecretChange<'_>) -> Result<(), StoreError> {
        let secret = change.secret;
        let (account, region, name) = (secret.scope.account.as_str(), secret.scope.region.as_str(), &secret.name);
        transaction!(self, |tx| {
            let done = bind_secret(sqlx::query::<Postgres>(UPDATE_SECRET), secret)?
                .bind(revision_to_db(change.expected_revision)?)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            if done.rows_affected() == 0 {
                return Err(missing_or_moved(&mut tx, &secret.scope, name).await?);
            }
            if let Some(v) = change.new_version {
                insert_version(&mut tx, secret, v).await?;
            }
            // Pruned versions go, and upserted ones replace their stored namesakes.
            let mut gone: Vec<&str> = change.pruned.iter().map(String::as_str).collect();
            gone.extend(change.upserted.iter().map(|v| v.version_id.as_str()));
            sqlx::query(
                "DELETE FROM secret_versions WHERE account_id = $1 AND region = $2 AND name = $3 \
                 AND version_id = ANY($4)",
            )
            .bind(account)
            .bind(region)
            .bind(name)
            .bind(&gone)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            for v in change.upserted {
                insert_version(&mut tx, secret, v).await?;
            }
            super::events::append_events(&mut tx, change.events).await?;
        })
    }

    async fn touch_secret(&self, scope: &Scope, name: &str, day: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query("UPDATE secrets SET last_accessed_at = $4 WHERE account_id = $1 AND region = $2 AND name = $3")
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .bind(ts_to_db(day)?)
            .execute(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn get_version(
        &self,
        scope: &Scope,
        name: &str,
        version_id: &str,
    ) -> Result<Option<VersionRecord>, StoreError> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM secret_versions \
             WHERE account_id = $1 AND region = $2 AND name = $3 AND version_id = $4"
        );
        let row = sqlx::query(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .bind(version_id)
            .fetch_optional(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        row.as_ref().map(|r| version_from_row(r, map_err)).transpose()
    }

    async fn versions(&self, scope: &Scope, name: &str) -> Result<Vec<VersionRecord>, StoreError> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM secret_versions WHERE account_id = $1 AND region = $2 AND name = $3 \
             ORDER BY created_at, version_id"
        );
        let rows = sqlx::query(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .fetch_all(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| version_from_row(r, map_err)).collect()
    }

    /// Removes the secret; its versions go with it (`ON DELETE CASCADE`).
    async fn delete_secret(&self, scope: &Scope, name: &str, expected_revision: Option<u64>) -> Result<(), StoreError> {
        let expected = expected_revision.map(revision_to_db).transpose()?;
        transaction!(self, |tx| {
            let done = sqlx::query(
                "DELETE FROM secrets WHERE account_id = $1 AND region = $2 AND name = $3 \
                 AND ($4::BIGINT IS NULL OR revision = $4)",
            )
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .bind(expected)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            if done.rows_affected() == 0 {
                return Err(missing_or_moved(&mut tx, scope, name).await?);
            }
        })
    }

    async fn rotating_secrets(&self) -> Result<Vec<(Scope, String)>, StoreError> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT account_id, region, name FROM secrets WHERE rotation IS NOT NULL")
                .fetch_all(&mut self.conn().await?)
                .await
                .map_err(map_err)?;
        rows.into_iter().map(|(a, r, n)| Ok((scope_from_db(&a, &r)?, n))).collect()
    }

    async fn secrets_with_replicas_due(&self, now: OffsetDateTime) -> Result<Vec<(Scope, String)>, StoreError> {
        // Through the partial index `secrets_by_replica_retry`.
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT account_id, region, name FROM secrets WHERE replica_retry_at IS NOT NULL AND replica_retry_at <= $1",
        )
        .bind(ts_to_db(now)?)
        .fetch_all(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        rows.into_iter().map(|(a, r, n)| Ok((scope_from_db(&a, &r)?, n))).collect()
    }

    async fn secrets_due(&self, now: OffsetDateTime) -> Result<Vec<(Scope, String)>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT account_id, region, name FROM secrets WHERE deletion_date IS NOT NULL AND deletion_date <= $1",
        )
        .bind(ts_to_db(now)?)
        .fetch_all(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        rows.into_iter().map(|(a, r, n)| Ok((scope_from_db(&a, &r)?, n))).collect()
    }
}
