//! [`AuditStore`] for the audit database (tables of `migrations/sqlite-audit/0001_trail.sql`).
//!
//! A group commit is one `BEGIN IMMEDIATE` transaction of `INSERT`s: each event's row, then the
//! digest. It reads nothing: the primary keys refuse a seq written twice, the events are
//! contiguous among themselves (checked before the transaction), and the digests'
//! `audit_digests_contiguous` trigger refuses a digest that does not follow the last one or
//! whose first event does not follow a stored event. So a second writer on the same file fails
//! with `Conflict` instead of forking the chain. (An append without a digest, or whose digest
//! does not start at its first event, reads the event before its first: [`SEQ_STORED`].)
//! Nothing here computes or checks hashes: that is `trent_core::audit`.

use async_trait::async_trait;
use sqlx::{ColumnIndex, Decode, QueryBuilder, Row, Sqlite, SqliteConnection, Type};
use time::OffsetDateTime;
use trent_core::StoreError;
use trent_core::audit::{AuditHead, AuditScan, DigestRecord, EventKey, StoredEvent, first_whole_second};
use trent_core::store::AuditStore;
use trent_core::store::Fault;

use super::super::map_err;
use super::super::rows::{ts_from_db, ts_to_db};
use super::SqliteAuditStore;

/// The inserts say `OR FAIL`: with the default `ABORT`, SQLite keeps a statement journal (in
/// memory here, on disk a temporary file past 64 KiB) to undo a failing statement alone. Here any
/// failure abandons the whole transaction, so undoing one statement is never needed.
macro_rules! insert_or_fail {
    () => {
        "INSERT OR FAIL INTO"
    };
}

/// The columns an event is read with: the written ones and its chain's node id (`''` on
/// SQLite, which serves one node).
pub(crate) const EVENT_READ: &str = "node_id, seq, prev_hash, hash, event_time, account_id, region, record";
pub(crate) const DIGEST_COLUMNS: &str =
    "digest_seq, first_seq, last_seq, last_hash, prev_digest_hash, created_at, signature";
/// SQLite's extended result code for a constraint raised by a trigger (`SQLITE_CONSTRAINT_TRIGGER`).
const CONSTRAINT_TRIGGER: &str = "1811";
/// Whether an event's seq is stored: the gap check of an append whose digest does not name its
/// first event (or that has none). The events' gap check is otherwise the digests' trigger, once
/// a commit (`migrations/sqlite-audit/0003_gap_check_per_statement.sql`). A per-row `BEFORE
/// INSERT` trigger did it before: its sub-program kept a second cursor open on `audit_events`
/// during the insert, which made SQLite balance the right-edge leaf the long way: about 13,000
/// instructions an event in all (BENCHMARKS.md, "The audit trail's gap check"). The same check
/// inside the `INSERT` (a subquery in its first row) gave half of that back, for the same
/// reason, and this read as a statement of every commit costs a round trip to the SQLite thread.
const SEQ_STORED: &str = "SELECT 1 FROM audit_events WHERE seq = ?1";

pub(crate) fn seq_to_db(seq: u64) -> Result<i64, StoreError> {
    i64::try_from(seq).map_err(|_| StoreError::corrupt("audit_events.seq", Fault::OutOfRange(i128::from(seq))))
}

pub(crate) fn seq_from_db(column: &'static str, n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::corrupt(column, Fault::OutOfRange(i128::from(n))))
}

pub(crate) fn hash_from_db(column: &'static str, bytes: Vec<u8>) -> Result<[u8; 32], StoreError> {
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| StoreError::corrupt(column, Fault::Length { found: bytes.len(), expected: 32 }))
}

pub(crate) fn secs_from_db(secs: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(secs)
        .map_err(|e| StoreError::corrupt_because("audit_events.event_time", Fault::OutOfRange(i128::from(secs)), e))
}

/// An append that does not continue the chain (a seq written twice, or a gap) is a conflict
/// with another writer; everything else maps as usual.
fn append_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() || db.code().as_deref() == Some(CONSTRAINT_TRIGGER) => {
            StoreError::Conflict
        }
        _ => map_err(e),
    }
}

