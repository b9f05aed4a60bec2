//! [`ParamStore`] for SQLite: parameters, their versions, labels and tags, and service
//! settings (schema `0005_params.sql`).
//!
//! A parameter row points at its newest version; every read of "the parameter" joins the two.
//! Listings by path read the `parent` index (one level) or a range of the primary key (every
//! level: the names from `/a/` up to, not including, `/a0`, since `0` follows `/`). Writes
//! are one `BEGIN IMMEDIATE` transaction each. Values are opaque bytes here (a
//! `SecureString`'s are ciphertext) and are never logged.

use async_trait::async_trait;
use serde_json::{Value, json};
use sqlx::{ColumnIndex, Decode, Row, Type};
use time::OffsetDateTime;
use trent_core::events::Event;
use trent_core::params::names::parent;
use trent_core::params::{
    DataType, Listing, ParamTag, ParameterPolicy, ParameterType, ParameterVersion, ParameterWrite, PolicyStatus,
    PolicyType, StoredSetting, StoredValue, Tier, TierCounts,
};
use trent_core::store::Fault;
use trent_core::{AccountId, ParamStore, Region, Scope, StoreError};

use super::events::append_events;
use super::rows::{opt_ts_to_db, ts_from_db, ts_to_db};
use super::{SqliteStore, map_err};

/// A version's columns (alias `v`) with its labels, newline-separated (labels hold none).
const VERSION_COLUMNS: &str = "v.name, v.version, v.param_type, v.value, v.key_id, v.description, \
     v.allowed_pattern, v.tier, v.data_type, v.modified_at, v.modified_by, v.policies, \
     (SELECT group_concat(l.label, char(10)) FROM ssm_parameter_labels l WHERE l.account_id = v.account_id \
      AND l.region = v.region AND l.name = v.name AND l.version = v.version) AS labels";

/// Parameters (alias `p`) joined to their newest version (alias `v`); both backends.
pub(crate) const LATEST_FROM: &str = "FROM ssm_parameters p JOIN ssm_parameter_versions v \
     ON v.account_id = p.account_id AND v.region = p.region AND v.name = p.name AND v.version = p.version";

/// A value of an SSM table column that is no known value of its kind.
fn corrupt(column: &'static str, value: &str) -> StoreError {
    StoreError::corrupt(column, Fault::Unknown(value.to_owned()))
}

/// A version's policies as their column holds them: `[{"type", "text", "status"}]`.
pub(crate) fn policies_to_db(policies: &[ParameterPolicy]) -> String {
    Value::Array(
        policies
            .iter()
            .map(|p| json!({"type": p.kind.as_str(), "text": p.text, "status": p.status.as_str()}))
            .collect(),
    )
    .to_string()
}

/// The inverse of [`policies_to_db`].
pub(crate) fn policies_from_db(text: &str) -> Result<Vec<ParameterPolicy>, StoreError> {
    let bad = || StoreError::corrupt("ssm_parameters.policies", Fault::Undecodable);
    let items: Vec<Value> = serde_json::from_str(text).map_err(|_| bad())?;
    items
        .iter()
        .map(|item| {
            let field = |k: &str| item.get(k).and_then(Value::as_str).ok_or_else(bad);
            Ok(ParameterPolicy {
                kind: PolicyType::parse(field("type")?).ok_or_else(bad)?,
                text: field("text")?.to_owned(),
                status: PolicyStatus::parse(field("status")?).ok_or_else(bad)?,
            })
        })
        .collect()
}

