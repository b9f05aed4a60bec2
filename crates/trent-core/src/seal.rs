//! The root of trust as the domain sees it: something that wraps and unwraps secrets.
//!
//! Seals (key file, passphrase, Shamir shares, PKCS#11, another KMS) live in the server and
//! hand the domain a [`KeyWrapper`]. The domain never sees root key bytes.
//!
//! The server's wrapper is a [`RootRing`]: the root key of the current generation, and while
//! `trent operator rotate-root` runs, the previous one too. Every value is wrapped under the
//! current root and records its generation (see `trent_crypto::wrap`), so a value wrapped
//! before the rotation reached it still unwraps, and no new value is wrapped under the old root
//! once the rotation has begun.

use std::fmt;
use std::sync::Arc;

use trent_crypto::{CryptoError, RootKey, SecretBytes, wrapped_generation};

/// Wraps and unwraps stored secrets under the root of trust.
pub trait KeyWrapper: Send + Sync + fmt::Debug {
    /// Wraps `secret`, binding `aad`.
    ///
    /// # Errors
    /// A [`CryptoError`] if the underlying primitive fails.
    fn wrap(&self, aad: &[u8], secret: &[u8]) -> Result<Vec<u8>, CryptoError>;

    /// Unwraps what [`KeyWrapper::wrap`] produced with the same `aad`.
    ///
    /// # Errors
    /// [`CryptoError::AuthenticationFailed`] for a wrong root, wrong AAD or tampered bytes.
    fn unwrap(&self, aad: &[u8], wrapped: &[u8]) -> Result<SecretBytes, CryptoError>;

    /// A value that identifies the root of trust without revealing it.
    fn check_value(&self) -> [u8; 32];
}

impl KeyWrapper for RootKey {
    fn wrap(&self, aad: &[u8], secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
        RootKey::wrap(self, aad, secret)
    }

    fn unwrap(&self, aad: &[u8], wrapped: &[u8]) -> Result<SecretBytes, CryptoError> {
        RootKey::unwrap(self, aad, wrapped)
    }

    fn check_value(&self) -> [u8; 32] {
        RootKey::check_value(self)
    }
}

/// A root key and its generation (1 for the first root key of a deployment).
#[derive(Clone, Debug)]
pub struct Generation {
    /// The generation number.
    pub number: u32,
    /// The key.
    pub key: Arc<RootKey>,
}

struct Ring {
    current: Generation,
    /// The root being rotated away from, while a rotation runs.
    previous: Option<Generation>,
}

/// The root keys in use: the current generation's, and during a rotation the previous one's.
pub struct RootRing {
    ring: parking_lot::RwLock<Ring>,
}

impl RootRing {
    /// A ring of one root key.
    pub fn new(generation: u32, key: RootKey) -> Self {
        Self {
            ring: parking_lot::RwLock::new(Ring {
                current: Generation { number: generation, key: Arc::new(key) },
                previous: None,
            }),
        }
    }

    /// The current generation.
    pub fn generation(&self) -> u32 {
        self.ring.read().current.number
    }

    /// The current generation's root key.
    pub fn current(&self) -> Generation {
        self.ring.read().current.clone()
    }

    /// The previous generation's root key, while a rotation runs.
    pub fn previous(&self) -> Option<Generation> {
        self.ring.read().previous.clone()
    }

    /// Starts wrapping under `next` (values of the current generation keep unwrapping).
    /// Beginning the same generation twice changes nothing.
    pub fn begin(&self, next: Generation) {
        let mut ring = self.ring.write();
        if ring.current.number == next.number {
            return;
        }
        let previous = std::mem::replace(&mut ring.current, next);
        ring.previous = Some(previous);
    }

    /// Forgets the previous generation's root key (the rotation re-wrapped everything).
    pub fn finish(&self) {
        self.ring.write().previous = None;
    }

    /// The key of `generation`, if the ring holds it.
    fn key_of(&self, generation: u32) -> Option<Arc<RootKey>> {
        let ring = self.ring.read();
        if ring.current.number == generation {
            return Some(ring.current.key.clone());
        }
        ring.previous.as_ref().filter(|p| p.number == generation).map(|p| p.key.clone())
    }
}

impl fmt::Debug for RootRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ring = self.ring.read();
        f.debug_struct("RootRing")
            .field("generation", &ring.current.number)
            .field("previous", &ring.previous.as_ref().map(|p| p.number))
            .finish()
    }
}

impl KeyWrapper for RootRing {
    fn wrap(&self, aad: &[u8], secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let current = self.current();
        current.key.wrap_as(current.number, aad, secret)
    }

    fn unwrap(&self, aad: &[u8], wrapped: &[u8]) -> Result<SecretBytes, CryptoError> {
        let generation = wrapped_generation(wrapped).ok_or(CryptoError::Malformed)?;
        // A value of a generation this node does not hold cannot be opened by it.
        let key = self.key_of(generation).ok_or(CryptoError::AuthenticationFailed)?;
        key.unwrap(aad, wrapped)
    }

    fn check_value(&self) -> [u8; 32] {
        self.ring.read().current.key.check_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> RootKey {
        RootKey::generate().unwrap().0
    }

    #[test]
    fn a_ring_unwraps_both_generations_during_a_rotation_and_only_the_new_one_after() {
        let ring = RootRing::new(1, key());
        let old = ring.wrap(b"aad", b"before").unwrap();
        assert_eq!(wrapped_generation(&old), Some(1));
        let next = Arc::new(key());
        ring.begin(Generation { number: 2, key: next.clone() });
        assert_eq!(ring.check_value(), next.check_value());
        let new = ring.wrap(b"aad", b"during").unwrap();
        assert_eq!(wrapped_generation(&new), Some(2), "new values are wrapped under the new root");
        assert_eq!(ring.unwrap(b"aad", &old).unwrap().expose_secret(), b"before");
        assert_eq!(ring.unwrap(b"aad", &new).unwrap().expose_secret(), b"during");
        ring.begin(Generation { number: 2, key: next });
        assert_eq!(ring.previous().map(|p| p.number), Some(1), "beginning twice keeps the old root");
        ring.finish();
        assert_eq!(ring.unwrap(b"aad", &old).unwrap_err(), CryptoError::AuthenticationFailed);
        assert_eq!(ring.unwrap(b"aad", &new).unwrap().expose_secret(), b"during");
        assert_eq!(ring.generation(), 2);
    }
}
