//! The message header: its typed form, and its serialization byte for byte as
//! `docs/envelope-format.md` describes (version 2 written by default, version 1 for the
//! non-committing suites, both read).
//!
//! The header keeps the exact bytes it was read from or written as (`body_bytes`), because
//! the header authentication tag and the signature cover those bytes, never a re-encoding.

mod parse;

pub(crate) use parse::read_header;

use crate::context::{EncryptionContext, serialize_context};
use crate::error::{Error, Result};
use crate::suite::{AlgorithmSuite, IV_LEN, TAG_LEN};

/// One encrypted copy of the data key, as a keyring wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EncryptedDataKey {
    /// Who can decrypt it: `aws-kms`, `aws-kms-hierarchy`, or a raw keyring's namespace.
    pub provider_id: String,
    /// Which key of that provider (a KMS key ARN, a raw key name and IV, a branch key id).
    pub provider_info: Vec<u8>,
    /// The wrapped data key.
    pub ciphertext: Vec<u8>,
}

impl EncryptedDataKey {
    /// Appends the header serialization of this key (three length-prefixed fields).
    ///
    /// # Errors
    /// `Malformed` when a field is longer than 65535 bytes.
    pub fn serialize_into(&self, out: &mut Vec<u8>) -> Result<()> {
        for field in [self.provider_id.as_bytes(), &self.provider_info, &self.ciphertext] {
            let len = u16::try_from(field.len())
                .map_err(|_| Error::Malformed("encrypted data key field over 65535 bytes"))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(field);
        }
        Ok(())
    }
}

/// Whether the body is framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentType {
    /// One AES-GCM block (read only).
    NonFramed,
    /// Frames of a fixed length and a final frame.
    Framed,
}

/// A parsed or about-to-be-written header.
#[derive(Debug, Clone)]
pub struct Header {
    /// 1 or 2.
    pub version: u8,
    /// The algorithm suite.
    pub suite: &'static AlgorithmSuite,
    /// 16 bytes (version 1) or 32 bytes (version 2).
    pub message_id: Vec<u8>,
    /// The encryption context stored in the header.
    pub stored_context: EncryptionContext,
    /// The encrypted data keys.
    pub edks: Vec<EncryptedDataKey>,
    /// Framed or not.
    pub content_type: ContentType,
    /// Frame length (0 for non-framed).
    pub frame_length: u32,
    /// Version 2: the key commitment of committing suites.
    pub suite_data: Vec<u8>,
    /// The header bytes from the version byte through the last field before the
    /// authentication: what the header tag and the signature cover.
    pub body_bytes: Vec<u8>,
    /// Version 1: the IV of the header authentication (zeros when Trent writes it).
    pub auth_iv: [u8; IV_LEN],
    /// The header authentication tag.
    pub auth_tag: [u8; TAG_LEN],
}

/// The v1 message type byte: customer authenticated encrypted data.
pub(crate) const V1_TYPE: u8 = 0x80;

impl Header {
    /// Serializes every field through the suite data into `body_bytes` (the tag is filled
    /// in later by the encryptor).
    ///
    /// # Errors
    /// `ContextTooLarge`, or `Malformed` for an oversized data key field or too many keys.
    pub(crate) fn serialize_body(&mut self) -> Result<()> {
        let mut out = Vec::with_capacity(256);
        out.push(self.version);
        if self.version == 1 {
            out.push(V1_TYPE);
        }
        out.extend_from_slice(&self.suite.id.to_be_bytes());
        out.extend_from_slice(&self.message_id);
        let aad = serialize_context(&self.stored_context)?;
        out.extend_from_slice(&(aad.len() as u16).to_be_bytes());
        out.extend_from_slice(&aad);
        let count =
            u16::try_from(self.edks.len()).map_err(|_| Error::Malformed("more than 65535 encrypted data keys"))?;
        out.extend_from_slice(&count.to_be_bytes());
        for edk in &self.edks {
            edk.serialize_into(&mut out)?;
        }
        out.push(match self.content_type {
            ContentType::NonFramed => 1,
            ContentType::Framed => 2,
        });
        if self.version == 1 {
            out.extend_from_slice(&[0, 0, 0, 0]);
            out.push(IV_LEN as u8);
        }
        out.extend_from_slice(&self.frame_length.to_be_bytes());
        if self.version == 2 {
            out.extend_from_slice(&self.suite_data);
        }
        self.body_bytes = out;
        Ok(())
    }

    /// The header authentication section as written after `body_bytes`.
    pub(crate) fn auth_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(IV_LEN + TAG_LEN);
        if self.version == 1 {
            out.extend_from_slice(&self.auth_iv);
        }
        out.extend_from_slice(&self.auth_tag);
        out
    }

    /// The IV of the header authentication.
    pub(crate) fn header_iv(&self) -> [u8; IV_LEN] {
        if self.version == 1 { self.auth_iv } else { [0u8; IV_LEN] }
    }
}
