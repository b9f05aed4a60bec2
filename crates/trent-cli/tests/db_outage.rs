//! A PostgreSQL outage under load, on a throwaway PostgreSQL 15 cluster this test starts
//! itself (`initdb` of /usr/lib/postgresql/15/bin, a free port, stopped by its PID): a real
//! `trent server` on it serves a stream of `Encrypt` calls while the database is stopped and
//! started again, twice (a quick restart, as `pg_ctlcluster … restart` does, then an outage of
//! several seconds).
//!
//! While the database is down, every call fails fast with a 5xx AWS error (no call waits longer
//! than [`ANSWER_WITHIN`], and once a call has failed, every call that starts after it answers
//! within [`AT_ONCE`]: the node knows its database is down and does not wait for the pool), a
//! write is refused the same way, and `/ready` says 503; once it is
//! back, calls succeed again within [`RECOVER_WITHIN`] with no restart of Trent, `/ready` says
//! 200, every acknowledged ciphertext decrypts, the trail holds an `Encrypt` event for every
//! acknowledged call, and `trent audit verify` passes.
//!
//! Without the binaries the test says loudly that it is skipped (a failure under `CI=true`).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use trent_client::{ClientError, ClientOptions, JsonClient, RetryPolicy};

use support::{Server, TRENT};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
/// The longest any call may take, database down or not: the pool's wait for a connection
/// (2 s, `PgSettings`' acquire timeout: how long a call waits for a database that refuses
/// connections) and the request's own work, with room for a loaded machine.
const ANSWER_WITHIN: Duration = Duration::from_secs(3);
/// How fast a call answers once an earlier call found the database down: well under the pool's
/// 2-second wait for a connection, with room for a loaded machine.
const AT_ONCE: Duration = Duration::from_millis(500);
/// How soon after the database accepts connections again calls must succeed.
const RECOVER_WITHIN: Duration = Duration::from_secs(15);
/// Concurrent callers.
const CALLERS: usize = 4;
/// The 5xx codes a call may fail with while the database is down.
const OUTAGE_CODES: [&str; 3] = ["InternalFailure", "DependencyTimeoutException", "KMSInternalException"];

/// A PostgreSQL 15 cluster in a temporary directory, owned by the `postgres` user when the
/// test runs as root (PostgreSQL refuses to run as root).
struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
    postmaster: Option<Child>,
}

