//! The cryptography of one message: content-key derivation (identity, HKDF, the committing
//! HKDF-SHA512 of format 2), AES-GCM for the header tag and the body, and the ECDSA footer
//! signature computed over a running digest so that messages of any size stream.
//!
//! Everything is aws-lc-rs except, with the `openssl-sha384` feature, the SHA-384 running
//! digest (`digest`); secrets are `trent_crypto` zeroizing types. This module knows the byte
//! strings the specification fixes (content AAD strings, HKDF labels) and nothing about
//! keyrings or I/O.

mod digest;

use std::sync::Arc;

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::digest as lc_digest;
use aws_lc_rs::encoding::{AsBigEndian, EcPublicKeyCompressedBin};
use aws_lc_rs::hkdf;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair, UnparsedPublicKey};
use trent_crypto::DataKey;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::suite::{AlgorithmSuite, COMMITMENT_LEN, IV_LEN, Kdf, Signature, TAG_LEN};

pub(crate) use digest::MessageDigest;

/// Body AAD content string of a regular frame.
pub(crate) const FRAME_STRING: &[u8] = b"AWSKMSEncryptionClient Frame";
/// Body AAD content string of the final frame.
pub(crate) const FINAL_FRAME_STRING: &[u8] = b"AWSKMSEncryptionClient Final Frame";
/// Body AAD content string of a non-framed body.
pub(crate) const SINGLE_BLOCK_STRING: &[u8] = b"AWSKMSEncryptionClient Single Block";

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Extract-then-Expand into a zeroizing buffer of `len` bytes.
pub(crate) fn hkdf(
    alg: hkdf::Algorithm,
    salt: &[u8],
    ikm: &[u8],
    info: &[&[u8]],
    len: usize,
) -> Result<Zeroizing<Vec<u8>>> {
    let prk = hkdf::Salt::new(alg, salt).extract(ikm);
    let okm = prk.expand(info, Len(len)).map_err(|_| Error::Crypto("HKDF output length"))?;
    let mut out = Zeroizing::new(vec![0u8; len]);
    okm.fill(&mut out).map_err(|_| Error::Crypto("HKDF"))?;
    Ok(out)
}

/// An AES-GCM key of a suite's length.
pub(crate) fn aes_key(key: &[u8]) -> Result<LessSafeKey> {
    let alg = match key.len() {
        16 => &aead::AES_128_GCM,
        24 => &aead::AES_192_GCM,
        32 => &aead::AES_256_GCM,
        _ => return Err(Error::Crypto("AES key length")),
    };
    Ok(LessSafeKey::new(UnboundKey::new(alg, key).map_err(|_| Error::Crypto("AES key"))?))
}

/// The keys of one message.
pub(crate) struct MessageKeys {
    /// The AES-GCM content key (header tag and body).
    pub(crate) content: LessSafeKey,
    /// The key commitment of a committing suite.
    pub(crate) commitment: Option<Zeroizing<Vec<u8>>>,
}

/// Derives the content key (and the commitment) from the data key as the suite says.
///
/// # Errors
/// `Crypto` when the data key has the wrong length.
pub(crate) fn derive_keys(suite: &AlgorithmSuite, data_key: &DataKey, message_id: &[u8]) -> Result<MessageKeys> {
    let dk = data_key.expose_secret();
    if dk.len() != suite.data_key_len() {
        return Err(Error::Crypto("data key length does not match the suite"));
    }
    let id = suite.id.to_be_bytes();
    let (content, commitment) = match suite.kdf {
        Kdf::Identity => (Zeroizing::new(dk.to_vec()), None),
        Kdf::HkdfSha256 => (hkdf(hkdf::HKDF_SHA256, &[], dk, &[&id, message_id], suite.key_len)?, None),
        Kdf::HkdfSha384 => (hkdf(hkdf::HKDF_SHA384, &[], dk, &[&id, message_id], suite.key_len)?, None),
        Kdf::HkdfSha512Committing => (
            hkdf(hkdf::HKDF_SHA512, message_id, dk, &[&id, b"DERIVEKEY"], suite.key_len)?,
            Some(hkdf(hkdf::HKDF_SHA512, message_id, dk, &[b"COMMITKEY"], COMMITMENT_LEN)?),
        ),
    };
    Ok(MessageKeys { content: aes_key(&content)?, commitment })
}

/// Longest body AAD: a 32-byte message id, the longest content string, sequence and length.
const MAX_BODY_AAD: usize = 32 + SINGLE_BLOCK_STRING.len() + 4 + 8;

