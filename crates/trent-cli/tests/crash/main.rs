//! Crash durability of a real `trent server`, on SQLite and on PostgreSQL: workers drive a
//! mixed write load (`CreateKey`, `CreateAlias`, `RotateKeyOnDemand`, `CreateGrant`,
//! `CreateSecret`, `PutSecretValue`, `PutParameter`, `Encrypt`) and record every write they
//! sent and whether it was acknowledged; the server is killed with SIGKILL at a random moment;
//! `trent audit verify` must pass on what it left; it is restarted on the same data (directory,
//! or PostgreSQL schema), and then every acknowledged write must be there whole, every
//! unacknowledged one whole or absent (a secret never without its first version, a key never
//! without material), every ciphertext made before must decrypt, and nothing the load never
//! asked for may exist. After the last cycle every write of every cycle is checked again.
//!
//! `TRENT_CRASH_CYCLES` sets the number of cycles (5 by default, what CI runs; the 200-cycle
//! figures in BENCHMARKS.md come from `TRENT_CRASH_CYCLES=200`), `TRENT_CRASH_SEED` replays a
//! run (the seed is printed). The PostgreSQL half uses a fresh schema of
//! `TRENT_TEST_POSTGRES_URL` (skipped loudly without it; a failure under `CI=true`).

#[path = "../../../trent-store/tests/support/postgres.rs"]
mod postgres;
#[path = "../support/mod.rs"]
mod support;

mod check;
mod load;

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use load::{Clients, Entry, Ledger, Outcome, Rng, Write};
use support::{Server, TRENT};

/// Cycles when `TRENT_CRASH_CYCLES` is not set.
const DEFAULT_CYCLES: u32 = 5;
/// Concurrent writers.
const WORKERS: u32 = 4;
/// The load runs this long at least before the kill, and at most this plus `KILL_SPREAD`.
const KILL_AFTER: Duration = Duration::from_millis(150);
const KILL_SPREAD_MS: u64 = 1500;

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(text.parse().unwrap_or_else(|_| panic!("{name}={text} is not a number")))
}

/// Where the server keeps its state: a data directory, and a PostgreSQL URL or not.
struct Backend {
    dir: tempfile::TempDir,
    storage: Option<String>,
}

impl Backend {
    /// The data directory (made by the server's first start, mode 0700).
    fn data_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    fn start(&self) -> Server {
        // No request quotas: every write the load sends is served (or lost to the kill).
        let config = self.dir.path().join("trent.toml");
        std::fs::write(&config, "[quotas]\nenabled = false\n").expect("trent.toml");
        let (dir, config) = (self.data_dir(), config);
        let (dir, config) = (dir.to_str().expect("utf-8 path"), config.to_str().expect("utf-8 path"));
        let mut args = vec!["--data-dir", dir, "--config", config];
        if let Some(url) = &self.storage {
            args.extend(["--storage", url.as_str()]);
        }
        Server::start_with(&args).unwrap_or_else(|err| panic!("trent server did not start: {err}"))
    }

