//! The AWS KMS keyrings. Provider id `aws-kms`; provider info is the ARN of the KMS key that
//! encrypted the data key (what KMS answers as `KeyId`); the ciphertext is the KMS blob.
//!
//! `KmsKeyring` is strict: it wraps with its key (`GenerateDataKey` when it makes the data
//! key, `Encrypt` otherwise) and unwraps only copies whose provider info is its key's ARN.
//! `KmsDiscoveryKeyring` only decrypts, with whichever key ARN each copy names, optionally
//! limited to a partition and a set of accounts. Both send grant tokens and the full
//! encryption context of the materials as the KMS encryption context.

use std::sync::Arc;

use super::{Keyring, ensure_no_key, none_decrypted};
use crate::error::{Error, Result};
use crate::header::EncryptedDataKey;
use crate::kms::{DecryptRequest, EncryptRequest, GenerateDataKeyRequest, KmsClient, is_key_arn, parse_key_arn};
use crate::materials::{DecryptionMaterials, EncryptionMaterials};

/// The provider id of KMS-wrapped data keys.
pub const KMS_PROVIDER_ID: &str = "aws-kms";

/// A strict KMS keyring for one key.
#[derive(Clone)]
pub struct KmsKeyring {
    client: Arc<dyn KmsClient>,
    key_id: String,
    grant_tokens: Vec<String>,
}

impl KmsKeyring {
    /// A keyring for `key_id` (an ARN to decrypt; an alias or id also works to encrypt).
    ///
    /// # Errors
    /// `Config` when the key id is empty.
    pub fn new(client: Arc<dyn KmsClient>, key_id: &str, grant_tokens: Vec<String>) -> Result<Self> {
        if key_id.is_empty() {
            return Err(Error::Config("empty KMS key id".into()));
        }
        Ok(Self { client, key_id: key_id.to_owned(), grant_tokens })
    }
}

fn check_arn(key_id: &str) -> Result<()> {
    if is_key_arn(key_id) {
        Ok(())
    } else {
        Err(Error::Keyring(format!("KMS answered a KeyId that is not a key ARN: {key_id}")))
    }
}

impl Keyring for KmsKeyring {
    fn on_encrypt(&self, mut materials: EncryptionMaterials) -> Result<EncryptionMaterials> {
        let len = materials.suite.data_key_len();
        let (arn, ciphertext) = match &materials.data_key {
            None => {
                let answer = self
                    .client
                    .generate_data_key(&GenerateDataKeyRequest {
                        key_id: self.key_id.clone(),
                        number_of_bytes: len as u32,
                        context: materials.context.clone(),
                        grant_tokens: self.grant_tokens.clone(),
                    })
                    .map_err(Error::Kms)?;
                check_arn(&answer.key_id)?;
                if answer.plaintext.len() != len {
                    return Err(Error::Keyring("KMS returned a data key of the wrong length".into()));
                }
                materials.data_key = Some(answer.plaintext);
                (answer.key_id, answer.ciphertext)
            }
            Some(key) => {
                let answer = self
                    .client
                    .encrypt(&EncryptRequest {
                        key_id: self.key_id.clone(),
                        plaintext: key.clone(),
                        context: materials.context.clone(),
                        grant_tokens: self.grant_tokens.clone(),
                    })
                    .map_err(Error::Kms)?;
                check_arn(&answer.key_id)?;
                (answer.key_id, answer.ciphertext)
            }
        };
        materials.edks.push(EncryptedDataKey {
            provider_id: KMS_PROVIDER_ID.to_owned(),
            provider_info: arn.into_bytes(),
            ciphertext,
        });
        Ok(materials)
    }

    fn on_decrypt(&self, materials: DecryptionMaterials, edks: &[EncryptedDataKey]) -> Result<DecryptionMaterials> {
        ensure_no_key(&materials)?;
        let candidates =
            edks.iter().filter(|e| e.provider_id == KMS_PROVIDER_ID && e.provider_info == self.key_id.as_bytes());
        decrypt_first(&*self.client, materials, edks, candidates, &self.grant_tokens, |_| self.key_id.clone())
    }
}

/// Limits a discovery keyring to keys of one partition and some accounts.
#[derive(Clone, Debug)]
pub struct DiscoveryFilter {
    /// `aws`, `aws-cn`, ...
    pub partition: String,
    /// Account ids whose keys may be used.
    pub accounts: Vec<String>,
}

/// A decrypt-only KMS keyring that uses the key each encrypted data key names.
#[derive(Clone)]
pub struct KmsDiscoveryKeyring {
    client: Arc<dyn KmsClient>,
    filter: Option<DiscoveryFilter>,
    grant_tokens: Vec<String>,
}

impl KmsDiscoveryKeyring {
    /// A discovery keyring, optionally filtered.
    pub fn new(client: Arc<dyn KmsClient>, filter: Option<DiscoveryFilter>, grant_tokens: Vec<String>) -> Self {
        Self { client, filter, grant_tokens }
    }

    fn accepts(&self, info: &[u8]) -> bool {
        let Ok(arn) = std::str::from_utf8(info) else {
            return false;
        };
        match (parse_key_arn(arn), &self.filter) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some((partition, account)), Some(f)) => {
                partition == f.partition && f.accounts.iter().any(|a| a == account)
            }
        }
    }
}

impl Keyring for KmsDiscoveryKeyring {
    fn on_encrypt(&self, _materials: EncryptionMaterials) -> Result<EncryptionMaterials> {
        Err(Error::Keyring("a KMS discovery keyring cannot encrypt".into()))
    }

    fn on_decrypt(&self, materials: DecryptionMaterials, edks: &[EncryptedDataKey]) -> Result<DecryptionMaterials> {
        ensure_no_key(&materials)?;
        let candidates = edks.iter().filter(|e| e.provider_id == KMS_PROVIDER_ID && self.accepts(&e.provider_info));
        decrypt_first(&*self.client, materials, edks, candidates, &self.grant_tokens, |e| {
            String::from_utf8_lossy(&e.provider_info).into_owned()
        })
    }
}

fn decrypt_first<'a>(
    client: &dyn KmsClient,
    mut materials: DecryptionMaterials,
    all: &[EncryptedDataKey],
    candidates: impl Iterator<Item = &'a EncryptedDataKey>,
    grant_tokens: &[String],
    key_for: impl Fn(&EncryptedDataKey) -> String,
) -> Result<DecryptionMaterials> {
    let mut errors = Vec::new();
    for edk in candidates {
        let key_id = key_for(edk);
        let answer = client.decrypt(&DecryptRequest {
            key_id: key_id.clone(),
            ciphertext: edk.ciphertext.clone(),
            context: materials.context.clone(),
            grant_tokens: grant_tokens.to_vec(),
        });
        match answer {
            Ok(a) if a.key_id != key_id => {
                errors.push(Error::Keyring(format!("KMS decrypted with {} instead of {key_id}", a.key_id)))
            }
            Ok(a) if a.plaintext.len() != materials.suite.data_key_len() => {
                errors.push(Error::Keyring("KMS returned a data key of the wrong length".into()));
            }
            Ok(a) => {
                materials.data_key = Some(a.plaintext);
                return Ok(materials);
            }
            Err(e) => errors.push(Error::Kms(e)),
        }
    }
    Err(none_decrypted(all, errors))
}
