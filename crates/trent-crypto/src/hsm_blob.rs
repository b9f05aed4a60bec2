//! The ciphertext blob of a key held in an HSM (format version 1, suite 0x02). The byte
//! layout is specified in `docs/ciphertext-format.md`; keep the two in step.
//!
//! ```text
//! off  len  field
//!   0    1  format version (0x01)
//!   1    1  suite (0x02: AES-256-GCM inside the HSM)
//!   2    8  account id, u64 big-endian
//!  10   16  key id (UUID bytes)
//!  26   32  key material id (names the HSM key object, see hsm_material_id)
//!  58   12  AES-GCM IV, random per ciphertext
//!  70    n  ciphertext
//!  70+n 16  AES-GCM tag
//! ```
//!
//! The HSM encrypts with its own key (the key never leaves it, so nothing can be derived from
//! it outside); the AAD is the 70 header bytes followed by the canonical encryption context,
//! exactly as suite 0x01 binds its header and context. This module only frames: the AES-GCM
//! itself runs in the token.

use aws_lc_rs::aead::NONCE_LEN;

use crate::blob::{FORMAT_V1, SUITE_HSM_AES256GCM, TAG_LEN};
use crate::{BlobHeader, BlobSuite, CryptoError, EncryptionContext, KeyMaterialId, encode_context, parse_blob};

/// Length of the IV an HSM blob carries.
pub const HSM_IV_LEN: usize = NONCE_LEN;
const HSM_HEADER_LEN: usize = 58 + HSM_IV_LEN;
/// Bytes an HSM blob is longer than its plaintext.
pub const HSM_BLOB_OVERHEAD: usize = HSM_HEADER_LEN + TAG_LEN;

/// The material id of a key held in an HSM: HMAC-SHA256 keyed by the token object's id over
/// a fixed label. It names the object in blobs (and on the wire, as `KeyMaterialId`) without
/// being derived from key bytes, which Trent never sees.
pub fn hsm_material_id(object_id: &[u8]) -> KeyMaterialId {
    KeyMaterialId(crate::hmac_sha256(object_id, b"trent/hsm-key-material-id/v1"))
}

/// The header of a new HSM blob: what the blob starts with and what the AAD starts with.
pub fn hsm_blob_header(
    account: u64,
    key_id: [u8; 16],
    material_id: KeyMaterialId,
    iv: &[u8; HSM_IV_LEN],
) -> [u8; HSM_HEADER_LEN] {
    let mut h = [0u8; HSM_HEADER_LEN];
    h[0] = FORMAT_V1;
    h[1] = SUITE_HSM_AES256GCM;
    h[2..10].copy_from_slice(&account.to_be_bytes());
    h[10..26].copy_from_slice(&key_id);
    h[26..58].copy_from_slice(&material_id.0);
    h[58..].copy_from_slice(iv);
    h
}

/// The additional authenticated data of an HSM blob: its header, then the encoded context.
///
/// # Errors
/// [`CryptoError::ContextTooLong`] for an unencodable context.
pub fn hsm_blob_aad(header: &[u8], ctx: &EncryptionContext) -> Result<Vec<u8>, CryptoError> {
    let encoded = encode_context(ctx)?;
    let mut aad = Vec::with_capacity(header.len() + encoded.len());
    aad.extend_from_slice(header);
    aad.extend_from_slice(&encoded);
    Ok(aad)
}

/// An HSM blob taken apart for the token to open.
#[derive(Debug)]
pub struct HsmBlob<'a> {
    /// The parsed header.
    pub header: BlobHeader,
    /// The IV.
    pub iv: [u8; HSM_IV_LEN],
    /// The header bytes, the start of the AAD.
    pub header_bytes: &'a [u8],
    /// The ciphertext with its tag, as the token takes it.
    pub sealed: &'a [u8],
}

/// Reads an HSM blob.
///
/// # Errors
/// [`CryptoError::Malformed`] for a blob too short, of another version or of another suite.
pub fn parse_hsm_blob(blob: &[u8]) -> Result<HsmBlob<'_>, CryptoError> {
    let header = parse_blob(blob)?;
    if header.suite != BlobSuite::Hsm {
        return Err(CryptoError::Malformed);
    }
    let mut iv = [0u8; HSM_IV_LEN];
    iv.copy_from_slice(&blob[58..HSM_HEADER_LEN]);
    Ok(HsmBlob { header, iv, header_bytes: &blob[..HSM_HEADER_LEN], sealed: &blob[HSM_HEADER_LEN..] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hsm_blob_frames_and_parses_back() {
        let id = hsm_material_id(b"object");
        let header = hsm_blob_header(123456789012, [7; 16], id, &[9; HSM_IV_LEN]);
        let mut blob = header.to_vec();
        blob.extend_from_slice(&[1u8; 5 + TAG_LEN]);
        let parsed = parse_hsm_blob(&blob).unwrap();
        assert_eq!(parsed.header.suite, BlobSuite::Hsm);
        assert_eq!(
            (parsed.header.account, parsed.header.key_id, parsed.header.material_id),
            (123456789012, [7; 16], id)
        );
        assert_eq!(parsed.iv, [9; HSM_IV_LEN]);
        assert_eq!(parsed.header_bytes, &header[..]);
        assert_eq!(parsed.sealed.len(), 5 + TAG_LEN);
        assert_eq!(blob.len(), 5 + HSM_BLOB_OVERHEAD);
    }

    #[test]
    fn short_or_foreign_blobs_are_malformed() {
        let header = hsm_blob_header(1, [1; 16], hsm_material_id(b"o"), &[0; HSM_IV_LEN]);
        assert!(parse_hsm_blob(&header).is_err(), "no tag");
        let mut derived = header.to_vec();
        derived.extend_from_slice(&[0u8; 64]);
        derived[1] = 0x01;
        assert!(parse_hsm_blob(&derived).is_err(), "suite 0x01 is not an HSM blob");
        derived[1] = 0x03;
        assert!(parse_blob(&derived).is_err(), "unknown suite");
    }

    #[test]
    fn a_derived_opener_refuses_an_hsm_blob() {
        let mut blob = hsm_blob_header(1, [1; 16], hsm_material_id(b"o"), &[0; HSM_IV_LEN]).to_vec();
        blob.extend_from_slice(&[0u8; 200]);
        let material = crate::KeyMaterial::from_slice(&[3u8; 32]);
        let opened = crate::open_symmetric(&material, &EncryptionContext::new(), &blob);
        assert!(matches!(opened, Err(CryptoError::Malformed)));
    }

    #[test]
    fn material_ids_differ_per_object() {
        assert_ne!(hsm_material_id(b"a"), hsm_material_id(b"b"));
        assert_eq!(hsm_material_id(b"a"), hsm_material_id(b"a"));
    }
}
