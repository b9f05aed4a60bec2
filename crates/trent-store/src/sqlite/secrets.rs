//! [`SecretsStore`] for SQLite: the `secrets` and `secret_versions` tables.
//!
//! A secret's labels and tags are JSON columns of its row, written with it under its revision.
//! Values are opaque envelope-encrypted bytes here and are never logged. Deleting a secret
//! removes its versions (foreign key `ON DELETE CASCADE`), overwrites them on disk
//! (`secure_delete`) and checkpoints the WAL so no copy lingers there.

use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::{ColumnIndex, Database, Decode, Encode, Row, Type};
use time::OffsetDateTime;
use trent_core::kms::Tag;
use trent_core::secrets::{
    CrossAccountFailure, CrossAccountPrimary, CrossAccountReplica, CrossAccountStatus, ReplicaFailure, ReplicaRecord,
    ReplicationStatus, SecretRecord, ValueKind, VersionRecord,
};
use trent_core::store::Fault;
use trent_core::store::{SecretChange, SecretsStore};
use trent_core::{Region, Scope, StoreError};

use super::rows::{Query, enumeration, opt_ts_from_db, opt_ts_to_db, scope_from_db, ts_from_db, ts_to_db, unsigned};
use super::{SqliteStore, map_err};

/// The columns of `secrets`, in the parameter order of [`bind_secret`]. The last,
/// `replica_retry_at`, is derived from `replicas` ([`SecretRecord::replica_retry_at`]) and
/// written with it, for the scheduler's indexed lookup; reading a row ignores it.
pub(crate) const SECRET_COLUMNS: &str = "account_id, region, name, suffix, description, kms_key_id, created_at, \
     last_changed_at, last_accessed_at, deleted_at, deletion_date, tags, policy, labels, revision, rotation, \
     primary_region, replicas, replica_retry_at, cross_account_replica, cross_account_role, \
     cross_account_replica_status, cross_account_primary, cross_account_primary_status, \
     cross_account_replica_failure, cross_account_primary_failure";

/// The columns of `secret_versions` after the secret's key, in the order of [`bind_version`].
pub(crate) const VERSION_COLUMNS: &str = "version_id, created_at, kind, key_arn, wrapped_key, ciphertext";

const UPDATE_SECRET: &str = "UPDATE secrets SET suffix = ?4, description = ?5, kms_key_id = ?6, created_at = ?7, \
     last_changed_at = ?8, last_accessed_at = ?9, deleted_at = ?10, deletion_date = ?11, tags = ?12, policy = ?13, \
     labels = ?14, revision = ?15, rotation = ?16, primary_region = ?17, replicas = ?18, replica_retry_at = ?19, \
     cross_account_replica = ?20, cross_account_role = ?21, cross_account_replica_status = ?22, \
     cross_account_primary = ?23, cross_account_primary_status = ?24, cross_account_replica_failure = ?25, \
     cross_account_primary_failure = ?26 \
     WHERE account_id = ?1 AND region = ?2 AND name = ?3 AND revision = ?27";

/// A value of a `secrets` column that does not decode, with the decoder's error.
fn corrupt(column: &'static str, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    StoreError::corrupt_because(column, Fault::Undecodable, e)
}

pub(crate) fn tags_to_db(tags: &[Tag]) -> String {
    let pairs: Vec<[&str; 2]> = tags.iter().map(|t| [t.key.as_str(), t.value.as_str()]).collect();
    serde_json::Value::from(pairs.iter().map(|p| serde_json::Value::from(p.to_vec())).collect::<Vec<_>>()).to_string()
}

fn tags_from_db(text: &str) -> Result<Vec<Tag>, StoreError> {
    let pairs: Vec<(String, String)> = serde_json::from_str(text).map_err(|e| corrupt("secrets.tags", e))?;
    Ok(pairs.into_iter().map(|(key, value)| Tag { key, value }).collect())
}

