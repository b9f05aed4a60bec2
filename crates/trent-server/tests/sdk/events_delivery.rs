//! Event delivery end to end: `PutParameter`, `LabelParameterVersion`, `DeleteParameter` and a
//! policy's expiration, made through `aws-sdk-ssm`, reach a webhook that this test runs (signed
//! with HMAC-SHA256) and a JSON-lines file; a webhook that is down, across a restart, gets
//! every event once it is up, each id exactly once; nothing is trimmed before every sink has
//! it and the retention passed.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use aws_sdk_ssm::types::{ParameterTier, ParameterType};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use parking_lot::Mutex;
use serde_json::Value;
use time::Duration;
use time::format_description::well_known::Rfc3339;
use trent_core::Clock;
use trent_server::RawConfig;
use trent_server::events::{RawEvents, RawSink};

use crate::common::{TestServer, quiet_scheduler};

/// One request the test's webhook accepted.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Received {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    fn header(&self, name: &str) -> String {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
    }
}

/// A webhook receiver on `127.0.0.1:0`: answers 503 while down, 200 (and records) while up;
/// `accept_only` makes it go down after that many more requests.
#[derive(Clone, Default)]
pub(crate) struct Hook {
    down: Arc<AtomicBool>,
    accept_only: Arc<Mutex<Option<usize>>>,
    accepted: Arc<Mutex<Vec<Received>>>,
    refused: Arc<AtomicUsize>,
    pub(crate) url: String,
}

async fn receive(State(hook): State<Hook>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    let mut budget = hook.accept_only.lock();
    if hook.down.load(Ordering::SeqCst) || *budget == Some(0) {
        hook.refused.fetch_add(1, Ordering::SeqCst);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    if let Some(n) = budget.as_mut() {
        *n -= 1;
    }
    hook.accepted.lock().push(Received { headers, body: body.to_vec() });
    StatusCode::OK
}

impl Hook {
    pub(crate) async fn start() -> Hook {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hook = Hook { url: format!("http://{}/hook", listener.local_addr().unwrap()), ..Hook::default() };
        let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(hook.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        hook
    }

    /// The same receiver over HTTPS (`https://localhost:PORT/hook`), with a certificate `ca`
    /// issued for `localhost`.
    pub(crate) async fn start_tls(ca: &crate::tls::Ca) -> Hook {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let (chain, key) = ca.issue(&["localhost"]);
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(chain.as_bytes()).collect::<Result<_, _>>().unwrap();
        let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hook = Hook { url: format!("https://localhost:{port}/hook"), ..Hook::default() };
        let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(hook.clone());
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, app) = (acceptor.clone(), app.clone());
                tokio::spawn(async move {
                    // A client that does not trust the certificate ends here.
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let service = hyper_util::service::TowerToHyperService::new(app);
                    let io = hyper_util::rt::TokioIo::new(tls);
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
                });
            }
        });
        hook
    }

    fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
        *self.accept_only.lock() = None;
    }

    pub(crate) fn accepted(&self) -> Vec<Received> {
        self.accepted.lock().clone()
    }

    /// How many times each event id was accepted.
    pub(crate) fn counts(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for r in self.accepted() {
            *counts.entry(r.json()["id"].as_str().unwrap().to_owned()).or_default() += 1;
        }
        counts
    }
}

pub(crate) fn webhook_sink(url: &str, secret_file: Option<&Path>) -> RawSink {
    RawSink {
        name: "hook".into(),
        kind: "webhook".into(),
        url: Some(url.into()),
        secret_file: secret_file.map(Path::to_owned),
        timeout_seconds: Some(5),
        ..RawSink::default()
    }
}

pub(crate) fn jsonl_sink(path: &Path) -> RawSink {
    RawSink { name: "file".into(), kind: "jsonl".into(), path: Some(path.to_owned()), ..RawSink::default() }
}

/// Settings whose timers stay out of the way: the test runs each pass itself.
pub(crate) fn with_sinks(sinks: Vec<RawSink>) -> RawConfig {
    let events = RawEvents {
        poll_interval_milliseconds: Some(60_000),
        retry_initial_milliseconds: Some(1000),
        retry_max_seconds: Some(60),
        retention_hours: Some(1),
        sinks: Some(sinks),
        ..RawEvents::default()
    };
    RawConfig { events: Some(events), ..quiet_scheduler() }
}

/// Every event in the outbox, as EventBridge JSON.
async fn outbox_ids(server: &TestServer) -> Vec<String> {
    let queued = server.state.events.events_after(trent_core::events::OutboxCursor::START, 1000).await.unwrap();
    queued.iter().map(|q| q.event.id.to_string()).collect()
}

