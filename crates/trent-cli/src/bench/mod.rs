//! `trent bench`: requests per second and latency of authenticated `Encrypt`,
//! `GenerateDataKey`, `Decrypt`, `Sign` and `Verify` (RSA_2048, ECC_NIST_P256, Ed25519,
//! ML_DSA_65), `Encapsulate` and `Decapsulate` (ML_KEM_768), `GenerateMac`, Secrets Manager's `GetSecretValue` and Parameter Store's
//! `GetParameter` (String; SecureString with decryption) and `GetParametersByPath` over
//! loopback, at several concurrency levels.
//!
//! By default it starts a server in this process (its own runtime and worker threads, a
//! temporary data directory) and drives it with a separate client runtime; `--server-cpus`
//! runs the server in a child process pinned to those CPUs instead (and `--client-cpus` pins
//! the load generator), and `--endpoint-url` measures a server that is already running.
//! `--quotas off,on` measures a server without request quotas and one with AWS's default
//! table in the same run, alternating between them row by row (`--rounds` times), so that
//! the cost of the quota check is read from figures taken under the same conditions.
//! `--transport http,https` likewise measures a plain-HTTP server and one serving TLS (a
//! self-signed certificate made for the run, trusted by the client), row by row, for the cost
//! of TLS on the wire.
//! `--ops encrypt,encrypt-hsm` measures `Encrypt` with a key of Trent's own and with one whose
//! material is inside a PKCS#11 token (a custom key store over a SoftHSM2 token made for the
//! run; see `hsm`), in the same run.
//! `--populate-keys N` first fills the account with N more keys (the scale check). Every
//! request is SigV4-signed by the client and verified by the server. Each request in flight
//! has an HTTP/1.1 connection of its own, kept from row to row and driven by the task that
//! sends on it ([`trent_client::JsonClient::call_raw_on`]): the requests are those the pooled
//! client sends, without the pool's work per request, which in the in-process runs would be
//! taken from the server's two cores. Output is Markdown for `BENCHMARKS.md`.

mod hsm;
mod populate;
mod report;
mod servers;
mod ssm;

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use clap::{Args, ValueEnum};
use hdrhistogram::Histogram;
use serde_json::json;
use servers::{QuotaMode, Server, Transport};
use trent_client::{ClientOptions, Connection, Credentials, JsonClient, RetryPolicy};

/// An operation to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum BenchOp {
    /// `Encrypt` of `--plaintext-bytes` bytes.
    Encrypt,
    /// `Encrypt` of `--plaintext-bytes` bytes with a key in a custom key store
    /// (`Origin=AWS_CLOUDHSM`): AES-GCM inside a SoftHSM2 token made for the run.
    EncryptHsm,
    /// `GenerateDataKey` with `KeySpec=AES_256`.
    GenerateDataKey,
    /// `Decrypt` of a ciphertext of `--plaintext-bytes` bytes.
    Decrypt,
    /// Secrets Manager `GetSecretValue` of a `--plaintext-bytes` secret under the AWS managed
    /// key.
    GetSecretValue,
    /// `Sign` of a `--plaintext-bytes` message with an RSA_2048 key (RSASSA_PSS_SHA_256).
    SignRsa2048,
    /// `Verify` of that signature.
    VerifyRsa2048,
    /// `Sign` with an ECC_NIST_P256 key (ECDSA_SHA_256).
    SignEccP256,
    /// `Verify` of that signature.
    VerifyEccP256,
    /// `Sign` with an ECC_NIST_EDWARDS25519 key (ED25519_SHA_512).
    SignEd25519,
    /// `Verify` of that signature.
    VerifyEd25519,
    /// `Sign` with an ML_DSA_65 key (ML_DSA_SHAKE_256).
    SignMlDsa65,
    /// `Verify` of that signature.
    VerifyMlDsa65,
    /// `Encapsulate` with an ML_KEM_768 key (ML_KEM).
    EncapsulateMlKem768,
    /// `Decapsulate` of an encapsulation under that key.
    DecapsulateMlKem768,
    /// `GenerateMac` of a `--plaintext-bytes` message with an HMAC_256 key.
    GenerateMac,
    /// `ListKeys`, the first page of 100 keys.
    ListKeys,
    /// `ListKeys`, a later page of 100 keys: the one after `LATER_PAGE` pages, reached by
    /// following their `NextMarker`s before the row is measured.
    ListKeysLater,
    /// SSM `GetParameter` of a `String` of `--plaintext-bytes` bytes.
    GetParameter,
    /// SSM `GetParameter` of a `SecureString` with decryption (`alias/aws/ssm`).
    GetParameterSecure,
    /// SSM `GetParametersByPath` of a path of ten `String`s (one page).
    GetParametersByPath,
}

