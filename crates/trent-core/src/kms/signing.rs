//! Cryptography with asymmetric and HMAC keys: `Sign`, `Verify`, `GetPublicKey`,
//! `GenerateMac` and `VerifyMac`.
//!
//! Like the symmetric operations, these run on the cached key (the private key parsed once
//! when the key is loaded); nothing touches the store on a cache hit.

use std::sync::Arc;

use trent_crypto::{
    CryptoError, ML_DSA_MU_LEN, MacHash, SignatureHash, SignatureScheme, SignedInput, hmac_tag, hmac_verify,
};

use super::access::KeyCall;
use super::cache::LoadedKey;
use super::{CryptoInput, Invalid, Misuse};
use super::{
    GrantOperation, KeyAction, KeyRecord, KeyUsage, KeyUsed, Kms, KmsError, MacAlgorithm, MessageType,
    SigningAlgorithm, Unsupported, UsageOperation,
};
use crate::identity::Caller;

/// What `Sign` returns.
#[derive(Debug)]
pub struct SignOutput {
    /// The signature (DER for ECDSA, as AWS's).
    pub signature: Vec<u8>,
    /// ARN of the key that signed.
    pub key_arn: String,
    /// The key used and for what, for `GetKeyLastUsage`.
    pub used: KeyUsed,
    /// The algorithm used.
    pub algorithm: SigningAlgorithm,
}

/// What `Verify`, `GenerateMac` and `VerifyMac` name besides their result: the key and the
/// algorithm.
#[derive(Debug)]
pub struct Verified {
    /// ARN of the key used.
    pub key_arn: String,
    /// The key used and for what, for `GetKeyLastUsage`.
    pub used: KeyUsed,
}

/// What `GenerateMac` returns.
#[derive(Debug)]
pub struct MacOutput {
    /// The HMAC tag.
    pub mac: Vec<u8>,
    /// ARN of the key used.
    pub key_arn: String,
    /// The key used and for what, for `GetKeyLastUsage`.
    pub used: KeyUsed,
}

/// What `GetPublicKey` returns.
#[derive(Debug)]
pub struct PublicKeyOutput {
    /// The public key, DER `SubjectPublicKeyInfo`.
    pub public_key: Vec<u8>,
    /// The key's metadata (spec, usage and algorithms are answered from it).
    pub record: KeyRecord,
}

/// The message of `Sign` and `Verify` with its `MessageType` and algorithm.
#[derive(Clone, Copy, Debug)]
pub struct SignedMessage<'a> {
    /// `Message`: the message, or its digest.
    pub message: &'a [u8],
    /// `MessageType`; `RAW` when absent.
    pub message_type: Option<MessageType>,
    /// `SigningAlgorithm`.
    pub algorithm: SigningAlgorithm,
}

fn scheme_of(algorithm: SigningAlgorithm) -> Option<SignatureScheme> {
    use SignatureHash::*;
    use SigningAlgorithm::*;
    Some(match algorithm {
        RsassaPssSha256 => SignatureScheme::RsaPss(Sha256),
        RsassaPssSha384 => SignatureScheme::RsaPss(Sha384),
        RsassaPssSha512 => SignatureScheme::RsaPss(Sha512),
        RsassaPkcs1V15Sha256 => SignatureScheme::RsaPkcs1(Sha256),
        RsassaPkcs1V15Sha384 => SignatureScheme::RsaPkcs1(Sha384),
        RsassaPkcs1V15Sha512 => SignatureScheme::RsaPkcs1(Sha512),
        EcdsaSha256 => SignatureScheme::Ecdsa(Sha256),
        EcdsaSha384 => SignatureScheme::Ecdsa(Sha384),
        EcdsaSha512 => SignatureScheme::Ecdsa(Sha512),
        Ed25519Sha512 => SignatureScheme::Ed25519,
        Ed25519PhSha512 => SignatureScheme::Ed25519Ph,
        MlDsaShake256 => SignatureScheme::MlDsa,
        Sm2dsa => return None,
    })
}

/// The hash a `DIGEST` message of `scheme` must come from; `None` where digests are refused.
fn digest_hash(scheme: SignatureScheme) -> Option<SignatureHash> {
    match scheme {
        SignatureScheme::RsaPss(h) | SignatureScheme::RsaPkcs1(h) | SignatureScheme::Ecdsa(h) => Some(h),
        // Ed25519ph signs SHA-512 of the message; DIGEST hands that pre-hash in.
        SignatureScheme::Ed25519Ph => Some(SignatureHash::Sha512),
        SignatureScheme::Ed25519 | SignatureScheme::MlDsa => None,
    }
}

