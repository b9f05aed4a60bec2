//! The harness: a real Trent server on an ephemeral loopback port with a manual clock, and
//! clients built from the official AWS SDK for Rust.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use aws_sdk_kms::Client;
use aws_sdk_kms::config::{BehaviorVersion, Region};
use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_smithy_async::time::{SharedTimeSource, TimeSource};
use trent_core::kms::DueWork;
use trent_core::{Clock, ManualClock};
use trent_server::{AppState, Config, RawConfig};

use crate::iam::Creds;

/// Bridges Trent's manual clock to the SDK, so signatures stay fresh when tests move time.
#[derive(Debug, Clone)]
pub(crate) struct SdkClock {
    clock: ManualClock,
    offset: time::Duration,
}

impl SdkClock {
    /// The SDK's view of `clock`, without offset.
    pub(crate) fn new(clock: ManualClock) -> Self {
        SdkClock { clock, offset: time::Duration::ZERO }
    }
}

impl TimeSource for SdkClock {
    fn now(&self) -> SystemTime {
        SystemTime::from(self.clock.now() + self.offset)
    }
}

/// A running server and what a test needs to talk to it.
pub(crate) struct TestServer {
    pub(crate) dir: Arc<tempfile::TempDir>,
    pub(crate) clock: ManualClock,
    pub(crate) state: Arc<AppState>,
    pub(crate) addr: SocketAddr,
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    config: Config,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// A fresh server hosting `us-east-1`.
    pub(crate) async fn start() -> TestServer {
        Self::start_with(RawConfig::default()).await
    }

    /// A fresh server with extra settings (listen address and data dir are chosen here).
    pub(crate) async fn start_with(raw: RawConfig) -> TestServer {
        Self::start_tuned(raw, |_| {}).await
    }

    /// As [`TestServer::start_with`], with `tune` applied to the validated configuration
    /// (for what `trent.toml` cannot say, such as a manual quota clock).
    pub(crate) async fn start_tuned(raw: RawConfig, tune: impl FnOnce(&mut Config)) -> TestServer {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        // Request quotas only where a test asks for them: suites create keys faster than AWS's 5/s.
        let quotas =
            raw.quotas.clone().or(Some(trent_server::RawQuotas { enabled: Some(false), ..Default::default() }));
        let mut config =
            RawConfig { listen: Some("127.0.0.1:0".into()), data_dir: Some(dir.path().join("data")), quotas, ..raw }
                .resolve(None)
                .expect("valid test configuration");
        tune(&mut config);
        Self::boot(dir, config, ManualClock::starting_now()).await
    }