impl BenchOp {
    /// The KMS operation it calls.
    fn operation(self) -> &'static str {
        match self {
            Self::Encrypt | Self::EncryptHsm => "Encrypt",
            Self::GenerateDataKey => "GenerateDataKey",
            Self::Decrypt => "Decrypt",
            Self::SignRsa2048 | Self::SignEccP256 | Self::SignEd25519 | Self::SignMlDsa65 => "Sign",
            Self::VerifyRsa2048 | Self::VerifyEccP256 | Self::VerifyEd25519 | Self::VerifyMlDsa65 => "Verify",
            Self::EncapsulateMlKem768 => "Encapsulate",
            Self::DecapsulateMlKem768 => "Decapsulate",
            Self::GenerateMac => "GenerateMac",
            Self::GetSecretValue => "GetSecretValue",
            Self::ListKeys | Self::ListKeysLater => "ListKeys",
            Self::GetParameter | Self::GetParameterSecure => "GetParameter",
            Self::GetParametersByPath => "GetParametersByPath",
        }
    }

    /// The row's name: the operation, with the key spec for signatures.
    fn name(self) -> &'static str {
        match self {
            Self::SignRsa2048 => "Sign RSA_2048",
            Self::VerifyRsa2048 => "Verify RSA_2048",
            Self::SignEccP256 => "Sign ECC_NIST_P256",
            Self::VerifyEccP256 => "Verify ECC_NIST_P256",
            Self::SignEd25519 => "Sign ECC_NIST_EDWARDS25519",
            Self::VerifyEd25519 => "Verify ECC_NIST_EDWARDS25519",
            Self::SignMlDsa65 => "Sign ML_DSA_65",
            Self::VerifyMlDsa65 => "Verify ML_DSA_65",
            Self::EncapsulateMlKem768 => "Encapsulate ML_KEM_768",
            Self::DecapsulateMlKem768 => "Decapsulate ML_KEM_768",
            Self::GetParameter => "GetParameter String",
            Self::GetParameterSecure => "GetParameter SecureString",
            Self::EncryptHsm => "Encrypt HSM",
            Self::ListKeys => "ListKeys first page",
            Self::ListKeysLater => "ListKeys later page",
            other => other.operation(),
        }
    }

    /// For signature ops: the key spec and signing algorithm.
    fn signing(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::SignRsa2048 | Self::VerifyRsa2048 => Some(("RSA_2048", "RSASSA_PSS_SHA_256")),
            Self::SignEccP256 | Self::VerifyEccP256 => Some(("ECC_NIST_P256", "ECDSA_SHA_256")),
            Self::SignEd25519 | Self::VerifyEd25519 => Some(("ECC_NIST_EDWARDS25519", "ED25519_SHA_512")),
            Self::SignMlDsa65 | Self::VerifyMlDsa65 => Some(("ML_DSA_65", "ML_DSA_SHAKE_256")),
            Self::Encrypt
            | Self::EncryptHsm
            | Self::GenerateDataKey
            | Self::Decrypt
            | Self::EncapsulateMlKem768
            | Self::DecapsulateMlKem768
            | Self::GenerateMac
            | Self::GetSecretValue
            | Self::ListKeys
            | Self::ListKeysLater
            | Self::GetParameter
            | Self::GetParameterSecure
            | Self::GetParametersByPath => None,
        }
    }
}

