//! ML-KEM (FIPS 203) key pairs: generation, the PKCS#8 and `SubjectPublicKeyInfo` encodings,
//! encapsulation and decapsulation.
//!
//! A private key is stored and handed out as AWS documents it for ML-KEM data key pairs: a
//! DER PKCS#8 `PrivateKeyInfo` whose private key is the 64-byte seed `d || z` of FIPS 203
//! `ML-KEM.KeyGen_internal` (the `seed [0]` choice of `ML-KEM-PrivateKey` in
//! draft-ietf-lamps-kyber-certificates), the same 86 bytes long for every parameter set. The
//! public key is a `SubjectPublicKeyInfo` with the NIST OIDs `id-alg-ml-kem-512/768/1024`
//! (2.16.840.1.101.3.4.4.1/2/3) and no parameters.
//!
//! aws-lc-rs 1.19 (`aws_lc_rs::kem`) encapsulates and decapsulates, but it generates keys only
//! from its own randomness and loads them only in the expanded form, so a seed is expanded by
//! RustCrypto's `ml-kem` (`DecapsulationKey::from_seed`) and the expanded key and the
//! encapsulation key are handed to aws-lc, which does every operation with them.
//!
//! Nothing here knows about KMS: callers hand bytes in and get bytes back.

use aws_lc_rs::kem::{
    Algorithm, AlgorithmId, Ciphertext, DecapsulationKey, EncapsulationKey, ML_KEM_512, ML_KEM_768, ML_KEM_1024,
};
// The expanded form is deprecated in `ml-kem` for storage; here it only carries a key from the
// seed's expansion to aws-lc, which loads no other form.
#[allow(deprecated)]
use ml_kem::ExpandedKeyEncoding as _;
use ml_kem::KeyExport as _;
use zeroize::{Zeroize as _, Zeroizing};

use crate::{CryptoError, KeyMaterial, SecretBytes, random_array};

/// An ML-KEM parameter set (FIPS 203 section 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MlKemLevel {
    /// ML-KEM-512.
    L512,
    /// ML-KEM-768.
    L768,
    /// ML-KEM-1024.
    L1024,
}

/// Every parameter set, smallest first.
pub const ML_KEM_LEVELS: [MlKemLevel; 3] = [MlKemLevel::L512, MlKemLevel::L768, MlKemLevel::L1024];

/// Length of an ML-KEM seed (`d || z`), the private key's stored form, in bytes.
pub const ML_KEM_SEED_LEN: usize = 64;

/// Length of an ML-KEM shared secret, in bytes (every parameter set).
pub const ML_KEM_SHARED_SECRET_LEN: usize = 32;

/// The DER of `id-alg-ml-kem-*` without its last arc: 2.16.840.1.101.3.4.4.
const OID_PREFIX: [u8; 10] = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04];

impl MlKemLevel {
    /// The length of an encapsulated shared secret (a ciphertext) of this parameter set.
    pub fn ciphertext_len(self) -> usize {
        match self {
            Self::L512 => 768,
            Self::L768 => 1088,
            Self::L1024 => 1568,
        }
    }

    /// The length of an encapsulation (public) key of this parameter set.
    pub fn encapsulation_key_len(self) -> usize {
        match self {
            Self::L512 => 800,
            Self::L768 => 1184,
            Self::L1024 => 1568,
        }
    }

    fn algorithm(self) -> &'static Algorithm<AlgorithmId> {
        match self {
            Self::L512 => &ML_KEM_512,
            Self::L768 => &ML_KEM_768,
            Self::L1024 => &ML_KEM_1024,
        }
    }

    /// The last arc of the parameter set's OID.
    fn oid_arc(self) -> u8 {
        match self {
            Self::L512 => 1,
            Self::L768 => 2,
            Self::L1024 => 3,
        }
    }

    /// DER `AlgorithmIdentifier` (a SEQUENCE of the OID alone: parameters are absent).
    fn algorithm_identifier(self) -> [u8; 13] {
        let mut out = [0u8; 13];
        out[..2].copy_from_slice(&[0x30, 0x0b]);
        out[2..12].copy_from_slice(&OID_PREFIX);
        out[12] = self.oid_arc();
        out
    }
}

/// The DER header of a value of `tag` holding `len` bytes (definite length, shortest form).
fn der_header(tag: u8, len: usize) -> Vec<u8> {
    let mut out = vec![tag];
    match len {
        0..=0x7f => out.push(len as u8),
        0x80..=0xff => out.extend([0x81, len as u8]),
        _ => out.extend([0x82, (len >> 8) as u8, len as u8]),
    }
    out
}

