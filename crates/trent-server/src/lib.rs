//! Trent's server: configuration, bootstrap (data directory, seal, database, default
//! account), SigV4 authentication, routing by `X-Amz-Target`, and the scheduler.
//!
//! [`run`] serves a bound listener until a shutdown future resolves, as mini-redis does:
//! the caller owns the socket, the state and the shutdown signal.

mod app;
pub mod audit;
mod auth;
mod bootstrap;
mod cluster;
pub mod config;
mod data_dir;
pub mod events;
mod gate;
pub mod harden;
pub mod hsm;
mod key_usage;
pub mod metrics;
pub mod node_id;
mod on_behalf;
mod query;
pub mod quota;
mod reset;
pub mod root;
mod rotation;
mod scheduler;
pub mod seal;
pub mod seed;
mod serve;
mod services;
mod state;
pub mod tls;

use std::future::Future;
use std::sync::Arc;

pub use app::{MAX_BODY, app};
pub use audit::AuditLog;
pub use auth::{Authenticator, SecureTransport};
pub use bootstrap::{
    AUDIT_FILE, BootstrapError, CREDENTIALS_PROFILE, DATABASE_FILE, FirstStart, Offline, append_credentials, bootstrap,
    open_identities, open_offline,
};
pub use cluster::{CHANNEL, Cluster, FULL_CHECK_INTERVAL};
pub use config::{
    Config, ConfigError, HttpLimits, RawCluster, RawConfig, RawPostgres, RawQuotas, RawRotation, RawSeal, RawTls,
    Regions, RotationSettings, Storage, StorageSetting,
};
pub use data_dir::DEV_MARKER;
pub use gate::{FirstStartHook, Gate, OperatorError, SealStatus};
pub use node_id::{NODE_ID_FILE, NodeId};
pub use state::{AppState, Readiness};

/// Serves `listener` until `shutdown` resolves, then stops accepting, lets in-flight requests
/// finish and stops the scheduler. Connections are bounded by `state.config.http`: a
/// header-read timeout, an idle timeout and a cap on connections served at once.
///
/// # Errors
/// I/O errors of the listener.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    run_gate(listener, Gate::serving(state, local).map_err(std::io::Error::other)?, shutdown).await
}

/// Serves `listener` through `gate` (sealed or serving, see [`Gate`]) until `shutdown`
/// resolves, as [`run`] does.
///
/// # Errors
/// I/O errors of the listener.
pub async fn run_gate(
    listener: tokio::net::TcpListener,
    gate: Arc<Gate>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = gate.config().http;
    let tls = gate.tls().cloned();
    let reloader = tls.clone().map(|tls| tokio::spawn(reload_on_hangup(tls)));
    let served = serve::serve(listener, gate::router(gate.clone()), limits, tls, shutdown).await;
    if let Some(reloader) = reloader {
        reloader.abort();
    }
    gate.shutdown().await;
    served
}

/// Reloads the TLS certificate and key on each SIGHUP; a failed reload keeps the previous
/// ones and says why in the log.
async fn reload_on_hangup(tls: Arc<tls::ServerTls>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch SIGHUP; the TLS certificate reloads only with a restart");
                return;
            }
        };
        while hangups.recv().await.is_some() {
            match tls.reload() {
                Ok(()) => tracing::info!(
                    cert_file = %tls.settings().cert_file.display(),
                    "SIGHUP: TLS certificate reloaded; new connections use it"
                ),
                Err(e) => tracing::error!(error = %e, "SIGHUP: TLS reload failed; the previous certificate stays"),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tls;
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled: call it before announcing that the server is up, so that a
/// signal sent right after the announcement shuts down gracefully instead of killing the
/// process. Must be called within a Tokio runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |s: std::io::Result<tokio::signal::unix::Signal>| async move {
                match s {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(interrupt) => {},
                _ = wait(terminate) => {},
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutdown signal received");
    }
}
