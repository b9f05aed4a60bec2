//! The materials a keyring fills and a materials manager returns: the data key, its
//! encrypted copies, the encryption context, the signing or verification key; the requests
//! for them; and the commitment policy that constrains which suites may be used.

use std::fmt;

use trent_crypto::DataKey;

use crate::context::EncryptionContext;
use crate::crypto::SigningKey;
use crate::error::{Error, Result};
use crate::header::EncryptedDataKey;
use crate::suite::{AES_256_GCM_HKDF_SHA384_ECDSA_P384, AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, AlgorithmSuite};

/// Which suites may be used, for encryption and for decryption.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CommitmentPolicy {
    /// Encrypt only with non-committing suites; decrypt anything (migration step 1).
    ForbidEncryptAllowDecrypt,
    /// Encrypt only with committing suites; decrypt anything (migration step 2).
    RequireEncryptAllowDecrypt,
    /// Committing suites only, both ways (the default).
    #[default]
    RequireEncryptRequireDecrypt,
}

impl fmt::Display for CommitmentPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ForbidEncryptAllowDecrypt => "FORBID_ENCRYPT_ALLOW_DECRYPT",
            Self::RequireEncryptAllowDecrypt => "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
            Self::RequireEncryptRequireDecrypt => "REQUIRE_ENCRYPT_REQUIRE_DECRYPT",
        })
    }
}

impl std::str::FromStr for CommitmentPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace('-', "_").as_str() {
            "forbid_encrypt_allow_decrypt" => Ok(Self::ForbidEncryptAllowDecrypt),
            "require_encrypt_allow_decrypt" => Ok(Self::RequireEncryptAllowDecrypt),
            "require_encrypt_require_decrypt" => Ok(Self::RequireEncryptRequireDecrypt),
            _ => Err(format!("unknown commitment policy {s:?}")),
        }
    }
}

impl CommitmentPolicy {
    /// The suite used for encryption when none is requested.
    pub fn default_suite(self) -> &'static AlgorithmSuite {
        match self {
            Self::ForbidEncryptAllowDecrypt => &AES_256_GCM_HKDF_SHA384_ECDSA_P384,
            _ => &AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
        }
    }

    /// Whether `suite` may encrypt.
    ///
    /// # Errors
    /// `CommitmentPolicy` when it may not.
    pub fn check_encrypt(self, suite: &AlgorithmSuite) -> Result<()> {
        let ok = match self {
            Self::ForbidEncryptAllowDecrypt => !suite.is_committing(),
            _ => suite.is_committing(),
        };
        if ok { Ok(()) } else { Err(Error::CommitmentPolicy { suite: suite.id, policy: self }) }
    }

    /// Whether a message of `suite` may be decrypted.
    ///
    /// # Errors
    /// `CommitmentPolicy` when it may not.
    pub fn check_decrypt(self, suite: &AlgorithmSuite) -> Result<()> {
        if self == Self::RequireEncryptRequireDecrypt && !suite.is_committing() {
            return Err(Error::CommitmentPolicy { suite: suite.id, policy: self });
        }
        Ok(())
    }
}

/// What the encryptor asks a materials manager for.
#[derive(Clone, Debug)]
pub struct EncryptionRequest {
    /// The caller's encryption context.
    pub context: EncryptionContext,
    /// A requested suite, or `None` for the policy's default.
    pub suite: Option<&'static AlgorithmSuite>,
    /// The policy in force.
    pub commitment_policy: CommitmentPolicy,
    /// The most plaintext that will be encrypted with these materials, when known (the
    /// caching manager uses it for its byte limit and bypasses its cache without it).
    pub max_plaintext_length: Option<u64>,
    /// Keys of `context` to authenticate without storing them in the header.
    pub required_context_keys: Vec<String>,
}

/// What the decryptor asks a materials manager for.
#[derive(Clone, Debug)]
pub struct DecryptRequest {
    /// The message's suite.
    pub suite: &'static AlgorithmSuite,
    /// The policy in force.
    pub commitment_policy: CommitmentPolicy,
    /// The message's encrypted data keys.
    pub edks: Vec<EncryptedDataKey>,
    /// The context stored in the header.
    pub context: EncryptionContext,
    /// The context the caller supplies at decryption time (must agree with the stored one;
    /// pairs missing from the header are authenticated only).
    pub reproduced_context: Option<EncryptionContext>,
}

/// Encryption materials: everything needed to write one message.
#[derive(Clone, Debug)]
pub struct EncryptionMaterials {
    /// The suite.
    pub suite: &'static AlgorithmSuite,
    /// The full context (the caller's, plus `aws-crypto-public-key` for signed suites).
    pub context: EncryptionContext,
    /// Keys of `context` that are authenticated but not stored.
    pub required_context_keys: Vec<String>,
    /// The plaintext data key, once a keyring made or received one.
    pub data_key: Option<DataKey>,
    /// Encrypted copies of the data key.
    pub edks: Vec<EncryptedDataKey>,
    /// The signing key of a signed suite.
    pub signing_key: Option<SigningKey>,
}

/// Decryption materials: everything needed to read one message.
#[derive(Clone, Debug)]
pub struct DecryptionMaterials {
    /// The suite.
    pub suite: &'static AlgorithmSuite,
    /// The full context (stored plus reproduced).
    pub context: EncryptionContext,
    /// Keys of `context` that the header authenticates without storing.
    pub required_context_keys: Vec<String>,
    /// The plaintext data key, once a keyring decrypted one.
    pub data_key: Option<DataKey>,
    /// The compressed public point of a signed suite.
    pub verification_key: Option<Vec<u8>>,
}
