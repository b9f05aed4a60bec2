//! `trent server`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use trent_core::SystemClock;
use trent_server::{FirstStart, RawConfig, RawTls};

/// Log output format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Args)]
pub(crate) struct ServerArgs {
    /// Data directory: database, root key file, credentials file.
    #[arg(long, env = "TRENT_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Where keys, identities and the audit trail are stored: `sqlite` (files in the data
    /// directory, the default) or a PostgreSQL URL, `postgres://user:password@host:port/database`.
    #[arg(long, env = "TRENT_STORAGE", hide_env_values = true)]
    storage: Option<String>,
    /// This node's id among several on one PostgreSQL database (its audit chain's name; 1 to
    /// 64 letters, digits, '.', '_', '-'). Default: the data directory's `node_id` file, made
    /// from the host name at the first start.
    #[arg(long, env = "TRENT_NODE_ID")]
    node_id: Option<String>,
    /// Address to listen on (plain HTTP is served on loopback only).
    #[arg(long, env = "TRENT_LISTEN")]
    listen: Option<String>,
    /// Hosted region; repeat for several, `*` for every region.
    #[arg(long = "region", env = "TRENT_REGIONS", value_delimiter = ',')]
    regions: Option<Vec<String>>,
    /// A trent.toml to read (default: DATA_DIR/trent.toml if present).
    #[arg(long, env = "TRENT_CONFIG")]
    config: Option<PathBuf>,
    /// Log format.
    #[arg(long, env = "TRENT_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: LogFormat,
    /// Log filter, e.g. `info` or `trent_server=debug`.
    #[arg(long, env = "TRENT_LOG", default_value = "info")]
    log: String,
    /// Serve plain HTTP on a non-loopback address. Dangerous: credentials and data travel
    /// unencrypted.
    #[arg(long, env = "TRENT_DANGEROUS_ALLOW_PLAINTEXT_HTTP")]
    dangerous_allow_plaintext_http: bool,
    /// A development server: state in a temporary directory removed at exit, every region,
    /// account 000000000000 with access key test/test unless the seed says otherwise, and
    /// POST /_trent/reset. Signatures are still verified and policies still enforced. Loopback
    /// only; --data-dir must be new, empty, or made by a development server (and a server
    /// without --dev refuses such a directory).
    #[arg(long, env = "TRENT_DEV")]
    dev: bool,
    /// A seed file (.yaml, .yml or .toml) of accounts, access keys, keys and aliases, applied
    /// at start (idempotently).
    #[arg(long, env = "TRENT_SEED")]
    seed: Option<PathBuf>,
    /// Seconds a client may take to send a request's line and headers (default 10); a client
    /// that trickles them is disconnected.
    #[arg(long, env = "TRENT_HEADER_READ_TIMEOUT_SECONDS")]
    header_read_timeout_seconds: Option<u64>,
    /// Seconds a keep-alive connection may wait for its next request (default 60).
    #[arg(long, env = "TRENT_IDLE_TIMEOUT_SECONDS")]
    idle_timeout_seconds: Option<u64>,
    /// Connections served at once (default 512); further clients wait until one closes.
    #[arg(long, env = "TRENT_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key-file); reloaded on SIGHUP.
    #[arg(long, env = "TRENT_TLS_CERT_FILE")]
    tls_cert_file: Option<PathBuf>,
    /// The PEM private key of --tls-cert-file.
    #[arg(long, env = "TRENT_TLS_KEY_FILE")]
    tls_key_file: Option<PathBuf>,
    /// Require client certificates issued by a CA of this PEM bundle (mutual TLS).
    #[arg(long, env = "TRENT_TLS_CLIENT_CA_FILE")]
    tls_client_ca_file: Option<PathBuf>,
    /// With --dev: serve HTTPS with a new self-signed certificate for localhost, and print the
    /// AWS_CA_BUNDLE line that makes the AWS CLI and SDKs trust it.
    #[arg(long, env = "TRENT_DEV_TLS", requires = "dev", conflicts_with_all = ["tls_cert_file", "tls_key_file"])]
    dev_tls: bool,
}

