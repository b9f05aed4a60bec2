//! A network partition between a real `trent server` and its PostgreSQL (a schema of its own in
//! `TRENT_TEST_POSTGRES_URL`; skipped loudly without it, a failure under `CI=true`), made by a
//! TCP relay (`trent-store/tests/support/relay.rs`) that stops forwarding without closing
//! anything: packets black-holed, no reset, so PostgreSQL's `statement_timeout` (enforced by the
//! server, which never hears of it) cannot end a call; only the node's client-side limit
//! (`postgres.call_timeout_milliseconds`) can. The relay cuts right after forwarding a
//! `CreateAlias` call's statement (it finds the alias's name in the bytes, so the connections are
//! plain), so a call is in flight whose answer never comes. (Cutting after whatever request came
//! next was not enough: it was at times a pool or lease ping, whose own shorter timeout marked the
//! database down, so that every call failed at once and none reached the limit.) The connections
//! that crossed the partition stay dead after it heals (as after a long partition, or a firewall
//! that forgot them); new connections pass.
//!
//! Under a load of `Encrypt`, `TagResource` (two tags in one call), `CreateAlias` and
//! `GetParameter`: every call answers within [`LIMIT`] and [`MARGIN`] (no call hangs), every call
//! made during the partition answers a 5xx AWS error, `/ready` says 503, and
//! `trent_store_call_timeouts_total` counts the calls cut off; after the partition heals, calls
//! succeed again with no restart of Trent, every acknowledged alias is there, every
//! acknowledged tag value is there (or a later one an unacknowledged call may have applied),
//! and the two tags of one call always hold the same value (nothing half-applied).
//!
//! Two nodes on one schema, both behind the relay, the periodic full check of their caches set to
//! ten minutes: B's listening connection, black-holed without a word, is noticed by its missing
//! heartbeats and made again (`trent_notifications_reconnects_total`), so a key disabled on A
//! after the heal is refused on B within [`SEEN_WITHIN`] of the heal; without that, only the full
//! check could tell B.

#[path = "../../trent-store/tests/support/postgres.rs"]
mod postgres;
#[path = "../../trent-store/tests/support/relay.rs"]
mod relay;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use trent_client::{ClientError, ClientOptions, JsonClient, RetryPolicy};

use postgres::TestSchema;
use relay::{Relay, relayed_url, upstream_of};
use support::Server;

/// The node's client-side limit of one database call (`postgres.call_timeout_milliseconds`).
const LIMIT: Duration = Duration::from_secs(3);
/// What a call may take beyond [`LIMIT`]: the rest of the request's work, on a loaded machine.
const MARGIN: Duration = Duration::from_secs(1);
/// How long the partition lasts.
const PARTITION: Duration = Duration::from_secs(8);
/// How soon after the partition heals calls must succeed again.
const RECOVER_WITHIN: Duration = Duration::from_secs(10);
/// Concurrent callers.
const CALLERS: usize = 4;
/// Tag pairs per caller's key (`a<j>` and `b<j>`), each call writing pair `i % TAG_PAIRS`.
const TAG_PAIRS: usize = 10;
/// The start of the load's alias names (`<prefix><caller>-<call number>`).
const ALIAS_PREFIX: &str = "alias/partition-";
/// The 5xx codes a call may fail with while the database is unreachable.
const OUTAGE_CODES: [&str; 4] =
    ["InternalFailure", "DependencyTimeoutException", "KMSInternalException", "InternalServerError"];

/// One call of the load.
#[derive(Debug)]
struct Call {
    caller: usize,
    /// The caller's call number: the alias's and the tag value's.
    i: usize,
    op: &'static str,
    at: Instant,
    took: Duration,
    /// `Ok` or the error code and HTTP status (0: no answer).
    outcome: Result<(), (String, u16)>,
}

