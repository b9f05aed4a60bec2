//! Many stateless nodes on one PostgreSQL database: cache invalidation between them, and the
//! leases under which scheduled work runs on one node at a time.
//!
//! # Caches
//! Every node caches unwrapped keys, aliases and credentials (with their parsed policies),
//! secrets and parameters.
//! After a change commits, the node that made it drops its own entries and hands the same
//! [`Invalidation`] to this module's sink, which sends it to every node on the PostgreSQL
//! channel [`CHANNEL`] (`NOTIFY`); each other node drops what it names as soon as it arrives
//! (milliseconds). A notification can be missed (the listening connection broke, the sender's
//! database call failed, the queue overflowed), so every node also checks its caches every
//! [`FULL_CHECK_INTERVAL`]: each cached key's, credential's, secret's and parameter's stamp
//! (`trent_store::PgStore::key_stamps` and its siblings, which move whenever any row the entry
//! was built from is written) is compared with the one read when it was loaded, and only the
//! entries whose stamp moved are dropped (parameter listing pages, which carry no stamp, are
//! dropped whole). A change on one node is seen on every other within that interval at worst.
//! That is the documented bound (`docs/deploy.md`).
//!
//! The listening connection proves it delivers with heartbeats it sends itself: one that hears
//! nothing for [`trent_store::LISTENER_SILENCE`] (a partition black-holed it) is made again on a
//! new connection, and a full check runs at once each time it is, so that a node back from a
//! partition takes up what it missed within seconds rather than at its next periodic check.
//!
//! # Leases
//! Each scheduled job ([`crate::scheduler::JOBS`]: `kms`, key deletions and rotations;
//! `params`, parameter policies; `secrets`, deletions past their recovery window and replica
//! retries; `secret-rotations`; `events`, delivery) runs under a lease of its own, a
//! session-level advisory lock held by a connection the lease keeps ([`trent_store::PgLease`]).
//! A node keeps a lease while its connection lives and runs the job on each tick; the other
//! nodes' attempts fail and they skip it. A node that dies, or loses its connection, loses the lease with its session; another
//! node takes it on its next tick and the job goes on from the database's state (the work is
//! "what is due now", each item a conditional write, so nothing runs twice).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, mpsc, watch};
use trent_core::{Invalidation, InvalidationSink};
use trent_store::{Notice, PgLease, PgStore};

use crate::state::AppState;

/// The PostgreSQL channel invalidations travel on.
pub const CHANNEL: &str = "trent_cache";
/// How often every node drops everything it caches, so that a missed notification cannot keep
/// a stale key, grant, credential or policy in use for longer.
pub const FULL_CHECK_INTERVAL: Duration = Duration::from_secs(30);
/// Invalidations queued for sending at most; past it they are dropped (and caught by the
/// other nodes' full check).
const QUEUE: usize = 10_000;
/// How often a node checks that it still holds the reservation of its id.
const RESERVATION_CHECK: Duration = Duration::from_secs(2);
/// How long the listener waits before connecting again after the database went away.
const RECONNECT_PAUSE: Duration = Duration::from_millis(500);
/// How often the listener looks whether a database known to be down is back, before it
/// subscribes again (a subscription attempted while it is down could only wait out its limit).
const DOWN_POLL: Duration = Duration::from_millis(100);

/// This node's part of the cluster: its id on the channel, the queue of invalidations to send,
/// the leases it holds.
pub struct Cluster {
    store: PgStore,
    /// This node's id ([`crate::node_id`]): a node ignores the notifications it sent itself.
    node: String,
    /// The advisory lock reserving the node id while this node runs (given up at shutdown);
    /// `None` while it is lost (the database went away) and not yet taken again.
    reserved: Mutex<Option<PgLease>>,
    queue: mpsc::Sender<Invalidation>,
    /// Taken by the sending task when the server starts.
    outgoing: std::sync::Mutex<Option<mpsc::Receiver<Invalidation>>>,
    leases: Mutex<HashMap<&'static str, PgLease>>,
    /// Counters for `/metrics`.
    pub(crate) stats: Arc<ClusterStats>,
}

