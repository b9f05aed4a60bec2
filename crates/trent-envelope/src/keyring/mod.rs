//! Keyrings: who makes, wraps and unwraps data keys. Raw AES and raw RSA keyrings hold
//! their wrapping keys; the KMS keyrings call a `KmsClient`; the hierarchical keyring
//! derives a wrapping key per message from a branch key; the multi-keyring combines them.

mod hierarchy;
mod kms;
mod multi;
mod raw_aes;
mod raw_rsa;

pub use hierarchy::{
    BranchKeyMaterials, BranchKeyStore, FileBranchKeyStore, HIERARCHY_PROVIDER_ID, HierarchicalKeyring,
};
pub use kms::{DiscoveryFilter, KMS_PROVIDER_ID, KmsDiscoveryKeyring, KmsKeyring};
pub use multi::MultiKeyring;
pub use raw_aes::RawAesKeyring;
pub use raw_rsa::{RawRsaKeyring, RsaPadding, pem_to_der};

use crate::error::{Error, Result};
use crate::header::EncryptedDataKey;
use crate::materials::{DecryptionMaterials, EncryptionMaterials};

/// A keyring.
pub trait Keyring: Send + Sync {
    /// Adds a data key (if the materials have none) and an encrypted copy of it.
    ///
    /// # Errors
    /// Misconfiguration, KMS failures, cryptographic failures.
    fn on_encrypt(&self, materials: EncryptionMaterials) -> Result<EncryptionMaterials>;

    /// Decrypts one of `edks` into the materials, which must not hold a data key yet.
    ///
    /// # Errors
    /// `NoDecryptableKey` with what each attempt said, or misuse.
    fn on_decrypt(&self, materials: DecryptionMaterials, edks: &[EncryptedDataKey]) -> Result<DecryptionMaterials>;
}

/// The error of a keyring that found nothing to decrypt.
pub(crate) fn none_decrypted(edks: &[EncryptedDataKey], errors: Vec<Error>) -> Error {
    Error::NoDecryptableKey { edks: edks.len(), errors }
}

/// Fails when the materials already hold a data key (keyrings must not overwrite one).
pub(crate) fn ensure_no_key(materials: &DecryptionMaterials) -> Result<()> {
    if materials.data_key.is_some() {
        return Err(Error::Keyring("the decryption materials already hold a data key".into()));
    }
    Ok(())
}
