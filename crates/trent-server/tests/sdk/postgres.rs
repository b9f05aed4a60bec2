//! A server on PostgreSQL storage, started from the example of `docs/configuration.md`
//! ("PostgreSQL storage") with the test database of `TRENT_TEST_POSTGRES_URL` (a fresh schema
//! per test; without the variable the test says loudly that it is skipped, and under `CI=true`
//! fails), driven by `aws-sdk-kms` and `aws-sdk-ssm`: what it stores survives a restart,
//! nothing of it is in the data directory (every store is in the database) and its audit trail
//! verifies.

use trent_server::{RawConfig, Storage, StorageSetting};
use trent_store::{PgSettings, PgStore};

use crate::common::{TestServer, blob};
use crate::configuration_doc::example;
use crate::support::TestSchema;

/// The documented example, as `trent server` reads it.
fn documented() -> RawConfig {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trent.toml");
    std::fs::write(&path, example("postgres")).unwrap();
    RawConfig::from_file(&path).expect("the example is a valid trent.toml")
}

/// The test schema as a `storage` URL.
fn storage_url(schema: &TestSchema) -> String {
    assert!(!schema.url().contains('?'), "TRENT_TEST_POSTGRES_URL without a query");
    format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_postgres_example_serves_kms() {
    let raw = documented();
    // The page's own URL is a valid PostgreSQL storage setting.
    let dir = tempfile::tempdir().unwrap();
    let resolved = RawConfig { data_dir: Some(dir.path().to_owned()), ..raw.clone() }.resolve(None).expect("valid");
    assert!(matches!(resolved.storage, Storage::Postgres(_)), "{:?}", resolved.storage);
    let storage = format!("{:?}", resolved.storage);
    assert!(!storage.contains("secret") && storage.contains("db.internal"), "no password in its Debug: {storage}");
    assert!(!format!("{resolved:?}").contains("secret@"), "nor in the configuration's");
    assert!(!format!("{raw:?}").contains("secret@"), "nor in the raw setting's");

    let Some(schema) = TestSchema::new("the_documented_postgres_example_serves_kms").await else { return };
    let url = storage_url(&schema);
    let server = TestServer::start_with(RawConfig { storage: Some(StorageSetting::new(url.clone())), ..raw }).await;
    let kms = server.client();
    let key = kms.create_key().description("on PostgreSQL").send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();
    let ssm = server.ssm(&server.admin_creds());
    let secure = aws_sdk_ssm::types::ParameterType::SecureString;
    let put = ssm.put_parameter().name("/app/db/password").value("in postgres").r#type(secure).send().await;
    assert_eq!(put.expect("put a SecureString").version(), 1);
    // Every store is in the database: the data directory has no SQLite database at all.
    let files: Vec<_> = std::fs::read_dir(server.data_dir()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(
        files.iter().all(|f| !f.to_string_lossy().ends_with(".db")),
        "no SQLite database beside PostgreSQL: {files:?}"
    );
    let sealed = kms.encrypt().key_id(&key_id).plaintext(blob(b"stored in postgres")).send().await.unwrap();
    let ciphertext = sealed.ciphertext_blob().unwrap().clone();
    let opened = kms.decrypt().ciphertext_blob(ciphertext.clone()).send().await.unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"stored in postgres");
    let public_key = server.state.audit.public_key();

    let mut server = server.restart().await;
    let kms = server.client();
    let again = kms.decrypt().ciphertext_blob(ciphertext).send().await.unwrap();
    assert_eq!(again.plaintext().unwrap().as_ref(), b"stored in postgres");
    assert_eq!(again.key_id(), Some(server.key_arn(&key_id).await.as_str()));
    let listed = kms.list_keys().send().await.unwrap();
    assert!(listed.keys().iter().any(|k| k.key_id() == Some(key_id.as_str())));
    assert_eq!(server.state.audit.public_key(), public_key, "the trail's signing key is kept");
    let ssm = server.ssm(&server.admin_creds());
    let got = ssm.get_parameter().name("/app/db/password").with_decryption(true).send().await.expect("get");
    assert_eq!(got.parameter().and_then(|p| p.value()), Some("in postgres"), "the parameter is in the database");
    server.shutdown().await;

    // The trail in the database verifies under the server's key, and holds every call.
    let settings = PgSettings::from_url(&url).expect("url");
    let store = PgStore::open(&settings).await.expect("open the database");
    let trail = store.audit_store();
    let anchors = std::collections::BTreeMap::new();
    let reports = trent_core::audit::verify_chains(&trail, &public_key, &anchors).await.expect("verify");
    // The node's id is kept in the data directory: the restarted server resumed its chain.
    let node = std::fs::read_to_string(server.data_dir().join(trent_server::NODE_ID_FILE)).expect("node_id file");
    assert_eq!(reports.len(), 1, "one chain, resumed after the restart: {reports:?}");
    assert!(reports.iter().all(|r| r.node == node.trim() && r.report.problem.is_none()), "{reports:?}");
    assert!(reports.iter().all(|r| r.report.last_digest.is_some()), "{reports:?}");
    let events: u64 = reports.iter().map(|r| r.report.events_checked).sum();
    assert!(events >= 6, "CreateKey, Encrypt, Decrypt, Decrypt, ListKeys...: {reports:?}");
    store.close().await;
}

/// A TCP relay between the server and PostgreSQL that a test can cut and restore, to stand for
/// a database outage without touching the database server the other tests share.
struct Relay {
    addr: std::net::SocketAddr,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    links: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn start(upstream: String) -> Relay {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind relay");
        let addr = listener.local_addr().expect("addr");
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let links = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (up2, links2) = (up.clone(), links.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: the connection closes at once
                }
                let upstream = upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                links2.lock().unwrap().push(link);
            }
        });
        Relay { addr, up, links, accept }
    }

    /// Refuses new connections and closes every open one.
    fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

