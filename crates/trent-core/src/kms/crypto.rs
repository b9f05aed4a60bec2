//! Cryptographic operations with keys: Encrypt, Decrypt, ReEncrypt, GenerateDataKey
//! (with and without plaintext) and GenerateRandom.
//!
//! These are the hot path: keys come from the cache, nothing touches the store on a hit.

use trent_crypto::{
    BlobSuite, CryptoError, DataKey, EncryptionContext, KeyMaterialId, OaepHash, Plaintext, open_symmetric, parse_blob,
    random_vec, seal_symmetric,
};

use super::KeyAction;
use super::access::KeyCall;
use super::cache::LoadedKey;
use super::error::validation;
use super::keyref::{self, Aliases};
use super::lifecycle::check_usable;
use super::signing::{algorithm_refused, check_usage, private_key};
use super::{Constraint, CryptoInput, Invalid};
use super::{
    DataKeySpec, EncryptionAlgorithm, GrantOperation, KeyManager, KeySpec, KeyUsage, KeyUsed, Kms, KmsError,
    MAX_PLAINTEXT, MAX_RANDOM_BYTES, UsageOperation,
};
use crate::identity::Caller;
use crate::ids::{AccountId, KeyId, Scope};

/// The live connection of a key's custom key store.
type Hsm = std::sync::Arc<dyn super::HsmConnection>;

/// What `Encrypt` returns.
#[derive(Debug)]
pub struct EncryptOutput {
    /// The ciphertext blob (plain RSA-OAEP for an RSA key, as AWS's).
    pub ciphertext: Vec<u8>,
    /// ARN of the key used.
    pub key_arn: String,
    /// The key used and for what, for `GetKeyLastUsage`.
    pub used: KeyUsed,
    /// The backing key used.
    pub material_id: KeyMaterialId,
    /// The algorithm used.
    pub algorithm: EncryptionAlgorithm,
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
    /// The key used and for what, for `GetKeyLastUsage`.
    pub used: KeyUsed,
    /// The backing key that decrypted.
    pub material_id: KeyMaterialId,
    /// The algorithm that decrypted.
    pub algorithm: EncryptionAlgorithm,
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
    /// The key that decrypted, for `GetKeyLastUsage`.
    pub source_used: KeyUsed,
    /// The key that encrypted, for `GetKeyLastUsage`.
    pub destination_used: KeyUsed,
    /// The backing key that decrypted.
    pub source_material_id: KeyMaterialId,
    /// The backing key that encrypted.
    pub destination_material_id: KeyMaterialId,
    /// The algorithm that decrypted.
    pub source_algorithm: EncryptionAlgorithm,
    /// The algorithm that encrypted.
    pub destination_algorithm: EncryptionAlgorithm,
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
    /// The key used and for what, for `GetKeyLastUsage`.
    pub used: KeyUsed,
    /// The backing key used.
    pub material_id: KeyMaterialId,
}

/// What opening a ciphertext for `action` uses its key for: `Decrypt`, or the source side of
/// `ReEncrypt`.
fn opened_for(action: KeyAction) -> UsageOperation {
    if action == KeyAction::ReEncryptFrom { UsageOperation::ReEncrypt } else { UsageOperation::Decrypt }
}

pub(crate) fn context_error(e: CryptoError) -> KmsError {
    match e {
        CryptoError::ContextTooLong => KmsError::Validation(Invalid::Crypto(CryptoInput::ContextEntryTooLong)),
        other => other.into(),
    }
}

/// How a key encrypts: the symmetric blob, or RSA-OAEP with one of its hashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cipher {
    Symmetric,
    Oaep(OaepHash),
}

/// The cipher `key` uses for `algorithm` (absent: `SYMMETRIC_DEFAULT`, as on AWS), or
/// `InvalidKeyUsage` for a key that does not encrypt or not with this algorithm.
fn check_algorithm(
    key: &LoadedKey,
    action: KeyAction,
    algorithm: Option<EncryptionAlgorithm>,
) -> Result<(Cipher, EncryptionAlgorithm), KmsError> {
    check_usage(key, KeyUsage::EncryptDecrypt, action)?;
    let algorithm = algorithm.unwrap_or(EncryptionAlgorithm::SymmetricDefault);
    let rsa = matches!(key.record.spec, KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096);
    let cipher = match (key.record.spec, algorithm) {
        (KeySpec::SymmetricDefault, EncryptionAlgorithm::SymmetricDefault) => Cipher::Symmetric,
        (_, EncryptionAlgorithm::RsaesOaepSha1) if rsa => Cipher::Oaep(OaepHash::Sha1),
        (_, EncryptionAlgorithm::RsaesOaepSha256) if rsa => Cipher::Oaep(OaepHash::Sha256),
        _ => {
            return Err(algorithm_refused(key, "Encryption", algorithm.as_str()));
        }
    };
    Ok((cipher, algorithm))
}

