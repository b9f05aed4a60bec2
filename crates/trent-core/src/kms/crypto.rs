//! Cryptographic operations with keys: Encrypt, Decrypt, ReEncrypt, GenerateDataKey
//! (with and without plaintext) and GenerateRandom.
//!
//! These are the hot path: keys come from the cache, nothing touches the store on a hit.

use trent_crypto::{
    CryptoError, DataKey, EncryptionContext, KeyMaterialId, Plaintext, open_symmetric, parse_blob, random_vec,
    seal_symmetric,
};

use super::KeyAction;
use super::access::KeyCall;
use super::cache::LoadedKey;
use super::error::validation;
use super::keyref::{self, Aliases};
use super::lifecycle::check_usable;
use super::{
    DataKeySpec, EncryptionAlgorithm, GrantOperation, KeySpec, KeyUsage, Kms, KmsError, MAX_PLAINTEXT, MAX_RANDOM_BYTES,
};
use crate::identity::Caller;
use crate::ids::{AccountId, KeyId, Scope};

/// What `Encrypt` returns.
#[derive(Debug)]
pub struct EncryptOutput {
    /// The ciphertext blob.
    pub ciphertext: Vec<u8>,
    /// ARN of the key used.
    pub key_arn: String,
    /// The backing key used.
    pub material_id: KeyMaterialId,
}

/// A ciphertext to open, with what the request says about it (`Decrypt`, and the source
/// side of `ReEncrypt`).
#[derive(Clone, Copy, Debug)]
pub struct CiphertextInput<'a> {
    /// The ciphertext blob.
    pub blob: &'a [u8],
    /// The encryption context it was made with.
    pub context: &'a EncryptionContext,
    /// The key the caller expects; if given it must be the blob's key.
    pub key_id: Option<&'a str>,
    /// The algorithm the caller names, if any.
    pub algorithm: Option<EncryptionAlgorithm>,
}

/// The size of a data key: exactly one of `spec` and `number_of_bytes` must be set.
#[derive(Clone, Copy, Debug, Default)]
pub struct DataKeySize {
    /// `KeySpec`.
    pub spec: Option<DataKeySpec>,
    /// `NumberOfBytes`, 1..=1024.
    pub number_of_bytes: Option<u32>,
}

/// What `Decrypt` returns.
#[derive(Debug)]
pub struct DecryptOutput {
    /// The recovered plaintext.
    pub plaintext: Plaintext,
    /// ARN of the key that decrypted.
    pub key_arn: String,
    /// The backing key that decrypted.
    pub material_id: KeyMaterialId,
}

/// What `ReEncrypt` returns.
#[derive(Debug)]
pub struct ReEncryptOutput {
    /// The new ciphertext blob.
    pub ciphertext: Vec<u8>,
    /// ARN of the key that decrypted.
    pub source_key_arn: String,
    /// ARN of the key that encrypted.
    pub destination_key_arn: String,
    /// The backing key that decrypted.
    pub source_material_id: KeyMaterialId,
    /// The backing key that encrypted.
    pub destination_material_id: KeyMaterialId,
}

/// What `GenerateDataKey` and `GenerateDataKeyWithoutPlaintext` return.
#[derive(Debug)]
pub struct DataKeyOutput {
    /// The data key in plaintext (absent for the without-plaintext variant).
    pub plaintext: Option<DataKey>,
    /// The data key encrypted under the KMS key.
    pub ciphertext: Vec<u8>,
    /// ARN of the key used.
    pub key_arn: String,
    /// The backing key used.
    pub material_id: KeyMaterialId,
}

fn context_error(e: CryptoError) -> KmsError {
    match e {
        CryptoError::ContextTooLong => {
            validation::custom("Encryption context entries must be shorter than 65536 bytes")
        }
        other => other.into(),
    }
}

/// Checks that `key` can do `action` (a cryptographic operation) with `algorithm`.
fn check_algorithm(key: &LoadedKey, action: KeyAction, algorithm: Option<EncryptionAlgorithm>) -> Result<(), KmsError> {
    if key.record.usage != KeyUsage::EncryptDecrypt || key.record.spec != KeySpec::SymmetricDefault {
        // AWS names the API operation: "... which is not valid for Encrypt."
        let operation = match action {
            KeyAction::ReEncryptFrom | KeyAction::ReEncryptTo => "ReEncrypt",
            other => other.name(),
        };
        return Err(KmsError::InvalidKeyUsage(format!(
            "{} key usage is {} which is not valid for {operation}.",
            key.arn,
            key.record.usage.as_str()
        )));
    }
    match algorithm {
        None | Some(EncryptionAlgorithm::SymmetricDefault) => Ok(()),
        Some(other) => Err(KmsError::InvalidKeyUsage(format!(
            "Encryption algorithm {} is not valid for {} which has key spec {}.",
            other.as_str(),
            key.arn,
            key.record.spec.as_str()
        ))),
    }
}

