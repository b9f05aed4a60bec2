//! The encryption context: string pairs bound to a message, and their byte serialization
//! (the header's AAD section, the raw keyrings' AAD, the cache ids).
//!
//! Serialization of an empty context is zero bytes; otherwise a 2-byte pair count, then each
//! pair as 2-byte length + UTF-8 key, 2-byte length + UTF-8 value, sorted by the keys' UTF-8
//! bytes (which is `String`'s order). Parsing keeps the caller's maps free of duplicates.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// Prefix of the keys the SDK reserves for itself.
pub const RESERVED_PREFIX: &str = "aws-crypto-";
/// The key under which a signed message carries its verification key.
pub const PUBLIC_KEY_FIELD: &str = "aws-crypto-public-key";

/// An encryption context: sorted, unique string keys.
pub type EncryptionContext = BTreeMap<String, String>;

/// Serializes `context` (see the module docs).
///
/// # Errors
/// `ContextTooLarge` when a key, a value, the pair count or the whole does not fit 16 bits.
pub fn serialize_context(context: &EncryptionContext) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    if context.is_empty() {
        return Ok(out);
    }
    let count = u16::try_from(context.len()).map_err(|_| Error::ContextTooLarge("more than 65535 pairs"))?;
    out.extend_from_slice(&count.to_be_bytes());
    for (k, v) in context {
        for field in [k, v] {
            let len =
                u16::try_from(field.len()).map_err(|_| Error::ContextTooLarge("a key or value over 65535 bytes"))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(field.as_bytes());
        }
    }
    if out.len() > usize::from(u16::MAX) {
        return Err(Error::ContextTooLarge("serialized context over 65535 bytes"));
    }
    Ok(out)
}

/// Parses a serialized context of exactly `bytes` (the header's AAD section without its
/// length prefix). Zero bytes is the empty context.
///
/// # Errors
/// `Malformed` on a count of zero, a length past the end, invalid UTF-8, duplicate keys or
/// bytes left over.
pub fn parse_context(bytes: &[u8]) -> Result<EncryptionContext> {
    let mut map = EncryptionContext::new();
    if bytes.is_empty() {
        return Ok(map);
    }
    let mut cur = bytes;
    let count = take_u16(&mut cur)?;
    if count == 0 {
        return Err(Error::Malformed("encryption context with a pair count of zero"));
    }
    for _ in 0..count {
        let k = take_str(&mut cur)?;
        let v = take_str(&mut cur)?;
        if map.insert(k, v).is_some() {
            return Err(Error::Malformed("duplicate encryption context key"));
        }
    }
    if !cur.is_empty() {
        return Err(Error::Malformed("bytes left over in the encryption context"));
    }
    Ok(map)
}

fn take_u16(cur: &mut &[u8]) -> Result<u16> {
    if cur.len() < 2 {
        return Err(Error::Malformed("encryption context shorter than its lengths"));
    }
    let v = u16::from_be_bytes([cur[0], cur[1]]);
    *cur = &cur[2..];
    Ok(v)
}

fn take_str(cur: &mut &[u8]) -> Result<String> {
    let len = usize::from(take_u16(cur)?);
    if cur.len() < len {
        return Err(Error::Malformed("encryption context shorter than its lengths"));
    }
    let s = std::str::from_utf8(&cur[..len]).map_err(|_| Error::Malformed("encryption context is not UTF-8"))?;
    *cur = &cur[len..];
    Ok(s.to_owned())
}

/// The pairs of `context` whose keys are in `keys`.
pub(crate) fn restrict(context: &EncryptionContext, keys: &[String]) -> EncryptionContext {
    context.iter().filter(|(k, _)| keys.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The pairs of `context` whose keys are not in `keys`.
pub(crate) fn without(context: &EncryptionContext, keys: &[String]) -> EncryptionContext {
    context.iter().filter(|(k, _)| !keys.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_sorted_by_utf8_bytes() {
        let mut c = EncryptionContext::new();
        c.insert("b".into(), "2".into());
        c.insert("a".into(), "1".into());
        c.insert("é".into(), "3".into());
        let bytes = serialize_context(&c).unwrap();
        assert_eq!(&bytes[..8], &[0, 3, 0, 1, b'a', 0, 1, b'1']);
        assert_eq!(parse_context(&bytes).unwrap(), c);
        assert!(serialize_context(&EncryptionContext::new()).unwrap().is_empty());
    }

    #[test]
    fn rejects_duplicates_zero_count_and_leftovers() {
        assert!(parse_context(&[0, 0]).is_err());
        assert!(parse_context(&[0, 2, 0, 1, b'a', 0, 0, 0, 1, b'a', 0, 0]).is_err());
        assert!(parse_context(&[0, 1, 0, 1, b'a', 0, 0, 9]).is_err());
        assert!(parse_context(&[0, 1, 0, 5, b'a']).is_err());
    }
}