/// `InvalidKeyUsage` unless `key` is a symmetric encryption key.
pub(super) fn check_symmetric_encryption(key: &LoadedKey, action: KeyAction) -> Result<(), KmsError> {
    check_algorithm(key, action, None).map(drop)
}

/// An asymmetric algorithm takes no encryption context (AWS: "The standard asymmetric
/// encryption algorithms ... do not support an encryption context").
fn no_context(ctx: &EncryptionContext, algorithm: EncryptionAlgorithm) -> Result<(), KmsError> {
    if ctx.is_empty() {
        return Ok(());
    }
    Err(KmsError::Validation(Invalid::Crypto(CryptoInput::ContextNotSupported(algorithm))))
}

/// RSA-OAEP encrypts at most `k - 2 * hLen - 2` bytes: 190 with SHA-256 under RSA_2048.
fn check_oaep_len(key: &LoadedKey, hash: OaepHash, algorithm: EncryptionAlgorithm, len: usize) -> Result<(), KmsError> {
    let max = private_key(key)?.oaep_max_plaintext(hash).unwrap_or(0);
    if len <= max {
        return Ok(());
    }
    Err(KmsError::Validation(Invalid::Crypto(CryptoInput::PlaintextTooLong {
        len,
        algorithm,
        spec: key.record.spec,
        max,
    })))
}

