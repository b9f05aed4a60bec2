//! The KMS calls another Trent service makes on a caller's behalf, as the trail records them.
//!
//! When Secrets Manager decrypts a secret's data key or Parameter Store encrypts a
//! `SecureString`, AWS CloudTrail records the KMS call as a KMS event of its own: the caller's
//! identity with `invokedBy` naming the service, the service as `sourceIPAddress` and
//! `userAgent`, the key's ARN and the encryption context in `requestParameters`, never the
//! plaintext. [`crate::kms::OnBehalf`] reports each call it makes to the caller's
//! [`OnBehalfLog`]; the request path supplies the log and commits what it collected in the same
//! group commit as the service's own event. This module only says what a call is; turning a
//! [`KmsError`] into an AWS error code is the wire layer's, so the log's implementation lives
//! with the request path.

use serde_json::Value;

use crate::identity::{Caller, ViaService};
use crate::kms::{KeyUsed, KmsError};

/// One KMS call made through a service for a caller.
#[derive(Debug)]
pub struct OnBehalfCall<'a> {
    /// The service that made it.
    pub service: ViaService,
    /// The KMS operation (`Decrypt`, `GenerateDataKey`, ...).
    pub operation: &'static str,
    /// The members of the request that may be recorded, with their wire names
    /// (`KeyId`, `EncryptionContext`, `KeySpec`, ...); never a plaintext or a blob.
    pub request: Value,
    /// The ARN of the key used, when it is known (always after a success).
    pub key_arn: Option<&'a str>,
    /// The key a successful cryptographic call used, for `GetKeyLastUsage`.
    pub used: Option<KeyUsed>,
    /// How the call ended.
    pub result: Result<(), &'a KmsError>,
}

impl OnBehalfCall<'_> {
    /// The service as CloudTrail names it in `invokedBy`, `sourceIPAddress` and `userAgent`
    /// of the calls it makes: `secretsmanager.amazonaws.com`.
    pub fn service_principal(&self) -> String {
        format!("{}.amazonaws.com", self.service.name())
    }
}

/// Where the on-behalf calls of one request are collected.
pub trait OnBehalfLog: Send + Sync + std::fmt::Debug {
    /// Records that `call` was made for `caller` (the caller as the service presents it).
    fn record(&self, caller: &Caller, call: OnBehalfCall<'_>);
}
