//! IAM groups and their members.

use trent_core::identity::Group;
use trent_core::{AccountId, StoreError};

use super::super::rows::GroupRow;
use super::super::{SqliteStore, map_err};

impl SqliteStore {
    /// See [`trent_core::IdentityStore::insert_group`].
    pub(super) async fn insert_group_row(&self, group: &Group) -> Result<(), StoreError> {
        let sql = format!("INSERT INTO iam_groups ({}) VALUES (?1, ?2, ?3, ?4, ?5)", GroupRow::COLUMNS);
        GroupRow::try_from(group)?.bind(sqlx::query(&sql)).execute(&self.writer).await.map_err(map_err)?;
        Ok(())
    }

    /// See [`trent_core::IdentityStore::get_group`].
    pub(super) async fn group_row(&self, account: &AccountId, name: &str) -> Result<Option<Group>, StoreError> {
        let sql = format!("SELECT {} FROM iam_groups WHERE account_id = ?1 AND name = ?2", GroupRow::COLUMNS);
        let row: Option<GroupRow> = sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(name)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)?;
        row.map(Group::try_from).transpose()
    }

    /// See [`trent_core::IdentityStore::add_user_to_group`]. The membership row stores the
    /// group's and the user's own spellings, looked up in the same transaction.
    pub(super) async fn add_member_row(&self, account: &AccountId, group: &str, user: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let group: Option<String> =
            sqlx::query_scalar("SELECT name FROM iam_groups WHERE account_id = ?1 AND name = ?2")
                .bind(account.as_str())
                .bind(group)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
        let user: Option<String> = sqlx::query_scalar("SELECT name FROM iam_users WHERE account_id = ?1 AND name = ?2")
            .bind(account.as_str())
            .bind(user)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        let (Some(group), Some(user)) = (group, user) else { return Err(StoreError::NotFound) };
        sqlx::query("INSERT OR IGNORE INTO iam_group_members (account_id, group_name, user_name) VALUES (?1, ?2, ?3)")
            .bind(account.as_str())
            .bind(group)
            .bind(user)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    /// See [`trent_core::IdentityStore::remove_user_from_group`].
    pub(super) async fn remove_member_row(
        &self,
        account: &AccountId,
        group: &str,
        user: &str,
    ) -> Result<(), StoreError> {
        let done =
            sqlx::query("DELETE FROM iam_group_members WHERE account_id = ?1 AND group_name = ?2 AND user_name = ?3")
                .bind(account.as_str())
                .bind(group)
                .bind(user)
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// See [`trent_core::IdentityStore::groups_of_user`].
    pub(super) async fn group_rows_of_user(&self, account: &AccountId, user: &str) -> Result<Vec<Group>, StoreError> {
        let columns = GroupRow::COLUMNS.split(", ").map(|c| format!("g.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {columns} FROM iam_groups g JOIN iam_group_members m \
             ON m.account_id = g.account_id AND m.group_name = g.name \
             WHERE m.account_id = ?1 AND m.user_name = ?2 ORDER BY g.name"
        );
        let rows: Vec<GroupRow> =
            sqlx::query_as(&sql).bind(account.as_str()).bind(user).fetch_all(&self.reader).await.map_err(map_err)?;
        rows.into_iter().map(Group::try_from).collect()
    }

    /// See [`trent_core::IdentityStore::members_of_group`].
    pub(super) async fn member_names(&self, account: &AccountId, group: &str) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT user_name FROM iam_group_members WHERE account_id = ?1 AND group_name = ?2 ORDER BY user_name",
        )
        .bind(account.as_str())
        .bind(group)
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)
    }
}
