//! Three real `trent server` processes on one PostgreSQL schema (`TRENT_TEST_POSTGRES_URL`;
//! skipped loudly without it, a failure under `CI=true`), sharing one root of trust (the first
//! node's `root.key`, copied), behind a client that spreads its calls over them and moves on to
//! the next node when one fails:
//!
//! - a key disabled and a grant revoked on one process are refused on the other two within the
//!   documented bound (`FULL_CHECK_INTERVAL`, 30 s; the notification usually takes milliseconds);
//! - keys whose deletion comes due are deleted once across the three processes (their
//!   `/metrics` counters add up to the number of keys), by the one holding the lease;
//! - parameter policies and secrets past their recovery window likewise, under the `params`
//!   and `secrets` leases, and when the holder is `kill -9`ed one of the others takes the
//!   lease and does the next item due, once (`leases`); failed secret replicas likewise are
//!   tried again once per retry time, by the `secrets` lease holder (`replica_retries`);
//! - one process `kill -9`ed under load: the client's retries on the others succeed, and
//!   everything acknowledged, before and after the kill, is there; the audit trail (one chain
//!   per process, the killed one's ending where it died) verifies;
//! - two processes started at the same moment on a fresh schema make one default account and
//!   one audit signing key, and both chains verify;
//! - concurrent `PutSecretValue` calls on one secret, spread over the three processes, all
//!   succeed: every version is there, and every process shows the same single `AWSCURRENT` and
//!   `AWSPREVIOUS`.
//!
//! The processes cannot share a moved clock, so a deletion is brought due by moving its
//! `deletion_date` back in the database (PendingWindowInDays is 7 at least), a parameter's
//! policies by moving its instants back, and a failed replica's retry by moving its retry time
//! back.

#[path = "cluster/leases.rs"]
mod leases;
#[path = "../../trent-store/tests/support/postgres.rs"]
mod postgres;
#[path = "cluster/replica_retries.rs"]
mod replica_retries;
mod support;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use trent_client::{ClientError, ClientOptions, JsonClient, RetryPolicy};

use postgres::TestSchema;
use support::{Server, TRENT};

/// The documented bound on a change reaching every node (`trent_server::FULL_CHECK_INTERVAL`,
/// docs/deploy.md), with a second for the poll.
const BOUND: Duration = Duration::from_secs(31);
/// How long scheduled work may take to show: a few scheduler ticks of one second.
const SCHEDULED_WITHIN: Duration = Duration::from_secs(30);

/// One node: its process, data directory and a KMS client with the administrator's key.
struct Node {
    server: Server,
    dir: tempfile::TempDir,
    kms: JsonClient,
}

/// A KMS client on `endpoint` that never retries (the spreading client does).
fn kms_client(endpoint: &str, credentials: &Path, profile: &str) -> JsonClient {
    client(endpoint, credentials, profile, "kms", "TrentService.")
}

/// A client of `service` (target prefix `prefix`) on `endpoint` in `us-east-1` that never
/// retries.
fn client(
    endpoint: &str,
    credentials: &Path,
    profile: &str,
    service: &'static str,
    prefix: &'static str,
) -> JsonClient {
    client_in("us-east-1", endpoint, credentials, profile, service, prefix)
}

/// [`client`] in `region`.
fn client_in(
    region: &str,
    endpoint: &str,
    credentials: &Path,
    profile: &str,
    service: &'static str,
    prefix: &'static str,
) -> JsonClient {
    let options =
        ClientOptions { retry: RetryPolicy::none(), attempt_timeout: Duration::from_secs(60), ..Default::default() };
    let creds = trent_client::from_file(credentials, profile).expect("credentials");
    JsonClient::new(endpoint, creds, region, service, prefix, options).expect("client")
}

/// Starts a node on `url` in a new data directory, with the seal of `from` if given.
fn start_node(url: &str, from: Option<&Path>) -> Node {
    start_node_with(url, from, &[])
}

/// [`start_node`] with further `trent server` arguments.
fn start_node_with(url: &str, from: Option<&Path>, args: &[&str]) -> Node {
    let dir = private_dir();
    if let Some(from) = from {
        // One root of trust: the same file seal on every node (and the administrator's key).
        for file in ["root.key", "credentials"] {
            std::fs::copy(from.join(file), dir.path().join(file)).expect("copy the seal");
        }
    }
    let path = dir.path().to_str().expect("utf-8 path");
    let server = Server::start_with(&[&["--data-dir", path, "--storage", url], args].concat()).expect("a node starts");
    let kms = kms_client(&server.endpoint, &dir.path().join("credentials"), "trent");
    Node { server, dir, kms }
}

