//! [`EventStore`] for PostgreSQL: the `event_outbox` table of
//! `migrations/postgres/0005_param_policies_events.sql`, read with the SQLite backend's row
//! decoder. Other modules append to it inside their own transactions with [`append_events`].
//!
//! An identity column numbers events when they are inserted, not when they commit: two
//! transactions committing out of order can make a reader see a later position before an
//! earlier one.

use async_trait::async_trait;
use sqlx::PgConnection;
use trent_core::events::{Event, QueuedEvent};
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
        sqlx::query("DELETE FROM event_outbox WHERE seq <= $1")
            .bind(db_seq(through))
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}
