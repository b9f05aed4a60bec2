//! `Encapsulate` and `Decapsulate`: ML-KEM (FIPS 203) with an `ENCAPSULATE_DECAPSULATE` key.
//!
//! Like `Sign` and `DeriveSharedSecret`, they run on the cached key (the private key parsed
//! once when the key is loaded). `Decapsulate` refuses only a ciphertext whose length is not the
//! key spec's (`InvalidCiphertextException`); any other ciphertext yields 32 bytes, the shared
//! secret or FIPS 203's implicit rejection value, as AWS documents.

use std::sync::Arc;

use trent_crypto::{CryptoError, Plaintext};

use super::access::KeyCall;
use super::cache::LoadedKey;
use super::signing::{algorithm_refused, check_usage, private_key};
use super::{EncapsulationAlgorithm, GrantOperation, KeyAction, KeyUsage, KeyUsed, Kms, KmsError, UsageOperation};
use crate::identity::Caller;

/// What `Encapsulate` returns.
#[derive(Debug)]
pub struct EncapsulateOutput {
    /// The fresh 32-byte shared secret.
    pub shared_secret: Plaintext,
    /// Its encapsulated form (the ML-KEM ciphertext: 768, 1088 or 1568 bytes).
    pub ciphertext: Vec<u8>,
    /// ARN of the key.
    pub key_arn: String,
    /// The key used and for what, for `GetKeyLastUsage`.
    pub used: KeyUsed,
}

/// What `Decapsulate` returns.
#[derive(Debug)]
pub struct DecapsulateOutput {
    /// The 32-byte shared secret (or the implicit rejection value).
    pub shared_secret: Plaintext,
    /// ARN of the key.
    pub key_arn: String,
    /// The key used and for what, for `GetKeyLastUsage`.
    pub used: KeyUsed,
}

impl Kms {
    /// Loads and authorizes an ML-KEM key for `action`, checking its state, its usage and the
    /// algorithm.
    async fn kem_key(
        &self,
        caller: &Caller,
        key_id: &str,
        algorithm: EncapsulationAlgorithm,
        action: KeyAction,
        op: GrantOperation,
    ) -> Result<Arc<LoadedKey>, KmsError> {
        let key = self.key_for_use(caller, key_id, KeyCall::new(action).granted(op)).await?;
        check_usage(&key, KeyUsage::EncapsulateDecapsulate, action)?;
        if !key.record.encapsulation_algorithms().contains(&algorithm) {
            return Err(algorithm_refused(&key, "Encapsulation", algorithm.as_str()));
        }
        Ok(key)
    }

    /// `Encapsulate`: a fresh shared secret and its encapsulation under an ML-KEM key's public
    /// key.
    ///
    /// # Errors
    /// `InvalidKeyUsage` for a key that does not encapsulate; key-state errors as for `Sign`;
    /// `DryRun` when asked.
    pub async fn encapsulate(
        &self,
        caller: &Caller,
        key_id: &str,
        algorithm: EncapsulationAlgorithm,
        dry_run: bool,
    ) -> Result<EncapsulateOutput, KmsError> {
        let key = self.kem_key(caller, key_id, algorithm, KeyAction::Encapsulate, GrantOperation::Encapsulate).await?;
        let private = private_key(&key)?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        let (ciphertext, secret) = private.encapsulate()?;
        Ok(EncapsulateOutput {
            shared_secret: Plaintext::from_slice(secret.expose_secret()),
            ciphertext,
            key_arn: key.arn.clone(),
            used: KeyUsed::new(&key, UsageOperation::Encapsulate),
        })
    }

    /// `Decapsulate`: the shared secret of an encapsulation under an ML-KEM key.
    ///
    /// # Errors
    /// `InvalidCiphertext` for a ciphertext whose length is not the key spec's (checked before
    /// `DryRun`, as a request that would fail); `InvalidKeyUsage` for a key that does not
    /// decapsulate; key-state errors as for `Sign`; `DryRun` when asked.
    pub async fn decapsulate(
        &self,
        caller: &Caller,
        key_id: &str,
        algorithm: EncapsulationAlgorithm,
        ciphertext: &[u8],
        dry_run: bool,
    ) -> Result<DecapsulateOutput, KmsError> {
        let key = self.kem_key(caller, key_id, algorithm, KeyAction::Decapsulate, GrantOperation::Decapsulate).await?;
        let private = private_key(&key)?;
        if private.kem_ciphertext_len() != Some(ciphertext.len()) {
            return Err(KmsError::InvalidCiphertext);
        }
        if dry_run {
            return Err(KmsError::DryRun);
        }
        let secret = private.decapsulate(ciphertext).map_err(|e| match e {
            CryptoError::Malformed => KmsError::InvalidCiphertext,
            other => other.into(),
        })?;
        Ok(DecapsulateOutput {
            shared_secret: Plaintext::from_slice(secret.expose_secret()),
            key_arn: key.arn.clone(),
            used: KeyUsed::new(&key, UsageOperation::Decapsulate),
        })
    }
}
