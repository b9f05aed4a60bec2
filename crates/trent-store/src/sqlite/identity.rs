//! [`IdentityStore`] and [`MetaStore`] for SQLite: accounts, IAM entities, credentials and
//! deployment metadata.
//!
//! Access key and session secrets arrive wrapped and are stored as opaque bytes; nothing here
//! can unwrap them, and nothing here logs them. The queries of each kind of entity live in a
//! submodule as inherent methods; the trait impl below only routes to them. Single-statement
//! methods need no transaction; the checks-then-write ones (quotas, delete conflicts, policy
//! owners) run in one `BEGIN IMMEDIATE` transaction on the writer.

mod access_keys;
mod groups;
mod policies;
mod roles;
mod sessions;
mod users;

use async_trait::async_trait;
use sqlx::SqliteConnection;
use time::OffsetDateTime;
use trent_core::identity::{Group, InlinePolicy, PolicyOwner, Role, SessionRecord, User};
use trent_core::{AccessKeyRecord, AccessKeyStatus, Account, AccountId, IdentityStore, MetaStore, StoreError};

use super::rows::AccountRow;
use super::{SqliteStore, map_err};

pub(crate) use access_keys::insert_access_key;
pub(crate) use policies::put_policy;
pub(crate) use users::insert_user;

/// Inserts an account on the caller's connection or transaction.
pub(crate) async fn insert_account(conn: &mut SqliteConnection, account: &Account) -> Result<(), StoreError> {
    let sql = format!("INSERT INTO accounts ({}) VALUES (?1, ?2, ?3)", AccountRow::COLUMNS);
    AccountRow::try_from(account)?.bind(sqlx::query(&sql)).execute(conn).await.map_err(map_err)?;
    Ok(())
}

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn insert_account(&self, account: &Account) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await.map_err(map_err)?;
        insert_account(&mut conn, account).await
    }

    async fn get_account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {} FROM accounts WHERE id = ?1", AccountRow::COLUMNS);
        let row: Option<AccountRow> =
            sqlx::query_as(&sql).bind(id.as_str()).fetch_optional(&self.reader).await.map_err(map_err)?;
        row.map(Account::try_from).transpose()
    }

    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        let sql = format!("SELECT {} FROM accounts ORDER BY id", AccountRow::COLUMNS);
        let rows: Vec<AccountRow> = sqlx::query_as(&sql).fetch_all(&self.reader).await.map_err(map_err)?;
        rows.into_iter().map(Account::try_from).collect()
    }

    async fn insert_access_key(&self, key: &AccessKeyRecord) -> Result<(), StoreError> {
        self.insert_access_key_row(key).await
    }

    async fn insert_user_access_key(&self, key: &AccessKeyRecord, max_per_user: u32) -> Result<(), StoreError> {
        self.insert_user_access_key_row(key, max_per_user).await
    }

    async fn get_access_key(&self, access_key_id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
        self.access_key_row(access_key_id).await
    }

    async fn list_access_keys(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<Vec<AccessKeyRecord>, StoreError> {
        self.access_key_rows(account, user).await
    }

    async fn update_access_key_status(
        &self,
        account: &AccountId,
        user: Option<&str>,
        access_key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), StoreError> {
        self.update_access_key_status_row(account, user, access_key_id, status).await
    }

    async fn delete_access_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        access_key_id: &str,
    ) -> Result<(), StoreError> {
        self.delete_access_key_row(account, user, access_key_id).await
    }

    async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        self.insert_user_row(user).await
    }

    async fn get_user(&self, account: &AccountId, name: &str) -> Result<Option<User>, StoreError> {
        self.user_row(account, name).await
    }

    async fn list_users(
        &self,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<User>, StoreError> {
        self.user_rows(account, path_prefix, after, limit).await
    }

    async fn delete_user(&self, account: &AccountId, name: &str) -> Result<(), StoreError> {
        self.delete_user_row(account, name).await
    }

    async fn insert_group(&self, group: &Group) -> Result<(), StoreError> {
        self.insert_group_row(group).await
    }

    async fn get_group(&self, account: &AccountId, name: &str) -> Result<Option<Group>, StoreError> {
        self.group_row(account, name).await
    }

    async fn add_user_to_group(&self, account: &AccountId, group: &str, user: &str) -> Result<(), StoreError> {
        self.add_member_row(account, group, user).await
    }

    async fn remove_user_from_group(&self, account: &AccountId, group: &str, user: &str) -> Result<(), StoreError> {
        self.remove_member_row(account, group, user).await
    }

    async fn groups_of_user(&self, account: &AccountId, user: &str) -> Result<Vec<Group>, StoreError> {
        self.group_rows_of_user(account, user).await
    }

    async fn members_of_group(&self, account: &AccountId, group: &str) -> Result<Vec<String>, StoreError> {
        self.member_names(account, group).await
    }

    async fn insert_role(&self, role: &Role) -> Result<(), StoreError> {
        self.insert_role_row(role).await
    }

    async fn get_role(&self, account: &AccountId, name: &str) -> Result<Option<Role>, StoreError> {
        self.role_row(account, name).await
    }

    async fn list_roles(
        &self,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Role>, StoreError> {
        self.role_rows(account, path_prefix, after, limit).await
    }

    async fn update_role(&self, current: &Role, updated: &Role) -> Result<(), StoreError> {
        self.update_role_row(current, updated).await
    }

    async fn delete_role(&self, account: &AccountId, name: &str) -> Result<(), StoreError> {
        self.delete_role_row(account, name).await
    }

    async fn put_policy(&self, account: &AccountId, policy: &InlinePolicy) -> Result<(), StoreError> {
        self.put_policy_row(account, policy).await
    }

    async fn get_policy(
        &self,
        account: &AccountId,
        owner: &PolicyOwner,
        name: &str,
    ) -> Result<Option<InlinePolicy>, StoreError> {
        self.policy_row(account, owner, name).await
    }

    async fn delete_policy(&self, account: &AccountId, owner: &PolicyOwner, name: &str) -> Result<(), StoreError> {
        self.delete_policy_row(account, owner, name).await
    }

    async fn list_policies(&self, account: &AccountId, owner: &PolicyOwner) -> Result<Vec<InlinePolicy>, StoreError> {
        self.policy_rows(account, owner).await
    }

    async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        self.insert_session_row(session).await
    }

    async fn get_session(&self, access_key_id: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.session_row(access_key_id).await
    }

    async fn delete_sessions_expired_before(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        self.delete_expired_session_rows(before).await
    }
}

#[async_trait]
impl MetaStore for SqliteStore {
    async fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        sqlx::query_scalar("SELECT value FROM meta WHERE name = ?1")
            .bind(name)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)
    }

    async fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO meta (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(())
    }
}
