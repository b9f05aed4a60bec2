//! [`EventStore`] for PostgreSQL: the `event_outbox` table of
//! `migrations/postgres/0005_param_policies_events.sql`, read with the SQLite backend's row
//! decoder. Other modules append to it inside their own transactions with [`append_events`].
//!
//! An identity column numbers events when they are inserted, not when they commit: two
//! transactions committing out of order would let a reader of `seq > last` pass an event
//! committed late with a lower `seq`. So each event also records its transaction's id
//! (`xid`, migration 15), and readers take only events of transactions older than every
//! transaction still in progress ([`SETTLED`]: those can no longer gain events), in (`xid`,
//! `seq`) order. An event of a later transaction waits, at most, for the oldest transaction
//! in progress on the server to finish (bounded by the statement and idle-in-transaction
//! timeouts of Trent's own sessions).

use async_trait::async_trait;
use sqlx::PgConnection;
use time::OffsetDateTime;
use trent_core::events::{Event, OutboxCursor, QueuedEvent};
use trent_core::store::Fault;
use trent_core::{EventStore, StoreError};

use super::{PgStore, map_err, transaction};
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

/// The condition of an outbox row `e` whose transaction, and every older one, has finished:
/// nothing can be added before it any more.
const SETTLED: &str = "e.xid < pg_snapshot_xmin(pg_current_snapshot())";

/// The first half of an event's [`OutboxCursor`].
const TXN: &str = "e.xid::text::bigint AS txn";

/// A transaction id as bound in a query (`$n::bigint::text::xid8`).
fn db_txn(txn: u64) -> i64 {
    i64::try_from(txn).unwrap_or(i64::MAX)
}

#[async_trait]
impl EventStore for PgStore {
    async fn events_after(&self, after: OutboxCursor, limit: u32) -> Result<Vec<QueuedEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS}, {TXN} FROM event_outbox e \
             WHERE (e.xid, e.seq) > ($1::bigint::text::xid8, $2) AND {SETTLED} ORDER BY e.xid, e.seq LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(db_txn(after.txn))
            .bind(db_seq(after.seq))
            .bind(i64::from(limit))
            .fetch_all(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| event_from_row(r, map_err)).collect()
    }

    async fn remove_events_through(&self, through: OutboxCursor) -> Result<(), StoreError> {
        transaction!(self, None, |tx| {
            let removed: Vec<i64> = sqlx::query_scalar(
                "DELETE FROM event_outbox WHERE (xid, seq) <= ($1::bigint::text::xid8, $2) RETURNING seq",
            )
            .bind(db_txn(through.txn))
            .bind(db_seq(through.seq))
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?;
            sqlx::query("DELETE FROM event_deliveries WHERE seq = ANY($1::BIGINT[])")
                .bind(&removed)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        })
    }

    async fn undelivered(&self, sink: &str, limit: u32) -> Result<Vec<QueuedEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS}, {TXN} FROM event_outbox e WHERE {SETTLED} AND NOT EXISTS \
             (SELECT 1 FROM event_deliveries d WHERE d.sink = $1 AND d.seq = e.seq) ORDER BY e.xid, e.seq LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(sink)
            .bind(i64::from(limit))
            .fetch_all(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| event_from_row(r, map_err)).collect()
    }

    async fn undelivered_count(&self, sink: &str) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM event_outbox e WHERE NOT EXISTS \
             (SELECT 1 FROM event_deliveries d WHERE d.sink = $1 AND d.seq = e.seq)",
        )
        .bind(sink)
        .fetch_one(&mut self.conn().await?)
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
        .execute(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn trim_delivered(&self, sinks: &[String], before: OffsetDateTime) -> Result<u64, StoreError> {
        transaction!(self, None, |tx| {
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
            removed
        })
    }
}