/// Checks the message against its type and algorithm before any key is looked at: the
/// scheme and what it signs.
fn signed_input<'a>(m: &SignedMessage<'a>) -> Result<(SignatureScheme, SignedInput<'a>), KmsError> {
    let message_type = m.message_type.unwrap_or(MessageType::Raw);
    let Some(scheme) = scheme_of(m.algorithm) else {
        return Err(KmsError::Unsupported(Unsupported::SigningAlgorithm(m.algorithm)));
    };
    match message_type {
        MessageType::Raw => Ok((scheme, SignedInput::Raw(m.message))),
        MessageType::Digest => match digest_hash(scheme) {
            Some(h) if h.len() == m.message.len() => Ok((scheme, SignedInput::Digest(m.message))),
            Some(_) => Err(KmsError::Validation(Invalid::Crypto(CryptoInput::DigestLength(m.algorithm)))),
            None => Err(KmsError::Validation(Invalid::Crypto(CryptoInput::DigestNotValid(m.algorithm)))),
        },
        MessageType::ExternalMu if scheme == SignatureScheme::MlDsa => {
            if m.message.len() == ML_DSA_MU_LEN {
                Ok((scheme, SignedInput::ExternalMu(m.message)))
            } else {
                Err(KmsError::Validation(Invalid::Crypto(CryptoInput::ExternalMuLength(m.algorithm))))
            }
        }
        MessageType::ExternalMu => Err(KmsError::Validation(Invalid::Crypto(CryptoInput::ExternalMu(m.algorithm)))),
    }
}

fn mac_hash(algorithm: MacAlgorithm) -> MacHash {
    match algorithm {
        MacAlgorithm::HmacSha224 => MacHash::Sha224,
        MacAlgorithm::HmacSha256 => MacHash::Sha256,
        MacAlgorithm::HmacSha384 => MacHash::Sha384,
        MacAlgorithm::HmacSha512 => MacHash::Sha512,
    }
}

/// `InvalidKeyUsage` for a key whose usage is not `expected`, in AWS's words, which name the
/// operation: "... key usage is SIGN_VERIFY which is not valid for Encrypt."
pub(crate) fn check_usage(key: &LoadedKey, expected: KeyUsage, action: KeyAction) -> Result<(), KmsError> {
    if key.record.usage == expected {
        return Ok(());
    }
    let operation = match action {
        KeyAction::ReEncryptFrom | KeyAction::ReEncryptTo => "ReEncrypt",
        other => other.name(),
    };
    Err(KmsError::InvalidKeyUsage(Misuse::Usage { key_arn: key.arn.clone(), usage: key.record.usage, operation }))
}

/// `InvalidKeyUsage` for a `kind` algorithm the key's spec does not take.
pub(crate) fn algorithm_refused(key: &LoadedKey, kind: &'static str, algorithm: &'static str) -> KmsError {
    KmsError::InvalidKeyUsage(Misuse::Algorithm { kind, algorithm, key_arn: key.arn.clone(), spec: key.record.spec })
}

pub(crate) fn private_key(key: &LoadedKey) -> Result<&trent_crypto::PrivateKey, KmsError> {
    key.private.as_ref().ok_or_else(|| KmsError::Internal("the key's private key is not loaded".into()))
}

impl Kms {
    /// Loads and authorizes a signing key for `Sign` or `Verify` and checks it may use the
    /// message's algorithm.
    async fn signing_key(
        &self,
        caller: &Caller,
        key_id: &str,
        m: &SignedMessage<'_>,
        action: KeyAction,
        op: GrantOperation,
    ) -> Result<Arc<LoadedKey>, KmsError> {
        let message_type = m.message_type.unwrap_or(MessageType::Raw);
        let mut call = KeyCall::new(action).granted(op);
        call.extra = vec![
            ("kms:SigningAlgorithm".to_owned(), vec![m.algorithm.as_str().to_owned()]),
            ("kms:MessageType".to_owned(), vec![message_type.as_str().to_owned()]),
        ];
        let key = self.key_for_use(caller, key_id, call).await?;
        check_usage(&key, KeyUsage::SignVerify, action)?;
        if !key.record.signing_algorithms().contains(&m.algorithm) {
            return Err(algorithm_refused(&key, "Signing", m.algorithm.as_str()));
        }
        Ok(key)
    }

