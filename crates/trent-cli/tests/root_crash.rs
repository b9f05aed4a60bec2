//! `trent operator rotate-root` killed with SIGKILL in the middle, and `trent operator rekey`
//! killed at random moments: afterwards every ciphertext made before still decrypts.
//!
//! The rotation test starts a server on the file seal (so that it knows the first root key's
//! bytes), makes keys of every kind (symmetric with rotated versions, HMAC, RSA, ECC),
//! ciphertexts, MACs, signatures and secrets, then moves the root key into a SoftHSM2 token
//! (`rekey --to pkcs11`) and starts the server on the pkcs11 seal. `rotate-root` runs with a
//! batch of 2 values and a pause between batches, so that the middle can be seen: the test
//! polls `trent operator status` until some values were wrapped again, kills the server,
//! restarts it, and waits for the rotation to finish by itself. Then every ciphertext decrypts,
//! every MAC and signature verifies, every secret reads back, `trent audit verify` passes,
//! every stored backing key and credential records root generation 2, and a scan of the data
//! directory finds the first root key's bytes (raw or hex) nowhere. It runs with SQLite, and
//! with PostgreSQL storage when `TRENT_TEST_POSTGRES_URL` is set.

#[path = "../../trent-store/tests/support/postgres.rs"]
mod postgres;
#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::{Connection, PgConnection, Row, SqliteConnection};
use trent_client::{ClientOptions, JsonClient, RetryPolicy};

use postgres::TestSchema;
use support::seals::{b64, softhsm, status, wait_until};
use support::{Server, TRENT};

