//! Aliases and key tags in SQLite: the queries behind the alias and tag methods of
//! [`trent_core::KmsStore`].
//!
//! Both tables refer to `kms_keys` by foreign key, so an alias cannot name a missing key and a
//! tag cannot outlive its key. This module knows the tables, not the AWS rules about names,
//! quotas or reserved prefixes: the domain checks those before calling.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use trent_core::kms::{Alias, Tag};
use trent_core::{KeyId, Scope, StoreError};

use super::kms::key_exists;
use super::rows::{AliasRow, TagRow, ts_to_db};
use super::{SqliteStore, map_err};

const UPSERT_TAG: &str = "INSERT INTO kms_key_tags (account_id, region, key_id, tag_key, tag_value) \
     VALUES (?1, ?2, ?3, ?4, ?5) \
     ON CONFLICT (account_id, region, key_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value";

/// Adds `tags` to a key or overwrites their values, on the caller's transaction. A tag key
/// given twice keeps its last value.
pub(crate) async fn upsert_tags(
    conn: &mut SqliteConnection,
    scope: &Scope,
    key_id: &KeyId,
    tags: &[Tag],
) -> Result<(), StoreError> {
    let id = key_id.to_string();
    for tag in tags {
        sqlx::query(UPSERT_TAG)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(&id)
            .bind(&tag.key)
            .bind(&tag.value)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
    }
    Ok(())
}

/// Inserts an alias on the caller's connection or transaction.
pub(crate) async fn insert_alias(conn: &mut SqliteConnection, scope: &Scope, alias: &Alias) -> Result<(), StoreError> {
    let row = AliasRow::try_from(alias)?;
    let sql =
        format!("INSERT INTO kms_aliases (account_id, region, {}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", AliasRow::COLUMNS);
    sqlx::query(&sql)
        .bind(scope.account.as_str())
        .bind(scope.region.as_str())
        .bind(row.name)
        .bind(row.target_key_id)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(conn)
        .await
        .map_err(map_err)?;
    Ok(())
}

impl SqliteStore {
    /// See [`trent_core::KmsStore::insert_alias`]. A missing target key is
    /// [`StoreError::NotFound`] (the foreign key refuses it).
    pub(crate) async fn insert_alias_row(&self, scope: &Scope, alias: &Alias) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await.map_err(map_err)?;
        insert_alias(&mut conn, scope, alias).await
    }

    /// See [`trent_core::KmsStore::update_alias`]: changes the target and the last-updated
    /// date, keeps the creation date.
    pub(crate) async fn update_alias_row(&self, scope: &Scope, alias: &Alias) -> Result<(), StoreError> {
        let changed = sqlx::query(
            "UPDATE kms_aliases SET target_key_id = ?4, updated_at = ?5 \
             WHERE account_id = ?1 AND region = ?2 AND name = ?3",
        )
        .bind(scope.account.as_str())
        .bind(scope.region.as_str())
        .bind(&alias.name)
        .bind(alias.target.to_string())
        .bind(ts_to_db(alias.updated_at)?)
        .execute(&self.writer)
        .await
        .map_err(map_err)?
        .rows_affected();
        if changed == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// See [`trent_core::KmsStore::delete_alias`].
    pub(crate) async fn delete_alias_row(&self, scope: &Scope, name: &str) -> Result<(), StoreError> {
        let deleted = sqlx::query("DELETE FROM kms_aliases WHERE account_id = ?1 AND region = ?2 AND name = ?3")
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .execute(&self.writer)
            .await
            .map_err(map_err)?
            .rows_affected();
        if deleted == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// See [`trent_core::KmsStore::get_alias`].
    pub(crate) async fn get_alias_row(&self, scope: &Scope, name: &str) -> Result<Option<Alias>, StoreError> {
        let sql = format!(
            "SELECT {} FROM kms_aliases WHERE account_id = ?1 AND region = ?2 AND name = ?3",
            AliasRow::COLUMNS
        );
        let row: Option<AliasRow> = sqlx::query_as(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)?;
        row.map(Alias::try_from).transpose()
    }

    /// See [`trent_core::KmsStore::list_aliases`]. Names compare byte-wise (SQLite's `BINARY`
    /// collation), the same order as Rust's `str`.
    pub(crate) async fn list_alias_rows(
        &self,
        scope: &Scope,
        key_id: Option<&KeyId>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Alias>, StoreError> {
        let mut q =
            QueryBuilder::<Sqlite>::new(format!("SELECT {} FROM kms_aliases WHERE account_id = ", AliasRow::COLUMNS));
        q.push_bind(scope.account.as_str()).push(" AND region = ").push_bind(scope.region.as_str());
        if let Some(key_id) = key_id {
            q.push(" AND target_key_id = ").push_bind(key_id.to_string());
        }
        if let Some(after) = after {
            q.push(" AND name > ").push_bind(after);
        }
        q.push(" ORDER BY name LIMIT ").push_bind(i64::from(limit));
        let rows: Vec<AliasRow> = q.build_query_as().fetch_all(&self.reader).await.map_err(map_err)?;
        rows.into_iter().map(Alias::try_from).collect()
    }

    /// See [`trent_core::KmsStore::put_tags`].
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if the key does not exist.
    pub(crate) async fn put_tag_rows(&self, scope: &Scope, key_id: &KeyId, tags: &[Tag]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        if !key_exists(&mut tx, scope, key_id).await? {
            return Err(StoreError::NotFound);
        }
        upsert_tags(&mut tx, scope, key_id, tags).await?;
        tx.commit().await.map_err(map_err)
    }

    /// See [`trent_core::KmsStore::remove_tags`].
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if the key does not exist.
    pub(crate) async fn remove_tag_rows(
        &self,
        scope: &Scope,
        key_id: &KeyId,
        tag_keys: &[String],
    ) -> Result<(), StoreError> {
        let id = key_id.to_string();
        let mut tx = self.begin_write().await?;
        if !key_exists(&mut tx, scope, key_id).await? {
            return Err(StoreError::NotFound);
        }
        for tag_key in tag_keys {
            sqlx::query(
                "DELETE FROM kms_key_tags WHERE account_id = ?1 AND region = ?2 AND key_id = ?3 AND tag_key = ?4",
            )
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(&id)
            .bind(tag_key)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    /// See [`trent_core::KmsStore::list_tags`]. A key without tags, or without existence,
    /// has none.
    pub(crate) async fn list_tag_rows(
        &self,
        scope: &Scope,
        key_id: &KeyId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Tag>, StoreError> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT tag_key, tag_value FROM kms_key_tags WHERE account_id = ");
        q.push_bind(scope.account.as_str()).push(" AND region = ").push_bind(scope.region.as_str());
        q.push(" AND key_id = ").push_bind(key_id.to_string());
        if let Some(after) = after {
            q.push(" AND tag_key > ").push_bind(after);
        }
        q.push(" ORDER BY tag_key LIMIT ").push_bind(i64::from(limit));
        let rows: Vec<TagRow> = q.build_query_as().fetch_all(&self.reader).await.map_err(map_err)?;
        Ok(rows.into_iter().map(Tag::from).collect())
    }
}
