//! The root of trust as the domain sees it: something that wraps and unwraps secrets.
//!
//! Seals (key file today; passphrase, Shamir shares, PKCS#11 next) live in the server and
//! hand the domain a [`KeyWrapper`]. The domain never sees root key bytes.

use std::fmt;

use trent_crypto::{CryptoError, RootKey, SecretBytes};

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
