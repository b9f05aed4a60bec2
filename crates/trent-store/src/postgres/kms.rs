//! [`KmsStore`] for PostgreSQL: keys and their backing keys here, aliases and tags in
//! [`super::aliases_tags`], grants in [`super::grants`].
//!
//! Multi-row writes are one [`transaction!`] each; single statements run on their own. Key
//! states are compared as the literal AWS spellings the schema's partial indexes use.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};
use time::OffsetDateTime;
use trent_core::kms::{Alias, Grant, KeyMaterialRecord, KeyRecord, KeyUse, Tag};
use trent_core::{AccountId, KeyId, KmsStore, ListedKey, Region, Scope, StoreError};
use trent_crypto::KeyMaterialId;

use super::{PgStore, aliases_tags, map_err, transaction};
use crate::sqlite::rows::{
    KeyRow, MaterialRow, UsageRow, key_id_from_db, listed_key_from_db, position_to_db, scope_from_db, ts_from_db,
    ts_to_db, usage_rows,
};

/// Replaces every column but the primary key, if the revision is still `$27`.
const UPDATE_KEY: &str = "UPDATE kms_keys SET description = $4, key_usage = $5, key_spec = $6, origin = $7, \
     key_state = $8, created_at = $9, deletion_date = $10, pending_window_days = $11, rotation_enabled = $12, \
     rotation_period_days = $13, next_rotation = $14, policy = $15, multi_region = $16, revision = $17, \
     key_manager = $18, multi_region_replica = $19, imported_material_id = $20, \
     import_valid_to = $21, import_present = $22, import_count = $23, imported_materials = $24, \
     custom_key_store_id = $25, hsm_object_id = $26 \
     WHERE account_id = $1 AND region = $2 AND key_id = $3 AND revision = $27";

/// Keys whose scheduled work is due at `$1`, across all scopes; the `WHERE` clauses repeat the
/// partial indexes' conditions so the planner can use them.
const KEYS_DUE: &str = "SELECT account_id, region, key_id FROM kms_keys \
     WHERE key_state = 'PendingDeletion' AND deletion_date <= $1 \
     UNION \
     SELECT account_id, region, key_id FROM kms_keys \
     WHERE rotation_enabled = 1 AND key_state = 'Enabled' AND next_rotation <= $1 \
     UNION \
     SELECT account_id, region, key_id FROM kms_keys \
     WHERE import_present = 1 AND import_valid_to <= $1";

/// Writes a key's last use unless the stored one is later ([`trent_core::kms::KeyUse::supersedes`]:
/// at the same instant, the later write wins); a use of a key that is gone is dropped.
const UPSERT_USAGE: &str = "INSERT INTO kms_key_last_usage (account_id, region, key_id, operation, used_at, event_id, \
     request_id) SELECT $1, $2, $3, $4, $5, $6, $7 \
     WHERE EXISTS (SELECT 1 FROM kms_keys WHERE account_id = $1 AND region = $2 AND key_id = $3) \
     ON CONFLICT (account_id, region, key_id) DO UPDATE SET operation = excluded.operation, \
     used_at = excluded.used_at, event_id = excluded.event_id, request_id = excluded.request_id \
     WHERE excluded.used_at >= kms_key_last_usage.used_at";

/// `$1, $2, ...` for each column of a `COLUMNS` list.
pub(crate) fn placeholders(columns: &str) -> String {
    (1..=columns.split(',').count()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Whether a key row exists, on the connection of the transaction asking.
pub(crate) async fn key_exists(conn: &mut PgConnection, scope: &Scope, key_id: &KeyId) -> Result<bool, StoreError> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM kms_keys WHERE account_id = $1 AND region = $2 AND key_id = $3)")
        .bind(scope.account.as_str())
        .bind(scope.region.as_str())
        .bind(key_id.to_string())
        .fetch_one(conn)
        .await
        .map_err(map_err)
}

async fn insert_material(
    conn: &mut PgConnection,
    key: &KeyRecord,
    material: &KeyMaterialRecord,
) -> Result<(), StoreError> {
    let row = MaterialRow::try_from(material)?;
    let sql = format!(
        "INSERT INTO kms_key_materials (account_id, region, key_id, {}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        MaterialRow::COLUMNS
    );
    sqlx::query(&sql)
        .bind(key.scope.account.as_str())
        .bind(key.scope.region.as_str())
        .bind(key.key_id.to_string())
        .bind(row.seq)
        .bind(row.material_id)
        .bind(row.created_at)
        .bind(row.rotation_type)
        .bind(row.wrapped)
        .execute(conn)
        .await
        .map_err(map_err)?;
    Ok(())
}

