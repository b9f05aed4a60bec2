//! [`IdentityStore`] and [`MetaStore`] for PostgreSQL: accounts, IAM entities, credentials and
//! deployment metadata.
//!
//! IAM names are unique per account regardless of case: every lookup compares
//! `lower(name) = lower($n)` (the schema's unique indexes on `lower(name)` serve it), and rows
//! that refer to a name store the spelling of the row referred to, looked up in the same
//! transaction. Wrapped secrets are opaque bytes here and are never logged.

use async_trait::async_trait;
use sqlx::{PgConnection, Postgres};
use time::OffsetDateTime;
use trent_core::identity::{Group, InlinePolicy, PolicyOwner, Role, SessionRecord, User};
use trent_core::{
    AccessKeyRecord, AccessKeyStatus, Account, AccountId, IdentityStore, MetaStore, PrincipalKind, StoreError,
};

use super::kms::placeholders;
use super::{PgStore, map_err, transaction};
use crate::sqlite::rows::{
    AccessKeyRow, AccountRow, GroupRow, KIND_USER, PolicyRow, RoleRow, SessionRow, UserRow, ts_to_db,
};

/// The keys (as `k`) joined with their user (as `u`) for its path, in [`AccessKeyRow`]'s
/// columns; the caller appends `WHERE` on `k.` columns.
const SELECT_ACCESS_KEYS: &str = "SELECT k.access_key_id, k.account_id, k.principal_kind, \
     k.principal_name, k.principal_unique_id, k.secret_wrapped, k.status, k.created_at, \
     COALESCE(u.path, '/') AS principal_path \
     FROM access_keys k LEFT JOIN iam_users u \
     ON k.principal_kind = 'User' AND u.account_id = k.account_id AND lower(u.name) = lower(k.principal_name)";

/// `WHERE` clause selecting the keys of one principal: `$1` account, `$2` user name or NULL
/// for the root.
const OF_PRINCIPAL: &str = "k.account_id = $1 AND (($2::text IS NULL AND k.principal_kind = 'Root') \
     OR (k.principal_kind = 'User' AND lower(k.principal_name) = lower($2::text)))";

/// Inserts a row of `columns` into `table` from a row type's `bind`, on the caller's connection.
macro_rules! insert_row {
    ($conn:expr, $table:literal, $row:ty, $value:expr) => {{
        let sql = format!("INSERT INTO {} ({}) VALUES ({})", $table, <$row>::COLUMNS, placeholders(<$row>::COLUMNS));
        <$row>::try_from($value)?.bind(sqlx::query::<Postgres>(&sql)).execute($conn).await.map_err(map_err)?;
        Ok(())
    }};
}

/// Inserts an account on the caller's connection or transaction.
pub(crate) async fn insert_account<'c>(
    conn: impl sqlx::Executor<'c, Database = Postgres>,
    account: &Account,
) -> Result<(), StoreError> {
    insert_row!(conn, "accounts", AccountRow, account)
}

/// Inserts an access key, without any check, on the caller's connection or transaction.
pub(crate) async fn insert_access_key<'c>(
    conn: impl sqlx::Executor<'c, Database = Postgres>,
    key: &AccessKeyRecord,
) -> Result<(), StoreError> {
    insert_row!(conn, "access_keys", AccessKeyRow, key)
}

/// Inserts a user on the caller's connection or transaction.
pub(crate) async fn insert_user<'c>(
    conn: impl sqlx::Executor<'c, Database = Postgres>,
    user: &User,
) -> Result<(), StoreError> {
    insert_row!(conn, "iam_users", UserRow, user)
}

/// The stored spelling of the user, group or role `name` of `table`, on the caller's transaction.
async fn stored_name(
    conn: &mut PgConnection,
    table: &str,
    account: &AccountId,
    name: &str,
) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar(&format!("SELECT name FROM {table} WHERE account_id = $1 AND lower(name) = lower($2)"))
        .bind(account.as_str())
        .bind(name)
        .fetch_optional(conn)
        .await
        .map_err(map_err)
}

/// The table holding the owners of `owner`'s kind.
fn owner_table(owner: &PolicyOwner) -> &'static str {
    match owner {
        PolicyOwner::User(_) => "iam_users",
        PolicyOwner::Group(_) => "iam_groups",
        PolicyOwner::Role(_) => "iam_roles",
    }
}