/// Reads a parameter version from a row of either backend with the columns of
/// `VERSION_COLUMNS` (`labels` newline-separated, or NULL), decoding errors through the
/// backend's `map_err`.
pub(crate) fn version_from_row<R: Row>(
    row: &R,
    map_err: fn(sqlx::Error) -> StoreError,
) -> Result<ParameterVersion, StoreError>
where
    &'static str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    let kind: String = row.try_get("param_type").map_err(map_err)?;
    let tier: String = row.try_get("tier").map_err(map_err)?;
    let data_type: String = row.try_get("data_type").map_err(map_err)?;
    let version: i64 = row.try_get("version").map_err(map_err)?;
    let labels: Option<String> = row.try_get("labels").map_err(map_err)?;
    let mut labels: Vec<String> = labels.map(|l| l.split('\n').map(str::to_owned).collect()).unwrap_or_default();
    labels.sort();
    Ok(ParameterVersion {
        name: row.try_get("name").map_err(map_err)?,
        version: u64::try_from(version).map_err(|_| {
            StoreError::corrupt("ssm_parameter_versions.version", Fault::OutOfRange(i128::from(version)))
        })?,
        kind: ParameterType::parse(&kind).ok_or_else(|| corrupt("ssm_parameter_versions.param_type", &kind))?,
        value: StoredValue(row.try_get("value").map_err(map_err)?),
        key_id: row.try_get("key_id").map_err(map_err)?,
        description: row.try_get("description").map_err(map_err)?,
        allowed_pattern: row.try_get("allowed_pattern").map_err(map_err)?,
        tier: Tier::parse(&tier)
            .filter(|t| *t != Tier::IntelligentTiering)
            .ok_or_else(|| corrupt("ssm_parameters.tier", &tier))?,
        data_type: DataType::parse(&data_type)
            .ok_or_else(|| corrupt("ssm_parameter_versions.data_type", &data_type))?,
        labels,
        policies: policies_from_db(&row.try_get::<String, _>("policies").map_err(map_err)?)?,
        modified_at: ts_from_db(row.try_get("modified_at").map_err(map_err)?)?,
        modified_by: row.try_get("modified_by").map_err(map_err)?,
    })
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

/// `sql` with `?1` the account, `?2` the region and `?3` the parameter's name (or the
/// setting's id) bound: every table of this file is keyed by the three.
fn keyed<'q>(sql: &'q str, scope: &'q Scope, name: &'q str) -> Query<'q> {
    sqlx::query(sql).bind(scope.account.as_str()).bind(scope.region.as_str()).bind(name)
}

/// [`keyed`] for a query of one value.
fn keyed_scalar<'q, T>(
    sql: &'q str,
    scope: &'q Scope,
    name: &'q str,
) -> sqlx::query::QueryScalar<'q, sqlx::Sqlite, T, sqlx::sqlite::SqliteArguments<'q>>
where
    (T,): for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
{
    sqlx::query_scalar(sql).bind(scope.account.as_str()).bind(scope.region.as_str()).bind(name)
}

/// A version number as stored (both backends).
pub(crate) fn db_version(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v)
        .map_err(|_| StoreError::corrupt("ssm_parameter_versions.version", Fault::OutOfRange(i128::from(v))))
}

/// The name range `[lo, hi)` of everything below `path` (both backends: the names are
/// compared in byte order).
pub(crate) fn below(path: &str) -> (String, String) {
    let lo = if path == "/" { "/".to_owned() } else { format!("{path}/") };
    let hi = format!("{}0", &lo[..lo.len() - 1]);
    (lo, hi)
}

/// `QuotaExceeded` when a tier's count after a write (`None`: no row, none) is past the write's
/// [`ParameterWrite::tier_quota`], both backends.
pub(crate) fn check_tier_quota(count: Option<i64>, quota: u64) -> Result<(), StoreError> {
    let count = count.unwrap_or(0);
    let count = u64::try_from(count)
        .map_err(|_| StoreError::corrupt("ssm_parameter_counts.count", Fault::OutOfRange(i128::from(count))))?;
    if count > quota { Err(StoreError::QuotaExceeded) } else { Ok(()) }
}

