//! The trail's record of the KMS calls another service makes on a caller's behalf.
//!
//! The request path gives every caller an [`OnBehalfEvents`]; when Secrets Manager or Parameter
//! Store call KMS for the caller ([`trent_core::kms::OnBehalf`]), each call lands here as the
//! KMS event(s) CloudTrail records for it: event source `kms.amazonaws.com`, the caller's
//! identity with `invokedBy`, `sourceIPAddress` and `userAgent` naming the service, the key's
//! ARN as the resource (whose owner's trail gets a copy when it is another account), the
//! encryption context in `requestParameters`, its own request id. [`crate::audit::record_call`]
//! commits them in the same group commit as the service's own event, so the answer waits for
//! one commit and the trail never holds one without the other.

use parking_lot::Mutex;
use trent_core::audit::{
    CallFacts, CallRecord, KmsNames, OnBehalfCall, OnBehalfLog, Outcome, call_events_taking, kms_resources, rules,
};
use trent_core::{Caller, SharedClock};
use trent_wire::AwsError;

use crate::audit::OnBehalfRecords;

/// The on-behalf KMS events of one request, in the order the calls were made, with the keys
/// they used.
#[derive(Debug)]
pub(crate) struct OnBehalfEvents {
    clock: SharedClock,
    records: Mutex<OnBehalfRecords>,
}

impl OnBehalfEvents {
    pub(crate) fn new(clock: SharedClock) -> Self {
        Self { clock, records: Mutex::new(OnBehalfRecords::default()) }
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
        let request_id = uuid::Uuid::new_v4().to_string();
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
        let mut events = call_events_taking(&record, Some(call.request), None);
        for event in &mut events {
            event.source_ip_address.clone_from(&service);
            event.user_agent.clone_from(&service);
            event.user_identity.invoked_by = Some(service.clone());
        }
        // Each on-behalf call is its own KMS call with its own record and request id.
        let used = call.used.and_then(|used| used.recorded_in(&events));
        let mut records = self.records.lock();
        records.events.extend(events);
        records.key_uses.extend(used);
    }
}