/// Adds or replaces an inline policy on the caller's transaction, if its owner exists
/// ([`StoreError::NotFound`] otherwise); the row keeps the owner's stored spelling.
pub(crate) async fn put_policy(
    conn: &mut PgConnection,
    account: &AccountId,
    policy: &InlinePolicy,
) -> Result<(), StoreError> {
    let Some(name) = stored_name(conn, owner_table(&policy.owner), account, policy.owner.name()).await? else {
        return Err(StoreError::NotFound);
    };
    let owner = PolicyOwner::from_parts(policy.owner.kind(), name).ok_or(StoreError::NotFound)?;
    let row = PolicyRow::from(&InlinePolicy { owner, ..policy.clone() });
    let sql = format!(
        "INSERT INTO iam_inline_policies (account_id, {}) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (account_id, owner_kind, owner_name, policy_name) DO UPDATE SET document = excluded.document",
        PolicyRow::COLUMNS
    );
    row.bind(sqlx::query::<Postgres>(&sql).bind(account.as_str())).execute(conn).await.map_err(map_err)?;
    Ok(())
}

/// Whether `account`'s `name` in `table` exists, on the caller's transaction.
async fn exists(conn: &mut PgConnection, table: &str, account: &AccountId, name: &str) -> Result<bool, StoreError> {
    Ok(stored_name(conn, table, account, name).await?.is_some())
}

