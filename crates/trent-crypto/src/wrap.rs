//! Key wrapping under the root key.
//!
//! Every backing key and every stored credential secret is stored only in wrapped form:
//!
//! ```text
//! 0x01 || nonce (12 random bytes) || AES-256-GCM(root, nonce, aad, secret) || tag (16)
//! ```
//!
//! The additional authenticated data names what is wrapped (for instance the key ARN and the
//! material id), so a wrapped blob copied onto another row fails to unwrap.
//!
//! A value wrapped under a root key of a later generation (after `trent operator rotate-root`)
//! records the generation, so the reader knows which root key to use:
//!
//! ```text
//! 0x02 || generation (4 bytes, big-endian, >= 2) || nonce (12) || AES-256-GCM(...) || tag (16)
//! ```
//!
//! The first format is generation 1, so a database never rotated keeps the bytes it always had.

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use zeroize::Zeroize;

use crate::{CryptoError, random_array};

/// Length of a root key in bytes.
pub const ROOT_KEY_LEN: usize = 32;
/// Bytes a wrapped secret is longer than the secret itself.
pub const WRAP_OVERHEAD: usize = 1 + NONCE_LEN + 16;

const WRAP_VERSION: u8 = 0x01;
/// The format that records the root key's generation.
const WRAP_GENERATION_VERSION: u8 = 0x02;
/// The length of the generation field of that format.
const GENERATION_LEN: usize = 4;

/// The generation of the root key that wrapped `wrapped`: 1 for the first format, the recorded
/// one for the second; `None` for bytes that are neither.
pub fn wrapped_generation(wrapped: &[u8]) -> Option<u32> {
    match wrapped.first() {
        Some(&WRAP_VERSION) if wrapped.len() >= WRAP_OVERHEAD => Some(1),
        Some(&WRAP_GENERATION_VERSION) if wrapped.len() >= WRAP_OVERHEAD + GENERATION_LEN => {
            let generation = u32::from_be_bytes(wrapped[1..1 + GENERATION_LEN].try_into().ok()?);
            (generation >= 2).then_some(generation)
        }
        _ => None,
    }
}

/// The 256-bit root of the key hierarchy, as released by a seal.
pub struct RootKey {
    cipher: Cipher,
    check: [u8; 32],
}

/// How the key is held: expanded for speed (data keys of secrets, the passphrase seal's
/// key-encryption key), or, for the root key itself, only as its 32 bytes in a locked page
/// (expanded into a short-lived cipher for each call, which aws-lc wipes when freed).
enum Cipher {
    Expanded(LessSafeKey),
    Locked(crate::locked::LockedKey),
}