fn client(endpoint: &str, data_dir: &Path, service: &'static str, target_prefix: &'static str) -> JsonClient {
    // No retries: each call's own answer is what is checked; a hang shows as a slow call.
    let options =
        ClientOptions { retry: RetryPolicy::none(), attempt_timeout: Duration::from_secs(60), ..Default::default() };
    let creds = trent_client::from_file(&data_dir.join("credentials"), "trent").expect("credentials");
    JsonClient::new(endpoint, creds, "us-east-1", service, target_prefix, options).expect("client")
}

async fn call(client: &JsonClient, operation: &str, body: &Value) -> Result<Value, (String, u16)> {
    match client.call(operation, body).await {
        Ok(v) => Ok(v),
        Err(ClientError::Aws { code, status, .. }) => Err((code, status)),
        Err(e) => Err((e.to_string(), 0)),
    }
}

/// Calls until `stop`, in turn `Encrypt`, `TagResource`, `CreateAlias` and `GetParameter`.
async fn caller(
    (kms, ssm): (Arc<JsonClient>, Arc<JsonClient>),
    caller: usize,
    key: String,
    stop: Arc<AtomicBool>,
    calls: Arc<Mutex<Vec<Call>>>,
) {
    let mut i = 0;
    while !stop.load(Ordering::SeqCst) {
        i += 1;
        let (op, client, body) = match i % 4 {
            0 => ("Encrypt", &kms, json!({"KeyId": key, "Plaintext": "cGFydGl0aW9u"})),
            1 => {
                let (pair, value) = (i % TAG_PAIRS, i.to_string());
                let tags = json!([{"TagKey": format!("a{pair}"), "TagValue": value}, {"TagKey": format!("b{pair}"), "TagValue": value}]);
                ("TagResource", &kms, json!({"KeyId": key, "Tags": tags}))
            }
            2 => ("CreateAlias", &kms, json!({"AliasName": format!("{ALIAS_PREFIX}{caller}-{i}"), "TargetKeyId": key})),
            _ => ("GetParameter", &ssm, json!({"Name": "/partition/p"})),
        };
        let at = Instant::now();
        let outcome = call(client, op, &body).await.map(|_| ());
        let failed = outcome.is_err();
        calls.lock().expect("calls").push(Call { caller, i, op, at, took: at.elapsed(), outcome });
        if failed {
            // A node whose database is down answers at once; do not spin on it.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Every alias name of the account.
async fn aliases(kms: &JsonClient) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut marker: Option<String> = None;
    loop {
        let mut body = json!({"Limit": 100});
        if let Some(m) = &marker {
            body["Marker"] = json!(m);
        }
        let page = kms.call("ListAliases", &body).await.expect("ListAliases");
        for alias in page["Aliases"].as_array().expect("Aliases") {
            names.insert(alias["AliasName"].as_str().expect("AliasName").to_owned());
        }
        match page["NextMarker"].as_str() {
            Some(m) if page["Truncated"].as_bool() == Some(true) => marker = Some(m.to_owned()),
            _ => return names,
        }
    }
}

/// The key's tags, by tag key.
async fn tags(kms: &JsonClient, key: &str) -> BTreeMap<String, String> {
    let listed = kms.call("ListResourceTags", &json!({"KeyId": key, "Limit": 50})).await.expect("ListResourceTags");
    assert_ne!(listed["Truncated"].as_bool(), Some(true), "at most {} tags", 2 * TAG_PAIRS);
    let tags = listed["Tags"].as_array().expect("Tags");
    tags.iter()
        .map(|t| {
            (t["TagKey"].as_str().expect("TagKey").to_owned(), t["TagValue"].as_str().expect("TagValue").to_owned())
        })
        .collect()
}

/// `trent_store_call_timeouts_total` in the node's `/metrics`.
fn call_timeouts(server: &Server) -> u64 {
    counter(server, "trent_store_call_timeouts_total")
}

/// The counter `name` (without labels) in the node's `/metrics`.
fn counter(server: &Server, name: &str) -> u64 {
    let (status, text) = server.get("/metrics");
    assert_eq!(status, 200, "/metrics: {text}");
    let prefix = format!("{name} ");
    let line = text.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("{name} in /metrics"));
    line.rsplit(' ').next().and_then(|n| n.parse().ok()).expect("a count")
}

/// `trent.toml` for a node behind the relay: the call limits of [`LIMIT`], no request quotas,
/// and a full check of the caches every `full_check_seconds`.
fn node_config(dir: &Path, full_check_seconds: Option<u64>) -> std::path::PathBuf {
    let config = dir.join("trent.toml");
    let cluster = full_check_seconds.map(|s| format!("[cluster]\nfull_check_seconds = {s}\n\n")).unwrap_or_default();
    let limits = format!(
        "[quotas]\nenabled = false\n\n{cluster}[postgres]\nstatement_timeout_milliseconds = {}\ncall_timeout_milliseconds = {}\n",
        (LIMIT - Duration::from_secs(1)).as_millis(),
        LIMIT.as_millis()
    );
    std::fs::write(&config, limits).expect("trent.toml");
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_fails_calls_within_the_limit_and_heals_without_a_restart() {
    let Some(schema) = TestSchema::new("a_partition_fails_calls_within_the_limit_and_heals_without_a_restart").await
    else {
        return;
    };
    let relay = Relay::start(upstream_of(schema.url())).await;
    // Plain, for the relay to find the statement to cut after.
    let storage = format!("{}&sslmode=disable", relayed_url(schema.url(), &relay, schema.name()));

    let dir = tempfile::tempdir().expect("tempdir");
    let config = node_config(dir.path(), None);
    let data = dir.path().join("data");
    let args = ["--data-dir", data.to_str().expect("utf-8"), "--config", config.to_str().expect("utf-8")];
    let mut server = Server::start_with(&[&args[..], &["--storage", &storage]].concat()).expect("trent server starts");
    let kms = Arc::new(client(&server.endpoint, &data, "kms", "TrentService."));
    let ssm = Arc::new(client(&server.endpoint, &data, "ssm", "AmazonSSM."));
    ssm.call("PutParameter", &json!({"Name": "/partition/p", "Value": "v", "Type": "String"})).await.expect("put");
    let mut keys = Vec::new();
    for _ in 0..CALLERS {
        let created = kms.call("CreateKey", &json!({})).await.expect("CreateKey");
        keys.push(created["KeyMetadata"]["KeyId"].as_str().expect("KeyId").to_owned());
    }
    assert_eq!(call_timeouts(&server), 0);

    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(Mutex::new(Vec::new()));
    let callers: Vec<_> = keys
        .iter()
        .enumerate()
        .map(|(n, key)| {
            let clients = (kms.clone(), ssm.clone());
            tokio::spawn(caller(clients, n, key.clone(), stop.clone(), calls.clone()))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;

    // The alias names of the load's `CreateAlias` calls: the cut leaves one of their statements
    // unanswered.
    let cut = relay.cut_after_request_with(ALIAS_PREFIX.as_bytes()).await;
    eprintln!("partition: every connection black-holed");
    tokio::time::sleep(LIMIT + Duration::from_millis(500)).await;
    let asked = Instant::now();
    let (status, body) = server.get("/ready");
    assert_eq!(status, 503, "/ready during the partition: {body}");
    assert!(asked.elapsed() < LIMIT + MARGIN, "/ready took {:?}", asked.elapsed());
    tokio::time::sleep(PARTITION.saturating_sub(cut.elapsed())).await;
    let healing = Instant::now();
    relay.heal();
    eprintln!("partition healed after {:?}", healing - cut);

    // Service comes back by itself.
    loop {
        let encrypted = call(&kms, "Encrypt", &json!({"KeyId": keys[0], "Plaintext": "eA=="})).await;
        if encrypted.is_ok() && server.get("/ready").0 == 200 {
            break;
        }
        assert!(
            healing.elapsed() < RECOVER_WITHIN,
            "no recovery {RECOVER_WITHIN:?} after the partition: {encrypted:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = healing.elapsed();
    eprintln!("serving again {recovered:?} after the partition healed");
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::SeqCst);
    for c in callers {
        c.await.expect("caller");
    }
    assert!(server.child.try_wait().expect("wait").is_none(), "trent server exited");

    let calls = std::mem::take(&mut *calls.lock().expect("calls"));
    let slowest = calls.iter().max_by_key(|c| c.took).expect("calls");
    eprintln!("{} calls; the slowest, {} {:?}, took {:?}", calls.len(), slowest.op, slowest.outcome, slowest.took);
    assert!(slowest.took < LIMIT + MARGIN, "a call hung: {slowest:?}");
    // Every call made during the partition failed with a 5xx AWS error.
    let during: Vec<&Call> = calls.iter().filter(|c| c.at >= cut && c.at + c.took <= healing).collect();
    for c in &during {
        match &c.outcome {
            Err((code, status)) => assert!(
                *status >= 500 && OUTAGE_CODES.contains(&code.as_str()),
                "{} during the partition answered {code} ({status})",
                c.op
            ),
            Ok(()) => panic!("{} acknowledged during the partition: {c:?}", c.op),
        }
    }
    let ops: BTreeSet<&str> = during.iter().map(|c| c.op).collect();
    assert_eq!(ops.len(), 4, "every operation was tried during the partition: {ops:?}");
    let cut_off = call_timeouts(&server);
    eprintln!("{} calls during the partition, each a 5xx; {cut_off} database calls cut off at the limit", during.len());
    assert!(cut_off >= 1, "the CreateAlias statement in flight at the cut was ended by the client-side limit");
    for op in ["Encrypt", "TagResource", "CreateAlias", "GetParameter"] {
        let after = calls.iter().filter(|c| c.op == op && c.at >= healing + recovered && c.outcome.is_ok()).count();
        assert!(after > 0, "{op} succeeds again after the partition");
    }

    // Every acknowledged alias is there.
    let present = aliases(&kms).await;
    let acked = calls.iter().filter(|c| c.op == "CreateAlias" && c.outcome.is_ok());
    let mut n = 0;
    for c in acked {
        let name = format!("{ALIAS_PREFIX}{}-{}", c.caller, c.i);
        assert!(present.contains(&name), "acknowledged {name} is missing");
        n += 1;
    }
    // Every acknowledged tag value is there, or a later one of a call that was not
    // acknowledged; the two tags of one call agree.
    for (caller, key) in keys.iter().enumerate() {
        let stored = tags(&kms, key).await;
        for pair in 0..TAG_PAIRS {
            let (a, b) = (stored.get(&format!("a{pair}")), stored.get(&format!("b{pair}")));
            assert_eq!(a, b, "key {caller}: the two tags of one TagResource call were half-applied");
            let writes: Vec<&Call> = calls
                .iter()
                .filter(|c| c.caller == caller && c.op == "TagResource" && c.i % TAG_PAIRS == pair)
                .collect();
            let Some(last_acked) = writes.iter().filter(|c| c.outcome.is_ok()).map(|c| c.i).max() else { continue };
            let value: usize = a.expect("an acknowledged tag").parse().expect("a call number");
            let unacked_later = writes.iter().any(|c| c.i == value && c.i > last_acked && c.outcome.is_err());
            assert!(
                value == last_acked || unacked_later,
                "key {caller} tag a{pair}: {value}, but call {last_acked} was acknowledged last"
            );
        }
    }
    eprintln!("{n} acknowledged aliases and every acknowledged tag present");
    assert!(server.terminate(), "the server stops cleanly");
}

/// How soon after the partition heals a key disabled on one node must be refused on the other:
/// the listener's silence bound (`trent_store::LISTENER_SILENCE`, 5 s), one call limit to
/// subscribe again, and the time both nodes take to serve again; far below the full check's
/// period, which this test sets to 10 minutes so that only the notification path can pass.
const SEEN_WITHIN: Duration = Duration::from_secs(15);

/// Calls `operation` until it succeeds, for at most [`RECOVER_WITHIN`] after `since`.
async fn until_ok(client: &JsonClient, operation: &str, body: &Value, since: Instant) -> Value {
    loop {
        match call(client, operation, body).await {
            Ok(v) => return v,
            Err(e) => assert!(
                since.elapsed() < RECOVER_WITHIN,
                "{operation} fails {:?} after the heal: {e:?}",
                since.elapsed()
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_partition_a_key_disabled_on_one_node_is_refused_on_the_other_by_its_rebuilt_listener() {
    let test = "after_a_partition_a_key_disabled_on_one_node_is_refused_on_the_other_by_its_rebuilt_listener";
    let Some(schema) = TestSchema::new(test).await else {
        return;
    };
    // Both nodes reach the database (their pools, their listening connections) through the relay.
    let relay = Relay::start(upstream_of(schema.url())).await;
    let storage = relayed_url(schema.url(), &relay, schema.name());
    let dir = tempfile::tempdir().expect("tempdir");
    // No periodic full check within the test: only a listener made again can tell B.
    let config = node_config(dir.path(), Some(600));
    let start = |data: &Path| {
        let args = ["--data-dir", data.to_str().expect("utf-8"), "--config", config.to_str().expect("utf-8")];
        Server::start_with(&[&args[..], &["--storage", &storage]].concat()).expect("trent server starts")
    };
    let data_a = dir.path().join("a");
    let a = start(&data_a);
    let data_b = dir.path().join("b");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir(&data_b).expect("mkdir b");
        std::fs::set_permissions(&data_b, std::fs::Permissions::from_mode(0o700)).expect("chmod 700");
        // One root of trust: the same file seal (and the administrator's key) on both nodes.
        for file in ["root.key", "credentials"] {
            std::fs::copy(data_a.join(file), data_b.join(file)).expect("copy the seal");
        }
    }
    let b = start(&data_b);
    let kms_a = client(&a.endpoint, &data_a, "kms", "TrentService.");
    let kms_b = client(&b.endpoint, &data_b, "kms", "TrentService.");
    let created = kms_a.call("CreateKey", &json!({})).await.expect("CreateKey");
    let key = created["KeyMetadata"]["KeyId"].as_str().expect("KeyId").to_owned();
    let encrypt = json!({"KeyId": key, "Plaintext": "cGFydGl0aW9u"});
    kms_b.call("Encrypt", &encrypt).await.expect("Encrypt on B before the partition");
    assert_eq!(counter(&b, "trent_notifications_reconnects_total"), 0);

    let cut = relay.cut().await;
    eprintln!("partition: every connection of both nodes black-holed");
    tokio::time::sleep(PARTITION.saturating_sub(cut.elapsed())).await;
    let healing = Instant::now();
    relay.heal();
    eprintln!("partition healed after {:?}", healing - cut);

    // Both nodes serve again, and B has the key in its cache (loaded after the heal, or kept).
    until_ok(&kms_b, "Encrypt", &encrypt, healing).await;
    until_ok(&kms_a, "Encrypt", &encrypt, healing).await;
    let serving = healing.elapsed();
    kms_a.call("DisableKey", &json!({"KeyId": key})).await.expect("DisableKey on A");
    let disabled = Instant::now();
    loop {
        match call(&kms_b, "Encrypt", &encrypt).await {
            Err((code, 400)) if code == "DisabledException" => break,
            Ok(_) | Err(_) => assert!(
                healing.elapsed() < SEEN_WITHIN,
                "B still encrypts with the key disabled on A {:?} after the heal ({:?} after the disable)",
                healing.elapsed(),
                disabled.elapsed()
            ),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (after_heal, after_disable) = (healing.elapsed(), disabled.elapsed());
    let reconnects = counter(&b, "trent_notifications_reconnects_total");
    eprintln!(
        "both nodes serving {serving:?} after the heal; the key disabled on A refused on B {after_disable:?} after the \
         disable, {after_heal:?} after the heal; B's listener made again {reconnects} time(s)"
    );
    assert!(reconnects >= 1, "B's listening connection was made again");
    assert!(a.terminate() && b.terminate(), "the servers stop cleanly");
}