/// What the cluster did, for operators.
#[derive(Default)]
pub(crate) struct ClusterStats {
    pub(crate) sent: AtomicU64,
    pub(crate) received: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) full_checks: AtomicU64,
    /// Times the listening connection was made again (it ended, or went silent).
    pub(crate) reconnects: AtomicU64,
    /// Cached entries the full checks found changed (and dropped), by cache.
    pub(crate) checked_dropped: CheckedDropped,
}

/// Entries the full checks dropped, per cache.
#[derive(Default)]
pub(crate) struct CheckedDropped {
    pub(crate) keys: AtomicU64,
    pub(crate) credentials: AtomicU64,
    pub(crate) secrets: AtomicU64,
    pub(crate) parameters: AtomicU64,
}

impl CheckedDropped {
    /// `(cache label, count)` for `/metrics`.
    pub(crate) fn by_cache(&self) -> [(&'static str, u64); 4] {
        [
            ("keys", self.keys.load(Ordering::Relaxed)),
            ("credentials", self.credentials.load(Ordering::Relaxed)),
            ("secrets", self.secrets.load(Ordering::Relaxed)),
            ("parameters", self.parameters.load(Ordering::Relaxed)),
        ]
    }
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster").field("node", &self.node).finish_non_exhaustive()
    }
}

/// The sink the caches publish to: a bounded queue that never blocks a request.
struct QueueSink(mpsc::Sender<Invalidation>, Arc<ClusterStats>);

impl InvalidationSink for QueueSink {
    fn publish(&self, change: Invalidation) {
        if self.0.try_send(change).is_err() {
            self.1.dropped.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("cache invalidation queue full; other nodes catch up at their next full check");
        }
    }
}

impl Cluster {
    /// A node of the cluster on `store`, with the sink its caches publish to.
    pub(crate) fn new(
        store: PgStore,
        node: &crate::node_id::NodeId,
        reserved: PgLease,
    ) -> (Arc<Self>, Arc<dyn InvalidationSink>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let stats = Arc::new(ClusterStats::default());
        let cluster = Arc::new(Self {
            store,
            node: node.to_string(),
            reserved: Mutex::new(Some(reserved)),
            queue: tx.clone(),
            outgoing: std::sync::Mutex::new(Some(rx)),
            leases: Mutex::new(HashMap::new()),
            stats: stats.clone(),
        });
        (cluster, Arc::new(QueueSink(tx, stats)))
    }

    /// Tells the other nodes that everything changed (after a development reset).
    pub(crate) fn publish_all(&self) {
        if self.queue.try_send(Invalidation::All).is_err() {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Whether this node holds (or has just taken) the lease of `job`: run the job only then.
    pub(crate) async fn hold(&self, job: &'static str) -> bool {
        let mut leases = self.leases.lock().await;
        if let Some(lease) = leases.get_mut(job) {
            if lease.is_held().await {
                return true;
            }
            tracing::warn!(job, "lost the lease of a scheduled job (its connection ended)");
            leases.remove(job);
        }
        match self.store.try_lease(job).await {
            Ok(Some(lease)) => {
                tracing::info!(job, "took the lease of a scheduled job");
                leases.insert(job, lease);
                true
            }
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(job, error = %e, "cannot reach the database for a lease; the job waits");
                false
            }
        }
    }

    /// Takes the reservation of this node's id again if its connection was lost (a database
    /// restart ends every session): until then another process could start on this id. If one
    /// did, this node's audit commits conflict with its (the chain's keys refuse a second
    /// writer, so it cannot fork) and the log says why.
    async fn keep_reservation(&self) {
        let mut reserved = self.reserved.lock().await;
        if let Some(lease) = reserved.as_mut()
            && lease.is_held().await
        {
            return;
        }
        if reserved.take().is_some() {
            tracing::warn!(node = %self.node, "lost the reservation of this node's id (its connection ended)");
        }
        match self.store.try_lease(&reservation_of(&self.node)).await {
            Ok(Some(lease)) => {
                tracing::info!(node = %self.node, "took the reservation of this node's id again");
                *reserved = Some(lease);
            }
            Ok(None) => tracing::error!(
                node = %self.node,
                "another process took this node's id while the database was unreachable; stop one of them"
            ),
            Err(e) => tracing::debug!(error = %e, "cannot reach the database to reserve this node's id"),
        }
    }

    /// The jobs whose lease this node holds.
    pub(crate) async fn leases_held(&self) -> Vec<&'static str> {
        let mut held: Vec<_> = self.leases.lock().await.keys().copied().collect();
        held.sort_unstable();
        held
    }

