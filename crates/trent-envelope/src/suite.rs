//! The algorithm suites of the AWS Encryption SDK: which cipher, key derivation and signature
//! a message uses, named by the two-byte suite id in its header.
//!
//! This module owns only the table and its lookups; the cryptography lives in `crypto`.

use std::fmt;

/// How the message's content key comes from the data key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kdf {
    /// The data key is the content key (legacy suites 0x0014/0x0046/0x0078).
    Identity,
    /// HKDF-SHA256, info = suite id || message id, no salt.
    HkdfSha256,
    /// HKDF-SHA384, info = suite id || message id, no salt.
    HkdfSha384,
    /// HKDF-SHA512 with the message id as salt and a key commitment (message format 2).
    HkdfSha512Committing,
}

/// The message signature in the footer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signature {
    /// No footer.
    None,
    /// ECDSA over P-256 with SHA-256.
    EcdsaP256Sha256,
    /// ECDSA over P-384 with SHA-384.
    EcdsaP384Sha384,
}

/// One algorithm suite.
#[derive(Debug, PartialEq, Eq)]
pub struct AlgorithmSuite {
    /// The id written in the header.
    pub id: u16,
    /// AES-GCM key length in bytes (16, 24 or 32); also the data key length.
    pub key_len: usize,
    /// Key derivation.
    pub kdf: Kdf,
    /// Footer signature.
    pub signature: Signature,
    /// The message format version this suite is written with (1 or 2).
    pub message_version: u8,
}

/// AES-GCM IV length of every suite.
pub const IV_LEN: usize = 12;
/// AES-GCM tag length of every suite.
pub const TAG_LEN: usize = 16;
/// Length of the key commitment in a message format 2 header.
pub const COMMITMENT_LEN: usize = 32;

macro_rules! suite {
    ($name:ident, $id:expr, $len:expr, $kdf:ident, $sig:ident, $v:expr, $doc:literal) => {
        #[doc = $doc]
        pub const $name: AlgorithmSuite =
            AlgorithmSuite { id: $id, key_len: $len, kdf: Kdf::$kdf, signature: Signature::$sig, message_version: $v };
    };
}

suite!(AES_128_GCM_IV12_TAG16_NO_KDF, 0x0014, 16, Identity, None, 1, "0x0014: AES-128-GCM, no KDF.");
suite!(AES_192_GCM_IV12_TAG16_NO_KDF, 0x0046, 24, Identity, None, 1, "0x0046: AES-192-GCM, no KDF.");
suite!(AES_256_GCM_IV12_TAG16_NO_KDF, 0x0078, 32, Identity, None, 1, "0x0078: AES-256-GCM, no KDF.");
suite!(AES_128_GCM_HKDF_SHA256, 0x0114, 16, HkdfSha256, None, 1, "0x0114: AES-128-GCM, HKDF-SHA256.");
suite!(AES_192_GCM_HKDF_SHA256, 0x0146, 24, HkdfSha256, None, 1, "0x0146: AES-192-GCM, HKDF-SHA256.");
suite!(AES_256_GCM_HKDF_SHA256, 0x0178, 32, HkdfSha256, None, 1, "0x0178: AES-256-GCM, HKDF-SHA256.");
suite!(
    AES_128_GCM_HKDF_SHA256_ECDSA_P256,
    0x0214,
    16,
    HkdfSha256,
    EcdsaP256Sha256,
    1,
    "0x0214: AES-128-GCM, HKDF-SHA256, ECDSA P-256."
);
suite!(
    AES_192_GCM_HKDF_SHA384_ECDSA_P384,
    0x0346,
    24,
    HkdfSha384,
    EcdsaP384Sha384,
    1,
    "0x0346: AES-192-GCM, HKDF-SHA384, ECDSA P-384."
);
suite!(
    AES_256_GCM_HKDF_SHA384_ECDSA_P384,
    0x0378,
    32,
    HkdfSha384,
    EcdsaP384Sha384,
    1,
    "0x0378: AES-256-GCM, HKDF-SHA384, ECDSA P-384 (the default without key commitment)."
);
suite!(
    AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    0x0478,
    32,
    HkdfSha512Committing,
    None,
    2,
    "0x0478: AES-256-GCM, HKDF-SHA512, key commitment, unsigned."
);
suite!(
    AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    0x0578,
    32,
    HkdfSha512Committing,
    EcdsaP384Sha384,
    2,
    "0x0578: AES-256-GCM, HKDF-SHA512, key commitment, ECDSA P-384 (the default)."
);

/// Every suite, in id order.
pub const ALL_SUITES: [&AlgorithmSuite; 11] = [
    &AES_128_GCM_IV12_TAG16_NO_KDF,
    &AES_192_GCM_IV12_TAG16_NO_KDF,
    &AES_256_GCM_IV12_TAG16_NO_KDF,
    &AES_128_GCM_HKDF_SHA256,
    &AES_192_GCM_HKDF_SHA256,
    &AES_256_GCM_HKDF_SHA256,
    &AES_128_GCM_HKDF_SHA256_ECDSA_P256,
    &AES_192_GCM_HKDF_SHA384_ECDSA_P384,
    &AES_256_GCM_HKDF_SHA384_ECDSA_P384,
    &AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    &AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
];

impl AlgorithmSuite {
    /// The suite with this id, if the specification defines one.
    pub fn by_id(id: u16) -> Option<&'static AlgorithmSuite> {
        ALL_SUITES.iter().copied().find(|s| s.id == id)
    }

    /// Whether messages of this suite carry a key commitment.
    pub fn is_committing(&self) -> bool {
        self.kdf == Kdf::HkdfSha512Committing
    }

    /// Whether messages of this suite end with a signature.
    pub fn is_signed(&self) -> bool {
        self.signature != Signature::None
    }

    /// Length of the message id in this suite's message format.
    pub fn message_id_len(&self) -> usize {
        if self.message_version == 2 { 32 } else { 16 }
    }

    /// Length of the data key a keyring must produce.
    pub fn data_key_len(&self) -> usize {
        self.key_len
    }
}

impl fmt::Display for AlgorithmSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:04X}", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_found() {
        for s in ALL_SUITES {
            assert_eq!(AlgorithmSuite::by_id(s.id), Some(s));
            assert_eq!(s.message_version == 2, s.is_committing());
        }
        assert!(AlgorithmSuite::by_id(0x0479).is_none());
        assert_eq!(AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384.to_string(), "0x0578");
    }
}