impl Kms {
    /// Resolves, loads and authorizes a key for a cryptographic operation, checking its state.
    pub(super) async fn key_for_use(
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

    /// [`Kms::key_for_use`] for Encrypt, Decrypt and the data keys: a key of a custom key
    /// store comes with its store's connection (refused while the store is not connected,
    /// before the key's own state is checked, as AWS shows such a key `Unavailable`).
    async fn key_for_crypto(
        &self,
        caller: &Caller,
        key_id: &str,
        call: KeyCall<'_>,
    ) -> Result<(std::sync::Arc<LoadedKey>, Option<Hsm>), KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Allowed)?;
        let key = self.resolve_key(caller, r, call).await?;
        let hsm = self.hsm_for_use(&key.record).await?;
        check_usable(&key.record)?;
        Ok((key, hsm))
    }

    /// Seals under a symmetric key: in its store's token for a key of a custom key store
    /// (`hsm`), else with its current backing key.
    async fn seal_any(
        &self,
        key: &LoadedKey,
        hsm: Option<&Hsm>,
        ctx: &EncryptionContext,
        plaintext: &[u8],
    ) -> Result<(Vec<u8>, KeyMaterialId), KmsError> {
        match hsm {
            None => self.seal(key, ctx, plaintext),
            Some(conn) => self.hsm_seal(key, conn, ctx, plaintext).await,
        }
    }

    /// Encrypts under `key` with `cipher`; the context binds only symmetric ciphertexts.
    async fn encrypt_with(
        &self,
        key: &LoadedKey,
        hsm: Option<&Hsm>,
        cipher: Cipher,
        ctx: &EncryptionContext,
        plaintext: &[u8],
    ) -> Result<(Vec<u8>, KeyMaterialId), KmsError> {
        match cipher {
            Cipher::Symmetric => self.seal_any(key, hsm, ctx, plaintext).await,
            Cipher::Oaep(hash) => {
                let ciphertext = private_key(key)?.oaep_encrypt(hash, plaintext)?;
                Ok((ciphertext, current_id(key)?))
            }
        }
    }

    /// Seals `plaintext` (a data key, a data key pair's private key) under a symmetric key.
    pub(super) fn seal(
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
            return Err(validation::unechoed("plaintext", Constraint::LengthAtLeast(1)));
        }
        if plaintext.len() > MAX_PLAINTEXT {
            return Err(validation::unechoed("plaintext", Constraint::LengthAtMost(MAX_PLAINTEXT)));
        }
        let call = KeyCall::new(KeyAction::Encrypt).granted(GrantOperation::Encrypt).context(ctx);
        let (key, hsm) = self.key_for_crypto(caller, key_id, call).await?;
        let (cipher, algorithm) = check_algorithm(&key, KeyAction::Encrypt, algorithm)?;
        if let Cipher::Oaep(hash) = cipher {
            no_context(ctx, algorithm)?;
            check_oaep_len(&key, hash, algorithm, plaintext.len())?;
        }
        if dry_run {
            return Err(KmsError::DryRun);
        }
        let (ciphertext, material_id) =
            self.encrypt_with(&key, hsm.as_ref(), cipher, ctx, plaintext.expose_secret()).await?;
        let used = KeyUsed::new(&key, UsageOperation::Encrypt);
        Ok(EncryptOutput { ciphertext, key_arn: key.arn.clone(), used, material_id, algorithm })
    }

    /// Whether `caller` may `Encrypt` with `key_id` under `ctx`, checked as [`Kms::encrypt`]
    /// checks it (the key resolved, the key policy, IAM policies and grants, the key usable
    /// and of a usage that encrypts) but with nothing encrypted; an AWS managed key is not
    /// checked. The quota is `caller`'s to charge or not (see
    /// [`super::OnBehalf::authorize_encrypt`]).
    ///
    /// # Errors
    /// As [`Kms::encrypt`] for a key it cannot find, may not use or that cannot encrypt.
    pub(crate) async fn authorize_customer_encrypt(
        &self,
        caller: &Caller,
        key_id: &str,
        ctx: &EncryptionContext,
    ) -> Result<(), KmsError> {
        let (scope, id) = self.resolve(keyref::parse(caller, key_id, Aliases::Allowed)?).await?;
        if self.loaded(&scope, &id).await?.record.manager == KeyManager::Aws {
            return Ok(());
        }
        let call = KeyCall::new(KeyAction::Encrypt).granted(GrantOperation::Encrypt).context(ctx);
        let (key, _) = self.key_for_crypto(caller, key_id, call).await?;
        check_algorithm(&key, KeyAction::Encrypt, None).map(drop)
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
        // An RSA ciphertext names no key: the request's KeyId does. Without one, the bytes
        // can only be a symmetric blob (whose key then refuses the RSA algorithm).
        if let (
            Some(algorithm @ (EncryptionAlgorithm::RsaesOaepSha1 | EncryptionAlgorithm::RsaesOaepSha256)),
            Some(_),
        ) = (input.algorithm, input.key_id)
        {
            return self
                .open_asymmetric(caller, input, algorithm, KeyCall::new(action).granted(grant_op), dry_run)
                .await;
        }
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
        let hsm = self.hsm_for_use(&key.record).await?;
        check_usable(&key.record)?;
        let (_, algorithm) = check_algorithm(&key, action, input.algorithm)?;
        let plaintext = match (&hsm, header.suite) {
            (None, BlobSuite::Derived) => {
                let material = key.material(&header.material_id).ok_or(KmsError::InvalidCiphertext)?;
                if dry_run {
                    return Err(KmsError::DryRun);
                }
                open_symmetric(material, input.context, input.blob).map_err(|_| KmsError::InvalidCiphertext)?
            }
            (Some(conn), BlobSuite::Hsm) => {
                if dry_run {
                    return Err(KmsError::DryRun);
                }
                self.hsm_open(&key, conn, input.context, input.blob).await?
            }
            // A blob of the other kind of key.
            (None, BlobSuite::Hsm) | (Some(_), BlobSuite::Derived) => return Err(KmsError::InvalidCiphertext),
        };
        let used = KeyUsed::new(&key, opened_for(action));
        Ok(DecryptOutput { plaintext, key_arn: key.arn.clone(), used, material_id: header.material_id, algorithm })
    }

    /// Decrypts a plain RSA-OAEP ciphertext under the key the request names.
    async fn open_asymmetric(
        &self,
        caller: &Caller,
        input: CiphertextInput<'_>,
        algorithm: EncryptionAlgorithm,
        call: KeyCall<'_>,
        dry_run: bool,
    ) -> Result<DecryptOutput, KmsError> {
        let key_id = input.key_id.ok_or(KmsError::InvalidCiphertext)?;
        no_context(input.context, algorithm)?;
        let r = keyref::parse(caller, key_id, Aliases::Allowed)?;
        let action = call.action;
        let key = self.resolve_key(caller, r, call).await?;
        check_usable(&key.record)?;
        let Cipher::Oaep(hash) = check_algorithm(&key, action, Some(algorithm))?.0 else {
            return Err(KmsError::Internal("an RSAES algorithm chose the symmetric cipher".into()));
        };
        if dry_run {
            return Err(KmsError::DryRun);
        }
        let plaintext = private_key(&key)?.oaep_decrypt(hash, input.blob).map_err(|_| KmsError::InvalidCiphertext)?;
        let used = KeyUsed::new(&key, opened_for(action));
        Ok(DecryptOutput { plaintext, key_arn: key.arn.clone(), used, material_id: current_id(&key)?, algorithm })
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

    /// The key a symmetric ciphertext blob names, read from its header alone (no key is
    /// loaded and nothing is authorized): for the audit record of a decryption whose answer
    /// does not carry the key.
    pub(crate) fn blob_key(caller: &Caller, blob: &[u8]) -> Option<(Scope, KeyId)> {
        let header = parse_blob(blob).ok()?;
        let scope = Scope::new(AccountId::from_u64(header.account)?, caller.region.clone());
        Some((scope, KeyId::from_bytes(header.key_id)))
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
        let (dest, dest_hsm) = self.key_for_crypto(caller, destination_key_id, call).await?;
        let (cipher, destination_algorithm) = check_algorithm(&dest, KeyAction::ReEncryptTo, destination_algorithm)?;
        if cipher != Cipher::Symmetric {
            no_context(destination_ctx, destination_algorithm)?;
        }
        let source =
            self.open(caller, source, KeyAction::ReEncryptFrom, GrantOperation::ReEncryptFrom, dry_run).await?;
        if let Cipher::Oaep(hash) = cipher {
            check_oaep_len(&dest, hash, destination_algorithm, source.plaintext.len())?;
        }
        let (ciphertext, destination_material_id) = self
            .encrypt_with(&dest, dest_hsm.as_ref(), cipher, destination_ctx, source.plaintext.expose_secret())
            .await?;
        Ok(ReEncryptOutput {
            ciphertext,
            source_key_arn: source.key_arn,
            destination_key_arn: dest.arn.clone(),
            source_used: source.used,
            destination_used: KeyUsed::new(&dest, UsageOperation::ReEncrypt),
            source_material_id: source.material_id,
            destination_material_id,
            source_algorithm: source.algorithm,
            destination_algorithm,
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
                return Err(KmsError::Validation(Invalid::Crypto(CryptoInput::BytesAndSpec)));
            }
            (None, None) => return Err(KmsError::Validation(Invalid::Crypto(CryptoInput::NeitherBytesNorSpec))),
            (Some(s), None) => s.byte_len(),
            (None, Some(n)) => check_random_len(n)?,
        };
        let (action, op) = if with_plaintext {
            (KeyAction::GenerateDataKey, GrantOperation::GenerateDataKey)
        } else {
            (KeyAction::GenerateDataKeyWithoutPlaintext, GrantOperation::GenerateDataKeyWithoutPlaintext)
        };
        let (key, hsm) = self.key_for_crypto(caller, key_id, KeyCall::new(action).granted(op).context(ctx)).await?;
        // No algorithm is SYMMETRIC_DEFAULT: only a symmetric key passes.
        check_algorithm(&key, action, None)?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        let data_key = DataKey::new(random_vec(len)?);
        let (ciphertext, material_id) = self.seal_any(&key, hsm.as_ref(), ctx, data_key.expose_secret()).await?;
        let operation = if with_plaintext {
            UsageOperation::GenerateDataKey
        } else {
            UsageOperation::GenerateDataKeyWithoutPlaintext
        };
        Ok(DataKeyOutput {
            plaintext: with_plaintext.then_some(data_key),
            ciphertext,
            key_arn: key.arn.clone(),
            used: KeyUsed::new(&key, operation),
            material_id,
        })
    }

    /// `GenerateRandom`: 1..=1024 random bytes.
    ///
    /// # Errors
    /// `Validation` for a missing or out-of-range size.
    pub fn generate_random(&self, caller: &Caller, number_of_bytes: Option<u32>) -> Result<DataKey, KmsError> {
        self.authorize_account(caller, "GenerateRandom", "*", &[])?;
        let n = number_of_bytes.ok_or_else(|| validation::null("numberOfBytes"))?;
        Ok(DataKey::new(random_vec(check_random_len(n)?)?))
    }
}

/// The id of the key's current backing key.
fn current_id(key: &LoadedKey) -> Result<KeyMaterialId, KmsError> {
    key.current().map(|(id, _)| *id).ok_or_else(|| KmsError::Internal("key has no backing key".into()))
}

pub(crate) fn check_random_len(n: u32) -> Result<usize, KmsError> {
    if n < 1 {
        return Err(validation::value_at_least("numberOfBytes", n, 1));
    }
    if n > MAX_RANDOM_BYTES {
        return Err(validation::value_at_most("numberOfBytes", n, MAX_RANDOM_BYTES.into()));
    }
    Ok(n as usize)
}