/// Pages of `ListKeys` skipped before the page `--ops list-keys-later` measures (keys 501 to
/// 600 of the account, in key id order).
const LATER_PAGE: usize = 5;

/// The `Marker` of the `ListKeys` page after the first [`LATER_PAGE`] pages of 100.
async fn later_marker(client: &JsonClient) -> Result<String, Box<dyn std::error::Error>> {
    let mut marker: Option<String> = None;
    for _ in 0..LATER_PAGE {
        let body = match &marker {
            Some(m) => json!({ "Limit": 100, "Marker": m }),
            None => json!({ "Limit": 100 }),
        };
        let page = client.call("ListKeys", &body).await?;
        let next = page["NextMarker"].as_str().ok_or("the account has too few keys for --ops list-keys-later")?;
        marker = Some(next.to_owned());
    }
    marker.ok_or_else(|| "no ListKeys page was read".into())
}

/// Creates a key of `spec` and `usage`; its id.
async fn create_key(client: &JsonClient, spec: &str, usage: &str) -> Result<String, Box<dyn std::error::Error>> {
    let key =
        client.call("CreateKey", &json!({ "Description": "trent bench", "KeySpec": spec, "KeyUsage": usage })).await?;
    Ok(key["KeyMetadata"]["KeyId"].as_str().ok_or("CreateKey answered without a KeyId")?.to_owned())
}

#[derive(Args)]
pub(crate) struct BenchArgs {
    /// Measure this running server (with the usual credential options) instead of starting
    /// one.
    #[arg(long)]
    endpoint_url: Option<String>,
    /// Access key id for --endpoint-url.
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    access_key_id: Option<String>,
    /// Secret access key for --endpoint-url.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    secret_access_key: Option<String>,
    /// Seconds of measurement per row (after one second of warm-up).
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Concurrency levels (requests in flight).
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    concurrency: Vec<usize>,
    /// Operations to measure.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "encrypt,generate-data-key")]
    ops: Vec<BenchOp>,
    /// Plaintext size for Encrypt and Decrypt.
    #[arg(long, default_value_t = 64)]
    plaintext_bytes: usize,
    /// Parameters in the account besides the measured ones (for the Parameter Store rows).
    #[arg(long, default_value_t = 0)]
    parameters: usize,
    /// Worker threads of the client runtime.
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
    /// Worker threads of the in-process server.
    #[arg(long, default_value_t = 2)]
    server_threads: usize,
    /// Request quotas of the started server: `off`, `on` (AWS's default table), or `off,on`
    /// to measure both, alternating.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "off")]
    quotas: Vec<QuotaMode>,
    /// What the started servers speak: `http`, `https` (TLS with a self-signed certificate
    /// the client trusts), or `http,https` to measure both, alternating.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "http")]
    transport: Vec<Transport>,
    /// For an `https://` --endpoint-url: a PEM file of the certificates to trust (a private
    /// CA) instead of the system's roots.
    #[arg(long, requires = "endpoint_url")]
    ca_bundle: Option<std::path::PathBuf>,
    /// How many times each row is measured (per server, alternating).
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Run the server in a child process pinned to these CPUs (`taskset -c` list, e.g. `0`).
    #[arg(long)]
    server_cpus: Option<String>,
    /// Pin the load generator to these CPUs (`taskset -c` list, e.g. `1`).
    #[arg(long)]
    client_cpus: Option<String>,
    /// The PKCS#11 module of SoftHSM2, for `encrypt-hsm`.
    #[arg(long, default_value = "/usr/lib/softhsm/libsofthsm2.so")]
    hsm_module: std::path::PathBuf,
    /// Set by `trent bench` when it runs itself again with `SOFTHSM2_CONF` naming the token
    /// it made for `encrypt-hsm`.
    #[arg(long, hide = true)]
    softhsm_prepared: bool,
    /// Before measuring, create this many more keys in the account (through `CreateKey`, 64 in
    /// flight), to compare the same rows on a small and a large account.
    #[arg(long, default_value_t = 0)]
    populate_keys: u64,
}