/// The seed-form PKCS#8 `PrivateKeyInfo` of `seed`: version 0, the parameter set's algorithm
/// identifier, and an OCTET STRING holding `[0] IMPLICIT OCTET STRING seed`.
fn pkcs8_of_seed(level: MlKemLevel, seed: &[u8; ML_KEM_SEED_LEN]) -> KeyMaterial {
    let mut inner = vec![0x80, ML_KEM_SEED_LEN as u8];
    inner.extend_from_slice(seed);
    let mut body = vec![0x02, 0x01, 0x00];
    body.extend_from_slice(&level.algorithm_identifier());
    body.extend(der_header(0x04, inner.len()));
    body.extend_from_slice(&inner);
    let mut out = der_header(0x30, body.len());
    out.extend_from_slice(&body);
    let key = KeyMaterial::from_slice(&out);
    inner.zeroize();
    body.zeroize();
    out.zeroize();
    key
}

/// The parameter set and seed of a seed-form ML-KEM PKCS#8 key, if `der` is exactly one.
fn seed_of_pkcs8(der: &[u8]) -> Option<(MlKemLevel, Zeroizing<[u8; ML_KEM_SEED_LEN]>)> {
    ML_KEM_LEVELS.into_iter().find_map(|level| {
        // Everything but the seed is fixed: compare the prefix a key of this level has.
        let template = pkcs8_of_seed(level, &[0; ML_KEM_SEED_LEN]);
        let prefix_len = template.len() - ML_KEM_SEED_LEN;
        if der.len() != template.len() || der[..prefix_len] != template.expose_secret()[..prefix_len] {
            return None;
        }
        let mut seed = Zeroizing::new([0u8; ML_KEM_SEED_LEN]);
        seed.copy_from_slice(&der[prefix_len..]);
        Some((level, seed))
    })
}

/// The parameter set of a seed-form ML-KEM PKCS#8 key, if `der` is one.
pub(crate) fn pkcs8_level(der: &[u8]) -> Option<MlKemLevel> {
    seed_of_pkcs8(der).map(|(level, _)| level)
}

/// The `SubjectPublicKeyInfo` of an encapsulation key of `level`.
fn spki_of(level: MlKemLevel, encapsulation_key: &[u8]) -> Vec<u8> {
    let mut bits = der_header(0x03, encapsulation_key.len() + 1);
    bits.push(0); // no unused bits
    bits.extend_from_slice(encapsulation_key);
    let mut body = level.algorithm_identifier().to_vec();
    body.extend(bits);
    let mut out = der_header(0x30, body.len());
    out.extend(body);
    out
}

/// A new ML-KEM private key of `level` from a fresh random seed, as seed-form PKCS#8 DER.
///
/// # Errors
/// [`CryptoError::Library`] if the system random generator fails.
pub(crate) fn generate(level: MlKemLevel) -> Result<KeyMaterial, CryptoError> {
    let seed = Zeroizing::new(random_array::<ML_KEM_SEED_LEN>()?);
    Ok(pkcs8_of_seed(level, &seed))
}

/// FIPS 203 `ML-KEM.KeyGen_internal(d, z)` of `seed`: the expanded decapsulation key and the
/// encapsulation key.
fn expand(level: MlKemLevel, seed: &[u8; ML_KEM_SEED_LEN]) -> (Zeroizing<Vec<u8>>, Vec<u8>) {
    macro_rules! expand_with {
        ($params:ident) => {{
            let dk = ml_kem::$params::DecapsulationKey::from_seed((*seed).into());
            #[allow(deprecated)]
            let mut expanded = dk.to_expanded_bytes();
            let out = Zeroizing::new(expanded.to_vec());
            expanded.as_mut_slice().zeroize();
            (out, dk.encapsulation_key().to_bytes().to_vec())
        }};
    }
    match level {
        MlKemLevel::L512 => expand_with!(ml_kem_512),
        MlKemLevel::L768 => expand_with!(ml_kem_768),
        MlKemLevel::L1024 => expand_with!(ml_kem_1024),
    }
}

/// A loaded ML-KEM key pair, ready to encapsulate and decapsulate.
pub(crate) struct MlKemKey {
    level: MlKemLevel,
    decapsulation: DecapsulationKey<AlgorithmId>,
    encapsulation: EncapsulationKey<AlgorithmId>,
    /// The public key as DER `SubjectPublicKeyInfo`.
    spki: Vec<u8>,
}