/// A data directory (mode 0700) with its `trent.toml`: a scheduler tick of a second, no request
/// quotas (the load is the test's, not a client's).
fn private_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod 700");
    let toml = "scheduler_tick_seconds = 1\n[quotas]\nenabled = false\n";
    std::fs::write(dir.path().join("trent.toml"), toml).expect("trent.toml");
    dir
}

/// Three nodes on a fresh schema.
async fn three_nodes(test: &str) -> Option<(TestSchema, String, Vec<Node>)> {
    three_nodes_with(test, &[]).await
}

/// Three nodes on a fresh schema, each started with the further `trent server` arguments `args`.
async fn three_nodes_with(test: &str, args: &[&str]) -> Option<(TestSchema, String, Vec<Node>)> {
    let schema = TestSchema::new(test).await?;
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    let a = start_node_with(&url, None, args);
    let b = start_node_with(&url, Some(a.dir.path()), args);
    let c = start_node_with(&url, Some(a.dir.path()), args);
    Some((schema, url, vec![a, b, c]))
}

/// Calls `operation` on one node: the answer, or the error code (`None` for no answer).
async fn call(client: &JsonClient, operation: &str, body: &Value) -> Result<Value, Option<String>> {
    match client.call(operation, body).await {
        Ok(v) => Ok(v),
        Err(ClientError::Aws { code, status, .. }) if status < 500 => Err(Some(code)),
        Err(_) => Err(None),
    }
}

/// Calls `operation` on node `start`, and on the next ones while a node fails (no answer, a
/// 5xx): a load balancer with retries. A refusal (4xx) fails the test.
async fn spread(nodes: &[&JsonClient], start: usize, operation: &str, body: &Value) -> Value {
    let mut failed = 0;
    for attempt in 0..nodes.len() * 3 {
        match call(nodes[(start + attempt) % nodes.len()], operation, body).await {
            Ok(v) => return v,
            Err(None) => failed += 1,
            Err(Some(code)) => panic!("{operation} refused: {code}"),
        }
    }
    panic!("{operation}: every node failed ({failed} attempts)")
}