/// The AAD of a frame (or of the single block), built on the stack: message id, content
/// string, big-endian sequence number and content length.
pub(crate) struct BodyAad {
    bytes: [u8; MAX_BODY_AAD],
    len: usize,
}

impl BodyAad {
    /// The AAD of `content` (a `*_STRING`) of frame `sequence` with `len` content bytes.
    ///
    /// # Panics
    /// Never for message ids of 16 or 32 bytes (the header parser accepts no others).
    pub(crate) fn new(message_id: &[u8], content: &[u8], sequence: u32, len: u64) -> BodyAad {
        let mut bytes = [0u8; MAX_BODY_AAD];
        let mut at = 0;
        for part in [message_id, content, &sequence.to_be_bytes(), &len.to_be_bytes()] {
            bytes[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        BodyAad { bytes, len: at }
    }

    /// The AAD bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The IV of frame `sequence`: eight zero bytes and the big-endian sequence number.
pub(crate) fn frame_iv(sequence: u32) -> [u8; IV_LEN] {
    let mut iv = [0u8; IV_LEN];
    iv[8..].copy_from_slice(&sequence.to_be_bytes());
    iv
}

/// Encrypts `in_out` in place and returns the tag.
pub(crate) fn seal(key: &LessSafeKey, iv: [u8; IV_LEN], aad: &[u8], in_out: &mut [u8]) -> Result<[u8; TAG_LEN]> {
    let tag = key
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(iv), Aad::from(aad), in_out)
        .map_err(|_| Error::Crypto("AES-GCM seal"))?;
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(tag.as_ref());
    Ok(out)
}

/// Encrypts `plain` into `ciphertext` (of the same length) and writes the tag to `tag`.
pub(crate) fn seal_into(
    key: &LessSafeKey,
    iv: [u8; IV_LEN],
    aad: &[u8],
    plain: &[u8],
    ciphertext: &mut [u8],
    tag: &mut [u8],
) -> Result<()> {
    key.seal_out_of_place_scatter(Nonce::assume_unique_for_key(iv), Aad::from(aad), plain, ciphertext, &[], tag)
        .map_err(|_| Error::Crypto("AES-GCM seal"))
}

/// Decrypts `ciphertext` into `plain` (of the same length) if `tag` verifies; on failure
/// `plain` is zeroed.
pub(crate) fn open_into(
    key: &LessSafeKey,
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
    plain: &mut [u8],
) -> bool {
    let Ok(nonce) = Nonce::try_assume_unique_for_key(iv) else {
        return false;
    };
    if key.open_separate_gather(nonce, Aad::from(aad), ciphertext, tag, plain).is_ok() {
        true
    } else {
        zeroize::Zeroize::zeroize(plain);
        false
    }
}

/// Decrypts `in_out` in place if `tag` verifies; on failure `in_out` is zeroed.
pub(crate) fn open(key: &LessSafeKey, iv: &[u8], aad: &[u8], in_out: &mut [u8], tag: &[u8]) -> bool {
    let Ok(nonce) = Nonce::try_assume_unique_for_key(iv) else {
        return false;
    };
    if key.open_in_place_separate_tag(nonce, Aad::from(aad), tag, in_out).is_ok() {
        true
    } else {
        zeroize::Zeroize::zeroize(in_out);
        false
    }
}

fn signing_alg(sig: Signature) -> Option<(&'static signature::EcdsaSigningAlgorithm, &'static lc_digest::Algorithm)> {
    match sig {
        Signature::None => None,
        Signature::EcdsaP256Sha256 => Some((&signature::ECDSA_P256_SHA256_ASN1_SIGNING, &lc_digest::SHA256)),
        Signature::EcdsaP384Sha384 => Some((&signature::ECDSA_P384_SHA384_ASN1_SIGNING, &lc_digest::SHA384)),
    }
}

/// The private half of a message's signing key (held by aws-lc, freed and cleared there).
#[derive(Clone)]
pub struct SigningKey {
    pair: Arc<EcdsaKeyPair>,
    digest: &'static lc_digest::Algorithm,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey([REDACTED])")
    }
}

impl SigningKey {
    /// A fresh key pair for `suite` and its compressed public point, or `None` for an
    /// unsigned suite.
    ///
    /// # Errors
    /// `Crypto` if key generation fails.
    pub(crate) fn generate(suite: &AlgorithmSuite) -> Result<Option<(SigningKey, Vec<u8>)>> {
        let Some((alg, digest)) = signing_alg(suite.signature) else {
            return Ok(None);
        };
        let pair = EcdsaKeyPair::generate(alg).map_err(|_| Error::Crypto("ECDSA key generation"))?;
        let point: EcPublicKeyCompressedBin<'static> =
            pair.public_key().as_be_bytes().map_err(|_| Error::Crypto("ECDSA public key"))?;
        let point = point.as_ref().to_vec();
        Ok(Some((SigningKey { pair: Arc::new(pair), digest }, point)))
    }