impl MlKemKey {
    /// Loads a seed-form PKCS#8 key that must be of `level`.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] if `der` is not a seed-form ML-KEM key of that parameter set.
    pub(crate) fn from_pkcs8(level: MlKemLevel, der: &[u8]) -> Result<Self, CryptoError> {
        let Some((found, seed)) = seed_of_pkcs8(der) else { return Err(CryptoError::Malformed) };
        if found != level {
            return Err(CryptoError::Malformed);
        }
        let (expanded, public) = expand(level, &seed);
        let decapsulation = DecapsulationKey::new(level.algorithm(), &expanded).map_err(|_| CryptoError::Malformed)?;
        let encapsulation = EncapsulationKey::new(level.algorithm(), &public).map_err(|_| CryptoError::Malformed)?;
        Ok(Self { level, decapsulation, encapsulation, spki: spki_of(level, &public) })
    }

    /// The public key, DER `SubjectPublicKeyInfo`.
    pub(crate) fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// The parameter set.
    pub(crate) fn level(&self) -> MlKemLevel {
        self.level
    }

    /// A fresh shared secret and its encapsulation (the ciphertext) under this key's public key.
    ///
    /// # Errors
    /// [`CryptoError::Library`] if aws-lc fails.
    pub(crate) fn encapsulate(&self) -> Result<(Vec<u8>, SecretBytes), CryptoError> {
        let (ciphertext, secret) = self.encapsulation.encapsulate().map_err(|_| CryptoError::Library)?;
        Ok((ciphertext.as_ref().to_vec(), SecretBytes::from_slice(secret.as_ref())))
    }

    /// The shared secret of `ciphertext`. A ciphertext of the right length always yields 32
    /// bytes: one that was not made for this key, or was altered, yields FIPS 203's implicit
    /// rejection value (pseudo-random, derived from the key's `z` and the ciphertext).
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] for a ciphertext of another length than the parameter set's;
    /// [`CryptoError::Library`] if aws-lc fails.
    pub(crate) fn decapsulate(&self, ciphertext: &[u8]) -> Result<SecretBytes, CryptoError> {
        if ciphertext.len() != self.level.ciphertext_len() {
            return Err(CryptoError::Malformed);
        }
        let secret = self.decapsulation.decapsulate(Ciphertext::from(ciphertext)).map_err(|_| CryptoError::Library)?;
        Ok(SecretBytes::from_slice(secret.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_every_level_round_trip_and_encode_as_documented() {
        for level in ML_KEM_LEVELS {
            let der = generate(level).unwrap();
            assert_eq!(der.len(), 86, "seed-form PKCS#8 has one length for every level");
            assert_eq!(pkcs8_level(der.expose_secret()), Some(level));
            let key = MlKemKey::from_pkcs8(level, der.expose_secret()).unwrap();
            let (ct, secret) = key.encapsulate().unwrap();
            assert_eq!(ct.len(), level.ciphertext_len());
            assert_eq!(secret.len(), ML_KEM_SHARED_SECRET_LEN);
            assert_eq!(key.decapsulate(&ct).unwrap().expose_secret(), secret.expose_secret());
            let spki = key.spki();
            assert_eq!(spki.len(), level.encapsulation_key_len() + 22);
            assert_eq!(&spki[6..16], &OID_PREFIX);
            assert_eq!(spki[16], level.oid_arc());
        }
    }

    #[test]
    fn an_altered_ciphertext_decapsulates_to_another_secret_and_a_short_one_is_refused() {
        let der = generate(MlKemLevel::L768).unwrap();
        let key = MlKemKey::from_pkcs8(MlKemLevel::L768, der.expose_secret()).unwrap();
        let (mut ct, secret) = key.encapsulate().unwrap();
        ct[10] ^= 1;
        let rejected = key.decapsulate(&ct).unwrap();
        assert_eq!(rejected.len(), ML_KEM_SHARED_SECRET_LEN);
        assert_ne!(rejected.expose_secret(), secret.expose_secret());
        assert_eq!(key.decapsulate(&ct).unwrap().expose_secret(), rejected.expose_secret(), "deterministic");
        assert_eq!(key.decapsulate(&ct[1..]).unwrap_err(), CryptoError::Malformed);
    }

    #[test]
    fn a_key_of_another_level_or_encoding_is_refused() {
        let der = generate(MlKemLevel::L512).unwrap();
        assert_eq!(MlKemKey::from_pkcs8(MlKemLevel::L768, der.expose_secret()).err(), Some(CryptoError::Malformed));
        let mut longer = der.expose_secret().to_vec();
        longer.push(0);
        assert_eq!(pkcs8_level(&longer), None);
        assert_eq!(pkcs8_level(b"junk"), None);
    }
}
