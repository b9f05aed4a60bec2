//! The seal gate: whether the server is sealed or serving, and the operator API that moves it
//! between the two.
//!
//! A server whose seal releases the root key at start (`file`, `passphrase`) is serving from
//! the start. A `shamir`-sealed server starts **sealed**: every AWS call is answered with a
//! 503 `ServiceUnavailableException` naming the state, `/ready` says `sealed`, and nothing
//! but the operator API and `/health` is served. `POST /_trent/operator/unseal` takes one
//! share per call; the call that completes the threshold rebuilds the root key, checks it,
//! and builds the services (`bootstrap::build`). `POST /_trent/operator/seal` drops the
//! services (their caches of unwrapped keys and the root key go with them) and seals again.
//! `GET /_trent/operator/status` says which, unauthenticated (as `/ready` does).
//!
//! A `kms`-sealed server whose remote KMS cannot be reached or refuses `Decrypt` (a disabled
//! key, denied access) at start also starts sealed, answering the same 503 with the remote
//! KMS's reason, and tries again every `[seal.kms] retry_seconds` until it serves.
//!
//! Operator calls that change the state carry the operator token made by
//! `trent operator init` (`Authorization: Bearer ...`): SigV4 cannot authenticate them,
//! because access key secrets are themselves wrapped under the root key.
//!
//! After `trent operator rotate-root` the seal's file (and with it the shares and the token
//! that are accepted) changes under a serving server: each operator call reads it again. While
//! a rotation's `.rotate` file is there, its shares and token are accepted too (see
//! `crate::root` for when they unseal).
//!
//! This module knows the seal and the router; it knows nothing of AWS operations.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tokio::sync::watch;
use tower::ServiceExt as _;
use trent_core::SharedClock;
use trent_rotation::FunctionConfigError;
use trent_wire::AwsError;

use crate::bootstrap::{self, BootstrapError, FirstStart};
use crate::config::Config;
use crate::seal::{self, Progress, SealError, SealSettings, ShamirSeal, ShareError, Unsealing};
use crate::state::AppState;
use crate::tls::ServerTls;

/// Called with what a first start created (the administrator's credentials), whenever the
/// services are first built: at start, or at the unseal that completes a Shamir threshold.
pub type FirstStartHook = Box<dyn Fn(&FirstStart) + Send + Sync>;

/// Sealed or serving, and what moves it between the two.
pub struct Gate {
    config: Config,
    clock: SharedClock,
    tls: Option<Arc<ServerTls>>,
    /// The listener's address (external rotation functions call back to it).
    local: SocketAddr,
    /// The Shamir seal's file, when that is the seal, as last read (for the status; operator
    /// calls read it again).
    shamir: parking_lot::Mutex<Option<ShamirSeal>>,
    phase: parking_lot::Mutex<Phase>,
    /// One unseal or seal at a time (building the services is slow and async).
    transition: tokio::sync::Mutex<()>,
    on_first_start: parking_lot::Mutex<Option<FirstStartHook>>,
}

enum Phase {
    Sealed(Unsealing),
    /// The `kms` seal's remote KMS did not unwrap the root key (the reason); tried again.
    AwaitingKms(String),
    Serving(Serving),
    /// Shut down: nothing is served any more.
    Stopped,
}

/// The services and the tasks that run with them.
struct Serving {
    state: Arc<AppState>,
    router: Router,
    stop: watch::Sender<bool>,
    scheduler: tokio::task::JoinHandle<()>,
    /// Writes the keys' last uses to the store in batches (and at stop).
    key_usage: tokio::task::JoinHandle<()>,
    /// Cache invalidation and the scheduler lease, with several nodes.
    cluster: Option<tokio::task::JoinHandle<()>>,
}

