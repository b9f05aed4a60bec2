//! Guards the promise that nothing is acknowledged unaudited when the disk fills up, and that
//! the server recovers by itself: a real `trent server` whose data directory (with the audit
//! trail) is on one small tmpfs and whose main database is on another.
//!
//! 1. The trail's filesystem fills up: `Encrypt` answers a 5xx AWS error (it arrives; it does
//!    not hang), and after the filler is deleted it succeeds again without a restart.
//! 2. The main database's filesystem fills up: `CreateKey` answers `DependencyTimeoutException`
//!    (500) while `Encrypt` keeps working, and `CreateKey` succeeds again once space returns.
//!
//! Every request answered 200 carries a unique probe (an encryption context value, a key
//! description) that must be found in the trail afterwards, and `trent audit verify` must pass.
//! Mounting needs root: without it the test says so loudly and passes, except under `CI=true`.

#[path = "../../trent-store/tests/support/tmpfs.rs"]
mod tmpfs;

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use trent_client::{ClientOptions, KmsClient, RetryPolicy};
use trent_core::store::AuditStore;
use trent_store::SqliteAuditStore;

use support::{Server, TRENT};

/// How long one request may take before the test calls it a hang: minutes, not a timing.
const ANSWER_WITHIN: Duration = Duration::from_secs(120);
/// A bound on the requests sent while waiting for the full disk to show.
const MOST_REQUESTS: usize = 500;

/// One call's answer: the HTTP status and the JSON body.
struct Answer {
    status: u16,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["__type"].as_str().unwrap_or("").rsplit('#').next().unwrap_or("")
    }
}

/// Sends one request (no retry) and waits for its answer, however slow.
async fn call(client: &KmsClient, operation: &str, body: Value) -> Answer {
    let bytes = serde_json::to_vec(&body).expect("json");
    let sent = client.json().call_raw(operation, bytes);
    let (status, answer) = tokio::time::timeout(ANSWER_WITHIN, sent)
        .await
        .unwrap_or_else(|_| panic!("{operation} got no answer within {ANSWER_WITHIN:?}"))
        .unwrap_or_else(|e| panic!("{operation}: {e}"));
    Answer { status, body: serde_json::from_slice(&answer).unwrap_or(Value::Null) }
}

/// A server error in AWS's shape: a 5xx status and a JSON `__type`.
fn assert_aws_5xx(a: &Answer, what: &str) {
    assert!((500..600).contains(&a.status) && !a.code().is_empty(), "{what}: HTTP {} {}", a.status, a.body);
}

/// The probes that were answered 200, and a way to make new ones.
#[derive(Default)]
struct Probes {
    next: usize,
    acknowledged: Vec<String>,
}

impl Probes {
    fn make(&mut self) -> String {
        self.next += 1;
        format!("probe-{:06}", self.next)
    }

    /// `Encrypt` with a fresh probe in its encryption context.
    async fn encrypt(&mut self, client: &KmsClient, key_id: &str) -> Answer {
        let probe = self.make();
        let body = json!({"KeyId": key_id, "Plaintext": "c2VjcmV0", "EncryptionContext": {"probe": probe}});
        self.keep(call(client, "Encrypt", body).await, probe)
    }

    /// `CreateKey` with a fresh probe as its description.
    async fn create_key(&mut self, client: &KmsClient) -> Answer {
        let probe = self.make();
        self.keep(call(client, "CreateKey", json!({"Description": probe})).await, probe)
    }

    fn keep(&mut self, answer: Answer, probe: String) -> Answer {
        if answer.status == 200 {
            self.acknowledged.push(probe);
        }
        answer
    }
}

/// Every audit record in the trail of `data_dir`, as text.
async fn trail(data_dir: &Path) -> Vec<String> {
    let store = SqliteAuditStore::open_read_only(&data_dir.join("audit.db")).await.expect("open the trail");
    let (mut records, mut from) = (Vec::new(), 1);
    loop {
        let page = store.audit_events(from, 5000).await.expect("events");
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        records.extend(page.iter().map(|e| String::from_utf8_lossy(&e.json).into_owned()));
    }
    store.close().await;
    records
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_5xx_at_once_loses_no_acknowledged_event_and_recovers() {
    let test = "a_full_disk_answers_5xx_at_once_loses_no_acknowledged_event_and_recovers";
    let Some(data) = tmpfs::Mount::new(test, "8m") else { return };
    let Some(main) = tmpfs::Mount::new(test, "4m") else { return };
    std::os::unix::fs::symlink(main.path().join("trent.db"), data.path().join("trent.db")).expect("symlink");
    let server = Server::start(data.path());
    let credentials = trent_client::from_file(&data.path().join("credentials"), "trent").expect("credentials");
    let options = ClientOptions { retry: RetryPolicy::none(), attempt_timeout: ANSWER_WITHIN, ..Default::default() };
    let client = KmsClient::new(&server.endpoint, credentials, "us-east-1", options).expect("client");
    let mut probes = Probes::default();

    let created = probes.create_key(&client).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let key_id = created.body["KeyMetadata"]["KeyId"].as_str().expect("key id").to_owned();
    assert_eq!(probes.encrypt(&client, &key_id).await.status, 200);

    // 1. The trail cannot be written.
    let filler = tmpfs::fill(data.path());
    let refused = loop {
        let a = probes.encrypt(&client, &key_id).await;
        if a.status != 200 {
            break a;
        }
        assert!(probes.next < MOST_REQUESTS, "{MOST_REQUESTS} requests were audited on a full disk");
    };
    assert_aws_5xx(&refused, "Encrypt with the trail's disk full");
    for _ in 0..3 {
        assert_aws_5xx(&probes.encrypt(&client, &key_id).await, "Encrypt again with the trail's disk full");
    }
    std::fs::remove_file(&filler).expect("remove filler");
    let again = probes.encrypt(&client, &key_id).await;
    assert_eq!(again.status, 200, "Encrypt once space returned, without a restart: {}", again.body);

    // 2. The main database cannot be written; the trail can.
    let filler = tmpfs::fill(main.path());
    let refused = loop {
        let a = probes.create_key(&client).await;
        if a.status != 200 {
            break a;
        }
        assert!(probes.next < MOST_REQUESTS, "{MOST_REQUESTS} keys were created on a full disk");
    };
    assert_eq!((refused.status, refused.code()), (500, "DependencyTimeoutException"), "{}", refused.body);
    assert_eq!(probes.encrypt(&client, &key_id).await.status, 200, "Encrypt needs no write to the main database");
    std::fs::remove_file(&filler).expect("remove filler");
    let again = probes.create_key(&client).await;
    assert_eq!(again.status, 200, "CreateKey once space returned, without a restart: {}", again.body);

    assert!(server.terminate(), "the server shuts down cleanly");
    let records = trail(data.path()).await;
    let missing: Vec<&String> =
        probes.acknowledged.iter().filter(|p| !records.iter().any(|r| r.contains(p.as_str()))).collect();
    assert!(missing.is_empty(), "answered 200 but not in the trail: {missing:?}");
    let verify = Command::new(TRENT).args(["audit", "verify", "--data-dir"]).arg(data.path()).output().expect("verify");
    let out = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "verify failed: {out}{}", String::from_utf8_lossy(&verify.stderr));
    assert!(out.contains("OK: digest #"), "{out}");
}