    async fn boot(dir: Arc<tempfile::TempDir>, config: Config, clock: ManualClock) -> TestServer {
        let listener = tokio::net::TcpListener::bind(config.listen).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (state, _first) =
            trent_server::bootstrap(config.clone(), Arc::new(clock.clone())).await.expect("bootstrap");
        let (access_key_id, secret_access_key) = read_credentials(&config.data_dir.join("credentials"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(trent_server::run(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        TestServer {
            dir,
            clock,
            state,
            addr,
            access_key_id,
            secret_access_key,
            config,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the server (graceful shutdown) and starts a new one on the same data directory
    /// and clock, as after a process restart.
    pub(crate) async fn restart(self) -> TestServer {
        self.restart_tuned(|_| {}).await
    }

    /// As [`TestServer::restart`], with `tune` applied to the configuration first (settings
    /// that name what the first run created, such as a role's ARN).
    pub(crate) async fn restart_tuned(mut self, tune: impl FnOnce(&mut Config)) -> TestServer {
        self.shutdown().await;
        let mut config = self.config.clone();
        config.listen = "127.0.0.1:0".parse().expect("addr");
        tune(&mut config);
        Self::boot(self.dir.clone(), config, self.clock.clone()).await
    }

    /// Another node of the same deployment: a server on the same data directory (so the same
    /// seal and root key), storage and clock, listening on a port of its own.
    pub(crate) async fn another_node(&self) -> TestServer {
        let mut config = self.config.clone();
        config.listen = "127.0.0.1:0".parse().expect("addr");
        // A node id of its own: the data directory's belongs to the first node.
        let id = format!("node-{}", uuid::Uuid::new_v4().simple());
        config.node_id = Some(trent_server::NodeId::parse(&id).expect("a node id"));
        Self::boot(self.dir.clone(), config, self.clock.clone()).await
    }

    /// Stops serving at once, as a killed process does: the listener closes and requests in
    /// flight are dropped unanswered (the node's background tasks are left to the test's end).
    pub(crate) fn kill(&mut self) {
        self.stop.take();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Graceful shutdown; waits for the server task.
    pub(crate) async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server result");
        }
    }

    /// The administrator's account id.
    pub(crate) async fn account(&self) -> String {
        let key = self.state.identities.access_key(&self.access_key_id).await.expect("lookup").expect("admin key");
        key.principal.account.to_string()
    }

    /// The caller that signs with `access_key_id` in `us-east-1`, as the request path builds
    /// it, for calls into the domain (a Trent service's calls on a caller's behalf).
    pub(crate) async fn caller(&self, access_key_id: &str) -> trent_core::Caller {
        let key = self.state.identities.access_key(access_key_id).await.expect("lookup").expect("access key");
        trent_core::Caller {
            principal: key.principal.clone(),
            access_key_id: access_key_id.to_owned(),
            region: trent_core::Region::parse("us-east-1").expect("region"),
            source_ip: None,
            user_agent: None,
            secure_transport: false,
            identity: key.identity.clone(),
            via_service: None,
            meter: Default::default(),
            on_behalf_log: None,
        }
    }

    /// The data directory.
    pub(crate) fn data_dir(&self) -> PathBuf {
        self.config.data_dir.clone()
    }

    /// An SDK client for the administrator in `us-east-1`.
    pub(crate) fn client(&self) -> Client {
        self.client_in("us-east-1")
    }

    /// An SDK client for the administrator, signing for `region`.
    pub(crate) fn client_in(&self, region: &str) -> Client {
        self.client_with(&self.access_key_id, &self.secret_access_key, region, time::Duration::ZERO)
    }

    /// An SDK client with any credentials, region and clock offset.
    pub(crate) fn client_with(&self, akid: &str, secret: &str, region: &str, offset: time::Duration) -> Client {
        Client::from_conf(
            self.sdk_config(akid, secret, region, offset).endpoint_url(format!("http://{}", self.addr)).build(),
        )
    }

    /// An SDK client for the administrator in `us-east-1` at `endpoint` through `http_client`
    /// (an HTTPS client with its own trust store).
    pub(crate) fn client_at(&self, endpoint: &str, http_client: aws_sdk_kms::config::SharedHttpClient) -> Client {
        self.client_at_in(endpoint, http_client, "us-east-1")
    }

    /// As [`TestServer::client_at`], signing for `region`.
    pub(crate) fn client_at_in(
        &self,
        endpoint: &str,
        http_client: aws_sdk_kms::config::SharedHttpClient,
        region: &str,
    ) -> Client {
        let conf = self.sdk_config(&self.access_key_id, &self.secret_access_key, region, time::Duration::ZERO);
        Client::from_conf(conf.endpoint_url(endpoint).http_client(http_client).build())
    }

    fn sdk_config(
        &self,
        akid: &str,
        secret: &str,
        region: &str,
        offset: time::Duration,
    ) -> aws_sdk_kms::config::Builder {
        let creds = aws_credential_types::Credentials::new(akid, secret, None, None, "trent-tests");
        aws_sdk_kms::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .credentials_provider(creds)
            .retry_config(aws_sdk_kms::config::retry::RetryConfig::disabled())
            // The server's `Date` header comes from the system clock, not the manual one: the
            // SDK must not "correct" its signing time from it once a test has moved time.
            .time_source(SharedTimeSource::new(SdkClock { clock: self.clock.clone(), offset }))
    }

    /// Runs the scheduler's due work now (tests move the clock, then call this).
    pub(crate) async fn run_scheduler(&self) -> DueWork {
        self.state.kms.run_due_work().await.expect("scheduler")
    }

    /// Creates a symmetric key and returns its id.
    pub(crate) async fn new_key(&self) -> String {
        let out = self.client().create_key().send().await.expect("create key");
        out.key_metadata().expect("metadata").key_id().to_owned()
    }

    /// Encrypts `plaintext` under a new key, restarts on the same data directory (so the seal
    /// releases the root key again), checks the ciphertext still decrypts, and returns the
    /// restarted server.
    pub(crate) async fn decrypts_after_restart(self, plaintext: &[u8]) -> TestServer {
        let key = self.new_key().await;
        let sealed = self.client().encrypt().key_id(&key).plaintext(blob(plaintext)).send().await.unwrap();
        let server = self.restart().await;
        let blob_before = sealed.ciphertext_blob().unwrap().clone();
        let opened = server.client().decrypt().ciphertext_blob(blob_before).send().await.unwrap();
        assert_eq!(opened.plaintext().unwrap().as_ref(), plaintext);
        server
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn read_credentials(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).expect("credentials file");
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.split_once('=').filter(|(k, _)| k.trim() == name).map(|(_, v)| v.trim().to_owned()))
            .unwrap_or_else(|| panic!("{name} in credentials file"))
    };
    (value("aws_access_key_id"), value("aws_secret_access_key"))
}

/// The AWS error code of an SDK error (`ValidationException`, ...).
pub(crate) fn code<E: ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("<no code>").to_owned()
}

/// The AWS error message of an SDK error.
pub(crate) fn message<E: ProvideErrorMetadata>(e: &E) -> String {
    e.message().unwrap_or("").to_owned()
}

/// Asserts an SDK result failed with `expected` and returns the message.
#[track_caller]
pub(crate) fn expect_code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, E>,
    expected: &str,
) -> String {
    match r {
        Ok(v) => panic!("expected {expected}, got success: {v:?}"),
        Err(e) => {
            assert_eq!(code(&e), expected, "{e:?}");
            message(&e)
        }
    }
}

/// Shorthand for a blob.
pub(crate) fn blob(bytes: &[u8]) -> aws_sdk_kms::primitives::Blob {
    aws_sdk_kms::primitives::Blob::new(bytes.to_vec())
}

/// Settings whose scheduler tick is so long that the background scheduler only runs its
/// start-up pass: tests that count what `run_scheduler` did use them, so no timer pass races.
pub(crate) fn quiet_scheduler() -> RawConfig {
    RawConfig { scheduler_tick_seconds: Some(86_400), ..RawConfig::default() }
}

/// The answer to a raw request: status, headers and body.
#[derive(Debug)]
pub(crate) struct RawAnswer {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl RawAnswer {
    /// The body as JSON.
    #[track_caller]
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    /// The `__type` of an error answer.
    pub(crate) fn error_type(&self) -> String {
        self.json()["__type"].as_str().unwrap_or("<none>").to_owned()
    }
}

/// An unsigned awsJson1_1 request to `/` with `X-Amz-Target: target` (if given).
pub(crate) fn json_request(target: Option<&str>, body: &str) -> http::Request<Vec<u8>> {
    let mut builder = http::Request::builder()
        .method("POST")
        .uri("/")
        .header("host", "localhost")
        .header("content-type", "application/x-amz-json-1.1");
    if let Some(t) = target {
        builder = builder.header("x-amz-target", t);
    }
    builder.body(body.as_bytes().to_vec()).expect("request")
}

impl TestServer {
    /// Signs `req` as the administrator for `region` and `service`, at the manual clock's time.
    pub(crate) fn sign(&self, req: &mut http::Request<Vec<u8>>, region: &str, service: &str) {
        self.sign_with(req, &self.admin_creds(), region, service);
    }

    /// Signs `req` with `creds` for `region` and `service`, at the manual clock's time.
    pub(crate) fn sign_with(&self, req: &mut http::Request<Vec<u8>>, creds: &Creds, region: &str, service: &str) {
        let signed = {
            let view = trent_wire::sigv4::SignedRequest {
                method: req.method().as_str(),
                path: req.uri().path(),
                query: req.uri().query(),
                headers: req.headers(),
                body: req.body(),
            };
            trent_wire::sigv4::sign(
                &view,
                &creds.id,
                creds.secret.as_bytes(),
                region,
                service,
                self.clock.now(),
                creds.token.as_deref(),
            )
        };
        for (name, value) in signed {
            req.headers_mut().insert(name, value);
        }
    }

    /// A `GET /?<query>` awsQuery request presigned with `creds` for `service` in `us-east-1`,
    /// valid five minutes.
    pub(crate) fn presigned_get(&self, query: &str, creds: &Creds, service: &str) -> http::Request<Vec<u8>> {
        let headers = http::HeaderMap::from_iter([(http::header::HOST, http::HeaderValue::from_static("localhost"))]);
        let view = trent_wire::sigv4::SignedRequest {
            method: "GET",
            path: "/",
            query: Some(query),
            headers: &headers,
            body: &[],
        };
        let query = trent_wire::sigv4::presign(
            &view,
            &creds.id,
            creds.secret.as_bytes(),
            "us-east-1",
            service,
            self.clock.now(),
            time::Duration::minutes(5),
            creds.token.as_deref(),
        );
        http::Request::builder()
            .method("GET")
            .uri(format!("/?{query}"))
            .header("host", "localhost")
            .body(Vec::new())
            .expect("request")
    }

    /// Sends `req` to the router in process (`app(state).oneshot`), as it is.
    pub(crate) async fn send_raw(&self, req: http::Request<Vec<u8>>) -> RawAnswer {
        use http_body_util::BodyExt as _;
        use tower::ServiceExt as _;
        let response = trent_server::app(self.state.clone())
            .oneshot(req.map(axum::body::Body::from))
            .await
            .expect("infallible router");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("response body").to_bytes().to_vec();
        RawAnswer { status: parts.status.as_u16(), headers: parts.headers, body }
    }

    /// A KMS call with a raw JSON body, signed by the administrator in `us-east-1`.
    pub(crate) async fn call_raw(&self, operation: &str, body: &str) -> RawAnswer {
        let mut req = json_request(Some(&format!("TrentService.{operation}")), body);
        self.sign(&mut req, "us-east-1", "kms");
        self.send_raw(req).await
    }
}

/// Standard base64 with padding (what awsJson1_1 uses for blobs).
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Seconds between an SDK timestamp and a clock instant (positive if `t` is later).
pub(crate) fn seconds_after(t: &aws_sdk_kms::primitives::DateTime, instant: time::OffsetDateTime) -> i64 {
    t.secs() - instant.unix_timestamp()
}

#[test]
fn base64_matches_rfc_4648_vectors() {
    let vectors =
        [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("foobar", "Zm9vYmFy")];
    for (plain, encoded) in vectors {
        assert_eq!(base64(plain.as_bytes()), encoded);
    }
    assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
}

impl TestServer {
    /// The key's metadata, described by the administrator in `us-east-1`.
    pub(crate) async fn describe(&self, key_id: &str) -> aws_sdk_kms::types::KeyMetadata {
        let out = self.client().describe_key().key_id(key_id).send().await.expect("describe key");
        out.key_metadata().expect("metadata").clone()
    }

    /// The key's ARN.
    pub(crate) async fn key_arn(&self, key_id: &str) -> String {
        self.describe(key_id).await.arn().expect("arn").to_owned()
    }

    /// The key's current backing key id (`CurrentKeyMaterialId`).
    pub(crate) async fn current_material(&self, key_id: &str) -> String {
        self.describe(key_id).await.current_key_material_id().expect("current key material id").to_owned()
    }
}

/// The names of every alias in the client's account and region.
/// The names of the listed aliases that name a key (not the predefined AWS aliases that have
/// none yet; `managed_keys` checks those).
pub(crate) fn assigned_names(out: &aws_sdk_kms::operation::list_aliases::ListAliasesOutput) -> Vec<String> {
    out.aliases()
        .iter()
        .filter(|a| a.target_key_id().is_some())
        .filter_map(|a| a.alias_name())
        .map(str::to_owned)
        .collect()
}

/// The names of the aliases of the account that name a key.
pub(crate) async fn alias_names(kms: &Client) -> Vec<String> {
    assigned_names(&kms.list_aliases().send().await.expect("list aliases"))
}