impl Serving {
    /// Starts the scheduler and the cluster tasks. `local` is the listener's address, the
    /// endpoint external rotation functions call back (installed before the scheduler starts,
    /// so a rotation resumed at start finds its function).
    fn start(state: Arc<AppState>, local: SocketAddr) -> Result<Self, FunctionConfigError> {
        let (stop, stop_rx) = watch::channel(false);
        let wake = Arc::new(tokio::sync::Notify::new());
        crate::rotation::install(&state, local, wake.clone())?;
        let scheduler = tokio::spawn(crate::scheduler::run(state.clone(), stop_rx.clone(), wake));
        let key_usage = tokio::spawn(crate::key_usage::run(state.clone(), stop_rx.clone()));
        // A root key rotation a crash interrupted goes on.
        if let Some(root) = &state.root {
            root.serve(stop_rx.clone());
        }
        let cluster = state.cluster.clone().map(|c| tokio::spawn(crate::cluster::run(state.clone(), c, stop_rx)));
        Ok(Self { router: crate::app(state.clone()), state, stop, scheduler, key_usage, cluster })
    }

    /// Stops the scheduler, writes the keys' last uses and drains the audit writer; the
    /// services drop with the last request that holds them.
    async fn stop(self) {
        // A rotation in progress ends after its current step and resumes at the next one.
        self.state.secrets.stop_rotations();
        let _ = self.stop.send(true);
        let _ = self.scheduler.await;
        let _ = self.key_usage.await;
        if let Some(cluster) = self.cluster {
            let _ = cluster.await;
        }
        // Every handler awaited its own event; this drains anything still queued.
        self.state.audit.shutdown().await;
    }
}

/// What `GET /_trent/operator/status` (and `trent operator status`) shows.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct SealStatus {
    /// Whether AWS calls are refused until an unseal.
    pub sealed: bool,
    /// The configured seal (`file`, `passphrase`, `shamir`).
    pub seal: &'static str,
    /// Shares that rebuild the root key (Shamir only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u8>,
    /// Shares that exist (Shamir only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shares: Option<u8>,
    /// Shares given towards the next unseal.
    pub progress: u8,
    /// The root key's generation and the rotation in progress, while serving.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<crate::root::RootStatus>,
}

