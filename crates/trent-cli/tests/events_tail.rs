//! `trent events tail` against a real `trent server` process: the outbox's events printed as
//! EventBridge JSON lines (all, or only new ones while following), and a `jsonl` sink's file
//! followed instead, the server delivering to it on its own timer.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::{Server, TRENT};

fn tail(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(TRENT)
        .args(["events", "tail"])
        .args(args)
        .env_remove("TRENT_DATA_DIR")
        .env_remove("TRENT_STORAGE")
        .output()
        .expect("run trent events tail");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn events(out: &str) -> Vec<serde_json::Value> {
    out.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

fn names(out: &str) -> Vec<String> {
    events(out).iter().map(|e| e["detail"]["name"].as_str().unwrap_or_default().to_owned()).collect()
}

/// Waits (at most 30 s) until `path` has `n` lines.
fn wait_for_lines(path: &Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read_to_string(path).map(|t| t.lines().count()).unwrap_or(0) < n {
        assert!(Instant::now() < deadline, "the server never delivered {n} events to {}", path.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn events_tail_prints_and_follows_the_outbox_and_a_jsonl_sink() {
    let dir = tempfile::tempdir().unwrap();
    let (data, config, file) =
        (dir.path().join("data"), dir.path().join("trent.toml"), dir.path().join("events.jsonl"));
    let toml = format!(
        "[events]\npoll_interval_milliseconds = 50\n\n[[events.sinks]]\nname = \"file\"\ntype = \"jsonl\"\npath = \"{}\"\n",
        file.display()
    );
    std::fs::write(&config, toml).unwrap();
    let server = Server::start_with(&["--data-dir", data.to_str().unwrap(), "--config", config.to_str().unwrap()])
        .expect("starts");
    let put = |name: &str| {
        let (ok, out, err) = server.params(&data, &["put", name, "--value", "tail-secret-value", "--type", "String"]);
        assert!(ok, "{out}{err}");
    };
    put("/tail/one");
    put("/tail/two");
    let data_arg = data.to_str().unwrap();

    // Everything there, oldest first, then exit.
    let (ok, out, err) = tail(&["--data-dir", data_arg, "--no-follow"]);
    assert!(ok, "{err}");
    assert_eq!(names(&out), ["/tail/one", "/tail/two"]);
    assert!(events(&out).iter().all(|e| e["detail-type"] == "Parameter Store Change" && e["source"] == "aws.ssm"));
    assert!(!out.contains("tail-secret-value"), "no value in an event");
    let (ok, out, _) = tail(&["--data-dir", data_arg, "--no-follow", "--new"]);
    assert!(ok && out.is_empty(), "--new: nothing yet: {out}");

    // Following: only what arrives from now on.
    let mut follower = Command::new(TRENT)
        .args(["events", "tail", "--data-dir", data_arg, "--new", "--interval-ms", "50"])
        .env_remove("TRENT_DATA_DIR")
        .env_remove("TRENT_STORAGE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the follower");
    // It says on standard error when it has read to the outbox's end and follows from there.
    let mut announced = String::new();
    BufReader::new(follower.stderr.take().unwrap()).read_line(&mut announced).unwrap();
    assert!(announced.contains("following the outbox after position"), "{announced}");
    let stdout = follower.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    put("/tail/three");
    let line = rx.recv_timeout(Duration::from_secs(30)).expect("the follower printed the new event");
    follower.kill().unwrap();
    let _ = follower.wait();
    assert_eq!(names(&line), ["/tail/three"]);

    // The server delivered all three to its jsonl sink; tail --file prints that file.
    wait_for_lines(&file, 3);
    let (ok, out, err) = tail(&["--file", file.to_str().unwrap(), "--no-follow"]);
    assert!(ok, "{err}");
    assert_eq!(out, std::fs::read_to_string(&file).unwrap());
    assert_eq!(names(&out), ["/tail/one", "/tail/two", "/tail/three"]);
    assert!(server.terminate());

    let (ok, _, err) = tail(&["--data-dir", dir.path().join("none").to_str().unwrap(), "--no-follow"]);
    assert!(!ok && err.contains("does not exist"), "{err}");
    let (ok, _, err) = tail(&["--storage", "mysql://x", "--no-follow"]);
    assert!(!ok && err.contains("postgres://"), "{err}");
}
