//! What a rotation leaves behind when a step ends: the time a failed rotation is attempted
//! again (a bounded backoff, then the next window), and the service events the trail records
//! of a secret, as AWS CloudTrail records them for Secrets Manager ("Log AWS Secrets Manager
//! events with AWS CloudTrail"): `RotationStarted`, `RotationSucceeded` and `RotationFailed`
//! from the rotation's steps; `RotationAbandoned` when a new current version written by hand
//! takes `AWSPENDING` off the version of a rotation in progress; `StartSecretVersionDelete`
//! when `DeleteSecret` schedules a secret's deletion, `CancelSecretVersionDelete` when
//! `RestoreSecret` cancels it, and `EndSecretVersionDelete` when the secret and its versions
//! are deleted for good (at the end of the recovery window, or at once when forced).

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use super::{Secrets, SecretsError};
use crate::audit::{AuditEvent, OnBehalfLog, Resource, ServiceCalls, ServiceEvent, ServiceEventLog};
use crate::events::{Event, SERVICE_EVENT_VIA_CLOUDTRAIL, SOURCE_SECRETS_MANAGER};
use crate::identity::Caller;
use crate::ids::Scope;

/// How long a failed rotation of a secret without a schedule waits before its next attempt,
/// once its quick retries are spent.
pub(crate) const RETRY_WITHOUT_SCHEDULE: Duration = Duration::days(1);
/// The wait after a rotation's first failure; it doubles with each further failure.
const FIRST_RETRY: Duration = Duration::minutes(1);
/// Failures retried after [`FIRST_RETRY`]-based backoff; later ones wait for the next window.
const QUICK_RETRIES: u32 = 5;
/// The service principal rotation events name.
const SERVICE: &str = "secretsmanager.amazonaws.com";

/// When a rotation that has now failed `failures` times (1 for the first) is attempted again:
/// after 1, 2, 4, 8, 16 minutes (to the whole second), then at `fallback` (the next window),
/// never later than it.
pub(crate) fn retry_delay(failures: u32, now: OffsetDateTime, fallback: OffsetDateTime) -> OffsetDateTime {
    if failures == 0 || failures > QUICK_RETRIES {
        return fallback;
    }
    let backoff = FIRST_RETRY * 2_i32.pow(failures - 1);
    // Whole seconds, as `NextRotationDate` shows it.
    let at = now + backoff;
    at.replace_nanosecond(0).unwrap_or(at).min(fallback)
}

/// The identity the service's own work runs as in one account (the account's root, so that
/// the account's key policies decide as they do for its rotations and replicas), with the log
/// of the KMS calls it makes, recorded as the service's own calls when [`ServiceWork::commit`]
/// is called.
pub(crate) struct ServiceWork {
    /// The caller the work's KMS calls are made for.
    pub(crate) caller: Caller,
    /// Where those calls are collected; `None` when nothing records them.
    calls: Option<Arc<dyn ServiceCalls>>,
}

impl ServiceWork {
    /// Records the KMS calls made since the last commit in the trail.
    pub(crate) async fn commit(&self) {
        if let Some(calls) = &self.calls {
            calls.commit().await;
        }
    }
}

impl Secrets {
    /// The identity of the service's own work in `scope`'s account (see [`ServiceWork`]).
    pub(crate) fn service_work(&self, scope: &Scope) -> ServiceWork {
        let calls = self.rotation.events.read().as_ref().and_then(|log| log.service_calls());
        let mut caller = Caller::root_of(scope);
        caller.on_behalf_log = calls.clone().map(|c| c as Arc<dyn OnBehalfLog>);
        ServiceWork { caller, calls }
    }

    /// Records the secrets' service events in `log` (the audit trail) from now on.
    pub fn set_rotation_events(&self, log: Arc<dyn ServiceEventLog>) {
        *self.rotation.events.write() = Some(log);
    }

    /// Records the service event `name` (`RotationStarted`...) of the secret `arn`.
    pub(crate) async fn service_event(&self, scope: &Scope, arn: &str, name: &str) {
        self.record_service_event(self.service_record(scope, arn, name)).await;
    }

    /// The CloudTrail record of the service event `name` of the secret `arn`, now.
    pub(crate) fn service_record(&self, scope: &Scope, arn: &str, name: &str) -> AuditEvent {
        let event = ServiceEvent {
            scope,
            service: SERVICE,
            name,
            data: serde_json::json!({ "SecretId": arn }),
            resources: vec![Resource {
                account_id: scope.account.to_string(),
                resource_type: "AWS::SecretsManager::Secret".to_owned(),
                arn: arn.to_owned(),
            }],
            time: self.clock.now(),
        };
        event.to_event()
    }

    /// Records `record` (from [`Secrets::service_record`]) in the trail.
    pub(crate) async fn record_service_event(&self, record: AuditEvent) {
        let log = self.rotation.events.read().clone();
        if let Some(log) = log {
            log.record(record).await;
        }
    }
}

/// The EventBridge event AWS delivers for a secret's service event `record` (a rotation's
/// result): `source` `aws.secretsmanager`, `detail-type` `AWS Service Event via CloudTrail`,
/// the secret's ARN in `resources` and the CloudTrail record itself as `detail` (the same
/// record the trail keeps, ids and ARNs only: never a value).
pub(crate) fn rotation_result_event(scope: &Scope, arn: &str, record: &AuditEvent) -> Result<Event, SecretsError> {
    let detail = serde_json::to_value(record).map_err(|e| SecretsError::Internal(Box::new(e)))?;
    Ok(Event::new(
        record.event_time,
        scope.clone(),
        SOURCE_SECRETS_MANAGER,
        SERVICE_EVENT_VIA_CLOUDTRAIL,
        arn.to_owned(),
        detail,
    ))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn failed_rotations_back_off_to_the_next_window() {
        let now = datetime!(2026-12-06 04:00 UTC);
        let window = now + Duration::days(30);
        let waits: Vec<_> = (1..=7).map(|n| retry_delay(n, now, window) - now).collect();
        let minutes = |m| Duration::minutes(m);
        assert_eq!(waits, [minutes(1), minutes(2), minutes(4), minutes(8), minutes(16), window - now, window - now]);
        let soon = now + Duration::minutes(3);
        assert_eq!(retry_delay(4, now, soon), soon, "never later than the next window");
    }
}
