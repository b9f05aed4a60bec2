//! IAM roles on PostgreSQL beyond insertion, lookup and deletion (those are in `identity`):
//! listing by path prefix (users' too) and the compare-and-set update.

use trent_core::identity::Role;
use trent_core::{AccountId, StoreError};

use super::{PgStore, map_err, transaction};
use crate::sqlite::rows::RoleRow;

impl PgStore {
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

    /// The `columns` of the rows of `table` (`iam_users`, `iam_roles`) of `account` whose path
    /// starts with `path_prefix`, ordered by name (case-insensitively), strictly after
    /// `after`, at most `limit`.
    pub(super) async fn rows_under_path<R>(
        &self,
        table: &str,
        columns: &str,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<R>, StoreError>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        // starts_with() rather than LIKE: a path may contain `_` or `%`.
        let sql = format!(
            "SELECT {columns} FROM {table} WHERE account_id = $1 AND starts_with(path, $2) \
             AND lower(name) > lower($3) ORDER BY lower(name) LIMIT $4"
        );
        sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(path_prefix)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(&mut self.conn().await?)
            .await
            .map_err(map_err)
    }

    /// See [`trent_core::IdentityStore::update_role`]: the row read `FOR UPDATE`, so nothing
    /// changes it between the comparison and the update.
    pub(super) async fn update_role_row(&self, current: &Role, updated: &Role) -> Result<(), StoreError> {
        let select = format!(
            "SELECT {} FROM iam_roles WHERE account_id = $1 AND lower(name) = lower($2) FOR UPDATE",
            RoleRow::COLUMNS
        );
        transaction!(self, |tx| {
            let row: Option<RoleRow> = sqlx::query_as(&select)
                .bind(current.account.as_str())
                .bind(&current.name)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
            match row.map(Role::try_from).transpose()? {
                Some(stored) if stored == *current => {}
                Some(stored) if stored.role_id == current.role_id => return Err(StoreError::Conflict),
                _ => return Err(StoreError::NotFound),
            }
            let update = sqlx::query(
                "UPDATE iam_roles SET trust_policy = $1, description = $2, max_session_duration = $3, tags = $4 \
                 WHERE account_id = $5 AND lower(name) = lower($6)",
            );
            RoleRow::try_from(updated)?
                .bind_changes(update)
                .bind(current.account.as_str())
                .bind(&current.name)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        })
    }
}
