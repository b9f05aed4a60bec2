//! Shamir's secret sharing over GF(2^8), byte by byte (as Vault's `shamir` package does).
//!
//! A secret of `len` bytes is split into `n` shares, each an x coordinate (1..=255, never 0)
//! and `len` bytes of y coordinates: for each secret byte, a random polynomial of degree
//! `k - 1` whose constant term is that byte is evaluated at every x. Any `k` shares recover the
//! secret by Lagrange interpolation at 0; fewer give a polynomial that is uniformly random at
//! 0, so they say nothing of the secret.
//!
//! The field is GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1. Multiplication is
//! done without tables or branches on secret data (shift and conditional-xor by mask), and
//! inversion by exponentiation (a^254), so timing does not depend on share values.
//!
//! Shares are not authenticated here: a share with wrong bytes combines to a wrong secret.
//! Callers check the result (the seal compares the root key's check value) and may keep a
//! digest of each share to refuse a forged one before combining.

use std::fmt;

use zeroize::Zeroize;

use crate::{CryptoError, random_vec};

/// The most shares a secret can be split into (x coordinates 1..=255).
pub const MAX_SHARES: u8 = 255;

/// One share: its x coordinate and a y coordinate per secret byte. Zeroized on drop.
pub struct Share {
    x: u8,
    y: Vec<u8>,
}

impl Share {
    /// A share from its parts.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] when `x` is 0 (that point is the secret) or `y` is empty.
    pub fn new(x: u8, y: Vec<u8>) -> Result<Self, CryptoError> {
        if x == 0 || y.is_empty() {
            let mut y = y;
            y.zeroize();
            return Err(CryptoError::Malformed);
        }
        Ok(Self { x, y })
    }

    /// The x coordinate (1..=255); not secret.
    pub fn x(&self) -> u8 {
        self.x
    }

    /// The y coordinates. Every call site handles a secret.
    pub fn expose_secret(&self) -> &[u8] {
        &self.y
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        self.y.zeroize();
    }
}

impl fmt::Debug for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Share(x = {}, [REDACTED; {} bytes])", self.x, self.y.len())
    }
}

/// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1, in constant time.
fn mul(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0u8;
    for _ in 0..8 {
        product ^= a & (b & 1).wrapping_neg();
        let carry = (a >> 7).wrapping_neg();
        a = (a << 1) ^ (0x1b & carry);
        b >>= 1;
    }
    product
}

