//! The audit trail on PostgreSQL: the `audit_*` tables of `migrations/postgres/`, in the same
//! database as the rest. Rows are read with the SQLite backend's decoders (the same columns);
//! the appends and the queries are this backend's.
//!
//! Every node appends to a chain of its own, `(node_id, seq)` and `(node_id, digest_seq)`: a
//! store handle addresses one node's chain ([`PgStore::audit_store_for`](super::PgStore::audit_store_for)),
//! scans merge every chain by (`event_time`, node, seq), and [`AuditStore::audit_chain`] gives
//! `verify` each chain in turn. No row or lock is shared between the nodes' group commits.
//!
//! A group commit is one transaction of two `INSERT`s: the events (as arrays), then the digest. The
//! primary keys refuse a seq written twice, the events are contiguous among themselves (checked
//! before the transaction), and the `audit_digests_contiguous` trigger refuses a digest that does
//! not follow its node's last one or whose first event does not follow a stored event (SQLSTATE
//! `23514`), so a second writer fails with [`StoreError::Conflict`] instead of forking the chain.
//! An append whose digest does not name its first event (or that has none) reads the event
//! before it ([`check_stored`]). Nothing here computes or checks hashes: that is `trent_core::audit`.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};
use trent_core::StoreError;
use trent_core::audit::{AuditHead, AuditScan, DigestRecord, StoredEvent, first_whole_second};
use trent_core::store::{AuditStore, MetaStore};

use super::{limit_clause, map_err, transaction};
use crate::sqlite::audit::trail::{
    DIGEST_COLUMNS, EVENT_READ, digest_from_row, event_from_row, hash_from_db, seq_from_db, seq_to_db, seq_to_find,
};
use crate::sqlite::rows::ts_to_db;

/// The audit trail on PostgreSQL: implements [`AuditStore`] and, for the trail's signing key,
/// [`MetaStore`] (its own `audit_meta` table). Made by [`super::PgStore::audit_store`].
///
/// Cloning is cheap and shares the pool.
#[derive(Clone, Debug)]
pub struct PgAuditStore {
    pool: PgPool,
    /// The database's health, shared with the store this was made from.
    health: Arc<super::health::Health>,
    /// The chain this handle appends to and reads.
    node: String,
}

impl PgAuditStore {
    pub(crate) fn new(pool: PgPool, health: Arc<super::health::Health>, node: String) -> Self {
        Self { pool, health, node }
    }

    /// The node whose chain this handle addresses.
    #[must_use]
    pub fn node(&self) -> &str {
        &self.node
    }

    /// A connection for one statement, with the call's time limit.
    async fn conn(&self) -> Result<super::checkout::Checkout, StoreError> {
        super::health::conn(&self.pool, &self.health).await
    }
}

/// An append that does not continue the chain (a seq written twice, or a gap) is a conflict
/// with another writer; everything else maps as usual.
fn append_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() || db.is_check_violation() => StoreError::Conflict,
        _ => map_err(e),
    }
}

/// A group commit's events in one statement of one text whatever their number: each column
/// is bound as an array and `UNNEST` turns them back into rows, in order. The statement is
/// prepared once per connection; a `VALUES` list would be a new statement for each batch size.
const INSERT_EVENTS: &str = "INSERT INTO audit_events \
     (node_id, seq, prev_hash, hash, event_time, account_id, region, record) \
     SELECT $1, * FROM UNNEST($2::int8[], $3::bytea[], $4::bytea[], $5::int8[], $6::text[], $7::text[], $8::bytea[])";

/// Refuses a gap: `Conflict` unless `node`'s event `seq` is stored. Only for an append whose
/// digest does not name its first event ([`seq_to_find`]); the digests' trigger checks the others
/// (migration 22). A per-row trigger on `audit_events` checked every row before, at twice the
/// cost of inserting it (BENCHMARKS.md, "The audit trail's gap check").
async fn check_stored(conn: &mut PgConnection, node: &str, seq: u64) -> Result<(), StoreError> {
    let found = sqlx::query("SELECT 1 FROM audit_events WHERE node_id = $1 AND seq = $2")
        .bind(node)
        .bind(seq_to_db(seq)?)
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_err)?;
    found.map(|_| ()).ok_or(StoreError::Conflict)
}

async fn insert_events(conn: &mut PgConnection, node: &str, events: &[StoredEvent]) -> Result<(), StoreError> {
    let seqs = events.iter().map(|e| seq_to_db(e.seq)).collect::<Result<Vec<_>, _>>()?;
    let column = |f: fn(&StoredEvent) -> &[u8]| events.iter().map(f).collect::<Vec<_>>();
    sqlx::query(INSERT_EVENTS)
        .bind(node)
        .bind(seqs)
        .bind(column(|e| &e.prev_hash[..]))
        .bind(column(|e| &e.hash[..]))
        .bind(events.iter().map(|e| e.key.event_time.unix_timestamp()).collect::<Vec<_>>())
        .bind(events.iter().map(|e| e.key.account_id.as_str()).collect::<Vec<_>>())
        .bind(events.iter().map(|e| e.key.region.as_str()).collect::<Vec<_>>())
        .bind(column(|e| e.json.as_slice()))
        .execute(&mut *conn)
        .await
        .map_err(append_err)?;
    Ok(())
}