/// Runs the binary with `args` and `env`; (ok, stdout, stderr).
fn trent(args: &[&str], env: &[(&str, PathBuf)]) -> (bool, String, String) {
    let out = Command::new(TRENT)
        .args(args)
        .env_remove("TRENT_CONFIG")
        .env_remove("TRENT_DATA_DIR")
        .env_remove("AWS_ENDPOINT_URL")
        .envs(env.iter().map(|(k, v)| (*k, v.as_os_str())))
        .output()
        .expect("run trent");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

struct Api {
    kms: JsonClient,
    secrets: JsonClient,
}

impl Api {
    fn new(server: &Server, data: &Path) -> Api {
        let options = ClientOptions { retry: RetryPolicy::none(), ..Default::default() };
        let client = |service, prefix| {
            let credentials = trent_client::from_file(&data.join("credentials"), "trent").expect("credentials");
            JsonClient::new(&server.endpoint, credentials, "us-east-1", service, prefix, options.clone())
                .expect("client")
        };
        Api { kms: client("kms", "TrentService."), secrets: client("secretsmanager", "secretsmanager.") }
    }

    async fn kms(&self, operation: &str, body: Value) -> Value {
        self.kms.call(operation, &body).await.unwrap_or_else(|e| panic!("{operation}: {e}"))
    }

    async fn sm(&self, operation: &str, body: Value) -> Value {
        self.secrets.call(operation, &body).await.unwrap_or_else(|e| panic!("{operation}: {e}"))
    }
}

/// What was made before the rotation, to check after it.
#[derive(Default)]
struct Made {
    /// (ciphertext, plaintext) of symmetric keys.
    ciphertexts: Vec<(String, String)>,
    /// (key id, algorithm, message, MAC) of HMAC keys.
    macs: Vec<(String, &'static str, String, String)>,
    /// (key id, algorithm, message, signature) of asymmetric keys.
    signatures: Vec<(String, &'static str, String, String)>,
    /// (secret name, value).
    secrets: Vec<(String, String)>,
}

async fn make_data(api: &Api) -> Made {
    let mut made = Made::default();
    for i in 0..12 {
        let key = api.kms("CreateKey", json!({})).await["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
        for round in 0..2 {
            let plain = format!("plaintext {i}.{round}");
            let blob = api.kms("Encrypt", json!({"KeyId": key, "Plaintext": b64(&plain)})).await;
            made.ciphertexts.push((blob["CiphertextBlob"].as_str().unwrap().to_owned(), plain));
            if i % 3 == 0 {
                api.kms("RotateKeyOnDemand", json!({"KeyId": key})).await;
            }
        }
    }
    for (spec, algorithm) in [("HMAC_256", "HMAC_SHA_256"), ("HMAC_512", "HMAC_SHA_512")] {
        let key = api.kms("CreateKey", json!({"KeySpec": spec, "KeyUsage": "GENERATE_VERIFY_MAC"})).await;
        let key = key["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
        let message = format!("mac message {spec}");
        let mac =
            api.kms("GenerateMac", json!({"KeyId": key, "Message": b64(&message), "MacAlgorithm": algorithm})).await;
        made.macs.push((key, algorithm, message, mac["Mac"].as_str().unwrap().to_owned()));
    }
    for (spec, algorithm) in [("RSA_2048", "RSASSA_PSS_SHA_256"), ("ECC_NIST_P256", "ECDSA_SHA_256")] {
        let key = api.kms("CreateKey", json!({"KeySpec": spec, "KeyUsage": "SIGN_VERIFY"})).await;
        let key = key["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
        let message = format!("signed message {spec}");
        let body = json!({"KeyId": key, "Message": b64(&message), "SigningAlgorithm": algorithm});
        let signature = api.kms("Sign", body).await["Signature"].as_str().unwrap().to_owned();
        made.signatures.push((key, algorithm, message, signature));
    }
    for i in 0..6 {
        let (name, value) = (format!("root-crash/{i}"), format!("secret value {i}"));
        api.sm("CreateSecret", json!({"Name": name, "SecretString": value})).await;
        made.secrets.push((name, value));
    }
    made
}

async fn check_data(api: &Api, made: &Made) {
    for (blob, plain) in &made.ciphertexts {
        let out = api.kms("Decrypt", json!({"CiphertextBlob": blob})).await;
        assert_eq!(out["Plaintext"].as_str(), Some(b64(plain).as_str()));
    }
    for (key, algorithm, message, mac) in &made.macs {
        let body = json!({"KeyId": key, "Message": b64(message), "MacAlgorithm": algorithm, "Mac": mac});
        assert_eq!(api.kms("VerifyMac", body).await["MacValid"], true);
    }
    for (key, algorithm, message, signature) in &made.signatures {
        let body =
            json!({"KeyId": key, "Message": b64(message), "SigningAlgorithm": algorithm, "Signature": signature});
        assert_eq!(api.kms("Verify", body).await["SignatureValid"], true);
    }
    for (name, value) in &made.secrets {
        assert_eq!(
            api.sm("GetSecretValue", json!({"SecretId": name})).await["SecretString"].as_str(),
            Some(value.as_str())
        );
    }
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_holding(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if std::fs::read(&path).unwrap().windows(needle.len()).any(|w| w == needle) {
            found.push(path);
        }
    }
    found
}

fn hex_decode(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_root_killed_in_the_middle_finishes_after_a_restart_and_everything_still_decrypts() {
    killed_in_the_middle(None).await;
}

/// The same with the server's storage on PostgreSQL (`TRENT_TEST_POSTGRES_URL`; skipped loudly
/// without it, a failure under `CI=true`): the batches, the record and the finish go through
/// the PostgreSQL store; the rotating node waits one full-check interval before its first batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_root_on_postgresql_killed_in_the_middle_finishes_after_a_restart() {
    let Some(schema) = TestSchema::new("rotate_root_on_postgresql_killed_in_the_middle").await else { return };
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    killed_in_the_middle(Some(&url)).await;
}

/// The wrapped values of `kms_key_materials` and `access_keys` in `storage` (the data
/// directory's SQLite database when `None`).
async fn wrapped_values(data: &Path, storage: Option<&str>) -> Vec<(&'static str, Vec<u8>)> {
    let queries = [
        ("kms_key_materials", "SELECT wrapped FROM kms_key_materials"),
        ("access_keys", "SELECT secret_wrapped FROM access_keys"),
    ];
    let mut values = Vec::new();
    match storage {
        None => {
            let url = format!("sqlite://{}?mode=ro", data.join("trent.db").display());
            let mut db = SqliteConnection::connect(&url).await.unwrap();
            for (table, query) in queries {
                for row in sqlx::query(query).fetch_all(&mut db).await.unwrap() {
                    values.push((table, row.get(0)));
                }
            }
            db.close().await.unwrap();
        }
        Some(url) => {
            let mut db = PgConnection::connect(url).await.unwrap();
            for (table, query) in queries {
                for row in sqlx::query(query).fetch_all(&mut db).await.unwrap() {
                    values.push((table, row.get(0)));
                }
            }
            db.close().await.unwrap();
        }
    }
    values
}

async fn killed_in_the_middle(storage: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let Some((config, hsm_env)) = softhsm(dir.path(), "root-crash") else { return };
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let config_arg = config.to_str().unwrap();

    // The first root key, on the file seal, and the data made under it (no request quotas:
    // the load is the test's).
    let file_config = dir.path().join("file.toml");
    std::fs::write(&file_config, "[quotas]\nenabled = false\n").unwrap();
    let storage_args = match storage {
        Some(url) => vec!["--storage", url],
        None => Vec::new(),
    };
    let file_args = [&["--config", file_config.to_str().unwrap(), "--data-dir", data_arg][..], &storage_args].concat();
    let server = Server::start_with(&file_args).expect("file seal start");
    let old_hex = std::fs::read_to_string(data.join("root.key")).unwrap().trim().to_owned();
    let old_raw = hex_decode(&old_hex);
    let made = make_data(&Api::new(&server, &data)).await;
    assert!(server.terminate());
    let (ok, out, err) =
        trent(&["operator", "rekey", "--data-dir", data_arg, "--to", "pkcs11", "--to-config", config_arg], &hsm_env);
    assert!(ok && out.contains("to the pkcs11 seal"), "{out}{err}");

    let env: Vec<(&str, &Path)> = hsm_env.iter().map(|(k, v)| (*k, v.as_path())).collect();
    let pkcs11_args = [&["--config", config_arg, "--data-dir", data_arg][..], &storage_args].concat();
    let start = || Server::start_with_env(&pkcs11_args, &env).expect("pkcs11 start");
    let mut server = start();
    assert_eq!(status(&server)["Root"]["Generation"], 1);
    let args = [
        "operator",
        "rotate-root",
        "--batch-size",
        "2",
        "--pause-ms",
        "250",
        "--no-wait",
        "--endpoint-url",
        &server.endpoint,
        "--data-dir",
        data_arg,
    ];
    let (ok, out, err) = trent(&args, &[]);
    assert!(ok && out.contains("generation 1 to 2"), "{out}{err}");
    // A second rotation is refused while this one runs.
    let (ok, _, err) = trent(&args, &[]);
    assert!(!ok && err.contains("InvalidStateException"), "{err}");
    // The middle: some values wrapped again, not all. The server still serves.
    wait_until("some values are wrapped again", Duration::from_secs(60), || {
        status(&server)["Root"]["Rotation"]["Rewrapped"].as_u64().unwrap_or(0) >= 6
    });
    let middle = status(&server);
    assert_eq!(middle["Root"]["Generation"], 2, "new values are wrapped under the new root: {middle}");
    assert!(middle["Root"]["Rotation"]["Table"].is_string(), "{middle}");
    let during = Api::new(&server, &data);
    let key = during.kms("CreateKey", json!({})).await["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let blob = during.kms("Encrypt", json!({"KeyId": key, "Plaintext": b64("made during")})).await;
    let mut made = made;
    made.ciphertexts.push((blob["CiphertextBlob"].as_str().unwrap().to_owned(), "made during".to_owned()));
    check_data(&during, &made).await;

    server.child.kill().expect("SIGKILL the server");
    server.child.wait().expect("reap the server");
    assert!(data.join("root.pkcs11.rotate").exists(), "the new root was sealed before the first batch");

    let server = start();
    wait_until("the rotation finishes after the restart", Duration::from_secs(120), || {
        status(&server)["Root"].get("Rotation").is_none()
    });
    assert_eq!(status(&server)["Root"]["Generation"], 2);
    assert!(!data.join("root.pkcs11.rotate").exists(), "the new root's seal file is in place");
    let api = Api::new(&server, &data);
    check_data(&api, &made).await;
    assert!(server.terminate());

    // Started again, the seal releases the new root and everything still decrypts.
    let server = start();
    check_data(&Api::new(&server, &data), &made).await;
    assert!(server.terminate());

    let verify = match storage {
        None => trent(&["audit", "verify", "--data-dir", data_arg], &[]),
        Some(url) => trent(&["audit", "verify", "--storage", url, "--data-dir", "/nonexistent"], &[]),
    };
    assert!(verify.0, "trent audit verify: {}{}", verify.1, verify.2);

    // Every wrapped value records generation 2.
    let values = wrapped_values(&data, storage).await;
    for table in ["kms_key_materials", "access_keys"] {
        assert!(values.iter().any(|(t, _)| *t == table), "{table} has values");
    }
    for (table, wrapped) in &values {
        assert_eq!(&wrapped[..5], &[2, 0, 0, 0, 2], "{table}: generation 2");
    }

    // The first root key is nowhere in the data directory, raw or in hex.
    for needle in [old_raw.clone(), old_hex.as_bytes().to_vec(), old_hex.to_uppercase().into_bytes()] {
        assert_eq!(files_holding(&data, &needle), Vec::<PathBuf>::new(), "the old root key's bytes");
    }
}

/// Regression guard for the rekey journal: a `trent operator rekey` between the file and the
/// passphrase seals, killed with SIGKILL at a random moment of its run (from before it has
/// read the old seal to after it has removed the journal), leaves a data directory that
/// exactly one of the two seal configurations starts, and that one decrypts the ciphertext
/// made first. Which one is the old seal until the rename of the new seal's file (the commit
/// point), the new one after it.
#[test]
fn rekey_killed_at_any_moment_leaves_exactly_one_seal_that_opens() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let server = Server::start(&data);
    let (ok, key, err) = server.trent(&data, &["create-key", "--output", "json"]);
    assert!(ok, "{err}");
    let key: Value = serde_json::from_str(&key).unwrap();
    let key = key["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let (ok, blob, err) = server.trent(&data, &["encrypt", "--key-id", &key, "--plaintext", "kept"]);
    assert!(ok, "{err}");
    let blob = blob.trim().to_owned();
    assert!(server.terminate());

    let passphrase = "a long passphrase for the crash test";
    let config = dir.path().join("passphrase.toml");
    std::fs::write(&config, "[seal]\ntype = \"passphrase\"\npassphrase_env = \"TRENT_TEST_SEAL_PASSPHRASE\"\n")
        .unwrap();
    let config_arg = config.to_str().unwrap();
    let server_env = [("TRENT_TEST_SEAL_PASSPHRASE", Path::new(passphrase))];
    let starts = |passphrase_seal: bool| -> Option<Server> {
        let started = if passphrase_seal {
            Server::start_with_env(&["--config", config_arg, "--data-dir", data_arg], &server_env)
        } else {
            Server::start_with(&["--data-dir", data_arg])
        };
        started.ok()
    };

    let mut full_run = Duration::ZERO;
    let (mut old_kept, mut new_kept) = (0, 0);
    let mut passphrase_seal = false;
    for round in 0..8_u32 {
        let to = if passphrase_seal { "file" } else { "passphrase" };
        let mut rekey = Command::new(TRENT);
        rekey
            .args(["operator", "rekey", "--data-dir", data_arg, "--to", to])
            .args(["--passphrase-env", "PHRASE", "--new-passphrase-env", "PHRASE"])
            .env("PHRASE", passphrase)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let started = Instant::now();
        let mut child = rekey.spawn().expect("spawn rekey");
        if round == 0 {
            // One whole run first: how long a rekey takes on this machine.
            assert!(child.wait().unwrap().success(), "the first rekey succeeds");
            full_run = started.elapsed();
        } else {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
            let delay = full_run.mul_f64(f64::from(nanos % 1000) / 800.0);
            std::thread::sleep(delay);
            let _ = child.kill();
            let _ = child.wait();
        }
        // Exactly one of the two configurations starts the server.
        let server = match starts(passphrase_seal) {
            Some(server) => {
                old_kept += 1;
                server
            }
            None => {
                let server = starts(!passphrase_seal)
                    .unwrap_or_else(|| panic!("round {round}: neither seal configuration starts the server"));
                new_kept += 1;
                passphrase_seal = !passphrase_seal;
                server
            }
        };
        let (ok, plain, err) = server.trent(&data, &["decrypt", "--ciphertext", &blob]);
        assert!(ok && plain == "kept", "round {round}: {plain}{err}");
        assert!(server.terminate());
        if let Some(other) = starts(!passphrase_seal) {
            other.terminate();
            panic!("round {round}: both seal configurations start the server");
        }
        assert!(!data.join("root.rekey").exists(), "the start settled the journal");
    }
    eprintln!("rekey killed: the old seal kept {old_kept} times, the new one {new_kept} times (full run {full_run:?})");
}