/// Writes a parameter's new version (`PutParameter`), on the caller's transaction; with a
/// [`ParameterWrite::tier_quota`], refuses it (`QuotaExceeded`) once the parameter's row is
/// written and the scope's count of its tier is past the quota, the caller rolling back.
pub(crate) async fn write_parameter(
    conn: &mut sqlx::SqliteConnection,
    scope: &Scope,
    write: &ParameterWrite,
) -> Result<(), StoreError> {
    let v = &write.version;
    let new_version = db_version(v.version)?;
    match write.expected {
        None => {
            keyed(
                "INSERT INTO ssm_parameters (account_id, region, name, parent, version, tier, policies_due) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                scope,
                &v.name,
            )
            .bind(parent(&v.name))
            .bind(new_version)
            .bind(v.tier.as_str())
            .bind(opt_ts_to_db(write.policies_due)?)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
        }
        Some(expected) => {
            let changed = keyed(
                "UPDATE ssm_parameters SET version = ?4, tier = ?5, policies_due = ?7 \
                 WHERE account_id = ?1 AND region = ?2 AND name = ?3 AND version = ?6",
                scope,
                &v.name,
            )
            .bind(new_version)
            .bind(v.tier.as_str())
            .bind(db_version(expected)?)
            .bind(opt_ts_to_db(write.policies_due)?)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?
            .rows_affected();
            if changed == 0 {
                let found = exists(conn, scope, &v.name).await?;
                return Err(if found { StoreError::Conflict } else { StoreError::NotFound });
            }
        }
    }
    if let Some(quota) = write.tier_quota {
        // The row is written and counted by its trigger; the writer's transaction holds the
        // database, so the count read here is every writer's.
        let count: Option<i64> = sqlx::query_scalar(
            "SELECT count FROM ssm_parameter_counts WHERE account_id = ?1 AND region = ?2 AND tier = ?3",
        )
        .bind(scope.account.as_str())
        .bind(scope.region.as_str())
        .bind(v.tier.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_err)?;
        check_tier_quota(count, quota)?;
    }
    if let Some(drop) = write.drop_version {
        let drop = db_version(drop)?;
        let labelled: Option<i64> = keyed_scalar(
            "SELECT 1 FROM ssm_parameter_labels WHERE account_id = ?1 AND region = ?2 AND name = ?3 \
             AND version = ?4 LIMIT 1",
            scope,
            &v.name,
        )
        .bind(drop)
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_err)?;
        if labelled.is_some() {
            return Err(StoreError::Conflict);
        }
        keyed(
            "DELETE FROM ssm_parameter_versions WHERE account_id = ?1 AND region = ?2 AND name = ?3 \
             AND version = ?4",
            scope,
            &v.name,
        )
        .bind(drop)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
    }
    keyed(
        "INSERT INTO ssm_parameter_versions (account_id, region, name, version, param_type, value, key_id, \
         description, allowed_pattern, tier, data_type, modified_at, modified_by, policies) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        scope,
        &v.name,
    )
    .bind(new_version)
    .bind(v.kind.as_str())
    .bind(&v.value.0)
    .bind(&v.key_id)
    .bind(&v.description)
    .bind(&v.allowed_pattern)
    .bind(v.tier.as_str())
    .bind(v.data_type.as_str())
    .bind(ts_to_db(v.modified_at)?)
    .bind(&v.modified_by)
    .bind(policies_to_db(&v.policies))
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    for tag in &write.tags {
        upsert_tag(conn, scope, &v.name, tag).await?;
    }
    append_events(conn, &write.events).await
}

#[async_trait]
impl ParamStore for SqliteStore {
    async fn put_version(&self, scope: &Scope, write: &ParameterWrite) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        write_parameter(&mut tx, scope, write).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn latest(&self, scope: &Scope, name: &str) -> Result<Option<ParameterVersion>, StoreError> {
        let sql =
            format!("SELECT {VERSION_COLUMNS} {LATEST_FROM} WHERE p.account_id = ?1 AND p.region = ?2 AND p.name = ?3");
        let row = keyed(&sql, scope, name).fetch_optional(&self.reader).await.map_err(map_err)?;
        row.as_ref().map(|r| version_from_row(r, map_err)).transpose()
    }

