//! KMS as other Trent services use it on a caller's behalf: Secrets Manager encrypting a
//! secret's value, Parameter Store a `SecureString`.
//!
//! Such a call is the caller's own request, made through the service: the caller's
//! permissions decide it (with `kms:ViaService` naming the service), and it counts against
//! the caller's KMS request quotas in the request's region exactly as a call the caller made
//! itself would ("API requests made on your behalf", AWS KMS Developer Guide). The calls do not
//! pass the request path, so [`OnBehalf`] charges them as it would: by name before the call,
//! by key type during it, the fallback after it. Each call, allowed or not, is reported to the
//! caller's [`OnBehalfLog`](crate::audit::OnBehalfLog) so that the trail records it as AWS
//! CloudTrail does.

use serde_json::{Map, Value, json};
use trent_crypto::{EncryptionContext, Plaintext};

use super::{
    CiphertextInput, DataKeyOutput, DataKeySize, DecryptOutput, EncryptOutput, KeyDescription, KeyUsed, Kms, KmsError,
    UsageOperation,
};
use crate::audit::OnBehalfCall;
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

    /// Ends a call: the fallback quota if nothing charged it, then its result. The call is
    /// reported to the caller's log with `request` (wire names, nothing secret) and the key's
    /// ARN: the one `key_of` finds in a success (with the key it used for a tracked
    /// operation), else `known` (named by the request or the ciphertext).
    fn done<T>(
        &self,
        caller: &Caller,
        operation: &'static str,
        request: Value,
        result: Result<T, KmsError>,
        key_of: impl FnOnce(&T) -> (String, Option<KeyUsed>),
        known: Option<String>,
    ) -> Result<T, KmsError> {
        let result = self.kms.charge_after(caller, operation).and(result);
        if let Some(log) = &self.caller.on_behalf_log {
            let (key_arn, used, outcome) = match &result {
                Ok(v) => {
                    let (arn, used) = key_of(v);
                    (Some(arn), used, Ok(()))
                }
                Err(e) => (known, None, Err(e)),
            };
            let call = OnBehalfCall {
                service: self.service,
                operation,
                request,
                key_arn: key_arn.as_deref(),
                used,
                result: outcome,
            };
            log.record(caller, call);
        }
        result
    }

    /// A call charged before it was made: refused by its quota, reported all the same.
    fn start(&self, operation: &'static str, request: &Value) -> Result<Caller, KmsError> {
        self.call(operation).inspect_err(|e| {
            if let Some(log) = &self.caller.on_behalf_log {
                let key_arn = request.get("KeyId").and_then(Value::as_str);
                let call = OnBehalfCall {
                    service: self.service,
                    operation,
                    request: request.clone(),
                    key_arn,
                    used: None,
                    result: Err(e),
                };
                log.record(&self.caller, call);
            }
        })
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
        let request = key_request(Some(key_id), ctx, [("EncryptionAlgorithm", SYMMETRIC)]);
        let c = self.start("Encrypt", &request)?;
        let result = self.kms.encrypt(&c, key_id, plaintext, ctx, None, false).await;
        self.done(
            &c,
            "Encrypt",
            request,
            result,
            |o| (o.key_arn.clone(), Some(o.used.clone())),
            Some(key_id.to_owned()),
        )
    }

    /// `Decrypt` of `blob` under `ctx`.
    ///
    /// # Errors
    /// As [`Kms::decrypt`], and `Throttled` past the caller's quota.
    pub async fn decrypt(&self, blob: &[u8], ctx: &EncryptionContext) -> Result<DecryptOutput, KmsError> {
        let request = key_request(None, ctx, [("EncryptionAlgorithm", SYMMETRIC)]);
        let c = self.start("Decrypt", &request)?;
        let input = CiphertextInput { blob, context: ctx, key_id: None, algorithm: None };
        let result = self.kms.decrypt(&c, input, false).await;
        let known = Kms::blob_key(&c, blob).map(|(scope, id)| scope.key_arn(id));
        self.done(&c, "Decrypt", request, result, |o| (o.key_arn.clone(), Some(o.used.clone())), known)
    }

    /// `Decrypt` of `blob` under `ctx`, authorized, charged and checked exactly as
    /// [`OnBehalf::decrypt`] but not performed: for a service that still holds the plaintext
    /// from an earlier decryption of the same blob (a cached data key) and must not skip the
    /// caller's permission, the key's state or the quota.
    ///
    /// # Errors
    /// As [`Kms::decrypt`], and `Throttled` past the caller's quota.
    /// It is recorded as the `Decrypt` it stands for, with the key the blob names.
    pub async fn authorize_decrypt(&self, blob: &[u8], ctx: &EncryptionContext) -> Result<(), KmsError> {
        let request = key_request(None, ctx, [("EncryptionAlgorithm", SYMMETRIC)]);
        let c = self.start("Decrypt", &request)?;
        let input = CiphertextInput { blob, context: ctx, key_id: None, algorithm: None };
        let named = Kms::blob_key(&c, blob);
        let result = match self.kms.decrypt(&c, input, true).await {
            Ok(_) | Err(KmsError::DryRun) => Ok(()),
            Err(e) => Err(e),
        };
        let known = named.as_ref().map(|(scope, id)| scope.key_arn(id));
        // Authorized, the blob's key is the key that decrypts it.
        let used = named.map(|(scope, key_id)| KeyUsed { scope, key_id, operation: UsageOperation::Decrypt });
        self.done(&c, "Decrypt", request, result, |()| (known.clone().unwrap_or_default(), used), known.clone())
    }

    /// Whether the caller may `Encrypt` with `key_id` under `ctx` through the service, checked
    /// as [`OnBehalf::encrypt`] checks it (with `kms:ViaService`), but not performed: for a
    /// permission AWS requires of a service's use that Trent fulfils with another call (Secrets
    /// Manager's replica key needs `kms:Encrypt` besides `kms:GenerateDataKey`). As no KMS call
    /// stands behind it, it is neither charged against the caller's quotas nor recorded. An AWS
    /// managed key is not checked.
    ///
    /// # Errors
    /// As [`Kms::encrypt`] for a key it cannot find, may not use or that cannot encrypt.
    pub async fn authorize_encrypt(&self, key_id: &str, ctx: &EncryptionContext) -> Result<(), KmsError> {
        let caller = Caller { meter: QuotaMeter::default(), ..self.caller.clone() };
        // Claimed up front: the key's use is charged to no quota.
        caller.meter.claim();
        self.kms.authorize_customer_encrypt(&caller, key_id, ctx).await
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
        let mut request = key_request(Some(key_id), ctx, []);
        if let (Some(spec), Value::Object(o)) = (size.spec, &mut request) {
            o.insert("KeySpec".to_owned(), json!(spec.as_str()));
        }
        if let (Some(n), Value::Object(o)) = (size.number_of_bytes, &mut request) {
            o.insert("NumberOfBytes".to_owned(), json!(n));
        }
        let c = self.start("GenerateDataKey", &request)?;
        let result = self.kms.generate_data_key(&c, key_id, ctx, size, true, false).await;
        let key_of = |o: &DataKeyOutput| (o.key_arn.clone(), Some(o.used.clone()));
        self.done(&c, "GenerateDataKey", request, result, key_of, Some(key_id.to_owned()))
    }

    /// `DescribeKey` of `key_id`.
    ///
    /// # Errors
    /// As [`Kms::describe_key`], and `Throttled` past the caller's quota.
    pub async fn describe_key(&self, key_id: &str) -> Result<KeyDescription, KmsError> {
        let request = key_request(Some(key_id), &EncryptionContext::new(), []);
        let c = self.start("DescribeKey", &request)?;
        let result = self.kms.describe_key(&c, key_id).await;
        self.done(&c, "DescribeKey", request, result, |d| (d.record.arn(), None), Some(key_id.to_owned()))
    }
}

/// `EncryptionAlgorithm` of the symmetric calls services make.
const SYMMETRIC: &str = "SYMMETRIC_DEFAULT";

/// The recordable request of an on-behalf call, with its wire names: the key as the service
/// named it, the encryption context (never secret: AWS records it in clear), and `extra`.
fn key_request<const N: usize>(key_id: Option<&str>, ctx: &EncryptionContext, extra: [(&str, &str); N]) -> Value {
    let mut o = Map::new();
    if let Some(key_id) = key_id {
        o.insert("KeyId".to_owned(), json!(key_id));
    }
    if !ctx.is_empty() {
        o.insert("EncryptionContext".to_owned(), json!(ctx));
    }
    for (name, value) in extra {
        o.insert(name.to_owned(), json!(value));
    }
    Value::Object(o)
}
