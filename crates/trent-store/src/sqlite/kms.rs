//! [`KmsStore`] for SQLite: keys and their backing keys here, aliases and tags delegated to
//! [`super::aliases_tags`].
//!
//! Every multi-row write is one `BEGIN IMMEDIATE` transaction on the writer connection;
//! single-statement reads use the reader pool. Key states are compared as the literal AWS
//! spellings the schema's partial indexes use; nothing here decides what a state means.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use time::OffsetDateTime;
use trent_core::kms::{Alias, Grant, KeyMaterialRecord, KeyRecord, KeyUse, Tag};
use trent_core::{AccountId, KeyId, KmsStore, ListedKey, Region, Scope, StoreError};
use trent_crypto::KeyMaterialId;

use super::rows::{
    KeyRow, MaterialRow, UsageRow, key_id_from_db, listed_key_from_db, position_to_db, scope_from_db, ts_from_db,
    ts_to_db, usage_rows,
};
use super::{SqliteStore, aliases_tags, map_err};

/// Replaces every column but the primary key, if the revision is still `?27`.
const UPDATE_KEY: &str = "UPDATE kms_keys SET description = ?4, key_usage = ?5, key_spec = ?6, origin = ?7, \
     key_state = ?8, created_at = ?9, deletion_date = ?10, pending_window_days = ?11, rotation_enabled = ?12, \
     rotation_period_days = ?13, next_rotation = ?14, policy = ?15, multi_region = ?16, revision = ?17, \
     key_manager = ?18, multi_region_replica = ?19, imported_material_id = ?20, \
     import_valid_to = ?21, import_present = ?22, import_count = ?23, imported_materials = ?24, \
     custom_key_store_id = ?25, hsm_object_id = ?26 \
     WHERE account_id = ?1 AND region = ?2 AND key_id = ?3 AND revision = ?27";

/// Keys whose scheduled work is due at `?1`, across all scopes. The two `WHERE` clauses repeat
/// the partial indexes' conditions literally so SQLite can use them; there is no `ORDER BY`,
/// which would make SQLite merge the branches in primary-key order and scan the whole table.
const KEYS_DUE: &str = "SELECT account_id, region, key_id FROM kms_keys \
     WHERE key_state = 'PendingDeletion' AND deletion_date <= ?1 \
     UNION \
     SELECT account_id, region, key_id FROM kms_keys \
     WHERE rotation_enabled = 1 AND key_state = 'Enabled' AND next_rotation <= ?1 \
     UNION \
     SELECT account_id, region, key_id FROM kms_keys \
     WHERE import_present = 1 AND import_valid_to <= ?1";

/// Writes a key's last use unless the stored one is later ([`trent_core::kms::KeyUse::supersedes`]:
/// at the same instant, the later write wins); a use of a key that is gone is dropped.
const UPSERT_USAGE: &str = "INSERT INTO kms_key_last_usage (account_id, region, key_id, operation, used_at, event_id, \
     request_id) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 \
     WHERE EXISTS (SELECT 1 FROM kms_keys WHERE account_id = ?1 AND region = ?2 AND key_id = ?3) \
     ON CONFLICT (account_id, region, key_id) DO UPDATE SET operation = excluded.operation, \
     used_at = excluded.used_at, event_id = excluded.event_id, request_id = excluded.request_id \
     WHERE excluded.used_at >= kms_key_last_usage.used_at";

/// Whether a key row exists, on the connection of the transaction asking.
pub(crate) async fn key_exists(conn: &mut SqliteConnection, scope: &Scope, key_id: &KeyId) -> Result<bool, StoreError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM kms_keys WHERE account_id = ?1 AND region = ?2 AND key_id = ?3")
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(key_id.to_string())
            .fetch_optional(conn)
            .await
            .map_err(map_err)?;
    Ok(found.is_some())
}