/// `GET /ready`'s status.
async fn ready(server: &TestServer) -> u16 {
    let req = http::Request::get("/ready").body(Vec::new()).unwrap();
    server.send_raw(req).await.status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_fails_fast_and_recovers() {
    let Some(schema) = TestSchema::new("a_database_outage_fails_fast_and_recovers").await else { return };
    // The test database's URL with the relay's address for its host and port.
    let url = storage_url(&schema);
    let rest = url.split_once("://").unwrap().1;
    let (authority, path) = rest.split_once('/').unwrap();
    let (userinfo, hostport) = authority.rsplit_once('@').map_or(("", authority), |(u, h)| (u, h));
    let relay = Relay::start(hostport.to_owned()).await;
    let at = if userinfo.is_empty() { String::new() } else { format!("{userinfo}@") };
    let relayed = format!("postgres://{at}{}/{path}", relay.addr);
    let server =
        TestServer::start_with(RawConfig { storage: Some(StorageSetting::new(relayed)), ..Default::default() }).await;
    let kms = server.client();
    kms.create_key().send().await.expect("create key while the database is up");
    assert_eq!(ready(&server).await, 200);

    relay.cut();
    let down = kms.create_key().send().await.expect_err("no database, no key");
    let status = down.raw_response().map(|r| r.status().as_u16());
    assert!(status.is_some_and(|s| (500..600).contains(&s)), "a 5xx AWS error: {status:?} {down:?}");
    assert_eq!(ready(&server).await, 503);

    relay.restore();
    // The failed statements turned the database's state down; its probe (every 100 ms) turns it
    // up again by itself, with no restart: wait for that, bounded, then serve.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while ready(&server).await != 200 {
        assert!(std::time::Instant::now() < deadline, "/ready still not 200 10 s after the database returned");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let back = kms.create_key().send().await.expect("the same process serves again");
    let id = back.key_metadata().unwrap().key_id().to_owned();
    kms.describe_key().key_id(&id).send().await.expect("and reads what it wrote");
    assert_eq!(ready(&server).await, 200);
}
