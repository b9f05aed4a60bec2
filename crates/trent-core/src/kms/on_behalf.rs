//! KMS as other Trent services use it on a caller's behalf: Secrets Manager encrypting a
//! secret's value, Parameter Store a `SecureString`.
//!
//! Such a call is the caller's own request, made through the service: the caller's
//! permissions decide it (with `kms:ViaService` naming the service), and it counts against
//! the caller's KMS request quotas in the request's region exactly as a call the caller made
//! itself would ("API requests made on your behalf", AWS KMS Developer Guide). The calls do not
//! pass the request path, so [`OnBehalf`] charges them as it would: by name before the call,
//! by key type during it, the fallback after it.

use trent_crypto::{EncryptionContext, Plaintext};

use super::{CiphertextInput, DataKeyOutput, DataKeySize, DecryptOutput, EncryptOutput, KeyDescription, Kms, KmsError};
use crate::identity::{Caller, ViaService};
use crate::quota::QuotaMeter;

/// KMS for one caller through one service; see [`Kms::on_behalf`].
#[derive(Debug)]
pub struct OnBehalf<'k> {
    kms: &'k Kms,
    /// The service making the calls.
    service: ViaService,
    /// The caller as the service presents it (`via_service` set).
    caller: Caller,
}

impl Kms {
    /// KMS as `via` uses it for `caller`: every call is the caller's, through `via`.
    pub fn on_behalf(&self, caller: &Caller, via: ViaService) -> OnBehalf<'_> {
        OnBehalf { kms: self, service: via, caller: caller.via(via) }
    }
}

impl OnBehalf<'_> {
    /// The caller as KMS sees these calls.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The service making the calls.
    pub fn service(&self) -> ViaService {
        self.service
    }

    pub(crate) fn kms(&self) -> &Kms {
        self.kms
    }

    /// A fresh, uncharged request of the caller through the service, charged for
    /// `operation` if it is charged by name.
    fn call(&self, operation: &str) -> Result<Caller, KmsError> {
        let caller = Caller { meter: QuotaMeter::default(), ..self.caller.clone() };
        self.kms.charge_before(&caller, operation)?;
        Ok(caller)
    }

    /// Ends a call: the fallback quota if nothing charged it, then its result.
    fn done<T>(&self, caller: &Caller, operation: &str, result: Result<T, KmsError>) -> Result<T, KmsError> {
        self.kms.charge_after(caller, operation)?;
        result
    }

    /// `Encrypt` with `key_id` under `ctx`.
    ///
    /// # Errors
    /// As [`Kms::encrypt`], and `Throttled` past the caller's quota.
    pub async fn encrypt(
        &self,
        key_id: &str,
        plaintext: &Plaintext,
        ctx: &EncryptionContext,
    ) -> Result<EncryptOutput, KmsError> {
        let c = self.call("Encrypt")?;
        let result = self.kms.encrypt(&c, key_id, plaintext, ctx, None, false).await;
        self.done(&c, "Encrypt", result)
    }

    /// `Decrypt` of `blob` under `ctx`.
    ///
    /// # Errors
    /// As [`Kms::decrypt`], and `Throttled` past the caller's quota.
    pub async fn decrypt(&self, blob: &[u8], ctx: &EncryptionContext) -> Result<DecryptOutput, KmsError> {
        let c = self.call("Decrypt")?;
        let input = CiphertextInput { blob, context: ctx, key_id: None, algorithm: None };
        let result = self.kms.decrypt(&c, input, false).await;
        self.done(&c, "Decrypt", result)
    }

    /// `Decrypt` of `blob` under `ctx`, authorized, charged and checked exactly as
    /// [`OnBehalf::decrypt`] but not performed: for a service that still holds the plaintext
    /// from an earlier decryption of the same blob (a cached data key) and must not skip the
    /// caller's permission, the key's state or the quota.
    ///
    /// # Errors
    /// As [`Kms::decrypt`], and `Throttled` past the caller's quota.
    pub async fn authorize_decrypt(&self, blob: &[u8], ctx: &EncryptionContext) -> Result<(), KmsError> {
        let c = self.call("Decrypt")?;
        let input = CiphertextInput { blob, context: ctx, key_id: None, algorithm: None };
        let result = match self.kms.decrypt(&c, input, true).await {
            Ok(_) | Err(KmsError::DryRun) => Ok(()),
            Err(e) => Err(e),
        };
        self.done(&c, "Decrypt", result)
    }

    /// `GenerateDataKey` of `size` with `key_id` under `ctx`.
    ///
    /// # Errors
    /// As [`Kms::generate_data_key`], and `Throttled` past the caller's quota.
    pub async fn generate_data_key(
        &self,
        key_id: &str,
        ctx: &EncryptionContext,
        size: DataKeySize,
    ) -> Result<DataKeyOutput, KmsError> {
        let c = self.call("GenerateDataKey")?;
        let result = self.kms.generate_data_key(&c, key_id, ctx, size, true, false).await;
        self.done(&c, "GenerateDataKey", result)
    }

    /// `DescribeKey` of `key_id`.
    ///
    /// # Errors
    /// As [`Kms::describe_key`], and `Throttled` past the caller's quota.
    pub async fn describe_key(&self, key_id: &str) -> Result<KeyDescription, KmsError> {
        let c = self.call("DescribeKey")?;
        let result = self.kms.describe_key(&c, key_id).await;
        self.done(&c, "DescribeKey", result)
    }
}
