//! Request quotas: how many calls an account may make per second in a region, per quota.
//!
//! A [`QuotaTable`] maps each (service, operation) to a named quota ([`Charge`]); several
//! operations may share one, and some are charged by the service itself once it knows which
//! quota applies (AWS KMS's cryptographic operations count against the quota of the key's
//! type). [`Quotas`] keeps one bucket per account, region and quota and admits or throttles
//! each call. A bucket is GCRA (the generic cell rate algorithm, a token bucket holding one
//! second of burst): one atomic word, updated with a compare-and-swap, so calls of different
//! accounts never contend and calls of one account contend only on that word; finding an
//! account's buckets takes a shared read lock of one of 16 shards, which readers never wait on.
//!
//! Each request carries a [`QuotaMeter`] (in its `Caller`) saying whether it has been charged
//! yet, so that the request path, a service and a fallback together charge every call exactly
//! once.
//!
//! Time is a monotonic clock of its own ([`QuotaClock`]), not the server's [`crate::Clock`]:
//! a quota is about real elapsed time, and a client's retry-with-backoff must see it refill.

mod aws;
mod table;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use parking_lot::RwLock;

pub use aws::{
    DEFAULT_RATE, KMS_BY_KEY, KMS_DATA_KEY_PAIRS, KMS_ECC, KMS_ML_DSA, KMS_ML_KEM, KMS_RSA, KMS_SYMMETRIC, SSM_READS,
};
pub use table::{Charge, OverrideError, Quota, QuotaId, QuotaTable};

use crate::identity::Caller;
use crate::ids::{AccountId, Region};

/// One second, in the buckets' unit.
const SECOND_NANOS: f64 = 1e9;
/// How many shards the bucket map has (a power of two).
const SHARDS: usize = 16;

/// A monotonic clock in nanoseconds from an arbitrary origin.
pub trait QuotaClock: Send + Sync + std::fmt::Debug {
    /// Nanoseconds since the clock's origin; never decreases.
    fn nanos(&self) -> u64;
}

/// The process's monotonic clock.
#[derive(Debug)]
pub struct MonotonicClock(std::time::Instant);

impl Default for MonotonicClock {
    fn default() -> Self {
        Self(std::time::Instant::now())
    }
}