/// Rows per multi-row `INSERT`: 7 parameters a row stays far below SQLite's 32766 limit, and a
/// fixed size lets the prepared statement be reused across batches. One statement per chunk,
/// not per event: each `execute` is a round trip to sqlx's SQLite worker thread, and a
/// single-row statement per event (tried in this session) cut `trent audit bench` from tens of
/// thousands of events/s to 4,770/s on the loaded 2-core machine, 131 round trips per commit.
const CHUNK: usize = 64;
const EVENT_COLUMNS: &str = "seq, prev_hash, hash, event_time, account_id, region, record";
/// The digest's row: one statement text, prepared once per connection.
const INSERT_DIGEST: &str = concat!(
    insert_or_fail!(),
    " audit_digests (digest_seq, first_seq, last_seq, last_hash, prev_digest_hash, created_at, signature) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
);

/// What both backends check of an append before its transaction: its events must be one
/// contiguous run of seqs (else `Conflict`), and a gap before the first may only be left to the
/// digests' trigger when the digest names that event. Returns the seq the store must itself find
/// stored (the one before the first event), or `None` when the trigger checks it, the append
/// starts the chain or has no events.
pub(crate) fn seq_to_find(events: &[StoredEvent], digest: Option<&DigestRecord>) -> Result<Option<u64>, StoreError> {
    if !events.windows(2).all(|w| w[1].seq == w[0].seq + 1) {
        return Err(StoreError::Conflict);
    }
    let Some(first) = events.first().map(|e| e.seq) else { return Ok(None) };
    let digest_checks_gap = digest.is_some_and(|d| d.first_seq == first);
    Ok((first != 1 && !digest_checks_gap).then(|| first - 1))
}

/// Refuses a gap: `Conflict` unless the event `seq` is stored (see [`SEQ_STORED`]).
async fn check_stored(conn: &mut SqliteConnection, seq: u64) -> Result<(), StoreError> {
    let found = sqlx::query(SEQ_STORED).bind(seq_to_db(seq)?).fetch_optional(conn).await.map_err(map_err)?;
    found.map(|_| ()).ok_or(StoreError::Conflict)
}

async fn insert_events(conn: &mut SqliteConnection, events: &[StoredEvent]) -> Result<(), StoreError> {
    for chunk in events.chunks(CHUNK) {
        let seqs = chunk.iter().map(|e| seq_to_db(e.seq)).collect::<Result<Vec<_>, _>>()?;
        let mut q = QueryBuilder::<Sqlite>::new(concat!(insert_or_fail!(), " audit_events "));
        q.push("(").push(EVENT_COLUMNS).push(") ");
        q.push_values(chunk.iter().zip(seqs), |mut b, (e, seq)| {
            b.push_bind(seq)
                .push_bind(&e.prev_hash[..])
                .push_bind(&e.hash[..])
                .push_bind(e.key.event_time.unix_timestamp())
                .push_bind(e.key.account_id.as_str())
                .push_bind(e.key.region.as_str())
                .push_bind(e.json.as_slice());
        });
        q.build().execute(&mut *conn).await.map_err(append_err)?;
    }
    Ok(())
}

async fn insert_digest(conn: &mut SqliteConnection, d: &DigestRecord) -> Result<(), StoreError> {
    sqlx::query(INSERT_DIGEST)
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

/// Reads an event row of either backend, mapping a column error with the backend's `map`.
pub(crate) fn event_from_row<R: Row>(row: &R, map: fn(sqlx::Error) -> StoreError) -> Result<StoredEvent, StoreError>
where
    &'static str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(StoredEvent {
        node: row.try_get("node_id").map_err(map)?,
        seq: seq_from_db("seq", row.try_get("seq").map_err(map)?)?,
        prev_hash: hash_from_db("prev_hash", row.try_get("prev_hash").map_err(map)?)?,
        hash: hash_from_db("hash", row.try_get("hash").map_err(map)?)?,
        key: EventKey {
            event_time: secs_from_db(row.try_get("event_time").map_err(map)?)?,
            account_id: row.try_get("account_id").map_err(map)?,
            region: row.try_get("region").map_err(map)?,
        },
        json: row.try_get("record").map_err(map)?,
    })
}

