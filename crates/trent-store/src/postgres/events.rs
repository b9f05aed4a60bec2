//! [`EventStore`] for PostgreSQL: the `event_outbox` table of
//! `migrations/postgres/0005_param_policies_events.sql`, read with the SQLite backend's row
//! decoder. Other modules append to it inside their own transactions with [`append_events`].
//!
//! An identity column numbers events when they are inserted, not when they commit: two
//! transactions committing out of order can make a reader see a later position before an
//! earlier one.

use async_trait::async_trait;
use sqlx::PgConnection;
use time::OffsetDateTime;
use trent_core::events::{Event, QueuedEvent};
use trent_core::store::Fault;
use trent_core::{EventStore, StoreError};

use super::{PgStore, map_err};
use crate::sqlite::events::{EVENT_COLUMNS, db_seq, event_from_row, resources_to_db};
use crate::sqlite::rows::ts_to_db;

/// Appends `events` to the outbox on `conn`, inside the caller's transaction.
pub(crate) async fn append_events(conn: &mut PgConnection, events: &[Event]) -> Result<(), StoreError> {
    for e in events {
        sqlx::query(
            "INSERT INTO event_outbox (id, time, account_id, region, source, detail_type, resources, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(e.id.to_string())
        .bind(ts_to_db(e.time)?)
        .bind(e.scope.account.as_str())
        .bind(e.scope.region.as_str())
        .bind(&e.source)
        .bind(&e.detail_type)
        .bind(resources_to_db(e)?)
        .bind(e.detail.to_string())
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

#[async_trait]
impl EventStore for PgStore {
    async fn events_after(&self, after: u64, limit: u32) -> Result<Vec<QueuedEvent>, StoreError> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM event_outbox WHERE seq > $1 ORDER BY seq LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(db_seq(after))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| event_from_row(r, map_err)).collect()
    }

    async fn remove_events_through(&self, through: u64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        for sql in ["DELETE FROM event_outbox WHERE seq <= $1", "DELETE FROM event_deliveries WHERE seq <= $1"] {
            sqlx::query(sql).bind(db_seq(through)).execute(&mut *tx).await.map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn undelivered(&self, sink: &str, limit: u32) -> Result<Vec<QueuedEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM event_outbox e WHERE NOT EXISTS \
             (SELECT 1 FROM event_deliveries d WHERE d.sink = $1 AND d.seq = e.seq) ORDER BY seq LIMIT $2"
        );
        let rows = sqlx::query(&sql).bind(sink).bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(|r| event_from_row(r, map_err)).collect()
    }

    async fn undelivered_count(&self, sink: &str) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM event_outbox e WHERE NOT EXISTS \
             (SELECT 1 FROM event_deliveries d WHERE d.sink = $1 AND d.seq = e.seq)",
        )
        .bind(sink)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        u64::try_from(n).map_err(|_| StoreError::corrupt("event_outbox count", Fault::OutOfRange(i128::from(n))))
    }

    async fn mark_delivered(&self, sink: &str, seqs: &[u64], at: OffsetDateTime) -> Result<(), StoreError> {
        let seqs: Vec<i64> = seqs.iter().map(|&s| db_seq(s)).collect();
        sqlx::query(
            "INSERT INTO event_deliveries (sink, seq, delivered_at) SELECT $1, s, $3 FROM UNNEST($2::BIGINT[]) AS s \
             ON CONFLICT DO NOTHING",
        )
        .bind(sink)
        .bind(&seqs)
        .bind(ts_to_db(at)?)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn trim_delivered(&self, sinks: &[String], before: OffsetDateTime) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query("DELETE FROM event_deliveries WHERE sink <> ALL($1::TEXT[])")
            .bind(sinks)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let removed = sqlx::query(
            "DELETE FROM event_outbox o WHERE o.time < $1 AND \
             (SELECT COUNT(*) FROM event_deliveries d WHERE d.seq = o.seq) = $2",
        )
        .bind(ts_to_db(before)?)
        .bind(i64::try_from(sinks.len()).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
        sqlx::query(
            "DELETE FROM event_deliveries d WHERE NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.seq = d.seq)",
        )
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(removed)
    }
}
