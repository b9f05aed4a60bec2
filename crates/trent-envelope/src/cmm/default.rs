//! The default materials manager: chooses the suite, makes the signing key, hands the
//! materials to its keyring, and checks what comes back.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::MaterialsManager;
use crate::context::{PUBLIC_KEY_FIELD, RESERVED_PREFIX};
use crate::crypto::SigningKey;
use crate::error::{Error, Result};
use crate::keyring::Keyring;
use crate::materials::{DecryptRequest, DecryptionMaterials, EncryptionMaterials, EncryptionRequest};

/// The default materials manager over one keyring.
#[derive(Clone)]
pub struct DefaultCmm {
    keyring: Arc<dyn Keyring>,
}

impl DefaultCmm {
    /// A manager whose keys come from `keyring`.
    pub fn new(keyring: Arc<dyn Keyring>) -> Self {
        Self { keyring }
    }
}

impl MaterialsManager for DefaultCmm {
    fn get_encryption_materials(&self, request: EncryptionRequest) -> Result<EncryptionMaterials> {
        if let Some(k) = request.context.keys().find(|k| k.starts_with(RESERVED_PREFIX)) {
            return Err(Error::ReservedContextKey(k.clone()));
        }
        let suite = request.suite.unwrap_or_else(|| request.commitment_policy.default_suite());
        request.commitment_policy.check_encrypt(suite)?;
        let mut context = request.context;
        let signing_key = match SigningKey::generate(suite)? {
            Some((key, point)) => {
                context.insert(PUBLIC_KEY_FIELD.to_owned(), STANDARD.encode(point));
                Some(key)
            }
            None => None,
        };
        for k in &request.required_context_keys {
            if !context.contains_key(k) {
                return Err(Error::MissingRequiredContextKey(k.clone()));
            }
        }
        let materials = EncryptionMaterials {
            suite,
            context,
            required_context_keys: request.required_context_keys,
            data_key: None,
            edks: Vec::new(),
            signing_key,
        };
        let out = self.keyring.on_encrypt(materials)?;
        match &out.data_key {
            Some(k) if k.len() == suite.data_key_len() => {}
            _ => return Err(Error::Keyring("the keyring returned no data key of the suite's length".into())),
        }
        if out.edks.is_empty() {
            return Err(Error::Keyring("the keyring returned no encrypted data key".into()));
        }
        Ok(out)
    }

    fn decrypt_materials(&self, request: DecryptRequest) -> Result<DecryptionMaterials> {
        request.commitment_policy.check_decrypt(request.suite)?;
        let mut context = request.context;
        let mut required_context_keys = Vec::new();
        if let Some(reproduced) = request.reproduced_context {
            for (k, v) in reproduced {
                match context.get(&k) {
                    Some(stored) if *stored != v => return Err(Error::ContextMismatch(k)),
                    Some(_) => {}
                    None => {
                        required_context_keys.push(k.clone());
                        context.insert(k, v);
                    }
                }
            }
        }
        let verification_key = match (request.suite.is_signed(), context.get(PUBLIC_KEY_FIELD)) {
            (true, Some(v)) => {
                Some(STANDARD.decode(v).map_err(|_| Error::Malformed("aws-crypto-public-key is not base64"))?)
            }
            (true, None) => return Err(Error::Malformed("signed message without aws-crypto-public-key")),
            (false, Some(_)) => return Err(Error::Malformed("unsigned message with aws-crypto-public-key")),
            (false, None) => None,
        };
        let materials = DecryptionMaterials {
            suite: request.suite,
            context,
            required_context_keys,
            data_key: None,
            verification_key,
        };
        let out = self.keyring.on_decrypt(materials, &request.edks)?;
        match &out.data_key {
            Some(k) if k.len() == request.suite.data_key_len() => Ok(out),
            _ => Err(Error::Keyring("the keyring returned no data key of the suite's length".into())),
        }
    }
}