/// Reads a digest row of either backend, mapping a column error with the backend's `map`.
pub(crate) fn digest_from_row<R: Row>(row: &R, map: fn(sqlx::Error) -> StoreError) -> Result<DigestRecord, StoreError>
where
    &'static str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(DigestRecord {
        digest_seq: seq_from_db("digest_seq", row.try_get("digest_seq").map_err(map)?)?,
        first_seq: seq_from_db("first_seq", row.try_get("first_seq").map_err(map)?)?,
        last_seq: seq_from_db("last_seq", row.try_get("last_seq").map_err(map)?)?,
        last_hash: hash_from_db("last_hash", row.try_get("last_hash").map_err(map)?)?,
        prev_digest_hash: hash_from_db("prev_digest_hash", row.try_get("prev_digest_hash").map_err(map)?)?,
        created_at: ts_from_db(row.try_get("created_at").map_err(map)?)?,
        signature: row.try_get("signature").map_err(map)?,
    })
}

#[async_trait]
impl AuditStore for SqliteAuditStore {
    async fn append_audit(&self, events: &[StoredEvent], digest: Option<&DigestRecord>) -> Result<(), StoreError> {
        let find = seq_to_find(events, digest)?;
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(map_err)?;
        if let Some(seq) = find {
            check_stored(&mut tx, seq).await?;
        }
        insert_events(&mut tx, events).await?;
        if let Some(d) = digest {
            insert_digest(&mut tx, d).await?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn audit_events(&self, from_seq: u64, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
        let sql = format!("SELECT {EVENT_READ} FROM audit_events WHERE seq >= ?1 ORDER BY seq LIMIT ?2");
        let rows = sqlx::query(&sql)
            .bind(i64::try_from(from_seq).unwrap_or(i64::MAX))
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| event_from_row(r, map_err)).collect()
    }

    async fn audit_digests(&self, from_digest_seq: u64, limit: u32) -> Result<Vec<DigestRecord>, StoreError> {
        let sql =
            format!("SELECT {DIGEST_COLUMNS} FROM audit_digests WHERE digest_seq >= ?1 ORDER BY digest_seq LIMIT ?2");
        let rows = sqlx::query(&sql)
            .bind(i64::try_from(from_digest_seq).unwrap_or(i64::MAX))
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| digest_from_row(r, map_err)).collect()
    }

    async fn scan_audit(&self, scan: &AuditScan) -> Result<Vec<StoredEvent>, StoreError> {
        let mut q = QueryBuilder::<Sqlite>::new(format!("SELECT {EVENT_READ} FROM audit_events WHERE 1 = 1"));
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
        match (&scan.scope, &scan.after) {
            (Some(_), Some(after)) => {
                let t = after.event_time.unix_timestamp();
                q.push(" AND (event_time < ").push_bind(t);
                q.push(" OR (event_time = ").push_bind(t).push(" AND seq < ").push_bind(seq_to_db(after.seq)?);
                q.push("))");
            }
            (None, Some(after)) => {
                q.push(" AND seq < ").push_bind(seq_to_db(after.seq)?);
            }
            (_, None) => {}
        }
        q.push(if scan.scope.is_some() { " ORDER BY event_time DESC, seq DESC" } else { " ORDER BY seq DESC" });
        q.push(" LIMIT ").push_bind(i64::from(scan.limit));
        let rows = q.build().fetch_all(&self.reader).await.map_err(map_err)?;
        rows.iter().map(|r| event_from_row(r, map_err)).collect()
    }

    async fn clear_audit(&self) -> Result<(), StoreError> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(map_err)?;
        for table in ["audit_events", "audit_digests"] {
            sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await.map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn audit_head(&self) -> Result<AuditHead, StoreError> {
        let last_event = sqlx::query("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)?
            .map(|row| -> Result<(u64, [u8; 32]), StoreError> {
                Ok((
                    seq_from_db("seq", row.try_get("seq").map_err(map_err)?)?,
                    hash_from_db("hash", row.try_get("hash").map_err(map_err)?)?,
                ))
            })
            .transpose()?;
        let sql = format!("SELECT {DIGEST_COLUMNS} FROM audit_digests ORDER BY digest_seq DESC LIMIT 1");
        let last_digest = sqlx::query(&sql)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)?
            .as_ref()
            .map(|r| digest_from_row(r, map_err))
            .transpose()?;
        Ok(AuditHead { node: String::new(), last_event, last_digest })
    }
}
