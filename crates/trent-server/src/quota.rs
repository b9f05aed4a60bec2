//! Request quotas on the request path: every authenticated call is charged to its account's
//! quota, so a caller — even one with no permissions — cannot make the server work, or grow
//! the audit trail, faster than its quota.
//!
//! Most calls are charged by their operation's name before they are dispatched
//! ([`RequestQuotas::admit`]). KMS's cryptographic operations count against the quota of the
//! key's type, which only KMS knows once it has loaded the key: the domain charges those
//! (`trent_core::kms`), and [`RequestQuotas::settle`] charges the fallback quota to a call
//! that ended before it did. Each request's `QuotaMeter` makes every call pay exactly once.
//!
//! A call past its quota answers the service's throttling error, which every AWS SDK retries
//! with backoff. It is not recorded in the trail (CloudTrail records no throttled call either);
//! a counter and a rate-limited log line say it happened.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use trent_core::Caller;
use trent_core::quota::{Quotas, Throttled};
use trent_wire::{AwsError, Dispatched, WireService};

/// The quotas in force, or none.
#[derive(Debug)]
pub struct RequestQuotas {
    quotas: Option<Arc<Quotas>>,
    throttled: AtomicU64,
}

impl RequestQuotas {
    /// The request path's view of `quotas` (shared with the services that charge their own
    /// operations); `None` admits everything.
    pub fn new(quotas: Option<Arc<Quotas>>) -> Self {
        Self { quotas, throttled: AtomicU64::new(0) }
    }

    /// Charges one call of `operation` of `service` by `caller` before it is dispatched, if
    /// the operation is charged by name.
    ///
    /// # Errors
    /// The service's throttling error when the caller's quota is used up.
    pub(crate) fn admit(&self, caller: &Caller, service: &WireService, operation: &str) -> Result<(), AwsError> {
        let Some(quotas) = &self.quotas else { return Ok(()) };
        quotas.charge_before(caller, service.name, operation).map_err(|t| self.refused(caller, service, t))
    }

    /// After dispatch: a call the service was to charge but did not (it ended before it knew
    /// the quota) pays the fallback quota; a call refused for its quota, here or by the
    /// service, answers the throttling error and is not recorded.
    ///
    /// # Errors
    /// The service's throttling error.
    pub(crate) fn settle(
        &self,
        caller: &Caller,
        service: &WireService,
        operation: &str,
        dispatched: Dispatched,
    ) -> Result<Dispatched, AwsError> {
        let Some(quotas) = &self.quotas else { return Ok(dispatched) };
        quotas.charge_after(caller, service.name, operation).map_err(|t| self.refused(caller, service, t))?;
        match dispatched.result {
            Err(e) if service.is_throttling(&e) => {
                self.count(caller, "charged by the service");
                Err(e)
            }
            _ => Ok(dispatched),
        }
    }

    fn refused(&self, caller: &Caller, service: &WireService, throttled: Throttled) -> AwsError {
        self.count(caller, throttled.quota);
        service.throttled()
    }

    fn count(&self, caller: &Caller, quota: &str) {
        let n = self.throttled.fetch_add(1, Ordering::Relaxed);
        if n.is_power_of_two() {
            tracing::info!(
                account = %caller.principal.account,
                region = %caller.region,
                quota,
                throttled_so_far = n + 1,
                "request throttled"
            );
        }
    }

    /// How many calls were throttled since the start.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }
}
