//! Request quotas on the request path: every authenticated call is admitted by its
//! account's quota before it is dispatched or recorded, so a caller — even one with no
//! permissions — cannot make the server work, or grow the audit trail, faster than its quota.
//!
//! A call past its quota answers the service's throttling error, which every AWS SDK retries
//! with backoff. It is not recorded in the trail (CloudTrail records no throttled call either);
//! a counter and a rate-limited log line say it happened.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use trent_core::Caller;
use trent_core::quota::{MonotonicClock, QuotaTable, Quotas};
use trent_wire::{AwsError, WireService};

/// The quotas in force, or none.
#[derive(Debug)]
pub struct RequestQuotas {
    quotas: Option<Quotas>,
    throttled: AtomicU64,
}

impl RequestQuotas {
    /// Quotas following `table` on the process's monotonic clock; `None` admits everything.
    pub fn new(table: Option<QuotaTable>) -> Self {
        let quotas = table.map(|t| Quotas::new(t, Arc::new(MonotonicClock::default())));
        Self { quotas, throttled: AtomicU64::new(0) }
    }

    /// Admits one call of `operation` of `service` by `caller`.
    ///
    /// # Errors
    /// The service's throttling error when the caller's quota is used up.
    pub(crate) fn admit(&self, caller: &Caller, service: &WireService, operation: &str) -> Result<(), AwsError> {
        let Some(quotas) = &self.quotas else { return Ok(()) };
        match quotas.admit(&caller.principal.account, &caller.region, service.name, operation) {
            Ok(()) => Ok(()),
            Err(throttled) => {
                let n = self.throttled.fetch_add(1, Ordering::Relaxed);
                if n.is_power_of_two() {
                    tracing::info!(
                        account = %caller.principal.account,
                        region = %caller.region,
                        quota = throttled.quota,
                        throttled_so_far = n + 1,
                        "request throttled"
                    );
                }
                Err(service.throttled())
            }
        }
    }

    /// How many calls were throttled since the start.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }
}
