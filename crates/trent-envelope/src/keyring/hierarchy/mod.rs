//! The hierarchical keyring: data keys wrapped by keys derived locally, per message, from a
//! branch key; branch keys are themselves wrapped by a KMS key and kept in a branch-key
//! store, and cached here for a time-to-live, so that most messages need no KMS call.
//!
//! Provider id `aws-kms-hierarchy`, provider info the branch key id. Ciphertext: 16-byte
//! salt, 12-byte IV, 16-byte branch key version (UUID bytes), the wrapped data key, 16-byte
//! tag. Wrapping key: NIST SP 800-108 counter-mode KDF with HMAC-SHA256 over the branch key,
//! label `aws-kms-hierarchy`, context the salt. AAD: `aws-kms-hierarchy` || branch key id ||
//! version bytes || serialized encryption context.

mod store;

pub use store::{BranchKeyMaterials, BranchKeyStore, FileBranchKeyStore};

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::digest::{self, SHA512};
use aws_lc_rs::hmac;
use zeroize::Zeroizing;

use super::{Keyring, ensure_no_key, none_decrypted};
use crate::cmm::{Clock, LocalCache, Usage};
use crate::context::serialize_context;
use crate::crypto::{aes_key, open, random, random_data_key, seal};
use crate::error::{Error, Result};
use crate::header::EncryptedDataKey;
use crate::materials::{DecryptionMaterials, EncryptionMaterials};
use crate::suite::{IV_LEN, TAG_LEN};

/// Provider id of data keys wrapped by the hierarchical keyring.
pub const HIERARCHY_PROVIDER_ID: &str = "aws-kms-hierarchy";
const SALT_LEN: usize = 16;
const VERSION_LEN: usize = 16;

/// SP 800-108 KDF in counter mode, HMAC-SHA256, one block: 32 bytes.
fn derive_wrapping_key(branch_key: &[u8], salt: &[u8]) -> Zeroizing<Vec<u8>> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, branch_key);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(&1u32.to_be_bytes());
    ctx.update(HIERARCHY_PROVIDER_ID.as_bytes());
    ctx.update(&[0]);
    ctx.update(salt);
    ctx.update(&256u32.to_be_bytes());
    Zeroizing::new(ctx.sign().as_ref().to_vec())
}

fn wrapping_aad(branch_key_id: &str, version: &[u8], context: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(17 + branch_key_id.len() + VERSION_LEN + context.len());
    aad.extend_from_slice(HIERARCHY_PROVIDER_ID.as_bytes());
    aad.extend_from_slice(branch_key_id.as_bytes());
    aad.extend_from_slice(version);
    aad.extend_from_slice(context);
    aad
}

/// The hierarchical keyring for one branch key.
pub struct HierarchicalKeyring {
    store: Arc<dyn BranchKeyStore>,
    branch_key_id: String,
    ttl: Duration,
    cache: LocalCache<BranchKeyMaterials>,
}

impl HierarchicalKeyring {
    /// A keyring for `branch_key_id` in `store`, caching up to `capacity` branch key
    /// versions for `ttl` each.
    ///
    /// # Errors
    /// `Config` for a zero TTL or a branch key id longer than 255 bytes.
    pub fn new(
        store: Arc<dyn BranchKeyStore>,
        branch_key_id: &str,
        ttl: Duration,
        capacity: usize,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        if ttl.is_zero() || branch_key_id.is_empty() || branch_key_id.len() > 255 {
            return Err(Error::Config(
                "hierarchical keyring needs a positive TTL and a branch key id of 1..255 bytes".into(),
            ));
        }
        Ok(Self { store, branch_key_id: branch_key_id.to_owned(), ttl, cache: LocalCache::new(capacity, clock) })
    }

    fn cache_id(&self, tail: &[u8], hash_id: bool) -> Vec<u8> {
        let mut id = vec![self.branch_key_id.len() as u8];
        if hash_id {
            id.extend_from_slice(digest::digest(&SHA512, self.branch_key_id.as_bytes()).as_ref());
        } else {
            id.extend_from_slice(self.branch_key_id.as_bytes());
        }
        id.push(0);
        id.extend_from_slice(tail);
        digest::digest(&SHA512, &id).as_ref()[..32].to_vec()
    }

