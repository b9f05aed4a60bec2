//! [`EventStore`] for SQLite: the `event_outbox` table (schema `0008_param_policies_events.sql`).
//! Other modules append to it inside their own transactions with [`append_events`].

use async_trait::async_trait;
use sqlx::{ColumnIndex, Decode, Row, Type};
use time::OffsetDateTime;
use trent_core::events::{Event, QueuedEvent};
use trent_core::store::Fault;
use trent_core::{AccountId, EventStore, Region, Scope, StoreError};
use uuid::Uuid;

use super::rows::{ts_from_db, ts_to_db};
use super::{SqliteStore, map_err};

/// A value of `event_outbox` that does not decode (or an event that does not encode).
fn corrupt(column: &'static str) -> StoreError {
    StoreError::corrupt(column, Fault::Undecodable)
}

/// Appends `events` to the outbox on `conn`, inside the caller's transaction.
pub(crate) async fn append_events(conn: &mut sqlx::SqliteConnection, events: &[Event]) -> Result<(), StoreError> {
    for e in events {
        let resources = resources_to_db(e)?;
        sqlx::query(
            "INSERT INTO event_outbox (id, time, account_id, region, source, detail_type, resources, detail) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .bind(e.id.to_string())
        .bind(ts_to_db(e.time)?)
        .bind(e.scope.account.as_str())
        .bind(e.scope.region.as_str())
        .bind(&e.source)
        .bind(&e.detail_type)
        .bind(resources)
        .bind(e.detail.to_string())
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

/// The outbox's columns, in the order [`event_from_row`] reads them (both backends).
pub(crate) const EVENT_COLUMNS: &str = "seq, id, time, account_id, region, source, detail_type, resources, detail";

/// An event's `resources` as its column holds them (both backends).
pub(crate) fn resources_to_db(e: &Event) -> Result<String, StoreError> {
    serde_json::to_string(&e.resources).map_err(|_| corrupt("event_outbox.resources"))
}

/// Reads a queued event from a row of either backend with [`EVENT_COLUMNS`].
pub(crate) fn event_from_row<R: Row>(row: &R, map_err: fn(sqlx::Error) -> StoreError) -> Result<QueuedEvent, StoreError>
where
    &'static str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    let seq: i64 = row.try_get("seq").map_err(map_err)?;
    let id: String = row.try_get("id").map_err(map_err)?;
    let account: String = row.try_get("account_id").map_err(map_err)?;
    let region: String = row.try_get("region").map_err(map_err)?;
    let resources: String = row.try_get("resources").map_err(map_err)?;
    let detail: String = row.try_get("detail").map_err(map_err)?;
    let scope = Scope::new(
        AccountId::parse(&account).map_err(|_| corrupt("event_outbox.account_id"))?,
        Region::parse(&region).map_err(|_| corrupt("event_outbox.region"))?,
    );
    Ok(QueuedEvent {
        seq: u64::try_from(seq).map_err(|_| corrupt("event_outbox.seq"))?,
        event: Event {
            id: Uuid::parse_str(&id).map_err(|_| corrupt("event_outbox.id"))?,
            time: ts_from_db(row.try_get("time").map_err(map_err)?)?,
            scope,
            source: row.try_get("source").map_err(map_err)?,
            detail_type: row.try_get("detail_type").map_err(map_err)?,
            resources: serde_json::from_str(&resources).map_err(|_| corrupt("event_outbox.resources"))?,
            detail: serde_json::from_str(&detail).map_err(|_| corrupt("event_outbox.detail"))?,
        },
    })
}

/// An outbox position as stored (both backends).
pub(crate) fn db_seq(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn events_after(&self, after: u64, limit: u32) -> Result<Vec<QueuedEvent>, StoreError> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM event_outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2");
        let rows = sqlx::query(&sql)
            .bind(db_seq(after))
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| event_from_row(r, map_err)).collect()
    }

    async fn remove_events_through(&self, through: u64) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for sql in ["DELETE FROM event_outbox WHERE seq <= ?1", "DELETE FROM event_deliveries WHERE seq <= ?1"] {
            sqlx::query(sql).bind(db_seq(through)).execute(&mut *tx).await.map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn undelivered(&self, sink: &str, limit: u32) -> Result<Vec<QueuedEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM event_outbox e WHERE NOT EXISTS \
             (SELECT 1 FROM event_deliveries d WHERE d.sink = ?1 AND d.seq = e.seq) ORDER BY seq LIMIT ?2"
        );
        let rows =
            sqlx::query(&sql).bind(sink).bind(i64::from(limit)).fetch_all(&self.reader).await.map_err(map_err)?;
        rows.iter().map(|r| event_from_row(r, map_err)).collect()
    }

    async fn undelivered_count(&self, sink: &str) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM event_outbox e WHERE NOT EXISTS \
             (SELECT 1 FROM event_deliveries d WHERE d.sink = ?1 AND d.seq = e.seq)",
        )
        .bind(sink)
        .fetch_one(&self.reader)
        .await
        .map_err(map_err)?;
        u64::try_from(n).map_err(|_| StoreError::corrupt("event_outbox count", Fault::OutOfRange(i128::from(n))))
    }

    async fn mark_delivered(&self, sink: &str, seqs: &[u64], at: OffsetDateTime) -> Result<(), StoreError> {
        let at = ts_to_db(at)?;
        let mut tx = self.begin_write().await?;
        for &seq in seqs {
            sqlx::query(
                "INSERT INTO event_deliveries (sink, seq, delivered_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            )
            .bind(sink)
            .bind(db_seq(seq))
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn trim_delivered(&self, sinks: &[String], before: OffsetDateTime) -> Result<u64, StoreError> {
        let before = ts_to_db(before)?;
        // The sinks as a JSON array, so that one statement takes any number of them.
        let names = serde_json::to_string(sinks).map_err(|_| corrupt("event_deliveries.sink"))?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM event_deliveries WHERE sink NOT IN (SELECT value FROM json_each(?1))")
            .bind(&names)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let removed = sqlx::query(
            "DELETE FROM event_outbox WHERE time < ?1 AND \
             (SELECT COUNT(*) FROM event_deliveries d WHERE d.seq = event_outbox.seq) = ?2",
        )
        .bind(before)
        .bind(i64::try_from(sinks.len()).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
        sqlx::query("DELETE FROM event_deliveries WHERE seq NOT IN (SELECT seq FROM event_outbox)")
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(removed)
    }
}
