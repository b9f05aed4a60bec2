//! The group-commit audit writer over a real SQLite file: acknowledged events are committed,
//! batched and verifiable; a failed commit fails every waiter of its batch and leaves nothing
//! behind; shutdown drains the queue; `LookupEvents` reads the trail over the wire.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use tokio::sync::Semaphore;
use trent_core::audit::rules::{CLOUDTRAIL, KMS};
use trent_core::audit::{
    AuditError, AuditEvent, AuditHead, AuditScan, AuditSigner, CallFacts, CallRecord, DigestRecord, EventQuery,
    KmsNames, Outcome, StoredEvent, call_event, kms_resources, search, verify,
};
use trent_core::identity::CallerIdentity;
use trent_core::store::AuditStore;
use trent_core::{AccountId, Caller, ManualClock, Principal, PrincipalKind, Region, StoreError};
use trent_server::AuditLog;
use trent_store::SqliteAuditStore;

fn caller(account: &str, region: &str) -> Caller {
    let account = AccountId::parse(account).expect("account");
    let identity = Arc::new(CallerIdentity::root(&account));
    Caller {
        principal: Principal { unique_id: account.to_string(), account, kind: PrincipalKind::Root },
        access_key_id: "AKIAROOTROOTROOTROOT".into(),
        region: Region::parse(region).expect("region"),
        source_ip: Some("192.0.2.7".parse().expect("ip")),
        user_agent: Some("audit-test".into()),
        secure_transport: false,
        identity,
        via_service: None,
        meter: Default::default(),
        on_behalf_log: None,
    }
}

fn kms_call(who: &Caller, operation: &str) -> AuditEvent {
    let key = "1234abcd-12ab-34cd-56ef-1234567890ab";
    let names = KmsNames { requested: [Some(key), None], ..KmsNames::default() };
    let facts = CallFacts {
        request: Some(serde_json::json!({"KeyId": key, "Plaintext": "c2VjcmV0"})),
        response: Some(serde_json::json!({"CiphertextBlob": "AAAA"})),
        resources: kms_resources(who, &names),
        key_uses: Vec::new(),
    };
    call_event(&CallRecord {
        rules: &KMS,
        caller: who,
        operation,
        facts: &facts,
        outcome: Outcome::Answered,
        request_id: "req",
        tls: None,
        time: time::OffsetDateTime::now_utc(),
    })
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::starting_now())
}