impl QuotaClock for MonotonicClock {
    fn nanos(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A call refused because its quota is used up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the request quota '{quota}' is exceeded")]
pub struct Throttled {
    /// The quota's name.
    pub quota: &'static str,
}

/// Whether one request has been charged against a quota yet. The request path charges a
/// call by its operation's name, or leaves it to the service ([`Charge::Deferred`]), which
/// charges at most once ([`QuotaMeter::claim`]); whatever is left uncharged when the call
/// ends pays the fallback.
#[derive(Debug, Default)]
pub struct QuotaMeter(AtomicBool);

impl Clone for QuotaMeter {
    fn clone(&self) -> Self {
        Self(AtomicBool::new(self.is_charged()))
    }
}

impl QuotaMeter {
    /// Whether the request has been charged.
    pub fn is_charged(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Marks the request charged; `true` if it was not before (the claimant must charge it).
    pub fn claim(&self) -> bool {
        !self.0.swap(true, Ordering::Relaxed)
    }

    /// Marks the request uncharged again, for the next call made with the same caller.
    pub fn reset(&self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

/// One bucket: the theoretical arrival time of the next call (GCRA), in clock nanoseconds.
#[derive(Debug, Default)]
struct Bucket {
    tat: AtomicU64,
}

impl Bucket {
    fn admit(&self, now: u64, timing: Timing) -> bool {
        let mut tat = self.tat.load(Ordering::Relaxed);
        loop {
            let next = tat.max(now).saturating_add(timing.interval);
            if next > now.saturating_add(timing.tolerance) {
                return false;
            }
            match self.tat.compare_exchange_weak(tat, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return true,
                Err(seen) => tat = seen,
            }
        }
    }
}

/// A quota's emission interval and burst tolerance in one region, in nanoseconds.
#[derive(Clone, Copy, Debug)]
struct Timing {
    interval: u64,
    tolerance: u64,
}

impl Timing {
    fn of(rate: f64) -> Self {
        let interval = (SECOND_NANOS / rate).max(1.0);
        // One second of burst, and at least one call.
        let tolerance = interval * rate.max(1.0);
        Self { interval: interval as u64, tolerance: tolerance as u64 }
    }
}

/// The buckets of one account in one region, with that region's timings.
#[derive(Debug)]
struct RegionBuckets {
    timing: Arc<[Timing]>,
    buckets: Box<[Bucket]>,
}

type Shard = RwLock<HashMap<AccountId, HashMap<Region, Arc<RegionBuckets>>>>;

/// The buckets of every account and region, and the table they follow.
#[derive(Debug)]
pub struct Quotas {
    table: QuotaTable,
    /// Per region: every quota's timing, computed once.
    timings: RwLock<HashMap<Region, Arc<[Timing]>>>,
    shards: Vec<Shard>,
    clock: Arc<dyn QuotaClock>,
}

impl Quotas {
    /// Quotas following `table` on `clock`.
    pub fn new(table: QuotaTable, clock: Arc<dyn QuotaClock>) -> Self {
        let shards = (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect();
        Self { table, timings: RwLock::new(HashMap::new()), shards, clock }
    }

    /// The table in force.
    pub fn table(&self) -> &QuotaTable {
        &self.table
    }

    /// Admits one call against quota `id` for `account` in `region`, or refuses it.
    ///
    /// # Errors
    /// [`Throttled`] naming the quota when it is used up.
    pub fn admit(&self, account: &AccountId, region: &Region, id: QuotaId) -> Result<(), Throttled> {
        let now = self.clock.nanos();
        let shard = &self.shards[shard_of(account)];
        // The read guard ends with this statement: the write below must not wait on it.
        let found = shard
            .read()
            .get(account)
            .and_then(|regions| regions.get(region))
            .map(|b| b.buckets[id.0].admit(now, b.timing[id.0]));
        let admitted = match found {
            Some(admitted) => admitted,
            None => {
                let fresh = self.fresh(region);
                let mut map = shard.write();
                let b = map.entry(account.clone()).or_default().entry(region.clone()).or_insert(fresh);
                b.buckets[id.0].admit(now, b.timing[id.0])
            }
        };
        if admitted { Ok(()) } else { Err(Throttled { quota: self.table.get(id).name }) }
    }

    /// Admits one call of `operation` of `service` that is charged by name; a call the
    /// service charges itself ([`Charge::Deferred`]) and a service without quotas pass.
    ///
    /// # Errors
    /// [`Throttled`] naming the quota when it is used up.
    pub fn admit_operation(
        &self,
        account: &AccountId,
        region: &Region,
        service: &str,
        operation: &str,
    ) -> Result<(), Throttled> {
        match self.table.charge_of(service, operation) {
            Some(Charge::Quota(id)) => self.admit(account, region, id),
            Some(Charge::Deferred { .. }) | None => Ok(()),
        }
    }

    /// Charges `caller`'s call of `operation` of `service` before it runs: one request of its
    /// quota if it is charged by name; nothing if the service charges it
    /// ([`Charge::Deferred`]) or has no quotas.
    ///
    /// # Errors
    /// [`Throttled`] when the quota is used up.
    pub fn charge_before(&self, caller: &Caller, service: &str, operation: &str) -> Result<(), Throttled> {
        match self.table.charge_of(service, operation) {
            Some(Charge::Quota(id)) if caller.meter.claim() => {
                self.admit(&caller.principal.account, &caller.region, id)
            }
            _ => Ok(()),
        }
    }

    /// Charges `caller`'s call of `operation` of `service` once it has run: a deferred call
    /// the service did not charge (it ended before the service knew its quota) pays the
    /// fallback quota, so every call is charged exactly once.
    ///
    /// # Errors
    /// [`Throttled`] when the fallback quota is used up.
    pub fn charge_after(&self, caller: &Caller, service: &str, operation: &str) -> Result<(), Throttled> {
        match self.table.charge_of(service, operation) {
            Some(Charge::Deferred { fallback }) if caller.meter.claim() => {
                self.admit(&caller.principal.account, &caller.region, fallback)
            }
            _ => Ok(()),
        }
    }

    fn fresh(&self, region: &Region) -> Arc<RegionBuckets> {
        let known = self.timings.read().get(region).cloned();
        let timing = known.unwrap_or_else(|| {
            let computed: Arc<[Timing]> = self.table.quotas().iter().map(|q| Timing::of(q.rate_in(region))).collect();
            self.timings.write().entry(region.clone()).or_insert(computed).clone()
        });
        let buckets = (0..timing.len()).map(|_| Bucket::default()).collect();
        Arc::new(RegionBuckets { timing, buckets })
    }
}

fn shard_of(account: &AccountId) -> usize {
    use std::hash::{Hash, Hasher};
    // Fixed keys: the same account must always land in the same shard.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    account.as_str().hash(&mut h);
    (h.finish() as usize) & (SHARDS - 1)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Debug, Default)]
    struct Manual(AtomicU64);

    impl QuotaClock for Manual {
        fn nanos(&self) -> u64 {
            self.0.load(Ordering::Relaxed)
        }
    }

    fn quotas(rate: f64) -> (Quotas, Arc<Manual>) {
        let clock = Arc::new(Manual::default());
        let table = QuotaTable::default()
            .with("kms", Quota::new("kms:crypto", rate), &["Encrypt", "Decrypt"])
            .deferred("kms", &["Sign"], "kms:crypto")
            .default_for("kms", Quota::new("kms:other", 1.0));
        (Quotas::new(table, clock.clone()), clock)
    }

    fn ids() -> (AccountId, Region, AccountId) {
        (
            AccountId::parse("111122223333").unwrap(),
            Region::parse("us-east-1").unwrap(),
            AccountId::parse("444455556666").unwrap(),
        )
    }

    #[test]
    fn a_burst_of_one_second_passes_then_the_rate_holds() {
        let (q, clock) = quotas(10.0);
        let (a, r, _) = ids();
        let admitted = (0..25).filter(|_| q.admit_operation(&a, &r, "kms", "Encrypt").is_ok()).count();
        assert_eq!(admitted, 10, "one second of burst");
        assert_eq!(q.admit_operation(&a, &r, "kms", "Decrypt"), Err(Throttled { quota: "kms:crypto" }), "shared");
        clock.0.store(100_000_000, Ordering::Relaxed); // 0.1 s later: one more token
        assert!(q.admit_operation(&a, &r, "kms", "Encrypt").is_ok());
        assert!(q.admit_operation(&a, &r, "kms", "Encrypt").is_err());
    }

    #[test]
    fn accounts_regions_and_quotas_are_independent() {
        let (q, _) = quotas(1.0);
        let (a, r, b) = ids();
        let other_region = Region::parse("eu-west-1").unwrap();
        assert!(q.admit_operation(&a, &r, "kms", "Encrypt").is_ok());
        assert!(q.admit_operation(&a, &r, "kms", "Encrypt").is_err());
        assert!(q.admit_operation(&b, &r, "kms", "Encrypt").is_ok(), "another account");
        assert!(q.admit_operation(&a, &other_region, "kms", "Encrypt").is_ok(), "another region");
        assert!(q.admit_operation(&a, &r, "kms", "CreateKey").is_ok(), "another quota (the default)");
        assert!(q.admit_operation(&a, &r, "kms", "Nonsense").is_err(), "unknown operations share the default");
        assert!(q.admit_operation(&a, &r, "iam", "CreateUser").is_ok(), "a service without quotas is not limited");
        assert!(q.admit_operation(&a, &r, "kms", "Sign").is_ok(), "a deferred operation is not charged by name");
        let crypto = q.table().find("kms:crypto").unwrap();
        assert!(q.admit(&a, &r, crypto).is_err(), "the service charges the deferred quota itself");
    }

    #[test]
    fn rates_below_one_per_second_allow_one_call_per_interval() {
        let (q, clock) = quotas(0.25);
        let (a, r, _) = ids();
        assert!(q.admit_operation(&a, &r, "kms", "Encrypt").is_ok());
        assert!(q.admit_operation(&a, &r, "kms", "Encrypt").is_err());
        clock.0.store(3_900_000_000, Ordering::Relaxed);
        assert!(q.admit_operation(&a, &r, "kms", "Encrypt").is_err());
        clock.0.store(4_000_000_000, Ordering::Relaxed);
        assert!(q.admit_operation(&a, &r, "kms", "Encrypt").is_ok());
    }

    #[test]
    fn each_region_follows_its_own_rate() {
        let clock = Arc::new(Manual::default());
        let mut table = QuotaTable::default().with("kms", Quota::new("kms:crypto", 2.0), &["Encrypt"]);
        let (a, us, _) = ids();
        table.override_region_rates(&us, &BTreeMap::from([("kms:crypto".to_owned(), 5.0)])).unwrap();
        let q = Quotas::new(table, clock);
        let eu = Region::parse("eu-west-1").unwrap();
        let burst = |r: &Region| (0..20).filter(|_| q.admit_operation(&a, r, "kms", "Encrypt").is_ok()).count();
        assert_eq!((burst(&us), burst(&eu)), (5, 2));
    }

    #[test]
    fn a_meter_is_claimed_once_until_reset() {
        let m = QuotaMeter::default();
        assert!(!m.is_charged());
        assert!(m.claim());
        assert!(!m.claim(), "a second claimant must not charge again");
        assert!(m.clone().is_charged());
        m.reset();
        assert!(m.claim());
    }
}