pub(crate) fn labels_to_db(labels: &BTreeMap<String, String>) -> String {
    serde_json::Value::from(serde_json::Map::from_iter(
        labels.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str()))),
    ))
    .to_string()
}

fn labels_from_db(text: &str) -> Result<BTreeMap<String, String>, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt("secrets.labels", e))
}

pub(crate) fn revision_to_db(r: u64) -> Result<i64, StoreError> {
    i64::try_from(r).map_err(|_| StoreError::corrupt("secrets.revision", Fault::OutOfRange(i128::from(r))))
}

/// A primary's replicas as stored: `[{"region", "kms_key_id", "status", "failure", "failures",
/// "retry_at"}, ...]` (the last two absent in rows written before background retries).
pub(crate) fn replicas_to_db(replicas: &[ReplicaRecord]) -> Result<String, StoreError> {
    let items = replicas
        .iter()
        .map(|r| {
            Ok(serde_json::json!({
                "region": r.region.as_str(),
                "kms_key_id": r.kms_key_id,
                "status": r.status.as_str(),
                "failure": r.failure.map(ReplicaFailure::as_str),
                "failures": r.failures,
                "retry_at": r.retry_at.map(ts_to_db).transpose()?,
            }))
        })
        .collect::<Result<Vec<serde_json::Value>, StoreError>>()?;
    Ok(serde_json::Value::from(items).to_string())
}

fn replicas_from_db(text: &str) -> Result<Vec<ReplicaRecord>, StoreError> {
    let items: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| corrupt("secrets.replicas", e))?;
    let field =
        |item: &serde_json::Value, name: &str| item.get(name).and_then(serde_json::Value::as_str).map(str::to_owned);
    items
        .iter()
        .map(|item| {
            let region = field(item, "region")
                .ok_or_else(|| StoreError::corrupt("secrets.replicas", Fault::Missing("a replica's region")))?;
            let status = field(item, "status")
                .ok_or_else(|| StoreError::corrupt("secrets.replicas", Fault::Missing("a replica's status")))?;
            Ok(ReplicaRecord {
                region: Region::parse(&region).map_err(|e| corrupt("secrets.replicas", e))?,
                kms_key_id: field(item, "kms_key_id"),
                status: enumeration("replicas", &status, ReplicationStatus::parse)?,
                failure: field(item, "failure")
                    .map(|f| enumeration("replicas", &f, ReplicaFailure::parse))
                    .transpose()?,
                failures: match item.get("failures") {
                    None | Some(serde_json::Value::Null) => 0,
                    Some(n) => n
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| corrupt("replicas", "a replica's failure count"))?,
                },
                retry_at: match item.get("retry_at") {
                    None | Some(serde_json::Value::Null) => None,
                    Some(t) => {
                        Some(ts_from_db(t.as_i64().ok_or_else(|| corrupt("replicas", "a replica's retry time"))?)?)
                    }
                },
            })
        })
        .collect()
}

/// Binds every column of `secrets` as `?1`..`?26` (`$1`..`$26`), on a query of either backend.
pub(crate) fn bind_secret<'q, DB: Database>(q: Query<'q, DB>, s: &SecretRecord) -> Result<Query<'q, DB>, StoreError>
where
    String: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
{
    Ok(q.bind(s.scope.account.as_str().to_owned())
        .bind(s.scope.region.as_str().to_owned())
        .bind(s.name.clone())
        .bind(s.suffix.clone())
        .bind(s.description.clone())
        .bind(s.kms_key_id.clone())
        .bind(ts_to_db(s.created_at)?)
        .bind(ts_to_db(s.last_changed_at)?)
        .bind(opt_ts_to_db(s.last_accessed_at)?)
        .bind(opt_ts_to_db(s.deleted_at)?)
        .bind(opt_ts_to_db(s.deletion_date)?)
        .bind(tags_to_db(&s.tags))
        .bind(s.policy.clone())
        .bind(labels_to_db(&s.labels))
        .bind(revision_to_db(s.revision)?)
        .bind(s.rotation.as_ref().map(super::secret_rotation::to_db).transpose()?)
        .bind(s.primary_region.as_ref().map(|r| r.as_str().to_owned()))
        .bind(replicas_to_db(&s.replicas)?)
        .bind(opt_ts_to_db(s.replica_retry_at())?)
        .bind(s.cross_account_replica.as_ref().map(|r| r.arn.clone()))
        .bind(s.cross_account_replica.as_ref().and_then(|r| r.role_arn.clone()))
        .bind(s.cross_account_replica.as_ref().map(|r| r.status.as_str().to_owned()))
        .bind(s.cross_account_primary.as_ref().map(|p| p.arn.clone()))
        .bind(s.cross_account_primary.as_ref().map(|p| p.status.as_str().to_owned()))
        .bind(s.cross_account_replica.as_ref().and_then(|r| r.failure).map(|f| f.as_str().to_owned()))
        .bind(s.cross_account_primary.as_ref().and_then(|p| p.failure).map(|f| f.as_str().to_owned())))
}

