//! Which quota each operation counts against, and every quota's rate in each region.
//!
//! A [`QuotaTable`] is built once (AWS's defaults in [`super::aws`], overridden by
//! `[quotas]` in `trent.toml`) and never changes while the server runs. It knows nothing of
//! buckets or time; [`super::Quotas`] keeps those.

use std::collections::{BTreeMap, HashMap};

use crate::ids::Region;

/// One quota of a [`QuotaTable`], by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QuotaId(pub(crate) usize);

/// A named quota and its rates.
#[derive(Clone, Debug, PartialEq)]
pub struct Quota {
    /// The name configuration uses (`kms:cryptographic-symmetric`, `kms:CreateKey`).
    pub name: &'static str,
    /// Requests per second in every region `regional` does not name (may be below one: 0.25
    /// is one call every four seconds).
    pub rate: f64,
    /// Rates of particular regions (AWS's symmetric quota is 100,000/s in `us-east-1`).
    pub regional: BTreeMap<String, f64>,
}

impl Quota {
    /// A quota of `rate` requests per second in every region.
    pub fn new(name: &'static str, rate: f64) -> Self {
        Self { name, rate, regional: BTreeMap::new() }
    }

    /// Its rate in `region`.
    pub fn rate_in(&self, region: &Region) -> f64 {
        self.regional.get(region.as_str()).copied().unwrap_or(self.rate)
    }
}

/// How a call of an operation is charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charge {
    /// One request of this quota, by the request path before the call is dispatched.
    Quota(QuotaId),
    /// By the service once it knows the quota, which depends on what the request names (AWS
    /// KMS's cryptographic quotas follow the type of the key); `fallback` for a call that
    /// ends before the service knew (an unknown key, a malformed request).
    Deferred {
        /// The quota of a call the service did not charge.
        fallback: QuotaId,
    },
}

/// Which quota each operation of each service counts against.
#[derive(Clone, Debug, Default)]
pub struct QuotaTable {
    quotas: Vec<Quota>,
    /// service → operation → how it is charged.
    operations: HashMap<&'static str, HashMap<&'static str, Charge>>,
    /// service → the quota of its operations the table does not list.
    defaults: HashMap<&'static str, QuotaId>,
}

/// Why a `[quotas]` override cannot be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    /// The name is no quota of the table.
    #[error("'{0}' is not a quota")]
    Unknown(String),
    /// The rate is zero, negative or not a number.
    #[error("quota '{0}': the rate must be a positive number of requests per second")]
    Rate(String),
}

impl QuotaTable {
    /// Adds a quota that no operation names by itself (a service charges it, see
    /// [`Charge::Deferred`]); returns the table.
    #[must_use]
    pub fn quota(mut self, quota: Quota) -> Self {
        self.quotas.push(quota);
        self
    }

