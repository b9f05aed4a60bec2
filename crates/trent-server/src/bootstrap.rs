//! First start and every start: the data directory, the seal, the database, the default
//! account and its administrator, and the services built over them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use trent_core::audit::AuditSigner;
use trent_core::kms::{HostedRegions, Kms};
use trent_core::params::Params;
use trent_core::quota::{MonotonicClock, Quotas};
use trent_core::secrets::Secrets;
use trent_core::store::AuditStore;
use trent_core::{EventStore, Identities, KeyWrapper, MetaStore, ParamStore, SharedClock, Store};
use trent_crypto::{SecretBytes, constant_time_eq};
use trent_store::{PgStore, SqliteAuditStore, SqliteStore};

use crate::audit::AuditLog;
use crate::auth::Authenticator;
use crate::config::{Config, Storage};
use crate::data_dir;
use crate::quota::RequestQuotas;
use crate::root::{Released, RootControl};
use crate::seal::{self, SealError, SealSettings};
use crate::state::{AppState, Readiness};
use crate::tls::{ServerTls, TlsError};

/// The profile name written to the credentials file.
pub const CREDENTIALS_PROFILE: &str = "trent";
pub(crate) use trent_core::root_rotation::ROOT_CHECK_META;
/// Set in the database of a development server.
const DEV_META: &str = "development_server";
/// The lease (on PostgreSQL) under which one node at a time does the work of a first start.
const FIRST_START_LEASE: &str = "first-start";
/// How long a node waits for another node's start to finish before giving up.
const FIRST_START_WAIT: std::time::Duration = std::time::Duration::from_secs(120);
/// The main database (keys, identities) in the data directory.
pub const DATABASE_FILE: &str = "trent.db";
/// The audit trail's database in the data directory.
pub const AUDIT_FILE: &str = "audit.db";

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// A configured rotation function was refused.
    #[error("rotation functions: {0}")]
    Rotation(#[from] trent_rotation::FunctionConfigError),
    /// The data directory could not be created or written.
    #[error("data directory {path}: {source}")]
    DataDir {
        /// The directory or file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Group or others may reach the data directory.
    #[error(
        "data directory {path} is accessible to group or others (mode {mode:04o}); Trent refuses it, as ssh refuses \
         an exposed key. Run `chmod 700 {path}` and start again"
    )]
    ExposedDataDir {
        /// The directory.
        path: PathBuf,
        /// Its mode.
        mode: u32,
    },
    /// A development server was pointed at a directory it did not create.
    #[error(
        "data directory {0} was not created by a development server and is not empty; `--dev` never uses a \
         persistent directory. Leave out --data-dir and TRENT_DATA_DIR (a temporary directory is used), or name \
         a new directory"
    )]
    NotADevDataDir(PathBuf),
    /// A server without `--dev` was pointed at a development server's directory.
    #[error(
        "data directory {0} was created by a development server (--dev), whose credentials are well known; a \
         server without --dev refuses it. Use another data directory"
    )]
    DevDataDir(PathBuf),
    /// The TLS certificate, key or client CA bundle is not usable.
    #[error("tls: {0}")]
    Tls(#[from] TlsError),
    /// The seal did not release the root key.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The database could not be opened or read.
    #[error("database: {0}")]
    Store(#[source] trent_core::StoreError),
    /// The state of a root key rotation could not be taken up.
    #[error("root key rotation: {0}")]
    RootRotation(#[source] trent_core::root_rotation::RotationError),
    /// The root key does not belong to this database.
    #[error("the root key in {0} does not match this database; refusing to start")]
    WrongRootKey(PathBuf),
    /// Shamir shares of the other side of a root key rotation than the database's.
    #[error(transparent)]
    Shares(crate::seal::ShareError),
    /// The audit signing key or the audit writer could not be set up.
    #[error("audit trail: {0}")]
    Audit(#[source] trent_core::audit::AuditError),
    /// The seed file is malformed or cannot be applied.
    #[error(transparent)]
    Seed(#[from] crate::seed::SeedError),
    /// Another running node has this node's id.
    #[error(
        "node id {0} is in use by another running node on this database (two nodes on one id would fork its audit \
         chain); give this node another [cluster] node_id, or stop the other one"
    )]
    NodeIdInUse(crate::node_id::NodeId),
    /// The default account or its administrator could not be created.
    #[error("creating the default account: {0}")]
    Identity(#[source] trent_core::IdentityError),
}

/// What the first start created, for the operator to see once.
pub struct FirstStart {
    /// The default account's id.
    pub account_id: String,
    /// The administrator's access key id.
    pub access_key_id: String,
    /// The administrator's secret access key (printed once, written to the credentials file).
    pub secret_access_key: SecretBytes,
    /// Where the credentials file is.
    pub credentials_file: PathBuf,
}

/// Opens (or initialises) everything under `config.data_dir` and in `config.storage`, and
/// returns the server state,
/// with what was created if this was the first start.
///
/// # Errors
/// [`BootstrapError`] naming what failed.
pub async fn bootstrap(
    config: Config,
    clock: SharedClock,
) -> Result<(Arc<AppState>, Option<FirstStart>), BootstrapError> {
    let tls = prepare(&config)?;
    let released = open_seal(&config.seal, &config.data_dir)?;
    build(config, clock, released, tls).await
}

/// What every start does before the seal: the certificate (a bad one stops the start before
/// anything is created) and the data directory.
pub(crate) fn prepare(config: &Config) -> Result<Option<Arc<ServerTls>>, BootstrapError> {
    let tls = config.tls.clone().map(ServerTls::load).transpose()?.map(Arc::new);
    data_dir::open(&config.data_dir, config.dev)?;
    Ok(tls)
}

/// Opens the stores and builds the services over the root key the seal `released`,
/// creating the default account on the first start.
pub(crate) async fn build(
    config: Config,
    clock: SharedClock,
    released: Released,
    tls: Option<Arc<ServerTls>>,
) -> Result<(Arc<AppState>, Option<FirstStart>), BootstrapError> {
    let dir = config.data_dir.clone();
    let key_path = released.seal_file.clone();
    match released.root.memory_locked() {
        Some(Ok(())) => tracing::debug!("the root key's page is locked in memory"),
        Some(Err(reason)) => tracing::warn!(
            %reason,
            "the root key's page could not be locked in memory (mlock): it may be written to swap; grant \
             CAP_IPC_LOCK or raise RLIMIT_MEMLOCK (LimitMEMLOCK= in systemd), or use encrypted swap or none"
        ),
        None => tracing::warn!("the root key was not built to be locked in memory"),
    }
    // Every store lives in the one database configured: with PostgreSQL storage the data
    // directory holds only the seal's files, so nodes sharing the database share everything.
    let mut first_start_lease = None;
    let (store, audit, readiness, param_store, events, cluster, wrapper, root) = match &config.storage {
        Storage::Sqlite => {
            data_dir::precreate_private(&dir.join(DATABASE_FILE))?;
            data_dir::precreate_private(&dir.join(AUDIT_FILE))?;
            let sqlite = Arc::new(SqliteStore::open(&dir.join(DATABASE_FILE)).await.map_err(BootstrapError::Store)?);
            let store: Arc<dyn Store> = sqlite.clone();
            check_dev_mark(store.as_ref(), &dir, config.dev).await?;
            let settled = crate::root::settle(store.as_ref(), released, &config.seal).await?;
            let wrapper: Arc<dyn KeyWrapper> = settled.ring.clone();
            let trail = Arc::new(SqliteAuditStore::open(&dir.join(AUDIT_FILE)).await.map_err(BootstrapError::Store)?);
            let audit = start_audit(trail.clone(), wrapper.as_ref(), &clock).await?;
            let control = RootControl::new(
                sqlite.clone(),
                sqlite.clone(),
                trail,
                &settled,
                config.seal.clone(),
                key_path.clone(),
                clock.clone(),
            );
            let events: Arc<dyn EventStore> = sqlite.clone();
            let params: Arc<dyn ParamStore> = sqlite;
            (store, audit, Readiness::Store, params, events, None, wrapper, control)
        }
        Storage::Postgres(settings) => {
            let pg = PgStore::open(settings).await.map_err(BootstrapError::Store)?;
            // Nodes starting together on a fresh database would each find it empty and each
            // write its own root-key check, audit signing key and default account: one node at
            // a time does its first-start work, under a lease held until the account exists.
            first_start_lease =
                Some(pg.wait_lease(FIRST_START_LEASE, FIRST_START_WAIT).await.map_err(BootstrapError::Store)?);
            let store: Arc<dyn Store> = Arc::new(pg.clone());
            check_dev_mark(store.as_ref(), &dir, config.dev).await?;
            let settled = crate::root::settle(store.as_ref(), released, &config.seal).await?;
            let wrapper: Arc<dyn KeyWrapper> = settled.ring.clone();
            // Each node records into a chain of its own, named by its stable id: nodes never
            // contend for a row or a lock of the trail, a restarted node resumes its chain, and
            // a node that dies leaves a chain that simply ends (`trent audit verify` checks
            // every chain). The id is reserved while the node runs: two nodes on one id would
            // fork its chain.
            let node = crate::node_id::resolve(config.node_id.as_ref(), &dir)?;
            let reserved =
                pg.try_lease(&crate::cluster::reservation_of(node.as_str())).await.map_err(BootstrapError::Store)?;
            let Some(reserved) = reserved else { return Err(BootstrapError::NodeIdInUse(node)) };
            tracing::info!(%node, "recording the audit trail into this node's own chain");
            let trail = Arc::new(pg.audit_store_for(node.as_str()));
            let audit = start_audit(trail.clone(), wrapper.as_ref(), &clock).await?;
            let pg_arc = Arc::new(pg.clone());
            let control = RootControl::new(
                pg_arc.clone(),
                pg_arc,
                trail,
                &settled,
                config.seal.clone(),
                key_path.clone(),
                clock.clone(),
            )
            // Every other node takes up the new root at its next full check, before any value
            // is wrapped under it.
            .with_settle_delay(config.full_check_interval + std::time::Duration::from_secs(2));
            let params: Arc<dyn ParamStore> = Arc::new(pg.clone());
            let events: Arc<dyn EventStore> = Arc::new(pg.clone());
            let cluster = crate::cluster::Cluster::new(pg.clone(), &node, reserved);
            (store, audit, Readiness::Postgres(pg), params, events, Some(cluster), wrapper, control)
        }
    };

    // One set of buckets: the request path charges most calls, KMS its cryptographic ones.
    let quota_clock = config.quota_clock.clone().unwrap_or_else(|| Arc::new(MonotonicClock::default()));
    let quotas = config.quotas.clone().map(|table| Arc::new(Quotas::new(table, quota_clock)));
    let hosted = match &config.regions {
        crate::config::Regions::Any => HostedRegions::Any,
        crate::config::Regions::List(list) => HostedRegions::List(list.clone()),
    };
    let clusters = Arc::new(crate::hsm::clusters::Pkcs11Clusters::new(config.hsm_clusters.clone()));
    let mut kms = Kms::new(store.clone(), wrapper.clone(), clock.clone())
        .with_hosted_regions(hosted)
        .with_custom_key_stores(store.clone(), clusters);
    let mut identities = Identities::new(store.clone(), wrapper.clone(), clock.clone());
    if let Some((_, sink)) = &cluster {
        kms = kms.with_invalidations(sink.clone());
        identities = identities.with_invalidations(sink.clone());
    }
    if let Some(q) = &quotas {
        kms = kms.with_quotas(q.clone());
    }
    let kms = Arc::new(kms);
    let mut secrets = Secrets::new(store.clone(), kms.clone(), clock.clone()).with_roles(store.clone());
    if let Some((_, sink)) = &cluster {
        secrets = secrets.with_invalidations(sink.clone());
    }
    let mut params = Params::new(param_store, clock.clone());
    if let Some((_, sink)) = &cluster {
        params = params.with_invalidations(sink.clone());
    }
    // A development server has the seed's (or LocalStack's) accounts instead of a random one.
    let first = if !config.dev && identities.accounts().await.map_err(BootstrapError::Identity)?.is_empty() {
        Some(first_start(&identities, store.as_ref(), &dir).await?)
    } else {
        None
    };
    let seed = config.seed.clone();
    let dev = config.dev;
    let quotas = RequestQuotas::new(quotas);
    let delivery = Arc::new(crate::events::Delivery::new(events.clone(), clock.clone(), config.events.clone()));
    let state = Arc::new(AppState {
        kms,
        params,
        events,
        delivery,
        secrets,
        identities,
        auth: Authenticator::default(),
        clock,
        config,
        audit,
        store,
        reset_lock: tokio::sync::Mutex::new(()),
        quotas,
        tls,
        readiness,
        cluster: cluster.map(|(c, _)| c),
        metrics: crate::metrics::Metrics::default(),
        root: Some(Arc::new(root)),
    });
    apply_seed(&state, seed.as_deref(), dev).await?;
    if let Some(lease) = first_start_lease {
        lease.release().await;
    }
    Ok((state, first))
}

/// Releases the root key with the configured seal; returns it, the file it came from and
/// what the seal keeps (the passphrase seal's derived key). A data directory made with
/// another seal is refused (nothing is created in it); a rekey interrupted by a crash is first
/// finished or undone (`seal::settle`). The Shamir seal releases nothing at start: its server
/// starts sealed (see `gate`).
pub(crate) fn open_seal(settings: &SealSettings, dir: &Path) -> Result<Released, BootstrapError> {
    seal::settle(dir)?;
    if let Some((found, found_seal)) = seal::seal_in(dir)
        && found_seal != settings.name()
    {
        return Err(SealError::OtherSeal { found, found_seal, configured: settings.name() }.into());
    }
    match settings {
        SealSettings::File => {
            let key_file = dir.join(seal::KEY_FILE);
            Ok(Released::new(seal::open_key_file(&key_file)?.0, key_file))
        }
        SealSettings::Passphrase(source) => {
            let sealed = seal::sealed_path(dir);
            let passphrase = source.read_for(!sealed.exists())?;
            let (root, _, kek) = seal::open_sealed_file_keeping(&sealed, &passphrase)?;
            Ok(Released { kek: Some(Arc::new(kek)), ..Released::new(root, sealed) })
        }
        SealSettings::Pkcs11(settings) => {
            let sealed = seal::pkcs11_path(dir);
            Ok(Released::new(seal::open_pkcs11_file(&sealed, settings)?.0, sealed))
        }
        SealSettings::Kms(settings) => {
            let sealed = seal::kms_path(dir);
            Ok(Released::new(seal::open_kms_file(&sealed, settings)?.0, sealed))
        }
        SealSettings::Shamir => Err(SealError::Shamir(
            "a shamir-sealed server starts sealed and is unsealed over the API (`trent operator unseal`)".into(),
        )
        .into()),
    }
}

/// On a database shared by several nodes (PostgreSQL), before the seal is opened: when this
/// node's seal file does not release the database's current root key (the node was stopped
/// for a whole rotation, or has no file yet), the file published in the database by the node
/// that wrote it is put in place (see `root::published`). Only the `shamir`, `pkcs11` and
/// `kms` seals publish; a data directory holding another seal's file, or a rekey's own file
/// waiting to be published, is left alone. A failure is logged and the start goes on with
/// the node's own file.
pub(crate) async fn take_up_published(config: &Config) {
    if !matches!(config.storage, Storage::Postgres(_)) || !crate::root::published::publishes(&config.seal) {
        return;
    }
    // Driven on a blocking thread, as the gate builds the services: the compiler cannot prove
    // the store's opening `Send` (higher-ranked lifetimes through sqlx), which a task needs.
    let (config, runtime) = (config.clone(), tokio::runtime::Handle::current());
    let taken = tokio::task::spawn_blocking(move || runtime.block_on(take_up_published_now(&config))).await;
    if let Err(e) = taken {
        tracing::error!(error = %e, "taking up the published seal file panicked; this node's own file is used");
    }
}

async fn take_up_published_now(config: &Config) {
    let Storage::Postgres(settings) = &config.storage else { return };
    let dir = config.data_dir.as_path();
    let path = match &config.seal {
        SealSettings::Shamir => seal::shamir_path(dir),
        SealSettings::Pkcs11(_) => seal::pkcs11_path(dir),
        SealSettings::Kms(_) => seal::kms_path(dir),
        SealSettings::File | SealSettings::Passphrase(_) => return,
    };
    if std::fs::symlink_metadata(dir.join(crate::root::PUBLISH_MARK)).is_ok() {
        return;
    }
    if let Err(e) = seal::settle(dir) {
        return tracing::warn!(error = %e, "the seal's files cannot be settled; the published seal file is not looked at");
    }
    if seal::seal_in(dir).is_some_and(|(found, _)| found != path) {
        return;
    }
    let pg = match PgStore::open(settings).await {
        Ok(pg) => pg,
        Err(e) => {
            return tracing::warn!(error = %e, "the database cannot be read: the published seal file is not looked at");
        }
    };
    if let Err(e) = crate::root::published::take_up(&pg, &config.seal, &path).await {
        tracing::warn!(error = %e, "taking up the published seal file failed; this node's own file is used");
    }
    pg.close().await;
}

/// Loads (or creates) the trail's signing key and starts the audit writer on `trail`.
async fn start_audit<T: AuditStore + MetaStore + 'static>(
    trail: Arc<T>,
    wrapper: &dyn KeyWrapper,
    clock: &SharedClock,
) -> Result<AuditLog, BootstrapError> {
    let signer = AuditSigner::load_or_create(trail.as_ref(), wrapper).await.map_err(BootstrapError::Audit)?;
    AuditLog::start(trail, signer, clock.clone()).await.map_err(BootstrapError::Audit)
}

/// Applies the seed file (and in dev mode the default development credentials).
///
/// # Errors
/// [`BootstrapError::Seed`] naming the file, line and field.
pub(crate) async fn apply_seed(state: &AppState, seed: Option<&Path>, dev: bool) -> Result<(), BootstrapError> {
    match seed {
        Some(path) => {
            let parsed = crate::seed::load(path)?;
            crate::seed::apply(state, &parsed, path, dev).await?;
        }
        None if dev => crate::seed::apply(state, &crate::seed::Seed::default(), Path::new("(built-in)"), true).await?,
        None => {}
    }
    Ok(())
}

/// The database's own mark of a development server, beside the directory's marker file: a
/// database made by a development server is refused without `--dev` even when copied
/// elsewhere, and a development server never adopts a database made without `--dev`.
async fn check_dev_mark(store: &dyn Store, dir: &Path, dev: bool) -> Result<(), BootstrapError> {
    let marked = MetaStore::get_meta(store, DEV_META).await.map_err(BootstrapError::Store)?.is_some();
    match (dev, marked) {
        (true, true) | (false, false) => Ok(()),
        (false, true) => Err(BootstrapError::DevDataDir(dir.to_owned())),
        (true, false) => {
            // A fresh database has no root-key check yet; one that has was used without --dev.
            if MetaStore::get_meta(store, ROOT_CHECK_META).await.map_err(BootstrapError::Store)?.is_some() {
                return Err(BootstrapError::NotADevDataDir(dir.to_owned()));
            }
            MetaStore::put_meta(store, DEV_META, b"1").await.map_err(BootstrapError::Store)
        }
    }
}

async fn check_root_key(store: &dyn Store, wrapper: &dyn KeyWrapper, key_path: &Path) -> Result<(), BootstrapError> {
    let check = wrapper.check_value();
    match MetaStore::get_meta(store, ROOT_CHECK_META).await.map_err(BootstrapError::Store)? {
        Some(stored) if constant_time_eq(&stored, &check) => Ok(()),
        Some(_) => Err(BootstrapError::WrongRootKey(key_path.to_owned())),
        None => MetaStore::put_meta(store, ROOT_CHECK_META, &check).await.map_err(BootstrapError::Store),
    }
}

async fn first_start(identities: &Identities, store: &dyn Store, dir: &Path) -> Result<FirstStart, BootstrapError> {
    // The administrator is the IAM user `admin` with the inline policy AdministratorAccess
    // (Allow * on *), so that it keeps full access once key policies delegate to IAM.
    let (batch, account, key) =
        identities.plan_account_with_admin(None, "default").map_err(BootstrapError::Identity)?;
    // The secret is written down before the account exists, and the file removed if the
    // account cannot be stored: a failure never leaves an account whose administrator's
    // secret is lost, and the next start tries again.
    let credentials_file = dir.join("credentials");
    write_credentials(&credentials_file, &account.id.to_string(), &key.access_key_id, &key.secret_access_key)?;
    if let Err(e) = store.apply_batch(&batch).await {
        if let Err(rm) = std::fs::remove_file(&credentials_file) {
            tracing::error!(error = %rm, path = %credentials_file.display(), "cannot remove the credentials of an account that was not created");
        }
        return Err(BootstrapError::Store(e));
    }
    tracing::info!(account = %account.id, access_key_id = %key.access_key_id, "created the default account and its administrator");
    Ok(FirstStart {
        account_id: account.id.to_string(),
        access_key_id: key.access_key_id,
        secret_access_key: key.secret_access_key,
        credentials_file,
    })
}

/// Writes an AWS shared-credentials file with a `[trent]` profile, mode 0600; a file it
/// created but could not finish (a full disk) is removed again.
fn write_credentials(path: &Path, account: &str, id: &str, secret: &SecretBytes) -> Result<(), BootstrapError> {
    let err = |source| BootstrapError::DataDir { path: path.to_owned(), source };
    let mut text = zeroize::Zeroizing::new(format!(
        "# Trent administrator of account {account}. Use with AWS_SHARED_CREDENTIALS_FILE={} AWS_PROFILE={CREDENTIALS_PROFILE}\n\
         [{CREDENTIALS_PROFILE}]\naws_access_key_id = {id}\naws_secret_access_key = ",
        path.display()
    ));
    text.push_str(std::str::from_utf8(secret.expose_secret()).map_err(|e| err(std::io::Error::other(e)))?);
    text.push('\n');
    let mut file = seal::create_private(path).map_err(err)?;
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all());
    if written.is_err() {
        let _ = std::fs::remove_file(path);
    }
    written.map_err(err)
}

/// Opens the identity service of an existing data directory without serving it, for
/// `trent admin`: the root key, the database and the root-key check, nothing else (no audit
/// writer, no first start). SQLite's WAL lets this run beside a live server.
///
/// # Errors
/// [`BootstrapError::DataDir`] if the directory holds no Trent database yet (start the server
/// once), and everything [`bootstrap`] reports for the seal and the database.
pub async fn open_identities(data_dir: &Path, clock: SharedClock) -> Result<Identities, BootstrapError> {
    let database = data_dir.join(DATABASE_FILE);
    let key_path = data_dir.join("root.key");
    for path in [&database, &key_path] {
        if !path.is_file() {
            return Err(BootstrapError::DataDir {
                path: path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "not a Trent data directory; start `trent server` on it once first",
                ),
            });
        }
    }
    let (root, _) = seal::open_key_file(&key_path)?;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&database).await.map_err(BootstrapError::Store)?);
    check_root_key(store.as_ref(), &root, &key_path).await?;
    // Values are wrapped under the generation the database has reached (during a rotation,
    // the old one: the rotation's next pass wraps them again).
    let generation = trent_core::root_rotation::stored_generation(store.as_ref()).await.map_err(|e| match e {
        trent_core::root_rotation::RotationError::Store(e) => BootstrapError::Store(e),
        other => BootstrapError::RootRotation(other),
    })?;
    let wrapper: Arc<dyn KeyWrapper> = Arc::new(trent_core::RootRing::new(generation, root));
    Ok(Identities::new(store, wrapper, clock))
}

