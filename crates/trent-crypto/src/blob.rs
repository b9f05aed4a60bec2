//! The symmetric ciphertext blob (format version 1). The byte layout is specified in
//! `docs/ciphertext-format.md`; keep the two in step.
//!
//! ```text
//! off  len  field
//!   0    1  format version (0x01)
//!   1    1  suite (0x01: HKDF-SHA256 -> AES-256-GCM)
//!   2    8  account id, u64 big-endian
//!  10   16  key id (UUID bytes)
//!  26   32  key material id (which backing key)
//!  58   32  HKDF salt, random per ciphertext
//!  90   12  AES-GCM nonce, random per ciphertext
//! 102    n  ciphertext
//! 102+n 16  AES-GCM tag
//! ```
//!
//! The per-ciphertext key is `HKDF-SHA256(ikm = backing key, salt, info = label || account ||
//! key id || material id)`; the AAD is the 102 header bytes followed by the canonical
//! encryption context. Every header byte is therefore authenticated, and a fresh key per
//! message lifts AES-GCM's 2^32 random-nonce limit from the backing key.
//!
//! Suite 0x02 is the blob of a key held in an HSM ([`crate::hsm_blob`]): the same first 58
//! bytes, then the IV; [`parse_blob`] reads both suites' headers, [`open_symmetric`] opens
//! suite 0x01 only.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Salt};
use zeroize::Zeroize;

use crate::{CryptoError, EncryptionContext, KeyMaterial, Plaintext, encode_context, random_array};

pub(crate) const FORMAT_V1: u8 = 0x01;
const SUITE_HKDF_AES256GCM: u8 = 0x01;
pub(crate) const SUITE_HSM_AES256GCM: u8 = 0x02;
const HEADER_LEN: usize = 102;
pub(crate) const TAG_LEN: usize = 16;
const SALT_LEN: usize = 32;
const HKDF_LABEL: &[u8] = b"trent/kms/symmetric/v1";

/// Length of a backing key for symmetric KMS keys.
pub const SYMMETRIC_KEY_LEN: usize = 32;
/// Length of a key material id.
pub const MATERIAL_ID_LEN: usize = 32;
/// Bytes a blob is longer than its plaintext.
pub const BLOB_OVERHEAD: usize = HEADER_LEN + TAG_LEN;

/// Identifies one backing key of a KMS key. Shown to clients as 64 lower-case hex digits
/// (`KeyMaterialId` in the KMS API).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct KeyMaterialId(pub [u8; MATERIAL_ID_LEN]);

impl KeyMaterialId {
    /// The 64-hex-digit form used on the wire.
    pub fn to_hex(&self) -> String {
        crate::digest::hex_lower(&self.0)
    }

    /// Parses the 64-hex-digit form (either case); `None` for anything else.
    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 2 * MATERIAL_ID_LEN || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut id = [0u8; MATERIAL_ID_LEN];
        for (byte, pair) in id.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
            let pair = std::str::from_utf8(pair).ok()?;
            *byte = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(Self(id))
    }
}

/// Derives the material id of `material`: HMAC-SHA256 keyed by the material over a fixed
/// label. It is stable (the same imported material always has the same id) and reveals
/// nothing about the material.
pub fn derive_material_id(material: &KeyMaterial) -> KeyMaterialId {
    KeyMaterialId(crate::hmac_sha256(material.expose_secret(), b"trent/key-material-id/v1"))
}

/// How a blob was made: its suite byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobSuite {
    /// `0x01`: a per-ciphertext key derived from a backing key Trent holds (HKDF-SHA256),
    /// then AES-256-GCM.
    Derived,
    /// `0x02`: AES-256-GCM inside an HSM with the key the HSM holds ([`crate::hsm_blob`]).
    Hsm,
}

/// The authenticated, self-describing header of a blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobHeader {
    /// Which suite made the blob.
    pub suite: BlobSuite,
    /// Numeric account id that owns the key.
    pub account: u64,
    /// The KMS key's UUID.
    pub key_id: [u8; 16],
    /// Which backing key encrypted this blob.
    pub material_id: KeyMaterialId,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
}

impl BlobHeader {
    fn encode(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[0] = FORMAT_V1;
        h[1] = SUITE_HKDF_AES256GCM;
        h[2..10].copy_from_slice(&self.account.to_be_bytes());
        h[10..26].copy_from_slice(&self.key_id);
        h[26..58].copy_from_slice(&self.material_id.0);
        h[58..90].copy_from_slice(&self.salt);
        h[90..102].copy_from_slice(&self.nonce);
        h
    }
}

