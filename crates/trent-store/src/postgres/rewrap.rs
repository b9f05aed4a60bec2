//! [`RewrapStore`] on PostgreSQL: the wrapped columns walked in batches for `rotate-root`.

use async_trait::async_trait;
use trent_core::StoreError;
use trent_core::store::{RewrapStore, Rewrapped, WrappedColumn, WrappedRow, WrappedValue};

use super::{PgStore, map_err, transaction};
use crate::rewrap_sql;

#[async_trait]
impl RewrapStore for PgStore {
    async fn wrapped_after(
        &self,
        column: WrappedColumn,
        after: Option<&WrappedRow>,
        limit: u32,
    ) -> Result<Vec<WrappedValue>, StoreError> {
        let after = after.filter(|row| rewrap_sql::belongs(column, row));
        let sql = rewrap_sql::postgres(rewrap_sql::select(column, after.is_some()));
        let mut query = sqlx::query(&sql);
        if let Some(row) = after {
            query = rewrap_sql::bind_key(query, row);
        }
        let rows = query.bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(|r| rewrap_sql::row_of(column, r).map_err(map_err)).collect()
    }

    async fn replace_wrapped(&self, values: &[Rewrapped]) -> Result<u64, StoreError> {
        transaction!(self, |tx| {
            let mut replaced = 0;
            for value in values {
                let sql = rewrap_sql::postgres(rewrap_sql::update(&value.row));
                let query = sqlx::query(&sql).bind(&value.new).bind(&value.old);
                replaced +=
                    rewrap_sql::bind_key(query, &value.row).execute(&mut *tx).await.map_err(map_err)?.rows_affected();
            }
            replaced
        })
    }

    async fn insert_meta_if_absent(&self, name: &str, value: &[u8]) -> Result<bool, StoreError> {
        let done = sqlx::query("INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn finish_meta(&self, values: &[(&str, &[u8])], remove: &str) -> Result<(), StoreError> {
        transaction!(self, |tx| {
            for (name, value) in values {
                sqlx::query(
                    "INSERT INTO meta (name, value) VALUES ($1, $2) \
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                )
                .bind(*name)
                .bind(*value)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            }
            sqlx::query("DELETE FROM meta WHERE name = $1").bind(remove).execute(&mut *tx).await.map_err(map_err)?;
        })
    }
}