/// The domain services over a deployment's configured storage and seal, without a server:
/// for offline commands that write through the same domain and store code as requests
/// (`trent admin fill`).
pub struct Offline {
    /// KMS over the store and the root key.
    pub kms: Arc<Kms>,
    /// Secrets Manager over the store and that KMS.
    pub secrets: Secrets,
    /// Parameter Store over the store.
    pub params: Params,
    /// The store itself.
    pub store: Arc<dyn Store>,
}

/// Opens the storage of `config` (the data directory's SQLite files, or PostgreSQL) and its
/// root key, as a start does, without creating anything: the deployment must have been
/// started once. It may be running: nothing here takes a node's leases or writes its audit
/// trail, and a running server reads rows added by another process as it reads its own.
///
/// # Errors
/// [`BootstrapError::DataDir`] if the deployment was never started; the seal's, the
/// database's, or [`BootstrapError::WrongRootKey`].
pub async fn open_offline(config: &Config, clock: SharedClock) -> Result<Offline, BootstrapError> {
    let dir = &config.data_dir;
    let released = open_seal(&config.seal, dir)?;
    let (root, key_path) = (released.root, released.seal_file);
    let (store, params): (Arc<dyn Store>, Arc<dyn ParamStore>) = match &config.storage {
        Storage::Sqlite => {
            let database = dir.join(DATABASE_FILE);
            if !database.is_file() {
                let source = std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "not a Trent data directory; start `trent server` on it once first",
                );
                return Err(BootstrapError::DataDir { path: database, source });
            }
            let sqlite = Arc::new(SqliteStore::open(&database).await.map_err(BootstrapError::Store)?);
            (sqlite.clone(), sqlite)
        }
        Storage::Postgres(settings) => {
            let pg = Arc::new(PgStore::open(settings).await.map_err(BootstrapError::Store)?);
            (pg.clone(), pg)
        }
    };
    // The check value is stored by the first start: without it, nothing was ever started here.
    match MetaStore::get_meta(store.as_ref(), ROOT_CHECK_META).await.map_err(BootstrapError::Store)? {
        Some(stored) if constant_time_eq(&stored, &root.check_value()) => {}
        Some(_) => return Err(BootstrapError::WrongRootKey(key_path)),
        None => {
            let source =
                std::io::Error::new(std::io::ErrorKind::NotFound, "no Trent server has started on this storage");
            return Err(BootstrapError::DataDir { path: dir.clone(), source });
        }
    }
    // Values are wrapped under the generation the database has reached, as in `open_identities`.
    let generation = trent_core::root_rotation::stored_generation(store.as_ref()).await.map_err(|e| match e {
        trent_core::root_rotation::RotationError::Store(e) => BootstrapError::Store(e),
        other => BootstrapError::RootRotation(other),
    })?;
    let wrapper: Arc<dyn KeyWrapper> = Arc::new(trent_core::RootRing::new(generation, root));
    let kms = Arc::new(Kms::new(store.clone(), wrapper, clock.clone()));
    let secrets = Secrets::new(store.clone(), kms.clone(), clock.clone());
    Ok(Offline { kms, secrets, params: Params::new(params, clock), store })
}

