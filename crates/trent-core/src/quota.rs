//! Request quotas: how many calls an account may make per second in a region, per quota.
//!
//! A [`QuotaTable`] maps each (service, operation) to a named quota with a rate; several
//! operations may share one (AWS KMS's cryptographic operations share one quota per key
//! type). [`Quotas`] keeps one bucket per account, region and quota and admits or throttles
//! each call. A bucket is GCRA (the generic cell rate algorithm, a token bucket holding one
//! second of burst): one atomic word, updated with a compare-and-swap, so calls of different
//! accounts never contend and calls of one account contend only on that word.
//!
//! Time is a monotonic clock of its own ([`QuotaClock`]), not the server's [`crate::Clock`]:
//! a quota is about real elapsed time, and a client's retry-with-backoff must see it refill.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::RwLock;

use crate::ids::{AccountId, Region};

/// One second, in the buckets' unit.
const SECOND_NANOS: f64 = 1e9;
/// How many shards the bucket map has (a power of two).
const SHARDS: usize = 16;
/// The quota an operation missing from the table falls into, per service (an unknown
/// operation, or one not served yet): generous for real clients, a bound for a flood.
pub const DEFAULT_RATE: f64 = 100.0;

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

/// A named quota and its rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Quota {
    /// The name configuration uses (`kms:cryptographic-symmetric`, `kms:CreateKey`).
    pub name: &'static str,
    /// Requests per second (may be below one: 0.25 is one call every four seconds).
    pub rate: f64,
}

/// Which quota each operation of each service counts against.
#[derive(Clone, Debug, Default)]
pub struct QuotaTable {
    quotas: Vec<Quota>,
    /// service → operation → index into `quotas`.
    operations: HashMap<&'static str, HashMap<&'static str, usize>>,
    /// service → the index of its default quota.
    defaults: HashMap<&'static str, usize>,
}

impl QuotaTable {
    /// Adds a quota shared by `operations` of `service`; returns the table.
    #[must_use]
    pub fn with(mut self, service: &'static str, quota: Quota, operations: &[&'static str]) -> Self {
        let index = self.quotas.len();
        self.quotas.push(quota);
        let ops = self.operations.entry(service).or_default();
        for op in operations {
            ops.insert(op, index);
        }
        self
    }

    /// Adds one quota per operation, each named `<service>:<operation>`.
    #[must_use]
    pub fn each(mut self, service: &'static str, rates: &[(&'static str, &'static str, f64)]) -> Self {
        for (name, op, rate) in rates {
            self = self.with(service, Quota { name, rate: *rate }, &[op]);
        }
        self
    }

    /// The quota of operations of `service` that the table does not list.
    #[must_use]
    pub fn default_for(mut self, service: &'static str, quota: Quota) -> Self {
        let index = self.quotas.len();
        self.quotas.push(quota);
        self.defaults.insert(service, index);
        self
    }

    /// Sets the rate of every quota named in `rates`.
    ///
    /// # Errors
    /// The first name that is no quota of the table, or a rate that is not positive.
    pub fn override_rates(&mut self, rates: &BTreeMap<String, f64>) -> Result<(), String> {
        for (name, rate) in rates {
            if !(rate.is_finite() && *rate > 0.0) {
                return Err(format!("quota '{name}': the rate must be a positive number of requests per second"));
            }
            let mut found = false;
            for q in self.quotas.iter_mut().filter(|q| q.name == name) {
                q.rate = *rate;
                found = true;
            }
            if !found {
                return Err(format!("'{name}' is not a quota"));
            }
        }
        Ok(())
    }

    /// Every quota, in table order.
    pub fn quotas(&self) -> &[Quota] {
        &self.quotas
    }

    fn lookup(&self, service: &str, operation: &str) -> Option<usize> {
        self.operations.get(service).and_then(|ops| ops.get(operation)).or_else(|| self.defaults.get(service)).copied()
    }
}

/// KMS operations that share the symmetric cryptographic quota.
const KMS_SYMMETRIC: &[&str] = &[
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateMac",
    "GenerateRandom",
    "ReEncrypt",
    "VerifyMac",
];