pub(crate) fn init_logging(format: LogFormat, filter: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal as _;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

pub(crate) async fn run(args: ServerArgs) -> Result<(), Box<dyn std::error::Error>> {
    init_logging(args.log_format, &args.log);
    // Before any key is loaded: a core file would hold the root key.
    if let Err(e) = trent_server::harden::disable_core_dumps() {
        tracing::warn!(error = %e, "cannot disable core dumps; a crash may write key material to a core file");
    }
    // A development server keeps its state in a temporary directory, removed at exit,
    // unless a data directory is named.
    let temp = if args.dev && args.data_dir.is_none() { Some(tempfile::tempdir()?) } else { None };
    // The development certificate lives in its own temporary directory (never the data directory).
    let dev_tls_dir = if args.dev_tls { Some(tempfile::tempdir()?) } else { None };
    let tls = match &dev_tls_dir {
        Some(dir) => {
            let made = trent_server::tls::dev_certificate(dir.path())?;
            Some(RawTls { cert_file: Some(made.cert_file), key_file: Some(made.key_file), client_ca_file: None })
        }
        None if args.tls_cert_file.is_some() || args.tls_key_file.is_some() || args.tls_client_ca_file.is_some() => {
            Some(RawTls {
                cert_file: args.tls_cert_file,
                key_file: args.tls_key_file,
                client_ca_file: args.tls_client_ca_file,
            })
        }
        None => None,
    };
    let raw = RawConfig {
        listen: args.listen,
        data_dir: args.data_dir.or_else(|| temp.as_ref().map(|t| t.path().join("data"))),
        regions: args.regions,
        scheduler_tick_seconds: None,
        dangerous_allow_plaintext_http: args.dangerous_allow_plaintext_http.then_some(true),
        dev: args.dev.then_some(true),
        seed: args.seed,
        quotas: None,
        header_read_timeout_seconds: args.header_read_timeout_seconds,
        idle_timeout_seconds: args.idle_timeout_seconds,
        max_connections: args.max_connections,
        tls,
        seal: None,
        rotation: None,
        events: None,
        storage: args.storage.map(trent_server::StorageSetting::new),
        cluster: args
            .node_id
            .map(|node_id| trent_server::RawCluster { node_id: Some(node_id), full_check_seconds: None }),
        postgres: None,
        hsm_clusters: None,
    };
    let config = raw.resolve(args.config.as_deref())?;
    if config.dangerous_plaintext {
        tracing::warn!(listen = %config.listen, "DANGEROUS: serving plain HTTP on a non-loopback address");
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let endpoint = match (&config.tls, dev_tls_dir.is_some()) {
        // The development certificate names localhost, not the address.
        (Some(_), true) => format!("https://localhost:{}", addr.port()),
        (Some(_), false) => format!("https://{addr}"),
        (None, _) => format!("http://{addr}"),
    };
    let (gate, first) = trent_server::Gate::open(config, Arc::new(SystemClock), addr).await?;
    // Handlers first: a SIGTERM right after the banner must shut down gracefully.
    let shutdown = trent_server::shutdown_signal();
    let config = gate.config();
    tracing::info!(%addr, data_dir = %config.data_dir.display(), "trent is listening");
    if config.dev {
        tracing::warn!("DEVELOPMENT SERVER: temporary state, well-known credentials; not for production");
        let ca_bundle = config.tls.as_ref().filter(|_| dev_tls_dir.is_some()).map(|t| t.cert_file.as_path());
        print_dev_banner(&endpoint, config.seed.as_deref(), ca_bundle);
    } else if gate.status().sealed {
        print_sealed_banner(&endpoint, &gate.status());
        // The first start happens at the unseal that completes the threshold.
        let (endpoint, data_dir) = (endpoint.clone(), config.data_dir.clone());
        gate.on_first_start(Box::new(move |f| print_banner(&endpoint, Some(f), &data_dir)));
    } else {
        print_banner(&endpoint, first.as_ref(), &config.data_dir);
    }
    trent_server::run_gate(listener, gate, shutdown).await?;
    tracing::info!("trent stopped");
    drop(temp);
    drop(dev_tls_dir);
    Ok(())
}

/// The banner of a server that starts sealed.
fn print_sealed_banner(endpoint: &str, status: &trent_server::SealStatus) {
    use std::io::Write as _;
    let text = format!(
        "Trent is listening on {endpoint} and is SEALED ({} seal): every call is refused until {} operators have \
         each given an unseal share:\n\n  TRENT_OPERATOR_TOKEN=... trent operator unseal --endpoint-url {endpoint}\n",
        status.seal,
        status.threshold.unwrap_or(0)
    );
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// The banner of `trent server --dev`: it says plainly what this is.
fn print_dev_banner(endpoint: &str, seed: Option<&std::path::Path>, ca_bundle: Option<&std::path::Path>) {
    use std::io::Write as _;
    use trent_server::seed::{DEV_ACCESS_KEY, DEV_ACCOUNT, DEV_SECRET};
    let mut text = String::from(
        "*** Trent DEVELOPMENT server: state is temporary and removed at exit; every region is hosted. ***\n\
         *** Do not use it for anything but tests.                                                   ***\n\n",
    );
    match seed {
        Some(file) => text.push_str(&format!("Seeded from {} (its accounts and access keys).\n", file.display())),
        None => text.push_str(&format!(
            "Account {DEV_ACCOUNT}; its administrator's access key is {DEV_ACCESS_KEY} / {DEV_SECRET}:\n\n\
             export AWS_ACCESS_KEY_ID={DEV_ACCESS_KEY}\nexport AWS_SECRET_ACCESS_KEY={DEV_SECRET}\n"
        )),
    }
    if let Some(bundle) = ca_bundle {
        text.push_str(&format!("export AWS_CA_BUNDLE={}\n", bundle.display()));
    }
    text.push_str(&format!(
        "export AWS_ENDPOINT_URL={endpoint}\n\nPOST {endpoint}/_trent/reset wipes all state and re-applies the seed.\n"
    ));
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Prints how to point the AWS CLI at this server. On the first start this includes the
/// new administrator secret (on stdout, never in the log). A closed stdout is not an error.
fn print_banner(endpoint: &str, first: Option<&FirstStart>, data_dir: &std::path::Path) {
    use std::io::Write as _;
    let mut text = zeroize::Zeroizing::new(String::new());
    match first {
        Some(f) => {
            text.push_str(&format!("Trent created account {} and its administrator.\n", f.account_id));
            text.push_str("Paste these lines to make the AWS CLI and SDKs talk to Trent:\n\n");
            text.push_str(&format!("export AWS_ACCESS_KEY_ID={}\n", f.access_key_id));
            text.push_str("export AWS_SECRET_ACCESS_KEY=");
            text.push_str(&String::from_utf8_lossy(f.secret_access_key.expose_secret()));
            text.push_str(&format!("\nexport AWS_ENDPOINT_URL={endpoint}\n"));
            text.push_str(&format!(
                "\n(set AWS_REGION=us-east-1 too if no region is configured; the same credentials are in {} as profile [{}])\n",
                f.credentials_file.display(),
                trent_server::CREDENTIALS_PROFILE
            ));
        }
        None => {
            let file = data_dir.join("credentials");
            text.push_str(&format!("Trent is listening on {endpoint}\n"));
            text.push_str(&format!(
                "export AWS_SHARED_CREDENTIALS_FILE={} AWS_PROFILE={} AWS_ENDPOINT_URL={endpoint}\n",
                file.display(),
                trent_server::CREDENTIALS_PROFILE
            ));
        }
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