    fn active(&self) -> Result<BranchKeyMaterials> {
        let id = self.cache_id(b"ACTIVE", true);
        if let Some(m) = self.cache.get(&id) {
            return Ok(m);
        }
        let m = self.store.get_active_branch_key(&self.branch_key_id)?;
        self.cache.put(id, m.clone(), self.ttl, Usage::default());
        Ok(m)
    }

    fn version(&self, version: &str) -> Result<BranchKeyMaterials> {
        let id = self.cache_id(version.as_bytes(), false);
        if let Some(m) = self.cache.get(&id) {
            return Ok(m);
        }
        let m = self.store.get_branch_key_version(&self.branch_key_id, version)?;
        self.cache.put(id, m.clone(), self.ttl, Usage::default());
        Ok(m)
    }

    fn unwrap(&self, edk: &EncryptedDataKey, context: &[u8], key_len: usize) -> Result<trent_crypto::DataKey> {
        let ct = &edk.ciphertext;
        if ct.len() != SALT_LEN + IV_LEN + VERSION_LEN + key_len + TAG_LEN {
            return Err(Error::Keyring("hierarchical encrypted data key has the wrong length".into()));
        }
        let (salt, rest) = ct.split_at(SALT_LEN);
        let (iv, rest) = rest.split_at(IV_LEN);
        let (version, rest) = rest.split_at(VERSION_LEN);
        let (wrapped, tag) = rest.split_at(key_len);
        let version_str = uuid::Uuid::from_slice(version)
            .map_err(|_| Error::Keyring("bad branch key version".into()))?
            .hyphenated()
            .to_string();
        let branch = self.version(&version_str)?;
        let key = aes_key(&derive_wrapping_key(branch.key.expose_secret(), salt))?;
        let mut buf = wrapped.to_vec();
        if !open(&key, iv, &wrapping_aad(&self.branch_key_id, version, context), &mut buf, tag) {
            return Err(Error::Keyring("hierarchical unwrap failed".into()));
        }
        Ok(trent_crypto::DataKey::new(buf))
    }
}

impl Keyring for HierarchicalKeyring {
    fn on_encrypt(&self, mut materials: EncryptionMaterials) -> Result<EncryptionMaterials> {
        let branch = self.active()?;
        let version = uuid::Uuid::parse_str(&branch.version)
            .map_err(|_| Error::KeyStore("branch key version is not a UUID".into()))?;
        if materials.data_key.is_none() {
            materials.data_key = Some(random_data_key(materials.suite)?);
        }
        let salt = random(SALT_LEN)?;
        let iv: [u8; IV_LEN] = random(IV_LEN)?.try_into().map_err(|_| Error::Crypto("IV"))?;
        let key = aes_key(&derive_wrapping_key(branch.key.expose_secret(), &salt))?;
        let aad = wrapping_aad(&self.branch_key_id, version.as_bytes(), &serialize_context(&materials.context)?);
        let mut wrapped = materials.data_key.as_ref().map(|k| k.expose_secret().to_vec()).unwrap_or_default();
        let tag = seal(&key, iv, &aad, &mut wrapped)?;
        let mut ciphertext = salt;
        ciphertext.extend_from_slice(&iv);
        ciphertext.extend_from_slice(version.as_bytes());
        ciphertext.extend_from_slice(&wrapped);
        ciphertext.extend_from_slice(&tag);
        materials.edks.push(EncryptedDataKey {
            provider_id: HIERARCHY_PROVIDER_ID.to_owned(),
            provider_info: self.branch_key_id.as_bytes().to_vec(),
            ciphertext,
        });
        Ok(materials)
    }

    fn on_decrypt(&self, mut materials: DecryptionMaterials, edks: &[EncryptedDataKey]) -> Result<DecryptionMaterials> {
        ensure_no_key(&materials)?;
        let context = serialize_context(&materials.context)?;
        let mut errors = Vec::new();
        for edk in edks {
            if edk.provider_id != HIERARCHY_PROVIDER_ID || edk.provider_info != self.branch_key_id.as_bytes() {
                continue;
            }
            match self.unwrap(edk, &context, materials.suite.data_key_len()) {
                Ok(k) => {
                    materials.data_key = Some(k);
                    return Ok(materials);
                }
                Err(e) => errors.push(e),
            }
        }
        Err(none_decrypted(edks, errors))
    }
}