struct Len32;
impl KeyType for Len32 {
    fn len(&self) -> usize {
        32
    }
}

fn message_key(material: &KeyMaterial, header: &BlobHeader) -> Result<LessSafeKey, CryptoError> {
    if material.len() != SYMMETRIC_KEY_LEN {
        return Err(CryptoError::KeyLength { expected: SYMMETRIC_KEY_LEN, actual: material.len() });
    }
    let account = header.account.to_be_bytes();
    let info: [&[u8]; 4] = [HKDF_LABEL, &account, &header.key_id, &header.material_id.0];
    let prk = Salt::new(HKDF_SHA256, &header.salt).extract(material.expose_secret());
    let okm = prk.expand(&info, Len32).map_err(|_| CryptoError::Library)?;
    let mut key = [0u8; 32];
    okm.fill(&mut key).map_err(|_| CryptoError::Library)?;
    let unbound = UnboundKey::new(&AES_256_GCM, &key).map_err(|_| CryptoError::Library);
    key.zeroize();
    Ok(LessSafeKey::new(unbound?))
}

fn aad(header_bytes: &[u8], ctx: &EncryptionContext) -> Result<Vec<u8>, CryptoError> {
    let encoded = encode_context(ctx)?;
    let mut aad = Vec::with_capacity(header_bytes.len() + encoded.len());
    aad.extend_from_slice(header_bytes);
    aad.extend_from_slice(&encoded);
    Ok(aad)
}

/// Encrypts `plaintext` under one backing key of a KMS key and returns the blob.
///
/// # Errors
/// [`CryptoError::KeyLength`] for material that is not 32 bytes, [`CryptoError::ContextTooLong`]
/// for an unencodable context, [`CryptoError::Library`] if the library fails.
pub fn seal_symmetric(
    account: u64,
    key_id: [u8; 16],
    material_id: KeyMaterialId,
    material: &KeyMaterial,
    ctx: &EncryptionContext,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let header = BlobHeader {
        suite: BlobSuite::Derived,
        account,
        key_id,
        material_id,
        salt: random_array()?,
        nonce: random_array()?,
    };
    let header_bytes = header.encode();
    let aad = aad(&header_bytes, ctx)?;
    let key = message_key(material, &header)?;
    let mut out = Vec::with_capacity(plaintext.len() + BLOB_OVERHEAD);
    out.extend_from_slice(&header_bytes);
    out.extend_from_slice(plaintext);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(header.nonce),
            Aad::from(&aad[..]),
            &mut out[HEADER_LEN..],
        )
        .map_err(|_| CryptoError::Library)?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// Reads the header of a blob of either suite without decrypting it, so the caller can find
/// the key.
///
/// # Errors
/// [`CryptoError::Malformed`] if the blob is too short or of an unknown version or suite.
pub fn parse_blob(blob: &[u8]) -> Result<BlobHeader, CryptoError> {
    let suite = match blob.get(..2) {
        Some([FORMAT_V1, SUITE_HKDF_AES256GCM]) if blob.len() >= BLOB_OVERHEAD => BlobSuite::Derived,
        Some([FORMAT_V1, SUITE_HSM_AES256GCM]) if blob.len() >= crate::hsm_blob::HSM_BLOB_OVERHEAD => BlobSuite::Hsm,
        _ => return Err(CryptoError::Malformed),
    };
    let mut key_id = [0u8; 16];
    key_id.copy_from_slice(&blob[10..26]);
    let mut material_id = [0u8; MATERIAL_ID_LEN];
    material_id.copy_from_slice(&blob[26..58]);
    let mut account = [0u8; 8];
    account.copy_from_slice(&blob[2..10]);
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    match suite {
        BlobSuite::Derived => {
            salt.copy_from_slice(&blob[58..90]);
            nonce.copy_from_slice(&blob[90..102]);
        }
        // The HSM suite has no salt; its IV follows the material id.
        BlobSuite::Hsm => nonce.copy_from_slice(&blob[58..70]),
    }
    Ok(BlobHeader {
        suite,
        account: u64::from_be_bytes(account),
        key_id,
        material_id: KeyMaterialId(material_id),
        salt,
        nonce,
    })
}