    /// Gives every lease and the node id up (at shutdown), so another node takes them at once.
    async fn release_all(&self) {
        let mut leases: Vec<PgLease> = self.leases.lock().await.drain().map(|(_, l)| l).collect();
        leases.extend(self.reserved.lock().await.take());
        for lease in leases {
            lease.release().await;
        }
    }

    /// The database pool's connections: (open, idle).
    pub(crate) fn pool_connections(&self) -> (u32, usize) {
        self.store.pool_connections()
    }

    /// Store calls abandoned at the client-side time limit (`postgres.call_timeout_milliseconds`).
    pub(crate) fn store_call_timeouts(&self) -> u64 {
        self.store.call_timeouts()
    }
}

/// The lease that reserves node id `node` while its node runs.
pub(crate) fn reservation_of(node: &str) -> String {
    format!("node:{node}")
}

/// Drops everything `state`'s caches hold.
fn forget_everything(state: &AppState) {
    state.kms.invalidate_cache();
    state.identities.invalidate_cache();
    state.secrets.invalidate_cache();
    state.params.invalidate_cache();
}

/// The periodic check of this node's caches against the database: keeps each cached key,
/// credential, secret and parameter whose stamp has not moved since it was loaded and drops
/// the others (so a hot entry is not reloaded on every node every interval, and a missed
/// notification still cannot keep a stale one in use for longer). A check that cannot read a
/// cache's stamps drops that cache whole.
async fn full_check(state: &AppState, cluster: &Cluster) {
    let store = &cluster.store;
    let dropped = &cluster.stats.checked_dropped;
    let keys = state.kms.cached_key_ids();
    let stamps = store.key_stamps(&keys).await;
    let changed = |current: &_| state.kms.drop_changed_keys(current);
    check_cache("keys", keys, stamps, changed, || state.kms.invalidate_cache(), &dropped.keys);
    let credentials = state.identities.cached_credential_ids();
    let stamps = store.credential_stamps(&credentials).await;
    let changed = |current: &_| state.identities.drop_changed_credentials(current);
    check_cache(
        "credentials",
        credentials,
        stamps,
        changed,
        || state.identities.invalidate_cache(),
        &dropped.credentials,
    );
    let secrets = state.secrets.cached_secret_names();
    let stamps = store.secret_stamps(&secrets).await;
    let changed = |current: &_| state.secrets.drop_changed_secrets(current);
    check_cache("secrets", secrets, stamps, changed, || state.secrets.invalidate_cache(), &dropped.secrets);
    let parameters = state.params.cached_parameter_names();
    let stamps = store.parameter_stamps(&parameters).await;
    let changed = |current: &_| state.params.drop_changed_parameters(current);
    check_cache("parameters", parameters, stamps, changed, || state.params.invalidate_cache(), &dropped.parameters);
    if let Some(root) = &state.root {
        root.reload().await;
    }
    cluster.stats.full_checks.fetch_add(1, Ordering::Relaxed);
}

/// One cache's part of the full check: `drop_changed` with each of the `cached` entries'
/// stamps now, counted in `dropped`; `forget_all` if the stamps could not be read.
fn check_cache<K: Eq + std::hash::Hash>(
    cache: &str,
    cached: Vec<K>,
    stamps: Result<HashMap<K, String>, trent_core::StoreError>,
    drop_changed: impl FnOnce(&HashMap<K, Option<String>>) -> usize,
    forget_all: impl FnOnce(),
    dropped: &AtomicU64,
) {
    match stamps {
        Ok(stamps) => {
            let n = drop_changed(&current(cached, stamps));
            dropped.fetch_add(n as u64, Ordering::Relaxed);
        }
        Err(e) => {
            tracing::warn!(cache, error = %e, "cannot read the stamps of cached entries; dropping them all");
            forget_all();
        }
    }
}

