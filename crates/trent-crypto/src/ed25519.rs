//! Ed25519 signatures (RFC 8032), for the signed digests of the audit trail.
//!
//! A [`Ed25519SigningKey`] is generated once, exported only as a zeroizing PKCS#8 document (to
//! be wrapped under the root key by the caller) and never printed. Verification needs nothing
//! but the 32-byte public key, so a verifier holds no secret at all.

use std::fmt;

use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};

use crate::{CryptoError, SecretBytes};

/// Length of an Ed25519 public key in bytes.
pub const ED25519_PUBLIC_KEY_LEN: usize = 32;
/// Length of an Ed25519 signature in bytes.
pub const ED25519_SIGNATURE_LEN: usize = 64;

/// An Ed25519 private key. Prints as `[REDACTED]`; its bytes leave only through
/// [`Ed25519SigningKey::to_pkcs8`], as a zeroizing buffer.
pub struct Ed25519SigningKey {
    pair: Ed25519KeyPair,
}

impl Ed25519SigningKey {
    /// Generates a fresh key from the system CSPRNG.
    ///
    /// # Errors
    /// [`CryptoError::Library`] if the generator fails.
    pub fn generate() -> Result<Self, CryptoError> {
        Ed25519KeyPair::generate().map(|pair| Self { pair }).map_err(|_| CryptoError::Library)
    }

    /// Rebuilds a key from the PKCS#8 document [`Ed25519SigningKey::to_pkcs8`] produced. The
    /// embedded public key, if any, must match the private key.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] if the bytes are not an Ed25519 PKCS#8 document.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, CryptoError> {
        Ed25519KeyPair::from_pkcs8(pkcs8).map(|pair| Self { pair }).map_err(|_| CryptoError::Malformed)
    }

    /// The private key as a PKCS#8 v2 document (private and public key), for wrapping.
    ///
    /// # Errors
    /// [`CryptoError::Library`] if the encoder fails.
    pub fn to_pkcs8(&self) -> Result<SecretBytes, CryptoError> {
        let document = self.pair.to_pkcs8().map_err(|_| CryptoError::Library)?;
        Ok(SecretBytes::from_slice(document.as_ref()))
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; ED25519_PUBLIC_KEY_LEN] {
        let mut out = [0u8; ED25519_PUBLIC_KEY_LEN];
        out.copy_from_slice(self.pair.public_key().as_ref());
        out
    }

    /// Signs `message` (deterministically, as Ed25519 does).
    pub fn sign(&self, message: &[u8]) -> [u8; ED25519_SIGNATURE_LEN] {
        let mut out = [0u8; ED25519_SIGNATURE_LEN];
        out.copy_from_slice(self.pair.sign(message).as_ref());
        out
    }
}

impl fmt::Debug for Ed25519SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ed25519SigningKey([REDACTED])")
    }
}

/// Whether `signature` is a valid Ed25519 signature of `message` under `public_key`. Any
/// malformed input (wrong lengths, a point not on the curve) is simply "not valid".
pub fn ed25519_verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    public_key.len() == ED25519_PUBLIC_KEY_LEN
        && signature.len() == ED25519_SIGNATURE_LEN
        && UnparsedPublicKey::new(&ED25519, public_key).verify(message, signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8032_test_vector_1_verifies_and_signs_identically() {
        // RFC 8032 section 7.1, TEST 1 (empty message).
        let public = hex::decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a").unwrap();
        let signature = hex::decode(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        )
        .unwrap();
        assert!(ed25519_verify(&public, b"", &signature));
        let mut forged = signature.clone();
        forged[0] ^= 1;
        assert!(!ed25519_verify(&public, b"", &forged));
        assert!(!ed25519_verify(&public, b"x", &signature));
        assert!(!ed25519_verify(&public[..31], b"", &signature));
    }

    #[test]
    fn pkcs8_round_trips_to_the_same_key() {
        let key = Ed25519SigningKey::generate().unwrap();
        let pkcs8 = key.to_pkcs8().unwrap();
        let again = Ed25519SigningKey::from_pkcs8(pkcs8.expose_secret()).unwrap();
        assert_eq!(key.public_key(), again.public_key());
        let sig = again.sign(b"digest");
        assert_eq!(sig, key.sign(b"digest"), "Ed25519 is deterministic");
        assert!(ed25519_verify(&key.public_key(), b"digest", &sig));
        assert!(Ed25519SigningKey::from_pkcs8(&pkcs8.expose_secret()[1..]).is_err());
        assert!(!format!("{key:?}").contains(&format!("{:?}", &pkcs8.expose_secret()[..4])));
    }
}
