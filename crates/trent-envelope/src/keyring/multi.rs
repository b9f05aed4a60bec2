//! The multi-keyring: an optional generator that makes the data key, and children that each
//! add an encrypted copy; decryption tries them in order until one succeeds.

use std::sync::Arc;

use super::{Keyring, ensure_no_key, none_decrypted};
use crate::error::{Error, Result};
use crate::header::EncryptedDataKey;
use crate::materials::{DecryptionMaterials, EncryptionMaterials};

/// A keyring made of keyrings.
#[derive(Clone)]
pub struct MultiKeyring {
    generator: Option<Arc<dyn Keyring>>,
    children: Vec<Arc<dyn Keyring>>,
}

impl MultiKeyring {
    /// A multi-keyring; without a generator, encryption needs materials with a data key.
    ///
    /// # Errors
    /// `Config` when there is neither a generator nor a child.
    pub fn new(generator: Option<Arc<dyn Keyring>>, children: Vec<Arc<dyn Keyring>>) -> Result<Self> {
        if generator.is_none() && children.is_empty() {
            return Err(Error::Config("a multi-keyring needs a generator or a child".into()));
        }
        Ok(Self { generator, children })
    }
}

impl Keyring for MultiKeyring {
    fn on_encrypt(&self, mut materials: EncryptionMaterials) -> Result<EncryptionMaterials> {
        match &self.generator {
            Some(g) => {
                materials = g.on_encrypt(materials)?;
                if materials.data_key.is_none() {
                    return Err(Error::Keyring("the generator keyring made no data key".into()));
                }
            }
            None if materials.data_key.is_none() => {
                return Err(Error::Keyring("a multi-keyring without a generator needs a data key".into()));
            }
            None => {}
        }
        for child in &self.children {
            materials = child.on_encrypt(materials)?;
        }
        Ok(materials)
    }

    fn on_decrypt(&self, materials: DecryptionMaterials, edks: &[EncryptedDataKey]) -> Result<DecryptionMaterials> {
        ensure_no_key(&materials)?;
        let mut errors = Vec::new();
        for k in self.generator.iter().chain(self.children.iter()) {
            match k.on_decrypt(materials.clone(), edks) {
                Ok(m) if m.data_key.is_some() => return Ok(m),
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
        Err(none_decrypted(edks, errors))
    }
}