impl Kms {
    /// Resolves, loads and authorizes a key for a cryptographic operation, checking its state.
    async fn key_for_use(
        &self,
        caller: &Caller,
        key_id: &str,
        call: KeyCall<'_>,
    ) -> Result<std::sync::Arc<LoadedKey>, KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Allowed)?;
        let key = self.resolve_key(caller, r, call).await?;
        check_usable(&key.record)?;
        Ok(key)
    }

    fn seal(
        &self,
        key: &LoadedKey,
        ctx: &EncryptionContext,
        plaintext: &[u8],
    ) -> Result<(Vec<u8>, KeyMaterialId), KmsError> {
        let (material_id, material) =
            key.current().ok_or_else(|| KmsError::Internal("key has no backing key".into()))?;
        let blob = seal_symmetric(
            key.record.scope.account.as_u64(),
            key.record.key_id.as_bytes(),
            *material_id,
            material,
            ctx,
            plaintext,
        )
        .map_err(context_error)?;
        Ok((blob, *material_id))
    }

    /// `Encrypt`: at most 4096 bytes under a symmetric key, the context bound as AAD.
    ///
    /// # Errors
    /// `Validation` for an empty or oversized plaintext; `NotFound`, `Disabled`,
    /// `InvalidState`, `InvalidKeyUsage` from the key; `DryRun` when asked.
    pub async fn encrypt(
        &self,
        caller: &Caller,
        key_id: &str,
        plaintext: &Plaintext,
        ctx: &EncryptionContext,
        algorithm: Option<EncryptionAlgorithm>,
        dry_run: bool,
    ) -> Result<EncryptOutput, KmsError> {
        if plaintext.is_empty() {
            return Err(validation::sensitive_length("plaintext", "greater than or equal to", 1));
        }
        if plaintext.len() > MAX_PLAINTEXT {
            return Err(validation::sensitive_length("plaintext", "less than or equal to", MAX_PLAINTEXT));
        }
        let call = KeyCall::new(KeyAction::Encrypt).granted(GrantOperation::Encrypt).context(ctx);
        let key = self.key_for_use(caller, key_id, call).await?;
        check_algorithm(&key, KeyAction::Encrypt, algorithm)?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        let (ciphertext, material_id) = self.seal(&key, ctx, plaintext.expose_secret())?;
        Ok(EncryptOutput { ciphertext, key_arn: key.arn.clone(), material_id })
    }

    /// Finds, authorizes and opens the key a ciphertext names; `input.key_id` is the optional
    /// `KeyId` of the request, which must name the same key.
    async fn open(
        &self,
        caller: &Caller,
        input: CiphertextInput<'_>,
        action: KeyAction,
        grant_op: GrantOperation,
        dry_run: bool,
    ) -> Result<DecryptOutput, KmsError> {
        let header = parse_blob(input.blob).map_err(|_| KmsError::InvalidCiphertext)?;
        let account = AccountId::from_u64(header.account).ok_or(KmsError::InvalidCiphertext)?;
        let scope = Scope::new(account, caller.region.clone());
        let mut key_id = KeyId::from_bytes(header.key_id);
        let mut request_alias = None;
        if let Some(expected) = input.key_id {
            let r = keyref::parse(caller, expected, Aliases::Allowed)?;
            if let keyref::KeyRef::Alias(_, name) = &r {
                request_alias = Some(name.clone());
            }
            let (named_scope, named) = self.resolve(r).await?;
            // The blob holds the id's 16 bytes; the name says which form of it the key has.
            if named_scope != scope || named.as_bytes() != key_id.as_bytes() {
                return Err(KmsError::IncorrectKey);
            }
            key_id = named;
        }
        // A blob that names no existing key is an invalid ciphertext, whatever account its
        // header claims; only a real key's owner decides who may use it. A version-8 UUID is
        // read as a multi-Region id first, then as the id of a key imported with such a UUID.
        let key = match self.loaded(&scope, &key_id).await {
            Ok(k) => k,
            Err(KmsError::NotFound(_)) if key_id.is_multi_region() => {
                match self.loaded(&scope, &key_id.other_form()).await {
                    Ok(k) => k,
                    Err(KmsError::NotFound(_)) => return Err(KmsError::InvalidCiphertext),
                    Err(e) => return Err(e),
                }
            }
            Err(KmsError::NotFound(_)) => return Err(KmsError::InvalidCiphertext),
            Err(e) => return Err(e),
        };
        self.charge_key_use(caller, &key, action)?;
        let call = KeyCall {
            request_alias: request_alias.as_deref(),
            ..KeyCall::new(action).granted(grant_op).context(input.context)
        };
        self.authorize_key(caller, &key, &call)?;
        check_usable(&key.record)?;
        check_algorithm(&key, action, input.algorithm)?;
        let material = key.material(&header.material_id).ok_or(KmsError::InvalidCiphertext)?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        let plaintext = open_symmetric(material, input.context, input.blob).map_err(|_| KmsError::InvalidCiphertext)?;
        Ok(DecryptOutput { plaintext, key_arn: key.arn.clone(), material_id: header.material_id })
    }

    /// `Decrypt`: the blob names its key; a `KeyId`, if given, must name the same key.
    ///
    /// # Errors
    /// `InvalidCiphertext` for a malformed or tampered blob or a different context;
    /// `IncorrectKey` if `key_id` names another key; key-state errors as for `Encrypt`.
    pub async fn decrypt(
        &self,
        caller: &Caller,
        input: CiphertextInput<'_>,
        dry_run: bool,
    ) -> Result<DecryptOutput, KmsError> {
        self.open(caller, input, KeyAction::Decrypt, GrantOperation::Decrypt, dry_run).await
    }

    /// `ReEncrypt`: decrypts under the source key and encrypts under the destination key
    /// without releasing the plaintext.
    ///
    /// # Errors
    /// As `Decrypt` for the source and `Encrypt` for the destination.
    pub async fn re_encrypt(
        &self,
        caller: &Caller,
        source: CiphertextInput<'_>,
        destination_key_id: &str,
        destination_ctx: &EncryptionContext,
        destination_algorithm: Option<EncryptionAlgorithm>,
        dry_run: bool,
    ) -> Result<ReEncryptOutput, KmsError> {
        let call = KeyCall::new(KeyAction::ReEncryptTo).granted(GrantOperation::ReEncryptTo).context(destination_ctx);
        let dest = self.key_for_use(caller, destination_key_id, call).await?;
        check_algorithm(&dest, KeyAction::ReEncryptTo, destination_algorithm)?;
        let source =
            self.open(caller, source, KeyAction::ReEncryptFrom, GrantOperation::ReEncryptFrom, dry_run).await?;
        let (ciphertext, destination_material_id) =
            self.seal(&dest, destination_ctx, source.plaintext.expose_secret())?;
        Ok(ReEncryptOutput {
            ciphertext,
            source_key_arn: source.key_arn,
            destination_key_arn: dest.arn.clone(),
            source_material_id: source.material_id,
            destination_material_id,
        })
    }

    /// `GenerateDataKey` / `GenerateDataKeyWithoutPlaintext`: exactly one of `spec` and
    /// `number_of_bytes` (1..=1024).
    ///
    /// # Errors
    /// `Validation` for neither, both or an out-of-range size; key errors as for `Encrypt`.
    pub async fn generate_data_key(
        &self,
        caller: &Caller,
        key_id: &str,
        ctx: &EncryptionContext,
        size: DataKeySize,
        with_plaintext: bool,
        dry_run: bool,
    ) -> Result<DataKeyOutput, KmsError> {
        let len = match (size.spec, size.number_of_bytes) {
            (Some(_), Some(_)) => {
                return Err(validation::custom("Please specify either number of bytes or key spec, not both."));
            }
            (None, None) => return Err(validation::custom("Please specify either number of bytes or key spec.")),
            (Some(s), None) => s.byte_len(),
            (None, Some(n)) => check_random_len(n)?,
        };
        let (action, op) = if with_plaintext {
            (KeyAction::GenerateDataKey, GrantOperation::GenerateDataKey)
        } else {
            (KeyAction::GenerateDataKeyWithoutPlaintext, GrantOperation::GenerateDataKeyWithoutPlaintext)
        };
        let key = self.key_for_use(caller, key_id, KeyCall::new(action).granted(op).context(ctx)).await?;
        check_algorithm(&key, action, None)?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        let data_key = DataKey::new(random_vec(len)?);
        let (ciphertext, material_id) = self.seal(&key, ctx, data_key.expose_secret())?;
        Ok(DataKeyOutput {
            plaintext: with_plaintext.then_some(data_key),
            ciphertext,
            key_arn: key.arn.clone(),
            material_id,
        })
    }

    /// `GenerateRandom`: 1..=1024 random bytes.
    ///
    /// # Errors
    /// `Validation` for a missing or out-of-range size.
    pub fn generate_random(&self, caller: &Caller, number_of_bytes: Option<u32>) -> Result<DataKey, KmsError> {
        self.authorize_account(caller, "GenerateRandom", "*", &[])?;
        let n = number_of_bytes.ok_or_else(|| {
            validation::custom(
                "1 validation error detected: Value null at 'numberOfBytes' failed to satisfy constraint: \
                 Member must not be null",
            )
        })?;
        Ok(DataKey::new(random_vec(check_random_len(n)?)?))
    }
}

fn check_random_len(n: u32) -> Result<usize, KmsError> {
    if n < 1 {
        return Err(validation::value_at_least("numberOfBytes", n, 1));
    }
    if n > MAX_RANDOM_BYTES {
        return Err(validation::value_at_most("numberOfBytes", n, MAX_RANDOM_BYTES.into()));
    }
    Ok(n as usize)
}
