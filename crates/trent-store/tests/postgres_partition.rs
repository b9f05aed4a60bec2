//! The PostgreSQL store behind a network partition that black-holes packets (no reset), made by
//! a TCP relay (`support/relay.rs`) between the store and the database named by
//! `TRENT_TEST_POSTGRES_URL` (skipped loudly without it, a failure under `CI=true`):
//!
//! - a connection given back to the pool just as the partition begins does not keep its slot
//!   (`sqlx` pings it with no time limit before it is idle again; the store's own ping, with a
//!   limit, closes it first), so the store serves again as soon as the partition heals;
//! - a subscription whose connection is black-holed says so within [`LISTENER_SILENCE`] (its
//!   own heartbeats stop arriving), and a new one, made after the partition heals, receives
//!   notifications again; heartbeats are never returned as messages;
//! - a call of several statements outside a transaction (the stamps of many cached entries, a
//!   statement per thousand) is limited as a whole, not statement by statement, on a slow
//!   network.

#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/relay.rs"]
mod relay;

use std::time::{Duration, Instant};

use trent_core::{AccountId, KeyId, MetaStore, Region, Scope, StoreError};
use trent_store::{CallTimedOut, LISTENER_SILENCE, ListenerSilent, Notice, PgSettings, PgStore};

use postgres::TestSchema;
use relay::{Relay, relayed_url, upstream_of};

/// The store's client-side limit of one call in these tests.
const LIMIT: Duration = Duration::from_secs(2);

/// Whether `e` is a call abandoned at its time limit: [`CallTimedOut`] itself (a transaction,
/// or no connection in time), or the I/O error it makes of a statement's.
fn timed_out(e: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    if e.downcast_ref::<CallTimedOut>().is_some() {
        return true;
    }
    match e.downcast_ref::<sqlx::Error>() {
        Some(sqlx::Error::Io(io)) => io.get_ref().is_some_and(|inner| inner.downcast_ref::<CallTimedOut>().is_some()),
        _ => false,
    }
}

/// A store on `schema` through a new relay, with a pool of `connections`.
async fn relayed_store(schema: &TestSchema, connections: u32) -> (Relay, PgStore) {
    let relay = Relay::start(upstream_of(schema.url())).await;
    // Plain connections: the relay looks for an answer's bytes.
    let url = format!("{}&sslmode=disable", relayed_url(schema.url(), &relay, schema.name()));
    let settings = PgSettings::from_url(&url)
        .expect("url")
        .max_connections(connections)
        .statement_timeout(LIMIT / 2)
        .call_timeout(LIMIT);
    let store = PgStore::open(&settings).await.expect("open through the relay");
    (relay, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_given_back_as_a_partition_begins_does_not_keep_its_slot() {
    let Some(schema) = TestSchema::new("a_connection_given_back_as_a_partition_begins_does_not_keep_its_slot").await
    else {
        return;
    };
    // One connection: a slot held by a hung ping is the whole pool.
    let (relay, store) = relayed_store(&schema, 1).await;
    const MARKER: &[u8] = b"the answer before the partition";
    store.put_meta("marker", MARKER).await.expect("put");

    // The partition begins right after the answer reaches the store: the call succeeds, and the
    // ping of its connection on the way back to the pool is black-holed.
    relay.cut_after_answer_with(MARKER);
    assert_eq!(store.get_meta("marker").await.expect("the answer came").as_deref(), Some(MARKER));
    let cut = Instant::now();
    // The store's ping gives up after a second and the connection is closed.
    while store.pool_connections().0 > 0 {
        assert!(
            cut.elapsed() < LIMIT,
            "the connection given back still holds its slot after {:?}: {:?}",
            cut.elapsed(),
            store.pool_connections()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let freed = cut.elapsed();
    eprintln!("the slot of the connection given back was free {freed:?} after the partition began");

    relay.heal();
    let healed = Instant::now();
    loop {
        match store.get_meta("marker").await {
            Ok(value) => {
                assert_eq!(value.as_deref(), Some(MARKER));
                break;
            }
            Err(e) => {
                assert!(healed.elapsed() < 2 * LIMIT, "no call succeeds {:?} after the heal: {e}", healed.elapsed())
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("serving again {:?} after the partition healed", healed.elapsed());
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_black_holed_subscription_says_so_within_the_silence_bound_and_a_new_one_receives() {
    let Some(schema) =
        TestSchema::new("a_black_holed_subscription_says_so_within_the_silence_bound_and_a_new_one_receives").await
    else {
        return;
    };
    let (relay, store) = relayed_store(&schema, 2).await;
    let channel = format!("test_{}", schema.name());
    let mut notifications = store.listen(&channel, "node-a").await.expect("listen");
    // Heartbeats flow meanwhile; none is returned.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    store.notify(&channel, "before").await.expect("notify");
    assert_eq!(notifications.next().await.expect("a message"), Notice::Message("before".into()));

    let cut = relay.cut().await;
    let silent = notifications.next().await;
    let noticed = cut.elapsed();
    eprintln!("the black-holed subscription gave up {noticed:?} after the partition began");
    match silent {
        Err(StoreError::Unavailable(e)) => assert!(e.downcast_ref::<ListenerSilent>().is_some(), "{e}"),
        other => panic!("a silent subscription, not {other:?}"),
    }
    assert!(noticed <= LISTENER_SILENCE + Duration::from_millis(1500), "noticed after {noticed:?}");
    drop(notifications);

    relay.heal();
    let healed = Instant::now();
    let mut notifications = loop {
        if !store.database_down()
            && let Ok(n) = store.listen(&channel, "node-a").await
        {
            break n;
        }
        assert!(healed.elapsed() < 3 * LIMIT, "cannot listen again {:?} after the heal", healed.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    eprintln!("listening again {:?} after the partition healed", healed.elapsed());
    store.notify(&channel, "after").await.expect("notify");
    assert_eq!(notifications.next().await.expect("a message"), Notice::Message("after".into()));
    drop(notifications);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_of_several_statements_is_limited_as_a_whole() {
    let Some(schema) = TestSchema::new("a_call_of_several_statements_is_limited_as_a_whole").await else {
        return;
    };
    let (relay, store) = relayed_store(&schema, 2).await;
    // Eight statements of a thousand keys each (none exists: only the round trips matter).
    let scope =
        Scope::new(AccountId::parse("111122223333").expect("account"), Region::parse("us-east-1").expect("region"));
    let keys: Vec<(Scope, KeyId)> = (0..8000).map(|_| (scope.clone(), KeyId::new_random())).collect();
    assert!(store.key_stamps(&keys).await.expect("stamps on a fast network").is_empty());

    // 300 ms a round trip: each statement well within the limit, the eight together not.
    relay.set_latency(Duration::from_millis(150));
    let asked = Instant::now();
    let stamps = store.key_stamps(&keys).await;
    let took = asked.elapsed();
    eprintln!("eight statements on a slow network: {:?} after {took:?}", stamps.as_ref().map(|s| s.len()));
    match stamps {
        Err(StoreError::Unavailable(e)) => assert!(timed_out(e.as_ref()), "{e}"),
        Ok(_) => panic!("eight statements of 300 ms each answered after {took:?}, past the call's limit {LIMIT:?}"),
        Err(e) => panic!("the call's time limit, not {e}"),
    }
    assert!(took < LIMIT + Duration::from_millis(500), "the call ended {took:?} after it began");
}