async fn insert_material(
    conn: &mut SqliteConnection,
    key: &KeyRecord,
    material: &KeyMaterialRecord,
) -> Result<(), StoreError> {
    let row = MaterialRow::try_from(material)?;
    let sql = format!(
        "INSERT INTO kms_key_materials (account_id, region, key_id, {}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
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
    conn: &mut SqliteConnection,
    key: &KeyRecord,
    material: Option<&KeyMaterialRecord>,
    tags: &[Tag],
) -> Result<(), StoreError> {
    // The new key's listing position: one past the scope's highest (`KeyRow::COLUMNS` starts
    // with the account and the region; SQLite's one writer keeps two keys from sharing it).
    let sql = format!(
        "INSERT INTO kms_keys ({}, list_position) VALUES ({}, \
         (SELECT IFNULL(MAX(list_position), 0) + 1 FROM kms_keys WHERE account_id = ?1 AND region = ?2))",
        KeyRow::COLUMNS,
        placeholders(KeyRow::COLUMNS)
    );
    KeyRow::try_from(key)?.bind(sqlx::query(&sql)).execute(&mut *conn).await.map_err(map_err)?;
    if let Some(material) = material {
        insert_material(conn, key, material).await?;
    }
    aliases_tags::upsert_tags(conn, &key.scope, &key.key_id, tags).await
}

/// `?1, ?2, ...` for each column of a `COLUMNS` list.
fn placeholders(columns: &str) -> String {
    (1..=columns.split(',').count()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

/// The conditional update shared by `update_key` and `add_material`: on zero rows changed,
/// tells a vanished key ([`StoreError::NotFound`]) from a moved revision ([`StoreError::Conflict`]).
async fn update_if_revision(
    conn: &mut SqliteConnection,
    key: &KeyRecord,
    expected_revision: u64,
) -> Result<(), StoreError> {
    // A revision beyond i64 can never have been stored: binding NULL makes the comparison
    // false, so the key is reported as moved (or missing) rather than failing differently.
    let expected = i64::try_from(expected_revision).ok();
    let changed = KeyRow::try_from(key)?
        .bind(sqlx::query(UPDATE_KEY))
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

fn key_from_row(row: &SqliteRow) -> Result<KeyRecord, StoreError> {
    use sqlx::FromRow;
    KeyRecord::try_from(KeyRow::from_row(row).map_err(map_err)?)
}

impl SqliteStore {
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
        R: for<'r> sqlx::FromRow<'r, SqliteRow> + Send + Unpin,
    {
        let sql = format!("SELECT {columns} FROM {table} WHERE account_id = ?1 AND region = ?2 AND key_id = ?3 {tail}");
        sqlx::query_as(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(key_id.to_string())
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)
    }
}

#[async_trait]
impl KmsStore for SqliteStore {
    async fn insert_key(&self, key: &KeyRecord, material: &KeyMaterialRecord, tags: &[Tag]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert_key_rows(&mut tx, key, Some(material), tags).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn insert_key_without_material(&self, key: &KeyRecord, tags: &[Tag]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert_key_rows(&mut tx, key, None, tags).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn remove_material(
        &self,
        key: &KeyRecord,
        expected_revision: u64,
        material_id: &KeyMaterialId,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        update_if_revision(&mut tx, key, expected_revision).await?;
        sqlx::query(
            "DELETE FROM kms_key_materials WHERE account_id = ?1 AND region = ?2 AND key_id = ?3 AND material_id = ?4",
        )
        .bind(key.scope.account.as_str())
        .bind(key.scope.region.as_str())
        .bind(key.key_id.to_string())
        .bind(material_id.0.to_vec())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn insert_key_copy(
        &self,
        key: &KeyRecord,
        first: &KeyMaterialRecord,
        later: &[KeyMaterialRecord],
        tags: &[Tag],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert_key_rows(&mut tx, key, Some(first), tags).await?;
        for material in later {
            insert_material(&mut tx, key, material).await?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn get_key(&self, scope: &Scope, key_id: &KeyId) -> Result<Option<KeyRecord>, StoreError> {
        let sql =
            format!("SELECT {} FROM kms_keys WHERE account_id = ?1 AND region = ?2 AND key_id = ?3", KeyRow::COLUMNS);
        let row = sqlx::query(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(key_id.to_string())
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)?;
        row.as_ref().map(key_from_row).transpose()
    }

    async fn key_copies(&self, account: &AccountId, key_id: &KeyId) -> Result<Vec<KeyRecord>, StoreError> {
        let sql =
            format!("SELECT {} FROM kms_keys WHERE account_id = ?1 AND key_id = ?2 ORDER BY region", KeyRow::COLUMNS);
        let rows = sqlx::query(&sql)
            .bind(account.as_str())
            .bind(key_id.to_string())
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        rows.iter().map(key_from_row).collect()
    }

    async fn list_key_ids(&self, scope: &Scope, after: Option<u64>, limit: u32) -> Result<Vec<ListedKey>, StoreError> {
        // The `after` condition is added only when given, rather than `(? IS NULL OR ...)`, so
        // the listing index gives a range scan either way; it holds every column read.
        let mut q = QueryBuilder::<Sqlite>::new("SELECT key_id, list_position FROM kms_keys WHERE account_id = ");
        q.push_bind(scope.account.as_str()).push(" AND region = ").push_bind(scope.region.as_str());
        if let Some(after) = after {
            q.push(" AND list_position > ").push_bind(position_to_db(after));
        }
        q.push(" ORDER BY list_position LIMIT ").push_bind(i64::from(limit));
        let rows: Vec<(String, Option<i64>)> = q.build_query_as().fetch_all(&self.reader).await.map_err(map_err)?;
        rows.iter().map(|(id, position)| listed_key_from_db(id, *position)).collect()
    }

    async fn update_key(&self, key: &KeyRecord, expected_revision: u64) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        update_if_revision(&mut tx, key, expected_revision).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn add_material(
        &self,
        key: &KeyRecord,
        expected_revision: u64,
        material: &KeyMaterialRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        update_if_revision(&mut tx, key, expected_revision).await?;
        insert_material(&mut tx, key, material).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn update_keys(&self, keys: &[(KeyRecord, u64)]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for (key, expected_revision) in keys {
            update_if_revision(&mut tx, key, *expected_revision).await?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn materials(&self, scope: &Scope, key_id: &KeyId) -> Result<Vec<KeyMaterialRecord>, StoreError> {
        let rows: Vec<MaterialRow> =
            self.rows_of_key(MaterialRow::COLUMNS, "kms_key_materials", "ORDER BY seq", scope, key_id).await?;
        rows.into_iter().map(KeyMaterialRecord::try_from).collect()
    }

    /// Destroys the key in one transaction, then checkpoints the WAL so the zeroed pages
    /// replace the old ones in the database file and the WAL is truncated.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is no such key (nothing is changed).
    async fn delete_key(&self, scope: &Scope, key_id: &KeyId) -> Result<(), StoreError> {
        let (account, region, id) = (scope.account.as_str(), scope.region.as_str(), key_id.to_string());
        let mut tx = self.begin_write().await?;
        for sql in [
            "DELETE FROM kms_aliases WHERE account_id = ?1 AND region = ?2 AND target_key_id = ?3",
            "DELETE FROM kms_grants WHERE account_id = ?1 AND region = ?2 AND key_id = ?3",
            "DELETE FROM kms_key_tags WHERE account_id = ?1 AND region = ?2 AND key_id = ?3",
            "DELETE FROM kms_key_materials WHERE account_id = ?1 AND region = ?2 AND key_id = ?3",
        ] {
            sqlx::query(sql).bind(account).bind(region).bind(&id).execute(&mut *tx).await.map_err(map_err)?;
        }
        let deleted = sqlx::query("DELETE FROM kms_keys WHERE account_id = ?1 AND region = ?2 AND key_id = ?3")
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
        tx.commit().await.map_err(map_err)?;
        self.checkpoint_truncate().await;
        Ok(())
    }

    async fn keys_due(&self, now: OffsetDateTime) -> Result<Vec<(Scope, KeyId)>, StoreError> {
        let mut rows: Vec<(String, String, String)> =
            sqlx::query_as(KEYS_DUE).bind(ts_to_db(now)?).fetch_all(&self.reader).await.map_err(map_err)?;
        // A stable order (by scope, then key id) for the scheduler and its logs.
        rows.sort_unstable();
        rows.iter().map(|(account, region, id)| Ok((scope_from_db(account, region)?, key_id_from_db(id)?))).collect()
    }

    async fn record_key_usage(&self, uses: &[KeyUse]) -> Result<(), StoreError> {
        let rows = usage_rows(uses)?;
        let mut tx = self.begin_write().await?;
        for row in rows {
            row.bind(sqlx::query(UPSERT_USAGE)).execute(&mut *tx).await.map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn key_last_usage(&self, scope: &Scope, key_id: &KeyId) -> Result<Option<KeyUse>, StoreError> {
        let rows: Vec<UsageRow> = self.rows_of_key(UsageRow::COLUMNS, "kms_key_last_usage", "", scope, key_id).await?;
        rows.into_iter().next().map(KeyUse::try_from).transpose()
    }

    async fn usage_tracking_start(&self, now: OffsetDateTime) -> Result<OffsetDateTime, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO kms_usage_tracking (id, started_at) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING")
            .bind(ts_to_db(now)?)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let at: i64 = sqlx::query_scalar("SELECT started_at FROM kms_usage_tracking WHERE id = 1")
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        ts_from_db(at)
    }

    async fn insert_alias(&self, scope: &Scope, alias: &Alias) -> Result<(), StoreError> {
        self.insert_alias_row(scope, alias).await
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
        self.put_tag_rows(scope, key_id, tags).await
    }

    async fn remove_tags(&self, scope: &Scope, key_id: &KeyId, tag_keys: &[String]) -> Result<(), StoreError> {
        self.remove_tag_rows(scope, key_id, tag_keys).await
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn plan(store: &SqliteStore, sql: &str) -> String {
        let rows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}")).fetch_all(&store.writer).await.expect("plan");
        rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
    }

    #[tokio::test]
    async fn scheduled_work_and_aliases_by_key_use_their_indexes() {
        let store = SqliteStore::open_in_memory().await.expect("open");
        let due = plan(&store, KEYS_DUE).await;
        assert!(due.contains("kms_keys_deletion_due"), "{due}");
        assert!(due.contains("kms_keys_rotation_due"), "{due}");
        let by_key = plan(
            &store,
            "SELECT name FROM kms_aliases WHERE account_id = ?1 AND region = ?2 AND target_key_id = ?3 \
             ORDER BY name LIMIT ?4",
        )
        .await;
        assert!(by_key.contains("kms_aliases_by_key"), "{by_key}");
    }
}