/// KMS's control-plane quotas, one per operation (requests per second, AWS's defaults).
const KMS_OPERATIONS: &[(&str, &str, f64)] = &[
    ("kms:CancelKeyDeletion", "CancelKeyDeletion", 5.0),
    ("kms:ConnectCustomKeyStore", "ConnectCustomKeyStore", 5.0),
    ("kms:CreateAlias", "CreateAlias", 5.0),
    ("kms:CreateCustomKeyStore", "CreateCustomKeyStore", 5.0),
    ("kms:CreateGrant", "CreateGrant", 50.0),
    ("kms:CreateKey", "CreateKey", 5.0),
    ("kms:DeleteAlias", "DeleteAlias", 5.0),
    ("kms:DeleteCustomKeyStore", "DeleteCustomKeyStore", 5.0),
    ("kms:DeleteImportedKeyMaterial", "DeleteImportedKeyMaterial", 5.0),
    ("kms:DescribeCustomKeyStores", "DescribeCustomKeyStores", 5.0),
    ("kms:DescribeKey", "DescribeKey", 2000.0),
    ("kms:DisableKey", "DisableKey", 5.0),
    ("kms:DisableKeyRotation", "DisableKeyRotation", 5.0),
    ("kms:DisconnectCustomKeyStore", "DisconnectCustomKeyStore", 5.0),
    ("kms:EnableKey", "EnableKey", 5.0),
    ("kms:EnableKeyRotation", "EnableKeyRotation", 5.0),
    ("kms:GetKeyPolicy", "GetKeyPolicy", 30.0),
    ("kms:GetKeyRotationStatus", "GetKeyRotationStatus", 30.0),
    ("kms:GetParametersForImport", "GetParametersForImport", 0.25),
    ("kms:GetPublicKey", "GetPublicKey", 5.0),
    ("kms:ImportKeyMaterial", "ImportKeyMaterial", 5.0),
    ("kms:ListAliases", "ListAliases", 100.0),
    ("kms:ListGrants", "ListGrants", 100.0),
    ("kms:ListKeyPolicies", "ListKeyPolicies", 100.0),
    ("kms:ListKeyRotations", "ListKeyRotations", 100.0),
    ("kms:ListKeys", "ListKeys", 100.0),
    ("kms:ListResourceTags", "ListResourceTags", 100.0),
    ("kms:ListRetirableGrants", "ListRetirableGrants", 5.0),
    ("kms:PutKeyPolicy", "PutKeyPolicy", 5.0),
    ("kms:ReplicateKey", "ReplicateKey", 5.0),
    ("kms:RetireGrant", "RetireGrant", 15.0),
    ("kms:RevokeGrant", "RevokeGrant", 15.0),
    ("kms:RotateKeyOnDemand", "RotateKeyOnDemand", 5.0),
    ("kms:ScheduleKeyDeletion", "ScheduleKeyDeletion", 5.0),
    ("kms:TagResource", "TagResource", 5.0),
    ("kms:UntagResource", "UntagResource", 5.0),
    ("kms:UpdateAlias", "UpdateAlias", 5.0),
    ("kms:UpdateCustomKeyStore", "UpdateCustomKeyStore", 5.0),
    ("kms:UpdateKeyDescription", "UpdateKeyDescription", 5.0),
    ("kms:UpdatePrimaryRegion", "UpdatePrimaryRegion", 5.0),
];

impl QuotaTable {
    /// AWS's default request quotas, per account and region, for the services Trent
    /// declares; every other operation of a declared service falls into that service's
    /// default quota of [`DEFAULT_RATE`].
    pub fn aws() -> Self {
        let default = |name| Quota { name, rate: DEFAULT_RATE };
        QuotaTable::default()
            .with("kms", Quota { name: "kms:cryptographic-symmetric", rate: 10_000.0 }, KMS_SYMMETRIC)
            .each("kms", KMS_OPERATIONS)
            .default_for("kms", default("kms:other"))
            .each("cloudtrail", &[("cloudtrail:LookupEvents", "LookupEvents", 2.0)])
            .default_for("cloudtrail", default("cloudtrail:other"))
            .default_for("iam", default("iam:all"))
            .default_for("sts", Quota { name: "sts:all", rate: 600.0 })
            .default_for("secretsmanager", default("secretsmanager:other"))
            .default_for("ssm", default("ssm:other"))
    }
}

/// One bucket: the theoretical arrival time of the next call (GCRA), in clock nanoseconds.
#[derive(Debug, Default)]
struct Bucket {
    tat: AtomicU64,
}

impl Bucket {
    fn admit(&self, now: u64, interval: u64, tolerance: u64) -> bool {
        let mut tat = self.tat.load(Ordering::Relaxed);
        loop {
            let next = tat.max(now).saturating_add(interval);
            if next > now.saturating_add(tolerance) {
                return false;
            }
            match self.tat.compare_exchange_weak(tat, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return true,
                Err(seen) => tat = seen,
            }
        }
    }
}

type Buckets = Arc<[Bucket]>;

/// The buckets of every account and region, and the table they follow.
#[derive(Debug)]
pub struct Quotas {
    table: QuotaTable,
    /// Per quota: (emission interval, burst tolerance), in nanoseconds.
    timing: Vec<(u64, u64)>,
    shards: Vec<RwLock<HashMap<(AccountId, Region), Buckets>>>,
    clock: Arc<dyn QuotaClock>,
}

