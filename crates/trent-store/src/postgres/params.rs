//! [`ParamStore`] for PostgreSQL: the tables of `migrations/postgres/0004_params.sql`, read
//! with the SQLite backend's row decoder (`sqlite::params::version_from_row`).
//!
//! Listings page in byte order (`COLLATE "C"` columns), as SQLite's do. Every write of more
//! than one statement is one `SERIALIZABLE` transaction, retried by [`transaction!`]; the
//! conditional update of a parameter's current version is what makes two nodes writing the
//! same parameter at once answer one success and one `Conflict`. Values are opaque bytes here
//! (a `SecureString`'s are ciphertext) and are never logged.

use async_trait::async_trait;
use sqlx::PgConnection;
use time::OffsetDateTime;
use trent_core::events::Event;
use trent_core::params::names::parent;
use trent_core::params::{
    Listing, ParamTag, ParameterPolicy, ParameterVersion, ParameterWrite, StoredSetting, TierCounts,
};
use trent_core::store::Fault;
use trent_core::{AccountId, ParamStore, Region, Scope, StoreError};

use super::events::append_events;
use super::{PgStore, limit_clause, map_err, transaction};
use crate::sqlite::params::{
    LATEST_FROM, below, check_tier_quota, db_version, policies_from_db, policies_to_db, tier_counts, version_from_row,
};
use crate::sqlite::rows::{opt_ts_to_db, ts_from_db, ts_to_db};

/// A version's columns (alias `v`) with its labels, newline-separated (labels hold none).
const VERSION_COLUMNS: &str = "v.name, v.version, v.param_type, v.value, v.key_id, v.description, \
     v.allowed_pattern, v.tier, v.data_type, v.modified_at, v.modified_by, v.policies, \
     (SELECT string_agg(l.label, E'\\n') FROM ssm_parameter_labels l WHERE l.account_id = v.account_id \
      AND l.region = v.region AND l.name = v.name AND l.version = v.version) AS labels";

type Query<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// `sql` with `$1` the account, `$2` the region and `$3` the parameter's name (or the
/// setting's id) bound: every table of this file is keyed by the three.
fn keyed<'q>(sql: &'q str, scope: &'q Scope, name: &'q str) -> Query<'q> {
    sqlx::query(sql).bind(scope.account.as_str()).bind(scope.region.as_str()).bind(name)
}

/// [`keyed`] for a query of one value.
fn keyed_scalar<'q, T>(
    sql: &'q str,
    scope: &'q Scope,
    name: &'q str,
) -> sqlx::query::QueryScalar<'q, sqlx::Postgres, T, sqlx::postgres::PgArguments>
where
    (T,): for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    sqlx::query_scalar(sql).bind(scope.account.as_str()).bind(scope.region.as_str()).bind(name)
}

/// Makes `name`'s current version `new` (a new parameter when `expected` is `None`), on the
/// caller's transaction: `Conflict` if its current version is no longer `expected`.
async fn advance(conn: &mut PgConnection, scope: &Scope, write: &ParameterWrite) -> Result<(), StoreError> {
    let (v, expected) = (&write.version, write.expected);
    let new_version = db_version(v.version)?;
    let due = opt_ts_to_db(write.policies_due)?;
    let Some(expected) = expected else {
        keyed(
            "INSERT INTO ssm_parameters (account_id, region, name, parent, version, tier, policies_due) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            scope,
            &v.name,
        )
        .bind(parent(&v.name))
        .bind(new_version)
        .bind(v.tier.as_str())
        .bind(due)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
        return Ok(());
    };
    let changed = keyed(
        "UPDATE ssm_parameters SET version = $4, tier = $5, policies_due = $7 \
         WHERE account_id = $1 AND region = $2 AND name = $3 AND version = $6",
        scope,
        &v.name,
    )
    .bind(new_version)
    .bind(v.tier.as_str())
    .bind(db_version(expected)?)
    .bind(due)
    .execute(&mut *conn)
    .await
    .map_err(map_err)?
    .rows_affected();
    if changed > 0 {
        return Ok(());
    }
    Err(if exists(conn, scope, &v.name).await? { StoreError::Conflict } else { StoreError::NotFound })
}