/// Appends a `[profile]` with an access key to an AWS shared-credentials file, creating it
/// (mode 0600) if needed; an existing file must be private (no group or other access).
///
/// # Errors
/// [`BootstrapError::DataDir`] for I/O errors, a file readable by others, or a profile of
/// that name already in the file.
pub fn append_credentials(
    path: &Path,
    profile: &str,
    comment: &str,
    id: &str,
    secret: &SecretBytes,
) -> Result<(), BootstrapError> {
    let err = |source| BootstrapError::DataDir { path: path.to_owned(), source };
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => Some(zeroize::Zeroizing::new(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(err(e)),
    };
    let mut file = match &existing {
        None => seal::create_private(path).map_err(err)?,
        Some(text) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(path).map_err(err)?.permissions().mode();
                if mode & 0o077 != 0 {
                    return Err(err(std::io::Error::other("the credentials file is readable by others")));
                }
            }
            if text.lines().any(|l| l.trim() == format!("[{profile}]")) {
                return Err(err(std::io::Error::other(format!("profile [{profile}] exists already"))));
            }
            std::fs::OpenOptions::new().append(true).open(path).map_err(err)?
        }
    };
    let mut text = zeroize::Zeroizing::new(format!(
        "\n# {comment}\n[{profile}]\naws_access_key_id = {id}\naws_secret_access_key = "
    ));
    text.push_str(std::str::from_utf8(secret.expose_secret()).map_err(|e| err(std::io::Error::other(e)))?);
    text.push('\n');
    file.write_all(text.as_bytes()).map_err(err)?;
    file.sync_all().map_err(err)
}
