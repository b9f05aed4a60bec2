//! Cryptographic materials managers: who turns a request into materials. The default
//! manager drives a keyring; the required-encryption-context manager insists on context
//! keys; the caching manager reuses materials within limits.

mod cache;
mod caching;
mod default;
mod required;

pub use cache::{Clock, LocalCache, ManualClock, SystemClock, Usage};
pub use caching::{CachingCmm, CachingLimits, MAX_MESSAGES_LIMIT};
pub use default::DefaultCmm;
pub use required::RequiredContextCmm;

use crate::error::Result;
use crate::materials::{DecryptRequest, DecryptionMaterials, EncryptionMaterials, EncryptionRequest};

/// A cryptographic materials manager.
pub trait MaterialsManager: Send + Sync {
    /// Materials to encrypt one message.
    ///
    /// # Errors
    /// Policy violations, reserved context keys, keyring failures.
    fn get_encryption_materials(&self, request: EncryptionRequest) -> Result<EncryptionMaterials>;

    /// Materials to decrypt one message.
    ///
    /// # Errors
    /// Policy violations, context mismatches, no decryptable data key.
    fn decrypt_materials(&self, request: DecryptRequest) -> Result<DecryptionMaterials>;
}