/// Polls `operation` on `client` until it is refused with `code`; returns how long that took.
async fn refused_within(client: &JsonClient, operation: &str, body: &Value, code: &str) -> Duration {
    let started = Instant::now();
    loop {
        match call(client, operation, body).await {
            Err(Some(c)) if c == code => return started.elapsed(),
            other => assert!(started.elapsed() < BOUND, "{operation} still not {code} after {BOUND:?}: {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The value of the metric line starting with `series` on `node` (0 when absent).
fn metric(node: &Server, series: &str) -> f64 {
    let (status, text) = node.get("/metrics");
    assert_eq!(status, 200, "{text}");
    text.lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next())
        .map_or(0.0, |v| v.parse().expect("a number"))
}

/// `trent audit verify --storage URL`: every chain verifies.
fn audit_verifies(url: &str) -> String {
    let out = Command::new(TRENT)
        .args(["audit", "verify", "--storage", url, "--data-dir", "/nonexistent"])
        .output()
        .expect("run trent audit verify");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "trent audit verify failed:\n{stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// Creates IAM user `name` with an access key through node `node` (the AWS CLI, as an operator
/// would); returns the path of a credentials file with it as profile `name`.
fn iam_user(node: &Node, name: &str) -> Option<std::path::PathBuf> {
    let python = support::venv_python("cluster iam user", "awscli")?;
    let aws = |args: &[&str]| {
        let out = Command::new(&python)
            .args(["-m", "awscli"])
            .args(args)
            .args(["--endpoint-url", &node.server.endpoint, "--region", "us-east-1", "--output", "json"])
            .env("AWS_SHARED_CREDENTIALS_FILE", node.dir.path().join("credentials"))
            .env("AWS_PROFILE", "trent")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .output()
            .expect("run aws");
        assert!(out.status.success(), "aws {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap_or(Value::Null)
    };
    aws(&["iam", "create-user", "--user-name", name]);
    let key = aws(&["iam", "create-access-key", "--user-name", name]);
    let (id, secret) = (key["AccessKey"]["AccessKeyId"].as_str()?, key["AccessKey"]["SecretAccessKey"].as_str()?);
    let path = node.dir.path().join(format!("{name}.credentials"));
    std::fs::write(&path, format!("[{name}]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n")).ok()?;
    Some(path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_disabled_or_a_grant_revoked_on_one_process_is_refused_on_the_others() {
    let test = "a_key_disabled_or_a_grant_revoked_on_one_process_is_refused_on_the_others";
    let Some((_schema, _url, nodes)) = three_nodes(test).await else { return };
    let (a, others) = (&nodes[0], &nodes[1..]);
    let Some(bob_file) = iam_user(a, "bob") else { return };
    let created = spread(&[&a.kms], 0, "CreateKey", &json!({})).await;
    let key = created["KeyMetadata"]["KeyId"].as_str().expect("KeyId").to_owned();
    let account = created["KeyMetadata"]["AWSAccountId"].as_str().expect("account").to_owned();
    let body = json!({"KeyId": key, "GranteePrincipal": format!("arn:aws:iam::{account}:user/bob"), "Operations": ["Encrypt"]});
    let grant = spread(&[&a.kms], 0, "CreateGrant", &body).await;
    let grant_id = grant["GrantId"].as_str().expect("GrantId").to_owned();

    // Both other processes serve bob through the grant, and cache the key.
    let encrypt = json!({"KeyId": key, "Plaintext": "eA=="});
    let bobs: Vec<JsonClient> = others.iter().map(|n| kms_client(&n.server.endpoint, &bob_file, "bob")).collect();
    for (node, bob) in others.iter().zip(&bobs) {
        call(&node.kms, "Encrypt", &encrypt).await.expect("the administrator encrypts");
        call(bob, "Encrypt", &encrypt).await.expect("bob encrypts through the grant");
    }

    call(&a.kms, "RevokeGrant", &json!({"KeyId": key, "GrantId": grant_id})).await.expect("revoke on A");
    for bob in &bobs {
        let took = refused_within(bob, "Encrypt", &encrypt, "AccessDeniedException").await;
        eprintln!("a grant revoked on one process was refused on another after {took:?}");
    }
    call(&a.kms, "DisableKey", &json!({"KeyId": key})).await.expect("disable on A");
    for node in others {
        let took = refused_within(&node.kms, "Encrypt", &encrypt, "DisabledException").await;
        eprintln!("a key disabled on one process was refused on another after {took:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_coming_due_are_deleted_once_across_the_processes() {
    let test = "keys_coming_due_are_deleted_once_across_the_processes";
    let Some((schema, url, nodes)) = three_nodes(test).await else { return };
    let clients: Vec<&JsonClient> = nodes.iter().map(|n| &n.kms).collect();
    let mut keys = Vec::new();
    for i in 0..6 {
        let created = spread(&clients, i, "CreateKey", &json!({})).await;
        let key = created["KeyMetadata"]["KeyId"].as_str().expect("KeyId").to_owned();
        // Every process reads the key, so every one has it cached when it goes.
        for client in &clients {
            call(client, "DescribeKey", &json!({"KeyId": key})).await.expect("describe");
        }
        spread(&clients, i + 1, "ScheduleKeyDeletion", &json!({"KeyId": key, "PendingWindowInDays": 7})).await;
        keys.push(key);
    }
    let pool = sqlx::PgPool::connect(&url).await.expect("connect");
    let moved = sqlx::query(&format!(
        "UPDATE {}.kms_keys SET deletion_date = deletion_date - 8 * 86400 * 1000000000::bigint \
         WHERE key_state = 'PendingDeletion'",
        schema.name()
    ))
    .execute(&pool)
    .await
    .expect("bring the deletions due");
    assert_eq!(moved.rows_affected(), keys.len() as u64);
    pool.close().await;

    let started = Instant::now();
    for key in &keys {
        for client in &clients {
            while call(client, "DescribeKey", &json!({"KeyId": key})).await.is_ok() {
                assert!(started.elapsed() < SCHEDULED_WITHIN + BOUND, "{key} was never deleted");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    tokio::time::sleep(Duration::from_secs(3)).await; // a few more ticks on every process
    let deleted: Vec<f64> =
        nodes.iter().map(|n| metric(&n.server, "trent_scheduled_work_total{work=\"key_deleted\"}")).collect();
    let holders: Vec<f64> = nodes.iter().map(|n| metric(&n.server, "trent_lease_held{job=\"kms\"}")).collect();
    eprintln!("deletions by process: {deleted:?}; kms lease held: {holders:?}");
    assert_eq!(deleted.iter().sum::<f64>(), keys.len() as f64, "each key deleted exactly once: {deleted:?}");
    assert_eq!(holders.iter().sum::<f64>(), 1.0, "one process holds the lease: {holders:?}");
    let holder = holders.iter().position(|h| *h == 1.0).expect("a holder");
    assert_eq!(deleted[holder], keys.len() as f64, "the holder did the work");
    audit_verifies(&url);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_under_load_loses_nothing_acknowledged() {
    let test = "a_process_killed_under_load_loses_nothing_acknowledged";
    let Some((_schema, url, mut nodes)) = three_nodes(test).await else { return };
    let endpoints: Vec<String> = nodes.iter().map(|n| n.server.endpoint.clone()).collect();
    let credentials = nodes[0].dir.path().join("credentials");
    let clients: Arc<Vec<JsonClient>> =
        Arc::new(endpoints.iter().map(|e| kms_client(e, &credentials, "trent")).collect());
    let key = spread(&clients.iter().collect::<Vec<_>>(), 0, "CreateKey", &json!({})).await["KeyMetadata"]["KeyId"]
        .as_str()
        .expect("KeyId")
        .to_owned();
    // Three writers, each spreading its calls over every node (the killed one included).
    let progress = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..3usize)
        .map(|w| {
            let (clients, key, progress) = (clients.clone(), key.clone(), progress.clone());
            tokio::spawn(async move {
                let nodes: Vec<&JsonClient> = clients.iter().collect();
                let mut acknowledged = Vec::new();
                for i in 0..40usize {
                    let created =
                        spread(&nodes, w + i, "CreateKey", &json!({"Description": format!("w{w} {i}")})).await;
                    let id = created["KeyMetadata"]["KeyId"].as_str().expect("KeyId").to_owned();
                    let plaintext = format!("{w}-{i}");
                    let body = json!({"KeyId": key, "Plaintext": base64_of(&plaintext)});
                    let sealed = spread(&nodes, w + i + 1, "Encrypt", &body).await;
                    acknowledged.push((id, sealed["CiphertextBlob"].as_str().expect("blob").to_owned(), plaintext));
                    progress.fetch_add(1, Ordering::SeqCst);
                }
                acknowledged
            })
        })
        .collect();
    // The kill comes with a third of the load acknowledged, requests in flight on every node.
    while progress.load(Ordering::SeqCst) < 40 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let victim = &mut nodes[2].server;
    victim.child.kill().expect("SIGKILL one process");
    victim.child.wait().expect("reap");
    let mut acknowledged = Vec::new();
    for w in writers {
        acknowledged.extend(w.await.expect("writer"));
    }
    assert_eq!(acknowledged.len(), 120);
    // Everything acknowledged is there on the surviving processes.
    for (n, (id, blob, plaintext)) in acknowledged.iter().enumerate() {
        let survivor = &clients[n % 2];
        call(survivor, "DescribeKey", &json!({"KeyId": id})).await.expect("an acknowledged key exists");
        let opened = call(survivor, "Decrypt", &json!({"CiphertextBlob": blob})).await.expect("decrypts");
        assert_eq!(opened["Plaintext"], base64_of(plaintext));
    }
    let report = audit_verifies(&url);
    eprintln!("{} acknowledged writes survived the kill of one of three processes", acknowledged.len() * 2);
    assert_eq!(report.matches("OK: digest #").count(), 3, "one verified chain per process:\n{report}");
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_id_is_held_while_its_node_runs_and_resumed_after_a_kill() {
    let test = "a_node_id_is_held_while_its_node_runs_and_resumed_after_a_kill";
    let Some(schema) = TestSchema::new(test).await else { return };
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    let mut a = start_node(&url, None);
    let derived = std::fs::read_to_string(a.dir.path().join("node_id")).expect("the first start writes node_id");
    let derived = derived.trim().to_owned();
    call(&a.kms, "CreateKey", &json!({})).await.expect("serves");

    // A second process on the same id (a copied data directory, or the same setting) refuses.
    let b = private_dir();
    for file in ["root.key", "credentials", "node_id"] {
        std::fs::copy(a.dir.path().join(file), b.path().join(file)).expect("copy");
    }
    let b_dir = b.path().to_str().expect("utf-8");
    let err = support::refused(&["--listen", "127.0.0.1:0", "--data-dir", b_dir, "--storage", &url], &[]);
    assert!(err.contains(&format!("node id {derived} is in use")), "{err}");
    let err = support::refused(
        &["--listen", "127.0.0.1:0", "--data-dir", b_dir, "--storage", &url, "--node-id", "bad/id"],
        &[],
    );
    assert!(err.contains("cluster.node_id"), "{err}");

    // Killed, the node gives its id up with its session; restarted, it resumes its chain.
    a.server.child.kill().expect("SIGKILL");
    a.server.child.wait().expect("reap");
    let path = a.dir.path().to_str().expect("utf-8");
    a.server = Server::start_with(&["--data-dir", path, "--storage", &url]).expect("restarts on its id");
    a.kms = kms_client(&a.server.endpoint, &a.dir.path().join("credentials"), "trent");
    call(&a.kms, "CreateKey", &json!({})).await.expect("serves again");
    // An explicit id (the flag) is a chain of its own, beside the first.
    let named =
        Server::start_with_env(&["--data-dir", b_dir, "--storage", &url], &[("TRENT_NODE_ID", Path::new("eu-1"))])
            .expect("starts on its own id");
    let kms = kms_client(&named.endpoint, &b.path().join("credentials"), "trent");
    call(&kms, "CreateKey", &json!({})).await.expect("serves");
    assert!(a.server.terminate() && named.terminate());
    let report = audit_verifies(&url);
    assert_eq!(report.matches("OK: digest #").count(), 2, "{report}");
    assert!(report.contains(&format!("chain of node {derived}: OK")), "{report}");
    assert!(report.contains("chain of node eu-1: OK"), "{report}");
}

/// Regression: two nodes started at once on a fresh database each found it empty and each made
/// a default account and an audit signing key (the later key overwrote the earlier one, and the
/// earlier node then signed digests that no stored key verifies).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_started_together_on_a_fresh_database_make_one_account_and_one_signing_key() {
    let test = "two_processes_started_together_on_a_fresh_database_make_one_account_and_one_signing_key";
    let Some(schema) = TestSchema::new(test).await else { return };
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    // One root of trust, written before either starts (a first start would make its own).
    let root = format!("{}{}\n", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let dirs = [private_dir(), private_dir()];
    for dir in &dirs {
        use std::os::unix::fs::PermissionsExt;
        let key = dir.path().join("root.key");
        std::fs::write(&key, &root).expect("root.key");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
    }
    let starts: Vec<_> = dirs
        .iter()
        .map(|dir| {
            let (path, url) = (dir.path().to_str().expect("utf-8").to_owned(), url.clone());
            std::thread::spawn(move || Server::start_with(&["--data-dir", &path, "--storage", &url]))
        })
        .collect();
    let servers: Vec<Server> = starts.into_iter().map(|s| s.join().expect("start").expect("a node starts")).collect();

    let pool = sqlx::PgPool::connect(&url).await.expect("connect");
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts").fetch_one(&pool).await.expect("accounts");
    let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_meta").fetch_one(&pool).await.expect("audit_meta");
    pool.close().await;
    assert_eq!(accounts, 1, "one default account");
    assert_eq!(keys, 2, "one audit signing key (its private and public halves)");
    // The node that made the account wrote its administrator's credentials; the other uses a copy.
    let made: Vec<&tempfile::TempDir> = dirs.iter().filter(|d| d.path().join("credentials").exists()).collect();
    assert_eq!(made.len(), 1, "exactly one node made the first start");
    for dir in &dirs {
        if !dir.path().join("credentials").exists() {
            std::fs::copy(made[0].path().join("credentials"), dir.path().join("credentials")).expect("copy");
        }
    }
    // Both record into chains of their own, signed under the one key: both verify.
    for (server, dir) in servers.iter().zip(&dirs) {
        let kms = kms_client(&server.endpoint, &dir.path().join("credentials"), "trent");
        call(&kms, "CreateKey", &json!({})).await.expect("each node serves");
    }
    for server in servers {
        assert!(server.terminate());
    }
    let report = audit_verifies(&url);
    assert_eq!(report.matches("OK: digest #").count(), 2, "{report}");
}

/// The version ids of `secret` that carry `label`, as node `client` lists them.
async fn versions_labelled(client: &JsonClient, secret: &str, label: &str) -> Vec<String> {
    let body = json!({"SecretId": secret, "IncludeDeprecated": true, "MaxResults": 100});
    let listed = call(client, "ListSecretVersionIds", &body).await.expect("ListSecretVersionIds");
    let versions = listed["Versions"].as_array().expect("Versions");
    versions
        .iter()
        .filter(|v| v["VersionStages"].as_array().is_some_and(|s| s.iter().any(|l| l == label)))
        .map(|v| v["VersionId"].as_str().expect("VersionId").to_owned())
        .collect()
}

/// Regression guard: writers of one secret on several nodes raced on its revision; every
/// `PutSecretValue` must still succeed (the loser reads again and retries) and leave one
/// consistent set of versions and labels.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_put_secret_value_over_three_processes_all_succeed_and_agree() {
    let test = "concurrent_put_secret_value_over_three_processes_all_succeed_and_agree";
    let Some((_schema, _url, nodes)) = three_nodes(test).await else { return };
    let credentials = nodes[0].dir.path().join("credentials");
    let clients: Arc<Vec<JsonClient>> = Arc::new(
        nodes
            .iter()
            .map(|n| client(&n.server.endpoint, &credentials, "trent", "secretsmanager", "secretsmanager."))
            .collect(),
    );
    const SECRET: &str = "cluster/shared";
    let created = call(&clients[0], "CreateSecret", &json!({"Name": SECRET, "SecretString": "first"})).await;
    let first = created.expect("CreateSecret")["VersionId"].as_str().expect("VersionId").to_owned();
    const WRITERS: usize = 6;
    const PUTS: usize = 8;
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let clients = clients.clone();
            tokio::spawn(async move {
                let mut tokens = Vec::with_capacity(PUTS);
                for i in 0..PUTS {
                    let token = uuid::Uuid::new_v4().to_string();
                    let body = json!({"SecretId": SECRET, "ClientRequestToken": token, "SecretString": format!("value {token}")});
                    // Each writer moves from node to node; no retry by the client: the node must succeed.
                    let node = &clients[(w + i) % clients.len()];
                    let put = call(node, "PutSecretValue", &body).await;
                    let put = put.unwrap_or_else(|e| panic!("PutSecretValue {w}/{i} on node {}: {e:?}", (w + i) % 3));
                    assert_eq!(put["VersionId"], token.as_str());
                    tokens.push(token);
                }
                tokens
            })
        })
        .collect();
    let mut written = vec![first.clone()];
    for w in writers {
        written.extend(w.await.expect("writer"));
    }
    assert_eq!(written.len(), 1 + WRITERS * PUTS);

    // Every version is there, and the labels agree on every node (a node's cached copy is
    // dropped when another node writes, within the documented bound).
    let started = Instant::now();
    let mut seen = Vec::new();
    for node in clients.iter() {
        let body = json!({"SecretId": SECRET, "IncludeDeprecated": true, "MaxResults": 100});
        let listed = call(node, "ListSecretVersionIds", &body).await.expect("ListSecretVersionIds");
        let mut ids: Vec<String> = listed["Versions"]
            .as_array()
            .expect("Versions")
            .iter()
            .map(|v| v["VersionId"].as_str().expect("VersionId").to_owned())
            .collect();
        ids.sort();
        let mut expected = written.clone();
        expected.sort();
        assert_eq!(ids, expected, "every acknowledged version, once");
        loop {
            let current = versions_labelled(node, SECRET, "AWSCURRENT").await;
            let previous = versions_labelled(node, SECRET, "AWSPREVIOUS").await;
            if seen.is_empty() || (current.clone(), previous.clone()) == seen[0] {
                assert_eq!((current.len(), previous.len()), (1, 1), "one of each: {current:?} {previous:?}");
                assert_ne!(current, previous);
                assert!(written.contains(&current[0]) && written[1..].contains(&previous[0]));
                let value = call(node, "GetSecretValue", &json!({"SecretId": SECRET})).await.expect("GetSecretValue");
                assert_eq!(value["VersionId"], current[0].as_str());
                assert_eq!(value["SecretString"], format!("value {}", current[0]));
                seen.push((current, previous));
                break;
            }
            assert!(started.elapsed() < BOUND, "the nodes disagree after {BOUND:?}: {seen:?} vs {current:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert_eq!(seen.len(), 3);
    for node in nodes {
        assert!(node.server.terminate());
    }
}
