//! The PostgreSQL event outbox read while writers commit out of order (in a fresh schema of
//! `TRENT_TEST_POSTGRES_URL`; skipped loudly without it, a failure under `CI=true`).
//!
//! Regression guard: outbox rows are numbered (`seq`) when inserted, not when committed, so a
//! follower reading `seq > last` (`trent events tail`) passed an event whose transaction was
//! held open while a later one committed, and never showed it. Readers must hold such events
//! back until every older transaction has finished, then show each event once, in an order
//! that never goes back; the delivery worker's reader must neither skip nor reorder them.

#[path = "support/postgres.rs"]
mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};
use trent_core::EventStore;
use trent_core::events::{OutboxCursor, QueuedEvent};
use trent_store::{PgSettings, PgStore};

use support::TestSchema;

async fn open(schema: &TestSchema) -> PgStore {
    let settings = PgSettings::from_url(schema.url()).expect("url").schema(schema.name()).max_connections(4);
    PgStore::open(&settings).await.expect("open PostgreSQL store")
}

/// A connection of a writer of its own, in the test's schema.
async fn writer(schema: &TestSchema) -> PgConnection {
    let mut conn = PgConnection::connect(schema.url()).await.expect("connect");
    sqlx::query(&format!("SET search_path TO {}", schema.name())).execute(&mut conn).await.expect("search_path");
    conn
}

/// Inserts an event named `name` on `conn` (in whatever transaction it has open), as the
/// stores' own writes do.
async fn insert(conn: &mut PgConnection, name: &str) {
    sqlx::query(
        "INSERT INTO event_outbox (id, time, account_id, region, source, detail_type, resources, detail) \
         VALUES ($1, 0, '111122223333', 'us-east-1', 'aws.ssm', 'Parameter Store Change', '[]', $2)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(serde_json::json!({ "name": name }).to_string())
    .execute(conn)
    .await
    .expect("insert an event");
}

fn names(events: &[QueuedEvent]) -> Vec<String> {
    events.iter().map(|q| q.event.detail["name"].as_str().unwrap_or_default().to_owned()).collect()
}

/// What `events_after(after)` reads once it holds `n` events: the writers' transactions are
/// over, but another test's on the same server may still hold them back for a moment.
async fn read_at_least(store: &PgStore, after: OutboxCursor, n: usize) -> Vec<QueuedEvent> {
    let started = Instant::now();
    loop {
        let read = store.events_after(after, 100).await.expect("read");
        if read.len() >= n || started.elapsed() > Duration::from_secs(30) {
            return read;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn begin(conn: &mut PgConnection) {
    sqlx::query("BEGIN").execute(&mut *conn).await.expect("begin");
}

async fn commit(conn: &mut PgConnection) {
    sqlx::query("COMMIT").execute(&mut *conn).await.expect("commit");
}

#[tokio::test]
async fn an_event_committed_late_is_neither_skipped_nor_shown_out_of_order() {
    let Some(schema) = TestSchema::new("postgres outbox order").await else { return };
    let store = open(&schema).await;
    let (mut slow, mut quick) = (writer(&schema).await, writer(&schema).await);

    // A transaction holds its event (the lower number) open while a later one commits.
    begin(&mut slow).await;
    insert(&mut slow, "late").await;
    begin(&mut quick).await;
    insert(&mut quick, "early").await;
    commit(&mut quick).await;
    assert!(store.events_after(OutboxCursor::START, 10).await.unwrap().is_empty(), "held back behind the open one");
    assert!(store.undelivered("hook", 10).await.unwrap().is_empty(), "the delivery worker's reader too");
    commit(&mut slow).await;
    let read = read_at_least(&store, OutboxCursor::START, 2).await;
    assert_eq!(names(&read), ["late", "early"], "both, in the order of their transactions");
    assert!(read[0].seq < read[1].seq);
    assert_eq!(names(&store.undelivered("hook", 10).await.unwrap()), ["late", "early"]);
    let cursor = read[1].position;

    // A transaction that took its id first but inserts (a higher number) after a later one
    // committed: still before it, and nothing is passed.
    begin(&mut slow).await;
    sqlx::query("SELECT pg_current_xact_id()").execute(&mut slow).await.expect("take an id");
    begin(&mut quick).await;
    insert(&mut quick, "second").await;
    commit(&mut quick).await;
    assert!(store.events_after(cursor, 10).await.unwrap().is_empty(), "held back behind the open one");
    insert(&mut slow, "first").await;
    commit(&mut slow).await;
    let read = read_at_least(&store, cursor, 2).await;
    assert_eq!(names(&read), ["first", "second"]);
    assert!(read[0].seq > read[1].seq, "numbered against the order they are read in");
    assert!(cursor < read[0].position && read[0].position < read[1].position);
    assert!(store.events_after(read[1].position, 10).await.unwrap().is_empty());
    assert_eq!(names(&store.undelivered("hook", 10).await.unwrap()), ["late", "early", "first", "second"]);
}

/// Writers whose transactions stay open for different times while a follower reads on from
/// its cursor, as `trent events tail` does: it sees every event exactly once, in an order
/// that never goes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_sees_every_event_of_interleaved_writers_once_and_in_order() {
    const WRITERS: usize = 4;
    const EACH: usize = 25;
    let Some(schema) = TestSchema::new("postgres outbox follower").await else { return };
    let store = open(&schema).await;
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let mut conn = writer(&schema).await;
        tasks.push(tokio::spawn(async move {
            for i in 0..EACH {
                begin(&mut conn).await;
                insert(&mut conn, &format!("{w}-{i}")).await;
                // Held open for 0 to 18 ms, differently by writer, so commits overtake inserts.
                tokio::time::sleep(Duration::from_millis(((w * 7 + i * 5) % 19) as u64)).await;
                commit(&mut conn).await;
            }
        }));
    }
    let (mut cursor, mut seen, mut order) = (OutboxCursor::START, HashSet::new(), Vec::new());
    let started = Instant::now();
    while seen.len() < WRITERS * EACH {
        assert!(started.elapsed() < Duration::from_secs(60), "only {} of {} events seen", seen.len(), WRITERS * EACH);
        for q in store.events_after(cursor, 7).await.expect("read on") {
            assert!(q.position > cursor, "{} at {} after {cursor}", q.seq, q.position);
            cursor = q.position;
            let name = q.event.detail["name"].as_str().unwrap_or_default().to_owned();
            assert!(seen.insert(name.clone()), "{name} shown twice");
            order.push(name);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for task in tasks {
        task.await.expect("writer");
    }
    assert!(store.events_after(cursor, 10).await.unwrap().is_empty(), "nothing after the last one");
    // Each writer's own events in the order it committed them.
    for w in 0..WRITERS {
        let mine: Vec<&String> = order.iter().filter(|n| n.starts_with(&format!("{w}-"))).collect();
        let expected: Vec<String> = (0..EACH).map(|i| format!("{w}-{i}")).collect();
        assert_eq!(mine, expected.iter().collect::<Vec<_>>());
    }
}
