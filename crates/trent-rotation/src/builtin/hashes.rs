//! Password verifiers computed here, so that a new password is never sent to the database in
//! the clear (where `log_statement` or the general log could record it): PostgreSQL's
//! SCRAM-SHA-256 verifier (RFC 7677, the form `PQencryptPasswordConn` builds) and MariaDB's
//! `mysql_native_password` hash.

use std::num::NonZeroU32;

use aws_lc_rs::{digest, pbkdf2};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use trent_crypto::{CryptoError, hmac_sha256, random_array, sha256};
use zeroize::Zeroizing;

/// PostgreSQL's default SCRAM iteration count.
const SCRAM_ITERATIONS: u32 = 4096;

/// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` for `password`.
///
/// PostgreSQL prepares passwords with SASLprep, which leaves printable ASCII as it is; callers
/// use this only for such passwords.
pub(crate) fn scram_sha256_verifier(password: &[u8]) -> Result<String, CryptoError> {
    let salt: [u8; 16] = random_array()?;
    Ok(scram_with_salt(password, &salt))
}

fn scram_with_salt(password: &[u8], salt: &[u8]) -> String {
    let mut salted = Zeroizing::new([0u8; 32]);
    let iterations = NonZeroU32::new(SCRAM_ITERATIONS).unwrap_or(NonZeroU32::MIN);
    pbkdf2::derive(pbkdf2::PBKDF2_HMAC_SHA256, iterations, salt, password, &mut *salted);
    let client_key = Zeroizing::new(hmac_sha256(&*salted, b"Client Key"));
    let stored_key = sha256(&*client_key);
    let server_key = hmac_sha256(&*salted, b"Server Key");
    format!(
        "SCRAM-SHA-256${SCRAM_ITERATIONS}:{}${}:{}",
        STANDARD.encode(salt),
        STANDARD.encode(stored_key),
        STANDARD.encode(server_key)
    )
}

/// `*` and the upper-case hex of SHA1(SHA1(password)), as `PASSWORD()` computes it.
pub(crate) fn mysql_native_hash(password: &[u8]) -> String {
    let inner = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, password);
    let outer = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, inner.as_ref());
    format!("*{}", hex::encode_upper(outer.as_ref()))
}

/// Whether PostgreSQL's SASLprep would leave `password` unchanged (printable ASCII), so the
/// verifier computed here matches the one the server would compute.
pub(crate) fn scram_safe(password: &[u8]) -> bool {
    password.iter().all(|b| (0x20..0x7f).contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_native_hash_matches_password() {
        // SELECT PASSWORD('password') on MariaDB and MySQL 5.7.
        assert_eq!(mysql_native_hash(b"password"), "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19");
    }

    #[test]
    fn scram_verifier_matches_rfc_7677() {
        // RFC 7677's example: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==.
        // Its ServerSignature checks out only with these keys.
        let salt = STANDARD.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let v = scram_with_salt(b"pencil", &salt);
        let (head, keys) = v.rsplit_once('$').unwrap();
        assert_eq!(head, "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==");
        let (stored, server) = keys.split_once(':').unwrap();
        let auth = "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        let server_key = STANDARD.decode(server).unwrap();
        assert_eq!(
            STANDARD.encode(hmac_sha256(&server_key, auth.as_bytes())),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
        assert_eq!(stored.len(), 44);
        assert!(scram_sha256_verifier(b"pencil").unwrap() != v, "a fresh salt each time");
    }
}
