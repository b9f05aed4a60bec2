//! New database passwords, from the system CSPRNG.
//!
//! As AWS's rotation templates ask `GetRandomPassword` for one: 32 printable ASCII characters,
//! at least one of each included kind (lower case, upper case, digit, punctuation), without
//! the characters the database's connection strings and SQL quoting trip over.

use trent_crypto::{CryptoError, SecretBytes, fill_random};
use zeroize::Zeroize;

/// How new passwords are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Length in characters (ASCII, so bytes too).
    pub length: usize,
    /// Characters never used.
    pub exclude: String,
}

impl PasswordPolicy {
    /// AWS's PostgreSQL templates: 32 characters without `:/@"'\`.
    pub fn postgresql() -> Self {
        PasswordPolicy { length: 32, exclude: ":/@\"'\\".to_owned() }
    }

    /// AWS's MySQL and MariaDB templates: 32 characters without `/@"'\`.
    pub fn mysql() -> Self {
        PasswordPolicy { length: 32, exclude: "/@\"'\\".to_owned() }
    }

    /// A new password.
    ///
    /// # Errors
    /// [`CryptoError`] if the system CSPRNG fails.
    pub fn generate(&self) -> Result<SecretBytes, CryptoError> {
        let alphabet: Vec<u8> = (b'!'..=b'~').filter(|c| !self.exclude.as_bytes().contains(c)).collect();
        let kinds: [fn(&u8) -> bool; 4] =
            [u8::is_ascii_lowercase, u8::is_ascii_uppercase, u8::is_ascii_digit, u8::is_ascii_punctuation];
        // Kinds the alphabet still has must each appear; impossible when too short.
        let required: Vec<_> = kinds.iter().filter(|k| alphabet.iter().any(*k)).collect();
        let must_cover = self.length >= required.len();
        loop {
            let password = self.draw(&alphabet)?;
            if !must_cover || required.iter().all(|k| password.expose_secret().iter().any(**k)) {
                return Ok(password);
            }
        }
    }

    /// `length` characters drawn uniformly from `alphabet` (rejection sampling).
    fn draw(&self, alphabet: &[u8]) -> Result<SecretBytes, CryptoError> {
        let n = alphabet.len();
        let mut out = Vec::with_capacity(self.length);
        if n == 0 {
            return Ok(SecretBytes::new(out));
        }
        // The largest multiple of n below 256: bytes from it up are rejected.
        let limit = 256 - 256 % n;
        let mut pool = [0u8; 64];
        while out.len() < self.length {
            fill_random(&mut pool)?;
            for b in pool.iter().map(|b| usize::from(*b)).filter(|b| *b < limit) {
                if out.len() == self.length {
                    break;
                }
                out.push(alphabet[b % n]);
            }
        }
        pool.zeroize();
        Ok(SecretBytes::new(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_follow_the_policy() {
        for policy in [PasswordPolicy::postgresql(), PasswordPolicy::mysql()] {
            let mut seen = std::collections::HashSet::new();
            for _ in 0..200 {
                let p = policy.generate().unwrap();
                let bytes = p.expose_secret();
                assert_eq!(bytes.len(), 32);
                assert!(bytes.iter().all(|c| c.is_ascii_graphic() && !policy.exclude.as_bytes().contains(c)));
                assert!(bytes.iter().any(u8::is_ascii_lowercase));
                assert!(bytes.iter().any(u8::is_ascii_uppercase));
                assert!(bytes.iter().any(u8::is_ascii_digit));
                assert!(bytes.iter().any(u8::is_ascii_punctuation));
                assert!(seen.insert(bytes.to_vec()), "a password repeated");
            }
        }
    }

    #[test]
    fn every_allowed_character_turns_up() {
        let policy = PasswordPolicy { length: 4000, exclude: "abc".into() };
        let p = policy.generate().unwrap();
        let distinct: std::collections::HashSet<u8> = p.expose_secret().iter().copied().collect();
        assert_eq!(distinct.len(), 94 - 3);
    }

    #[test]
    fn short_and_empty_policies_terminate() {
        assert_eq!(PasswordPolicy { length: 2, exclude: String::new() }.generate().unwrap().len(), 2);
        let all: String = (b'!'..=b'~').map(char::from).collect();
        assert!(PasswordPolicy { length: 8, exclude: all }.generate().unwrap().is_empty());
    }
}
