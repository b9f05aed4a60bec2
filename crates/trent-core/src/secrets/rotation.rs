//! Rotation as Secrets Manager configures it: `RotateSecret`, `CancelRotateSecret`, the
//! rotation state kept with a secret, and what `DescribeSecret` shows of it
//! (`RotationEnabled`, `RotationLambdaARN`, `RotationRules`, `LastRotatedDate`,
//! `NextRotationDate`).
//!
//! AWS's rules ("RotateSecret", "CancelRotateSecret", Secrets Manager API Reference):
//! * `RotateSecret` stores the function and the rules given (or keeps those stored) and, unless
//!   `RotateImmediately` is false, starts a rotation: the `ClientRequestToken` becomes a new
//!   version, without a value yet, staged `AWSPENDING`; the function's `createSecret` fills it.
//! * A rotation may start only when `AWSPENDING` is on no version or on the `AWSCURRENT` one;
//!   otherwise a previous rotation is still in progress and the call is refused.
//! * `CancelRotateSecret` turns automatic rotation off and stops a rotation in progress, leaving
//!   its labels as they are (the caller may have to remove `AWSPENDING` itself).
//!
//! The steps themselves run in [`super::rotation_run`], driven by the scheduler.

use time::OffsetDateTime;
use trent_rotation::{RotationRules, RotationRulesInput, ScheduleError, Step};

use super::values::version_id;
use super::{AWSCURRENT, AWSPENDING, BadParameter, BadRequest, SecretRecord, Secrets, SecretsError};
use crate::identity::Caller;

/// The `RotationRules` of a secret as they were given (`DescribeSecret` returns them so).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RotationRulesRecord {
    /// `AutomaticallyAfterDays`.
    pub automatically_after_days: Option<i64>,
    /// `ScheduleExpression`.
    pub schedule_expression: Option<String>,
    /// `Duration`.
    pub duration: Option<String>,
}

impl RotationRulesRecord {
    /// The validated rules.
    ///
    /// # Errors
    /// The [`ScheduleError`] of rules that AWS refuses.
    pub fn parse(&self) -> Result<RotationRules, ScheduleError> {
        RotationRules::parse(RotationRulesInput {
            automatically_after_days: self.automatically_after_days,
            duration: self.duration.as_deref(),
            schedule_expression: self.schedule_expression.as_deref(),
        })
    }
}

/// A rotation that has started and not finished: which version it builds and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRotation {
    /// The version being built (the `ClientRequestToken`), staged `AWSPENDING`.
    pub token: String,
    /// The step to run next; after a restart the rotation resumes here.
    pub next_step: Step,
    /// When the rotation started.
    pub started_at: OffsetDateTime,
    /// How many attempts of this rotation failed.
    pub failures: u32,
    /// The step that failed last, if one did.
    pub failed_step: Option<Step>,
    /// When the next attempt may run, after a failure (the next rotation window); `None`
    /// while the rotation may run now.
    pub retry_at: Option<OffsetDateTime>,
}

/// A secret's rotation configuration and progress, stored with the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotationState {
    /// `RotationEnabled`: `CancelRotateSecret` turns it off and keeps the rest.
    pub enabled: bool,
    /// `RotationLambdaARN`.
    pub lambda_arn: String,
    /// `RotationRules`, when some were given.
    pub rules: Option<RotationRulesRecord>,
    /// Where the schedule counts from until the secret first rotates.
    pub configured_at: OffsetDateTime,
    /// `LastRotatedDate`: when a rotation last finished.
    pub last_rotated_at: Option<OffsetDateTime>,
    /// The rotation in progress.
    pub pending: Option<PendingRotation>,
}

impl RotationState {
    /// `NextRotationDate`: the retry of a failed rotation, or the start of the next window.
    /// `None` when rotation is off or has no schedule.
    pub fn next_rotation_date(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        if !self.enabled {
            return None;
        }
        if let Some(retry) = self.pending.as_ref().and_then(|p| p.retry_at) {
            return Some(retry);
        }
        let rules = self.rules.as_ref()?.parse().ok()?;
        rules.next_window(now, Some(self.last_rotated_at.unwrap_or(self.configured_at))).map(|w| w.start)
    }

    /// Whether a scheduled rotation should start at `now`: rotation is on, none is in
    /// progress, and `now` is inside a window that opened after the last rotation.
    pub fn is_due(&self, now: OffsetDateTime) -> bool {
        if !self.enabled || self.pending.is_some() {
            return false;
        }
        let Some(Ok(rules)) = self.rules.as_ref().map(RotationRulesRecord::parse) else { return false };
        rules
            .next_window(now, Some(self.last_rotated_at.unwrap_or(self.configured_at)))
            .is_some_and(|w| w.contains(now))
    }
}

/// What `RotateSecret` is given.
#[derive(Clone, Debug, Default)]
pub struct RotateSecretInput {
    /// `SecretId`.
    pub secret_id: String,
    /// `ClientRequestToken`: the new version's id.
    pub token: Option<String>,
    /// `RotationLambdaARN`.
    pub lambda_arn: Option<String>,
    /// `RotationRules`.
    pub rules: Option<RotationRulesRecord>,
    /// `RotateImmediately` (true when absent).
    pub rotate_immediately: Option<bool>,
}

/// What `RotateSecret` and `CancelRotateSecret` return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotationOutput {
    /// `ARN`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// `VersionId`: the version the rotation builds (or built, when cancelled).
    pub version_id: Option<String>,
}

