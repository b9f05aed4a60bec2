//! The canonical byte encoding of an encryption context.
//!
//! An encryption context is a map of UTF-8 strings. It is never stored in a ciphertext;
//! it is bound to it as additional authenticated data, so decryption must present exactly
//! the same map. The encoding sorts entries by key bytes so that the order in which a client
//! serialised its JSON object never matters:
//!
//! ```text
//! count:u16be || for each (key, value) sorted by key: len:u16be key len:u16be value
//! ```

use std::collections::BTreeMap;

use crate::CryptoError;

/// An encryption context: sorted, unique keys.
pub type EncryptionContext = BTreeMap<String, String>;

/// Encodes `ctx` canonically (see the module documentation).
///
/// # Errors
/// [`CryptoError::ContextTooLong`] if there are more than 65535 entries or an entry's key or
/// value is longer than 65535 bytes.
pub fn encode_context(ctx: &EncryptionContext) -> Result<Vec<u8>, CryptoError> {
    let count = u16::try_from(ctx.len()).map_err(|_| CryptoError::ContextTooLong)?;
    let size: usize = ctx.iter().map(|(k, v)| 4 + k.len() + v.len()).sum();
    let mut out = Vec::with_capacity(2 + size);
    out.extend_from_slice(&count.to_be_bytes());
    for (k, v) in ctx {
        for part in [k.as_bytes(), v.as_bytes()] {
            let len = u16::try_from(part.len()).map_err(|_| CryptoError::ContextTooLong)?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(part);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_context_is_a_zero_count() {
        assert_eq!(encode_context(&EncryptionContext::new()).unwrap(), vec![0, 0]);
    }

    #[test]
    fn encoding_is_sorted_and_length_prefixed() {
        let mut ctx = EncryptionContext::new();
        ctx.insert("b".into(), "2".into());
        ctx.insert("a".into(), "1".into());
        assert_eq!(encode_context(&ctx).unwrap(), vec![0, 2, 0, 1, b'a', 0, 1, b'1', 0, 1, b'b', 0, 1, b'2']);
    }

    #[test]
    fn a_split_pair_does_not_collide_with_a_joined_one() {
        let mut one = EncryptionContext::new();
        one.insert("ab".into(), "c".into());
        let mut two = EncryptionContext::new();
        two.insert("a".into(), "bc".into());
        assert_ne!(encode_context(&one).unwrap(), encode_context(&two).unwrap());
    }

    #[test]
    fn oversized_value_is_rejected() {
        let mut ctx = EncryptionContext::new();
        ctx.insert("k".into(), "v".repeat(70_000));
        assert_eq!(encode_context(&ctx), Err(CryptoError::ContextTooLong));
    }
}
