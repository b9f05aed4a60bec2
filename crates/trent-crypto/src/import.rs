//! Key material wrapped for import (`ImportKeyMaterial`): RSA-OAEP of the material itself, or
//! RSA-OAEP of an ephemeral AES-256 key followed by the material under AES key wrap with
//! padding (RFC 5649), which is what AWS KMS's `RSA_AES_KEY_WRAP_SHA_*` algorithms are: the
//! encrypted key material is the RSA ciphertext (one modulus long) then the wrapped material.
//!
//! Both directions live here: the server unwraps, the CLI and the tests wrap the way an
//! importer (`openssl pkeyutl` and `openssl enc -id-aes256-wrap-pad`) does.

use aws_lc_rs::key_wrap::{AES_256, AesKek, KeyWrapPadded};
use aws_lc_rs::rsa::{OaepPublicEncryptingKey, PublicEncryptingKey};

use crate::{CryptoError, KeyMaterial, OaepHash, PrivateKey, random_vec};

/// Length of the ephemeral AES key of the `RSA_AES_KEY_WRAP` scheme.
const AES_WRAP_KEY_LEN: usize = 32;

/// How key material is wrapped under an RSA wrapping key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportWrapping {
    /// RSA-OAEP of the material itself (it must fit one RSA-OAEP block).
    Oaep(OaepHash),
    /// RSA-OAEP of an ephemeral AES-256 key, then the material under AES-KWP with that key.
    RsaAesKeyWrap(OaepHash),
}

/// Recovers imported key material from `encrypted` with the wrapping private key.
///
/// # Errors
/// [`CryptoError::AuthenticationFailed`] when the bytes were not wrapped under this key with
/// this scheme; [`CryptoError::Unsupported`] for a wrapping key that is not RSA.
pub fn unwrap_imported(
    wrapping_key: &PrivateKey,
    scheme: ImportWrapping,
    encrypted: &[u8],
) -> Result<KeyMaterial, CryptoError> {
    match scheme {
        ImportWrapping::Oaep(hash) => {
            let plain = wrapping_key.oaep_decrypt(hash, encrypted)?;
            Ok(KeyMaterial::from_slice(plain.expose_secret()))
        }
        ImportWrapping::RsaAesKeyWrap(hash) => {
            let modulus = wrapping_key.rsa_modulus_len().ok_or(CryptoError::Unsupported)?;
            if encrypted.len() <= modulus {
                return Err(CryptoError::AuthenticationFailed);
            }
            let (rsa_part, wrapped) = encrypted.split_at(modulus);
            let aes_key = wrapping_key.oaep_decrypt(hash, rsa_part)?;
            if aes_key.len() != AES_WRAP_KEY_LEN {
                return Err(CryptoError::AuthenticationFailed);
            }
            let kek = AesKek::new(&AES_256, aes_key.expose_secret()).map_err(|_| CryptoError::Library)?;
            let mut out = zeroize::Zeroizing::new(vec![0u8; wrapped.len()]);
            let plain = kek.unwrap_with_padding(wrapped, &mut out).map_err(|_| CryptoError::AuthenticationFailed)?;
            Ok(KeyMaterial::from_slice(plain))
        }
    }
}

/// Wraps key material for import under a wrapping public key (DER `SubjectPublicKeyInfo`, as
/// `GetParametersForImport` returns it), as an importer does before `ImportKeyMaterial`.
///
/// # Errors
/// [`CryptoError::Malformed`] for a public key that is not RSA; [`CryptoError::Library`] for
/// material too long for RSA-OAEP alone (use [`ImportWrapping::RsaAesKeyWrap`]).
pub fn wrap_for_import(public_key_der: &[u8], scheme: ImportWrapping, material: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let public = PublicEncryptingKey::from_der(public_key_der).map_err(|_| CryptoError::Malformed)?;
    let oaep = OaepPublicEncryptingKey::new(public).map_err(|_| CryptoError::Malformed)?;
    let rsa = |hash: OaepHash, plain: &[u8]| -> Result<Vec<u8>, CryptoError> {
        let mut out = vec![0u8; oaep.ciphertext_size()];
        let n = oaep.encrypt(hash.algorithm(), plain, &mut out, None).map_err(|_| CryptoError::Library)?.len();
        out.truncate(n);
        Ok(out)
    };
    match scheme {
        ImportWrapping::Oaep(hash) => rsa(hash, material),
        ImportWrapping::RsaAesKeyWrap(hash) => {
            let aes_key = zeroize::Zeroizing::new(random_vec(AES_WRAP_KEY_LEN)?);
            let mut out = rsa(hash, &aes_key)?;
            let kek = AesKek::new(&AES_256, &aes_key).map_err(|_| CryptoError::Library)?;
            let mut wrapped = vec![0u8; material.len() + 16];
            let n = kek.wrap_with_padding(material, &mut wrapped).map_err(|_| CryptoError::Library)?.len();
            out.extend_from_slice(&wrapped[..n]);
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PrivateKeyKind, generate_private_key};

    fn wrapping_key() -> PrivateKey {
        let der = generate_private_key(PrivateKeyKind::Rsa { bits: 2048 }).expect("keygen");
        PrivateKey::from_pkcs8(PrivateKeyKind::Rsa { bits: 2048 }, der.expose_secret()).expect("parse")
    }

    #[test]
    fn every_scheme_round_trips_and_a_flipped_byte_is_refused() {
        let key = wrapping_key();
        let long = vec![7u8; 1200]; // a PKCS#8 private key is longer than one OAEP block
        for (scheme, material) in [
            (ImportWrapping::Oaep(OaepHash::Sha1), &[1u8; 32][..]),
            (ImportWrapping::Oaep(OaepHash::Sha256), &[2u8; 64][..]),
            (ImportWrapping::RsaAesKeyWrap(OaepHash::Sha1), &long[..]),
            (ImportWrapping::RsaAesKeyWrap(OaepHash::Sha256), &[3u8; 33][..]),
        ] {
            let mut wrapped = wrap_for_import(key.public_key_der(), scheme, material).expect("wrap");
            let back = unwrap_imported(&key, scheme, &wrapped).expect("unwrap");
            assert_eq!(back.expose_secret(), material, "{scheme:?}");
            let last = wrapped.len() - 1;
            wrapped[last] ^= 1;
            assert_eq!(unwrap_imported(&key, scheme, &wrapped).err(), Some(CryptoError::AuthenticationFailed));
        }
    }

    #[test]
    fn material_wrapped_by_one_scheme_does_not_open_under_another() {
        let key = wrapping_key();
        let wrapped =
            wrap_for_import(key.public_key_der(), ImportWrapping::Oaep(OaepHash::Sha256), &[9u8; 32]).expect("wrap");
        assert!(unwrap_imported(&key, ImportWrapping::Oaep(OaepHash::Sha1), &wrapped).is_err());
        assert!(unwrap_imported(&key, ImportWrapping::RsaAesKeyWrap(OaepHash::Sha256), &wrapped).is_err());
    }
}
