//! Aliases and key tags in PostgreSQL: the queries behind the alias and tag methods of
//! [`trent_core::KmsStore`]. Both tables refer to `kms_keys` by foreign key.

use sqlx::{PgConnection, Postgres, QueryBuilder};
use trent_core::kms::{Alias, Tag};
use trent_core::{KeyId, Scope, StoreError};

use super::{PgStore, limit_clause, map_err};
use crate::sqlite::rows::{AliasRow, TagRow, ts_to_db};

const UPSERT_TAG: &str = "INSERT INTO kms_key_tags (account_id, region, key_id, tag_key, tag_value) \
     VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (account_id, region, key_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value";

/// Adds `tags` to a key or overwrites their values, on the caller's transaction. A tag key
/// given twice keeps its last value.
pub(crate) async fn upsert_tags(
    conn: &mut PgConnection,
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

/// Removes the tags named by `tag_keys` (absent ones are ignored), on the caller's transaction.
pub(crate) async fn delete_tags(
    conn: &mut PgConnection,
    scope: &Scope,
    key_id: &KeyId,
    tag_keys: &[String],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM kms_key_tags WHERE account_id = $1 AND region = $2 AND key_id = $3 AND tag_key = ANY($4)")
        .bind(scope.account.as_str())
        .bind(scope.region.as_str())
        .bind(key_id.to_string())
        .bind(tag_keys)
        .execute(conn)
        .await
        .map_err(map_err)?;
    Ok(())
}

/// Inserts an alias on the caller's connection or transaction. A missing target key is
/// [`StoreError::NotFound`] (the foreign key refuses it).
pub(crate) async fn insert_alias<'c>(
    conn: impl sqlx::Executor<'c, Database = Postgres>,
    scope: &Scope,
    alias: &Alias,
) -> Result<(), StoreError> {
    let row = AliasRow::try_from(alias)?;
    let sql =
        format!("INSERT INTO kms_aliases (account_id, region, {}) VALUES ($1, $2, $3, $4, $5, $6)", AliasRow::COLUMNS);
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

impl PgStore {
    /// See [`trent_core::KmsStore::update_alias`]: changes the target and the last-updated
    /// date, keeps the creation date.
    pub(crate) async fn update_alias_row(&self, scope: &Scope, alias: &Alias) -> Result<(), StoreError> {
        let changed = sqlx::query(
            "UPDATE kms_aliases SET target_key_id = $4, updated_at = $5 \
             WHERE account_id = $1 AND region = $2 AND name = $3",
        )
        .bind(scope.account.as_str())
        .bind(scope.region.as_str())
        .bind(&alias.name)
        .bind(alias.target.to_string())
        .bind(ts_to_db(alias.updated_at)?)
        .execute(&mut self.conn().await?)
        .await
        .map_err(map_err)?
        .rows_affected();
        if changed == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// See [`trent_core::KmsStore::delete_alias`].
    pub(crate) async fn delete_alias_row(&self, scope: &Scope, name: &str) -> Result<(), StoreError> {
        let deleted = sqlx::query("DELETE FROM kms_aliases WHERE account_id = $1 AND region = $2 AND name = $3")
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .execute(&mut self.conn().await?)
            .await
            .map_err(map_err)?
            .rows_affected();
        if deleted == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// See [`trent_core::KmsStore::get_alias`].
    pub(crate) async fn get_alias_row(&self, scope: &Scope, name: &str) -> Result<Option<Alias>, StoreError> {
        let sql = format!(
            "SELECT {} FROM kms_aliases WHERE account_id = $1 AND region = $2 AND name = $3",
            AliasRow::COLUMNS
        );
        let row: Option<AliasRow> = sqlx::query_as(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(name)
            .fetch_optional(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        row.map(Alias::try_from).transpose()
    }

    /// See [`trent_core::KmsStore::list_aliases`]. Names compare byte-wise (`COLLATE "C"`).
    pub(crate) async fn list_alias_rows(
        &self,
        scope: &Scope,
        key_id: Option<&KeyId>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Alias>, StoreError> {
        let mut q =
            QueryBuilder::<Postgres>::new(format!("SELECT {} FROM kms_aliases WHERE account_id = ", AliasRow::COLUMNS));
        q.push_bind(scope.account.as_str()).push(" AND region = ").push_bind(scope.region.as_str());
        if let Some(key_id) = key_id {
            q.push(" AND target_key_id = ").push_bind(key_id.to_string());
        }
        if let Some(after) = after {
            q.push(" AND name > ").push_bind(after);
        }
        q.push(" ORDER BY name").push(limit_clause(limit));
        let rows: Vec<AliasRow> = q.build_query_as().fetch_all(&mut self.conn().await?).await.map_err(map_err)?;
        rows.into_iter().map(Alias::try_from).collect()
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
        let mut q = QueryBuilder::<Postgres>::new("SELECT tag_key, tag_value FROM kms_key_tags WHERE account_id = ");
        q.push_bind(scope.account.as_str()).push(" AND region = ").push_bind(scope.region.as_str());
        q.push(" AND key_id = ").push_bind(key_id.to_string());
        if let Some(after) = after {
            q.push(" AND tag_key > ").push_bind(after);
        }
        q.push(" ORDER BY tag_key LIMIT ").push_bind(i64::from(limit));
        let rows: Vec<TagRow> = q.build_query_as().fetch_all(&mut self.conn().await?).await.map_err(map_err)?;
        Ok(rows.into_iter().map(Tag::from).collect())
    }
}