impl Cluster {
    /// `initdb` (trust over 127.0.0.1 only) and a first start; `None` after a loud skip when
    /// the binaries are missing.
    fn create() -> Option<Cluster> {
        if !Path::new(PG_BIN).join("initdb").exists() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but the PostgreSQL 15 binaries are not in {PG_BIN}"
            );
            eprintln!("SKIPPED db_outage: no PostgreSQL 15 binaries in {PG_BIN}");
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        chown_postgres(dir.path());
        let ok = pg_command("initdb")
            .arg("-D")
            .arg(dir.path().join("data"))
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .stdout(Stdio::null())
            .status()
            .expect("run initdb")
            .success();
        assert!(ok, "initdb");
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let mut cluster = Cluster { dir, port, postmaster: None };
        cluster.start();
        Some(cluster)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the postmaster and waits until it accepts connections.
    fn start(&mut self) {
        assert!(self.postmaster.is_none(), "already running");
        let data = self.dir.path().join("data");
        let mut cmd = pg_command("postgres");
        cmd.arg("-D").arg(&data).args(["-p", &self.port.to_string(), "-c", "listen_addresses=127.0.0.1"]);
        cmd.args(["-c", "fsync=off", "-c", "max_connections=60"]);
        cmd.arg("-c").arg(format!("unix_socket_directories={}", self.dir.path().display()));
        self.postmaster = Some(cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn postgres"));
        let started = Instant::now();
        while !self.accepts() {
            assert!(started.elapsed() < Duration::from_secs(30), "the throwaway cluster did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Fast shutdown by the postmaster's PID (SIGINT: every session is ended at once, as a
    /// restart or a failover ends them), waiting until it has exited.
    fn stop(&mut self) {
        let mut postmaster = self.postmaster.take().expect("running");
        let _ = Command::new("kill").args(["-INT", &postmaster.id().to_string()]).status();
        let _ = postmaster.wait();
    }

    fn accepts(&self) -> bool {
        Command::new(Path::new(PG_BIN).join("pg_isready"))
            .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.postmaster.is_some() {
            self.stop();
        }
    }
}

/// A PostgreSQL program, run as `postgres` when the test runs as root.
fn pg_command(program: &str) -> Command {
    let path = Path::new(PG_BIN).join(program);
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=postgres", "--regid=postgres", "--clear-groups", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn chown_postgres(path: &Path) {
    if is_root() {
        let ok = Command::new("chown").args(["-R", "postgres:postgres"]).arg(path).status().expect("chown");
        assert!(ok.success(), "chown {path:?}");
    }
}

/// One call of the load: when it started, how long it took, and what came back.
#[derive(Debug)]
struct Call {
    at: Instant,
    took: Duration,
    /// The ciphertext and its plaintext, or the error code and HTTP status (0: no answer).
    outcome: Result<(String, String), (String, u16)>,
}

fn kms_client(endpoint: &str, data_dir: &Path) -> JsonClient {
    // No retries: each call's own answer is what is checked; a hang shows as a slow call.
    let options =
        ClientOptions { retry: RetryPolicy::none(), attempt_timeout: Duration::from_secs(60), ..Default::default() };
    let creds = trent_client::from_file(&data_dir.join("credentials"), "trent").expect("credentials");
    JsonClient::new(endpoint, creds, "us-east-1", "kms", "TrentService.", options).expect("client")
}

async fn timed(client: &JsonClient, operation: &str, body: &Value) -> (Duration, Result<Value, (String, u16)>) {
    let started = Instant::now();
    let result = match client.call(operation, body).await {
        Ok(v) => Ok(v),
        Err(ClientError::Aws { code, status, .. }) => Err((code, status)),
        Err(e) => Err((e.to_string(), 0)),
    };
    (started.elapsed(), result)
}

/// Encrypts until `stop`, recording every call.
async fn caller(client: Arc<JsonClient>, key: String, n: usize, stop: Arc<AtomicBool>, calls: Arc<Mutex<Vec<Call>>>) {
    let mut i = 0;
    while !stop.load(Ordering::SeqCst) {
        i += 1;
        let plaintext = base64::engine::general_purpose::STANDARD.encode(format!("caller {n} call {i}"));
        let at = Instant::now();
        let (took, result) = timed(&client, "Encrypt", &json!({"KeyId": key, "Plaintext": plaintext})).await;
        let outcome = result.map(|v| (v["CiphertextBlob"].as_str().expect("CiphertextBlob").to_owned(), plaintext));
        let failed = outcome.is_err();
        calls.lock().expect("calls").push(Call { at, took, outcome });
        if failed {
            // A failing node answers at once; do not spin on it.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Stops the database under load and starts it again at once (`down` zero: a restart), or
/// after probing the node while it is down for `down`; checks the calls made while it was down
/// and that service comes back. Returns how long recovery took.
async fn outage(
    cluster: &mut Cluster,
    server: &Server,
    client: &JsonClient,
    down: Duration,
    calls: &Mutex<Vec<Call>>,
) -> Duration {
    let stopping = Instant::now();
    cluster.stop();
    let stopped = Instant::now();
    eprintln!("database stopped in {:?}", stopped - stopping);
    if !down.is_zero() {
        probe_while_down(server, client).await;
        let elapsed = stopped.elapsed();
        if elapsed < down {
            tokio::time::sleep(down - elapsed).await;
        }
    }
    let restarting = Instant::now();
    cluster.start();
    let back = Instant::now();
    eprintln!("database down for {:?} (started again in {:?})", back - stopped, back - restarting);

    // Every call made entirely while the database was down failed with a 5xx AWS error.
    {
        let calls = calls.lock().expect("calls");
        let during: Vec<&Call> = calls.iter().filter(|c| c.at >= stopped && c.at + c.took <= restarting).collect();
        assert!(down.is_zero() || !during.is_empty(), "the load made no call while the database was down");
        for call in &during {
            match &call.outcome {
                Err((code, status)) => assert!(
                    *status >= 500 && OUTAGE_CODES.contains(&code.as_str()),
                    "a call while down answered {code} ({status})"
                ),
                Ok(_) => {
                    panic!("Encrypt acknowledged while the database was down (its audit record cannot be durable)")
                }
            }
        }
        eprintln!("{} calls while the database was down, each a 5xx", during.len());
        // Once one call has failed, the node knows: the calls that start after it answer at once.
        if let Some(first) = during.iter().map(|c| c.at + c.took).min() {
            let after: Vec<&&Call> = during.iter().filter(|c| c.at >= first).collect();
            let slowest = after.iter().map(|c| c.took).max().unwrap_or_default();
            eprintln!("{} calls after the first failure; the slowest took {slowest:?}", after.len());
            assert!(slowest < AT_ONCE, "a call after the first failure took {slowest:?}");
        }
    }

    // Service comes back by itself.
    loop {
        let (_, result) = timed(client, "Encrypt", &json!({"KeyId": "alias/outage", "Plaintext": "eA=="})).await;
        if result.is_ok() && server.get("/ready").0 == 200 {
            break;
        }
        assert!(
            back.elapsed() < RECOVER_WITHIN,
            "no recovery {RECOVER_WITHIN:?} after the database returned: {result:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    back.elapsed()
}

/// With the database down: the node says it is not ready, and a write fails fast with a 5xx.
async fn probe_while_down(server: &Server, client: &JsonClient) {
    let (status, body) = server.get("/ready");
    assert_eq!(status, 503, "/ready with the database down: {body}");
    let (took, created) = timed(client, "CreateKey", &json!({})).await;
    match created {
        Err((code, status)) => {
            assert!(status >= 500 && OUTAGE_CODES.contains(&code.as_str()), "CreateKey while down: {code} ({status})");
        }
        Ok(v) => panic!("CreateKey succeeded with the database down: {v}"),
    }
    assert!(took < ANSWER_WITHIN, "CreateKey while down took {took:?}");
    // That call failed: the next ones answer at once, and so does /ready.
    let (took, created) = timed(client, "CreateKey", &json!({})).await;
    assert!(created.is_err(), "CreateKey succeeded with the database down");
    assert!(took < AT_ONCE, "CreateKey after a failure took {took:?}");
    let asked = Instant::now();
    assert_eq!(server.get("/ready").0, 503);
    assert!(asked.elapsed() < AT_ONCE, "/ready after a failure took {:?}", asked.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_fails_calls_fast_and_service_resumes_without_a_restart() {
    let Some(mut cluster) = Cluster::create() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("trent.toml");
    std::fs::write(&config, "[quotas]\nenabled = false\n").expect("trent.toml");
    let data: PathBuf = dir.path().join("data");
    let url = cluster.url();
    let args = ["--data-dir", data.to_str().expect("utf-8"), "--config", config.to_str().expect("utf-8")];
    let mut server = Server::start_with(&[&args[..], &["--storage", &url]].concat()).expect("trent server starts");
    let client = Arc::new(kms_client(&server.endpoint, &data));
    let created = client.call("CreateKey", &json!({})).await.expect("CreateKey");
    let key = created["KeyMetadata"]["KeyId"].as_str().expect("KeyId").to_owned();
    client.call("CreateAlias", &json!({"AliasName": "alias/outage", "TargetKeyId": key})).await.expect("alias");

    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(Mutex::new(Vec::new()));
    let callers: Vec<_> = (0..CALLERS)
        .map(|n| tokio::spawn(caller(client.clone(), key.clone(), n, stop.clone(), calls.clone())))
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let quick = outage(&mut cluster, &server, &client, Duration::ZERO, &calls).await;
    eprintln!("a quick restart: serving again {quick:?} after the database was back");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let long = outage(&mut cluster, &server, &client, Duration::from_secs(5), &calls).await;
    eprintln!("a 5-second outage: serving again {long:?} after the database was back");
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    for c in callers {
        c.await.expect("caller");
    }
    assert!(server.child.try_wait().expect("wait").is_none(), "trent server exited");

    let calls = std::mem::take(&mut *calls.lock().expect("calls"));
    let slowest = calls.iter().map(|c| c.took).max().unwrap_or_default();
    let acked: Vec<&(String, String)> = calls.iter().filter_map(|c| c.outcome.as_ref().ok()).collect();
    let failed = calls.len() - acked.len();
    eprintln!("{} calls: {} acknowledged, {failed} failed; the slowest took {slowest:?}", calls.len(), acked.len());
    assert!(slowest < ANSWER_WITHIN, "a call took {slowest:?}");
    for (blob, plaintext) in &acked {
        let opened = client
            .call("Decrypt", &json!({"CiphertextBlob": blob}))
            .await
            .expect("an acknowledged ciphertext decrypts");
        assert_eq!(opened["Plaintext"].as_str(), Some(plaintext.as_str()));
    }
    assert!(server.terminate(), "the server stops cleanly");

    // Every acknowledged call's event is in the trail, and the trail verifies.
    let recorded = encrypt_events(&url).await;
    assert!(
        recorded >= acked.len() as i64,
        "{recorded} Encrypt events recorded for {} acknowledged calls",
        acked.len()
    );
    let out = Command::new(TRENT)
        .args(["audit", "verify", "--storage", &url, "--data-dir"])
        .arg(&data)
        .output()
        .expect("run trent audit verify");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "trent audit verify failed:\n{stdout}{}", String::from_utf8_lossy(&out.stderr));
}

/// Successful `Encrypt` events in the trail of every node.
async fn encrypt_events(url: &str) -> i64 {
    let pool = sqlx::PgPool::connect(url).await.expect("connect");
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE convert_from(record, 'UTF8')::jsonb->>'eventName' = 'Encrypt' \
         AND convert_from(record, 'UTF8')::jsonb->>'errorCode' IS NULL",
    )
    .fetch_one(&pool)
    .await
    .expect("count Encrypt events");
    pool.close().await;
    n
}
