//! `SecureString` values, encrypted through KMS on the caller's behalf with the encryption
//! context `{"PARAMETER_ARN": arn}` ("How AWS Systems Manager Parameter Store uses AWS KMS").
//!
//! A value of at most 4 KB (every Standard value) is encrypted with `Encrypt` under the KMS
//! key; a larger (Advanced) value by envelope encryption: `GenerateDataKey` under the KMS key,
//! the value sealed locally with the data key, both stored. The stored bytes start with a
//! format byte; without `WithDecryption` a read returns them base64-encoded, as AWS returns
//! the ciphertext.
//!
//! Unwrapped data keys of envelope-encrypted values are cached ([`DataKeys`]) as Secrets
//! Manager caches its versions' keys: a read that finds its key still has KMS authorize the
//! `Decrypt` for the caller (and records it), only the unwrapping is saved.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use trent_crypto::{EncryptionContext, KeyMaterial, Plaintext, derive_material_id, open_symmetric, seal_symmetric};

use time::OffsetDateTime;

use super::model::StoredValue;
use super::{ParamsError, STANDARD_MAX_VALUE};
use crate::kms::{DataKeySize, DataKeySpec, KmsError, OnBehalf, managed_alias};

/// Unwrapped data keys of envelope-encrypted values, by their wrapped form.
pub(crate) type DataKeys = crate::data_keys::DataKeyCache<KeyMaterial>;

/// Format byte: a KMS ciphertext blob follows.
const DIRECT: u8 = 1;
/// Format byte: a 2-byte length, the KMS-encrypted data key, then the value sealed with it.
const ENVELOPE: u8 = 2;

/// The encryption context of a parameter's value.
fn context(arn: &str) -> EncryptionContext {
    EncryptionContext::from([("PARAMETER_ARN".to_owned(), arn.to_owned())])
}

/// The KMS key to call for `key_id`: the AWS managed key `alias/aws/ssm` is created in the
/// caller's account and region the first time it is used.
async fn target_key(kms: &OnBehalf<'_>, key_id: &str) -> Result<String, ParamsError> {
    if key_id == managed_alias(kms.service()) {
        let key = kms.aws_managed_key().await.map_err(ParamsError::Kms)?;
        return Ok(key.record.key_id.to_string());
    }
    Ok(key_id.to_owned())
}

/// Encrypts `value` of the parameter `arn` under `key_id` at `now`, keeping the data key of
/// an envelope in `keys`.
///
/// # Errors
/// [`ParamsError::Kms`] when KMS refuses (unknown or disabled key, access denied, quota).
pub(crate) async fn seal(
    kms: &OnBehalf<'_>,
    (keys, now): (&DataKeys, OffsetDateTime),
    key_id: &str,
    arn: &str,
    value: &Plaintext,
) -> Result<StoredValue, ParamsError> {
    let key = target_key(kms, key_id).await?;
    let ctx = context(arn);
    if value.len() <= STANDARD_MAX_VALUE {
        let out = kms.encrypt(&key, value, &ctx).await.map_err(ParamsError::Kms)?;
        let mut stored = Vec::with_capacity(out.ciphertext.len() + 1);
        stored.push(DIRECT);
        stored.extend_from_slice(&out.ciphertext);
        return Ok(StoredValue(stored));
    }
    let size = DataKeySize { spec: Some(DataKeySpec::Aes256), number_of_bytes: None };
    let out = kms.generate_data_key(&key, &ctx, size).await.map_err(ParamsError::Kms)?;
    let data_key = out.plaintext.ok_or_else(|| internal("GenerateDataKey returned no plaintext"))?;
    let material = KeyMaterial::from_slice(data_key.expose_secret());
    let sealed = seal_symmetric(0, [0; 16], derive_material_id(&material), &material, &ctx, value.expose_secret())
        .map_err(|_| internal("sealing a parameter value failed"))?;
    keys.put(&out.ciphertext, Arc::new(material), now);
    let wrapped_len = u16::try_from(out.ciphertext.len()).map_err(|_| internal("encrypted data key too long"))?;
    let mut stored = Vec::with_capacity(3 + out.ciphertext.len() + sealed.len());
    stored.push(ENVELOPE);
    stored.extend_from_slice(&wrapped_len.to_be_bytes());
    stored.extend_from_slice(&out.ciphertext);
    stored.extend_from_slice(&sealed);
    Ok(StoredValue(stored))
}

/// Decrypts the stored value of the parameter `arn` at `now`, through `keys` for an
/// envelope's data key.
///
/// # Errors
/// [`ParamsError::Kms`] when KMS refuses (access denied, disabled key, quota) or the stored
/// bytes do not decrypt.
pub(crate) async fn open(
    kms: &OnBehalf<'_>,
    (keys, now): (&DataKeys, OffsetDateTime),
    arn: &str,
    stored: &StoredValue,
) -> Result<Plaintext, ParamsError> {
    let ctx = context(arn);
    let bad = || ParamsError::Kms(KmsError::InvalidCiphertext);
    match stored.0.split_first() {
        Some((&DIRECT, blob)) => Ok(kms.decrypt(blob, &ctx).await.map_err(ParamsError::Kms)?.plaintext),
        Some((&ENVELOPE, rest)) if rest.len() >= 2 => {
            let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
            let (wrapped, sealed) = rest[2..].split_at_checked(len).ok_or_else(bad)?;
            let material = match keys.get(wrapped, now) {
                Some(material) => {
                    kms.authorize_decrypt(wrapped, &ctx).await.map_err(ParamsError::Kms)?;
                    material
                }
                None => {
                    let data_key = kms.decrypt(wrapped, &ctx).await.map_err(ParamsError::Kms)?.plaintext;
                    let material = Arc::new(KeyMaterial::from_slice(data_key.expose_secret()));
                    keys.put(wrapped, Arc::clone(&material), now);
                    material
                }
            };
            open_symmetric(&material, &ctx, sealed).map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

/// What a read without decryption returns for a `SecureString`: the stored ciphertext,
/// base64-encoded.
pub(crate) fn ciphertext_text(stored: &StoredValue) -> Plaintext {
    Plaintext::new(STANDARD.encode(&stored.0).into_bytes())
}

fn internal(what: &'static str) -> ParamsError {
    ParamsError::Kms(KmsError::Internal(what.into()))
}