impl RootKey {
    /// Builds a root key from exactly 32 bytes. The caller should zeroize its copy.
    ///
    /// # Errors
    /// [`CryptoError::KeyLength`] if `bytes` is not 32 bytes long.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != ROOT_KEY_LEN {
            return Err(CryptoError::KeyLength { expected: ROOT_KEY_LEN, actual: bytes.len() });
        }
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| CryptoError::Library)?;
        let check = crate::hmac_sha256(bytes, b"trent/root-key-check/v1");
        Ok(Self { cipher: Cipher::Expanded(LessSafeKey::new(unbound)), check })
    }

    /// Builds the root key of a seal from exactly 32 bytes, kept in a page of its own that is
    /// locked in memory (`mlock`) where the system permits, so it is never written to swap;
    /// see [`RootKey::memory_locked`]. The caller should zeroize its copy.
    ///
    /// # Errors
    /// [`CryptoError::KeyLength`] if `bytes` is not 32 bytes long.
    pub fn from_bytes_locked(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != ROOT_KEY_LEN {
            return Err(CryptoError::KeyLength { expected: ROOT_KEY_LEN, actual: bytes.len() });
        }
        // Checks the bytes make a key before keeping them.
        UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| CryptoError::Library)?;
        let check = crate::hmac_sha256(bytes, b"trent/root-key-check/v1");
        Ok(Self { cipher: Cipher::Locked(crate::locked::LockedKey::new(bytes)), check })
    }

    /// Whether the key's bytes are locked in memory: `Some(Ok(()))` when they are,
    /// `Some(Err(reason))` when locking was refused (no `CAP_IPC_LOCK` and `RLIMIT_MEMLOCK`
    /// exhausted, or a system without `mlock`), `None` for a key not built with
    /// [`RootKey::from_bytes_locked`].
    pub fn memory_locked(&self) -> Option<Result<(), &str>> {
        match &self.cipher {
            Cipher::Expanded(_) => None,
            Cipher::Locked(key) => Some(key.locked()),
        }
    }

    /// Runs `f` with the cipher.
    fn with_aead<T>(&self, f: impl FnOnce(&LessSafeKey) -> Result<T, CryptoError>) -> Result<T, CryptoError> {
        match &self.cipher {
            Cipher::Expanded(aead) => f(aead),
            Cipher::Locked(key) => {
                let unbound = UnboundKey::new(&AES_256_GCM, key.expose_secret()).map_err(|_| CryptoError::Library)?;
                f(&LessSafeKey::new(unbound))
            }
        }
    }

    /// Generates a fresh random root key and returns it with its raw bytes (for the seal to
    /// persist). The raw bytes zeroize on drop.
    ///
    /// # Errors
    /// [`CryptoError::Library`] if the random generator fails.
    pub fn generate() -> Result<(Self, crate::KeyMaterial), CryptoError> {
        let mut raw: [u8; ROOT_KEY_LEN] = random_array()?;
        let key = Self::from_bytes(&raw)?;
        let material = crate::KeyMaterial::from_slice(&raw);
        raw.zeroize();
        Ok((key, material))
    }

    /// A value that identifies this root key without revealing it (HMAC of a fixed label).
    /// Stored beside the data so a server started with the wrong root key refuses to run.
    pub fn check_value(&self) -> [u8; 32] {
        self.check
    }

    /// Wraps `secret`, binding `aad` (the first format: generation 1).
    ///
    /// # Errors
    /// [`CryptoError::Library`] if randomness or the cipher fails.
    pub fn wrap(&self, aad: &[u8], secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.wrap_as(1, aad, secret)
    }

    /// Wraps `secret`, binding `aad`, recording that this key is the root key of `generation`
    /// (generation 1 writes the first format, which records none).
    ///
    /// # Errors
    /// [`CryptoError::Library`] if randomness or the cipher fails.
    pub fn wrap_as(&self, generation: u32, aad: &[u8], secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let nonce: [u8; NONCE_LEN] = random_array()?;
        let mut out = Vec::with_capacity(secret.len() + WRAP_OVERHEAD + GENERATION_LEN);
        if generation <= 1 {
            out.push(WRAP_VERSION);
        } else {
            out.push(WRAP_GENERATION_VERSION);
            out.extend_from_slice(&generation.to_be_bytes());
        }
        let start = out.len() + NONCE_LEN;
        out.extend_from_slice(&nonce);
        out.extend_from_slice(secret);
        let tag = self.with_aead(|aead| {
            aead.seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut out[start..])
                .map_err(|_| CryptoError::Library)
        })?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Unwraps a value made by [`RootKey::wrap`] or [`RootKey::wrap_as`] with the same
    /// `aad` (the generation a value records is not checked here: the caller picks the key).
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] for a short or unknown-version blob,
    /// [`CryptoError::AuthenticationFailed`] for a wrong key, wrong AAD or tampered bytes.
    pub fn unwrap(&self, aad: &[u8], wrapped: &[u8]) -> Result<crate::SecretBytes, CryptoError> {
        let header = match wrapped_generation(wrapped) {
            Some(1) => 1,
            Some(_) => 1 + GENERATION_LEN,
            None => return Err(CryptoError::Malformed),
        };
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&wrapped[header..header + NONCE_LEN]);
        let mut buf = wrapped[header + NONCE_LEN..].to_vec();
        let opened = self.with_aead(|aead| {
            aead.open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut buf)
                .map(|plain| plain.len())
                .map_err(|_| CryptoError::AuthenticationFailed)
        });
        let plain_len = match opened {
            Ok(len) => len,
            Err(e) => {
                buf.zeroize();
                return Err(e);
            }
        };
        buf.truncate(plain_len);
        Ok(crate::SecretBytes::new(buf))
    }
}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RootKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_round_trips_and_binds_aad() {
        let (root, _) = RootKey::generate().unwrap();
        let w = root.wrap(b"arn:a|1", b"secret material").unwrap();
        assert_eq!(w.len(), 15 + WRAP_OVERHEAD);
        assert_eq!(root.unwrap(b"arn:a|1", &w).unwrap().expose_secret(), b"secret material");
        assert_eq!(root.unwrap(b"arn:b|1", &w).unwrap_err(), CryptoError::AuthenticationFailed);
    }

    #[test]
    fn another_root_key_cannot_unwrap() {
        let (a, _) = RootKey::generate().unwrap();
        let (b, _) = RootKey::generate().unwrap();
        let w = a.wrap(b"x", b"y").unwrap();
        assert!(b.unwrap(b"x", &w).is_err());
        assert_ne!(a.check_value(), b.check_value());
    }

    #[test]
    fn every_flipped_bit_is_detected() {
        let (root, _) = RootKey::generate().unwrap();
        let w = root.wrap(b"aad", b"0123456789abcdef").unwrap();
        for i in 0..w.len() * 8 {
            let mut t = w.clone();
            t[i / 8] ^= 1 << (i % 8);
            assert!(root.unwrap(b"aad", &t).is_err(), "bit {i}");
        }
    }

    #[test]
    fn a_locked_root_key_wraps_as_an_expanded_one_does() {
        let raw = [7u8; 32];
        let (locked, expanded) = (RootKey::from_bytes_locked(&raw).unwrap(), RootKey::from_bytes(&raw).unwrap());
        assert_eq!(locked.check_value(), expanded.check_value());
        let w = locked.wrap(b"aad", b"secret").unwrap();
        assert_eq!(expanded.unwrap(b"aad", &w).unwrap().expose_secret(), b"secret");
        let w = expanded.wrap(b"aad", b"secret").unwrap();
        assert_eq!(locked.unwrap(b"aad", &w).unwrap().expose_secret(), b"secret");
        assert!(locked.unwrap(b"other", &w).is_err());
        assert!(expanded.memory_locked().is_none() && locked.memory_locked().is_some());
        assert!(RootKey::from_bytes_locked(&raw[..31]).is_err());
    }

    #[test]
    fn a_later_generation_is_recorded_and_unwraps() {
        let (root, _) = RootKey::generate().unwrap();
        let first = root.wrap(b"aad", b"secret").unwrap();
        assert_eq!(wrapped_generation(&first), Some(1));
        assert_eq!(root.wrap_as(1, b"aad", b"secret").unwrap()[0], WRAP_VERSION);
        let later = root.wrap_as(7, b"aad", b"secret").unwrap();
        assert_eq!(later.len(), 6 + WRAP_OVERHEAD + GENERATION_LEN);
        assert_eq!(wrapped_generation(&later), Some(7));
        assert_eq!(root.unwrap(b"aad", &later).unwrap().expose_secret(), b"secret");
        assert!(root.unwrap(b"other", &later).is_err());
        // The generation field is not a place to smuggle another format through.
        let mut forged = later.clone();
        forged[1..5].copy_from_slice(&1u32.to_be_bytes());
        assert_eq!(wrapped_generation(&forged), None);
        assert_eq!(root.unwrap(b"aad", &forged).unwrap_err(), CryptoError::Malformed);
        assert_eq!(wrapped_generation(&[WRAP_GENERATION_VERSION, 0, 0]), None);
    }

    #[test]
    fn wrong_length_root_key_is_rejected() {
        assert_eq!(RootKey::from_bytes(&[0u8; 16]).unwrap_err(), CryptoError::KeyLength { expected: 32, actual: 16 });
    }
}