pub(crate) fn lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
}

#[tokio::test]
async fn parameter_changes_reach_a_signed_webhook_and_a_jsonl_file_in_order() {
    let hook = Hook::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (key, file) = (dir.path().join("hook.key"), dir.path().join("events.jsonl"));
    std::fs::write(&key, "hook-secret\n").unwrap();
    let server = TestServer::start_with(with_sinks(vec![webhook_sink(&hook.url, Some(&key)), jsonl_sink(&file)])).await;
    let ssm = server.ssm(&server.admin_creds());
    let put = |value: &'static str, overwrite: bool| {
        ssm.put_parameter().name("/app/db/url").value(value).r#type(ParameterType::String).overwrite(overwrite).send()
    };
    put("value-one-never-sent", false).await.expect("create");
    put("value-two-never-sent", true).await.expect("update");
    ssm.label_parameter_version().name("/app/db/url").parameter_version(1).labels("prod").send().await.unwrap();
    ssm.delete_parameter().name("/app/db/url").send().await.expect("delete");

    let run = server.state.delivery.run_once().await.expect("a pass");
    assert_eq!((run.delivered, run.failed), (8, 0), "four events to each of two sinks");
    let ids = outbox_ids(&server).await;
    assert_eq!(ids.len(), 4);
    let got = hook.accepted();
    assert_eq!(got.iter().map(|r| r.json()["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>(), ids, "in order");
    for r in &got {
        let event = r.json();
        assert_eq!(event["source"], "aws.ssm");
        assert_eq!(event["detail-type"], "Parameter Store Change");
        assert_eq!(event["detail"]["name"], "/app/db/url");
        assert_eq!(r.header("x-trent-event-id"), event["id"].as_str().unwrap(), "the id to deduplicate on");
        let timestamp = r.header("x-trent-timestamp");
        let signed = [timestamp.as_bytes(), b".", &r.body].concat();
        let expected = hex::encode(trent_crypto::hmac_sha256(b"hook-secret", &signed));
        assert_eq!(r.header("x-trent-signature"), format!("sha256={expected}"));
        assert_eq!(r.header("content-type"), "application/json");
        assert!(!String::from_utf8_lossy(&r.body).contains("never-sent"), "no value in an event");
    }
    let operations: Vec<Value> = got.iter().map(|r| r.json()["detail"]["operation"].clone()).collect();
    assert_eq!(operations.first().unwrap(), "Create");
    assert_eq!(operations.last().unwrap(), "Delete");
    let written = lines(&file);
    assert_eq!(written, got.iter().map(Received::json).collect::<Vec<_>>(), "the same events in the file");

    // Delivered events are not sent again.
    let again = server.state.delivery.run_once().await.unwrap();
    assert_eq!((again.delivered, hook.accepted().len(), lines(&file).len()), (0, 4, 4));
}

#[tokio::test]
async fn a_policy_expiration_is_delivered_as_a_policy_action() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    let server = TestServer::start_with(with_sinks(vec![jsonl_sink(&file)])).await;
    let ssm = server.ssm(&server.admin_creds());
    let at = (server.clock.now() + Duration::hours(2)).format(&Rfc3339).unwrap();
    let policy = format!(r#"[{{"Type":"Expiration","Version":"1.0","Attributes":{{"Timestamp":"{at}"}}}}]"#);
    ssm.put_parameter()
        .name("/app/token")
        .value("t")
        .r#type(ParameterType::SecureString)
        .tier(ParameterTier::Advanced)
        .policies(policy)
        .send()
        .await
        .expect("put with a policy");
    server.clock.advance(Duration::hours(3));
    server.state.params.run_due_policies().await.unwrap();
    let queued = outbox_ids(&server).await;
    server.state.delivery.run_once().await.unwrap();
    let events = lines(&file);
    let action = events.iter().find(|e| e["detail-type"] == "Parameter Store Policy Action").expect("the action");
    assert_eq!(action["detail"]["parameter-name"], "/app/token");
    assert_eq!(action["detail"]["policy-type"], "Expiration");
    assert_eq!(action["detail"]["action-status"], "Finished");
    assert!(action["resources"][0].as_str().unwrap().ends_with(":parameter/app/token"), "{action}");
    let written: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(written, queued, "every event of the outbox is in the file, in order");
}

#[tokio::test]
async fn a_webhook_down_across_a_restart_gets_every_event_exactly_once_when_up() {
    let hook = Hook::start().await;
    let server = TestServer::start_with(with_sinks(vec![webhook_sink(&hook.url, None)])).await;
    let ssm = server.ssm(&server.admin_creds());
    for name in ["/a", "/b", "/c"] {
        ssm.put_parameter().name(name).value("v").r#type(ParameterType::String).send().await.unwrap();
    }
    let mut ids = outbox_ids(&server).await;
    // The webhook takes one event, then fails: the first is marked, the rest wait, in order.
    *hook.accept_only.lock() = Some(1);
    let run = server.state.delivery.run_once().await.unwrap();
    assert_eq!((run.delivered, run.failed), (1, 1));
    // Until the backoff (on the server's clock) runs out, the sink is not tried.
    let refused = hook.refused.load(Ordering::SeqCst);
    let run = server.state.delivery.run_once().await.unwrap();
    assert_eq!((run.delivered, run.waiting), (0, 1));
    assert_eq!(hook.refused.load(Ordering::SeqCst), refused, "no request during the backoff");
    // Past it, tried again; past the retention too, only the delivered event is trimmed.
    server.clock.advance(Duration::hours(2));
    let run = server.state.delivery.run_once().await.unwrap();
    assert_eq!((run.delivered, run.failed, run.trimmed), (0, 1, 1));
    assert_eq!(outbox_ids(&server).await, ids[1..], "the undelivered stay");

    // A restart loses nothing.
    let server = server.restart().await;
    hook.set_down(false);
    let run = server.state.delivery.run_once().await.unwrap();
    assert_eq!((run.delivered, run.failed, run.trimmed), (2, 0, 2), "delivered, and past the retention already");
    let ssm = server.ssm(&server.admin_creds());
    ssm.put_parameter().name("/d").value("v").r#type(ParameterType::String).send().await.unwrap();
    ids.push(outbox_ids(&server).await.pop().unwrap());
    server.state.delivery.run_once().await.unwrap();
    let counts = hook.counts();
    assert_eq!(counts.len(), 4);
    for id in &ids {
        assert_eq!(counts.get(id), Some(&1), "{id} delivered exactly once");
    }
    let order: Vec<String> = hook.accepted().iter().map(|r| r.json()["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(order, ids, "in the outbox's order");

    // Delivered everywhere and older than the retention: trimmed.
    server.clock.advance(Duration::hours(2));
    let run = server.state.delivery.run_once().await.unwrap();
    assert_eq!(run.trimmed, 1);
    assert!(outbox_ids(&server).await.is_empty());
}

#[tokio::test]
async fn an_https_webhook_with_a_private_ca_is_trusted_through_ca_file_only() {
    let ca = crate::tls::Ca::new("webhook root");
    let hook = Hook::start_tls(&ca).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("webhook-ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let trusting = RawSink { name: "private-ca".into(), ca_file: Some(ca_file), ..webhook_sink(&hook.url, None) };
    let public_roots = RawSink { name: "public-roots".into(), ..webhook_sink(&hook.url, None) };
    let server = TestServer::start_with(with_sinks(vec![trusting, public_roots])).await;
    let ssm = server.ssm(&server.admin_creds());
    ssm.put_parameter().name("/tls/one").value("v").r#type(ParameterType::String).send().await.expect("put");
    ssm.put_parameter().name("/tls/two").value("v").r#type(ParameterType::String).send().await.expect("put");

    let run = server.state.delivery.run_once().await.expect("a pass");
    assert_eq!(run.delivered, 2, "both events over TLS to the sink trusting the private CA");
    assert!(run.failed >= 1, "the sink trusting only the public roots refuses the certificate");
    let names: Vec<Value> = hook.accepted().iter().map(|r| r.json()["detail"]["name"].clone()).collect();
    assert_eq!(names, ["/tls/one", "/tls/two"], "each event once, from the trusting sink only");

    // `/metrics` counts each sink's deliveries and failures and what it still lacks.
    let answer = server.send_raw(http::Request::get("/metrics").body(Vec::new()).unwrap()).await;
    let text = String::from_utf8(answer.body).unwrap();
    for line in [
        "trent_events_delivered_total{sink=\"private-ca\"} 2",
        "trent_events_delivered_total{sink=\"public-roots\"} 0",
        "trent_events_failed_total{sink=\"private-ca\"} 0",
        "trent_events_failed_total{sink=\"public-roots\"} 1",
        "trent_events_outbox_depth{sink=\"private-ca\"} 0",
        "trent_events_outbox_depth{sink=\"public-roots\"} 2",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
    }
}