/// Whether the parameter exists, read on the caller's transaction.
async fn exists(conn: &mut PgConnection, scope: &Scope, name: &str) -> Result<bool, StoreError> {
    keyed_scalar(
        "SELECT EXISTS (SELECT 1 FROM ssm_parameters WHERE account_id = $1 AND region = $2 AND name = $3)",
        scope,
        name,
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(map_err)
}

/// Deletes version `drop` of `name` (the oldest, when a parameter has 100), on the caller's
/// transaction: `Conflict` while a label points at it.
async fn drop_version(conn: &mut PgConnection, scope: &Scope, name: &str, drop: u64) -> Result<(), StoreError> {
    let drop = db_version(drop)?;
    let labelled: bool = keyed_scalar(
        "SELECT EXISTS (SELECT 1 FROM ssm_parameter_labels WHERE account_id = $1 AND region = $2 AND name = $3 \
         AND version = $4)",
        scope,
        name,
    )
    .bind(drop)
    .fetch_one(&mut *conn)
    .await
    .map_err(map_err)?;
    if labelled {
        return Err(StoreError::Conflict);
    }
    keyed(
        "DELETE FROM ssm_parameter_versions WHERE account_id = $1 AND region = $2 AND name = $3 AND version = $4",
        scope,
        name,
    )
    .bind(drop)
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Inserts a version row, on the caller's transaction.
async fn insert_version(conn: &mut PgConnection, scope: &Scope, v: &ParameterVersion) -> Result<(), StoreError> {
    keyed(
        "INSERT INTO ssm_parameter_versions (account_id, region, name, version, param_type, value, key_id, \
         description, allowed_pattern, tier, data_type, modified_at, modified_by, policies) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        scope,
        &v.name,
    )
    .bind(db_version(v.version)?)
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
    Ok(())
}

/// Adds a tag or overwrites its value, on the caller's transaction; a missing parameter fails
/// the foreign key (`NotFound`).
async fn upsert_tag(conn: &mut PgConnection, scope: &Scope, name: &str, tag: &ParamTag) -> Result<(), StoreError> {
    keyed(
        "INSERT INTO ssm_parameter_tags (account_id, region, name, tag_key, tag_value) VALUES ($1, $2, $3, $4, $5) \
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

/// Creates new parameters (writes whose `expected`, `drop_version` and `tier_quota` are
/// `None`: nothing to check before or after), on the caller's transaction, each table's rows
/// in one statement: a [`Batch`] of 500 parameters is two round trips to the database
/// instead of a thousand (`trent admin fill`). The rows are those [`write_parameter`] writes,
/// with every constraint and trigger in force (one update of the tier counts per statement);
/// tags and events, which a planned parameter has none of, follow one by one. A name that
/// exists, or appears twice, fails the statement (`AlreadyExists`).
///
/// [`Batch`]: trent_core::store::Batch
pub(crate) async fn insert_new_parameters(
    conn: &mut PgConnection,
    writes: &[(Scope, ParameterWrite)],
) -> Result<(), StoreError> {
    let n = writes.len();
    let (mut accounts, mut regions, mut names, mut parents) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut versions, mut tiers, mut dues) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut kinds, mut values, mut key_ids) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut descriptions, mut patterns, mut data_types) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut modified_at, mut modified_by, mut policies) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for (scope, write) in writes {
        let v = &write.version;
        accounts.push(scope.account.as_str());
        regions.push(scope.region.as_str());
        names.push(v.name.as_str());
        parents.push(parent(&v.name));
        versions.push(db_version(v.version)?);
        tiers.push(v.tier.as_str());
        dues.push(opt_ts_to_db(write.policies_due)?);
        kinds.push(v.kind.as_str());
        values.push(v.value.0.as_slice());
        key_ids.push(v.key_id.as_deref());
        descriptions.push(v.description.as_deref());
        patterns.push(v.allowed_pattern.as_deref());
        data_types.push(v.data_type.as_str());
        modified_at.push(ts_to_db(v.modified_at)?);
        modified_by.push(v.modified_by.as_str());
        policies.push(policies_to_db(&v.policies));
    }
    sqlx::query(
        "INSERT INTO ssm_parameters (account_id, region, name, parent, version, tier, policies_due) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], \
         $7::bigint[])",
    )
    .bind(&accounts)
    .bind(&regions)
    .bind(&names)
    .bind(&parents)
    .bind(&versions)
    .bind(&tiers)
    .bind(&dues)
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    sqlx::query(
        "INSERT INTO ssm_parameter_versions (account_id, region, name, version, param_type, value, key_id, \
         description, allowed_pattern, tier, data_type, modified_at, modified_by, policies) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bytea[], \
         $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::text[], $14::text[])",
    )
    .bind(&accounts)
    .bind(&regions)
    .bind(&names)
    .bind(&versions)
    .bind(&kinds)
    .bind(&values)
    .bind(&key_ids)
    .bind(&descriptions)
    .bind(&patterns)
    .bind(&tiers)
    .bind(&data_types)
    .bind(&modified_at)
    .bind(&modified_by)
    .bind(&policies)
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    for (scope, write) in writes {
        for tag in &write.tags {
            upsert_tag(conn, scope, &write.version.name, tag).await?;
        }
        append_events(conn, &write.events).await?;
    }
    Ok(())
}

