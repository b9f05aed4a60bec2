//! `trent operator rotate-root` on two real `trent server` processes sharing one PostgreSQL
//! schema (`TRENT_TEST_POSTGRES_URL`; skipped loudly without it, a failure under `CI=true`) and
//! one root of trust (the first node's `root.key`, copied). The rotation runs on one node; the
//! other takes up the new root at its full check (within `FULL_CHECK_INTERVAL`, 30 s) before
//! the rotating node wraps the first value under it, keeps serving every key throughout, and
//! puts the new root's seal file in place when the rotation has finished. Afterwards both
//! nodes' `root.key` hold the same new root, both decrypt everything made before, a restart of
//! the other node starts on the new root, and the audit chains verify.

#[path = "../../trent-store/tests/support/postgres.rs"]
mod postgres;
mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use trent_client::{ClientOptions, JsonClient, RetryPolicy};

use postgres::TestSchema;
use support::{Server, TRENT};

fn private_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod 700");
    std::fs::write(dir.path().join("trent.toml"), "[quotas]\nenabled = false\n").expect("trent.toml");
    dir
}

fn start(dir: &Path, url: &str) -> Server {
    let path = dir.to_str().expect("utf-8 path");
    Server::start_with(&["--data-dir", path, "--storage", url]).expect("a node starts")
}

fn kms(server: &Server, dir: &Path) -> JsonClient {
    let options = ClientOptions { retry: RetryPolicy::none(), ..Default::default() };
    let creds = trent_client::from_file(&dir.join("credentials"), "trent").expect("credentials");
    JsonClient::new(&server.endpoint, creds, "us-east-1", "kms", "TrentService.", options).expect("client")
}

fn status(server: &Server) -> Value {
    let (code, body) = server.get("/_trent/operator/status");
    assert_eq!(code, 200, "{body}");
    serde_json::from_str(&body).expect("status JSON")
}

async fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn decrypts_all(client: &JsonClient, made: &[(String, String)]) {
    for (blob, plain) in made {
        let out = client.call("Decrypt", &json!({"CiphertextBlob": blob})).await.expect("Decrypt");
        assert_eq!(out["Plaintext"].as_str(), Some(plain.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_root_on_one_node_is_taken_up_by_the_other() {
    let Some(schema) = TestSchema::new("rotate_root_on_one_node_is_taken_up_by_the_other").await else { return };
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    let (a_dir, b_dir) = (private_dir(), private_dir());
    let a = start(a_dir.path(), &url);
    for file in ["root.key", "credentials"] {
        std::fs::copy(a_dir.path().join(file), b_dir.path().join(file)).expect("copy the seal");
    }
    let b = start(b_dir.path(), &url);
    let old_root = std::fs::read_to_string(a_dir.path().join("root.key")).unwrap();
    let (a_kms, b_kms) = (kms(&a, a_dir.path()), kms(&b, b_dir.path()));

    let mut made = Vec::new();
    for i in 0..10 {
        let key = a_kms.call("CreateKey", &json!({})).await.expect("CreateKey");
        let key = key["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
        let plain = base64::engine::general_purpose::STANDARD.encode(format!("made before {i}"));
        let blob = a_kms.call("Encrypt", &json!({"KeyId": key, "Plaintext": plain})).await.expect("Encrypt");
        made.push((blob["CiphertextBlob"].as_str().unwrap().to_owned(), plain));
    }

    let a_data = a_dir.path().to_str().unwrap();
    let out = Command::new(TRENT)
        .args(["operator", "rotate-root", "--batch-size", "3", "--no-wait", "--endpoint-url", &a.endpoint])
        .args(["--data-dir", a_data])
        .output()
        .expect("run rotate-root");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The other node takes up the new root before any value is wrapped under it, and both
    // keep serving every key meanwhile.
    wait_until("the other node takes up the new root", Duration::from_secs(45), || {
        status(&b)["Root"]["Generation"] == 2
    })
    .await;
    decrypts_all(&b_kms, &made).await;
    assert!(b_dir.path().join("root.key.rotate").exists(), "the other node sealed the new root too");
    wait_until("the rotation finishes", Duration::from_secs(120), || status(&a)["Root"].get("Rotation").is_none())
        .await;
    wait_until("the other node sees it finished", Duration::from_secs(45), || {
        status(&b)["Root"].get("Rotation").is_none()
    })
    .await;
    decrypts_all(&a_kms, &made).await;
    decrypts_all(&b_kms, &made).await;

    let (a_root, b_root) = (
        std::fs::read_to_string(a_dir.path().join("root.key")).unwrap(),
        std::fs::read_to_string(b_dir.path().join("root.key")).unwrap(),
    );
    assert_eq!(a_root, b_root, "both nodes hold the new root");
    assert_ne!(a_root, old_root, "the root key changed");
    assert!(!a_dir.path().join("root.key.rotate").exists() && !b_dir.path().join("root.key.rotate").exists());

    assert!(b.terminate());
    let b = start(b_dir.path(), &url);
    decrypts_all(&kms(&b, b_dir.path()), &made).await;
    assert!(a.terminate() && b.terminate());

    let verified = Command::new(TRENT)
        .args(["audit", "verify", "--storage", &url, "--data-dir", "/nonexistent"])
        .output()
        .expect("run trent audit verify");
    assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stderr));
}
