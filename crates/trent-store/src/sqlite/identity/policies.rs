//! Inline policies of users, groups and roles. An owner is checked to exist in the same
//! transaction that puts its policy; the policy row keeps the owner's own spelling.

use sqlx::SqliteConnection;
use trent_core::identity::{InlinePolicy, PolicyOwner};
use trent_core::{AccountId, StoreError};

use super::super::rows::PolicyRow;
use super::super::{SqliteStore, map_err};

/// The query that returns an owner's stored name, by kind.
fn owner_query(owner: &PolicyOwner) -> &'static str {
    match owner {
        PolicyOwner::User(_) => "SELECT name FROM iam_users WHERE account_id = ?1 AND name = ?2",
        PolicyOwner::Group(_) => "SELECT name FROM iam_groups WHERE account_id = ?1 AND name = ?2",
        PolicyOwner::Role(_) => "SELECT name FROM iam_roles WHERE account_id = ?1 AND name = ?2",
    }
}

/// Adds or replaces an inline policy on the caller's transaction, if its owner exists
/// ([`StoreError::NotFound`] otherwise); the row keeps the owner's stored spelling.
pub(crate) async fn put_policy(
    conn: &mut SqliteConnection,
    account: &AccountId,
    policy: &InlinePolicy,
) -> Result<(), StoreError> {
    let stored_name: Option<String> = sqlx::query_scalar(owner_query(&policy.owner))
        .bind(account.as_str())
        .bind(policy.owner.name())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_err)?;
    let Some(stored_name) = stored_name else { return Err(StoreError::NotFound) };
    let owner = PolicyOwner::from_parts(policy.owner.kind(), stored_name).ok_or(StoreError::NotFound)?;
    let row = PolicyRow::from(&InlinePolicy { owner, ..policy.clone() });
    let sql = format!(
        "INSERT INTO iam_inline_policies (account_id, {}) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (account_id, owner_kind, owner_name, policy_name) DO UPDATE SET document = excluded.document",
        PolicyRow::COLUMNS
    );
    row.bind(sqlx::query(&sql).bind(account.as_str())).execute(conn).await.map_err(map_err)?;
    Ok(())
}

impl SqliteStore {
    /// See [`trent_core::IdentityStore::put_policy`].
    pub(super) async fn put_policy_row(&self, account: &AccountId, policy: &InlinePolicy) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        put_policy(&mut tx, account, policy).await?;
        tx.commit().await.map_err(map_err)
    }

    /// See [`trent_core::IdentityStore::get_policy`].
    pub(super) async fn policy_row(
        &self,
        account: &AccountId,
        owner: &PolicyOwner,
        name: &str,
    ) -> Result<Option<InlinePolicy>, StoreError> {
        let sql = format!(
            "SELECT {} FROM iam_inline_policies \
             WHERE account_id = ?1 AND owner_kind = ?2 AND owner_name = ?3 AND policy_name = ?4",
            PolicyRow::COLUMNS
        );
        let row: Option<PolicyRow> = sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(owner.kind())
            .bind(owner.name())
            .bind(name)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)?;
        row.map(InlinePolicy::try_from).transpose()
    }

    /// See [`trent_core::IdentityStore::delete_policy`].
    pub(super) async fn delete_policy_row(
        &self,
        account: &AccountId,
        owner: &PolicyOwner,
        name: &str,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "DELETE FROM iam_inline_policies \
             WHERE account_id = ?1 AND owner_kind = ?2 AND owner_name = ?3 AND policy_name = ?4",
        )
        .bind(account.as_str())
        .bind(owner.kind())
        .bind(owner.name())
        .bind(name)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// See [`trent_core::IdentityStore::list_policies`].
    pub(super) async fn policy_rows(
        &self,
        account: &AccountId,
        owner: &PolicyOwner,
    ) -> Result<Vec<InlinePolicy>, StoreError> {
        let sql = format!(
            "SELECT {} FROM iam_inline_policies WHERE account_id = ?1 AND owner_kind = ?2 AND owner_name = ?3 \
             ORDER BY policy_name",
            PolicyRow::COLUMNS
        );
        let rows: Vec<PolicyRow> = sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(owner.kind())
            .bind(owner.name())
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        rows.into_iter().map(InlinePolicy::try_from).collect()
    }
}