    /// `trent audit verify` on this backend's trail; panics with its output if it fails.
    fn verify_audit(&self, when: &str) {
        let mut cmd = Command::new(TRENT);
        cmd.args(["audit", "verify", "--data-dir"]).arg(self.data_dir()).env_remove("TRENT_STORAGE");
        if let Some(url) = &self.storage {
            cmd.args(["--storage", url]);
        }
        let out = cmd.output().expect("run trent audit verify");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("OK: digest #"),
            "{when}: trent audit verify failed:\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Counts of one cycle's writes, acknowledged and not, by kind.
fn summary(entries: &[&Entry]) -> String {
    let kinds = ["key", "alias", "rotation", "grant", "secret version", "parameter", "ciphertext"];
    let kind = |w: &Write| match w {
        Write::Key { .. } => 0,
        Write::Alias { .. } => 1,
        Write::Rotation { .. } => 2,
        Write::Grant { .. } => 3,
        Write::SecretVersion { .. } => 4,
        Write::Parameter { .. } => 5,
        Write::Ciphertext { .. } => 6,
    };
    let mut acked = [0usize; 7];
    for e in entries.iter().filter(|e| e.acked) {
        acked[kind(&e.write)] += 1;
    }
    let pending = entries.iter().filter(|e| !e.acked).count();
    let parts: Vec<String> = kinds.iter().zip(acked).map(|(k, n)| format!("{n} {k}")).collect();
    format!("acknowledged {}; {pending} unacknowledged", parts.join(", "))
}

/// One `CreateKey` on a fresh server, recorded; it also tells the clients the account.
async fn first_key(clients: &mut Clients, ledger: &Mutex<Ledger>, cycle: u32) {
    let body = json!({"Description": format!("crash c{cycle} first")});
    let Outcome::Ok(answer) = load::call(&clients.kms, "CreateKey", &body).await else {
        panic!("cycle {cycle}: CreateKey on a fresh server failed");
    };
    let arn = answer["KeyMetadata"]["Arn"].as_str().expect("Arn");
    clients.account = arn.split(':').nth(4).expect("account in the ARN").to_owned();
    let id = answer["KeyMetadata"]["KeyId"].as_str().expect("KeyId").to_owned();
    ledger.lock().expect("ledger").entries.push(Entry { write: Write::Key { id: Some(id) }, acked: true, cycle });
}

/// Runs the crash cycles on `backend` and checks everything at the end.
async fn crash_cycles(test: &str, backend: Backend) {
    let cycles = env_number("TRENT_CRASH_CYCLES").map_or(DEFAULT_CYCLES, |n| n as u32);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_nanos() as u64;
    let seed = env_number("TRENT_CRASH_SEED").unwrap_or(now);
    eprintln!("{test}: {cycles} cycles, {WORKERS} writers, TRENT_CRASH_SEED={seed}");
    let started = Instant::now();
    let mut rng = Rng::new(seed);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut server = backend.start();
    for cycle in 0..cycles {
        let mut clients = Clients::new(&server.endpoint, &backend.data_dir());
        first_key(&mut clients, &ledger, cycle).await;
        let account = clients.account.clone();
        let clients = Arc::new(clients);
        let stop = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| tokio::spawn(load::worker(clients.clone(), ledger.clone(), stop.clone(), cycle, w, rng.next())))
            .collect();
        tokio::time::sleep(KILL_AFTER + Duration::from_millis(rng.below(KILL_SPREAD_MS))).await;
        stop.store(true, Ordering::SeqCst);
        server.child.kill().expect("SIGKILL the server");
        server.child.wait().expect("reap the server");
        for w in workers {
            w.await.expect("worker");
        }
        backend.verify_audit(&format!("cycle {cycle}, after the kill"));

        server = backend.start();
        let mut clients = Clients::new(&server.endpoint, &backend.data_dir());
        clients.account = account;
        let all = ledger.lock().expect("ledger").entries.clone();
        let this: Vec<&Entry> = all.iter().filter(|e| e.cycle == cycle).collect();
        let mut problems = Vec::new();
        check::entries(&clients, &this, &all, &mut problems).await;
        check::nothing_unasked(&clients, &all, &mut problems).await;
        let unexpected = std::mem::take(&mut ledger.lock().expect("ledger").unexpected);
        assert!(unexpected.is_empty(), "{test} (seed {seed}): unexpected answers under load: {unexpected:#?}");
        assert!(problems.is_empty(), "{test} (seed {seed}) cycle {cycle}: {problems:#?}");
        eprintln!("cycle {cycle}: {}", summary(&this));
    }

    let all = ledger.lock().expect("ledger").entries.clone();
    let mut clients = Clients::new(&server.endpoint, &backend.data_dir());
    clients.account = String::from("unused");
    let mut problems = Vec::new();
    check::entries(&clients, &all.iter().collect::<Vec<_>>(), &all, &mut problems).await;
    assert!(problems.is_empty(), "{test} (seed {seed}), every cycle's writes at the end: {problems:#?}");
    assert!(server.terminate(), "the server stops cleanly after the run");
    backend.verify_audit("at the end");
    let server_errors = ledger.lock().expect("ledger").server_errors;
    eprintln!(
        "{test}: {cycles} kill -9 cycles in {:.0?}, every write checked; in all: {} (of which {server_errors} \
         answered 5xx before a kill)",
        started.elapsed(),
        summary(&all.iter().collect::<Vec<_>>())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_acknowledged_write_through_kill_9() {
    let backend = Backend { dir: tempfile::tempdir().expect("tempdir"), storage: None };
    crash_cycles("sqlite_keeps_every_acknowledged_write_through_kill_9", backend).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_every_acknowledged_write_through_kill_9() {
    let test = "postgres_keeps_every_acknowledged_write_through_kill_9";
    let Some(schema) = postgres::TestSchema::new(test).await else { return };
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    let backend = Backend { dir: tempfile::tempdir().expect("tempdir"), storage: Some(url) };
    crash_cycles(test, backend).await;
    drop(schema);
}
