//! [`EventStore`] for SQLite: the `event_outbox` table (schema `0008_param_policies_events.sql`).
//! Other modules append to it inside their own transactions with [`append_events`].

use async_trait::async_trait;
use sqlx::{ColumnIndex, Decode, Row, Type};
use trent_core::events::{Event, QueuedEvent};
use trent_core::{AccountId, EventStore, Region, Scope, StoreError};
use uuid::Uuid;

use super::rows::{ts_from_db, ts_to_db};
use super::{SqliteStore, map_err};

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} in event_outbox"))
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
    serde_json::to_string(&e.resources).map_err(|_| corrupt("unserializable resources"))
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
        AccountId::parse(&account).map_err(|_| corrupt("account"))?,
        Region::parse(&region).map_err(|_| corrupt("region"))?,
    );
    Ok(QueuedEvent {
        seq: u64::try_from(seq).map_err(|_| corrupt("seq"))?,
        event: Event {
            id: Uuid::parse_str(&id).map_err(|_| corrupt("id"))?,
            time: ts_from_db(row.try_get("time").map_err(map_err)?)?,
            scope,
            source: row.try_get("source").map_err(map_err)?,
            detail_type: row.try_get("detail_type").map_err(map_err)?,
            resources: serde_json::from_str(&resources).map_err(|_| corrupt("resources"))?,
            detail: serde_json::from_str(&detail).map_err(|_| corrupt("detail"))?,
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
        sqlx::query("DELETE FROM event_outbox WHERE seq <= ?1")
            .bind(db_seq(through))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }
}
