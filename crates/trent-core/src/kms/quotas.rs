//! KMS's part of the request quotas: a cryptographic operation counts against the quota of
//! its key's type (symmetric and HMAC keys share one; RSA, ECC and SM2, ML-DSA, ML-KEM have
//! their own), which is known only once the key is loaded. The request path leaves these
//! operations uncharged ([`crate::quota::Charge::Deferred`]); the key's first use in the call
//! charges the caller's account in the request's region ([`Kms::charge_key_use`]), before
//! authorization and cryptography, and the caller's [`crate::quota::QuotaMeter`] makes sure a
//! call using two keys (`ReEncrypt`) is charged once. A call that ends before a key was
//! loaded pays the fallback quota afterwards (`Quotas::charge_after`).
//!
//! `GenerateDataKeyPair` counts against the quota of the data key pair's spec
//! ([`Kms::charge_data_key_pair`]).

use std::sync::Arc;

use super::cache::LoadedKey;
use super::{KeyAction, KeySpec, Kms, KmsError};
use crate::identity::Caller;
use crate::quota::{
    KMS_DATA_KEY_PAIRS, KMS_ECC, KMS_ML_DSA, KMS_ML_KEM, KMS_RSA, KMS_SYMMETRIC, QuotaId, Quotas, Throttled,
};

/// The quotas in force and where KMS's own ones are in their table.
#[derive(Debug)]
pub(crate) struct KmsQuotas {
    pub(crate) quotas: Arc<Quotas>,
    symmetric: Option<QuotaId>,
    rsa: Option<QuotaId>,
    ecc: Option<QuotaId>,
    ml_dsa: Option<QuotaId>,
    ml_kem: Option<QuotaId>,
    /// `(KeyPairSpec, quota)`.
    pairs: Vec<(&'static str, QuotaId)>,
}

impl KmsQuotas {
    fn new(quotas: Arc<Quotas>) -> Self {
        let table = quotas.table();
        let pairs = KMS_DATA_KEY_PAIRS.iter().filter_map(|(name, spec, ..)| Some((*spec, table.find(name)?))).collect();
        Self {
            symmetric: table.find(KMS_SYMMETRIC),
            rsa: table.find(KMS_RSA),
            ecc: table.find(KMS_ECC),
            ml_dsa: table.find(KMS_ML_DSA),
            ml_kem: table.find(KMS_ML_KEM),
            pairs,
            quotas,
        }
    }

    /// The quota a cryptographic use of a key of `spec` counts against.
    fn for_key(&self, spec: KeySpec) -> Option<QuotaId> {
        use KeySpec::*;
        match spec {
            SymmetricDefault | Hmac224 | Hmac256 | Hmac384 | Hmac512 => self.symmetric,
            Rsa2048 | Rsa3072 | Rsa4096 => self.rsa,
            EccNistP256 | EccNistP384 | EccNistP521 | EccSecgP256k1 | EccNistEdwards25519 | Sm2 => self.ecc,
            MlDsa44 | MlDsa65 | MlDsa87 => self.ml_dsa,
            MlKem512 | MlKem768 | MlKem1024 => self.ml_kem,
        }
    }
}

/// The permissions whose use of a key is a cryptographic operation, charged by key type.
/// (`GenerateDataKeyPair` is charged by the data key pair's spec instead.)
fn is_cryptographic(action: KeyAction) -> bool {
    use KeyAction::*;
    matches!(
        action,
        Decapsulate
            | Decrypt
            | DeriveSharedSecret
            | Encapsulate
            | Encrypt
            | GenerateDataKey
            | GenerateDataKeyWithoutPlaintext
            | GenerateMac
            | ReEncryptFrom
            | ReEncryptTo
            | Sign
            | Verify
            | VerifyMac
    )
}

fn throttled(t: Throttled) -> KmsError {
    KmsError::Throttled { quota: t.quota }
}

impl Kms {
    /// The service with request quotas: cryptographic operations are charged here, by key
    /// type, against `quotas`' buckets (the ones the request path charges too).
    #[must_use]
    pub fn with_quotas(mut self, quotas: Arc<Quotas>) -> Self {
        self.quotas = Some(KmsQuotas::new(quotas));
        self
    }