impl Quotas {
    /// Quotas following `table` on `clock`.
    pub fn new(table: QuotaTable, clock: Arc<dyn QuotaClock>) -> Self {
        let timing = table
            .quotas
            .iter()
            .map(|q| {
                let interval = (SECOND_NANOS / q.rate).max(1.0);
                // One second of burst, and at least one call.
                let tolerance = interval * q.rate.max(1.0);
                (interval as u64, tolerance as u64)
            })
            .collect();
        let shards = (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect();
        Self { table, timing, shards, clock }
    }

    /// Admits one call of `operation` of `service` by `account` in `region`, or refuses it.
    ///
    /// # Errors
    /// [`Throttled`] naming the quota that is used up.
    pub fn admit(&self, account: &AccountId, region: &Region, service: &str, operation: &str) -> Result<(), Throttled> {
        let Some(index) = self.table.lookup(service, operation) else { return Ok(()) };
        let buckets = self.buckets(account, region);
        let (interval, tolerance) = self.timing[index];
        if buckets[index].admit(self.clock.nanos(), interval, tolerance) {
            Ok(())
        } else {
            Err(Throttled { quota: self.table.quotas[index].name })
        }
    }

    /// The table in force.
    pub fn table(&self) -> &QuotaTable {
        &self.table
    }

    fn buckets(&self, account: &AccountId, region: &Region) -> Buckets {
        let key = (account.clone(), region.clone());
        let shard = &self.shards[shard_of(&key)];
        if let Some(b) = shard.read().get(&key) {
            return b.clone();
        }
        let fresh: Buckets = (0..self.table.quotas.len()).map(|_| Bucket::default()).collect();
        shard.write().entry(key).or_insert(fresh).clone()
    }
}

fn shard_of(key: &(AccountId, Region)) -> usize {
    use std::hash::{Hash, Hasher};
    // Fixed keys: the same account and region must always land in the same shard.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.0.as_str().hash(&mut h);
    key.1.as_str().hash(&mut h);
    (h.finish() as usize) & (SHARDS - 1)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;

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
            .with("kms", Quota { name: "kms:crypto", rate }, &["Encrypt", "Decrypt"])
            .default_for("kms", Quota { name: "kms:other", rate: 1.0 });
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
        let admitted = (0..25).filter(|_| q.admit(&a, &r, "kms", "Encrypt").is_ok()).count();
        assert_eq!(admitted, 10, "one second of burst");
        assert_eq!(q.admit(&a, &r, "kms", "Decrypt"), Err(Throttled { quota: "kms:crypto" }), "shared quota");
        clock.0.store(100_000_000, Ordering::Relaxed); // 0.1 s later: one more token
        assert!(q.admit(&a, &r, "kms", "Encrypt").is_ok());
        assert!(q.admit(&a, &r, "kms", "Encrypt").is_err());
    }

    #[test]
    fn accounts_regions_and_quotas_are_independent() {
        let (q, _) = quotas(1.0);
        let (a, r, b) = ids();
        let other_region = Region::parse("eu-west-1").unwrap();
        assert!(q.admit(&a, &r, "kms", "Encrypt").is_ok());
        assert!(q.admit(&a, &r, "kms", "Encrypt").is_err());
        assert!(q.admit(&b, &r, "kms", "Encrypt").is_ok(), "another account");
        assert!(q.admit(&a, &other_region, "kms", "Encrypt").is_ok(), "another region");
        assert!(q.admit(&a, &r, "kms", "CreateKey").is_ok(), "another quota (the default)");
        assert!(q.admit(&a, &r, "kms", "Nonsense").is_err(), "unknown operations share the default");
        assert!(q.admit(&a, &r, "iam", "CreateUser").is_ok(), "a service without quotas is not limited");
    }

    #[test]
    fn rates_below_one_per_second_allow_one_call_per_interval() {
        let (q, clock) = quotas(0.25);
        let (a, r, _) = ids();
        assert!(q.admit(&a, &r, "kms", "Encrypt").is_ok());
        assert!(q.admit(&a, &r, "kms", "Encrypt").is_err());
        clock.0.store(3_900_000_000, Ordering::Relaxed);
        assert!(q.admit(&a, &r, "kms", "Encrypt").is_err());
        clock.0.store(4_000_000_000, Ordering::Relaxed);
        assert!(q.admit(&a, &r, "kms", "Encrypt").is_ok());
    }

    #[test]
    fn overrides_name_existing_quotas_with_positive_rates() {
        let (q, _) = quotas(1.0);
        let mut table = q.table().clone();
        let set = |n: &str, r: f64| BTreeMap::from([(n.to_owned(), r)]);
        assert!(table.override_rates(&set("kms:crypto", 5.0)).is_ok());
        assert_eq!(table.quotas()[0].rate, 5.0);
        assert!(table.override_rates(&set("kms:nope", 5.0)).unwrap_err().contains("not a quota"));
        assert!(table.override_rates(&set("kms:crypto", 0.0)).is_err());
        assert!(table.override_rates(&set("kms:crypto", f64::NAN)).is_err());
    }
}