/// Why an operator call was refused. Mapped to its answer once, in [`OperatorError::answer`].
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// No operator token, or not this seal's.
    #[error("a valid operator token is required (Authorization: Bearer trent-operator-v1-...)")]
    Unauthorized,
    /// The share was refused.
    #[error(transparent)]
    Share(#[from] ShareError),
    /// Unseal asked of a serving server.
    #[error("the server is not sealed")]
    NotSealed,
    /// Seal asked of a sealed server.
    #[error("the server is sealed already")]
    AlreadySealed,
    /// The seal releases its key at start only.
    #[error(
        "the {0} seal releases the root key when the server starts; only the shamir seal seals and unseals at \
         runtime (stop the server to seal it)"
    )]
    NotRuntimeSeal(&'static str),
    /// The Shamir seal's file could not be read.
    #[error("the shamir seal's file cannot be read; see the server's log")]
    SealFile(#[source] SealError),
    /// The request body is not `{"Share": "..."}`.
    #[error("the body must be a JSON object with a Share string of at most 256 characters")]
    BadRequest,
    /// Building the services panicked.
    #[error("the server could not start; see the server's log")]
    Panicked,
    /// The root key was rebuilt but the services could not be built over it.
    #[error("the shares rebuilt the root key but the server could not start with it; see the server's log")]
    Start(#[source] BootstrapError),
}

impl OperatorError {
    fn answer(&self) -> (StatusCode, &'static str) {
        match self {
            OperatorError::Unauthorized => (StatusCode::FORBIDDEN, "AccessDeniedException"),
            OperatorError::Share(_) => (StatusCode::BAD_REQUEST, "InvalidShareException"),
            OperatorError::NotSealed | OperatorError::AlreadySealed => (StatusCode::CONFLICT, "InvalidStateException"),
            OperatorError::NotRuntimeSeal(_) => (StatusCode::BAD_REQUEST, "UnsupportedOperationException"),
            OperatorError::BadRequest => (StatusCode::BAD_REQUEST, "ValidationException"),
            OperatorError::Start(_) | OperatorError::Panicked | OperatorError::SealFile(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure")
            }
        }
    }
}

impl IntoResponse for OperatorError {
    fn into_response(self) -> Response {
        let (status, code) = self.answer();
        json(status, &serde_json::json!({ "__type": code, "message": self.to_string() }))
    }
}

fn json(status: StatusCode, value: &impl Serialize) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

impl Gate {
    /// Starts a server: the certificate and data directory, then either the services (seals
    /// that release the root key at start) or the sealed state (`shamir`).
    ///
    /// # Errors
    /// [`BootstrapError`] naming what failed.
    pub async fn open(
        config: Config,
        clock: SharedClock,
        local: SocketAddr,
    ) -> Result<(Arc<Gate>, Option<FirstStart>), BootstrapError> {
        let tls = bootstrap::prepare(&config)?;
        bootstrap::take_up_published(&config).await;
        if config.seal == SealSettings::Shamir {
            seal::settle(&config.data_dir)?;
            if let Some((found, found_seal)) = seal::seal_in(&config.data_dir)
                && found_seal != "shamir"
            {
                return Err(seal::SealError::OtherSeal { found, found_seal, configured: "shamir" }.into());
            }
            let (shamir, pending) = load_splits(&config.data_dir)?;
            tracing::warn!(threshold = shamir.threshold, shares = shamir.shares, "sealed: waiting for unseal shares");
            let phase = Phase::Sealed(Unsealing::with_pending(shamir.clone(), pending));
            return Ok((Arc::new(Self::new(config, clock, tls, local, Some(shamir), phase)), None));
        }
        let kms_retry = if let SealSettings::Kms(kms) = &config.seal { Some(kms.retry) } else { None };
        // On a blocking thread: a seal may wait on a token or a remote KMS.
        let (settings, dir) = (config.seal.clone(), config.data_dir.clone());
        let opened = tokio::task::spawn_blocking(move || bootstrap::open_seal(&settings, &dir)).await.map_err(|e| {
            let source = std::io::Error::other(format!("opening the seal panicked: {e}"));
            BootstrapError::Seal(SealError::Io { path: config.data_dir.clone(), source })
        })?;
        let released = match (opened, kms_retry) {
            (Err(BootstrapError::Seal(SealError::KmsUnavailable(why))), Some(retry)) => {
                tracing::warn!(reason = %why, retry_seconds = retry.as_secs(), "sealed: the kms seal's remote KMS did not unwrap the root key");
                let gate = Arc::new(Self::new(config, clock, tls, local, None, Phase::AwaitingKms(why)));
                tokio::spawn(retry_kms(Arc::downgrade(&gate), retry));
                return Ok((gate, None));
            }
            (opened, _) => opened?,
        };
        let (state, first) = bootstrap::build(config.clone(), clock.clone(), released, tls.clone()).await?;
        let serving = Serving::start(state, local)?;
        Ok((Arc::new(Self::new(config, clock, tls, local, None, Phase::Serving(serving))), first))
    }

    /// A gate over services built already (tests, and [`crate::run`]); `local` is the
    /// listener's address.
    ///
    /// # Errors
    /// A configured rotation function that is refused (only a configuration built in code
    /// reaches this: a loaded one was checked at start).
    pub fn serving(state: Arc<AppState>, local: SocketAddr) -> Result<Arc<Gate>, FunctionConfigError> {
        let (config, clock, tls) = (state.config.clone(), state.clock.clone(), state.tls.clone());
        let shamir = match config.seal {
            SealSettings::Shamir => ShamirSeal::load(&seal::shamir_path(&config.data_dir)).ok(),
            SealSettings::File | SealSettings::Passphrase(_) | SealSettings::Pkcs11(_) | SealSettings::Kms(_) => None,
        };
        let serving = Serving::start(state, local)?;
        Ok(Arc::new(Self::new(config, clock, tls, local, shamir, Phase::Serving(serving))))
    }

    fn new(
        config: Config,
        clock: SharedClock,
        tls: Option<Arc<ServerTls>>,
        local: SocketAddr,
        shamir: Option<ShamirSeal>,
        phase: Phase,
    ) -> Self {
        Self {
            config,
            clock,
            tls,
            local,
            shamir: parking_lot::Mutex::new(shamir),
            phase: parking_lot::Mutex::new(phase),
            transition: tokio::sync::Mutex::new(()),
            on_first_start: parking_lot::Mutex::new(None),
        }
    }

    /// Sets what is called when an unseal performs the first start.
    pub fn on_first_start(&self, hook: FirstStartHook) {
        *self.on_first_start.lock() = Some(hook);
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The listener's TLS configuration.
    pub fn tls(&self) -> Option<&Arc<ServerTls>> {
        self.tls.as_ref()
    }

    /// The services, while serving.
    pub fn state(&self) -> Option<Arc<AppState>> {
        match &*self.phase.lock() {
            Phase::Serving(s) => Some(s.state.clone()),
            Phase::Sealed(_) | Phase::AwaitingKms(_) | Phase::Stopped => None,
        }
    }

    fn router(&self) -> Option<Router> {
        match &*self.phase.lock() {
            Phase::Serving(s) => Some(s.router.clone()),
            Phase::Sealed(_) | Phase::AwaitingKms(_) | Phase::Stopped => None,
        }
    }

    /// Sealed or not, and the unseal progress.
    pub fn status(&self) -> SealStatus {
        let (progress, root) = match &*self.phase.lock() {
            Phase::Serving(s) => (None, s.state.root.as_ref().map(|r| r.status())),
            Phase::Sealed(u) => (Some(u.progress()), None),
            Phase::AwaitingKms(_) | Phase::Stopped => (Some(0), None),
        };
        // One lock at a time: a second guard in the same expression would wait on the first.
        let (threshold, shares) = self.shamir.lock().as_ref().map(|s| (s.threshold, s.shares)).unzip();
        SealStatus {
            sealed: progress.is_some(),
            seal: self.config.seal.name(),
            threshold,
            shares,
            progress: progress.unwrap_or(0),
            root,
        }
    }

    /// Checks the operator token against the seal's file as it is now (and a rotation's
    /// pending one); the seal's current and pending splits.
    fn authorize(&self, token: Option<&str>) -> Result<(ShamirSeal, Option<ShamirSeal>), OperatorError> {
        if self.config.seal != SealSettings::Shamir {
            return Err(OperatorError::NotRuntimeSeal(self.config.seal.name()));
        }
        let (shamir, pending) = load_splits(&self.config.data_dir).map_err(|e| {
            tracing::error!(error = %e, "the shamir seal's file cannot be read");
            OperatorError::SealFile(e)
        })?;
        *self.shamir.lock() = Some(shamir.clone());
        let accepted = |t: &str| shamir.accepts_token(t) || pending.as_ref().is_some_and(|p| p.accepts_token(t));
        match token {
            Some(t) if accepted(t) => Ok((shamir, pending)),
            _ => Err(OperatorError::Unauthorized),
        }
    }

    /// Takes one unseal share; the share that completes the threshold builds the services.
    ///
    /// # Errors
    /// [`OperatorError`]: no token, a refused share, not sealed, or the start failed.
    pub async fn unseal(&self, token: Option<&str>, share: &str) -> Result<SealStatus, OperatorError> {
        let (shamir, pending) = self.authorize(token)?;
        let _one = self.transition.lock().await;
        let root = match &mut *self.phase.lock() {
            Phase::Serving(_) | Phase::AwaitingKms(_) | Phase::Stopped => return Err(OperatorError::NotSealed),
            Phase::Sealed(unsealing) => {
                if unsealing.progress() == 0 {
                    // The seal's files as they are now (an unseal that failed may have
                    // renamed a rotation's file into place).
                    *unsealing = Unsealing::with_pending(shamir, pending);
                }
                match unsealing.add(share)? {
                    Progress::Partial(given) => {
                        tracing::info!(given, "unseal share accepted");
                        None
                    }
                    Progress::Complete(root, from_pending) => Some((root, from_pending)),
                }
            }
        };
        let Some((root, from_pending)) = root else { return Ok(self.status()) };
        let released = crate::root::Released {
            from_pending,
            ..crate::root::Released::new(root, seal::shamir_path(&self.config.data_dir))
        };
        self.serve(released).await?;
        tracing::info!("unsealed: serving");
        Ok(self.status())
    }

    /// Builds the services over the `released` root key and serves them; calls the
    /// first-start hook when this made the database. The caller holds `transition`.
    async fn serve(&self, released: crate::root::Released) -> Result<(), OperatorError> {
        // Driven on a blocking thread: the compiler cannot prove the build's future `Send`
        // (higher-ranked lifetimes through the store's trait objects), which a handler needs.
        let (config, clock, tls, runtime) =
            (self.config.clone(), self.clock.clone(), self.tls.clone(), tokio::runtime::Handle::current());
        let build = move || runtime.block_on(bootstrap::build(config, clock, released, tls));
        let built = match tokio::task::spawn_blocking(build).await {
            Ok(built) => built,
            Err(e) => {
                tracing::error!(error = %e, "building the services panicked; still sealed");
                return Err(OperatorError::Panicked);
            }
        };
        let (state, first) = built.map_err(|e| match e {
            BootstrapError::Shares(refused) => {
                tracing::warn!(error = %refused, "the shares are of the other side of a root key rotation; still sealed");
                OperatorError::Share(refused)
            }
            e => {
                tracing::error!(error = %e, "the root key was rebuilt but the server could not start; still sealed");
                OperatorError::Start(e)
            }
        })?;
        let serving = Serving::start(state, self.local).map_err(|e| {
            tracing::error!(error = %e, "the rotation functions could not be installed; still sealed");
            OperatorError::Start(e.into())
        })?;
        *self.phase.lock() = Phase::Serving(serving);
        if let (Some(first), Some(hook)) = (first.as_ref(), self.on_first_start.lock().as_ref()) {
            hook(first);
        }
        Ok(())
    }

    /// One more attempt of the `kms` seal while awaiting it; `false` once there is nothing
    /// more to try (serving, or stopped).
    async fn retry_kms_once(&self) -> bool {
        let _one = self.transition.lock().await;
        if !matches!(&*self.phase.lock(), Phase::AwaitingKms(_)) {
            return false;
        }
        bootstrap::take_up_published(&self.config).await;
        let (settings, dir) = (self.config.seal.clone(), self.config.data_dir.clone());
        let opened = tokio::task::spawn_blocking(move || bootstrap::open_seal(&settings, &dir)).await;
        match opened {
            Ok(Ok(released)) => match self.serve(released).await {
                Ok(()) => {
                    tracing::info!("the kms seal's remote KMS unwrapped the root key: serving");
                    false
                }
                Err(e) => {
                    tracing::error!(error = %e, "the root key was unwrapped but the server could not start; still sealed");
                    true
                }
            },
            Ok(Err(BootstrapError::Seal(SealError::KmsUnavailable(why)))) => {
                tracing::warn!(reason = %why, "sealed: the kms seal's remote KMS did not unwrap the root key");
                *self.phase.lock() = Phase::AwaitingKms(why);
                true
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "the kms seal failed; still sealed");
                *self.phase.lock() = Phase::AwaitingKms(e.to_string());
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "the kms seal's attempt panicked; still sealed");
                true
            }
        }
    }

    /// Seals a serving server: AWS calls are refused and the root key and every unwrapped key
    /// are dropped (once the requests in flight finish) until the next unseal.
    ///
    /// # Errors
    /// [`OperatorError`]: no token, not a runtime seal, sealed already.
    pub async fn seal(&self, token: Option<&str>) -> Result<SealStatus, OperatorError> {
        let (shamir, pending) = self.authorize(token)?;
        let _one = self.transition.lock().await;
        let serving = {
            let mut phase = self.phase.lock();
            if !matches!(&*phase, Phase::Serving(_)) {
                return Err(OperatorError::AlreadySealed);
            }
            match std::mem::replace(&mut *phase, Phase::Sealed(Unsealing::with_pending(shamir, pending))) {
                Phase::Serving(serving) => serving,
                other @ (Phase::Sealed(_) | Phase::AwaitingKms(_) | Phase::Stopped) => {
                    *phase = other;
                    return Err(OperatorError::AlreadySealed);
                }
            }
        };
        serving.stop().await;
        tracing::warn!("sealed by an operator");
        Ok(self.status())
    }

    /// Stops the services if serving (at shutdown).
    pub(crate) async fn shutdown(&self) {
        let _one = self.transition.lock().await;
        let previous = std::mem::replace(&mut *self.phase.lock(), Phase::Stopped);
        if let Phase::Serving(serving) = previous {
            serving.stop().await;
        }
    }

    /// The answer to an AWS call while sealed: a 503 naming the state, in the caller's protocol.
    fn sealed_answer(&self, headers: &HeaderMap) -> Response {
        let awaiting = match &*self.phase.lock() {
            Phase::AwaitingKms(why) => Some(why.clone()),
            Phase::Sealed(_) | Phase::Serving(_) | Phase::Stopped => None,
        };
        let status = self.status();
        let message = match awaiting {
            Some(why) => format!("Trent is sealed (kms seal): {why}. It tries again until the remote KMS answers."),
            None => format!(
                "Trent is sealed ({} seal): {} of {} unseal shares have been given. An operator must unseal it with \
                 `trent operator unseal`.",
                status.seal,
                status.progress,
                status.threshold.unwrap_or(0)
            ),
        };
        let request_id = crate::app::request_id();
        let (content_type, body) = if crate::query::is_form(headers) {
            let error = AwsError::new("ServiceUnavailable", StatusCode::SERVICE_UNAVAILABLE, message);
            (
                trent_wire::query::XML_CONTENT_TYPE,
                trent_wire::query::error_response(&error, trent_wire::iam::NAMESPACE, &request_id),
            )
        } else {
            ("application/x-amz-json-1.1", AwsError::service_unavailable(message).to_json())
        };
        let mut response = (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
        response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert("x-amzn-requestid", v);
        }
        response
    }
}

/// The Shamir seal's file in `data_dir` and, while a root key rotation's new split waits
/// beside it (`root.shamir.rotate`), that split.
///
/// # Errors
/// [`SealError`] when the seal's file cannot be read (a pending file that cannot be read is
/// left out).
fn load_splits(data_dir: &std::path::Path) -> Result<(ShamirSeal, Option<ShamirSeal>), SealError> {
    let path = seal::shamir_path(data_dir);
    let current = ShamirSeal::load(&path)?;
    let pending = crate::root::pending_path(&path);
    let pending = if std::fs::symlink_metadata(&pending).is_ok() {
        ShamirSeal::load(&pending)
            .inspect_err(|e| tracing::warn!(error = %e, "a root key rotation's new shares' file cannot be read"))
            .ok()
    } else {
        None
    };
    Ok((current, pending))
}

/// Tries the `kms` seal again every `every` while the gate awaits it, until it serves or stops.
async fn retry_kms(gate: std::sync::Weak<Gate>, every: std::time::Duration) {
    loop {
        tokio::time::sleep(every).await;
        let Some(gate) = gate.upgrade() else { return };
        if !gate.retry_kms_once().await {
            return;
        }
    }
}

/// The router of a gated server: the operator API, then everything else to the services
/// while serving, or the sealed answer.
pub(crate) fn router(gate: Arc<Gate>) -> Router {
    Router::new()
        .route("/_trent/operator/status", get(status))
        .route("/_trent/operator/unseal", post(unseal))
        .route("/_trent/operator/seal", post(seal_now))
        .fallback(forward)
        .with_state(gate)
}

async fn forward(State(gate): State<Arc<Gate>>, request: Request) -> Response {
    match gate.router() {
        Some(router) => match router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        None => match request.uri().path() {
            "/health" => (StatusCode::OK, "ok").into_response(),
            "/ready" => (StatusCode::SERVICE_UNAVAILABLE, "sealed").into_response(),
            _ => gate.sealed_answer(request.headers()),
        },
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(http::header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

async fn status(State(gate): State<Arc<Gate>>) -> Response {
    json(StatusCode::OK, &gate.status())
}

/// The longest share text accepted in a body.
const MAX_SHARE_CHARS: usize = 256;

async fn unseal(State(gate): State<Arc<Gate>>, headers: HeaderMap, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase", deny_unknown_fields)]
    struct Body {
        share: String,
    }
    let share = serde_json::from_slice(&body).ok().map(|b: Body| zeroize::Zeroizing::new(b.share));
    let result = match share {
        Some(share) if share.len() <= MAX_SHARE_CHARS => gate.unseal(bearer(&headers), &share).await,
        Some(_) | None => Err(OperatorError::BadRequest),
    };
    if let Ok(mut owned) = body.try_into_mut() {
        zeroize::Zeroize::zeroize(&mut owned[..]);
    }
    match result {
        Ok(s) => json(StatusCode::OK, &s),
        Err(e) => e.into_response(),
    }
}

async fn seal_now(State(gate): State<Arc<Gate>>, headers: HeaderMap) -> Response {
    match gate.seal(bearer(&headers)).await {
        Ok(s) => json(StatusCode::OK, &s),
        Err(e) => e.into_response(),
    }
}