/// Inserts a new key with its first material (none for a key awaiting imported material)
/// and its tags, on the caller's transaction.
pub(crate) async fn insert_key_rows(
    conn: &mut PgConnection,
    key: &KeyRecord,
    material: Option<&KeyMaterialRecord>,
    tags: &[Tag],
) -> Result<(), StoreError> {
    let sql = format!("INSERT INTO kms_keys ({}) VALUES ({})", KeyRow::COLUMNS, placeholders(KeyRow::COLUMNS));
    KeyRow::try_from(key)?.bind(sqlx::query::<Postgres>(&sql)).execute(&mut *conn).await.map_err(map_err)?;
    if let Some(material) = material {
        insert_material(conn, key, material).await?;
    }
    aliases_tags::upsert_tags(conn, &key.scope, &key.key_id, tags).await
}

/// The conditional update shared by `update_key` and `add_material`: on zero rows changed,
/// tells a vanished key ([`StoreError::NotFound`]) from a moved revision ([`StoreError::Conflict`]).
async fn update_if_revision(
    conn: &mut PgConnection,
    key: &KeyRecord,
    expected_revision: u64,
) -> Result<(), StoreError> {
    // A revision beyond i64 can never have been stored: NULL makes the comparison false.
    let expected = i64::try_from(expected_revision).ok();
    let changed = KeyRow::try_from(key)?
        .bind(sqlx::query::<Postgres>(UPDATE_KEY))
        .bind(expected)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?
        .rows_affected();
    if changed == 1 {
        Ok(())
    } else if key_exists(conn, &key.scope, &key.key_id).await? {
        Err(StoreError::Conflict)
    } else {
        Err(StoreError::NotFound)
    }
}

fn key_from_row(row: &PgRow) -> Result<KeyRecord, StoreError> {
    KeyRecord::try_from(KeyRow::from_row(row).map_err(map_err)?)
}

impl PgStore {
    /// The rows of one key in `table` (`columns`, then `tail`: an `ORDER BY` or nothing).
    async fn rows_of_key<R>(
        &self,
        columns: &str,
        table: &str,
        tail: &str,
        scope: &Scope,
        key_id: &KeyId,
    ) -> Result<Vec<R>, StoreError>
    where
        R: for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
    {
        let sql = format!("SELECT {columns} FROM {table} WHERE account_id = $1 AND region = $2 AND key_id = $3 {tail}");
        sqlx::query_as(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(key_id.to_string())
            .fetch_all(&mut self.conn().await?)
            .await
            .map_err(map_err)
    }
}

#[async_trait]
impl KmsStore for PgStore {
    async fn insert_key(&self, key: &KeyRecord, material: &KeyMaterialRecord, tags: &[Tag]) -> Result<(), StoreError> {
        transaction!(self, |tx| insert_key_rows(&mut tx, key, Some(material), tags).await?)
    }

    async fn insert_key_without_material(&self, key: &KeyRecord, tags: &[Tag]) -> Result<(), StoreError> {
        transaction!(self, |tx| insert_key_rows(&mut tx, key, None, tags).await?)
    }

    async fn remove_material(
        &self,
        key: &KeyRecord,
        expected_revision: u64,
        material_id: &KeyMaterialId,
    ) -> Result<(), StoreError> {
        transaction!(self, |tx| {
            update_if_revision(&mut tx, key, expected_revision).await?;
            sqlx::query(
                "DELETE FROM kms_key_materials WHERE account_id = $1 AND region = $2 AND key_id = $3 \
                 AND material_id = $4",
            )
            .bind(key.scope.account.as_str())
            .bind(key.scope.region.as_str())
            .bind(key.key_id.to_string())
            .bind(material_id.0.to_vec())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        })
    }

    async fn insert_key_copy(
        &self,
        key: &KeyRecord,
        first: &KeyMaterialRecord,
        later: &[KeyMaterialRecord],
        tags: &[Tag],
    ) -> Result<(), StoreError> {
        transaction!(self, |tx| {
            insert_key_rows(&mut tx, key, Some(first), tags).await?;
            for material in later {
                insert_material(&mut tx, key, material).await?;
            }
        })
    }

