//! IAM roles: insertion, case-insensitive lookup, listing by path prefix, compare-and-set
//! updates, and deletion that refuses while the role has inline policies.

use trent_core::identity::Role;
use trent_core::{AccountId, StoreError};

use super::super::rows::RoleRow;
use super::super::{SqliteStore, map_err};

impl SqliteStore {
    /// See [`trent_core::IdentityStore::insert_role`].
    pub(super) async fn insert_role_row(&self, role: &Role) -> Result<(), StoreError> {
        let sql = format!("INSERT INTO iam_roles ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", RoleRow::COLUMNS);
        RoleRow::try_from(role)?.bind(sqlx::query(&sql)).execute(&self.writer).await.map_err(map_err)?;
        Ok(())
    }

    /// See [`trent_core::IdentityStore::get_role`].
    pub(super) async fn role_row(&self, account: &AccountId, name: &str) -> Result<Option<Role>, StoreError> {
        let sql = format!("SELECT {} FROM iam_roles WHERE account_id = ?1 AND name = ?2", RoleRow::COLUMNS);
        let row: Option<RoleRow> = sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(name)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)?;
        row.map(Role::try_from).transpose()
    }

    /// See [`trent_core::IdentityStore::list_roles`].
    pub(super) async fn role_rows(
        &self,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Role>, StoreError> {
        let rows: Vec<RoleRow> =
            self.rows_under_path("iam_roles", RoleRow::COLUMNS, account, path_prefix, after, limit).await?;
        rows.into_iter().map(Role::try_from).collect()
    }

    /// See [`trent_core::IdentityStore::update_role`]: the role read and compared under the
    /// write lock, so nothing changes it between the comparison and the update.
    pub(super) async fn update_role_row(&self, current: &Role, updated: &Role) -> Result<(), StoreError> {
        let changes = RoleRow::try_from(updated)?;
        let mut tx = self.begin_write().await?;
        let sql = format!("SELECT {} FROM iam_roles WHERE account_id = ?1 AND name = ?2", RoleRow::COLUMNS);
        let row: Option<RoleRow> = sqlx::query_as(&sql)
            .bind(current.account.as_str())
            .bind(&current.name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        let stored = row.map(Role::try_from).transpose()?;
        match stored {
            Some(stored) if stored == *current => {}
            Some(stored) if stored.role_id == current.role_id => return Err(StoreError::Conflict),
            _ => return Err(StoreError::NotFound),
        }
        let update = sqlx::query(
            "UPDATE iam_roles SET trust_policy = ?1, description = ?2, max_session_duration = ?3, tags = ?4 \
             WHERE account_id = ?5 AND name = ?6",
        );
        changes
            .bind_changes(update)
            .bind(current.account.as_str())
            .bind(&current.name)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    /// See [`trent_core::IdentityStore::delete_role`].
    pub(super) async fn delete_role_row(&self, account: &AccountId, name: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM iam_roles WHERE account_id = ?1 AND name = ?2")
            .bind(account.as_str())
            .bind(name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let policies: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM iam_inline_policies WHERE account_id = ?1 AND owner_kind = 'Role' AND owner_name = ?2",
        )
        .bind(account.as_str())
        .bind(name)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        if policies > 0 {
            return Err(StoreError::Conflict);
        }
        sqlx::query("DELETE FROM iam_roles WHERE account_id = ?1 AND name = ?2")
            .bind(account.as_str())
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }
}
