//! Reading a header from a stream, field by field, recording the bytes it consumed.
//!
//! Checks applied here are structural only (lengths, known versions and suites, reserved
//! bytes, the encrypted-data-key limit before anything is allocated for the keys); the
//! cryptographic checks belong to the decryptor.

use std::io::Read;

use super::{ContentType, EncryptedDataKey, Header, V1_TYPE};
use crate::context::parse_context;
use crate::error::{Error, Result};
use crate::suite::{AlgorithmSuite, COMMITMENT_LEN, IV_LEN, TAG_LEN};

/// A reader that keeps a copy of everything read through it.
struct Recorder<'a, R: Read + ?Sized> {
    inner: &'a mut R,
    seen: Vec<u8>,
}

impl<R: Read + ?Sized> Recorder<'_, R> {
    fn bytes(&mut self, n: usize, what: &'static str) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        (&mut *self.inner).take(n as u64).read_to_end(&mut buf)?;
        if buf.len() != n {
            return Err(Error::Truncated(what));
        }
        self.seen.extend_from_slice(&buf);
        Ok(buf)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.bytes(1, what)?[0])
    }

    fn u16(&mut self, what: &'static str) -> Result<u16> {
        let b = self.bytes(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32> {
        let b = self.bytes(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn field(&mut self, what: &'static str) -> Result<Vec<u8>> {
        let len = self.u16(what)?;
        self.bytes(usize::from(len), what)
    }
}

/// Reads one header (body and authentication) from `input`.
///
/// # Errors
/// `Truncated`, `Malformed`, `UnsupportedVersion`, `UnsupportedSuite`, or
/// `TooManyEncryptedDataKeys` when the count exceeds `max_edks`.
pub(crate) fn read_header<R: Read + ?Sized>(input: &mut R, max_edks: Option<usize>) -> Result<Header> {
    let mut r = Recorder { inner: input, seen: Vec::with_capacity(512) };
    let version = r.u8("version")?;
    if version != 1 && version != 2 {
        return Err(Error::UnsupportedVersion(version));
    }
    if version == 1 && r.u8("message type")? != V1_TYPE {
        return Err(Error::Malformed("unknown message type"));
    }
    let suite_id = r.u16("algorithm suite")?;
    let suite = AlgorithmSuite::by_id(suite_id).ok_or(Error::UnsupportedSuite(suite_id))?;
    if suite.message_version != version {
        return Err(Error::UnsupportedSuite(suite_id));
    }
    let message_id = r.bytes(suite.message_id_len(), "message id")?;
    let aad = r.field("encryption context")?;
    let stored_context = parse_context(&aad)?;
    let count = usize::from(r.u16("encrypted data key count")?);
    if count == 0 {
        return Err(Error::Malformed("no encrypted data keys"));
    }
    if let Some(max) = max_edks
        && count > max
    {
        return Err(Error::TooManyEncryptedDataKeys { count, max });
    }
    let mut edks = Vec::with_capacity(count);
    for _ in 0..count {
        let provider_id = String::from_utf8(r.field("encrypted data key")?)
            .map_err(|_| Error::Malformed("provider id is not UTF-8"))?;
        let provider_info = r.field("encrypted data key")?;
        let ciphertext = r.field("encrypted data key")?;
        edks.push(EncryptedDataKey { provider_id, provider_info, ciphertext });
    }
    let content_type = match r.u8("content type")? {
        1 => ContentType::NonFramed,
        2 => ContentType::Framed,
        _ => return Err(Error::Malformed("unknown content type")),
    };
    if version == 1 {
        if r.bytes(4, "reserved")? != [0, 0, 0, 0] {
            return Err(Error::Malformed("reserved field is not zero"));
        }
        if usize::from(r.u8("IV length")?) != IV_LEN {
            return Err(Error::Malformed("IV length does not match the suite"));
        }
    }
    let frame_length = r.u32("frame length")?;
    match content_type {
        ContentType::NonFramed if frame_length != 0 => {
            return Err(Error::Malformed("non-framed message with a frame length"));
        }
        ContentType::Framed if frame_length == 0 => return Err(Error::Malformed("framed message with frame length 0")),
        _ => {}
    }
    let suite_data = if version == 2 { r.bytes(COMMITMENT_LEN, "algorithm suite data")? } else { Vec::new() };
    let body_bytes = std::mem::take(&mut r.seen);
    let mut auth_iv = [0u8; IV_LEN];
    if version == 1 {
        auth_iv.copy_from_slice(&r.bytes(IV_LEN, "header authentication")?);
    }
    let mut auth_tag = [0u8; TAG_LEN];
    auth_tag.copy_from_slice(&r.bytes(TAG_LEN, "header authentication")?);
    Ok(Header {
        version,
        suite,
        message_id,
        stored_context,
        edks,
        content_type,
        frame_length,
        suite_data,
        body_bytes,
        auth_iv,
        auth_tag,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY;

    fn sample() -> Header {
        let mut h = Header {
            version: 2,
            suite: &AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
            message_id: vec![7; 32],
            stored_context: [("a".to_owned(), "b".to_owned())].into_iter().collect(),
            edks: vec![EncryptedDataKey {
                provider_id: "p".into(),
                provider_info: vec![1, 2],
                ciphertext: vec![3; 40],
            }],
            content_type: ContentType::Framed,
            frame_length: 4096,
            suite_data: vec![9; 32],
            body_bytes: Vec::new(),
            auth_iv: [0; 12],
            auth_tag: [5; 16],
        };
        h.serialize_body().unwrap();
        h
    }

    #[test]
    fn v2_round_trips() {
        let h = sample();
        let mut bytes = h.body_bytes.clone();
        bytes.extend_from_slice(&h.auth_bytes());
        let back = read_header(&mut bytes.as_slice(), None).unwrap();
        assert_eq!(back.body_bytes, h.body_bytes);
        assert_eq!(back.edks, h.edks);
        assert_eq!(back.stored_context, h.stored_context);
        assert_eq!(back.auth_tag, h.auth_tag);
        assert!(matches!(
            read_header(&mut bytes.as_slice(), Some(0)),
            Err(Error::TooManyEncryptedDataKeys { count: 1, max: 0 })
        ));
        for cut in 0..bytes.len() {
            assert!(read_header(&mut &bytes[..cut], None).is_err(), "cut at {cut}");
        }
    }
}
