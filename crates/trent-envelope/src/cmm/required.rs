//! The required-encryption-context materials manager: encryption context keys that every
//! message must carry and that the header authenticates without storing, so that a
//! decryptor must supply them again.

use std::sync::Arc;

use super::MaterialsManager;
use crate::error::{Error, Result};
use crate::materials::{DecryptRequest, DecryptionMaterials, EncryptionMaterials, EncryptionRequest};

/// Wraps a manager and requires `keys` in every context.
#[derive(Clone)]
pub struct RequiredContextCmm {
    inner: Arc<dyn MaterialsManager>,
    keys: Vec<String>,
}

impl RequiredContextCmm {
    /// Requires `keys` on top of `inner`.
    pub fn new(inner: Arc<dyn MaterialsManager>, keys: Vec<String>) -> Self {
        Self { inner, keys }
    }
}

impl MaterialsManager for RequiredContextCmm {
    fn get_encryption_materials(&self, mut request: EncryptionRequest) -> Result<EncryptionMaterials> {
        for k in &self.keys {
            if !request.context.contains_key(k) {
                return Err(Error::MissingRequiredContextKey(k.clone()));
            }
            if !request.required_context_keys.contains(k) {
                request.required_context_keys.push(k.clone());
            }
        }
        let out = self.inner.get_encryption_materials(request)?;
        for k in &self.keys {
            if !out.required_context_keys.contains(k) {
                return Err(Error::MissingRequiredContextKey(k.clone()));
            }
        }
        Ok(out)
    }

    fn decrypt_materials(&self, request: DecryptRequest) -> Result<DecryptionMaterials> {
        let reproduced = request.reproduced_context.as_ref();
        for k in &self.keys {
            if !reproduced.is_some_and(|r| r.contains_key(k)) {
                return Err(Error::MissingRequiredContextKey(k.clone()));
            }
        }
        let out = self.inner.decrypt_materials(request)?;
        for k in &self.keys {
            if !out.context.contains_key(k) {
                return Err(Error::MissingRequiredContextKey(k.clone()));
            }
        }
        Ok(out)
    }
}
