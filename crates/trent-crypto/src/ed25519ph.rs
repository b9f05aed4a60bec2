//! Ed25519ph (RFC 8032 section 5.1, "HashEdDSA" with SHA-512 and an empty context), which
//! AWS KMS calls `ED25519_PH_SHA_512`.
//!
//! aws-lc has Ed25519ph in C, but aws-lc-rs does not expose it and this workspace forbids
//! `unsafe`, so the scheme comes from `ed25519-dalek` (a well-kept, pure-Rust implementation)
//! over the same 32-byte seed aws-lc-rs's Ed25519 key holds. The key is derived once, when the
//! private key is parsed, and zeroized on drop by `ed25519-dalek`.

use ed25519_dalek::{Digest as _, Sha512, Signature, SigningKey};

use crate::CryptoError;

/// Length of a SHA-512 digest, the pre-hash Ed25519ph signs.
pub(crate) const PREHASH_LEN: usize = 64;

/// A SHA-512 digest computed before signing: by the caller (`MessageType` `DIGEST`) or by
/// [`prehash`]. `ed25519-dalek` takes the pre-hash as a `Digest` value and reads it only
/// through `finalize`; this type hands it the given bytes that way.
#[derive(Clone)]
struct GivenSha512([u8; PREHASH_LEN]);

/// Required of a `Digest`; never used here (every value is built from its bytes).
impl Default for GivenSha512 {
    fn default() -> Self {
        Self([0; PREHASH_LEN])
    }
}

impl digest::HashMarker for GivenSha512 {}

impl digest::OutputSizeUser for GivenSha512 {
    type OutputSize = digest::consts::U64;
}

impl digest::Update for GivenSha512 {
    /// The digest is already complete: more input would be a different message, which no
    /// caller here can give (the value is built from finished bytes and handed over whole).
    fn update(&mut self, _data: &[u8]) {}
}

impl digest::FixedOutput for GivenSha512 {
    fn finalize_into(self, out: &mut digest::Output<Self>) {
        out.copy_from_slice(&self.0);
    }
}

/// SHA-512 of `message`, the pre-hash of `MessageType` `RAW`.
fn prehash(message: &[u8]) -> GivenSha512 {
    let mut out = [0u8; PREHASH_LEN];
    out.copy_from_slice(&Sha512::digest(message));
    GivenSha512(out)
}

/// The pre-hash of `input`: the message hashed, or a caller's digest of exactly 64 bytes.
fn prehash_of(input: crate::SignedInput<'_>) -> Result<GivenSha512, CryptoError> {
    match input {
        crate::SignedInput::Raw(m) => Ok(prehash(m)),
        crate::SignedInput::Digest(d) => {
            let bytes: [u8; PREHASH_LEN] =
                d.try_into().map_err(|_| CryptoError::DigestLength { expected: PREHASH_LEN, actual: d.len() })?;
            Ok(GivenSha512(bytes))
        }
        crate::SignedInput::ExternalMu(_) => Err(CryptoError::Unsupported),
    }
}

/// An Ed25519 key for Ed25519ph, from the same seed as the key's pure-Ed25519 half.
pub(crate) struct Ed25519PhKey(SigningKey);

impl Ed25519PhKey {
    /// The key of a 32-byte Ed25519 seed (RFC 8032's private key).
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] if `seed` is not 32 bytes.
    pub(crate) fn from_seed(seed: &[u8]) -> Result<Self, CryptoError> {
        let seed: &[u8; 32] = seed.try_into().map_err(|_| CryptoError::Malformed)?;
        Ok(Self(SigningKey::from_bytes(seed)))
    }

    /// The 32-byte public key.
    pub(crate) fn public_key(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    /// Signs the pre-hash of `input` (deterministic, as every Ed25519 variant is).
    ///
    /// # Errors
    /// [`CryptoError::DigestLength`] for a digest that is not 64 bytes.
    pub(crate) fn sign(&self, input: crate::SignedInput<'_>) -> Result<Vec<u8>, CryptoError> {
        let signature = self.0.sign_prehashed(prehash_of(input)?, None).map_err(|_| CryptoError::Library)?;
        Ok(signature.to_bytes().to_vec())
    }

    /// Verifies `sig` over the pre-hash of `input` (strictly: non-canonical and small-order
    /// encodings are refused).
    ///
    /// # Errors
    /// [`CryptoError::AuthenticationFailed`] if it does not verify (a signature that is not
    /// 64 bytes included); [`CryptoError::DigestLength`] as for [`Self::sign`].
    pub(crate) fn verify(&self, input: crate::SignedInput<'_>, sig: &[u8]) -> Result<(), CryptoError> {
        let prehashed = prehash_of(input)?;
        let sig = Signature::from_slice(sig).map_err(|_| CryptoError::AuthenticationFailed)?;
        self.0
            .verifying_key()
            .verify_prehashed_strict(prehashed, None, &sig)
            .map_err(|_| CryptoError::AuthenticationFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SignedInput;

    /// RFC 8032 section 7.3, the Ed25519ph test vector ("abc").
    const SECRET: &str = "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42";
    const PUBLIC: &str = "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf";
    const SIGNATURE: &str = "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41\
                             31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406";

    fn key() -> Ed25519PhKey {
        Ed25519PhKey::from_seed(&hex::decode(SECRET).unwrap()).unwrap()
    }

    #[test]
    fn rfc8032_ed25519ph_vector_signs_identically_from_the_message_and_from_its_digest() {
        let key = key();
        assert_eq!(hex::encode(key.public_key()), PUBLIC);
        let signature = hex::decode(SIGNATURE).unwrap();
        assert_eq!(key.sign(SignedInput::Raw(b"abc")).unwrap(), signature);
        let digest = Sha512::digest(b"abc");
        assert_eq!(key.sign(SignedInput::Digest(&digest)).unwrap(), signature);
        key.verify(SignedInput::Raw(b"abc"), &signature).unwrap();
        key.verify(SignedInput::Digest(&digest), &signature).unwrap();
    }

    #[test]
    fn changed_messages_signatures_and_digest_lengths_are_refused() {
        let key = key();
        let signature = hex::decode(SIGNATURE).unwrap();
        assert_eq!(key.verify(SignedInput::Raw(b"abd"), &signature), Err(CryptoError::AuthenticationFailed));
        let mut forged = signature.clone();
        forged[63] ^= 0x01;
        assert_eq!(key.verify(SignedInput::Raw(b"abc"), &forged), Err(CryptoError::AuthenticationFailed));
        assert_eq!(key.verify(SignedInput::Raw(b"abc"), &signature[..63]), Err(CryptoError::AuthenticationFailed));
        assert_eq!(
            key.sign(SignedInput::Digest(&[0; 32])).unwrap_err(),
            CryptoError::DigestLength { expected: 64, actual: 32 }
        );
        // Pure Ed25519 of the same message is a different signature.
        let pure = SigningKey::from_bytes(&hex::decode(SECRET).unwrap().try_into().unwrap());
        let pure = ed25519_dalek::Signer::sign(&pure, b"abc").to_bytes();
        assert_eq!(key.verify(SignedInput::Raw(b"abc"), &pure), Err(CryptoError::AuthenticationFailed));
    }
}
