//! The caching materials manager: data keys reused across messages within a maximum age,
//! a maximum number of messages and a maximum number of bytes, as the specification's
//! caching CMM says:
//!
//! * encryption bypasses the cache when the suite has an identity KDF or the plaintext
//!   length is unknown, or when that length alone exceeds the byte limit;
//! * a cache hit adds one message and the plaintext length to the entry's usage; the entry
//!   is used only if the new totals are within `max_messages` and `max_bytes`, else it is
//!   evicted and the request is a miss;
//! * a miss asks the underlying manager with `max_plaintext_length = max_bytes` and stores
//!   the result with usage (1 message, plaintext length) and time-to-live `max_age`;
//! * entry ids follow Appendix A of the specification (SHA-512 over the partition, suite,
//!   encryption context and, for decryption, the sorted data-key hashes). Trent also hashes
//!   the reproduced context into decryption ids, so that a wrong reproduced value can never
//!   hit an entry made with the right one.

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::digest::{self, SHA512};

use super::MaterialsManager;
use super::cache::{LocalCache, Usage};
use crate::context::serialize_context;
use crate::error::{Error, Result};
use crate::materials::{DecryptRequest, DecryptionMaterials, EncryptionMaterials, EncryptionRequest};
use crate::suite::Kdf;

/// The reuse limits of a caching manager.
#[derive(Clone, Copy, Debug)]
pub struct CachingLimits {
    /// How long a data key may be used after it was made (must be positive).
    pub max_age: Duration,
    /// Messages per data key, 1..=2^32 (default 2^32).
    pub max_messages: u64,
    /// Plaintext bytes per data key (default 2^63 - 1).
    pub max_bytes: u64,
}

/// Default and maximum of `max_messages`.
pub const MAX_MESSAGES_LIMIT: u64 = 1 << 32;

impl CachingLimits {
    /// Limits with only a maximum age; the others at their defaults.
    pub fn with_max_age(max_age: Duration) -> Self {
        Self { max_age, max_messages: MAX_MESSAGES_LIMIT, max_bytes: i64::MAX as u64 }
    }
}

#[derive(Clone)]
enum Cached {
    Encrypt(EncryptionMaterials),
    Decrypt(DecryptionMaterials),
}

/// A materials manager that caches its underlying manager's answers.
pub struct CachingCmm {
    inner: Arc<dyn MaterialsManager>,
    cache: Arc<LocalCache<Cached>>,
    partition_hash: Vec<u8>,
    limits: CachingLimits,
}

impl CachingCmm {
    /// Caches `inner`'s materials in a new cache of `capacity` entries.
    ///
    /// # Errors
    /// `Config` when a limit is out of range.
    pub fn new(
        inner: Arc<dyn MaterialsManager>,
        capacity: usize,
        limits: CachingLimits,
        clock: Arc<dyn super::Clock>,
    ) -> Result<Self> {
        if limits.max_age.is_zero() {
            return Err(Error::Config("the caching max age must be positive".into()));
        }
        if limits.max_messages == 0 || limits.max_messages > MAX_MESSAGES_LIMIT {
            return Err(Error::Config("max messages must be between 1 and 2^32".into()));
        }
        let partition = uuid::Uuid::new_v4().to_string();
        Ok(Self {
            inner,
            cache: Arc::new(LocalCache::new(capacity, clock)),
            partition_hash: digest::digest(&SHA512, partition.as_bytes()).as_ref().to_vec(),
            limits,
        })
    }

    /// Number of cache entries (for tests and metrics).
    pub fn cached_entries(&self) -> usize {
        self.cache.len()
    }

    fn within(&self, u: Usage) -> bool {
        u.messages <= self.limits.max_messages && u.bytes <= self.limits.max_bytes
    }
}

fn sha512(bytes: &[u8]) -> digest::Digest {
    digest::digest(&SHA512, bytes)
}

impl MaterialsManager for CachingCmm {
    fn get_encryption_materials(&self, request: EncryptionRequest) -> Result<EncryptionMaterials> {
        let identity = request.suite.is_some_and(|s| s.kdf == Kdf::Identity);
        let Some(length) = request.max_plaintext_length.filter(|_| !identity) else {
            return self.inner.get_encryption_materials(request);
        };
        if length > self.limits.max_bytes {
            return self.inner.get_encryption_materials(request);
        }
        let mut id = self.partition_hash.clone();
        match request.suite {
            None => id.push(0),
            Some(s) => {
                id.push(1);
                id.extend_from_slice(&s.id.to_be_bytes());
            }
        }
        id.extend_from_slice(sha512(&serialize_context(&request.context)?).as_ref());
        if !request.required_context_keys.is_empty() {
            id.extend_from_slice(sha512(request.required_context_keys.join("\0").as_bytes()).as_ref());
        }
        let id = sha512(&id).as_ref().to_vec();
        let usage = Usage { messages: 1, bytes: length };
        if let Some(Cached::Encrypt(m)) = self.cache.get_and_use(&id, usage, |u| self.within(u)) {
            return Ok(m);
        }
        let policy = request.commitment_policy;
        let inner_request = EncryptionRequest { max_plaintext_length: Some(self.limits.max_bytes), ..request };
        let materials = self.inner.get_encryption_materials(inner_request)?;
        policy.check_encrypt(materials.suite)?;
        if materials.suite.kdf != Kdf::Identity && self.within(usage) {
            self.cache.put(id, Cached::Encrypt(materials.clone()), self.limits.max_age, usage);
        }
        Ok(materials)
    }

    fn decrypt_materials(&self, request: DecryptRequest) -> Result<DecryptionMaterials> {
        if request.suite.kdf == Kdf::Identity {
            return self.inner.decrypt_materials(request);
        }
        let mut id = self.partition_hash.clone();
        id.extend_from_slice(&request.suite.id.to_be_bytes());
        let mut hashes = Vec::with_capacity(request.edks.len());
        for edk in &request.edks {
            let mut ser = Vec::new();
            edk.serialize_into(&mut ser)?;
            hashes.push(sha512(&ser).as_ref().to_vec());
        }
        hashes.sort();
        for h in hashes {
            id.extend_from_slice(&h);
        }
        id.extend_from_slice(&[0u8; 64]);
        id.extend_from_slice(sha512(&serialize_context(&request.context)?).as_ref());
        if let Some(r) = &request.reproduced_context {
            id.push(1);
            id.extend_from_slice(sha512(&serialize_context(r)?).as_ref());
        }
        let id = sha512(&id).as_ref().to_vec();
        if let Some(Cached::Decrypt(m)) = self.cache.get(&id) {
            return Ok(m);
        }
        let materials = self.inner.decrypt_materials(request)?;
        self.cache.put(id, Cached::Decrypt(materials.clone()), self.limits.max_age, Usage::default());
        Ok(materials)
    }
}
