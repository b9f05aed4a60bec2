//! Running rotations: the four steps of AWS's protocol, one at a time, each recorded with the
//! secret so that a rotation resumes at its next step after a restart.
//!
//! [`Secrets::run_rotations`] is the scheduler's pass (and runs at once after a `RotateSecret`
//! through the wake-up hook). It starts the rotations whose window is open, resumes the ones in
//! progress, and retries failed ones when their retry time comes: a failed step leaves
//! `AWSCURRENT` where it was, is logged, and the whole rotation is attempted again with the same
//! token (the rotation functions' steps are idempotent, as AWS's templates are) after a bounded
//! backoff ([`retry_delay`](super::rotation_log::retry_delay): 1, 2, 4, 8 and 16 minutes), and after five failures
//! at the next rotation window, or a day later for a secret without a schedule. One secret
//! never has two rotations running at once in this process (and the scheduler's lease keeps
//! the job on one node).
//!
//! Each rotation is recorded in the secret's trail as AWS CloudTrail records it, as service
//! events of `secretsmanager.amazonaws.com`: `RotationStarted` when an attempt starts at its
//! first step, `RotationSucceeded` after `finishSecret`, `RotationFailed` when a step fails.
//! Those two results are also EventBridge events (`aws.secretsmanager`, `AWS Service Event via
//! CloudTrail`, the same record as `detail`), appended to the event outbox in the transaction
//! that records the result in the secret's rotation state.
//!
//! Functions call back through [`RotationApi`], the [`SecretsApi`] of this domain, as the
//! secret's account (the way AWS's service calls the function on the account's behalf).

use std::collections::HashSet;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use trent_rotation::{
    ApiError, FunctionRegistry, RotationEvent, SecretDescription as FnDescription, SecretVersion, SecretsApi, Step,
};

use super::rotation_log::{RETRY_WITHOUT_SCHEDULE, retry_delay, rotation_result_event};
use super::{AWSCURRENT, AWSPENDING, PutValueInput, SecretRecord, SecretValue, Secrets, SecretsError, StageMove};
use super::{ValueKind, VersionSelector, rotation};
use crate::audit::ServiceEventLog;
use crate::events::Event;
use crate::identity::Caller;
use crate::ids::Scope;

/// Hooks the server gives the domain: the functions it can run and how to wake its scheduler.
#[derive(Default)]
pub(crate) struct RotationHooks {
    /// The rotation functions; `None`: every `RotationLambdaARN` is refused.
    pub(crate) functions: RwLock<Option<Arc<FunctionRegistry>>>,
    /// Called when a rotation starts, so that it runs now rather than at the next tick.
    wake: RwLock<Option<Arc<dyn Fn() + Send + Sync>>>,
    /// ARNs of the secrets whose rotation runs now.
    running: Mutex<HashSet<String>>,
    /// Where the secrets' service events go (the server's audit trail); `None`: not recorded.
    pub(crate) events: RwLock<Option<Arc<dyn ServiceEventLog>>>,
    /// Set when the server stops: a rotation ends after the step it is running, and resumes at
    /// its next step when the server starts again.
    stopping: std::sync::atomic::AtomicBool,
}

/// What one pass of [`Secrets::run_rotations`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RotationRun {
    /// Rotations that finished.
    pub rotated: usize,
    /// Rotations that failed at a step (and will be retried).
    pub failed: usize,
}

/// Takes a secret out of the running set when its pass ends.
struct Running<'a> {
    set: &'a Mutex<HashSet<String>>,
    arn: String,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.set.lock().remove(&self.arn);
    }
}

fn next(step: Step) -> Option<Step> {
    match step {
        Step::CreateSecret => Some(Step::SetSecret),
        Step::SetSecret => Some(Step::TestSecret),
        Step::TestSecret => Some(Step::FinishSecret),
        Step::FinishSecret => None,
    }
}