async fn on_disk() -> (tempfile::TempDir, Arc<SqliteAuditStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteAuditStore::open(&dir.path().join("audit.db")).await.expect("open");
    (dir, Arc::new(store))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_events_are_committed_in_batches_and_verify() {
    let (_dir, store) = on_disk().await;
    let signer = AuditSigner::ephemeral().expect("signer");
    let public = signer.public_key();
    let log = Arc::new(AuditLog::start(store.clone(), signer, clock()).await.expect("start"));
    let who = caller("111122223333", "us-east-1");
    let tasks: Vec<_> = (0..2000u32)
        .map(|i| {
            let (log, event) = (log.clone(), kms_call(&who, if i.is_multiple_of(2) { "Encrypt" } else { "Decrypt" }));
            tokio::spawn(async move { log.record(event).await })
        })
        .collect();
    for t in tasks {
        t.await.expect("task").expect("recorded");
    }
    let (events, batches) = (log.stats().events.load(Ordering::Relaxed), log.stats().batches.load(Ordering::Relaxed));
    assert_eq!(events, 2000);
    assert!(batches < 2000, "concurrent events share commits ({batches} commits)");
    log.shutdown().await;

    let report = verify(store.as_ref(), &public, None).await.expect("verify");
    assert_eq!((report.events_checked, report.digests_checked, report.problem), (2000, batches, None));
    let query = EventQuery { event_name: Some("Decrypt".into()), ..EventQuery::all(5000) };
    let found = search(store.as_ref(), &query, u64::MAX).await.expect("search");
    assert_eq!((found.events.len(), found.stopped_at), (1000, None));
}

/// The events of one call (its own, an owner's copy, the KMS calls a service made on its
/// behalf) share one group commit, even when that commit would otherwise be full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_of_one_call_share_one_group_commit() {
    let (_dir, store) = on_disk().await;
    let signer = AuditSigner::ephemeral().expect("signer");
    let public = signer.public_key();
    let log = AuditLog::start(store.clone(), signer, clock()).await.expect("start");
    let who = caller("111122223333", "us-east-1");
    log.record_all((0..3).map(|_| kms_call(&who, "Decrypt")).collect()).await.expect("recorded");
    let call = (0..trent_server::audit::MAX_BATCH + 5).map(|_| kms_call(&who, "Encrypt")).collect();
    log.record_all(call).await.expect("recorded");
    let (events, batches) = (log.stats().events.load(Ordering::Relaxed), log.stats().batches.load(Ordering::Relaxed));
    assert_eq!((events, batches), (3 + trent_server::audit::MAX_BATCH as u64 + 5, 2), "one commit per call");
    log.shutdown().await;
    let report = verify(store.as_ref(), &public, None).await.expect("verify");
    assert_eq!((report.digests_checked, report.problem), (2, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_writer_continues_the_same_chain() {
    let (_dir, store) = on_disk().await;
    let root = trent_crypto::RootKey::generate().expect("root").0;
    let who = caller("111122223333", "us-east-1");
    for round in 0..3 {
        let signer = AuditSigner::load_or_create(store.as_ref(), &root).await.expect("signer");
        let log = AuditLog::start(store.clone(), signer, clock()).await.expect("start");
        for _ in 0..5 {
            log.record(kms_call(&who, "Encrypt")).await.expect("recorded");
        }
        log.shutdown().await;
        assert!(matches!(log.record(kms_call(&who, "Encrypt")).await, Err(AuditError::WriterStopped)), "round {round}");
    }
    let public = trent_core::audit::stored_public_key(store.as_ref()).await.expect("key").expect("stored");
    let report = verify(store.as_ref(), &public, None).await.expect("verify");
    assert_eq!((report.events_checked, report.digests_checked, report.problem), (15, 15, None));
}

/// Wraps the SQLite store: the first append waits at a gate (so that events queue up behind
/// it), and append number `fail_at` is sabotaged *inside* its transaction: its digest gets a
/// seq the store rejects after the events were inserted, so only a real rollback keeps them out.
struct Faulty {
    inner: Arc<SqliteAuditStore>,
    calls: AtomicU64,
    fail_at: u64,
    gate: Semaphore,
    entered: Semaphore,
}

#[async_trait]
impl AuditStore for Faulty {
    async fn append_audit(&self, events: &[StoredEvent], digest: Option<&DigestRecord>) -> Result<(), StoreError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n == 1 {
            self.entered.add_permits(1);
            let _ = self.gate.acquire().await.expect("gate");
        }
        if n == self.fail_at {
            let mut bad = digest.cloned().expect("the writer always sends a digest");
            bad.digest_seq += 100;
            return self.inner.append_audit(events, Some(&bad)).await;
        }
        self.inner.append_audit(events, digest).await
    }
    async fn audit_events(&self, from: u64, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
        self.inner.audit_events(from, limit).await
    }
    async fn audit_digests(&self, from: u64, limit: u32) -> Result<Vec<DigestRecord>, StoreError> {
        self.inner.audit_digests(from, limit).await
    }
    async fn scan_audit(&self, scan: &AuditScan) -> Result<Vec<StoredEvent>, StoreError> {
        self.inner.scan_audit(scan).await
    }
    async fn clear_audit(&self) -> Result<(), StoreError> {
        self.inner.clear_audit().await
    }
    async fn audit_head(&self) -> Result<AuditHead, StoreError> {
        self.inner.audit_head().await
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_commit_fails_every_waiter_of_its_batch_and_writes_nothing() {
    let (_dir, inner) = on_disk().await;
    let faulty = Arc::new(Faulty {
        inner: inner.clone(),
        calls: AtomicU64::new(0),
        fail_at: 2,
        gate: Semaphore::new(0),
        entered: Semaphore::new(0),
    });
    let signer = AuditSigner::ephemeral().expect("signer");
    let public = signer.public_key();
    let log = Arc::new(AuditLog::start(faulty.clone(), signer, clock()).await.expect("start"));
    let who = caller("111122223333", "us-east-1");

    // Commit 1 holds one event and waits at the gate; 50 more queue up behind it.
    let first = tokio::spawn({
        let (log, e) = (log.clone(), kms_call(&who, "Encrypt"));
        async move { log.record(e).await }
    });
    let _ = faulty.entered.acquire().await.expect("commit 1 started");
    let queued: Vec<_> = (0..50)
        .map(|_| {
            let (log, e) = (log.clone(), kms_call(&who, "Decrypt"));
            tokio::spawn(async move { log.record(e).await })
        })
        .collect();
    // On this single-threaded runtime, every spawned task runs up to its wait for the ack.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    faulty.gate.add_permits(1);

    first.await.expect("task").expect("commit 1 succeeds");
    let mut failed = 0;
    for t in queued {
        match t.await.expect("task") {
            Err(AuditError::CommitFailed(cause)) => {
                assert!(matches!(*cause, StoreError::Conflict), "{cause:?}");
                failed += 1;
            }
            other => panic!("every waiter of the failed batch must see the failure, got {other:?}"),
        }
    }
    assert_eq!(failed, 50);
    assert_eq!(faulty.calls.load(Ordering::SeqCst), 2, "the 50 queued events were one group commit");
    let stored = inner.audit_events(1, 100).await.expect("events");
    assert_eq!(stored.len(), 1, "nothing of the failed batch was written");

    // The writer re-reads the chain's end and carries on.
    log.record(kms_call(&who, "Encrypt")).await.expect("recorded after the failure");
    log.shutdown().await;
    let report = verify(inner.as_ref(), &public, None).await.expect("verify");
    assert_eq!((report.events_checked, report.digests_checked, report.problem), (2, 2, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_commits_what_was_queued_and_refuses_the_rest() {
    let (_dir, store) = on_disk().await;
    let log = Arc::new(
        AuditLog::start(store.clone(), AuditSigner::ephemeral().expect("signer"), clock()).await.expect("start"),
    );
    let who = caller("111122223333", "us-east-1");
    let tasks: Vec<_> = (0..300)
        .map(|_| {
            let (log, e) = (log.clone(), kms_call(&who, "Encrypt"));
            tokio::spawn(async move { log.record(e).await })
        })
        .collect();
    log.shutdown().await;
    let mut acked = 0u64;
    for t in tasks {
        match t.await.expect("task") {
            Ok(()) => acked += 1,
            Err(AuditError::WriterStopped) => {}
            Err(e) => panic!("unexpected {e}"),
        }
    }
    let stored = store.audit_events(1, 1000).await.expect("events").len() as u64;
    assert_eq!(stored, acked, "every acknowledged event is stored, and only those");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookup_events_answers_over_the_wire_scoped_to_account_and_region() {
    let (_dir, store) = on_disk().await;
    let log = AuditLog::start(store.clone(), AuditSigner::ephemeral().expect("signer"), clock()).await.expect("start");
    let home = caller("111122223333", "eu-west-1");
    for who in [&home, &caller("111122223333", "us-east-1"), &caller("444455556666", "eu-west-1")] {
        for op in ["Encrypt", "Decrypt", "CreateKey"] {
            log.record(kms_call(who, op)).await.expect("recorded");
        }
    }
    let lookup = call_event(&CallRecord {
        rules: &CLOUDTRAIL,
        caller: &home,
        operation: "LookupEvents",
        facts: &CallFacts::default(),
        outcome: Outcome::Answered,
        request_id: "req",
        tls: None,
        time: time::OffsetDateTime::now_utc(),
    });
    log.record(lookup).await.expect("recorded");

    let call = |body: &'static str| {
        let (trail, home) = (log.trail().clone(), home.clone());
        async move { trent_wire::cloudtrail::dispatch(&trail, &home, "LookupEvents", body.as_bytes()).await.result }
    };
    let all: serde_json::Value = serde_json::from_slice(&call("{}").await.expect("lookup")).expect("json");
    let names: Vec<&str> =
        all["Events"].as_array().expect("events").iter().map(|e| e["EventName"].as_str().unwrap()).collect();
    assert_eq!(names, ["LookupEvents", "CreateKey", "Decrypt", "Encrypt"], "newest first, own account and region only");
    let encrypt = &all["Events"][3];
    assert_eq!(encrypt["ReadOnly"], "true");
    assert_eq!(encrypt["Username"], "root");
    assert_eq!(encrypt["EventSource"], "kms.amazonaws.com");
    assert_eq!(encrypt["Resources"][0]["ResourceType"], "AWS::KMS::Key");
    let record: serde_json::Value =
        serde_json::from_str(encrypt["CloudTrailEvent"].as_str().expect("string")).expect("record");
    assert_eq!(record["sourceIPAddress"], "192.0.2.7");
    assert!(!encrypt["CloudTrailEvent"].as_str().unwrap().contains("c2VjcmV0"), "no plaintext in the trail");

    let page: serde_json::Value = serde_json::from_slice(
        &call(r#"{"LookupAttributes":[{"AttributeKey":"EventSource","AttributeValue":"kms.amazonaws.com"}],"MaxResults":2}"#)
            .await
            .expect("lookup"),
    )
    .expect("json");
    assert_eq!(page["Events"].as_array().map(Vec::len), Some(2));
    assert!(page["NextToken"].is_string());

    let e = call(r#"{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"a"},{"AttributeKey":"Username","AttributeValue":"b"}]}"#)
        .await
        .expect_err("two attributes");
    assert_eq!((e.code, e.status.as_u16()), ("InvalidLookupAttributesException", 400));
    let e = call(r#"{"StartTime":20,"EndTime":10}"#).await.expect_err("reversed range");
    assert_eq!(e.code, "InvalidTimeRangeException");
    let e = call(r#"{"MaxResults":51}"#).await.expect_err("too many");
    assert_eq!(e.code, "InvalidMaxResultsException");
    let e = call(r#"{"NextToken":"nope"}"#).await.expect_err("bad token");
    assert_eq!(e.code, "InvalidNextTokenException");
    let e = call(r#"{"MaxResults":"x"}"#).await.expect_err("wrong type");
    assert_eq!(e.code, "SerializationException");
    log.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_goes_out_only_with_its_event_and_becomes_a_500_without_it() {
    use trent_server::audit::{OnBehalfRecords, record_call};
    use trent_wire::{AwsError, Dispatched, kms};

    let dir = tempfile::tempdir().expect("tempdir");
    let config = trent_server::Config::for_data_dir(dir.path().join("data"));
    let (state, first) = trent_server::bootstrap(config, clock()).await.expect("bootstrap");
    let who = caller(&first.expect("first start").account_id, "us-east-1");
    let answered = |result: Result<Vec<u8>, AwsError>| Dispatched { result, facts: CallFacts::default() };

    let ok = record_call(
        &state,
        &kms::SERVICE,
        &who,
        "Encrypt",
        answered(Ok(b"{}".to_vec())),
        "req-1",
        OnBehalfRecords::default(),
    )
    .await;
    assert_eq!(ok.expect("passed through"), b"{}".to_vec());
    let denied = AwsError::new("NotFoundException", http::StatusCode::BAD_REQUEST, "Alias alias/app is not found.");
    let failed = record_call(
        &state,
        &kms::SERVICE,
        &who,
        "Encrypt",
        answered(Err(denied.clone())),
        "req-2",
        OnBehalfRecords::default(),
    )
    .await;
    assert_eq!(failed.expect_err("passed through"), denied);

    let page = state.audit.trail().lookup(&who, Default::default()).await.expect("lookup");
    let records: Vec<serde_json::Value> =
        page.events.iter().map(|e| serde_json::from_str(&e.cloudtrail_event).expect("json")).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["errorCode"], "NotFoundException");
    assert_eq!(records[0]["requestID"], "req-2");
    assert_eq!(records[1]["requestID"], "req-1");
    assert!(records[1].get("errorCode").is_none());

    // No durable event, no answer: a success becomes a generic 500.
    state.audit.shutdown().await;
    let refused = record_call(
        &state,
        &kms::SERVICE,
        &who,
        "Encrypt",
        answered(Ok(b"{}".to_vec())),
        "req-3",
        OnBehalfRecords::default(),
    )
    .await;
    let e = refused.expect_err("refused without its event");
    assert_eq!((e.code, e.status.as_u16()), ("InternalFailure", 500));
}

/// Regression: `verify` beside a running writer reported "tail deleted" when a group commit
/// landed between its last read of events and its read of digests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_beside_a_busy_writer_reports_no_false_problem() {
    let (_dir, store) = on_disk().await;
    let signer = AuditSigner::ephemeral().expect("signer");
    let public = signer.public_key();
    let log = Arc::new(AuditLog::start(store.clone(), signer, clock()).await.expect("start"));
    let who = caller("111122223333", "us-east-1");
    let writers: Vec<_> = (0..32)
        .map(|_| {
            let (log, who) = (log.clone(), who.clone());
            tokio::spawn(async move {
                for _ in 0..60 {
                    log.record(kms_call(&who, "Encrypt")).await.expect("recorded");
                }
            })
        })
        .collect();
    let mut runs = 0;
    while writers.iter().any(|w| !w.is_finished()) {
        let report = verify(store.as_ref(), &public, None).await.expect("verify");
        assert_eq!(report.problem, None, "after {} events", report.events_checked);
        runs += 1;
    }
    for w in writers {
        w.await.expect("writer");
    }
    assert!(runs > 0);
    let report = verify(store.as_ref(), &public, None).await.expect("verify");
    assert_eq!((report.events_checked, report.problem), (32 * 60, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cleared_trail_starts_over_at_seq_one_and_verifies() {
    let (_dir, store) = on_disk().await;
    let root = trent_crypto::RootKey::generate().expect("root").0;
    let signer = AuditSigner::load_or_create(store.as_ref(), &root).await.expect("signer");
    let public = signer.public_key();
    let log = AuditLog::start(store.clone(), signer, clock()).await.expect("start");
    let who = caller("111122223333", "us-east-1");
    for _ in 0..7 {
        log.record(kms_call(&who, "Encrypt")).await.expect("recorded");
    }
    log.clear().await.expect("clear");
    assert_eq!(store.audit_head().await.expect("head"), AuditHead::default());
    for _ in 0..3 {
        log.record(kms_call(&who, "Decrypt")).await.expect("recorded after the clear");
    }
    log.shutdown().await;
    assert!(matches!(log.clear().await, Err(AuditError::WriterStopped)));
    let report = verify(store.as_ref(), &public, None).await.expect("verify");
    assert_eq!((report.events_checked, report.problem), (3, None), "a new chain under the same key");
    let found = search(store.as_ref(), &EventQuery::all(50), u64::MAX).await.expect("search");
    assert!(found.events.iter().all(|e| e.index.event_name == "Decrypt"));
    assert_eq!(found.events.first().map(|e| e.event.seq), Some(3));
}
