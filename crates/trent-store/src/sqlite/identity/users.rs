//! IAM users: insertion, case-insensitive lookup, listing by path prefix, and deletion that
//! refuses while anything is attached.

use sqlx::SqliteConnection;
use trent_core::identity::User;
use trent_core::{AccountId, StoreError};

use super::super::rows::{KIND_USER, UserRow};
use super::super::{SqliteStore, map_err};

/// Inserts a user on the caller's connection or transaction.
pub(crate) async fn insert_user(conn: &mut SqliteConnection, user: &User) -> Result<(), StoreError> {
    let sql = format!("INSERT INTO iam_users ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", UserRow::COLUMNS);
    UserRow::try_from(user)?.bind(sqlx::query(&sql)).execute(conn).await.map_err(map_err)?;
    Ok(())
}

impl SqliteStore {
    /// See [`trent_core::IdentityStore::insert_user`].
    pub(super) async fn insert_user_row(&self, user: &User) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await.map_err(map_err)?;
        insert_user(&mut conn, user).await
    }

    /// See [`trent_core::IdentityStore::get_user`].
    pub(super) async fn user_row(&self, account: &AccountId, name: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {} FROM iam_users WHERE account_id = ?1 AND name = ?2", UserRow::COLUMNS);
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(name)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)?;
        row.map(User::try_from).transpose()
    }

    /// See [`trent_core::IdentityStore::list_users`].
    pub(super) async fn user_rows(
        &self,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> =
            self.rows_under_path("iam_users", UserRow::COLUMNS, account, path_prefix, after, limit).await?;
        rows.into_iter().map(User::try_from).collect()
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
        R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        // substr() rather than LIKE: a path may contain `_` or `%`, which LIKE would read as
        // wildcards. Names are NOCASE columns.
        let sql = format!(
            "SELECT {columns} FROM {table} WHERE account_id = ?1 AND substr(path, 1, length(?2)) = ?2 \
             AND name > ?3 ORDER BY name LIMIT ?4"
        );
        sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(path_prefix)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)
    }

    /// See [`trent_core::IdentityStore::delete_user`].
    pub(super) async fn delete_user_row(&self, account: &AccountId, name: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM iam_users WHERE account_id = ?1 AND name = ?2")
            .bind(account.as_str())
            .bind(name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let attached: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM access_keys WHERE account_id = ?1 AND principal_kind = ?3 \
                     AND principal_name = ?2 COLLATE NOCASE) \
                  + (SELECT COUNT(*) FROM iam_inline_policies WHERE account_id = ?1 AND owner_kind = 'User' \
                     AND owner_name = ?2) \
                  + (SELECT COUNT(*) FROM iam_group_members WHERE account_id = ?1 AND user_name = ?2)",
        )
        .bind(account.as_str())
        .bind(name)
        .bind(KIND_USER)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        if attached > 0 {
            return Err(StoreError::Conflict);
        }
        sqlx::query("DELETE FROM iam_users WHERE account_id = ?1 AND name = ?2")
            .bind(account.as_str())
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }
}
