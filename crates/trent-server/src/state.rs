//! The state every request handler shares.

use std::sync::Arc;

use trent_core::kms::Kms;
use trent_core::params::Params;
use trent_core::secrets::Secrets;
use trent_core::{EventStore, Identities, SharedClock, Store};

use crate::audit::AuditLog;
use crate::auth::Authenticator;
use crate::config::Config;
use crate::quota::RequestQuotas;
use crate::tls::ServerTls;

/// Services, clock and configuration, built once by [`crate::bootstrap`].
pub struct AppState {
    /// AWS KMS (shared with the services that use it on a caller's behalf).
    pub kms: Arc<Kms>,
    /// AWS Secrets Manager.
    pub secrets: Secrets,
    /// SSM Parameter Store.
    pub params: Params,
    /// The outbox of events (Parameter Store's changes and policy actions) awaiting delivery.
    pub events: Arc<dyn EventStore>,
    /// The worker that delivers the outbox to the sinks of `[events]` (the scheduler runs it).
    pub delivery: Arc<crate::events::Delivery>,
    /// Accounts and access keys.
    pub identities: Identities,
    /// SigV4 verification with its signing-key cache.
    pub auth: Authenticator,
    /// The clock (a manual one in tests).
    pub clock: SharedClock,
    /// The validated configuration.
    pub config: Config,
    /// The audit trail's group-commit writer (and `LookupEvents` through `audit.trail()`).
    pub audit: AuditLog,
    /// The store behind `kms` and `identities`, for a development server's reset.
    pub store: Arc<dyn Store>,
    /// Keeps two resets from interleaving.
    pub reset_lock: tokio::sync::Mutex<()>,
    /// Request quotas per account and region.
    pub quotas: RequestQuotas,
    /// The listener's TLS configuration (`None`: plain HTTP); [`ServerTls::reload`] on SIGHUP.
    pub tls: Option<Arc<ServerTls>>,
    /// What `/ready` checks beyond a read of the store.
    pub readiness: Readiness,
    /// This node's part of a cluster on PostgreSQL (cache invalidation, scheduler leases);
    /// `None` on SQLite, where the node is alone.
    pub cluster: Option<Arc<crate::cluster::Cluster>>,
    /// What `/metrics` shows that the services do not count themselves.
    pub metrics: crate::metrics::Metrics,
    /// The root key's generation and its rotation (`None` in tests that build services over
    /// a bare root key).
    pub root: Option<Arc<crate::root::RootControl>>,
}

/// How `/ready` knows that the server can serve: the store answers a read, and on PostgreSQL
/// the schema is still the one this build migrates to (another node may have upgraded it, or a
/// restore may have rolled it back).
#[derive(Clone, Debug)]
pub enum Readiness {
    /// A read of the store is enough (SQLite: the process's own files, checked when opened).
    Store,
    /// A read of the store, and the schema version of this PostgreSQL store.
    Postgres(trent_store::PgStore),
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("kms", &self.kms)
            .field("secrets", &self.secrets)
            .field("identities", &self.identities)
            .field("audit", &self.audit)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