    /// Adds a quota shared by `operations` of `service`, charged before dispatch.
    #[must_use]
    pub fn with(self, service: &'static str, quota: Quota, operations: &[&'static str]) -> Self {
        let id = QuotaId(self.quotas.len());
        self.quota(quota).charge(service, operations, Charge::Quota(id))
    }

    /// Adds one quota per operation: `(quota name, operation, rate)`.
    #[must_use]
    pub fn each(mut self, service: &'static str, rates: &[(&'static str, &'static str, f64)]) -> Self {
        for (name, op, rate) in rates {
            self = self.with(service, Quota::new(name, *rate), &[op]);
        }
        self
    }

    /// `operations` of `service` are charged by the service itself, with the quota named
    /// `fallback` for calls it did not charge.
    ///
    /// # Panics
    /// If `fallback` is not a quota of the table yet (a bug in the table's definition).
    #[must_use]
    pub fn deferred(self, service: &'static str, operations: &[&'static str], fallback: &str) -> Self {
        let fallback = self.find(fallback).unwrap_or_else(|| panic!("no quota named {fallback}"));
        self.charge(service, operations, Charge::Deferred { fallback })
    }

    /// Also charges `operations` of `service` to the existing quota `name`.
    ///
    /// # Panics
    /// If `name` is not a quota of the table yet (a bug in the table's definition).
    #[must_use]
    pub fn also(self, service: &'static str, operations: &[&'static str], name: &str) -> Self {
        let id = self.find(name).unwrap_or_else(|| panic!("no quota named {name}"));
        self.charge(service, operations, Charge::Quota(id))
    }

    fn charge(mut self, service: &'static str, operations: &[&'static str], charge: Charge) -> Self {
        let ops = self.operations.entry(service).or_default();
        for op in operations {
            ops.insert(op, charge);
        }
        self
    }

    /// The quota of operations of `service` that the table does not list.
    #[must_use]
    pub fn default_for(mut self, service: &'static str, quota: Quota) -> Self {
        let id = QuotaId(self.quotas.len());
        self.quotas.push(quota);
        self.defaults.insert(service, id);
        self
    }

    /// Sets the rate of every quota named in `rates`, in every region (a region's own default
    /// is replaced too).
    ///
    /// # Errors
    /// The first name that is no quota of the table, or a rate that is not positive.
    pub fn override_rates(&mut self, rates: &BTreeMap<String, f64>) -> Result<(), OverrideError> {
        for (name, rate) in rates {
            let quota = self.named(name, *rate)?;
            quota.rate = *rate;
            quota.regional.clear();
        }
        Ok(())
    }

    /// Sets the rate in `region` of every quota named in `rates`.
    ///
    /// # Errors
    /// As [`QuotaTable::override_rates`].
    pub fn override_region_rates(
        &mut self,
        region: &Region,
        rates: &BTreeMap<String, f64>,
    ) -> Result<(), OverrideError> {
        for (name, rate) in rates {
            self.named(name, *rate)?.regional.insert(region.as_str().to_owned(), *rate);
        }
        Ok(())
    }

    fn named(&mut self, name: &str, rate: f64) -> Result<&mut Quota, OverrideError> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(OverrideError::Rate(name.to_owned()));
        }
        self.quotas.iter_mut().find(|q| q.name == name).ok_or_else(|| OverrideError::Unknown(name.to_owned()))
    }

    /// Every quota, in table order.
    pub fn quotas(&self) -> &[Quota] {
        &self.quotas
    }

    /// The quota named `name`.
    pub fn find(&self, name: &str) -> Option<QuotaId> {
        self.quotas.iter().position(|q| q.name == name).map(QuotaId)
    }

    /// The quota `id` names.
    ///
    /// # Panics
    /// If `id` comes from another table.
    pub fn get(&self, id: QuotaId) -> &Quota {
        &self.quotas[id.0]
    }

    /// How a call of `operation` of `service` is charged; `None` for a service without quotas.
    pub fn charge_of(&self, service: &str, operation: &str) -> Option<Charge> {
        self.operations
            .get(service)
            .and_then(|ops| ops.get(operation))
            .copied()
            .or_else(|| self.defaults.get(service).map(|id| Charge::Quota(*id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> QuotaTable {
        QuotaTable::default()
            .with("kms", Quota::new("kms:crypto", 10.0), &["Encrypt", "Decrypt"])
            .deferred("kms", &["Sign"], "kms:crypto")
            .default_for("kms", Quota::new("kms:other", 1.0))
    }

    #[test]
    fn operations_find_their_charge() {
        let t = table();
        let crypto = t.find("kms:crypto").unwrap();
        assert_eq!(t.charge_of("kms", "Encrypt"), Some(Charge::Quota(crypto)));
        assert_eq!(t.charge_of("kms", "Sign"), Some(Charge::Deferred { fallback: crypto }));
        assert_eq!(t.charge_of("kms", "Nope"), Some(Charge::Quota(t.find("kms:other").unwrap())));
        assert_eq!(t.charge_of("iam", "CreateUser"), None);
    }

    #[test]
    fn overrides_name_existing_quotas_with_positive_rates() {
        let mut t = table();
        let set = |n: &str, r: f64| BTreeMap::from([(n.to_owned(), r)]);
        let us = Region::parse("us-east-1").unwrap();
        let eu = Region::parse("eu-west-1").unwrap();
        t.override_region_rates(&us, &set("kms:crypto", 7.0)).unwrap();
        let crypto = t.get(t.find("kms:crypto").unwrap()).clone();
        assert_eq!((crypto.rate_in(&us), crypto.rate_in(&eu)), (7.0, 10.0));
        t.override_rates(&set("kms:crypto", 5.0)).unwrap();
        let crypto = t.get(t.find("kms:crypto").unwrap()).clone();
        assert_eq!((crypto.rate_in(&us), crypto.rate_in(&eu)), (5.0, 5.0), "a global rate replaces regional ones");
        assert_eq!(t.override_rates(&set("kms:nope", 5.0)), Err(OverrideError::Unknown("kms:nope".into())));
        assert!(t.override_rates(&set("kms:crypto", 0.0)).is_err());
        assert!(t.override_region_rates(&us, &set("kms:crypto", f64::NAN)).is_err());
    }
}