/// Refuses `write` (`QuotaExceeded`) if it carries a [`ParameterWrite::tier_quota`] and the
/// scope's count of its tier is past it, on the caller's transaction once the parameter's row
/// is written. The counts' trigger has then updated the tier's count row, so this transaction
/// holds that row's lock until it ends: a concurrent writer of the same tier waits for it,
/// and (`SERIALIZABLE`) fails with a serialization error once it commits, to be run again by
/// [`transaction!`] on a snapshot that sees this write's place taken. A count read before
/// the write, as the domain's fast check does, would let both in.
async fn check_quota(conn: &mut PgConnection, scope: &Scope, write: &ParameterWrite) -> Result<(), StoreError> {
    let Some(quota) = write.tier_quota else { return Ok(()) };
    let count: Option<i64> = sqlx::query_scalar(
        "SELECT count FROM ssm_parameter_counts WHERE account_id = $1 AND region = $2 AND tier = $3",
    )
    .bind(scope.account.as_str())
    .bind(scope.region.as_str())
    .bind(write.version.tier.as_str())
    .fetch_optional(&mut *conn)
    .await
    .map_err(map_err)?;
    check_tier_quota(count, quota)
}

/// Writes a parameter's new version (`PutParameter`), on the caller's transaction; with a
/// [`ParameterWrite::tier_quota`], refuses it as [`check_quota`] says, the caller rolling back.
pub(crate) async fn write_parameter(
    conn: &mut PgConnection,
    scope: &Scope,
    write: &ParameterWrite,
) -> Result<(), StoreError> {
    let v = &write.version;
    advance(conn, scope, write).await?;
    check_quota(conn, scope, write).await?;
    if let Some(drop) = write.drop_version {
        drop_version(conn, scope, &v.name, drop).await?;
    }
    insert_version(conn, scope, v).await?;
    for tag in &write.tags {
        upsert_tag(conn, scope, &v.name, tag).await?;
    }
    append_events(conn, &write.events).await
}

#[async_trait]
impl ParamStore for PgStore {
    async fn put_version(&self, scope: &Scope, write: &ParameterWrite) -> Result<(), StoreError> {
        transaction!(self, |tx| write_parameter(&mut tx, scope, write).await?)
    }

    async fn parameter_stamp(&self, scope: &Scope, name: &str) -> Result<Option<String>, StoreError> {
        let parameter = (scope.clone(), name.to_owned());
        Ok(self.parameter_stamps(std::slice::from_ref(&parameter)).await?.remove(&parameter))
    }

    async fn latest(&self, scope: &Scope, name: &str) -> Result<Option<ParameterVersion>, StoreError> {
        let sql =
            format!("SELECT {VERSION_COLUMNS} {LATEST_FROM} WHERE p.account_id = $1 AND p.region = $2 AND p.name = $3");
        let row = keyed(&sql, scope, name).fetch_optional(&mut self.conn().await?).await.map_err(map_err)?;
        row.as_ref().map(|r| version_from_row(r, map_err)).transpose()
    }