/// Decrypts a blob whose header was read by [`parse_blob`], with the backing key it names.
///
/// # Errors
/// [`CryptoError::Malformed`] for a malformed blob or one of the HSM suite;
/// [`CryptoError::AuthenticationFailed`] for
/// the wrong key, the wrong encryption context or any modified byte.
pub fn open_symmetric(material: &KeyMaterial, ctx: &EncryptionContext, blob: &[u8]) -> Result<Plaintext, CryptoError> {
    let header = parse_blob(blob)?;
    if header.suite != BlobSuite::Derived {
        return Err(CryptoError::Malformed);
    }
    let aad = aad(&blob[..HEADER_LEN], ctx)?;
    let key = message_key(material, &header)?;
    let mut buf = blob[HEADER_LEN..].to_vec();
    let result = key.open_in_place(Nonce::assume_unique_for_key(header.nonce), Aad::from(&aad[..]), &mut buf);
    match result {
        Ok(plain) => {
            let n = plain.len();
            buf.truncate(n);
            Ok(Plaintext::new(buf))
        }
        Err(_) => {
            buf.zeroize();
            Err(CryptoError::AuthenticationFailed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn material_ids_round_trip_through_hex_and_nothing_else_parses() {
        let id = KeyMaterialId([0xab; MATERIAL_ID_LEN]);
        assert_eq!(KeyMaterialId::from_hex(&id.to_hex()), Some(id));
        assert_eq!(KeyMaterialId::from_hex(&id.to_hex().to_uppercase()), Some(id));
        assert_eq!(KeyMaterialId::from_hex(&"g".repeat(64)), None);
        assert_eq!(KeyMaterialId::from_hex(&"a".repeat(63)), None);
        assert_eq!(KeyMaterialId::from_hex(&"é".repeat(32)), None);
        assert_eq!(KeyMaterialId::from_hex("+1".repeat(32).as_str()), None, "from_str_radix takes a sign");
    }

    fn material() -> KeyMaterial {
        KeyMaterial::from_slice(&[42u8; 32])
    }

    fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn round_trip_with_context() {
        let m = material();
        let id = derive_material_id(&m);
        let c = ctx(&[("purpose", "test")]);
        let blob = seal_symmetric(123456789012, [9; 16], id, &m, &c, b"hello").unwrap();
        assert_eq!(blob.len(), 5 + BLOB_OVERHEAD);
        let h = parse_blob(&blob).unwrap();
        assert_eq!((h.account, h.key_id, h.material_id), (123456789012, [9; 16], id));
        assert_eq!(open_symmetric(&m, &c, &blob).unwrap().expose_secret(), b"hello");
    }

    #[test]
    fn wrong_context_fails() {
        let m = material();
        let id = derive_material_id(&m);
        let blob = seal_symmetric(1, [1; 16], id, &m, &ctx(&[("a", "1")]), b"x").unwrap();
        for wrong in [ctx(&[]), ctx(&[("a", "2")]), ctx(&[("a", "1"), ("b", "1")])] {
            assert_eq!(open_symmetric(&m, &wrong, &blob).unwrap_err(), CryptoError::AuthenticationFailed);
        }
    }

    #[test]
    fn every_flipped_bit_fails() {
        let m = material();
        let id = derive_material_id(&m);
        let blob = seal_symmetric(7, [3; 16], id, &m, &ctx(&[]), b"sixteen byte msg").unwrap();
        for i in 0..blob.len() * 8 {
            let mut t = blob.clone();
            t[i / 8] ^= 1 << (i % 8);
            assert!(open_symmetric(&m, &ctx(&[]), &t).is_err(), "bit {i} not detected");
        }
    }

    #[test]
    fn truncation_is_malformed_or_fails() {
        let m = material();
        let id = derive_material_id(&m);
        let blob = seal_symmetric(7, [3; 16], id, &m, &ctx(&[]), b"abc").unwrap();
        for n in 0..blob.len() {
            assert!(open_symmetric(&m, &ctx(&[]), &blob[..n]).is_err(), "len {n}");
        }
    }

    #[test]
    fn same_plaintext_encrypts_differently_each_time() {
        let m = material();
        let id = derive_material_id(&m);
        let a = seal_symmetric(7, [3; 16], id, &m, &ctx(&[]), b"abc").unwrap();
        let b = seal_symmetric(7, [3; 16], id, &m, &ctx(&[]), b"abc").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn material_id_is_stable_and_hex() {
        let id = derive_material_id(&material());
        assert_eq!(id, derive_material_id(&material()));
        assert_eq!(id.to_hex().len(), 64);
        assert!(id.to_hex().chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}
