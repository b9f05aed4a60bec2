//! Access keys of users and of account roots: insertion under the per-user quota, listing,
//! status changes and deletion. A user key's principal path comes from `iam_users` (see
//! [`AccessKeyRow::SELECT`]).

use sqlx::SqliteConnection;
use trent_core::store::Fault;
use trent_core::{AccessKeyRecord, AccessKeyStatus, AccountId, StoreError};

use super::super::rows::{AccessKeyRow, KIND_USER};
use super::super::{SqliteStore, map_err};

/// `WHERE` clause selecting the keys of one principal: `?1` account, `?2` user name or NULL
/// for the root.
const OF_PRINCIPAL: &str = "k.account_id = ?1 AND ((?2 IS NULL AND k.principal_kind = 'Root') \
     OR (k.principal_kind = 'User' AND k.principal_name = ?2 COLLATE NOCASE))";

/// Inserts an access key, without any check, on the caller's connection or transaction.
pub(crate) async fn insert_access_key(conn: &mut SqliteConnection, key: &AccessKeyRecord) -> Result<(), StoreError> {
    let sql = format!("INSERT INTO access_keys ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", AccessKeyRow::COLUMNS);
    AccessKeyRow::try_from(key)?.bind(sqlx::query(&sql)).execute(conn).await.map_err(map_err)?;
    Ok(())
}

impl SqliteStore {
    /// See [`trent_core::IdentityStore::insert_access_key`].
    pub(super) async fn insert_access_key_row(&self, key: &AccessKeyRecord) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await.map_err(map_err)?;
        insert_access_key(&mut conn, key).await
    }

    /// See [`trent_core::IdentityStore::insert_user_access_key`].
    pub(super) async fn insert_user_access_key_row(
        &self,
        key: &AccessKeyRecord,
        max_per_user: u32,
    ) -> Result<(), StoreError> {
        let (account, user) = match &key.principal.kind {
            trent_core::PrincipalKind::User { name, .. } => (key.principal.account.as_str(), name.as_str()),
            _ => {
                return Err(StoreError::corrupt(
                    "access_keys.principal_kind",
                    Fault::Inconsistent("insert_user_access_key needs a user's key"),
                ));
            }
        };
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM iam_users WHERE account_id = ?1 AND name = ?2")
            .bind(account)
            .bind(user)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM access_keys WHERE account_id = ?1 AND principal_kind = ?2 \
             AND principal_name = ?3 COLLATE NOCASE",
        )
        .bind(account)
        .bind(KIND_USER)
        .bind(user)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        if count >= i64::from(max_per_user) {
            return Err(StoreError::Conflict);
        }
        insert_access_key(&mut tx, key).await?;
        tx.commit().await.map_err(map_err)
    }

    /// See [`trent_core::IdentityStore::get_access_key`].
    pub(super) async fn access_key_row(&self, access_key_id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
        let sql = format!("{} WHERE k.access_key_id = ?1", AccessKeyRow::SELECT);
        let row: Option<AccessKeyRow> =
            sqlx::query_as(&sql).bind(access_key_id).fetch_optional(&self.reader).await.map_err(map_err)?;
        row.map(AccessKeyRecord::try_from).transpose()
    }

    /// See [`trent_core::IdentityStore::list_access_keys`].
    pub(super) async fn access_key_rows(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<Vec<AccessKeyRecord>, StoreError> {
        let sql = format!("{} WHERE {OF_PRINCIPAL} ORDER BY k.created_at, k.access_key_id", AccessKeyRow::SELECT);
        let rows: Vec<AccessKeyRow> =
            sqlx::query_as(&sql).bind(account.as_str()).bind(user).fetch_all(&self.reader).await.map_err(map_err)?;
        rows.into_iter().map(AccessKeyRecord::try_from).collect()
    }

    /// See [`trent_core::IdentityStore::update_access_key_status`].
    pub(super) async fn update_access_key_status_row(
        &self,
        account: &AccountId,
        user: Option<&str>,
        access_key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), StoreError> {
        let sql = format!("UPDATE access_keys AS k SET status = ?4 WHERE {OF_PRINCIPAL} AND k.access_key_id = ?3");
        let done = sqlx::query(&sql)
            .bind(account.as_str())
            .bind(user)
            .bind(access_key_id)
            .bind(status.as_str())
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// See [`trent_core::IdentityStore::delete_access_key`]. The wrapped secret is overwritten
    /// on disk (`secure_delete`) and the WAL checkpointed, as for destroyed key material.
    pub(super) async fn delete_access_key_row(
        &self,
        account: &AccountId,
        user: Option<&str>,
        access_key_id: &str,
    ) -> Result<(), StoreError> {
        let sql = format!("DELETE FROM access_keys AS k WHERE {OF_PRINCIPAL} AND k.access_key_id = ?3");
        let done = sqlx::query(&sql)
            .bind(account.as_str())
            .bind(user)
            .bind(access_key_id)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.checkpoint_truncate().await;
        Ok(())
    }
}
