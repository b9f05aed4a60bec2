//! A crash never loses an acknowledged audit event: `trent audit bench --print-acks` records
//! events from many concurrent callers and prints each event id once `record` returned Ok; the
//! test kills it with SIGKILL at a random moment, then checks that every printed id is in the
//! database and that the chain still verifies. Three crashes in a row on the same data
//! directory also prove that the writer resumes the chain after each one.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use trent_core::audit::EventIndex;
use trent_core::store::AuditStore;
use trent_store::SqliteAuditStore;

const TRENT: &str = env!("CARGO_BIN_EXE_trent");

/// A pseudo-random number in `lo..hi` (seeded from the clock; the seed is printed on failure).
fn random_between(lo: u64, hi: u64, salt: u64) -> u64 {
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(7) ^ salt;
    let mut x = seed | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    lo + x % (hi - lo)
}

/// Runs the bench until `kill_after` acknowledgements were printed, SIGKILLs it, and returns
/// every id it acknowledged (complete lines only).
fn crash_after(dir: &Path, kill_after: u64) -> Vec<String> {
    let mut child = Command::new(TRENT)
        .args(["audit", "bench", "--events", "100000000", "--concurrency", "64", "--print-acks", "--data-dir"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn trent audit bench");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        // Only lines ended by '\n' were printed in full before the kill.
        while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
            if let Some(id) = line.strip_suffix('\n').and_then(|l| l.strip_prefix("ack "))
                && tx.send(id.to_owned()).is_err()
            {
                break;
            }
            line.clear();
        }
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest);
    });
    let mut acked = Vec::new();
    while (acked.len() as u64) < kill_after {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(id) => acked.push(id),
            Err(e) => panic!("the bench stopped acknowledging after {} events: {e}", acked.len()),
        }
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    reader.join().expect("reader");
    acked.extend(rx.try_iter());
    acked
}

async fn stored_ids(dir: &Path) -> HashSet<String> {
    let store = SqliteAuditStore::open_read_only(&dir.join("audit.db")).await.expect("open read-only");
    let mut ids = HashSet::new();
    let mut from = 1;
    loop {
        let page = store.audit_events(from, 5000).await.expect("events");
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        ids.extend(page.iter().map(|e| EventIndex::from_record(&e.json).expect("record").event_id));
    }
    store.close().await;
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_never_loses_an_acknowledged_event() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut all_acked = Vec::new();
    for round in 0..3u64 {
        let kill_after = random_between(200, 5000, round);
        let acked = crash_after(dir.path(), kill_after);
        let stored = stored_ids(dir.path()).await;
        let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
        assert!(
            lost.is_empty(),
            "round {round} (killed after {kill_after} acks): {} acknowledged events are missing, e.g. {:?}",
            lost.len(),
            lost.first()
        );
        all_acked.extend(acked);

        let verify =
            Command::new(TRENT).args(["audit", "verify", "--data-dir"]).arg(dir.path()).output().expect("verify");
        let out = String::from_utf8_lossy(&verify.stdout);
        assert!(
            verify.status.success(),
            "round {round}: verify failed: {out}{}",
            String::from_utf8_lossy(&verify.stderr)
        );
        assert!(out.contains("OK: digest #"), "{out}");
    }
    let stored = stored_ids(dir.path()).await;
    assert!(all_acked.iter().all(|id| stored.contains(id)), "events of earlier rounds survive later crashes");
}

#[test]
fn verify_names_a_tampered_record_and_exits_non_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bench = Command::new(TRENT)
        .args(["audit", "bench", "--events", "50", "--concurrency", "4", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("bench");
    assert!(bench.status.success(), "{}", String::from_utf8_lossy(&bench.stderr));
    let witness = dir.path().join("witness");
    let verify = |extra: &[&str]| {
        Command::new(TRENT)
            .args(["audit", "verify", "--data-dir"])
            .arg(dir.path())
            .arg("--witness")
            .arg(&witness)
            .args(extra)
            .output()
            .expect("verify")
    };
    let ok = verify(&[]);
    let out = String::from_utf8_lossy(&ok.stdout).into_owned();
    assert!(ok.status.success(), "{out}");
    assert!(out.contains("checked 50 events"), "{out}");
    let key =
        out.lines().find_map(|l| l.strip_prefix("audit public key (Ed25519): ")).expect("public key line").to_owned();
    assert_eq!(key.len(), 64);

    // Delete the last group commit, events and digest: consistent on its own, caught by the witness.
    let db = dir.path().join("audit.db");
    let status = Command::new("sqlite3")
        .arg(&db)
        .arg(
            "DELETE FROM audit_events WHERE seq >= (SELECT first_seq FROM audit_digests ORDER BY digest_seq DESC LIMIT 1); \
             DELETE FROM audit_digests WHERE digest_seq = (SELECT MAX(digest_seq) FROM audit_digests);",
        )
        .status();
    let Ok(status) = status else {
        eprintln!("sqlite3 is not installed; the truncation half of this test is covered in trent-store");
        return;
    };
    assert!(status.success());
    let failed = verify(&["--public-key", &key]);
    assert!(!failed.status.success());
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(err.contains("trail truncated"), "{err}");
}
