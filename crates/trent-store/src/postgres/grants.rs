//! KMS grants in PostgreSQL: the queries behind the grant methods of [`trent_core::KmsStore`].
//! Grants refer to their key by foreign key; deleting a key deletes its grants (`delete_key`).

use sqlx::{FromRow, Row};
use trent_core::kms::Grant;
use trent_core::{KeyId, Region, Scope, StoreError};

use super::{PgStore, map_err};
use crate::sqlite::rows::{GrantRow, scope_from_db};

impl PgStore {
    /// See [`trent_core::KmsStore::insert_grant`].
    pub(crate) async fn insert_grant_row(&self, scope: &Scope, grant: &Grant) -> Result<(), StoreError> {
        let row = GrantRow::try_from(grant)?;
        let sql = format!(
            "INSERT INTO kms_grants (account_id, region, {}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            GrantRow::COLUMNS
        );
        sqlx::query(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(row.key_id)
            .bind(row.grant_id)
            .bind(row.name)
            .bind(row.grantee_principal)
            .bind(row.retiring_principal)
            .bind(row.issuing_account)
            .bind(row.operations)
            .bind(row.constraints)
            .bind(row.created_at)
            .execute(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    /// See [`trent_core::KmsStore::grants`].
    pub(crate) async fn grant_rows(&self, scope: &Scope, key_id: &KeyId) -> Result<Vec<Grant>, StoreError> {
        let sql = format!(
            "SELECT {} FROM kms_grants WHERE account_id = $1 AND region = $2 AND key_id = $3 ORDER BY grant_id",
            GrantRow::COLUMNS
        );
        let rows: Vec<GrantRow> = sqlx::query_as(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .bind(key_id.to_string())
            .fetch_all(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        rows.into_iter().map(Grant::try_from).collect()
    }

    /// See [`trent_core::KmsStore::list_retirable_grants`].
    pub(crate) async fn retirable_grant_rows(
        &self,
        region: &Region,
        retiring_principal: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(Scope, Grant)>, StoreError> {
        let sql = format!(
            "SELECT account_id, region, {} FROM kms_grants \
             WHERE region = $1 AND retiring_principal = $2 AND grant_id > $3 ORDER BY grant_id LIMIT $4",
            GrantRow::COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(region.as_str())
            .bind(retiring_principal)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let account: String = r.try_get("account_id").map_err(map_err)?;
                let region: String = r.try_get("region").map_err(map_err)?;
                let grant = GrantRow::from_row(r).map_err(map_err)?;
                Ok((scope_from_db(&account, &region)?, Grant::try_from(grant)?))
            })
            .collect()
    }

    /// See [`trent_core::KmsStore::delete_grant`].
    pub(crate) async fn delete_grant_row(
        &self,
        scope: &Scope,
        key_id: &KeyId,
        grant_id: &str,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "DELETE FROM kms_grants WHERE account_id = $1 AND region = $2 AND key_id = $3 AND grant_id = $4",
        )
        .bind(scope.account.as_str())
        .bind(scope.region.as_str())
        .bind(key_id.to_string())
        .bind(grant_id)
        .execute(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}
