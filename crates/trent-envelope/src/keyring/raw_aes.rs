//! The raw AES keyring: a local AES-GCM wrapping key of 128, 192 or 256 bits.
//!
//! Provider id: the key namespace. Provider info: the key name, then the tag length in bits
//! (4 bytes, 128), the IV length in bytes (4 bytes, 12) and the IV. Ciphertext: the wrapped
//! data key followed by the 16-byte tag. AAD: the serialized encryption context of the
//! materials (stored and authenticated-only pairs alike).

use trent_crypto::{DataKey, KeyMaterial};

use super::{Keyring, ensure_no_key, none_decrypted};
use crate::context::serialize_context;
use crate::crypto::{aes_key, open, random, random_data_key, seal};
use crate::error::{Error, Result};
use crate::header::EncryptedDataKey;
use crate::materials::{DecryptionMaterials, EncryptionMaterials};
use crate::suite::{IV_LEN, TAG_LEN};

/// A raw AES keyring.
#[derive(Clone)]
pub struct RawAesKeyring {
    namespace: String,
    name: String,
    key: KeyMaterial,
}

impl RawAesKeyring {
    /// A keyring for `key` (16, 24 or 32 bytes) named `namespace`/`name`.
    ///
    /// # Errors
    /// `Config` for another key length or a reserved namespace.
    pub fn new(namespace: &str, name: &str, key: KeyMaterial) -> Result<Self> {
        if ![16, 24, 32].contains(&key.len()) {
            return Err(Error::Config("a raw AES wrapping key has 16, 24 or 32 bytes".into()));
        }
        if namespace.starts_with("aws-kms") {
            return Err(Error::Config("the aws-kms namespaces are reserved".into()));
        }
        Ok(Self { namespace: namespace.to_owned(), name: name.to_owned(), key })
    }

    fn provider_info(&self, iv: &[u8]) -> Vec<u8> {
        let mut info = Vec::with_capacity(self.name.len() + 8 + IV_LEN);
        info.extend_from_slice(self.name.as_bytes());
        info.extend_from_slice(&((TAG_LEN * 8) as u32).to_be_bytes());
        info.extend_from_slice(&(IV_LEN as u32).to_be_bytes());
        info.extend_from_slice(iv);
        info
    }

    fn try_decrypt(&self, edk: &EncryptedDataKey, aad: &[u8], key_len: usize) -> Option<Result<DataKey>> {
        let name = self.name.as_bytes();
        let info = &edk.provider_info;
        if edk.provider_id != self.namespace || info.len() != name.len() + 8 + IV_LEN || !info.starts_with(name) {
            return None;
        }
        let tag_bits = u32::from_be_bytes(info[name.len()..name.len() + 4].try_into().ok()?);
        let iv_len = u32::from_be_bytes(info[name.len() + 4..name.len() + 8].try_into().ok()?);
        if tag_bits != (TAG_LEN * 8) as u32 || iv_len != IV_LEN as u32 {
            return None;
        }
        if edk.ciphertext.len() != key_len + TAG_LEN {
            return Some(Err(Error::Keyring("raw AES encrypted data key has the wrong length".into())));
        }
        let iv = &info[name.len() + 8..];
        let wrapping = match aes_key(self.key.expose_secret()) {
            Ok(k) => k,
            Err(e) => return Some(Err(e)),
        };
        let mut buf = edk.ciphertext[..key_len].to_vec();
        if open(&wrapping, iv, aad, &mut buf, &edk.ciphertext[key_len..]) {
            Some(Ok(DataKey::new(buf)))
        } else {
            Some(Err(Error::Keyring("raw AES unwrap failed".into())))
        }
    }
}

impl Keyring for RawAesKeyring {
    fn on_encrypt(&self, mut materials: EncryptionMaterials) -> Result<EncryptionMaterials> {
        if materials.data_key.is_none() {
            materials.data_key = Some(random_data_key(materials.suite)?);
        }
        let aad = serialize_context(&materials.context)?;
        let iv: [u8; IV_LEN] = random(IV_LEN)?.try_into().map_err(|_| Error::Crypto("IV"))?;
        let data_key = materials.data_key.as_ref().map(|k| k.expose_secret()).unwrap_or_default();
        let mut buf = data_key.to_vec();
        let tag = seal(&aes_key(self.key.expose_secret())?, iv, &aad, &mut buf)?;
        buf.extend_from_slice(&tag);
        materials.edks.push(EncryptedDataKey {
            provider_id: self.namespace.clone(),
            provider_info: self.provider_info(&iv),
            ciphertext: buf,
        });
        Ok(materials)
    }

    fn on_decrypt(&self, mut materials: DecryptionMaterials, edks: &[EncryptedDataKey]) -> Result<DecryptionMaterials> {
        ensure_no_key(&materials)?;
        let aad = serialize_context(&materials.context)?;
        let mut errors = Vec::new();
        for edk in edks {
            match self.try_decrypt(edk, &aad, materials.suite.data_key_len()) {
                Some(Ok(k)) => {
                    materials.data_key = Some(k);
                    return Ok(materials);
                }
                Some(Err(e)) => errors.push(e),
                None => {}
            }
        }
        Err(none_decrypted(edks, errors))
    }
}