/// The multiplicative inverse (a^254); 0 maps to 0, which callers never divide by.
fn inv(a: u8) -> u8 {
    let mut result = 1u8;
    let mut base = a;
    let mut exp = 254u8;
    while exp > 0 {
        if exp & 1 == 1 {
            result = mul(result, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    result
}

/// Splits `secret` into `shares` shares of which any `threshold` recover it.
///
/// # Errors
/// [`CryptoError::Unsupported`] unless `2 <= threshold <= shares <= 255` and the secret is not
/// empty; [`CryptoError::Library`] if the random generator fails.
pub fn split(secret: &[u8], shares: u8, threshold: u8) -> Result<Vec<Share>, CryptoError> {
    if threshold < 2 || threshold > shares || secret.is_empty() {
        return Err(CryptoError::Unsupported);
    }
    let degree = usize::from(threshold) - 1;
    // Coefficients 1..k-1 of every byte's polynomial, random; coefficient 0 is the byte.
    let mut coefficients = random_vec(secret.len() * degree)?;
    let mut out: Vec<Share> = (1..=shares).map(|x| Share { x, y: Vec::with_capacity(secret.len()) }).collect();
    for (i, &byte) in secret.iter().enumerate() {
        let row = &coefficients[i * degree..(i + 1) * degree];
        for share in &mut out {
            // Horner's rule from the highest coefficient down to the secret byte.
            let mut value = 0u8;
            for &c in row.iter().rev() {
                value = mul(value, share.x) ^ c;
            }
            share.y.push(mul(value, share.x) ^ byte);
        }
    }
    coefficients.zeroize();
    Ok(out)
}

/// Recovers the secret from `shares` by interpolation at 0. Given at least the threshold of
/// genuine shares this is the secret; given fewer, or a forged one, it is a different value.
///
/// # Errors
/// [`CryptoError::Malformed`] when fewer than two shares are given, two share an x
/// coordinate, or their lengths differ.
pub fn combine(shares: &[Share]) -> Result<Vec<u8>, CryptoError> {
    let first = shares.first().ok_or(CryptoError::Malformed)?;
    let len = first.y.len();
    if shares.len() < 2 || shares.iter().any(|s| s.y.len() != len) {
        return Err(CryptoError::Malformed);
    }
    for (i, a) in shares.iter().enumerate() {
        if shares[i + 1..].iter().any(|b| b.x == a.x) {
            return Err(CryptoError::Malformed);
        }
    }
    // Lagrange basis at 0: l_j = prod_{m != j} x_m / (x_m - x_j); subtraction is xor.
    let basis: Vec<u8> = shares
        .iter()
        .map(|j| shares.iter().filter(|m| m.x != j.x).fold(1u8, |acc, m| mul(acc, mul(m.x, inv(m.x ^ j.x)))))
        .collect();
    let mut secret = vec![0u8; len];
    for (share, &l) in shares.iter().zip(&basis) {
        for (out, &y) in secret.iter_mut().zip(&share.y) {
            *out ^= mul(y, l);
        }
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(s: &Share) -> Share {
        Share::new(s.x, s.y.clone()).unwrap()
    }

    #[test]
    fn field_arithmetic_matches_known_values() {
        // FIPS-197's worked example: {57} * {83} = {c1}.
        assert_eq!(mul(0x57, 0x83), 0xc1);
        assert_eq!(mul(0x57, 0x13), 0xfe);
        for a in 1..=255u8 {
            assert_eq!(mul(a, inv(a)), 1, "inverse of {a}");
            assert_eq!(mul(a, 1), a);
            assert_eq!(mul(a, 0), 0);
        }
    }

    #[test]
    fn every_threshold_subset_recovers_the_secret() {
        let secret: Vec<u8> = (0..32).map(|i| i * 7 + 3).collect();
        let shares = split(&secret, 5, 3).unwrap();
        assert_eq!(shares.len(), 5);
        for a in 0..5 {
            for b in 0..5 {
                for c in 0..5 {
                    if a < b && b < c {
                        let subset = [copy(&shares[a]), copy(&shares[b]), copy(&shares[c])];
                        assert_eq!(combine(&subset).unwrap(), secret);
                    }
                }
            }
        }
        // More than the threshold works too.
        assert_eq!(combine(&shares).unwrap(), secret);
    }

    /// k - 1 shares reveal nothing testable: they combine to a value that is not the secret,
    /// and to different values under different splits of the same secret.
    #[test]
    fn fewer_than_the_threshold_give_a_wrong_secret() {
        let secret = [0x42u8; 32];
        let mut seen = Vec::new();
        for _ in 0..8 {
            let shares = split(&secret, 5, 3).unwrap();
            let two = [copy(&shares[0]), copy(&shares[3])];
            let guess = combine(&two).unwrap();
            assert_ne!(guess, secret);
            seen.push(guess);
        }
        seen.sort();
        seen.dedup();
        assert!(seen.len() > 1, "k - 1 shares must not determine a fixed value");
    }

    #[test]
    fn a_forged_share_gives_a_wrong_secret() {
        let secret = [9u8; 32];
        let shares = split(&secret, 3, 2).unwrap();
        let mut forged_y = shares[1].y.clone();
        forged_y[0] ^= 1;
        let forged = Share::new(shares[1].x, forged_y).unwrap();
        let recovered = combine(&[copy(&shares[0]), forged]).unwrap();
        assert_ne!(recovered, secret);
        assert_eq!(recovered[1..], secret[1..], "only the forged byte's position changes");
    }

    #[test]
    fn shares_differ_between_splits_and_bad_arguments_are_refused() {
        let secret = [1u8; 16];
        let a = split(&secret, 3, 2).unwrap();
        let b = split(&secret, 3, 2).unwrap();
        assert_ne!(a[0].y, b[0].y);
        assert_eq!(split(&secret, 3, 1).unwrap_err(), CryptoError::Unsupported);
        assert_eq!(split(&secret, 2, 3).unwrap_err(), CryptoError::Unsupported);
        assert_eq!(split(&[], 3, 2).unwrap_err(), CryptoError::Unsupported);
        assert!(split(&secret, MAX_SHARES, MAX_SHARES).is_ok());
        assert_eq!(combine(&[copy(&a[0]), copy(&a[0])]).unwrap_err(), CryptoError::Malformed);
        assert_eq!(combine(&[copy(&a[0])]).unwrap_err(), CryptoError::Malformed);
        assert!(Share::new(0, vec![1]).is_err());
        assert!(format!("{:?}", a[0]).contains("REDACTED"));
    }
}
