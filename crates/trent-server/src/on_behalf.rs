//! The trail's record of the KMS calls another service makes on a caller's behalf, and of the
//! KMS calls a service makes by itself.
//!
//! The request path gives every caller an [`OnBehalfEvents`]; when Secrets Manager or Parameter
//! Store call KMS for the caller ([`trent_core::kms::OnBehalf`]), each call lands here as the
//! KMS event(s) CloudTrail records for it: event source `kms.amazonaws.com`, the caller's
//! identity with `invokedBy`, `sourceIPAddress` and `userAgent` naming the service, the key's
//! ARN as the resource (whose owner's trail gets a copy when it is another account), the
//! encryption context in `requestParameters`, its own request id. [`crate::audit::record_call`]
//! commits them in the same group commit as the service's own event, so the answer waits for
//! one commit and the trail never holds one without the other.
//!
//! Work the scheduler runs (a failed secret replica tried again, a rotation's steps) has no
//! request: its calls are collected by a [`ServiceWorkCalls`] and recorded as the service's own,
//! as CloudTrail records a call an AWS service makes by itself: `userIdentity` of type
//! `AWSService` with the service in `invokedBy` (no principal, no access key), `eventType`
//! `AwsServiceEvent`, the rest as above. The work commits them after each piece of it.

use std::sync::Weak;

use parking_lot::Mutex;
use trent_core::audit::{
    CallFacts, CallRecord, EVENT_TYPE_SERVICE_EVENT, KmsNames, OnBehalfCall, OnBehalfLog, Outcome, ServiceCalls,
    UserIdentity, kms_resources, rules, service_call_events,
};
use trent_core::{Caller, SharedClock};
use trent_wire::AwsError;

use crate::audit::OnBehalfRecords;
use crate::state::AppState;

/// The on-behalf KMS events of one request, in the order the calls were made, with the keys
/// they used.
#[derive(Debug)]
pub(crate) struct OnBehalfEvents {
    clock: SharedClock,
    records: Mutex<OnBehalfRecords>,
    /// Whether the calls are the service's own work, not a caller's request.
    service_work: bool,
}

impl OnBehalfEvents {
    /// The log of one request's on-behalf calls.
    pub(crate) fn new(clock: SharedClock) -> Self {
        Self { clock, records: Mutex::new(OnBehalfRecords::default()), service_work: false }
    }

    /// The log of calls a service makes by itself.
    fn of_service_work(clock: SharedClock) -> Self {
        Self { service_work: true, ..Self::new(clock) }
    }

    /// Everything collected so far, leaving nothing.
    pub(crate) fn take(&self) -> OnBehalfRecords {
        std::mem::take(&mut *self.records.lock())
    }
}

impl OnBehalfLog for OnBehalfEvents {
    fn record(&self, caller: &Caller, call: OnBehalfCall<'_>) {
        let error = call.result.err().map(AwsError::from);
        let outcome = match &error {
            None => Outcome::Answered,
            Some(e) => Outcome::Failed { code: e.code, message: &e.message, denied: e.is_access_denied() },
        };
        let names = match call.result {
            Ok(()) => KmsNames { resolved: [call.key_arn, None], ..KmsNames::default() },
            Err(_) => KmsNames { requested: [call.key_arn, None], ..KmsNames::default() },
        };
        let service = call.service_principal();
        let facts =
            CallFacts { request: None, response: None, resources: kms_resources(caller, &names), key_uses: Vec::new() };
        let request_id = crate::app::request_id();
        let record = CallRecord {
            rules: &rules::KMS,
            caller,
            operation: call.operation,
            facts: &facts,
            outcome,
            request_id: &request_id,
            tls: None,
            time: self.clock.now(),
        };
        // The service is the records' `sourceIPAddress` and `userAgent`.
        let mut events = service_call_events(&record, Some(call.request), &service);
        for event in &mut events {
            if self.service_work {
                event.user_identity = UserIdentity::aws_service(&service);
                event.event_type = EVENT_TYPE_SERVICE_EVENT.to_owned();
            } else {
                event.user_identity.invoked_by = Some(service.clone());
            }
        }
        // Each on-behalf call is its own KMS call with its own record and request id.
        let used = call.used.and_then(|used| used.recorded_in(&events));
        let mut records = self.records.lock();
        records.events.extend(events);
        records.key_uses.extend(used);
    }
}

/// The KMS calls of one piece of a service's own work, into the audit trail on
/// [`ServiceCalls::commit`].
#[derive(Debug)]
pub(crate) struct ServiceWorkCalls {
    events: OnBehalfEvents,
    /// Weak: the state owns the service that holds the log that makes these.
    state: Weak<AppState>,
}

impl ServiceWorkCalls {
    pub(crate) fn new(clock: SharedClock, state: Weak<AppState>) -> Self {
        Self { events: OnBehalfEvents::of_service_work(clock), state }
    }
}

impl OnBehalfLog for ServiceWorkCalls {
    fn record(&self, caller: &Caller, call: OnBehalfCall<'_>) {
        self.events.record(caller, call);
    }
}

#[async_trait::async_trait]
impl ServiceCalls for ServiceWorkCalls {
    async fn commit(&self) {
        let OnBehalfRecords { events, key_uses } = self.events.take();
        if events.is_empty() {
            return;
        }
        let Some(state) = self.state.upgrade() else { return };
        match state.audit.record_all(events).await {
            // As a request's: GetKeyLastUsage learns of the uses once their events are durable.
            Ok(()) if !key_uses.is_empty() => state.kms.track_usage(key_uses),
            Ok(()) => {}
            Err(e) => tracing::warn!(error = %e, "a service's own KMS calls could not be recorded in the audit trail"),
        }
    }
}
