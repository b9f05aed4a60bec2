//! Event delivery bookkeeping: each sink's undelivered events in order, marks per sink, and
//! trimming only what every configured sink has and the retention let go.

use std::sync::Arc;

use serde_json::json;
use trent_core::ParamStore;
use trent_core::events::{Event, OutboxCursor, PARAMETER_CHANGE, SOURCE_SSM};
use trent_core::params::ParameterWrite;

use super::params::{create, pv};
use crate::conformance::fixtures::{at, home};

/// Puts a new parameter `name` whose change event happened at `at(secs)`; returns its event.
async fn put_with_event(store: &Arc<dyn ParamStore>, name: &str, secs: i64) -> Event {
    let event = Event::new(at(secs), home(), SOURCE_SSM, PARAMETER_CHANGE, format!("arn:{name}"), json!({"n": name}));
    let write = ParameterWrite { events: vec![event.clone()], ..create(pv(name, 1)) };
    store.put_version(&home(), &write).await.expect("put");
    event
}

/// Waits until every committed event is readable: on PostgreSQL an event is read only once
/// every older transaction on the server (other tests' too) has finished.
pub(crate) async fn settled(store: &Arc<dyn ParamStore>) {
    let started = std::time::Instant::now();
    loop {
        let stored = store.undelivered_count("no such sink").await.expect("count");
        let readable = store.events_after(OutboxCursor::START, 10_000).await.expect("read").len() as u64;
        if readable == stored {
            return;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "{readable} of {stored} events readable");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

async fn pending(store: &Arc<dyn ParamStore>, sink: &str) -> Vec<uuid::Uuid> {
    store.undelivered(sink, 100).await.expect("undelivered").into_iter().map(|q| q.event.id).collect()
}

pub(crate) async fn events_are_delivered_per_sink_and_trimmed_when_all_have_them(store: Arc<dyn ParamStore>) {
    let (a, b, c) = (
        put_with_event(&store, "/a", 1).await,
        put_with_event(&store, "/b", 2).await,
        put_with_event(&store, "/c", 50).await,
    );
    settled(&store).await;
    let queued = store.undelivered("hook", 100).await.unwrap();
    assert_eq!(queued.iter().map(|q| q.event.clone()).collect::<Vec<_>>(), vec![a.clone(), b.clone(), c.clone()]);
    assert_eq!(store.undelivered("hook", 2).await.unwrap().len(), 2, "bounded");
    let seq = |e: &Event| queued.iter().find(|q| q.event.id == e.id).unwrap().seq;

    // Marks are per sink, and marking twice is harmless.
    store.mark_delivered("hook", &[seq(&a), seq(&c)], at(60)).await.unwrap();
    store.mark_delivered("hook", &[seq(&a)], at(61)).await.unwrap();
    assert_eq!(pending(&store, "hook").await, vec![b.id], "a gap left by a failed event is found again");
    assert_eq!(pending(&store, "file").await, vec![a.id, b.id, c.id], "another sink has its own marks");
    assert_eq!(store.undelivered_count("hook").await.unwrap(), 1, "the depth counts what a sink lacks");
    assert_eq!(store.undelivered_count("file").await.unwrap(), 3);
    assert_eq!(store.undelivered_count("unknown").await.unwrap(), 3);

    // Only events every sink has, and older than the cutoff, go.
    let sinks = vec!["hook".to_owned(), "file".to_owned()];
    assert_eq!(store.trim_delivered(&sinks, at(100)).await.unwrap(), 0, "file has none yet");
    store.mark_delivered("file", &[seq(&a), seq(&b), seq(&c)], at(62)).await.unwrap();
    assert_eq!(store.trim_delivered(&sinks, at(10)).await.unwrap(), 1, "a only: b is not at hook, c is recent");
    assert_eq!(pending(&store, "hook").await, vec![b.id]);
    assert_eq!(store.events_after(OutboxCursor::START, 10).await.unwrap().len(), 2);

    // A sink no longer configured holds nothing back, and its marks go.
    assert_eq!(store.trim_delivered(&["file".to_owned()], at(100)).await.unwrap(), 2);
    assert!(store.events_after(OutboxCursor::START, 10).await.unwrap().is_empty());
    let d = put_with_event(&store, "/d", 3).await;
    settled(&store).await;
    assert_eq!(pending(&store, "hook").await, vec![d.id], "a removed sink's old marks do not hide new events");
    // With no sink configured, the retention alone decides.
    assert_eq!(store.trim_delivered(&[], at(2)).await.unwrap(), 0);
    assert_eq!(store.trim_delivered(&[], at(4)).await.unwrap(), 1);

    // Trimming by position takes the marks with the events.
    let e = put_with_event(&store, "/e", 5).await;
    settled(&store).await;
    let queued = store.undelivered("hook", 10).await.unwrap().remove(0);
    let (e_seq, e_position) = (queued.seq, queued.position);
    store.mark_delivered("hook", &[e_seq], at(70)).await.unwrap();
    store.remove_events_through(e_position).await.unwrap();
    assert!(pending(&store, "hook").await.is_empty());
    let f = put_with_event(&store, "/f", 6).await;
    settled(&store).await;
    assert_eq!(pending(&store, "hook").await, vec![f.id], "{e:?} gone, f pending");
}
