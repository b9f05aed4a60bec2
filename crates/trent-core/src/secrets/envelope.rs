//! Envelope encryption of secret values.
//!
//! Each version gets a fresh 256-bit data key from KMS (`GenerateDataKey`, on the caller's
//! behalf, under the secret's key and the encryption context `{SecretARN, SecretVersionId}`);
//! the value is sealed with it (AES-256-GCM, the kind of value and the same context as
//! additional data) and only the KMS-encrypted data key is stored beside it.
//!
//! Reading asks KMS to decrypt the data key on the caller's behalf. Unwrapped data keys are
//! cached briefly and boundedly ([`DataKeyCache`]); a hit still has KMS *authorize* the
//! decryption for this caller (policies, grants, key state, the caller's KMS quota) without
//! unwrapping again, so a disabled key or a withdrawn permission takes effect at once
//! (see [`crate::data_keys`]).

use std::sync::Arc;

use trent_crypto::{EncryptionContext, RootKey, SecretBytes};

use super::{KmsUse, SecretRecord, SecretValue, Secrets, SecretsError, ValueKind, VersionRecord};
use crate::identity::{Caller, ViaService};
use crate::kms::{DataKeySize, DataKeySpec, KmsError};

pub(crate) use crate::data_keys::DEFAULT_CAPACITY;

/// Unwrapped data keys of secret versions.
pub(crate) type DataKeyCache = crate::data_keys::DataKeyCache<RootKey>;

/// The encryption context AWS uses for a secret's version.
fn context(arn: &str, version_id: &str) -> EncryptionContext {
    EncryptionContext::from([
        ("SecretARN".to_owned(), arn.to_owned()),
        ("SecretVersionId".to_owned(), version_id.to_owned()),
    ])
}

/// The additional data sealing a value: what it is and where it belongs.
fn aad(arn: &str, version_id: &str, kind: ValueKind) -> Vec<u8> {
    format!("trent/secretsmanager/v1\0{arn}\0{version_id}\0{}", kind.as_str()).into_bytes()
}

fn kms_error(during: KmsUse) -> impl FnOnce(KmsError) -> SecretsError {
    move |source| SecretsError::Kms { during, source }
}

impl Secrets {
    /// [`Secrets::seal`] for a replica, of another region or another account: AWS requires
    /// `kms:Encrypt` as well as `kms:GenerateDataKey` on a replica's customer managed key
    /// (`ReplicateSecretToRegions`), so the first is checked for `sealer` through Secrets
    /// Manager (`kms:ViaService`) once the data key is generated (so that a key that refuses
    /// both is recorded refusing `GenerateDataKey`, as before). It is an authorization
    /// only: no `Encrypt` is made, charged or recorded (see
    /// [`crate::kms::OnBehalf::authorize_encrypt`]).
    /// The AWS managed key (`kms_key_id` of `None`, or naming it) is not checked.
    ///
    /// # Errors
    /// As [`Secrets::seal`]; `Kms` when the key refuses `Encrypt`.
    pub(crate) async fn seal_replica(
        &self,
        sealer: &Caller,
        replica: &SecretRecord,
        version_id: &str,
        value: &SecretValue,
    ) -> Result<VersionRecord, SecretsError> {
        let sealed = self.seal(sealer, replica, version_id, value).await?;
        if let Some(key_id) = &replica.kms_key_id {
            let kms = self.kms.on_behalf(sealer, ViaService::SECRETS_MANAGER);
            let ctx = context(&replica.arn(), version_id);
            kms.authorize_encrypt(key_id, &ctx).await.map_err(kms_error(KmsUse::Encrypt))?;
        }
        Ok(sealed)
    }

    /// Encrypts `value` as version `version_id` of `secret` for `caller`.
    ///
    /// # Errors
    /// `Kms` when KMS refuses the data key; `InvalidRequest` for another account's secret under
    /// the AWS managed key.
    pub(crate) async fn seal(
        &self,
        caller: &Caller,
        secret: &SecretRecord,
        version_id: &str,
        value: &SecretValue,
    ) -> Result<VersionRecord, SecretsError> {
        let kms = self.kms.on_behalf(caller, ViaService::SECRETS_MANAGER);
        let key_id = match &secret.kms_key_id {
            Some(k) => k.clone(),
            None if super::same_account(caller, secret) => {
                kms.aws_managed_key().await.map_err(kms_error(KmsUse::Encrypt))?.record.arn()
            }
            None => return Err(SecretsError::InvalidRequest(super::BadRequest::DefaultKeyCrossAccount)),
        };
        let arn = secret.arn();
        let size = DataKeySize { spec: Some(DataKeySpec::Aes256), number_of_bytes: None };
        let data_key = kms
            .generate_data_key(&key_id, &context(&arn, version_id), size)
            .await
            .map_err(kms_error(KmsUse::Encrypt))?;
        let plain = data_key.plaintext.as_ref().ok_or(SecretsError::Decryption)?;
        let sealing = RootKey::from_bytes(plain.expose_secret())?;
        let ciphertext = sealing.wrap(&aad(&arn, version_id, value.kind), value.bytes.expose_secret())?;
        self.keys.put(&data_key.ciphertext, Arc::new(sealing), self.clock.now());
        Ok(VersionRecord {
            version_id: version_id.to_owned(),
            created_at: self.clock.now(),
            kind: value.kind,
            key_arn: data_key.key_arn,
            wrapped_key: data_key.ciphertext,
            ciphertext,
        })
    }

    /// Decrypts `version` of `secret` for `caller`.
    ///
    /// # Errors
    /// `Kms` when KMS refuses the decryption (disabled key, no permission); `Decryption` when
    /// the stored bytes do not open.
    pub(crate) async fn open(
        &self,
        caller: &Caller,
        secret: &SecretRecord,
        version: &VersionRecord,
    ) -> Result<SecretValue, SecretsError> {
        self.open_with_arn(caller, secret, &secret.arn(), version).await
    }

    /// [`Secrets::open`] given the secret's ARN, for a caller that has built it already (the
    /// ARN is formatted anew at each call, and `GetSecretValue` needs it for its answer too).
    pub(crate) async fn open_with_arn(
        &self,
        caller: &Caller,
        secret: &SecretRecord,
        arn: &str,
        version: &VersionRecord,
    ) -> Result<SecretValue, SecretsError> {
        if !super::same_account(caller, secret) && secret.kms_key_id.is_none() {
            return Err(SecretsError::InvalidRequest(super::BadRequest::DefaultKeyCrossAccount));
        }
        let ctx = context(arn, &version.version_id);
        let kms = self.kms.on_behalf(caller, ViaService::SECRETS_MANAGER);
        let now = self.clock.now();
        let key = match self.keys.get(&version.wrapped_key, now) {
            Some(key) => {
                kms.authorize_decrypt(&version.wrapped_key, &ctx).await.map_err(kms_error(KmsUse::Decrypt))?;
                key
            }
            None => {
                let out = kms.decrypt(&version.wrapped_key, &ctx).await.map_err(kms_error(KmsUse::Decrypt))?;
                let key = Arc::new(RootKey::from_bytes(out.plaintext.expose_secret())?);
                self.keys.put(&version.wrapped_key, Arc::clone(&key), now);
                key
            }
        };
        let bytes: SecretBytes = key
            .unwrap(&aad(arn, &version.version_id, version.kind), &version.ciphertext)
            .map_err(|_| SecretsError::Decryption)?;
        Ok(SecretValue { kind: version.kind, bytes })
    }
}
