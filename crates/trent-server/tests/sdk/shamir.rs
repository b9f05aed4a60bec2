//! The Shamir seal end to end: `init` makes five shares of which three unseal; a started
//! server is sealed (every AWS call gets a 503 naming the state, `/ready` says sealed) until
//! three distinct shares arrive over the operator API, authenticated by the operator token;
//! forged, repeated and unauthenticated shares are refused; sealing drops the services; a
//! restarted server is sealed again and decrypts, once unsealed, what it made before; and
//! the data directory never holds the root key.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use aws_sdk_kms::Client;
use aws_sdk_kms::config::{BehaviorVersion, Region};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use trent_core::ManualClock;
use trent_server::seal::{Initialised, ShamirSeal, init_shamir, shamir_path};
use trent_server::{Config, Gate, RawConfig, RawSeal};

use crate::common::blob;

/// A sealed or serving server on a loopback port.
pub(crate) struct Running {
    gate: Arc<Gate>,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(config: &Config) -> Running {
    let (running, first_start) = open(config).await;
    assert!(!first_start, "a sealed server creates nothing before it is unsealed");
    running
}

/// Starts a server with any seal; says whether this start was the first (credentials made).
pub(crate) async fn open(config: &Config) -> (Running, bool) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (gate, first) = Gate::open(config.clone(), Arc::new(ManualClock::starting_now()), addr).await.expect("start");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(trent_server::run_gate(listener, gate.clone(), async {
        let _ = stopped.await;
    }));
    (Running { gate, addr, stop: Some(stop), task }, first.is_some())
}

impl Running {
    pub(crate) async fn stop(mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        self.task.await.unwrap().unwrap();
    }

    /// The server's `http://` endpoint.
    pub(crate) fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// One raw HTTP/1.1 request: status and body.
    pub(crate) async fn http(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
        let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        let status = answer[9..12].parse().unwrap();
        let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
        (status, body)
    }

    pub(crate) async fn kms_call(&self) -> (u16, serde_json::Value) {
        let headers = [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "TrentService.ListKeys")];
        let (status, body) = self.http("POST", "/", &headers, "{}").await;
        (status, serde_json::from_str(&body).unwrap())
    }

    pub(crate) async fn unseal(&self, token: &str, share: &str) -> (u16, serde_json::Value) {
        let auth = format!("Bearer {token}");
        let body = serde_json::json!({ "Share": share }).to_string();
        let (status, body) = self.http("POST", "/_trent/operator/unseal", &[("Authorization", &auth)], &body).await;
        (status, serde_json::from_str(&body).unwrap())
    }

    async fn seal(&self, token: &str) -> (u16, serde_json::Value) {
        let auth = format!("Bearer {token}");
        let (status, body) = self.http("POST", "/_trent/operator/seal", &[("Authorization", &auth)], "{}").await;
        (status, serde_json::from_str(&body).unwrap())
    }

    pub(crate) fn client(&self, data_dir: &Path) -> Client {
        let text = std::fs::read_to_string(data_dir.join("credentials")).unwrap();
        let value = |name: &str| {
            text.lines().find_map(|l| l.split_once('=').filter(|(k, _)| k.trim() == name)).unwrap().1.trim().to_owned()
        };
        let creds = aws_credential_types::Credentials::new(
            value("aws_access_key_id"),
            value("aws_secret_access_key"),
            None,
            None,
            "shamir-test",
        );
        let conf = aws_sdk_kms::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(creds)
            .retry_config(aws_sdk_kms::config::retry::RetryConfig::disabled())
            .endpoint_url(format!("http://{}", self.addr));
        Client::from_conf(conf.build())
    }
}

/// `trent operator init` on a new data directory.
fn initialise(data_dir: &Path) -> Initialised {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new().mode(0o700).create(data_dir).unwrap();
    init_shamir(&shamir_path(data_dir), 5, 3).unwrap()
}

fn shamir_config(data_dir: &Path) -> Config {
    RawConfig {
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(data_dir.to_owned()),
        seal: Some(RawSeal { kind: Some("shamir".into()), ..RawSeal::default() }),
        ..RawConfig::default()
    }
    .resolve(None)
    .unwrap()
}

async fn assert_sealed(server: &Running, progress: u64) {
    let (status, body) = server.kms_call().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["__type"], "ServiceUnavailableException");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("sealed") && message.contains(&format!("{progress} of 3")), "{message}");
    assert_eq!(server.http("GET", "/ready", &[], "").await, (503, "sealed".to_owned()));
    assert_eq!(server.http("GET", "/health", &[], "").await.0, 200);
    let (status, body) = server.http("GET", "/_trent/operator/status", &[], "").await;
    assert_eq!(status, 200);
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        status,
        serde_json::json!({"Sealed": true, "Seal": "shamir", "Threshold": 3, "Shares": 5, "Progress": progress})
    );
}