/// The version `AWSPENDING` is on when a rotation is in progress: on a version other than the
/// `AWSCURRENT` one.
pub(crate) fn pending_version(secret: &SecretRecord) -> Option<&str> {
    let pending = secret.version_of(AWSPENDING)?;
    (secret.version_of(AWSCURRENT) != Some(pending)).then_some(pending)
}

/// Marks `token` as a new version without a value, staged `AWSPENDING`, and records the
/// rotation as started at `now`.
pub(crate) fn start(secret: &mut SecretRecord, token: &str, now: OffsetDateTime) {
    secret.labels.insert(AWSPENDING.to_owned(), token.to_owned());
    if let Some(r) = secret.rotation.as_mut() {
        r.pending = Some(PendingRotation {
            token: token.to_owned(),
            next_step: Step::CreateSecret,
            started_at: now,
            failures: 0,
            failed_step: None,
            retry_at: None,
        });
    }
    secret.last_changed_at = now;
}

/// A new current version written by hand abandons the rotation in progress (AWS: "Secrets
/// Manager removed the AWSPENDING label from an existing version"): `AWSPENDING` comes off its
/// version, so that later rotations can start, and the rotation stops. `true` when there was
/// one to abandon (a `RotationAbandoned` event is due). `version_id` is the new version.
pub(crate) fn abandon(secret: &mut SecretRecord, version_id: &str) -> bool {
    if pending_version(secret).is_none_or(|p| p == version_id) {
        return false;
    }
    secret.labels.remove(AWSPENDING);
    if let Some(r) = secret.rotation.as_mut() {
        r.pending = None;
    }
    true
}

impl Secrets {
    /// `RotateSecret`.
    ///
    /// # Errors
    /// `InvalidParameter` for bad rules or token, `InvalidRequest` for a secret scheduled for
    /// deletion, without a function, or with a rotation in progress, `RotationFunction` for a
    /// function this server cannot run, `NotFound`, `AccessDenied`.
    pub async fn rotate_secret(
        &self,
        caller: &Caller,
        input: RotateSecretInput,
    ) -> Result<RotationOutput, SecretsError> {
        if let Some(rules) = &input.rules {
            rules.parse().map_err(|e| SecretsError::InvalidParameter(BadParameter::RotationRules(e)))?;
        }
        if let Some(arn) = &input.lambda_arn {
            self.rotation_function(arn)?;
        }
        let immediately = input.rotate_immediately.unwrap_or(true);
        let token = if immediately { Some(version_id(input.token.as_deref())?) } else { None };
        let now = self.clock.now();
        let secret = self
            .mutate(caller, &input.secret_id, "secretsmanager:RotateSecret", |s| {
                super::cross_account::refuse_linked_replica(s)?;
                if s.is_deleted() {
                    return Err(SecretsError::InvalidRequest(BadRequest::MarkedForDeletion));
                }
                if let (Some(t), Some(p)) = (&token, pending_version(s))
                    && t == p
                {
                    // A retry of the RotateSecret that started this rotation.
                    return Ok(());
                }
                if pending_version(s).is_some() {
                    return Err(SecretsError::InvalidRequest(BadRequest::RotationInProgress));
                }
                let old = s.rotation.take();
                let Some(lambda_arn) = input.lambda_arn.clone().or(old.as_ref().map(|r| r.lambda_arn.clone())) else {
                    return Err(SecretsError::InvalidRequest(BadRequest::NoRotationFunction));
                };
                let rules = input.rules.clone().or(old.as_ref().and_then(|r| r.rules.clone()));
                s.rotation = Some(RotationState {
                    enabled: true,
                    lambda_arn,
                    rules,
                    configured_at: old.as_ref().filter(|r| r.enabled).map_or(now, |r| r.configured_at),
                    last_rotated_at: old.as_ref().and_then(|r| r.last_rotated_at),
                    pending: None,
                });
                s.last_changed_at = now;
                if let Some(t) = &token {
                    start(s, t, now);
                }
                Ok(())
            })
            .await?;
        if token.is_some() {
            self.wake_rotations();
        }
        Ok(RotationOutput { arn: secret.arn(), name: secret.name, version_id: token })
    }

    /// `CancelRotateSecret`: automatic rotation off, a rotation in progress stopped (its
    /// `AWSPENDING` version is left as it is and named in the answer).
    ///
    /// # Errors
    /// `InvalidRequest` for a secret scheduled for deletion, `NotFound`, `AccessDenied`.
    pub async fn cancel_rotate_secret(&self, caller: &Caller, secret_id: &str) -> Result<RotationOutput, SecretsError> {
        let now = self.clock.now();
        let secret = self
            .mutate(caller, secret_id, "secretsmanager:CancelRotateSecret", |s| {
                if s.is_deleted() {
                    return Err(SecretsError::InvalidRequest(BadRequest::MarkedForDeletion));
                }
                if let Some(r) = s.rotation.as_mut()
                    && (r.enabled || r.pending.is_some())
                {
                    r.enabled = false;
                    r.pending = None;
                    s.last_changed_at = now;
                }
                Ok(())
            })
            .await?;
        // The change leaves the labels as they were read under the lock: `AWSPENDING` still
        // names the version of the rotation stopped.
        let version_id = pending_version(&secret).map(str::to_owned);
        Ok(RotationOutput { arn: secret.arn(), name: secret.name, version_id })
    }

    /// The function a `RotationLambdaARN` names.
    pub(crate) fn rotation_function(
        &self,
        arn: &str,
    ) -> Result<std::sync::Arc<dyn trent_rotation::RotationFunction>, SecretsError> {
        let functions = self.rotation.functions.read().clone();
        functions
            .and_then(|f| f.resolve(arn).ok())
            .ok_or_else(|| SecretsError::RotationFunction { arn: arn.to_owned() })
    }
}