/// A cross-account link's ARN and status, both present or both absent.
fn cross_account_link(
    column: &'static str,
    arn: Option<String>,
    status: Option<String>,
) -> Result<Option<(String, CrossAccountStatus)>, StoreError> {
    match (arn, status) {
        (None, None) => Ok(None),
        (Some(arn), Some(status)) => Ok(Some((arn, enumeration(column, &status, CrossAccountStatus::parse)?))),
        (Some(_), None) => Err(StoreError::corrupt(column, Fault::Missing("a cross-account link's status"))),
        (None, Some(_)) => Err(StoreError::corrupt(column, Fault::Missing("a cross-account link's ARN"))),
    }
}

/// A cross-account link's failure, absent unless the link is `Failed`.
fn failure_from_db(column: &'static str, failure: Option<String>) -> Result<Option<CrossAccountFailure>, StoreError> {
    failure.map(|f| enumeration(column, &f, CrossAccountFailure::parse)).transpose()
}

/// Reads a `secrets` row of either backend, mapping a column error with the backend's `map`.
pub(crate) fn secret_from_row<R: Row>(
    row: &R,
    map_err: fn(sqlx::Error) -> StoreError,
) -> Result<SecretRecord, StoreError>
where
    &'static str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    let get_s = |c: &'static str| row.try_get::<String, _>(c).map_err(map_err);
    let get_os = |c: &'static str| row.try_get::<Option<String>, _>(c).map_err(map_err);
    let get_oi = |c: &'static str| row.try_get::<Option<i64>, _>(c).map_err(map_err);
    Ok(SecretRecord {
        scope: scope_from_db(&get_s("account_id")?, &get_s("region")?)?,
        name: get_s("name")?,
        suffix: get_s("suffix")?,
        description: get_os("description")?,
        kms_key_id: get_os("kms_key_id")?,
        created_at: ts_from_db(row.try_get("created_at").map_err(map_err)?)?,
        last_changed_at: ts_from_db(row.try_get("last_changed_at").map_err(map_err)?)?,
        last_accessed_at: opt_ts_from_db(get_oi("last_accessed_at")?)?,
        deleted_at: opt_ts_from_db(get_oi("deleted_at")?)?,
        deletion_date: opt_ts_from_db(get_oi("deletion_date")?)?,
        tags: tags_from_db(&get_s("tags")?)?,
        policy: get_os("policy")?,
        labels: labels_from_db(&get_s("labels")?)?,
        revision: unsigned("revision", row.try_get("revision").map_err(map_err)?)?,
        rotation: get_os("rotation")?.as_deref().map(super::secret_rotation::from_db).transpose()?,
        primary_region: get_os("primary_region")?
            .map(|r| Region::parse(&r).map_err(|e| corrupt("secrets.primary_region", e)))
            .transpose()?,
        replicas: replicas_from_db(&get_s("replicas")?)?,
        cross_account_replica: cross_account_link(
            "cross_account_replica_status",
            get_os("cross_account_replica")?,
            get_os("cross_account_replica_status")?,
        )?
        .map(|(arn, status)| {
            Ok::<_, StoreError>(CrossAccountReplica {
                arn,
                role_arn: get_os("cross_account_role")?,
                status,
                failure: failure_from_db("cross_account_replica_failure", get_os("cross_account_replica_failure")?)?,
            })
        })
        .transpose()?,
        cross_account_primary: cross_account_link(
            "cross_account_primary_status",
            get_os("cross_account_primary")?,
            get_os("cross_account_primary_status")?,
        )?
        .map(|(arn, status)| {
            let failure = failure_from_db("cross_account_primary_failure", get_os("cross_account_primary_failure")?)?;
            Ok::<_, StoreError>(CrossAccountPrimary { arn, status, failure })
        })
        .transpose()?,
    })
}

