//! The one source of randomness: the operating system's CSPRNG through aws-lc-rs.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::CryptoError;

/// Fills `out` with cryptographically secure random bytes.
///
/// # Errors
/// [`CryptoError::Library`] if the system generator fails (it does not on supported systems).
pub fn fill_random(out: &mut [u8]) -> Result<(), CryptoError> {
    SystemRandom::new().fill(out).map_err(|_| CryptoError::Library)
}

/// Returns `len` random bytes.
///
/// # Errors
/// See [`fill_random`].
pub fn random_vec(len: usize) -> Result<Vec<u8>, CryptoError> {
    let mut out = vec![0u8; len];
    fill_random(&mut out)?;
    Ok(out)
}

/// Returns a random fixed-size array.
///
/// # Errors
/// See [`fill_random`].
pub fn random_array<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    fill_random(&mut out)?;
    Ok(out)
}
