//! Envelope encryption in the AWS Encryption SDK message format, byte for byte: a message
//! written here decrypts with the official SDKs and CLI, and the other way round.
//!
//! * [`encrypt_stream`] / [`decrypt_stream`] (and the one-shot [`encrypt`] / [`decrypt`])
//!   write message format 2 (format 1 for the non-committing suites) and read both, framed
//!   or not, in memory that does not grow with the message, using both cores.
//! * Materials managers: [`DefaultCmm`], [`RequiredContextCmm`], [`CachingCmm`].
//! * Keyrings: [`RawAesKeyring`], [`RawRsaKeyring`], [`KmsKeyring`] and
//!   [`KmsDiscoveryKeyring`] over any [`KmsClient`], [`HierarchicalKeyring`] with a
//!   [`FileBranchKeyStore`], and [`MultiKeyring`].
//!
//! The crate does no network I/O of its own: KMS keyrings call a [`KmsClient`], which the
//! `client` feature implements over `trent-client` ([`TrentKms`]). The byte format is in
//! `docs/envelope-format.md`.

mod cmm;
mod context;
mod crypto;
mod error;
mod header;
mod keyring;
mod kms;
mod materials;
mod stream;
mod suite;
#[cfg(feature = "client")]
mod trent_kms;

pub use cmm::{
    CachingCmm, CachingLimits, Clock, DefaultCmm, LocalCache, MAX_MESSAGES_LIMIT, ManualClock, MaterialsManager,
    RequiredContextCmm, SystemClock, Usage,
};
pub use context::{EncryptionContext, PUBLIC_KEY_FIELD, RESERVED_PREFIX, parse_context, serialize_context};
pub use crypto::SigningKey;
pub use error::{Error, Result};
pub use header::{ContentType, EncryptedDataKey, Header};
pub use keyring::{
    BranchKeyMaterials, BranchKeyStore, DiscoveryFilter, FileBranchKeyStore, HIERARCHY_PROVIDER_ID,
    HierarchicalKeyring, KMS_PROVIDER_ID, Keyring, KmsDiscoveryKeyring, KmsKeyring, MultiKeyring, RawAesKeyring,
    RawRsaKeyring, RsaPadding, pem_to_der,
};
pub use kms::{
    DecryptRequest as KmsDecryptRequest, DecryptResponse as KmsDecryptResponse, EncryptRequest as KmsEncryptRequest,
    EncryptResponse as KmsEncryptResponse, GenerateDataKeyRequest, GenerateDataKeyResponse, KmsClient, KmsError,
    is_key_arn, parse_key_arn,
};
pub use materials::{CommitmentPolicy, DecryptRequest, DecryptionMaterials, EncryptionMaterials, EncryptionRequest};
pub use stream::{
    DEFAULT_FRAME_LENGTH, DecryptOptions, EncryptOptions, MAX_FRAME_LENGTH, MessageInfo, Release, decrypt,
    decrypt_stream, default_threads, encrypt, encrypt_stream,
};
pub use suite::{ALL_SUITES, AlgorithmSuite, COMMITMENT_LEN, IV_LEN, Kdf, Signature, TAG_LEN};
#[cfg(feature = "client")]
pub use trent_kms::TrentKms;

/// The algorithm suites by name.
pub mod suites {
    pub use crate::suite::{
        AES_128_GCM_HKDF_SHA256, AES_128_GCM_HKDF_SHA256_ECDSA_P256, AES_128_GCM_IV12_TAG16_NO_KDF,
        AES_192_GCM_HKDF_SHA256, AES_192_GCM_HKDF_SHA384_ECDSA_P384, AES_192_GCM_IV12_TAG16_NO_KDF,
        AES_256_GCM_HKDF_SHA256, AES_256_GCM_HKDF_SHA384_ECDSA_P384, AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
        AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, AES_256_GCM_IV12_TAG16_NO_KDF,
    };
}

/// Reads only the header of a message (for tools that inspect messages).
///
/// # Errors
/// As the header part of `decrypt_stream`.
pub fn read_message_header(input: &mut dyn std::io::Read, max_encrypted_data_keys: Option<usize>) -> Result<Header> {
    header::read_header(input, max_encrypted_data_keys)
}