    async fn get_key(&self, scope: &Scope, key_id: &KeyId) -> Result<Option<KeyRecord>, StoreError> {
        let sql =
            format!("SELECT {} FROM kms_keys WHERE account_id = $1 AND region = $2 AND key_id = $3", KeyRow::COLUMNS);
        let row = sqlx::query(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(key_id.to_string())
            .fetch_optional(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        row.as_ref().map(key_from_row).transpose()
    }

    async fn key_stamp(&self, scope: &Scope, key_id: &KeyId) -> Result<Option<String>, StoreError> {
        let key = (scope.clone(), *key_id);
        Ok(self.key_stamps(std::slice::from_ref(&key)).await?.remove(&key))
    }

    async fn key_copies(&self, account: &AccountId, key_id: &KeyId) -> Result<Vec<KeyRecord>, StoreError> {
        let sql =
            format!("SELECT {} FROM kms_keys WHERE account_id = $1 AND key_id = $2 ORDER BY region", KeyRow::COLUMNS);
        let rows =
            sqlx::query(&sql).bind(account.as_str()).bind(key_id.to_string()).fetch_all(&mut self.conn().await?).await;
        rows.map_err(map_err)?.iter().map(key_from_row).collect()
    }

    async fn list_key_ids(&self, scope: &Scope, after: Option<u64>, limit: u32) -> Result<Vec<ListedKey>, StoreError> {
        // `kms_keys_listing` holds every column read, in position order: an index-only scan whose
        // rows, stored one after the other, share their heap and visibility-map pages.
        let mut q = QueryBuilder::<Postgres>::new("SELECT key_id, list_position FROM kms_keys WHERE account_id = ");
        q.push_bind(scope.account.as_str()).push(" AND region = ").push_bind(scope.region.as_str());
        if let Some(after) = after {
            q.push(" AND list_position > ").push_bind(position_to_db(after));
        }
        q.push(" ORDER BY list_position LIMIT ").push_bind(i64::from(limit));
        let rows: Vec<(String, Option<i64>)> =
            q.build_query_as().fetch_all(&mut self.conn().await?).await.map_err(map_err)?;
        rows.iter().map(|(id, position)| listed_key_from_db(id, *position)).collect()
    }

    async fn update_key(&self, key: &KeyRecord, expected_revision: u64) -> Result<(), StoreError> {
        transaction!(self, |tx| update_if_revision(&mut tx, key, expected_revision).await?)
    }

    async fn add_material(
        &self,
        key: &KeyRecord,
        expected_revision: u64,
        material: &KeyMaterialRecord,
    ) -> Result<(), StoreError> {
        transaction!(self, |tx| {
            update_if_revision(&mut tx, key, expected_revision).await?;
            insert_material(&mut tx, key, material).await?
        })
    }

    async fn update_keys(&self, keys: &[(KeyRecord, u64)]) -> Result<(), StoreError> {
        transaction!(self, |tx| {
            for (key, expected_revision) in keys {
                update_if_revision(&mut tx, key, *expected_revision).await?;
            }
        })
    }

    async fn materials(&self, scope: &Scope, key_id: &KeyId) -> Result<Vec<KeyMaterialRecord>, StoreError> {
        let rows: Vec<MaterialRow> =
            self.rows_of_key(MaterialRow::COLUMNS, "kms_key_materials", "ORDER BY seq", scope, key_id).await?;
        rows.into_iter().map(KeyMaterialRecord::try_from).collect()
    }

    /// Destroys the key and everything that refers to it in one transaction.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is no such key (nothing is changed).
    async fn delete_key(&self, scope: &Scope, key_id: &KeyId) -> Result<(), StoreError> {
        let (account, region, id) = (scope.account.as_str(), scope.region.as_str(), key_id.to_string());
        transaction!(self, |tx| {
            for sql in [
                "DELETE FROM kms_aliases WHERE account_id = $1 AND region = $2 AND target_key_id = $3",
                "DELETE FROM kms_grants WHERE account_id = $1 AND region = $2 AND key_id = $3",
                "DELETE FROM kms_key_tags WHERE account_id = $1 AND region = $2 AND key_id = $3",
                "DELETE FROM kms_key_materials WHERE account_id = $1 AND region = $2 AND key_id = $3",
            ] {
                sqlx::query(sql).bind(account).bind(region).bind(&id).execute(&mut *tx).await.map_err(map_err)?;
            }
            let deleted = sqlx::query("DELETE FROM kms_keys WHERE account_id = $1 AND region = $2 AND key_id = $3")
                .bind(account)
                .bind(region)
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected();
            if deleted == 0 {
                return Err(StoreError::NotFound);
            }
        })
    }

    async fn keys_due(&self, now: OffsetDateTime) -> Result<Vec<(Scope, KeyId)>, StoreError> {
        let mut rows: Vec<(String, String, String)> =
            sqlx::query_as(KEYS_DUE).bind(ts_to_db(now)?).fetch_all(&mut self.conn().await?).await.map_err(map_err)?;
        // A stable order (by scope, then key id) for the scheduler and its logs.
        rows.sort_unstable();
        rows.iter().map(|(account, region, id)| Ok((scope_from_db(account, region)?, key_id_from_db(id)?))).collect()
    }

    async fn record_key_usage(&self, uses: &[KeyUse]) -> Result<(), StoreError> {
        transaction!(self, |tx| {
            for row in usage_rows(uses)? {
                row.bind(sqlx::query(UPSERT_USAGE)).execute(&mut *tx).await.map_err(map_err)?;
            }
        })
    }

    async fn key_last_usage(&self, scope: &Scope, key_id: &KeyId) -> Result<Option<KeyUse>, StoreError> {
        let rows: Vec<UsageRow> = self.rows_of_key(UsageRow::COLUMNS, "kms_key_last_usage", "", scope, key_id).await?;
        rows.into_iter().next().map(KeyUse::try_from).transpose()
    }

    async fn usage_tracking_start(&self, now: OffsetDateTime) -> Result<OffsetDateTime, StoreError> {
        let now = ts_to_db(now)?;
        let at: i64 = transaction!(self, |tx| {
            sqlx::query("INSERT INTO kms_usage_tracking (id, started_at) VALUES (1, $1) ON CONFLICT (id) DO NOTHING")
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            sqlx::query_scalar("SELECT started_at FROM kms_usage_tracking WHERE id = 1")
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?
        })?;
        ts_from_db(at)
    }

    async fn insert_alias(&self, scope: &Scope, alias: &Alias) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        aliases_tags::insert_alias(&mut conn, scope, alias).await
    }

    async fn update_alias(&self, scope: &Scope, alias: &Alias) -> Result<(), StoreError> {
        self.update_alias_row(scope, alias).await
    }

    async fn delete_alias(&self, scope: &Scope, name: &str) -> Result<(), StoreError> {
        self.delete_alias_row(scope, name).await
    }

    async fn get_alias(&self, scope: &Scope, name: &str) -> Result<Option<Alias>, StoreError> {
        self.get_alias_row(scope, name).await
    }

    async fn list_aliases(
        &self,
        scope: &Scope,
        key_id: Option<&KeyId>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Alias>, StoreError> {
        self.list_alias_rows(scope, key_id, after, limit).await
    }

    async fn put_tags(&self, scope: &Scope, key_id: &KeyId, tags: &[Tag]) -> Result<(), StoreError> {
        transaction!(self, |tx| {
            if !key_exists(&mut tx, scope, key_id).await? {
                return Err(StoreError::NotFound);
            }
            aliases_tags::upsert_tags(&mut tx, scope, key_id, tags).await?
        })
    }

    async fn remove_tags(&self, scope: &Scope, key_id: &KeyId, tag_keys: &[String]) -> Result<(), StoreError> {
        transaction!(self, |tx| {
            if !key_exists(&mut tx, scope, key_id).await? {
                return Err(StoreError::NotFound);
            }
            aliases_tags::delete_tags(&mut tx, scope, key_id, tag_keys).await?
        })
    }

    async fn list_tags(
        &self,
        scope: &Scope,
        key_id: &KeyId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Tag>, StoreError> {
        self.list_tag_rows(scope, key_id, after, limit).await
    }

    async fn insert_grant(&self, scope: &Scope, grant: &Grant) -> Result<(), StoreError> {
        self.insert_grant_row(scope, grant).await
    }

    async fn grants(&self, scope: &Scope, key_id: &KeyId) -> Result<Vec<Grant>, StoreError> {
        self.grant_rows(scope, key_id).await
    }

    async fn list_retirable_grants(
        &self,
        region: &Region,
        retiring_principal: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(Scope, Grant)>, StoreError> {
        self.retirable_grant_rows(region, retiring_principal, after, limit).await
    }

    async fn delete_grant(&self, scope: &Scope, key_id: &KeyId, grant_id: &str) -> Result<(), StoreError> {
        self.delete_grant_row(scope, key_id, grant_id).await
    }
}
