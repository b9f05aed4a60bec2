//! The one error type of the crypto layer.
//!
//! Variants are deliberately coarse: a caller learns *that* authentication failed, never
//! which byte was wrong, so an error can never become a decryption oracle.

/// Why a cryptographic operation failed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CryptoError {
    /// The bytes are not a well-formed blob of a known format version.
    #[error("malformed ciphertext")]
    Malformed,
    /// Authenticated decryption failed: wrong key, wrong context, or tampered bytes.
    #[error("ciphertext authentication failed")]
    AuthenticationFailed,
    /// A key of the wrong length was supplied.
    #[error("key has length {actual}, expected {expected}")]
    KeyLength {
        /// The length the primitive needs.
        expected: usize,
        /// The length that was supplied.
        actual: usize,
    },
    /// An encryption-context entry is longer than the 16-bit length prefix allows.
    #[error("encryption context entry too long")]
    ContextTooLong,
    /// The key cannot do this, or not with this scheme or input.
    #[error("operation not supported by this key")]
    Unsupported,
    /// A digest of the wrong length for the scheme's hash.
    #[error("digest has length {actual}, expected {expected}")]
    DigestLength {
        /// The hash's output length.
        expected: usize,
        /// The length that was supplied.
        actual: usize,
    },
    /// The system random generator or the underlying library failed.
    #[error("cryptographic library failure")]
    Library,
}
