//! Shared by the seal and root key tests: unseal and status calls, bounded waits, a KMS client
//! and ciphertexts made before a change to check after it, and a SoftHSM2 token for the pkcs11
//! seal.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use trent_client::{ClientOptions, JsonClient, RetryPolicy};

use super::{Server, operator};

/// Where Debian's `softhsm2` package puts the module.
pub(crate) const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// One unseal call with `token` and `share`: (ok, stdout + stderr).
pub(crate) fn unseal(server: &Server, token: &str, share: &str) -> (bool, String) {
    let (ok, out, err) = operator(
        &["unseal", "--endpoint-url", &server.endpoint],
        &[("TRENT_OPERATOR_TOKEN", token)],
        &format!("{share}\n"),
    );
    (ok, out + &err)
}

/// The operator status of `server`.
pub(crate) fn status(server: &Server) -> Value {
    let (code, body) = server.get("/_trent/operator/status");
    assert_eq!(code, 200, "{body}");
    serde_json::from_str(&body).expect("status JSON")
}

/// A bounded wait, polled every 100 ms.
pub(crate) fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A KMS client on `server` that never retries, with the administrator's `credentials` file.
pub(crate) fn kms_client(server: &Server, credentials: &Path) -> JsonClient {
    let credentials = trent_client::from_file(credentials, "trent").expect("credentials");
    let options = ClientOptions { retry: RetryPolicy::none(), ..Default::default() };
    JsonClient::new(&server.endpoint, credentials, "us-east-1", "kms", "TrentService.", options).expect("client")
}

pub(crate) fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Makes `n` keys, each with a ciphertext: (ciphertext, plaintext) pairs.
pub(crate) async fn encrypt_some(kms: &JsonClient, n: usize) -> Vec<(String, String)> {
    let mut made = Vec::new();
    for i in 0..n {
        let key = kms.call("CreateKey", &json!({})).await.expect("CreateKey");
        let key = key["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
        let plain = format!("made before the rotation {i}");
        let blob = kms.call("Encrypt", &json!({"KeyId": key, "Plaintext": b64(&plain)})).await.expect("Encrypt");
        made.push((blob["CiphertextBlob"].as_str().unwrap().to_owned(), plain));
    }
    made
}

/// Every ciphertext of `made` decrypts to its plaintext.
pub(crate) async fn all_decrypt(kms: &JsonClient, made: &[(String, String)]) {
    for (blob, plain) in made {
        let out = kms.call("Decrypt", &json!({"CiphertextBlob": blob})).await.expect("Decrypt");
        assert_eq!(out["Plaintext"].as_str(), Some(b64(plain).as_str()));
    }
}

/// A SoftHSM2 token labelled `label` in `dir` and a `trent.toml` (`pkcs11.toml`) for the pkcs11
/// seal on it, with the environment a server needs; `None` after a loud skip when SoftHSM2 is
/// not installed (a failure under `CI=true`).
pub(crate) fn softhsm(dir: &Path, label: &str) -> Option<(PathBuf, Vec<(&'static str, PathBuf)>)> {
    let installed = Path::new(SOFTHSM).is_file() && Command::new("softhsm2-util").arg("--help").output().is_ok();
    if !installed {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but SoftHSM2 is not installed");
        eprintln!("\n!!!!!!!! SKIPPED: SoftHSM2 is not installed; this test did NOT run !!!!!!!!\n");
        return None;
    }
    let tokens = dir.join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(&conf, format!("directories.tokendir = {}\nobjectstore.backend = file\n", tokens.display()))
        .unwrap();
    let made = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--init-token", "--free", "--label", label, "--pin", "1234-user", "--so-pin", "5678-so"])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let config = dir.join("pkcs11.toml");
    std::fs::write(
        &config,
        format!(
            "[quotas]\nenabled = false\n\n[seal]\ntype = \"pkcs11\"\n\n[seal.pkcs11]\nmodule = \"{SOFTHSM}\"\ntoken_label = \"{label}\"\n\
             key_label = \"root-wrap\"\npin_env = \"TRENT_TEST_PIN\"\n"
        ),
    )
    .unwrap();
    Some((config, vec![("SOFTHSM2_CONF", conf), ("TRENT_TEST_PIN", PathBuf::from("1234-user"))]))
}