    /// The request quotas in force, if any.
    pub fn quotas(&self) -> Option<&Arc<Quotas>> {
        self.quotas.as_ref().map(|q| &q.quotas)
    }

    /// Charges `caller`'s call for a use of `key` under `action`, if the action is a
    /// cryptographic operation and the call is not charged yet.
    pub(crate) fn charge_key_use(&self, caller: &Caller, key: &LoadedKey, action: KeyAction) -> Result<(), KmsError> {
        let Some(q) = &self.quotas else { return Ok(()) };
        if !is_cryptographic(action) {
            return Ok(());
        }
        let Some(id) = q.for_key(key.record.spec) else { return Ok(()) };
        if !caller.meter.claim() {
            return Ok(());
        }
        q.quotas.admit(&caller.principal.account, &caller.region, id).map_err(throttled)
    }

    /// Charges `caller`'s `GenerateDataKeyPair` call against the quota of `key_pair_spec`.
    ///
    /// # Errors
    /// [`KmsError::Throttled`] when that quota is used up.
    pub fn charge_data_key_pair(&self, caller: &Caller, key_pair_spec: &str) -> Result<(), KmsError> {
        let Some(q) = &self.quotas else { return Ok(()) };
        let Some((_, id)) = q.pairs.iter().find(|(spec, _)| *spec == key_pair_spec) else { return Ok(()) };
        if !caller.meter.claim() {
            return Ok(());
        }
        q.quotas.admit(&caller.principal.account, &caller.region, *id).map_err(throttled)
    }

    /// Charges `caller`'s call of `operation` before it runs, as the request path does
    /// (for calls that do not come through it: another service's calls on a caller's behalf).
    pub(crate) fn charge_before(&self, caller: &Caller, operation: &str) -> Result<(), KmsError> {
        match &self.quotas {
            Some(q) => q.quotas.charge_before(caller, "kms", operation).map_err(throttled),
            None => Ok(()),
        }
    }

    /// Charges `caller`'s call of `operation` once it has run, if nothing charged it.
    pub(crate) fn charge_after(&self, caller: &Caller, operation: &str) -> Result<(), KmsError> {
        match &self.quotas {
            Some(q) => q.quotas.charge_after(caller, "kms", operation).map_err(throttled),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::{MonotonicClock, QuotaTable};

    #[test]
    fn each_key_type_has_its_quota_and_hmac_keys_are_symmetric() {
        let q = KmsQuotas::new(Arc::new(Quotas::new(QuotaTable::aws(), Arc::new(MonotonicClock::default()))));
        let table = q.quotas.table();
        let name = |spec| q.for_key(spec).map(|id| table.get(id).name);
        assert_eq!(name(KeySpec::SymmetricDefault), Some(KMS_SYMMETRIC));
        assert_eq!(name(KeySpec::Hmac384), Some(KMS_SYMMETRIC));
        assert_eq!(name(KeySpec::Rsa3072), Some(KMS_RSA));
        assert_eq!(name(KeySpec::EccNistP256), Some(KMS_ECC));
        assert_eq!(name(KeySpec::EccNistEdwards25519), Some(KMS_ECC));
        assert_eq!(name(KeySpec::Sm2), Some(KMS_ECC));
        assert_eq!(name(KeySpec::MlDsa65), Some(KMS_ML_DSA));
        assert_eq!(name(KeySpec::MlKem768), Some(KMS_ML_KEM));
        assert!(is_cryptographic(KeyAction::Encapsulate) && is_cryptographic(KeyAction::Decapsulate));
        assert_eq!(q.pairs.len(), KMS_DATA_KEY_PAIRS.len(), "every key pair spec has its quota");
        assert!(is_cryptographic(KeyAction::ReEncryptFrom) && is_cryptographic(KeyAction::Sign));
        assert!(!is_cryptographic(KeyAction::DescribeKey) && !is_cryptographic(KeyAction::GenerateDataKeyPair));
    }
}
