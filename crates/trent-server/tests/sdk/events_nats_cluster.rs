//! Event delivery to NATS JetStream (`TRENT_TEST_NATS_URL`) and by two nodes on PostgreSQL
//! (`TRENT_TEST_POSTGRES_URL`); without its variable each test says loudly that it is skipped,
//! and under `CI=true` fails.
//!
//! NATS: a parameter's events are published to a stream Trent creates, acknowledged; a NATS
//! that cannot be reached, then can (after a restart), gets them all; a redelivery (the marks
//! lost, as after a crash between the acknowledgement and the mark) is dropped by JetStream on
//! the event's `Nats-Msg-Id`. PostgreSQL: two nodes deliver every event exactly once, the
//! worker running under the `events` lease on one of them.

use std::time::{Duration, Instant};

use aws_sdk_ssm::types::ParameterType;
use trent_server::events::{RawEvents, RawSink, SinkTarget};
use trent_server::{RawConfig, StorageSetting};

use crate::common::{TestServer, quiet_scheduler};
use crate::events_delivery::{Hook, webhook_sink};
use crate::support::TestSchema;

const NATS_VAR: &str = "TRENT_TEST_NATS_URL";

/// The test NATS server's URL, or `None` after saying loudly that `test` is skipped.
fn nats_url(test: &str) -> Option<String> {
    match std::env::var(NATS_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but {NATS_VAR} is not set: the NATS tests cannot run (see .ci/run)"
            );
            eprintln!("SKIPPED {test}: NATS test skipped, set {NATS_VAR} (e.g. nats://127.0.0.1:4222)");
            None
        }
    }
}

fn nats_config(url: &str, subject: &str, stream: &str) -> RawConfig {
    let sink = RawSink {
        name: "bus".into(),
        kind: "nats".into(),
        url: Some(url.into()),
        subject: Some(subject.into()),
        stream: Some(stream.into()),
        timeout_seconds: Some(5),
        ..RawSink::default()
    };
    let events =
        RawEvents { poll_interval_milliseconds: Some(60_000), sinks: Some(vec![sink]), ..RawEvents::default() };
    RawConfig { events: Some(events), ..quiet_scheduler() }
}

#[tokio::test]
async fn events_reach_jetstream_acknowledged_once_per_id_after_nats_was_unreachable() {
    let Some(url) = nats_url("events_reach_jetstream_acknowledged_once_per_id_after_nats_was_unreachable") else {
        return;
    };
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let (subject, stream) = (format!("trent.test.{tag}"), format!("TRENT_TEST_{}", &tag[..12]));
    // First a NATS that is not there (a closed port): the events wait.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let server = TestServer::start_with(nats_config(&format!("nats://{closed}"), &subject, &stream)).await;
    let ssm = server.ssm(&server.admin_creds());
    for name in ["/n/one", "/n/two"] {
        ssm.put_parameter().name(name).value("nats-value").r#type(ParameterType::String).send().await.unwrap();
    }
    let run = server.state.delivery.run_once().await.unwrap();
    assert_eq!((run.delivered, run.failed), (0, 1), "unreachable: nothing delivered");

    // The server restarts pointed at the real NATS (the same sink name): everything goes.
    let server = server
        .restart_tuned(|c| {
            if let SinkTarget::Nats { url: u, .. } = &mut c.events.sinks[0].target {
                u.0 = url.clone();
            }
        })
        .await;
    let run = server.state.delivery.run_once().await.unwrap();
    assert_eq!((run.delivered, run.failed), (2, 0));
    let ids: Vec<String> = server
        .state
        .events
        .events_after(trent_core::events::OutboxCursor::START, 10)
        .await
        .unwrap()
        .iter()
        .map(|q| q.event.id.to_string())
        .collect();

    let client = async_nats::connect(url.as_str()).await.expect("connect to the test NATS");
    let js = async_nats::jetstream::new(client);
    let mut created = js.get_stream(&stream).await.expect("Trent created the stream");
    assert_eq!(created.info().await.unwrap().state.messages, 2);
    for (i, id) in ids.iter().enumerate() {
        let message = created.get_raw_message(i as u64 + 1).await.unwrap();
        let event: serde_json::Value = serde_json::from_slice(&message.payload).unwrap();
        assert_eq!(event["id"].as_str(), Some(id.as_str()), "in order");
        assert_eq!(event["detail-type"], "Parameter Store Change");
        assert_eq!(message.subject.as_str(), subject);
        let msg_id = message.headers.get(async_nats::header::NATS_MESSAGE_ID).map(|v| v.as_str().to_owned());
        assert_eq!(msg_id.as_deref(), Some(id.as_str()), "Nats-Msg-Id is the event id");
        assert!(!String::from_utf8_lossy(&message.payload).contains("nats-value"), "no value in an event");
    }

    // The marks lost (a crash after the acknowledgement, before the mark): sent again, and
    // JetStream keeps one message per id.
    let db = server.data_dir().join(trent_server::DATABASE_FILE);
    let mut conn =
        <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    sqlx::query("DELETE FROM event_deliveries").execute(&mut conn).await.unwrap();
    let run = server.state.delivery.run_once().await.unwrap();
    assert_eq!(run.delivered, 2, "redelivered at least once");
    assert_eq!(created.info().await.unwrap().state.messages, 2, "deduplicated on Nats-Msg-Id");
    js.delete_stream(&stream).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_postgres_deliver_each_event_once() {
    let Some(schema) = TestSchema::new("events_two_nodes").await else { return };
    let hook = Hook::start().await;
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    let events = RawEvents {
        poll_interval_milliseconds: Some(20),
        sinks: Some(vec![webhook_sink(&hook.url, None)]),
        ..RawEvents::default()
    };
    let raw = RawConfig { storage: Some(StorageSetting::new(url)), events: Some(events), ..RawConfig::default() };
    let a = TestServer::start_with(raw).await;
    let b = a.another_node().await;
    let (ssm_a, ssm_b) = (a.ssm(&a.admin_creds()), b.ssm(&b.admin_creds()));
    for i in 0..10 {
        let (one, two) = (format!("/two-nodes/a{i}"), format!("/two-nodes/b{i}"));
        ssm_a.put_parameter().name(one).value("v").r#type(ParameterType::String).send().await.unwrap();
        ssm_b.put_parameter().name(two).value("v").r#type(ParameterType::String).send().await.unwrap();
    }
    // An event is read once every older transaction on the server has finished (other
    // tests' too): wait for the twenty.
    let deadline = Instant::now() + Duration::from_secs(30);
    let ids: Vec<String> = loop {
        let read = a.state.events.events_after(trent_core::events::OutboxCursor::START, 100).await.unwrap();
        if read.len() >= 20 || Instant::now() > deadline {
            break read.iter().map(|q| q.event.id.to_string()).collect();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(ids.len(), 20);
    while hook.counts().len() < ids.len() {
        assert!(Instant::now() < deadline, "not every event arrived: {} of 20", hook.counts().len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Many more passes on both nodes: still once each.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let counts = hook.counts();
    assert_eq!(counts.len(), 20);
    for id in &ids {
        assert_eq!(counts.get(id), Some(&1), "{id} delivered exactly once by the two nodes");
    }
    drop((a, b));
}