/// `Err(NotFound)` when no row was changed.
fn found(rows_affected: u64) -> Result<(), StoreError> {
    if rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

#[async_trait]
impl IdentityStore for PgStore {
    async fn insert_account(&self, account: &Account) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        insert_account(&mut conn, account).await
    }

    async fn get_account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {} FROM accounts WHERE id = $1", AccountRow::COLUMNS);
        let row: Option<AccountRow> =
            sqlx::query_as(&sql).bind(id.as_str()).fetch_optional(&mut self.conn().await?).await.map_err(map_err)?;
        row.map(Account::try_from).transpose()
    }

    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        let sql = format!("SELECT {} FROM accounts ORDER BY id", AccountRow::COLUMNS);
        let rows: Vec<AccountRow> = sqlx::query_as(&sql).fetch_all(&mut self.conn().await?).await.map_err(map_err)?;
        rows.into_iter().map(Account::try_from).collect()
    }

    async fn insert_access_key(&self, key: &AccessKeyRecord) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        insert_access_key(&mut conn, key).await
    }

    async fn insert_user_access_key(&self, key: &AccessKeyRecord, max_per_user: u32) -> Result<(), StoreError> {
        // Only a user's key has a quota; any other principal is a caller's mistake, and there is
        // no such user.
        let PrincipalKind::User { name: user, .. } = &key.principal.kind else { return Err(StoreError::NotFound) };
        let account = &key.principal.account;
        transaction!(self, |tx| {
            if !exists(&mut tx, "iam_users", account, user).await? {
                return Err(StoreError::NotFound);
            }
            let count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM access_keys WHERE account_id = $1 AND principal_kind = $2 \
                 AND lower(principal_name) = lower($3)",
            )
            .bind(account.as_str())
            .bind(KIND_USER)
            .bind(user)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
            if count >= i64::from(max_per_user) {
                return Err(StoreError::Conflict);
            }
            insert_access_key(&mut *tx, key).await?
        })
    }

    async fn credential_stamp(&self, access_key_id: &str) -> Result<Option<String>, StoreError> {
        let id = access_key_id.to_owned();
        Ok(self.credential_stamps(std::slice::from_ref(&id)).await?.remove(&id))
    }

    async fn get_access_key(&self, access_key_id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
        let sql = format!("{SELECT_ACCESS_KEYS} WHERE k.access_key_id = $1");
        let row: Option<AccessKeyRow> =
            sqlx::query_as(&sql).bind(access_key_id).fetch_optional(&mut self.conn().await?).await.map_err(map_err)?;
        row.map(AccessKeyRecord::try_from).transpose()
    }

    async fn list_access_keys(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<Vec<AccessKeyRecord>, StoreError> {
        let sql = format!("{SELECT_ACCESS_KEYS} WHERE {OF_PRINCIPAL} ORDER BY k.created_at, k.access_key_id");
        let rows: Vec<AccessKeyRow> = sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(user)
            .fetch_all(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        rows.into_iter().map(AccessKeyRecord::try_from).collect()
    }

    async fn update_access_key_status(
        &self,
        account: &AccountId,
        user: Option<&str>,
        access_key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), StoreError> {
        let sql = format!("UPDATE access_keys AS k SET status = $4 WHERE {OF_PRINCIPAL} AND k.access_key_id = $3");
        let done = sqlx::query(&sql)
            .bind(account.as_str())
            .bind(user)
            .bind(access_key_id)
            .bind(status.as_str())
            .execute(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        found(done.rows_affected())
    }

    async fn delete_access_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        access_key_id: &str,
    ) -> Result<(), StoreError> {
        let sql = format!("DELETE FROM access_keys AS k WHERE {OF_PRINCIPAL} AND k.access_key_id = $3");
        let done = sqlx::query(&sql)
            .bind(account.as_str())
            .bind(user)
            .bind(access_key_id)
            .execute(&mut self.conn().await?)
            .await;
        found(done.map_err(map_err)?.rows_affected())
    }

    async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        insert_user(&mut conn, user).await
    }

    async fn get_user(&self, account: &AccountId, name: &str) -> Result<Option<User>, StoreError> {
        let sql =
            format!("SELECT {} FROM iam_users WHERE account_id = $1 AND lower(name) = lower($2)", UserRow::COLUMNS);
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(name)
            .fetch_optional(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        row.map(User::try_from).transpose()
    }

    async fn list_users(
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

    async fn delete_user(&self, account: &AccountId, name: &str) -> Result<(), StoreError> {
        transaction!(self, |tx| {
            if !exists(&mut tx, "iam_users", account, name).await? {
                return Err(StoreError::NotFound);
            }
            let attached: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM access_keys WHERE account_id = $1 AND principal_kind = $3 \
                         AND lower(principal_name) = lower($2)) \
                      + (SELECT COUNT(*) FROM iam_inline_policies WHERE account_id = $1 AND owner_kind = 'User' \
                         AND lower(owner_name) = lower($2)) \
                      + (SELECT COUNT(*) FROM iam_group_members WHERE account_id = $1 \
                         AND lower(user_name) = lower($2))",
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
            sqlx::query("DELETE FROM iam_users WHERE account_id = $1 AND lower(name) = lower($2)")
                .bind(account.as_str())
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        })
    }

    async fn insert_group(&self, group: &Group) -> Result<(), StoreError> {
        insert_row!(&mut self.conn().await?, "iam_groups", GroupRow, group)
    }

    async fn get_group(&self, account: &AccountId, name: &str) -> Result<Option<Group>, StoreError> {
        let sql =
            format!("SELECT {} FROM iam_groups WHERE account_id = $1 AND lower(name) = lower($2)", GroupRow::COLUMNS);
        let row: Option<GroupRow> = sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(name)
            .fetch_optional(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        row.map(Group::try_from).transpose()
    }

    /// The membership row stores the group's and the user's own spellings.
    async fn add_user_to_group(&self, account: &AccountId, group: &str, user: &str) -> Result<(), StoreError> {
        transaction!(self, |tx| {
            let group = stored_name(&mut tx, "iam_groups", account, group).await?;
            let user = stored_name(&mut tx, "iam_users", account, user).await?;
            let (Some(group), Some(user)) = (group, user) else { return Err(StoreError::NotFound) };
            sqlx::query(
                "INSERT INTO iam_group_members (account_id, group_name, user_name) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(account.as_str())
            .bind(group)
            .bind(user)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        })
    }

    async fn remove_user_from_group(&self, account: &AccountId, group: &str, user: &str) -> Result<(), StoreError> {
        let done = sqlx::query(
            "DELETE FROM iam_group_members WHERE account_id = $1 AND lower(group_name) = lower($2) \
             AND lower(user_name) = lower($3)",
        )
        .bind(account.as_str())
        .bind(group)
        .bind(user)
        .execute(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        found(done.rows_affected())
    }

    async fn groups_of_user(&self, account: &AccountId, user: &str) -> Result<Vec<Group>, StoreError> {
        let columns = GroupRow::COLUMNS.split(", ").map(|c| format!("g.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {columns} FROM iam_groups g JOIN iam_group_members m \
             ON m.account_id = g.account_id AND m.group_name = g.name \
             WHERE m.account_id = $1 AND lower(m.user_name) = lower($2) ORDER BY lower(g.name)"
        );
        let rows: Vec<GroupRow> = sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(user)
            .fetch_all(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        rows.into_iter().map(Group::try_from).collect()
    }

    async fn members_of_group(&self, account: &AccountId, group: &str) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT user_name FROM iam_group_members WHERE account_id = $1 AND lower(group_name) = lower($2) \
             ORDER BY lower(user_name)",
        )
        .bind(account.as_str())
        .bind(group)
        .fetch_all(&mut self.conn().await?)
        .await
        .map_err(map_err)
    }

    async fn insert_role(&self, role: &Role) -> Result<(), StoreError> {
        insert_row!(&mut self.conn().await?, "iam_roles", RoleRow, role)
    }

    async fn get_role(&self, account: &AccountId, name: &str) -> Result<Option<Role>, StoreError> {
        let sql =
            format!("SELECT {} FROM iam_roles WHERE account_id = $1 AND lower(name) = lower($2)", RoleRow::COLUMNS);
        let row: Option<RoleRow> = sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(name)
            .fetch_optional(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        row.map(Role::try_from).transpose()
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
        transaction!(self, |tx| {
            if !exists(&mut tx, "iam_roles", account, name).await? {
                return Err(StoreError::NotFound);
            }
            let policies: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM iam_inline_policies WHERE account_id = $1 AND owner_kind = 'Role' \
                 AND lower(owner_name) = lower($2)",
            )
            .bind(account.as_str())
            .bind(name)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
            if policies > 0 {
                return Err(StoreError::Conflict);
            }
            sqlx::query("DELETE FROM iam_roles WHERE account_id = $1 AND lower(name) = lower($2)")
                .bind(account.as_str())
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        })
    }

    async fn put_policy(&self, account: &AccountId, policy: &InlinePolicy) -> Result<(), StoreError> {
        transaction!(self, |tx| put_policy(&mut tx, account, policy).await?)
    }

    async fn get_policy(
        &self,
        account: &AccountId,
        owner: &PolicyOwner,
        name: &str,
    ) -> Result<Option<InlinePolicy>, StoreError> {
        let sql = format!(
            "SELECT {} FROM iam_inline_policies \
             WHERE account_id = $1 AND owner_kind = $2 AND lower(owner_name) = lower($3) AND policy_name = $4",
            PolicyRow::COLUMNS
        );
        let row: Option<PolicyRow> = sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(owner.kind())
            .bind(owner.name())
            .bind(name)
            .fetch_optional(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        row.map(InlinePolicy::try_from).transpose()
    }

    async fn delete_policy(&self, account: &AccountId, owner: &PolicyOwner, name: &str) -> Result<(), StoreError> {
        let done = sqlx::query(
            "DELETE FROM iam_inline_policies \
             WHERE account_id = $1 AND owner_kind = $2 AND lower(owner_name) = lower($3) AND policy_name = $4",
        )
        .bind(account.as_str())
        .bind(owner.kind())
        .bind(owner.name())
        .bind(name)
        .execute(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        found(done.rows_affected())
    }

    async fn list_policies(&self, account: &AccountId, owner: &PolicyOwner) -> Result<Vec<InlinePolicy>, StoreError> {
        let sql = format!(
            "SELECT {} FROM iam_inline_policies \
             WHERE account_id = $1 AND owner_kind = $2 AND lower(owner_name) = lower($3) ORDER BY policy_name",
            PolicyRow::COLUMNS
        );
        let rows: Vec<PolicyRow> = sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(owner.kind())
            .bind(owner.name())
            .fetch_all(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        rows.into_iter().map(InlinePolicy::try_from).collect()
    }

    async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        insert_row!(&mut self.conn().await?, "sts_sessions", SessionRow, session)
    }

    async fn get_session(&self, access_key_id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let sql = format!("SELECT {} FROM sts_sessions WHERE access_key_id = $1", SessionRow::COLUMNS);
        let row: Option<SessionRow> =
            sqlx::query_as(&sql).bind(access_key_id).fetch_optional(&mut self.conn().await?).await.map_err(map_err)?;
        row.map(SessionRecord::try_from).transpose()
    }

    async fn delete_sessions_expired_before(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sts_sessions WHERE expires_at < $1")
            .bind(ts_to_db(before)?)
            .execute(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl MetaStore for PgStore {
    async fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        sqlx::query_scalar("SELECT value FROM meta WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut self.conn().await?)
            .await
            .map_err(map_err)
    }

    async fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        Ok(())
    }
}
