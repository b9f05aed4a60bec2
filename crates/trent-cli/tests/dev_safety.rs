//! A development server's well-known credentials never reach persistent state, and the data
//! directory is private, end to end with the binary: `--dev` takes only directories a
//! development server created, a normal server refuses those, `--dev` listens on loopback
//! only, the reset refuses what a web page can send, and the data directory is `0700` with
//! every file in it `0600`.

#[path = "support/mod.rs"]
mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use support::{Server, refused};

fn arg(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).expect("metadata").permissions().mode() & 0o7777
}

/// Guards issue 8 #6: `--dev` (access key test/test) opened any `--data-dir` or
/// `TRENT_DATA_DIR`, a production directory included.
#[test]
fn dev_mode_refuses_a_directory_it_did_not_create() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prod = dir.path().join("prod");
    let server = Server::start_with(&["--data-dir", arg(&prod)]).expect("a normal server");
    assert!(server.terminate());
    let listing = |p: &Path| {
        let mut names: Vec<_> = std::fs::read_dir(p).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        names
    };
    let before = listing(&prod);
    for err in [
        refused(&["--dev", "--listen", "127.0.0.1:0", "--data-dir", arg(&prod)], &[]),
        refused(&["--dev", "--listen", "127.0.0.1:0"], &[("TRENT_DATA_DIR", &prod)]),
    ] {
        assert!(err.contains(arg(&prod)) && err.contains("not created by a development server"), "{err}");
    }
    assert_eq!(listing(&prod), before, "the refused directory was changed");
    assert!(!prod.join(trent_server::DEV_MARKER).exists());
    // A new directory is created and marked, and a development server may use it again.
    let devdir = dir.path().join("dev");
    for _ in 0..2 {
        let server = Server::start_with(&["--dev", "--data-dir", arg(&devdir)]).expect("a dev server");
        let (ok, _, err) = server.trent_as("test", "test", "us-east-1", &["list-keys"]);
        assert!(ok, "{err}");
        assert!(server.terminate());
    }
}

/// Guards issue 8 #6: a server without `--dev` opened a development server's directory, so
/// the test/test access key reached a production server.
#[test]
fn a_normal_server_refuses_a_development_servers_directory_and_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let devdir = dir.path().join("dev");
    let server = Server::start_with(&["--dev", "--data-dir", arg(&devdir)]).expect("a dev server");
    assert!(server.terminate());
    let err = refused(&["--listen", "127.0.0.1:0", "--data-dir", arg(&devdir)], &[]);
    assert!(err.contains(arg(&devdir)) && err.contains("created by a development server"), "{err}");
    // The database carries the mark too: copied without the marker file, it is still refused.
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o700)).unwrap();
    for entry in std::fs::read_dir(&devdir).unwrap() {
        let name = entry.unwrap().file_name();
        if name != trent_server::DEV_MARKER {
            std::fs::copy(devdir.join(&name), copy.join(&name)).unwrap();
        }
    }
    let err = refused(&["--listen", "127.0.0.1:0", "--data-dir", arg(&copy)], &[]);
    assert!(err.contains(arg(&copy)) && err.contains("created by a development server"), "{err}");
}

/// Guards issue 8 #6: `--dev` served its well-known credentials on any address.
#[test]
fn dev_mode_listens_on_loopback_only() {
    for extra in [&[][..], &["--dangerous-allow-plaintext-http"][..]] {
        let mut args = vec!["--dev", "--listen", "0.0.0.0:0"];
        args.extend_from_slice(extra);
        let err = refused(&args, &[]);
        assert!(err.contains("0.0.0.0:0") && err.contains("loopback only"), "{err}");
    }
}

/// Guards issue 8 #6: the unauthenticated reset could be triggered from a web page (a
/// cross-origin "simple" POST needs no preflight).
#[test]
fn a_cross_origin_text_plain_post_changes_nothing() {
    let server = Server::start_with(&["--dev"]).expect("a dev server");
    let test = |args: &[&str]| server.trent_as("test", "test", "us-east-1", args);
    let (ok, _, err) = test(&["create-key"]);
    assert!(ok, "{err}");
    let count = || {
        let (ok, out, err) = test(&["list-keys", "--output", "json"]);
        assert!(ok, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["Keys"].as_array().map(Vec::len)
    };
    let forged: [&[(&str, &str)]; 4] = [
        &[("Origin", "http://evil.example"), ("Content-Type", "text/plain;charset=UTF-8")],
        &[("Origin", "http://evil.example")],
        // Browsers that send no Origin on a form's POST still send its content type.
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &[("Content-Type", "multipart/form-data; boundary=b")],
    ];
    for path in ["/_trent/reset", "/moto-api/reset"] {
        for headers in forged {
            let (status, body) = server.post_with(path, headers, "x=1");
            assert_eq!(status, 403, "{path} {headers:?}: {body}");
            assert_eq!(count(), Some(1), "{path} {headers:?}: the forged reset wiped the server");
        }
    }
    // What test suites send still resets: no body (moto's `requests.post(url)`, the README's
    // urllib fixture), or JSON.
    let (status, body) = server.post_with("/moto-api/reset", &[("User-Agent", "python-requests/2.32")], "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(count(), Some(0));
    test(&["create-key"]);
    let (status, body) = server.post_with("/_trent/reset", &[("Content-Type", "application/json")], "{}");
    assert_eq!(status, 200, "{body}");
    assert_eq!(count(), Some(0));
    assert!(server.terminate());
}

/// Guards issue 8 #6: the databases (and SQLite's -wal and -shm files) were created with the
/// umask's mode (0644), and a data directory readable by others was used.
#[test]
fn the_data_directory_is_0700_and_every_file_in_it_0600() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let check_while_running = |data: &Path| {
        let server = Server::start_with(&["--data-dir", arg(data)]).expect("server");
        let (ok, _, err) = server.trent(data, &["create-key"]);
        assert!(ok, "{err}");
        assert_eq!(mode(data), 0o700);
        let mut names = Vec::new();
        for entry in std::fs::read_dir(data).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            names.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
        for name in ["root.key", "credentials", "trent.db", "trent.db-wal", "trent.db-shm", "audit.db-wal"] {
            assert!(names.iter().any(|n| n == name), "{name} missing from {names:?}");
        }
        assert!(server.terminate());
    };
    check_while_running(&data);
    // Files made readable by others (by hand, a backup tool, an older version) are fixed.
    for entry in std::fs::read_dir(&data).unwrap() {
        std::fs::set_permissions(entry.unwrap().path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    check_while_running(&data);
    // A directory others may read is refused, naming the path and the fix.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = refused(&["--listen", "127.0.0.1:0", "--data-dir", arg(&data)], &[]);
    assert!(err.contains(arg(&data)) && err.contains(&format!("chmod 700 {}", data.display())), "{err}");
    assert_eq!(mode(&data), 0o755, "the refused directory is left as it was");
}

/// Regression guard: the server process writes no core file (its limit is zero, soft and
/// hard) and is not dumpable, so a crash cannot put key material on disk.
#[test]
fn the_server_disables_core_dumps() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("data"));
    let pid = server.child.id();
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).expect("limits");
    let core = limits.lines().find(|l| l.starts_with("Max core file size")).expect("core limit line");
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "{core}");
    assert!(server.terminate());
}