    /// `Sign`: signs a message of at most 4096 bytes (`RAW`), its digest (`DIGEST`) or, for
    /// ML-DSA, its 64-byte mu (`EXTERNAL_MU`) with an asymmetric `SIGN_VERIFY` key.
    ///
    /// # Errors
    /// `Validation` for a digest or mu of the wrong length or a message type the algorithm does
    /// not take; `Unsupported` for `SM2DSA`;
    /// `InvalidKeyUsage` for a key that does not sign or not with this algorithm; key-state
    /// errors as for `Encrypt`; `DryRun` when asked.
    pub async fn sign(
        &self,
        caller: &Caller,
        key_id: &str,
        m: SignedMessage<'_>,
        dry_run: bool,
    ) -> Result<SignOutput, KmsError> {
        let (scheme, input) = signed_input(&m)?;
        let key = self.signing_key(caller, key_id, &m, KeyAction::Sign, GrantOperation::Sign).await?;
        let private = private_key(&key)?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        let signature = private.sign(scheme, input)?;
        let used = KeyUsed::new(&key, UsageOperation::Sign);
        Ok(SignOutput { signature, key_arn: key.arn.clone(), used, algorithm: m.algorithm })
    }

    /// `Verify`: checks a signature as `Sign` would have made it. A signature that does not
    /// verify is an error (`KMSInvalidSignatureException`), as on AWS.
    ///
    /// # Errors
    /// `InvalidSignature`; otherwise as [`Kms::sign`].
    pub async fn verify(
        &self,
        caller: &Caller,
        key_id: &str,
        m: SignedMessage<'_>,
        signature: &[u8],
        dry_run: bool,
    ) -> Result<Verified, KmsError> {
        let (scheme, input) = signed_input(&m)?;
        let key = self.signing_key(caller, key_id, &m, KeyAction::Verify, GrantOperation::Verify).await?;
        let private = private_key(&key)?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        match private.verify(scheme, input, signature) {
            Ok(()) => Ok(Verified { key_arn: key.arn.clone(), used: KeyUsed::new(&key, UsageOperation::Verify) }),
            Err(CryptoError::AuthenticationFailed) => Err(KmsError::InvalidSignature),
            Err(e) => Err(e.into()),
        }
    }

    /// `GetPublicKey`: the public key of an asymmetric key, DER `SubjectPublicKeyInfo`.
    ///
    /// # Errors
    /// `Unsupported` for symmetric and HMAC keys; key-state errors as for `Encrypt`.
    pub async fn get_public_key(&self, caller: &Caller, key_id: &str) -> Result<PublicKeyOutput, KmsError> {
        let call = KeyCall::new(KeyAction::GetPublicKey).granted(GrantOperation::GetPublicKey);
        let key = self.key_for_use(caller, key_id, call).await?;
        if key.record.spec.private_key_kind().is_none() {
            return Err(KmsError::Unsupported(Unsupported::NoPublicKey {
                key_arn: key.arn.clone(),
                spec: key.record.spec,
            }));
        }
        let public_key = private_key(&key)?.public_key_der().to_vec();
        Ok(PublicKeyOutput { public_key, record: key.record.clone() })
    }

    /// Loads and authorizes an HMAC key for `GenerateMac` or `VerifyMac`: its key bytes.
    async fn mac_key(
        &self,
        caller: &Caller,
        key_id: &str,
        algorithm: MacAlgorithm,
        action: KeyAction,
        op: GrantOperation,
    ) -> Result<Arc<LoadedKey>, KmsError> {
        let mut call = KeyCall::new(action).granted(op);
        call.extra = vec![("kms:MacAlgorithm".to_owned(), vec![algorithm.as_str().to_owned()])];
        let key = self.key_for_use(caller, key_id, call).await?;
        check_usage(&key, KeyUsage::GenerateVerifyMac, action)?;
        if !key.record.mac_algorithms().contains(&algorithm) {
            return Err(algorithm_refused(&key, "MAC", algorithm.as_str()));
        }
        Ok(key)
    }

    /// `GenerateMac`: the HMAC of a message of at most 4096 bytes under an HMAC key.
    ///
    /// # Errors
    /// `InvalidKeyUsage` for a key that is not an HMAC key of this algorithm; key-state
    /// errors as for `Encrypt`; `DryRun` when asked.
    pub async fn generate_mac(
        &self,
        caller: &Caller,
        key_id: &str,
        message: &[u8],
        algorithm: MacAlgorithm,
        dry_run: bool,
    ) -> Result<MacOutput, KmsError> {
        let key = self.mac_key(caller, key_id, algorithm, KeyAction::GenerateMac, GrantOperation::GenerateMac).await?;
        let (_, material) = key.current().ok_or_else(|| KmsError::Internal("key has no key material".into()))?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        let mac = hmac_tag(mac_hash(algorithm), material.expose_secret(), message);
        Ok(MacOutput { mac, key_arn: key.arn.clone(), used: KeyUsed::new(&key, UsageOperation::GenerateMac) })
    }