/// Each cached entry with its stamp now (`None`: no longer stored).
fn current<K: Eq + std::hash::Hash>(cached: Vec<K>, mut stamps: HashMap<K, String>) -> HashMap<K, Option<String>> {
    cached
        .into_iter()
        .map(|entry| {
            let stamp = stamps.remove(&entry);
            (entry, stamp)
        })
        .collect()
}

/// Applies one invalidation from another node.
fn apply(state: &AppState, change: &Invalidation) {
    state.kms.apply_remote(change);
    state.identities.apply_remote(change);
    state.secrets.apply_remote(change);
    state.params.apply_remote(change);
}

/// Sends, listens and checks until `shutdown` turns true; then gives the leases up.
pub(crate) async fn run(state: Arc<AppState>, cluster: Arc<Cluster>, shutdown: watch::Receiver<bool>) {
    let outgoing = cluster.outgoing.lock().ok().and_then(|mut rx| rx.take());
    let sender = outgoing.map(|rx| tokio::spawn(send(cluster.clone(), rx)));
    let listener = tokio::spawn(listen(state.clone(), cluster.clone()));
    let mut checks = tokio::time::interval(state.config.full_check_interval);
    checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    checks.tick().await; // the first tick is immediate; the caches are empty anyway
    let mut reservation = tokio::time::interval(RESERVATION_CHECK);
    reservation.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut shutdown = shutdown;
    loop {
        tokio::select! {
            _ = reservation.tick() => cluster.keep_reservation().await,
            _ = checks.tick() => full_check(&state, &cluster).await,
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
    }
    listener.abort();
    if let Some(sender) = sender {
        sender.abort();
    }
    cluster.release_all().await;
}

/// Sends queued invalidations, each as `node<TAB>invalidation`.
async fn send(cluster: Arc<Cluster>, mut rx: mpsc::Receiver<Invalidation>) {
    while let Some(change) = rx.recv().await {
        let payload = format!("{}\t{}", cluster.node, change.encode());
        match cluster.store.notify(CHANNEL, &payload).await {
            Ok(()) => {
                cluster.stats.sent.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                cluster.stats.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, "cannot send a cache invalidation; other nodes catch up at their full check");
            }
        }
    }
}

/// Listens for other nodes' invalidations, on a subscription that proves it still delivers
/// (`trent_store::PgNotifications`' heartbeats): one that ends, or goes silent for
/// [`trent_store::LISTENER_SILENCE`] (a partition black-holes its connection without a word),
/// is dropped and made again on a new connection once the database answers, within the call's
/// time limit; everything cached is dropped when it is (nothing would tell this node of a
/// change meanwhile). Every time it is (re)made, and whenever it reconnected by itself, some
/// notifications may have been missed: one full check follows at once.
async fn listen(state: Arc<AppState>, cluster: Arc<Cluster>) {
    let mut first = true;
    loop {
        while cluster.store.database_down() {
            tokio::time::sleep(DOWN_POLL).await;
        }
        let mut notifications = match cluster.store.listen(CHANNEL, &cluster.node).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for cache invalidations; retrying");
                tokio::time::sleep(RECONNECT_PAUSE).await;
                continue;
            }
        };
        if !std::mem::take(&mut first) {
            cluster.stats.reconnects.fetch_add(1, Ordering::Relaxed);
            tracing::info!("listening for cache invalidations again; checking the caches");
        }
        // Anything may have changed while this node was not listening.
        full_check(&state, &cluster).await;
        loop {
            match notifications.next().await {
                Ok(Notice::Message(payload)) => {
                    let Some((node, text)) = payload.split_once('\t') else { continue };
                    if node == cluster.node {
                        continue;
                    }
                    cluster.stats.received.fetch_add(1, Ordering::Relaxed);
                    let change = Invalidation::decode(text).unwrap_or(Invalidation::All);
                    apply(&state, &change);
                }
                Ok(Notice::Reconnected) => {
                    cluster.stats.reconnects.fetch_add(1, Ordering::Relaxed);
                    full_check(&state, &cluster).await;
                }
                Err(e) => {
                    // Until it listens again nothing would tell this node of a change.
                    tracing::warn!(error = %e, "lost the cache invalidation channel; listening again");
                    forget_everything(&state);
                    tokio::time::sleep(RECONNECT_PAUSE).await;
                    break;
                }
            }
        }
    }
}
