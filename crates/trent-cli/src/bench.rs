//! `trent bench`: requests per second and latency of authenticated `Encrypt` and
//! `GenerateDataKey` over loopback, at several concurrency levels.
//!
//! By default it starts a server in this process (its own runtime and worker threads, a
//! temporary data directory) and drives it with a separate client runtime; `--endpoint-url`
//! measures a server that is already running instead. Every request is SigV4-signed by the
//! client and verified by the server. Output is a Markdown table for `BENCHMARKS.md`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, ValueEnum};
use hdrhistogram::Histogram;
use serde_json::json;
use trent_client::{ClientOptions, Credentials, JsonClient, RetryPolicy};

/// An operation to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum BenchOp {
    /// `Encrypt` of `--plaintext-bytes` bytes.
    Encrypt,
    /// `GenerateDataKey` with `KeySpec=AES_256`.
    GenerateDataKey,
    /// `Decrypt` of a ciphertext of `--plaintext-bytes` bytes.
    Decrypt,
}

#[derive(Args)]
pub(crate) struct BenchArgs {
    /// Measure this running server (with the usual credential options) instead of an
    /// in-process one.
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
    /// Worker threads of the client runtime.
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
    /// Worker threads of the in-process server.
    #[arg(long, default_value_t = 2)]
    server_threads: usize,
}

struct Row {
    op: BenchOp,
    concurrency: usize,
    requests: u64,
    errors: u64,
    elapsed: Duration,
    latency: Histogram<u64>,
}

pub(crate) fn run(args: BenchArgs) -> Result<(), Box<dyn std::error::Error>> {
    let _guard;
    let (endpoint, credentials) = match &args.endpoint_url {
        Some(url) => {
            let (Some(id), Some(secret)) = (&args.access_key_id, &args.secret_access_key) else {
                return Err("--endpoint-url needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into());
            };
            let c = Credentials::new(id, secret.as_bytes());
            (url.clone(), c)
        }
        None => {
            let server = InProcessServer::start(args.server_threads)?;
            let out = (server.endpoint.clone(), server.credentials()?);
            _guard = server;
            out
        }
    };
    let client_rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(args.client_threads).enable_all().build()?;
    let rows = client_rt.block_on(measure(&args, &endpoint, credentials))?;
    print_table(&args, &rows);
    Ok(())
}

async fn measure(
    args: &BenchArgs,
    endpoint: &str,
    credentials: Credentials,
) -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let client = Arc::new(JsonClient::new(
        endpoint,
        credentials,
        "us-east-1",
        trent_wire::kms::SIGNING_SERVICE,
        trent_wire::kms::TARGET_PREFIX,
        // A benchmark measures the server as it answers: no retries.
        ClientOptions { retry: RetryPolicy::none(), ..ClientOptions::default() },
    )?);
    let key = client.call("CreateKey", &json!({ "Description": "trent bench" })).await?;
    let key_id = key["KeyMetadata"]["KeyId"].as_str().ok_or("CreateKey answered without a KeyId")?.to_owned();
    let plaintext = STANDARD.encode(vec![0x5a; args.plaintext_bytes]);
    let encrypted = client.call("Encrypt", &json!({ "KeyId": key_id, "Plaintext": plaintext })).await?;
    let ciphertext = encrypted["CiphertextBlob"].as_str().unwrap_or_default().to_owned();
    let mut rows = Vec::new();
    for &op in &args.ops {
        let (operation, body) = match op {
            BenchOp::Encrypt => ("Encrypt", json!({ "KeyId": key_id, "Plaintext": plaintext })),
            BenchOp::GenerateDataKey => ("GenerateDataKey", json!({ "KeyId": key_id, "KeySpec": "AES_256" })),
            BenchOp::Decrypt => ("Decrypt", json!({ "CiphertextBlob": ciphertext })),
        };
        let body = Arc::new(serde_json::to_vec(&body)?);
        for &concurrency in &args.concurrency {
            run_level(&client, operation, &body, concurrency, Duration::from_secs(1)).await;
            let (requests, errors, elapsed, latency) =
                run_level(&client, operation, &body, concurrency, Duration::from_secs(args.seconds)).await;
            eprintln!("{operation:>16} c={concurrency:<4} {:>9.0} req/s", requests as f64 / elapsed.as_secs_f64());
            rows.push(Row { op, concurrency, requests, errors, elapsed, latency });
        }
    }
    Ok(rows)
}

async fn run_level(
    client: &Arc<JsonClient>,
    operation: &'static str,
    body: &Arc<Vec<u8>>,
    concurrency: usize,
    duration: Duration,
) -> (u64, u64, Duration, Histogram<u64>) {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = client.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
            let (mut ok, mut errors) = (0u64, 0u64);
            while Instant::now() < deadline {
                let t = Instant::now();
                match client.call_raw(operation, body.as_ref().clone()).await {
                    Ok((200, _)) => {
                        ok += 1;
                        let _ = hist.record(t.elapsed().as_micros() as u64);
                    }
                    _ => errors += 1,
                }
            }
            (ok, errors, hist)
        }));
    }
    let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
    let (mut ok, mut errors) = (0, 0);
    for t in tasks {
        if let Ok((o, e, h)) = t.await {
            ok += o;
            errors += e;
            let _ = total.add(h);
        }
    }
    (ok, errors, start.elapsed(), total)
}

fn print_table(args: &BenchArgs, rows: &[Row]) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mode = match &args.endpoint_url {
        Some(url) => format!("server at {url}"),
        None => {
            format!("in-process server, {} server + {} client worker threads", args.server_threads, args.client_threads)
        }
    };
    println!("\n{cores} CPU cores, {mode}, {} s per row, {}-byte plaintext\n", args.seconds, args.plaintext_bytes);
    println!("| operation | concurrency | requests/s | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    for r in rows {
        let name = match r.op {
            BenchOp::Encrypt => "Encrypt",
            BenchOp::GenerateDataKey => "GenerateDataKey",
            BenchOp::Decrypt => "Decrypt",
        };
        println!(
            "| {name} | {} | {:.0} | {:.3} | {:.3} | {} |",
            r.concurrency,
            r.requests as f64 / r.elapsed.as_secs_f64(),
            r.latency.value_at_quantile(0.50) as f64 / 1000.0,
            r.latency.value_at_quantile(0.99) as f64 / 1000.0,
            r.errors
        );
    }
}

/// A server on its own runtime and threads, in a temporary data directory.
struct InProcessServer {
    endpoint: String,
    dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl InProcessServer {
    fn start(threads: usize) -> Result<Self, Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let config = trent_server::Config::for_data_dir(dir.path().join("data"));
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build()?;
        let (listener, state) = rt.block_on(async {
            let listener = tokio::net::TcpListener::bind(config.listen).await?;
            let (state, _) = trent_server::bootstrap(config, Arc::new(trent_core::SystemClock)).await?;
            Ok::<_, Box<dyn std::error::Error>>((listener, state))
        })?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let _ = rt.block_on(trent_server::run(listener, state, async {
                let _ = stopped.await;
            }));
        });
        Ok(Self { endpoint, dir, stop: Some(stop), thread: Some(thread) })
    }

    fn credentials(&self) -> Result<Credentials, Box<dyn std::error::Error>> {
        Ok(trent_client::from_file(&self.dir.path().join("data/credentials"), trent_server::CREDENTIALS_PROFILE)?)
    }
}

impl Drop for InProcessServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