/// Regression guard: init, start sealed, unseal with k shares, seal, unseal, restart, decrypt.
#[tokio::test]
async fn a_shamir_sealed_server_unseals_with_three_of_five_shares_and_decrypts_after_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let made = initialise(&data);
    let token = made.operator_token.as_str();
    let share = |i: usize| made.shares[i].as_str();
    let config = shamir_config(&data);

    let server = start(&config).await;
    assert_sealed(&server, 0).await;
    assert!(!data.join("trent.db").exists(), "nothing is opened before the unseal");
    // An awsQuery caller gets its own protocol's 503.
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let (status, xml) = server.http("POST", "/", &form, "Action=ListUsers&Version=2010-05-08").await;
    assert_eq!(status, 503);
    assert!(xml.contains("<Code>ServiceUnavailable</Code>") && xml.contains("sealed"), "{xml}");

    // Unauthenticated, forged, malformed and repeated shares do not count.
    let (status, body) = server.unseal("trent-operator-v1-00", share(0)).await;
    assert_eq!((status, body["__type"].as_str()), (403, Some("AccessDeniedException")));
    let mut forged = share(0).to_owned();
    let last = forged.pop().unwrap();
    forged.push(if last == 'a' { 'b' } else { 'a' });
    let (status, body) = server.unseal(token, &forged).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("InvalidShareException")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("not one of this seal's shares"));
    assert_eq!(server.unseal(token, "no share").await.0, 400);
    assert_sealed(&server, 0).await;
    let (status, body) = server.unseal(token, share(0)).await;
    assert_eq!((status, &body["Progress"], &body["Sealed"]), (200, &1.into(), &true.into()), "{body}");
    let (status, body) = server.unseal(token, share(0)).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("InvalidShareException")));
    assert!(body["message"].as_str().unwrap().contains("given already"));
    assert_eq!(server.unseal(token, share(2)).await.1["Progress"], 2);
    assert_sealed(&server, 2).await;
    let (status, body) = server.unseal(token, share(4)).await;
    assert_eq!((status, &body["Sealed"]), (200, &false.into()), "{body}");

    // Serving: the first start happened at the unseal.
    assert_eq!(server.http("GET", "/ready", &[], "").await.0, 200);
    let kms = server.client(&data);
    let key = kms.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let made_before = kms.encrypt().key_id(&key).plaintext(blob(b"made while unsealed")).send().await.unwrap();
    let ciphertext = made_before.ciphertext_blob().unwrap().clone();
    assert_eq!(server.unseal(token, share(1)).await.0, 409, "unseal of a serving server");

    // Seal at runtime: calls are refused again; another three shares unseal it.
    assert_eq!(server.seal("wrong").await.0, 403);
    let (status, body) = server.seal(token).await;
    assert_eq!((status, &body["Sealed"]), (200, &true.into()), "{body}");
    assert!(server.gate.state().is_none(), "the services are dropped");
    assert_sealed(&server, 0).await;
    for i in [1, 3, 4] {
        server.unseal(token, share(i)).await;
    }
    let opened = kms.decrypt().ciphertext_blob(ciphertext.clone()).send().await.unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"made while unsealed");
    server.stop().await;

    // A restart is sealed again; a different three shares unseal it and old data decrypts.
    let server = start(&config).await;
    assert_sealed(&server, 0).await;
    for i in [4, 1, 2] {
        server.unseal(token, share(i)).await;
    }
    let opened = server.client(&data).decrypt().ciphertext_blob(ciphertext).send().await.unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"made while unsealed");
    server.stop().await;

    // No root key bytes (raw or hex) anywhere in the data directory.
    let seal = ShamirSeal::load(&shamir_path(&data)).unwrap();
    let shares: Vec<_> = (0..3).map(|i| seal.parse_share(share(i)).unwrap()).collect();
    let raw = trent_crypto::shamir_combine(&shares).unwrap();
    let needles = [raw.clone(), hex::encode(&raw).into_bytes(), hex::encode_upper(&raw).into_bytes()];
    let mut dirs = vec![data.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            // A file removed between the listing and the read (a database's journal) holds nothing.
            let bytes = match std::fs::read(&path) {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => panic!("{}: {e}", path.display()),
            };
            for needle in &needles {
                assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_slice()), "root key in {}", path.display());
            }
        }
    }
}

/// Regression guard: the shamir seal refuses a directory of another seal, and one never
/// initialised says how to initialise it.
#[tokio::test]
async fn the_shamir_seal_refuses_other_seals_and_an_uninitialised_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let error = |config: Config| async move {
        match Gate::open(config, Arc::new(ManualClock::starting_now()), "127.0.0.1:9".parse().unwrap()).await {
            Err(e) => e.to_string(),
            Ok(_) => panic!("started"),
        }
    };
    let e = error(shamir_config(&data)).await;
    assert!(e.contains("root.shamir") && e.contains("trent operator init"), "{e}");
    std::fs::write(data.join("root.key"), "00".repeat(32)).unwrap();
    let e = error(shamir_config(&data)).await;
    assert!(e.contains("root.key") && e.contains("type is shamir"), "{e}");
    // And a shamir directory is refused by the file seal, which creates no root.key in it.
    let other = tmp.path().join("other");
    initialise(&other);
    let file = RawConfig { data_dir: Some(other.clone()), ..RawConfig::default() }.resolve(None).unwrap();
    let e = error(file).await;
    assert!(e.contains("root.shamir") && e.contains("type is file"), "{e}");
    assert!(!other.join("root.key").exists());
}
