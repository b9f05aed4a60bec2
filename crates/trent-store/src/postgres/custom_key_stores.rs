//! [`CustomKeyStoreStore`] for PostgreSQL: one statement per method, the uniqueness of names and
//! clusters held by the table's constraints.

use async_trait::async_trait;
use trent_core::kms::CustomKeyStoreRecord;
use trent_core::store::CustomKeyStoreStore;
use trent_core::store::Fault;
use trent_core::{Scope, StoreError};

use super::{PgStore, map_err, transaction};
use crate::sqlite::rows::CustomKeyStoreRow;

const UPDATE: &str = "UPDATE kms_custom_key_stores SET name = $4, cluster_id = $5, trust_anchor = $6, \
     wrapped_password = $7, connect = $8, created_at = $9, revision = $10 \
     WHERE account_id = $1 AND region = $2 AND id = $3 AND revision = $11";

#[async_trait]
impl CustomKeyStoreStore for PgStore {
    async fn insert_custom_key_store(&self, store: &CustomKeyStoreRecord) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO kms_custom_key_stores ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            CustomKeyStoreRow::COLUMNS
        );
        CustomKeyStoreRow::try_from(store)?
            .bind(sqlx::query(&sql))
            .execute(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn custom_key_stores(&self, scope: &Scope) -> Result<Vec<CustomKeyStoreRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM kms_custom_key_stores WHERE account_id = $1 AND region = $2 ORDER BY id",
            CustomKeyStoreRow::COLUMNS
        );
        let rows: Vec<CustomKeyStoreRow> = sqlx::query_as(&sql)
            .bind(scope.account.as_str())
            .bind(scope.region.as_str())
            .fetch_all(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        rows.into_iter().map(CustomKeyStoreRecord::try_from).collect()
    }

    async fn update_custom_key_store(
        &self,
        store: &CustomKeyStoreRecord,
        expected_revision: u64,
    ) -> Result<(), StoreError> {
        let expected = i64::try_from(expected_revision).map_err(|_| StoreError::Conflict)?;
        transaction!(self, |tx| {
            let changed = CustomKeyStoreRow::try_from(store)?
                .bind(sqlx::query(UPDATE))
                .bind(expected)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected();
            if changed == 0 {
                let exists: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM kms_custom_key_stores WHERE account_id = $1 AND region = $2 AND id = $3)",
            )
            .bind(store.scope.account.as_str())
            .bind(store.scope.region.as_str())
            .bind(&store.id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
                return Err(if exists { StoreError::Conflict } else { StoreError::NotFound });
            }
        })
    }

    async fn custom_key_store_key_count(&self, scope: &Scope, id: &str) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM kms_keys WHERE account_id = $1 AND region = $2 AND custom_key_store_id = $3",
        )
        .bind(scope.account.as_str())
        .bind(scope.region.as_str())
        .bind(id)
        .fetch_one(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        u64::try_from(n).map_err(|_| StoreError::corrupt("kms_keys.custom_key_store_id", Fault::OutOfRange(n.into())))
    }

    async fn delete_custom_key_store(&self, scope: &Scope, id: &str) -> Result<(), StoreError> {
        let deleted =
            sqlx::query("DELETE FROM kms_custom_key_stores WHERE account_id = $1 AND region = $2 AND id = $3")
                .bind(scope.account.as_str())
                .bind(scope.region.as_str())
                .bind(id)
                .execute(&mut self.conn().await?)
                .await
                .map_err(map_err)?
                .rows_affected();
        if deleted == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}