    /// A running digest to feed with the message bytes.
    ///
    /// # Errors
    /// As `MessageDigest::new`.
    pub(crate) fn hasher(&self) -> Result<MessageDigest> {
        MessageDigest::new(self.digest)
    }

    /// Signs the finished digest (DER).
    ///
    /// # Errors
    /// `Crypto` if signing fails; as `MessageDigest::finish`.
    pub(crate) fn sign(&self, hasher: MessageDigest) -> Result<Vec<u8>> {
        let d = hasher.finish()?;
        let sig = self.pair.sign_digest(&d).map_err(|_| Error::Crypto("ECDSA signing"))?;
        Ok(sig.as_ref().to_vec())
    }
}

/// The verification side: a compressed public point from the encryption context, parsed
/// before any of the body is read.
pub(crate) struct Verifier {
    key: signature::ParsedPublicKey,
    digest: &'static lc_digest::Algorithm,
}

impl Verifier {
    /// A verifier for a signed `suite` and `point`.
    ///
    /// # Errors
    /// `Malformed` for an unsigned suite or a point that is not on the suite's curve.
    pub(crate) fn new(suite: &AlgorithmSuite, point: &[u8]) -> Result<Verifier> {
        let (alg, digest) = match suite.signature {
            Signature::None => return Err(Error::Malformed("a verification key for an unsigned suite")),
            Signature::EcdsaP256Sha256 => (&signature::ECDSA_P256_SHA256_ASN1, &lc_digest::SHA256),
            Signature::EcdsaP384Sha384 => (&signature::ECDSA_P384_SHA384_ASN1, &lc_digest::SHA384),
        };
        let key = UnparsedPublicKey::new(alg, point)
            .parse()
            .map_err(|_| Error::Malformed("aws-crypto-public-key is not a point of the suite's curve"))?;
        Ok(Verifier { key, digest })
    }

    /// A running digest to feed with the message bytes.
    ///
    /// # Errors
    /// As `MessageDigest::new`.
    pub(crate) fn hasher(&self) -> Result<MessageDigest> {
        MessageDigest::new(self.digest)
    }

    /// Checks `sig` over the finished digest.
    ///
    /// # Errors
    /// `SignatureVerification` when it does not verify; as `MessageDigest::finish`.
    pub(crate) fn verify(&self, hasher: MessageDigest, sig: &[u8]) -> Result<()> {
        let d = hasher.finish()?;
        self.key.verify_digest_sig(&d, sig).map_err(|_| Error::SignatureVerification)
    }
}

/// Fresh random bytes.
///
/// # Errors
/// `Crypto` if the system RNG fails.
pub(crate) fn random(len: usize) -> Result<Vec<u8>> {
    trent_crypto::random_vec(len).map_err(|_| Error::Crypto("random number generator"))
}

/// A fresh random data key for `suite`.
///
/// # Errors
/// `Crypto` if the system RNG fails.
pub(crate) fn random_data_key(suite: &AlgorithmSuite) -> Result<DataKey> {
    Ok(DataKey::new(random(suite.data_key_len())?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::AES_256_GCM_HKDF_SHA384_ECDSA_P384;

    #[test]
    fn signatures_verify_over_a_streamed_digest() {
        let (key, point) = SigningKey::generate(&AES_256_GCM_HKDF_SHA384_ECDSA_P384).unwrap().unwrap();
        assert_eq!(point.len(), 49);
        let mut h = key.hasher().unwrap();
        h.update(b"hello ").unwrap();
        h.update(b"world").unwrap();
        let sig = key.sign(h).unwrap();
        let v = Verifier::new(&AES_256_GCM_HKDF_SHA384_ECDSA_P384, &point).unwrap();
        assert!(Verifier::new(&AES_256_GCM_HKDF_SHA384_ECDSA_P384, &point[1..]).is_err());
        let mut h = v.hasher().unwrap();
        h.update(b"hello world").unwrap();
        v.verify(h, &sig).unwrap();
        let mut h = v.hasher().unwrap();
        h.update(b"hello worle").unwrap();
        assert!(v.verify(h, &sig).is_err());
    }
}