    /// `VerifyMac`: a MAC that does not verify is an error (`KMSInvalidMacException`), as on
    /// AWS.
    ///
    /// # Errors
    /// `InvalidMac`; otherwise as [`Kms::generate_mac`].
    pub async fn verify_mac(
        &self,
        caller: &Caller,
        key_id: &str,
        message: &[u8],
        algorithm: MacAlgorithm,
        mac: &[u8],
        dry_run: bool,
    ) -> Result<Verified, KmsError> {
        let key = self.mac_key(caller, key_id, algorithm, KeyAction::VerifyMac, GrantOperation::VerifyMac).await?;
        let (_, material) = key.current().ok_or_else(|| KmsError::Internal("key has no key material".into()))?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        if hmac_verify(mac_hash(algorithm), material.expose_secret(), message, mac) {
            Ok(Verified { key_arn: key.arn.clone(), used: KeyUsed::new(&key, UsageOperation::VerifyMac) })
        } else {
            Err(KmsError::InvalidMac)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kms::KeySpec;

    fn msg(message: &[u8], message_type: Option<MessageType>, algorithm: SigningAlgorithm) -> SignedMessage<'_> {
        SignedMessage { message, message_type, algorithm }
    }

    #[test]
    fn digests_must_match_the_algorithms_hash() {
        let ok = signed_input(&msg(&[0; 48], Some(MessageType::Digest), SigningAlgorithm::EcdsaSha384));
        assert!(matches!(ok, Ok((SignatureScheme::Ecdsa(SignatureHash::Sha384), SignedInput::Digest(_)))));
        let short = signed_input(&msg(&[0; 32], Some(MessageType::Digest), SigningAlgorithm::EcdsaSha384));
        assert!(matches!(
            short,
            Err(KmsError::Validation(Invalid::Crypto(CryptoInput::DigestLength(SigningAlgorithm::EcdsaSha384))))
        ));
        let ed = signed_input(&msg(&[0; 64], Some(MessageType::Digest), SigningAlgorithm::Ed25519Sha512));
        assert!(matches!(ed, Err(KmsError::Validation(_))));
        let ph = signed_input(&msg(&[0; 64], Some(MessageType::Digest), SigningAlgorithm::Ed25519PhSha512));
        assert!(matches!(ph, Ok((SignatureScheme::Ed25519Ph, SignedInput::Digest(_)))));
        let ph = signed_input(&msg(&[0; 32], Some(MessageType::Digest), SigningAlgorithm::Ed25519PhSha512));
        assert!(matches!(
            ph,
            Err(KmsError::Validation(Invalid::Crypto(CryptoInput::DigestLength(SigningAlgorithm::Ed25519PhSha512))))
        ));
        let mu = signed_input(&msg(&[0; 64], Some(MessageType::ExternalMu), SigningAlgorithm::RsassaPssSha256));
        assert!(matches!(mu, Err(KmsError::Validation(_))));
        let raw = signed_input(&msg(b"m", None, SigningAlgorithm::MlDsaShake256));
        assert!(matches!(raw, Ok((SignatureScheme::MlDsa, SignedInput::Raw(b"m")))));
        let mu = signed_input(&msg(&[7; 64], Some(MessageType::ExternalMu), SigningAlgorithm::MlDsaShake256));
        assert!(matches!(mu, Ok((SignatureScheme::MlDsa, SignedInput::ExternalMu([7, ..])))));
        let short = signed_input(&msg(&[7; 32], Some(MessageType::ExternalMu), SigningAlgorithm::MlDsaShake256));
        assert!(matches!(
            short,
            Err(KmsError::Validation(Invalid::Crypto(CryptoInput::ExternalMuLength(SigningAlgorithm::MlDsaShake256))))
        ));
        let digest = signed_input(&msg(&[7; 64], Some(MessageType::Digest), SigningAlgorithm::MlDsaShake256));
        assert!(matches!(digest, Err(KmsError::Validation(_))));
    }

    #[test]
    fn every_signing_spec_lists_algorithms_it_can_use() {
        let signs = |s: &KeySpec| !s.signing_algorithms().is_empty() && *s != KeySpec::Sm2;
        for spec in KeySpec::ALL.iter().copied().filter(signs) {
            assert!(spec.allows_usage(KeyUsage::SignVerify), "{spec:?}");
            assert!(spec.signing_algorithms().iter().any(|a| scheme_of(*a).is_some()), "{spec:?}");
        }
    }
}
