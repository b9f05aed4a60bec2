//! The servers `trent bench` measures: one in this process (its own runtime and worker
//! threads, a temporary data directory), or one in a child process pinned to some CPUs with
//! `taskset`, so that the server and the load generator do not share a core.
//!
//! Either runs with request quotas off or on (AWS's default table), and serves plain HTTP or
//! HTTPS (TLS with a self-signed certificate made for the run, which the client trusts); with
//! `encrypt-hsm`, its `[[hsm_clusters]]` names the run's SoftHSM2 token.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use trent_client::Credentials;
use trent_server::tls::TlsSettings;

/// Whether the measured server enforces request quotas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum QuotaMode {
    /// No request quotas (as `trent server --dev`).
    Off,
    /// AWS's default table, as a production server runs.
    On,
}

impl QuotaMode {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::On => "on",
        }
    }
}

/// Whether the measured server speaks plain HTTP or HTTPS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Transport {
    /// Plain HTTP on loopback.
    Http,
    /// TLS on the listener (rustls), the client trusting the run's self-signed certificate.
    Https,
}

impl Transport {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }
}

/// A server to measure, stopped when dropped.
pub(crate) enum Server {
    InProcess(InProcess),
    Child(ChildServer),
}

impl Server {
    /// In this process with `threads` worker threads, or, with `cpus`, in a child process
    /// pinned to those CPUs (a `taskset` list such as `0` or `0-1`); with `hsm_module`, the
    /// run's SoftHSM2 token is its cluster (`SOFTHSM2_CONF` is set already).
    pub(crate) fn start(
        mode: QuotaMode,
        transport: Transport,
        threads: usize,
        cpus: Option<&str>,
        hsm_module: Option<&Path>,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        Ok(match cpus {
            Some(cpus) => Self::Child(ChildServer::start(mode, transport, cpus, hsm_module)?),
            None => Self::InProcess(InProcess::start(mode, transport, threads, hsm_module)?),
        })
    }

    pub(crate) fn endpoint(&self) -> &str {
        match self {
            Self::InProcess(s) => &s.endpoint,
            Self::Child(s) => &s.endpoint,
        }
    }

    /// The certificate the client must trust (the server's own, self-signed), for HTTPS.
    pub(crate) fn ca_bundle(&self) -> Option<PathBuf> {
        match self {
            Self::InProcess(s) => s.tls.as_ref().map(|t| t.cert_file.clone()),
            Self::Child(s) => s.tls.as_ref().map(|t| t.cert_file.clone()),
        }
    }

    pub(crate) fn credentials(&self) -> Result<Credentials, Box<dyn std::error::Error>> {
        let dir = match self {
            Self::InProcess(s) => s.dir.path().join("data"),
            Self::Child(s) => s.data_dir(),
        };
        Ok(trent_client::from_file(&dir.join("credentials"), trent_server::CREDENTIALS_PROFILE)?)
    }
}

/// A server on its own runtime and threads, in a temporary data directory.
pub(crate) struct InProcess {
    endpoint: String,
    tls: Option<TlsSettings>,
    dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl InProcess {
    fn start(
        mode: QuotaMode,
        transport: Transport,
        threads: usize,
        hsm_module: Option<&Path>,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        // A subdirectory: the server refuses a data directory others may read (a tempdir is 0755).
        let mut config = trent_server::Config::for_data_dir(dir.path().join("data"));
        if mode == QuotaMode::On {
            config.quotas = Some(trent_core::quota::QuotaTable::aws());
        }
        let tls = tls_for(transport, dir.path())?;
        config.tls.clone_from(&tls);
        config.hsm_clusters = hsm_module.map(super::hsm::cluster).into_iter().collect();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build()?;
        let (listener, state) = rt.block_on(async {
            let listener = tokio::net::TcpListener::bind(config.listen).await?;
            let (state, _) = trent_server::bootstrap(config, Arc::new(trent_core::SystemClock)).await?;
            Ok::<_, Box<dyn std::error::Error>>((listener, state))
        })?;
        let endpoint = format!("{}://{}", transport.label(), listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let _ = rt.block_on(trent_server::run(listener, state, async {
                let _ = stopped.await;
            }));
        });
        Ok(Self { endpoint, tls, dir, stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `trent server` in a child process pinned with `taskset -c CPUS`, on a free loopback port
/// and a temporary data directory.
pub(crate) struct ChildServer {
    endpoint: String,
    tls: Option<TlsSettings>,
    dir: tempfile::TempDir,
    child: Child,
}

/// How long a child server may take to answer `/health`.
const START_TIMEOUT: Duration = Duration::from_secs(60);

impl ChildServer {
    fn start(
        mode: QuotaMode,
        transport: Transport,
        cpus: &str,
        hsm_module: Option<&Path>,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        // A free port: bound, read and released (the child binds it a moment later).
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let config = dir.path().join("trent.toml");
        let tls = tls_for(transport, dir.path())?;
        let tls_table = tls.as_ref().map_or(String::new(), |t| {
            format!("\n[tls]\ncert_file = {:?}\nkey_file = {:?}\n", t.cert_file.display(), t.key_file.display())
        });
        let clusters = hsm_module.map_or(String::new(), super::hsm::cluster_toml);
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:{port}\"\n{clusters}\n[quotas]\nenabled = {}\n{tls_table}",
                mode == QuotaMode::On
            ),
        )?;
        let child = Command::new("taskset")
            .args(["-c", cpus])
            .arg(std::env::current_exe()?)
            .args(["server", "--log", "warn", "--config"])
            .arg(&config)
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()?;
        let server = Self { endpoint: format!("{}://127.0.0.1:{port}", transport.label()), tls, dir, child };
        server.wait_ready(port)?;
        Ok(server)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Waits until the credentials file exists and the port accepts connections.
    fn wait_ready(&self, port: u16) -> Result<(), Box<dyn std::error::Error>> {
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            let listening = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
            if listening && self.data_dir().join("credentials").is_file() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("the pinned server did not start within {} s", START_TIMEOUT.as_secs()).into())
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// For HTTPS: a self-signed certificate for 127.0.0.1 in `dir` (as `trent server --dev-tls`
/// makes), which the server serves and the client trusts.
fn tls_for(transport: Transport, dir: &std::path::Path) -> Result<Option<TlsSettings>, Box<dyn std::error::Error>> {
    Ok(match transport {
        Transport::Http => None,
        Transport::Https => Some(trent_server::tls::dev_certificate(dir)?),
    })
}

/// Pins this process's later threads to `cpus` (the main thread's affinity is inherited by
/// every thread it starts afterwards).
pub(crate) fn pin_this_process(cpus: &str) -> Result<(), Box<dyn std::error::Error>> {
    let status = Command::new("taskset")
        .args(["-p", "-c", cpus, &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status()?;
    if status.success() { Ok(()) } else { Err(format!("taskset could not pin this process to CPUs {cpus}").into()) }
}
