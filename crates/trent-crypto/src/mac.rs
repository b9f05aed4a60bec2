//! HMAC with a key of any length: `GenerateMac` and `VerifyMac`.

use aws_lc_rs::hmac;

/// The hash of an HMAC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MacHash {
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl MacHash {
    fn algorithm(self) -> hmac::Algorithm {
        match self {
            Self::Sha224 => hmac::HMAC_SHA224,
            Self::Sha256 => hmac::HMAC_SHA256,
            Self::Sha384 => hmac::HMAC_SHA384,
            Self::Sha512 => hmac::HMAC_SHA512,
        }
    }
}

/// HMAC of `message` under `key`.
pub fn hmac_tag(hash: MacHash, key: &[u8], message: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hash.algorithm(), key), message).as_ref().to_vec()
}

/// Whether `tag` is the HMAC of `message` under `key`, compared in constant time.
pub fn hmac_verify(hash: MacHash, key: &[u8], message: &[u8], tag: &[u8]) -> bool {
    hmac::verify(&hmac::Key::new(hash.algorithm(), key), message, tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2 ("Jefe").
    #[test]
    fn rfc_4231_case_2() {
        let tag = hmac_tag(MacHash::Sha256, b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(&tag), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert!(hmac_verify(MacHash::Sha256, b"Jefe", b"what do ya want for nothing?", &tag));
        assert!(!hmac_verify(MacHash::Sha256, b"Jefe", b"what do ya want for nothing!", &tag));
        let t224 = hmac_tag(MacHash::Sha224, b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(t224), "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44");
    }
}