/// One measured interval.
struct Row {
    op: BenchOp,
    concurrency: usize,
    /// The server's quota mode; `None` for a server this run did not start.
    quotas: Option<QuotaMode>,
    /// What the server speaks; `None` for a server this run did not start.
    transport: Option<Transport>,
    requests: u64,
    errors: u64,
    elapsed: Duration,
    latency: Histogram<u64>,
}

impl Row {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// Where a server to measure is, and how it is reached.
struct Endpoint {
    /// Its quota mode and transport, when this run started it.
    started: Option<(QuotaMode, Transport)>,
    url: String,
    credentials: Credentials,
    /// The certificates to trust for HTTPS, if not the system's.
    ca_bundle: Option<std::path::PathBuf>,
}

/// A server being measured: its client, key and request bodies.
struct Target {
    started: Option<(QuotaMode, Transport)>,
    client: Arc<JsonClient>,
    /// The same server as Secrets Manager.
    secrets: Arc<JsonClient>,
    /// The same server as Systems Manager.
    ssm: Arc<JsonClient>,
    bodies: Vec<(BenchOp, Bytes)>,
    /// One connection per request in flight, kept from row to row (as a pool keeps them);
    /// `None` until first used or after it failed.
    connections: Vec<Option<Connection>>,
}

pub(crate) fn run(args: BenchArgs) -> Result<(), Box<dyn std::error::Error>> {
    let hsm = args.ops.contains(&BenchOp::EncryptHsm);
    if hsm && args.endpoint_url.is_some() {
        return Err("encrypt-hsm measures a server this run starts (with a token it makes), not --endpoint-url".into());
    }
    if hsm && !args.softhsm_prepared {
        let status = hsm::run_prepared(&args.hsm_module)?;
        return if status.success() { Ok(()) } else { Err(format!("trent bench with the token: {status}").into()) };
    }
    let hsm_module = hsm.then_some(args.hsm_module.as_path());
    // Counted before any pinning narrows what this process sees.
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut servers = Vec::new();
    let endpoints = match &args.endpoint_url {
        Some(url) => {
            let (Some(id), Some(secret)) = (&args.access_key_id, &args.secret_access_key) else {
                return Err("--endpoint-url needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into());
            };
            vec![Endpoint {
                started: None,
                url: url.clone(),
                credentials: Credentials::new(id, secret.as_bytes()),
                ca_bundle: args.ca_bundle.clone(),
            }]
        }
        None => {
            let mut endpoints = Vec::new();
            for &mode in &args.quotas {
                for &transport in &args.transport {
                    let server =
                        Server::start(mode, transport, args.server_threads, args.server_cpus.as_deref(), hsm_module)?;
                    endpoints.push(Endpoint {
                        started: Some((mode, transport)),
                        url: server.endpoint().to_owned(),
                        credentials: server.credentials()?,
                        ca_bundle: server.ca_bundle(),
                    });
                    servers.push(server);
                }
            }
            endpoints
        }
    };
    if let Some(cpus) = &args.client_cpus {
        servers::pin_this_process(cpus)?;
    }
    let client_rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(args.client_threads).enable_all().build()?;
    let rows = client_rt.block_on(measure(&args, endpoints))?;
    report::print_table(&args, cores, &rows);
    drop(servers);
    Ok(())
}

async fn target(args: &BenchArgs, at: Endpoint) -> Result<Target, Box<dyn std::error::Error>> {
    let Endpoint { started, url, credentials, ca_bundle } = at;
    let endpoint = url.as_str();
    // A benchmark measures the server as it answers: no retries.
    let options =
        || ClientOptions { retry: RetryPolicy::none(), ca_bundle: ca_bundle.clone(), ..ClientOptions::default() };
    let secrets = Arc::new(JsonClient::new(
        endpoint,
        credentials.clone(),
        "us-east-1",
        "secretsmanager",
        "secretsmanager.",
        options(),
    )?);
    let ssm = Arc::new(JsonClient::new(
        endpoint,
        credentials.clone(),
        "us-east-1",
        trent_wire::ssm::SIGNING_SERVICE,
        trent_wire::ssm::TARGET_PREFIX,
        options(),
    )?);
    let client = Arc::new(JsonClient::new(
        endpoint,
        credentials,
        "us-east-1",
        trent_wire::kms::SIGNING_SERVICE,
        trent_wire::kms::TARGET_PREFIX,
        options(),
    )?);
    if args.populate_keys > 0 {
        let (created, took) = populate::keys(&client, args.populate_keys).await?;
        eprintln!(
            "populated {created} keys in {:.1} s ({:.0} CreateKey/s)",
            took.as_secs_f64(),
            created as f64 / took.as_secs_f64()
        );
    }
    let key_id = create_key(&client, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT").await?;
    let plaintext = STANDARD.encode(vec![0x5a; args.plaintext_bytes]);
    let encrypted = client.call("Encrypt", &json!({ "KeyId": key_id, "Plaintext": plaintext })).await?;
    let ciphertext = encrypted["CiphertextBlob"].as_str().unwrap_or_default().to_owned();
    let secret_name = format!("trent-bench/{key_id}");
    if args.ops.contains(&BenchOp::GetSecretValue) {
        let value = "z".repeat(args.plaintext_bytes.max(1));
        secrets.call("CreateSecret", &json!({ "Name": secret_name, "SecretString": value })).await?;
    }
    let ssm_ops = [BenchOp::GetParameter, BenchOp::GetParameterSecure, BenchOp::GetParametersByPath];
    let parameters = if args.ops.iter().any(|op| ssm_ops.contains(op)) {
        Some(ssm::prepare(&ssm, &key_id, args.plaintext_bytes, args.parameters).await?)
    } else {
        None
    };
    let mut bodies = Vec::new();
    for &op in &args.ops {
        if let Some(body) = parameters.as_ref().and_then(|p| p.of(op)) {
            bodies.push((op, Bytes::from(serde_json::to_vec(body)?)));
            continue;
        }
        let body = match op {
            BenchOp::Encrypt => json!({ "KeyId": key_id, "Plaintext": plaintext }),
            BenchOp::EncryptHsm => json!({ "KeyId": hsm::create_key(&client).await?, "Plaintext": plaintext }),
            BenchOp::GenerateDataKey => json!({ "KeyId": key_id, "KeySpec": "AES_256" }),
            BenchOp::Decrypt => json!({ "CiphertextBlob": ciphertext }),
            BenchOp::GetSecretValue => json!({ "SecretId": secret_name }),
            BenchOp::ListKeys => json!({ "Limit": 100 }),
            BenchOp::ListKeysLater => json!({ "Limit": 100, "Marker": later_marker(&client).await? }),
            BenchOp::GenerateMac => {
                let key = create_key(&client, "HMAC_256", "GENERATE_VERIFY_MAC").await?;
                json!({ "KeyId": key, "Message": plaintext, "MacAlgorithm": "HMAC_SHA_256" })
            }
            BenchOp::EncapsulateMlKem768 | BenchOp::DecapsulateMlKem768 => {
                let key = create_key(&client, "ML_KEM_768", "ENCAPSULATE_DECAPSULATE").await?;
                let encapsulate = json!({ "KeyId": key, "EncapsulationAlgorithm": "ML_KEM" });
                if op == BenchOp::EncapsulateMlKem768 {
                    encapsulate
                } else {
                    let out = client.call("Encapsulate", &encapsulate).await?;
                    let ciphertext = out["SharedSecretCiphertextBlob"]
                        .as_str()
                        .ok_or("Encapsulate answered without a SharedSecretCiphertextBlob")?;
                    json!({ "KeyId": key, "EncapsulationAlgorithm": "ML_KEM", "SharedSecretCiphertextBlob": ciphertext })
                }
            }
            signing => {
                let (spec, algorithm) = signing.signing().ok_or("not a signature operation")?;
                let key = create_key(&client, spec, "SIGN_VERIFY").await?;
                let sign = json!({ "KeyId": key, "Message": plaintext, "SigningAlgorithm": algorithm });
                if signing.operation() == "Sign" {
                    sign
                } else {
                    let signed = client.call("Sign", &sign).await?;
                    let signature = signed["Signature"].as_str().ok_or("Sign answered without a Signature")?;
                    json!({ "KeyId": key, "Message": plaintext, "SigningAlgorithm": algorithm, "Signature": signature })
                }
            }
        };
        bodies.push((op, Bytes::from(serde_json::to_vec(&body)?)));
    }
    Ok(Target { started, client, secrets, ssm, bodies, connections: Vec::new() })
}

async fn measure(args: &BenchArgs, endpoints: Vec<Endpoint>) -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let mut targets = Vec::new();
    for at in endpoints {
        targets.push(target(args, at).await?);
    }
    let mut rows = Vec::new();
    for (i, &op) in args.ops.iter().enumerate() {
        for &concurrency in &args.concurrency {
            for _ in 0..args.rounds.max(1) {
                for t in &mut targets {
                    let body = &t.bodies[i].1;
                    let client = match op {
                        BenchOp::GetSecretValue => &t.secrets,
                        BenchOp::GetParameter | BenchOp::GetParameterSecure | BenchOp::GetParametersByPath => &t.ssm,
                        _ => &t.client,
                    };
                    let level = Level { client, operation: op.operation(), body, concurrency };
                    level.run(&mut t.connections, Duration::from_secs(1)).await;
                    let (requests, errors, elapsed, latency) =
                        level.run(&mut t.connections, Duration::from_secs(args.seconds)).await;
                    let (quotas, transport) = (t.started.map(|s| s.0), t.started.map(|s| s.1));
                    let row = Row { op, concurrency, quotas, transport, requests, errors, elapsed, latency };
                    let mode = quotas.map_or("-", QuotaMode::label);
                    let wire = transport.map_or("-", Transport::label);
                    eprintln!(
                        "{:>16} c={concurrency:<4} quotas {mode:<3} {wire:<5} {:>9.0} req/s",
                        op.name(),
                        row.rate()
                    );
                    rows.push(row);
                }
            }
        }
    }
    Ok(rows)
}

/// One row's requests: `concurrency` tasks calling `operation` with `body` on `client`.
struct Level<'a> {
    client: &'a Arc<JsonClient>,
    operation: &'static str,
    body: &'a Bytes,
    concurrency: usize,
}

impl Level<'_> {
    /// Runs the row for `duration`, each task on a connection of its own taken from
    /// `connections` (opened when missing, given back at the end): requests, errors, time,
    /// latencies.
    async fn run(
        &self,
        connections: &mut Vec<Option<Connection>>,
        duration: Duration,
    ) -> (u64, u64, Duration, Histogram<u64>) {
        if connections.len() < self.concurrency {
            connections.resize_with(self.concurrency, || None);
        }
        let start = Instant::now();
        let deadline = start + duration;
        let mut tasks = Vec::with_capacity(self.concurrency);
        for slot in &mut connections[..self.concurrency] {
            let (client, body, operation) = (self.client.clone(), self.body.clone(), self.operation);
            let mut conn = slot.take();
            tasks.push(tokio::spawn(async move {
                let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
                let (mut ok, mut errors) = (0u64, 0u64);
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let c = match &mut conn {
                        Some(c) => c,
                        None => match client.connect().await {
                            Ok(c) => conn.insert(c),
                            Err(_) => {
                                errors += 1;
                                continue;
                            }
                        },
                    };
                    match client.call_raw_on(c, operation, body.clone()).await {
                        Ok((200, _)) => {
                            ok += 1;
                            let _ = hist.record(t.elapsed().as_micros() as u64);
                        }
                        Ok(_) => errors += 1,
                        Err(_) => {
                            errors += 1;
                            conn = None;
                        }
                    }
                }
                (ok, errors, hist, conn)
            }));
        }
        let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
        let (mut ok, mut errors) = (0, 0);
        for (t, slot) in tasks.into_iter().zip(connections.iter_mut()) {
            if let Ok((o, e, h, conn)) = t.await {
                ok += o;
                errors += e;
                let _ = total.add(h);
                *slot = conn;
            }
        }
        (ok, errors, start.elapsed(), total)
    }
}