/// Reads a `secret_versions` row of either backend, mapping a column error with `map_err`.
pub(crate) fn version_from_row<R: Row>(
    row: &R,
    map_err: fn(sqlx::Error) -> StoreError,
) -> Result<VersionRecord, StoreError>
where
    &'static str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    let kind: String = row.try_get("kind").map_err(map_err)?;
    Ok(VersionRecord {
        version_id: row.try_get("version_id").map_err(map_err)?,
        created_at: ts_from_db(row.try_get("created_at").map_err(map_err)?)?,
        kind: enumeration("kind", &kind, ValueKind::parse)?,
        key_arn: row.try_get("key_arn").map_err(map_err)?,
        wrapped_key: row.try_get("wrapped_key").map_err(map_err)?,
        ciphertext: row.try_get("ciphertext").map_err(map_err)?,
    })
}

async fn insert_version(
    conn: &mut sqlx::SqliteConnection,
    secret: &SecretRecord,
    v: &VersionRecord,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO secret_versions (account_id, region, name, {VERSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
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

async fn delete_version(
    conn: &mut sqlx::SqliteConnection,
    secret: &SecretRecord,
    version_id: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM secret_versions WHERE account_id = ?1 AND region = ?2 AND name = ?3 AND version_id = ?4")
        .bind(secret.scope.account.as_str())
        .bind(secret.scope.region.as_str())
        .bind(secret.name.as_str())
        .bind(version_id)
        .execute(conn)
        .await
        .map_err(map_err)?;
    Ok(())
}

/// Why a write conditional on a secret's revision changed no row, asked on the writer's
/// transaction: [`StoreError::Conflict`] if the secret is there (its revision moved),
/// [`StoreError::NotFound`] if it is gone.
async fn missing_or_moved(
    conn: &mut sqlx::SqliteConnection,
    scope: &Scope,
    name: &str,
) -> Result<StoreError, StoreError> {
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM secrets WHERE account_id = ?1 AND region = ?2 AND name = ?3")
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .fetch_optional(conn)
            .await
            .map_err(map_err)?;
    Ok(if exists.is_some() { StoreError::Conflict } else { StoreError::NotFound })
}

/// Inserts a new secret and its first version, if any, on the caller's transaction.
pub(crate) async fn insert_secret_rows(
    conn: &mut sqlx::SqliteConnection,
    secret: &SecretRecord,
    version: Option<&VersionRecord>,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO secrets ({SECRET_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)"
    );
    bind_secret(sqlx::query(&sql), secret)?.execute(&mut *conn).await.map_err(map_err)?;
    if let Some(v) = version {
        insert_version(conn, secret, v).await?;
    }
    Ok(())
}

#[async_trait]
impl SecretsStore for SqliteStore {
    async fn insert_secret(&self, secret: &SecretRecord, version: Option<&VersionRecord>) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert_secret_rows(&mut tx, secret, version).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn get_secret(&self, scope: &Scope, name: &str) -> Result<Option<SecretRecord>, StoreError> {
        let sql = format!("SELECT {SECRET_COLUMNS} FROM secrets WHERE account_id = ?1 AND region = ?2 AND name = ?3");
        let row = sqlx::query(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)?;
        row.as_ref().map(|r| secret_from_row(r, map_err)).transpose()
    }

    async fn list_secrets(&self, scope: &Scope) -> Result<Vec<SecretRecord>, StoreError> {
        let sql = format!("SELECT {SECRET_COLUMNS} FROM secrets WHERE account_id = ?1 AND region = ?2 ORDER BY name");
        let rows = sqlx::query(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| secret_from_row(r, map_err)).collect()
    }

    async fn update_secret(&self, change: SecretChange<'_>) -> Result<(), StoreError> {
        let secret = change.secret;
        let mut tx = self.begin_write().await?;
        let done = bind_secret(sqlx::query(UPDATE_SECRET), secret)?
            .bind(revision_to_db(change.expected_revision)?)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(missing_or_moved(&mut tx, &secret.scope, &secret.name).await?);
        }
        if let Some(v) = change.new_version {
            insert_version(&mut tx, secret, v).await?;
        }
        for v in change.upserted {
            delete_version(&mut tx, secret, &v.version_id).await?;
            insert_version(&mut tx, secret, v).await?;
        }
        for id in change.pruned {
            delete_version(&mut tx, secret, id).await?;
        }
        super::events::append_events(&mut tx, change.events).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn touch_secret(&self, scope: &Scope, name: &str, day: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query("UPDATE secrets SET last_accessed_at = ?4 WHERE account_id = ?1 AND region = ?2 AND name = ?3")
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .bind(ts_to_db(day)?)
            .execute(&self.writer)
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
             WHERE account_id = ?1 AND region = ?2 AND name = ?3 AND version_id = ?4"
        );
        let row = sqlx::query(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .bind(version_id)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)?;
        row.as_ref().map(|r| version_from_row(r, map_err)).transpose()
    }

    async fn versions(&self, scope: &Scope, name: &str) -> Result<Vec<VersionRecord>, StoreError> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM secret_versions WHERE account_id = ?1 AND region = ?2 AND name = ?3 \
             ORDER BY created_at, version_id"
        );
        let rows = sqlx::query(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| version_from_row(r, map_err)).collect()
    }

    async fn delete_secret(&self, scope: &Scope, name: &str, expected_revision: Option<u64>) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "DELETE FROM secrets WHERE account_id = ?1 AND region = ?2 AND name = ?3 \
             AND (?4 IS NULL OR revision = ?4)",
        )
        .bind(scope.account.as_str())
        .bind(scope.region.as_str())
        .bind(name)
        .bind(expected_revision.map(revision_to_db).transpose()?)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(missing_or_moved(&mut tx, scope, name).await?);
        }
        tx.commit().await.map_err(map_err)?;
        self.checkpoint_truncate().await;
        Ok(())
    }

    async fn rotating_secrets(&self) -> Result<Vec<(Scope, String)>, StoreError> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT account_id, region, name FROM secrets WHERE rotation IS NOT NULL")
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
        rows.into_iter().map(|(a, r, n)| Ok((scope_from_db(&a, &r)?, n))).collect()
    }

    async fn secrets_with_replicas_due(&self, now: OffsetDateTime) -> Result<Vec<(Scope, String)>, StoreError> {
        // Through the partial index `secrets_by_replica_retry`.
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT account_id, region, name FROM secrets WHERE replica_retry_at IS NOT NULL AND replica_retry_at <= ?1",
        )
        .bind(ts_to_db(now)?)
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        rows.into_iter().map(|(a, r, n)| Ok((scope_from_db(&a, &r)?, n))).collect()
    }

    async fn secrets_due(&self, now: OffsetDateTime) -> Result<Vec<(Scope, String)>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT account_id, region, name FROM secrets WHERE deletion_date IS NOT NULL AND deletion_date <= ?1",
        )
        .bind(ts_to_db(now)?)
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        rows.into_iter().map(|(a, r, n)| Ok((scope_from_db(&a, &r)?, n))).collect()
    }
}