    async fn version(&self, scope: &Scope, name: &str, version: u64) -> Result<Option<ParameterVersion>, StoreError> {
        let Ok(version) = i64::try_from(version) else { return Ok(None) };
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM ssm_parameter_versions v \
             WHERE v.account_id = ?1 AND v.region = ?2 AND v.name = ?3 AND v.version = ?4"
        );
        let row = keyed(&sql, scope, name).bind(version).fetch_optional(&self.reader).await.map_err(map_err)?;
        row.as_ref().map(|r| version_from_row(r, map_err)).transpose()
    }

    async fn labelled(&self, scope: &Scope, name: &str, label: &str) -> Result<Option<ParameterVersion>, StoreError> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM ssm_parameter_labels x JOIN ssm_parameter_versions v \
             ON v.account_id = x.account_id AND v.region = x.region AND v.name = x.name AND v.version = x.version \
             WHERE x.account_id = ?1 AND x.region = ?2 AND x.name = ?3 AND x.label = ?4"
        );
        let row = keyed(&sql, scope, name).bind(label).fetch_optional(&self.reader).await.map_err(map_err)?;
        row.as_ref().map(|r| version_from_row(r, map_err)).transpose()
    }

    async fn history(
        &self,
        scope: &Scope,
        name: &str,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<ParameterVersion>, StoreError> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM ssm_parameter_versions v \
             WHERE v.account_id = ?1 AND v.region = ?2 AND v.name = ?3 AND v.version > ?4 \
             ORDER BY v.version LIMIT ?5"
        );
        let rows = keyed(&sql, scope, name)
            .bind(db_version(after.unwrap_or(0))?)
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| version_from_row(r, map_err)).collect()
    }

    async fn list(
        &self,
        scope: &Scope,
        listing: Listing<'_>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ParameterVersion>, StoreError> {
        let after = after.unwrap_or("");
        let base = format!("SELECT {VERSION_COLUMNS} {LATEST_FROM} WHERE p.account_id = ?1 AND p.region = ?2");
        let query = match listing {
            Listing::All => {
                let sql = format!("{base} AND p.name > ?3 ORDER BY p.name LIMIT ?4");
                sqlx::query(&sql)
                    .bind(scope.account.as_str())
                    .bind(scope.region.as_str())
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await
            }
            Listing::Children(path) => {
                let sql = format!("{base} AND p.parent = ?3 AND p.name > ?4 ORDER BY p.name LIMIT ?5");
                sqlx::query(&sql)
                    .bind(scope.account.as_str())
                    .bind(scope.region.as_str())
                    .bind(path)
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await
            }
            Listing::Below(path) => {
                let (lo, hi) = below(path);
                let sql = format!("{base} AND p.name >= ?3 AND p.name < ?4 AND p.name > ?5 ORDER BY p.name LIMIT ?6");
                sqlx::query(&sql)
                    .bind(scope.account.as_str())
                    .bind(scope.region.as_str())
                    .bind(lo)
                    .bind(hi)
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await
            }
        };
        query.map_err(map_err)?.iter().map(|r| version_from_row(r, map_err)).collect()
    }

    async fn delete_parameter(
        &self,
        scope: &Scope,
        name: &str,
        version: Option<u64>,
        events: &[Event],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let at = version.map(db_version).transpose()?;
        let deleted = keyed(
            "DELETE FROM ssm_parameters WHERE account_id = ?1 AND region = ?2 AND name = ?3 \
             AND (?4 IS NULL OR version = ?4)",
            scope,
            name,
        )
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
        if deleted == 0 {
            return Err(if at.is_some() && exists(&mut tx, scope, name).await? {
                StoreError::Conflict
            } else {
                StoreError::NotFound
            });
        }
        append_events(&mut tx, events).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn policies_due(&self, now: OffsetDateTime, limit: u32) -> Result<Vec<(Scope, String)>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT account_id, region, name FROM ssm_parameters \
             WHERE policies_due IS NOT NULL AND policies_due <= ?1 ORDER BY policies_due LIMIT ?2",
        )
        .bind(ts_to_db(now)?)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        rows.into_iter()
            .map(|(account, region, name)| {
                let scope = Scope::new(
                    AccountId::parse(&account).map_err(|_| corrupt("ssm_parameters.account_id", &account))?,
                    Region::parse(&region).map_err(|_| corrupt("ssm_parameters.region", &region))?,
                );
                Ok((scope, name))
            })
            .collect()
    }

    async fn update_policies(
        &self,
        scope: &Scope,
        name: &str,
        read: &ParameterVersion,
        policies: &[ParameterPolicy],
        due: Option<OffsetDateTime>,
        events: &[Event],
    ) -> Result<(), StoreError> {
        let version = db_version(read.version)?;
        let mut tx = self.begin_write().await?;
        let changed = keyed(
            "UPDATE ssm_parameters SET policies_due = ?5 \
             WHERE account_id = ?1 AND region = ?2 AND name = ?3 AND version = ?4",
            scope,
            name,
        )
        .bind(version)
        .bind(opt_ts_to_db(due)?)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
        if changed == 0 {
            return Err(if exists(&mut tx, scope, name).await? { StoreError::Conflict } else { StoreError::NotFound });
        }
        let stored: String = keyed_scalar(
            "SELECT policies FROM ssm_parameter_versions \
             WHERE account_id = ?1 AND region = ?2 AND name = ?3 AND version = ?4",
            scope,
            name,
        )
        .bind(version)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        if policies_from_db(&stored)? != read.policies {
            return Err(StoreError::Conflict);
        }
        keyed(
            "UPDATE ssm_parameter_versions SET policies = ?5 \
             WHERE account_id = ?1 AND region = ?2 AND name = ?3 AND version = ?4",
            scope,
            name,
        )
        .bind(version)
        .bind(policies_to_db(policies))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        append_events(&mut tx, events).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn move_labels(
        &self,
        scope: &Scope,
        name: &str,
        version: u64,
        labels: &[String],
        events: &[Event],
    ) -> Result<(), StoreError> {
        let version = db_version(version)?;
        let mut tx = self.begin_write().await?;
        for label in labels {
            // A missing version fails the foreign key: NotFound.
            keyed(
                "INSERT INTO ssm_parameter_labels (account_id, region, name, label, version) \
                 VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (account_id, region, name, label) DO UPDATE SET version = excluded.version",
                scope,
                name,
            )
            .bind(label)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        append_events(&mut tx, events).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn remove_labels(
        &self,
        scope: &Scope,
        name: &str,
        version: u64,
        labels: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let version = db_version(version)?;
        let mut removed = Vec::new();
        let mut tx = self.begin_write().await?;
        for label in labels {
            let n = keyed(
                "DELETE FROM ssm_parameter_labels WHERE account_id = ?1 AND region = ?2 AND name = ?3 \
                 AND label = ?4 AND version = ?5",
                scope,
                name,
            )
            .bind(label)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
            if n > 0 {
                removed.push(label.clone());
            }
        }
        tx.commit().await.map_err(map_err)?;
        Ok(removed)
    }

    async fn count_by_tier(&self, scope: &Scope) -> Result<TierCounts, StoreError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT tier, count FROM ssm_parameter_counts WHERE account_id = ?1 AND region = ?2")
                .bind(scope.account.as_str())
                .bind(scope.region.as_str())
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
        tier_counts(rows)
    }

    async fn put_param_tags(&self, scope: &Scope, name: &str, tags: &[ParamTag]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for tag in tags {
            upsert_tag(&mut tx, scope, name, tag).await?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn remove_param_tags(&self, scope: &Scope, name: &str, keys: &[String]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for key in keys {
            keyed(
                "DELETE FROM ssm_parameter_tags WHERE account_id = ?1 AND region = ?2 AND name = ?3 AND tag_key = ?4",
                scope,
                name,
            )
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn param_tags(&self, scope: &Scope, name: &str) -> Result<Vec<ParamTag>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT tag_key, tag_value FROM ssm_parameter_tags WHERE account_id = ?1 AND region = ?2 AND name = ?3 \
             ORDER BY tag_key",
        )
        .bind(scope.account.as_str())
        .bind(scope.region.as_str())
        .bind(name)
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(|(key, value)| ParamTag { key, value }).collect())
    }

    async fn setting(&self, scope: &Scope, id: &str) -> Result<Option<StoredSetting>, StoreError> {
        let row: Option<(String, i64, String)> = sqlx::query_as(
            "SELECT value, modified_at, modified_by FROM ssm_service_settings \
             WHERE account_id = ?1 AND region = ?2 AND setting_id = ?3",
        )
        .bind(scope.account.as_str())
        .bind(scope.region.as_str())
        .bind(id)
        .fetch_optional(&self.reader)
        .await
        .map_err(map_err)?;
        row.map(|(value, at, by)| {
            Ok(StoredSetting { id: id.to_owned(), value, modified_at: ts_from_db(at)?, modified_by: by })
        })
        .transpose()
    }

    async fn put_setting(&self, scope: &Scope, setting: &StoredSetting) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await.map_err(map_err)?;
        keyed(
            "INSERT INTO ssm_service_settings (account_id, region, setting_id, value, modified_at, modified_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (account_id, region, setting_id) DO UPDATE SET \
             value = excluded.value, modified_at = excluded.modified_at, modified_by = excluded.modified_by",
            scope,
            &setting.id,
        )
        .bind(&setting.value)
        .bind(ts_to_db(setting.modified_at)?)
        .bind(&setting.modified_by)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn delete_setting(&self, scope: &Scope, id: &str) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await.map_err(map_err)?;
        keyed("DELETE FROM ssm_service_settings WHERE account_id = ?1 AND region = ?2 AND setting_id = ?3", scope, id)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}

/// The per-tier counts from `(tier, count)` rows of either backend.
pub(crate) fn tier_counts(rows: Vec<(String, i64)>) -> Result<TierCounts, StoreError> {
    let mut counts = TierCounts::default();
    for (tier, n) in rows {
        let n = u64::try_from(n)
            .map_err(|_| StoreError::corrupt("ssm_parameter_counts", Fault::OutOfRange(i128::from(n))))?;
        match Tier::parse(&tier) {
            Some(Tier::Standard) => counts.standard = n,
            Some(Tier::Advanced) => counts.advanced = n,
            _ => return Err(corrupt("ssm_parameters.tier", &tier)),
        }
    }
    Ok(counts)
}

/// Adds a tag or overwrites its value, on the caller's transaction; a missing parameter fails
/// the foreign key (`NotFound`).
/// Whether the parameter exists, read inside the caller's transaction.
async fn exists(conn: &mut sqlx::SqliteConnection, scope: &Scope, name: &str) -> Result<bool, StoreError> {
    let found: Option<i64> =
        keyed_scalar("SELECT 1 FROM ssm_parameters WHERE account_id = ?1 AND region = ?2 AND name = ?3", scope, name)
            .fetch_optional(&mut *conn)
            .await
            .map_err(map_err)?;
    Ok(found.is_some())
}

async fn upsert_tag(
    conn: &mut sqlx::SqliteConnection,
    scope: &Scope,
    name: &str,
    tag: &ParamTag,
) -> Result<(), StoreError> {
    keyed(
        "INSERT INTO ssm_parameter_tags (account_id, region, name, tag_key, tag_value) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (account_id, region, name, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
        scope,
        name,
    )
    .bind(&tag.key)
    .bind(&tag.value)
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_is_the_name_range_of_a_path() {
        assert_eq!(below("/"), ("/".to_owned(), "0".to_owned()));
        assert_eq!(below("/a/b"), ("/a/b/".to_owned(), "/a/b0".to_owned()));
    }
}