impl Secrets {
    /// Installs the rotation functions the server can run and the hook that wakes its
    /// scheduler (the server knows its own endpoint, which external functions need, only once
    /// it listens).
    pub fn set_rotation(&self, functions: Arc<FunctionRegistry>, wake: Arc<dyn Fn() + Send + Sync>) {
        *self.rotation.functions.write() = Some(functions);
        *self.rotation.wake.write() = Some(wake);
        self.rotation.stopping.store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// Lets every rotation finish the step it is running, then stop: no further step starts
    /// (the server is stopping; the rotations resume at their next step when it starts again).
    pub fn stop_rotations(&self) {
        self.rotation.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn rotations_stopping(&self) -> bool {
        self.rotation.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub(crate) fn wake_rotations(&self) {
        let wake = self.rotation.wake.read().clone();
        if let Some(wake) = wake {
            wake();
        }
    }

    /// Runs every rotation that is due at the clock's time.
    ///
    /// # Errors
    /// Storage errors listing the work; a failed rotation is counted, logged and retried.
    pub async fn run_rotations(&self) -> Result<RotationRun, SecretsError> {
        let now = self.clock.now();
        let mut run = RotationRun::default();
        for (scope, name) in self.store.rotating_secrets().await? {
            if self.rotations_stopping() {
                break;
            }
            let Some(secret) = self.store.get_secret(&scope, &name).await? else { continue };
            let Some(r) = secret.rotation.as_ref().filter(|_| !secret.is_deleted()) else { continue };
            let runnable = match &r.pending {
                Some(p) => r.enabled && p.retry_at.is_none_or(|t| t <= now),
                None => r.is_due(now),
            };
            if !runnable {
                continue;
            }
            match self.rotate_one(&scope, &name).await {
                Ok(Some(true)) => run.rotated += 1,
                Ok(Some(false)) => run.failed += 1,
                Ok(None) => {}
                Err(e) => {
                    run.failed += 1;
                    tracing::warn!(error = %e, "a rotation could not be recorded; will retry");
                }
            }
        }
        Ok(run)
    }

    /// Runs one secret's rotation from its next step: `Some(true)` when it finished,
    /// `Some(false)` when a step failed, `None` when there was nothing to run.
    async fn rotate_one(&self, scope: &Scope, name: &str) -> Result<Option<bool>, SecretsError> {
        let Some(secret) = self.store.get_secret(scope, name).await? else { return Ok(None) };
        let arn = secret.arn();
        if !self.rotation.running.lock().insert(arn.clone()) {
            return Ok(None);
        }
        let _running = Running { set: &self.rotation.running, arn: arn.clone() };
        if secret.rotation.as_ref().is_some_and(|r| r.pending.is_none()) {
            let token = uuid::Uuid::new_v4().to_string();
            let now = self.clock.now();
            self.update_rotation(scope, name, &[], |s| {
                if s.rotation.as_ref().is_some_and(|r| r.pending.is_none()) {
                    rotation::start(s, &token, now);
                }
            })
            .await?;
        }
        let work = self.service_work(scope);
        let api = RotationApi { secrets: self, caller: work.caller.clone() };
        let mut first_pass = true;
        loop {
            if self.rotations_stopping() {
                tracing::info!(secret = %arn, "the server stops; the rotation resumes at its next step on restart");
                return Ok(None);
            }
            let Some(secret) = self.store.get_secret(scope, name).await? else { return Ok(None) };
            let Some((lambda_arn, pending)) =
                secret.rotation.as_ref().and_then(|r| r.pending.clone().map(|p| (r.lambda_arn.clone(), p)))
            else {
                return Ok(None);
            };
            let step = pending.next_step;
            if first_pass && step == Step::CreateSecret {
                self.service_event(scope, &arn, "RotationStarted").await;
            }
            first_pass = false;
            let event = RotationEvent { secret_id: arn.clone(), client_request_token: pending.token.clone(), step };
            let outcome = match self.rotation_function(&lambda_arn) {
                Ok(function) => {
                    function.invoke(&api, &event).await.map_err(|e| trent_rotation::ErrorChain(&e).to_string())
                }
                Err(e) => Err(e.to_string()),
            };
            // The KMS calls of the step (a built-in function's reads and writes of the secret).
            work.commit().await;
            let now = self.clock.now();
            let token = pending.token.as_str();
            let same = |s: &SecretRecord| {
                s.rotation
                    .as_ref()
                    .and_then(|r| r.pending.as_ref())
                    .is_some_and(|p| p.token == token && p.next_step == step)
            };
            match (outcome, next(step)) {
                (Ok(()), Some(following)) => {
                    self.update_rotation(scope, name, &[], |s| {
                        if same(s)
                            && let Some(p) = s.rotation.as_mut().and_then(|r| r.pending.as_mut())
                        {
                            p.next_step = following;
                        }
                    })
                    .await?;
                }
                (Ok(()), None) => {
                    // The result's event goes to the outbox with the state that records it.
                    let record = self.service_record(scope, &arn, "RotationSucceeded");
                    let events = [rotation_result_event(scope, &arn, &record)?];
                    let recorded = self
                        .update_rotation(scope, name, &events, |s| {
                            if same(s)
                                && let Some(r) = s.rotation.as_mut()
                            {
                                r.pending = None;
                                r.last_rotated_at = Some(now);
                            }
                        })
                        .await?;
                    tracing::info!(secret = %arn, "secret rotated");
                    if recorded {
                        self.record_service_event(record).await;
                    }
                    return Ok(Some(true));
                }
                (Err(error), _) => {
                    tracing::warn!(secret = %arn, step = step.as_str(), %error, "rotation step failed; AWSCURRENT is unchanged");
                    let record = self.service_record(scope, &arn, "RotationFailed");
                    let events = [rotation_result_event(scope, &arn, &record)?];
                    let recorded = self
                        .update_rotation(scope, name, &events, |s| {
                            if !same(s) {
                                return;
                            }
                            let Some(r) = s.rotation.as_mut() else { return };
                            let window = r
                                .rules
                                .as_ref()
                                .and_then(|rules| rules.parse().ok())
                                .and_then(|rules| rules.next_window(now, Some(now)))
                                .map_or(now + RETRY_WITHOUT_SCHEDULE, |w| w.start);
                            if let Some(p) = r.pending.as_mut() {
                                p.failures += 1;
                                p.failed_step = Some(step);
                                p.next_step = Step::CreateSecret;
                                p.retry_at = Some(retry_delay(p.failures, now, window));
                            }
                        })
                        .await?;
                    if recorded {
                        self.record_service_event(record).await;
                    }
                    return Ok(Some(false));
                }
            }
        }
    }

    /// Read-modify-write of a secret's rotation state, outside any caller's request, with
    /// `events` appended to the outbox in the same transaction; `Ok(false)` (and no events)
    /// when `f` changed nothing.
    async fn update_rotation<F>(&self, scope: &Scope, name: &str, events: &[Event], f: F) -> Result<bool, SecretsError>
    where
        F: Fn(&mut SecretRecord),
    {
        let _writing = self.lock_secret(scope, name).await;
        let mut retry = super::writers::Retry::default();
        loop {
            let Some(secret) = self.store.get_secret(scope, name).await? else { return Ok(false) };
            let mut next = secret.clone();
            f(&mut next);
            if next == secret {
                return Ok(false);
            }
            next.revision = secret.revision + 1;
            let change = crate::store::SecretChange {
                secret: &next,
                expected_revision: secret.revision,
                new_version: None,
                pruned: &[],
                upserted: &[],
                events,
            };
            if self.write(change).await? {
                return Ok(true);
            }
            retry.lost().await?;
        }
    }
}

/// The Secrets Manager calls of a rotation function, made in-process as the secret's account.
pub struct RotationApi<'a> {
    secrets: &'a Secrets,
    caller: Caller,
}

fn api_error(e: SecretsError) -> ApiError {
    match e {
        SecretsError::NotFound | SecretsError::VersionNotFound { .. } | SecretsError::StageNotFound { .. } => {
            ApiError::NotFound
        }
        SecretsError::InvalidRequest(_) | SecretsError::InvalidParameter(_) | SecretsError::VersionExists => {
            ApiError::InvalidRequest
        }
        SecretsError::AccessDenied { .. } => ApiError::AccessDenied,
        other => ApiError::Unavailable(Box::new(other)),
    }
}

#[async_trait::async_trait]
impl SecretsApi for RotationApi<'_> {
    async fn describe(&self, secret_id: &str) -> Result<FnDescription, ApiError> {
        let d = self.secrets.describe_secret(&self.caller, secret_id).await.map_err(api_error)?;
        Ok(FnDescription {
            arn: d.secret.arn(),
            rotation_enabled: d.secret.rotation.as_ref().is_some_and(|r| r.enabled),
            versions: d.versions_to_stages,
        })
    }

    async fn get_value(
        &self,
        secret_id: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> Result<SecretVersion, ApiError> {
        let selector =
            VersionSelector { version_id: version_id.map(str::to_owned), version_stage: stage.map(str::to_owned) };
        let out = self.secrets.get_secret_value(&self.caller, secret_id, &selector).await.map_err(api_error)?;
        let value = match out.value.kind {
            ValueKind::String => trent_rotation::SecretValue::String(out.value.bytes),
            ValueKind::Binary => trent_rotation::SecretValue::Binary(out.value.bytes),
        };
        Ok(SecretVersion { version_id: out.version_id, value })
    }

    async fn put_pending(
        &self,
        secret_id: &str,
        token: &str,
        value: trent_rotation::SecretValue,
    ) -> Result<(), ApiError> {
        let value = match value {
            trent_rotation::SecretValue::String(bytes) => SecretValue { kind: ValueKind::String, bytes },
            trent_rotation::SecretValue::Binary(bytes) => SecretValue { kind: ValueKind::Binary, bytes },
        };
        let input = PutValueInput {
            secret_id: secret_id.to_owned(),
            token: Some(token.to_owned()),
            value,
            stages: Some(vec![AWSPENDING.to_owned()]),
        };
        self.secrets.put_secret_value(&self.caller, input).await.map(drop).map_err(api_error)
    }

    async fn move_current(
        &self,
        secret_id: &str,
        to_version: &str,
        from_version: Option<&str>,
    ) -> Result<(), ApiError> {
        let m = StageMove {
            secret_id: secret_id.to_owned(),
            stage: AWSCURRENT.to_owned(),
            move_to: Some(to_version.to_owned()),
            remove_from: from_version.map(str::to_owned),
        };
        self.secrets.update_version_stage(&self.caller, &m).await.map(drop).map_err(api_error)
    }
}