    async fn version(&self, scope: &Scope, name: &str, version: u64) -> Result<Option<ParameterVersion>, StoreError> {
        let Ok(version) = i64::try_from(version) else { return Ok(None) };
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM ssm_parameter_versions v \
             WHERE v.account_id = $1 AND v.region = $2 AND v.name = $3 AND v.version = $4"
        );
        let row =
            keyed(&sql, scope, name).bind(version).fetch_optional(&mut self.conn().await?).await.map_err(map_err)?;
        row.as_ref().map(|r| version_from_row(r, map_err)).transpose()
    }

    async fn labelled(&self, scope: &Scope, name: &str, label: &str) -> Result<Option<ParameterVersion>, StoreError> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM ssm_parameter_labels x JOIN ssm_parameter_versions v \
             ON v.account_id = x.account_id AND v.region = x.region AND v.name = x.name AND v.version = x.version \
             WHERE x.account_id = $1 AND x.region = $2 AND x.name = $3 AND x.label = $4"
        );
        let row =
            keyed(&sql, scope, name).bind(label).fetch_optional(&mut self.conn().await?).await.map_err(map_err)?;
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
             WHERE v.account_id = $1 AND v.region = $2 AND v.name = $3 AND v.version > $4 \
             ORDER BY v.version LIMIT $5"
        );
        let rows = keyed(&sql, scope, name)
            .bind(db_version(after.unwrap_or(0))?)
            .bind(i64::from(limit))
            .fetch_all(&mut self.conn().await?)
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
        let base = format!("SELECT {VERSION_COLUMNS} {LATEST_FROM} WHERE p.account_id = $1 AND p.region = $2");
        let (account, region, limit) = (scope.account.as_str(), scope.region.as_str(), limit_clause(limit));
        let query = match listing {
            Listing::All => {
                let sql = format!("{base} AND p.name > $3 ORDER BY p.name{limit}");
                sqlx::query(&sql).bind(account).bind(region).bind(after).fetch_all(&mut self.conn().await?).await
            }
            Listing::Children(path) => {
                let sql = format!("{base} AND p.parent = $3 AND p.name > $4 ORDER BY p.name{limit}");
                let q = sqlx::query(&sql).bind(account).bind(region).bind(path).bind(after);
                q.fetch_all(&mut self.conn().await?).await
            }
            Listing::Below(path) => {
                let (lo, hi) = below(path);
                let sql = format!("{base} AND p.name >= $3 AND p.name < $4 AND p.name > $5 ORDER BY p.name{limit}");
                let q = sqlx::query(&sql).bind(account).bind(region).bind(lo).bind(hi).bind(after);
                q.fetch_all(&mut self.conn().await?).await
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
        let at = version.map(db_version).transpose()?;
        transaction!(self, |tx| {
            // The versions, labels and tags go with it (ON DELETE CASCADE).
            let deleted = keyed(
                "DELETE FROM ssm_parameters WHERE account_id = $1 AND region = $2 AND name = $3 \
                 AND ($4::BIGINT IS NULL OR version = $4)",
                scope,
                name,
            )
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
            if deleted == 0 {
                let found = at.is_some() && exists(&mut tx, scope, name).await?;
                return Err(if found { StoreError::Conflict } else { StoreError::NotFound });
            }
            append_events(&mut tx, events).await?;
        })
    }

    async fn policies_due(&self, now: OffsetDateTime, limit: u32) -> Result<Vec<(Scope, String)>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT account_id, region, name FROM ssm_parameters \
             WHERE policies_due IS NOT NULL AND policies_due <= $1 ORDER BY policies_due LIMIT $2",
        )
        .bind(ts_to_db(now)?)
        .bind(i64::from(limit))
        .fetch_all(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        rows.into_iter()
            .map(|(account, region, name)| {
                let bad = |what: &'static str, v: &str| StoreError::corrupt(what, Fault::Unknown(v.to_owned()));
                let account_id = AccountId::parse(&account).map_err(|_| bad("ssm_parameters.account_id", &account))?;
                let region_id = Region::parse(&region).map_err(|_| bad("ssm_parameters.region", &region))?;
                Ok((Scope::new(account_id, region_id), name))
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
        let (due, text) = (opt_ts_to_db(due)?, policies_to_db(policies));
        transaction!(self, |tx| {
            let changed = keyed(
                "UPDATE ssm_parameters SET policies_due = $5 \
                 WHERE account_id = $1 AND region = $2 AND name = $3 AND version = $4",
                scope,
                name,
            )
            .bind(version)
            .bind(due)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
            if changed == 0 {
                let found = exists(&mut tx, scope, name).await?;
                return Err(if found { StoreError::Conflict } else { StoreError::NotFound });
            }
            // Read under the row lock the update above took: after any other pass's commit.
            let stored: String = keyed_scalar(
                "SELECT policies FROM ssm_parameter_versions \
                 WHERE account_id = $1 AND region = $2 AND name = $3 AND version = $4",
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
                "UPDATE ssm_parameter_versions SET policies = $5 \
                 WHERE account_id = $1 AND region = $2 AND name = $3 AND version = $4",
                scope,
                name,
            )
            .bind(version)
            .bind(&text)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            append_events(&mut tx, events).await?;
        })
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
        transaction!(self, |tx| {
            for label in labels {
                // A missing version fails the foreign key: NotFound.
                keyed(
                    "INSERT INTO ssm_parameter_labels (account_id, region, name, label, version) \
                     VALUES ($1, $2, $3, $4, $5) \
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
        })
    }

    async fn remove_labels(
        &self,
        scope: &Scope,
        name: &str,
        version: u64,
        labels: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let version = db_version(version)?;
        transaction!(self, |tx| {
            let mut removed = Vec::new();
            for label in labels {
                let n = keyed(
                    "DELETE FROM ssm_parameter_labels WHERE account_id = $1 AND region = $2 AND name = $3 \
                     AND label = $4 AND version = $5",
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
            removed
        })
    }

    async fn count_by_tier(&self, scope: &Scope) -> Result<TierCounts, StoreError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT tier, count FROM ssm_parameter_counts WHERE account_id = $1 AND region = $2")
                .bind(scope.account.as_str())
                .bind(scope.region.as_str())
                .fetch_all(&mut self.conn().await?)
                .await
                .map_err(map_err)?;
        tier_counts(rows)
    }

    async fn put_param_tags(&self, scope: &Scope, name: &str, tags: &[ParamTag]) -> Result<(), StoreError> {
        transaction!(self, |tx| {
            for tag in tags {
                upsert_tag(&mut tx, scope, name, tag).await?;
            }
        })
    }

    async fn remove_param_tags(&self, scope: &Scope, name: &str, keys: &[String]) -> Result<(), StoreError> {
        keyed(
            "DELETE FROM ssm_parameter_tags WHERE account_id = $1 AND region = $2 AND name = $3 \
             AND tag_key = ANY($4)",
            scope,
            name,
        )
        .bind(keys)
        .execute(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn param_tags(&self, scope: &Scope, name: &str) -> Result<Vec<ParamTag>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT tag_key, tag_value FROM ssm_parameter_tags WHERE account_id = $1 AND region = $2 AND name = $3 \
             ORDER BY tag_key",
        )
        .bind(scope.account.as_str())
        .bind(scope.region.as_str())
        .bind(name)
        .fetch_all(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(|(key, value)| ParamTag { key, value }).collect())
    }

    async fn setting(&self, scope: &Scope, id: &str) -> Result<Option<StoredSetting>, StoreError> {
        let row: Option<(String, i64, String)> = sqlx::query_as(
            "SELECT value, modified_at, modified_by FROM ssm_service_settings \
             WHERE account_id = $1 AND region = $2 AND setting_id = $3",
        )
        .bind(scope.account.as_str())
        .bind(scope.region.as_str())
        .bind(id)
        .fetch_optional(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        row.map(|(value, at, by)| {
            Ok(StoredSetting { id: id.to_owned(), value, modified_at: ts_from_db(at)?, modified_by: by })
        })
        .transpose()
    }

    async fn put_setting(&self, scope: &Scope, setting: &StoredSetting) -> Result<(), StoreError> {
        keyed(
            "INSERT INTO ssm_service_settings (account_id, region, setting_id, value, modified_at, modified_by) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, region, setting_id) DO UPDATE SET \
             value = excluded.value, modified_at = excluded.modified_at, modified_by = excluded.modified_by",
            scope,
            &setting.id,
        )
        .bind(&setting.value)
        .bind(ts_to_db(setting.modified_at)?)
        .bind(&setting.modified_by)
        .execute(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn delete_setting(&self, scope: &Scope, id: &str) -> Result<(), StoreError> {
        keyed("DELETE FROM ssm_service_settings WHERE account_id = $1 AND region = $2 AND setting_id = $3", scope, id)
            .execute(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}