async fn insert_digest(conn: &mut PgConnection, node: &str, d: &DigestRecord) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO audit_digests (node_id, {DIGEST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(node)
    .bind(seq_to_db(d.digest_seq)?)
    .bind(seq_to_db(d.first_seq)?)
    .bind(seq_to_db(d.last_seq)?)
    .bind(&d.last_hash[..])
    .bind(&d.prev_digest_hash[..])
    .bind(ts_to_db(d.created_at)?)
    .bind(d.signature.as_slice())
    .execute(conn)
    .await
    .map_err(append_err)?;
    Ok(())
}

#[async_trait]
impl AuditStore for PgAuditStore {
    async fn append_audit(&self, events: &[StoredEvent], digest: Option<&DigestRecord>) -> Result<(), StoreError> {
        let find = seq_to_find(events, digest)?;
        transaction!(self, |tx| {
            if let Some(seq) = find {
                check_stored(&mut tx, &self.node, seq).await?;
            }
            insert_events(&mut tx, &self.node, events).await?;
            if let Some(d) = digest {
                insert_digest(&mut tx, &self.node, d).await?;
            }
        })
    }

    async fn audit_events(&self, from_seq: u64, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
        let sql =
            format!("SELECT {EVENT_READ} FROM audit_events WHERE node_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3");
        let rows = sqlx::query(&sql)
            .bind(&self.node)
            .bind(i64::try_from(from_seq).unwrap_or(i64::MAX))
            .bind(i64::from(limit))
            .fetch_all(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| event_from_row(r, map_err)).collect()
    }

    async fn audit_digests(&self, from_digest_seq: u64, limit: u32) -> Result<Vec<DigestRecord>, StoreError> {
        let sql = format!(
            "SELECT {DIGEST_COLUMNS} FROM audit_digests WHERE node_id = $1 AND digest_seq >= $2 ORDER BY digest_seq LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(&self.node)
            .bind(i64::try_from(from_digest_seq).unwrap_or(i64::MAX))
            .bind(i64::from(limit))
            .fetch_all(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| digest_from_row(r, map_err)).collect()
    }

    async fn scan_audit(&self, scan: &AuditScan) -> Result<Vec<StoredEvent>, StoreError> {
        let mut q = QueryBuilder::<Postgres>::new(format!("SELECT {EVENT_READ} FROM audit_events WHERE true"));
        if let Some(scope) = &scan.scope {
            q.push(" AND account_id = ").push_bind(scope.account_id.clone());
            q.push(" AND region = ").push_bind(scope.region.clone());
        }
        // Whole seconds stored: "at or after start" is event_time >= ceil(start).
        if let Some(start) = scan.start {
            q.push(" AND event_time >= ").push_bind(first_whole_second(start).unix_timestamp());
        }
        if let Some(end) = scan.end {
            q.push(" AND event_time <= ").push_bind(end.unix_timestamp());
        }
        // Every chain, merged by time: (event_time, node_id, seq) newest first, scoped or not
        // (seqs are per node, so they alone order nothing across nodes).
        if let Some(after) = &scan.after {
            q.push(" AND (event_time, node_id, seq) < (")
                .push_bind(after.event_time.unix_timestamp())
                .push(", ")
                .push_bind(after.node.clone())
                .push(", ")
                .push_bind(seq_to_db(after.seq)?)
                .push(")");
        }
        q.push(" ORDER BY event_time DESC, node_id DESC, seq DESC");
        q.push(limit_clause(scan.limit));
        let rows = q.build().fetch_all(&mut self.conn().await?).await.map_err(map_err)?;
        rows.iter().map(|r| event_from_row(r, map_err)).collect()
    }

    async fn clear_audit(&self) -> Result<(), StoreError> {
        sqlx::query("TRUNCATE audit_events, audit_digests").execute(&mut self.conn().await?).await.map_err(map_err)?;
        Ok(())
    }

    async fn audit_head(&self) -> Result<AuditHead, StoreError> {
        // One connection for both statements: the call's time limit is for the two together.
        let mut conn = self.conn().await?;
        let last_event = sqlx::query("SELECT seq, hash FROM audit_events WHERE node_id = $1 ORDER BY seq DESC LIMIT 1")
            .bind(&self.node)
            .fetch_optional(&mut conn)
            .await
            .map_err(map_err)?
            .map(|row| -> Result<(u64, [u8; 32]), StoreError> {
                Ok((
                    seq_from_db("seq", row.try_get("seq").map_err(map_err)?)?,
                    hash_from_db("hash", row.try_get("hash").map_err(map_err)?)?,
                ))
            })
            .transpose()?;
        let sql =
            format!("SELECT {DIGEST_COLUMNS} FROM audit_digests WHERE node_id = $1 ORDER BY digest_seq DESC LIMIT 1");
        let last_digest = sqlx::query(&sql)
            .bind(&self.node)
            .fetch_optional(&mut conn)
            .await
            .map_err(map_err)?
            .map(|r| digest_from_row(&r, map_err))
            .transpose()?;
        Ok(AuditHead { node: self.node.clone(), last_event, last_digest })
    }

    async fn audit_nodes(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT node_id FROM audit_digests UNION SELECT DISTINCT node_id FROM audit_events ORDER BY 1",
        )
        .fetch_all(&mut self.conn().await?)
        .await
        .map_err(map_err)
    }

    fn audit_chain(&self, node: &str) -> Option<std::sync::Arc<dyn AuditStore>> {
        Some(std::sync::Arc::new(Self::new(self.pool.clone(), self.health.clone(), node.to_owned())))
    }
}

#[async_trait]
impl MetaStore for PgAuditStore {
    async fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        sqlx::query_scalar("SELECT value FROM audit_meta WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut self.conn().await?)
            .await
            .map_err(map_err)
    }

    async fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_meta (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        Ok(())
    }
}
