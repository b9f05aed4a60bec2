//! Asymmetric private keys (RSA, ECDSA, Ed25519, ML-DSA, ML-KEM): generation as PKCS#8 DER,
//! the public key as DER `SubjectPublicKeyInfo`, signatures over a message or its digest,
//! RSA-OAEP, ECDH and ML-KEM encapsulation. A [`PrivateKey`] is parsed once from its PKCS#8 bytes and kept (the key
//! cache holds it), so each operation costs only the primitive.

use aws_lc_rs::agreement;
use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::encoding::{AsBigEndian, AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{
    KeySize, OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepAlgorithm, OaepPrivateDecryptingKey,
    OaepPublicEncryptingKey, PrivateDecryptingKey,
};
use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P256K1_SHA256_ASN1,
    ECDSA_P256K1_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1, ECDSA_P384_SHA384_ASN1_SIGNING, ECDSA_P521_SHA512_ASN1,
    ECDSA_P521_SHA512_ASN1_SIGNING, EcdsaKeyPair, EcdsaSigningAlgorithm, EcdsaVerificationAlgorithm, Ed25519KeyPair,
    KeyPair as _, ML_DSA_44, ML_DSA_44_SIGNING, ML_DSA_65, ML_DSA_65_SIGNING, ML_DSA_87, ML_DSA_87_SIGNING,
    ParsedPublicKey, PqdsaKeyPair, PqdsaSigningAlgorithm, RsaKeyPair, VerificationAlgorithm,
};

use std::sync::OnceLock;

use crate::ed25519ph::Ed25519PhKey;
use crate::ml_dsa_mu::MuSigner;
use crate::ml_kem::{self, MlKemKey};
use crate::{CryptoError, EcCurve, KeyMaterial, Plaintext, PrivateKeyKind, SecretBytes};

/// An ML-DSA parameter set (FIPS 204).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MlDsaLevel {
    /// ML-DSA-44.
    L44,
    /// ML-DSA-65.
    L65,
    /// ML-DSA-87.
    L87,
}

/// A hash function of a signature scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureHash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl SignatureHash {
    fn algorithm(self) -> &'static digest::Algorithm {
        match self {
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
            Self::Sha512 => &digest::SHA512,
        }
    }

    /// The length of a digest, in bytes.
    pub fn len(self) -> usize {
        self.algorithm().output_len()
    }

    /// Always `false`: a digest has bytes (for symmetry with [`SignatureHash::len`]).
    pub fn is_empty(self) -> bool {
        false
    }
}

/// A signature scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureScheme {
    /// RSASSA-PSS, MGF1 with the same hash, salt as long as the hash.
    RsaPss(SignatureHash),
    /// RSASSA-PKCS1-v1_5.
    RsaPkcs1(SignatureHash),
    /// ECDSA, DER-encoded signature.
    Ecdsa(SignatureHash),
    /// Pure Ed25519 (RFC 8032).
    Ed25519,
    /// Ed25519ph (RFC 8032): SHA-512 of the message, signed with an empty context.
    Ed25519Ph,
    /// ML-DSA, pure mode with an empty context.
    MlDsa,
}

/// What is signed: the message, or the digest of it the caller computed.
#[derive(Clone, Copy, Debug)]
pub enum SignedInput<'a> {
    /// The message; the scheme hashes it.
    Raw(&'a [u8]),
    /// The digest of the message, exactly as long as the scheme's hash.
    Digest(&'a [u8]),
    /// ML-DSA's 64-byte message representative mu (FIPS 204 section 6.2), computed by the
    /// caller from the message and the public key.
    ExternalMu(&'a [u8]),
}

/// RSA-OAEP's hash (the MGF1 hash is the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OaepHash {
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

impl OaepHash {
    pub(crate) fn algorithm(self) -> &'static OaepAlgorithm {
        match self {
            Self::Sha1 => &OAEP_SHA1_MGF1SHA1,
            Self::Sha256 => &OAEP_SHA256_MGF1SHA256,
        }
    }
}

fn ec_signing(curve: EcCurve) -> &'static EcdsaSigningAlgorithm {
    match curve {
        EcCurve::P256 => &ECDSA_P256_SHA256_ASN1_SIGNING,
        EcCurve::P384 => &ECDSA_P384_SHA384_ASN1_SIGNING,
        EcCurve::P521 => &ECDSA_P521_SHA512_ASN1_SIGNING,
        EcCurve::Secp256k1 => &ECDSA_P256K1_SHA256_ASN1_SIGNING,
    }
}

fn ec_verification(curve: EcCurve) -> &'static EcdsaVerificationAlgorithm {
    match curve {
        EcCurve::P256 => &ECDSA_P256_SHA256_ASN1,
        EcCurve::P384 => &ECDSA_P384_SHA384_ASN1,
        EcCurve::P521 => &ECDSA_P521_SHA512_ASN1,
        EcCurve::Secp256k1 => &ECDSA_P256K1_SHA256_ASN1,
    }
}

/// The hash ECDSA uses on `curve`, as AWS KMS pairs them.
pub fn ec_hash(curve: EcCurve) -> SignatureHash {
    match curve {
        EcCurve::P256 | EcCurve::Secp256k1 => SignatureHash::Sha256,
        EcCurve::P384 => SignatureHash::Sha384,
        EcCurve::P521 => SignatureHash::Sha512,
    }
}

fn ec_agreement(curve: EcCurve) -> Option<&'static agreement::Algorithm> {
    match curve {
        EcCurve::P256 => Some(&agreement::ECDH_P256),
        EcCurve::P384 => Some(&agreement::ECDH_P384),
        EcCurve::P521 => Some(&agreement::ECDH_P521),
        EcCurve::Secp256k1 => None,
    }
}

pub(crate) fn ml_dsa_signing(level: MlDsaLevel) -> &'static PqdsaSigningAlgorithm {
    match level {
        MlDsaLevel::L44 => &ML_DSA_44_SIGNING,
        MlDsaLevel::L65 => &ML_DSA_65_SIGNING,
        MlDsaLevel::L87 => &ML_DSA_87_SIGNING,
    }
}

fn ml_dsa_verification(level: MlDsaLevel) -> &'static signature::PqdsaVerificationAlgorithm {
    match level {
        MlDsaLevel::L44 => &ML_DSA_44,
        MlDsaLevel::L65 => &ML_DSA_65,
        MlDsaLevel::L87 => &ML_DSA_87,
    }
}

fn rsa_encoding(scheme: SignatureScheme) -> Option<&'static signature::RsaSignatureEncoding> {
    use SignatureHash::*;
    Some(match scheme {
        SignatureScheme::RsaPss(Sha256) => &signature::RSA_PSS_SHA256,
        SignatureScheme::RsaPss(Sha384) => &signature::RSA_PSS_SHA384,
        SignatureScheme::RsaPss(Sha512) => &signature::RSA_PSS_SHA512,
        SignatureScheme::RsaPkcs1(Sha256) => &signature::RSA_PKCS1_SHA256,
        SignatureScheme::RsaPkcs1(Sha384) => &signature::RSA_PKCS1_SHA384,
        SignatureScheme::RsaPkcs1(Sha512) => &signature::RSA_PKCS1_SHA512,
        _ => return None,
    })
}

fn rsa_verification(scheme: SignatureScheme) -> Option<&'static signature::RsaParameters> {
    use SignatureHash::*;
    Some(match scheme {
        SignatureScheme::RsaPss(Sha256) => &signature::RSA_PSS_2048_8192_SHA256,
        SignatureScheme::RsaPss(Sha384) => &signature::RSA_PSS_2048_8192_SHA384,
        SignatureScheme::RsaPss(Sha512) => &signature::RSA_PSS_2048_8192_SHA512,
        SignatureScheme::RsaPkcs1(Sha256) => &signature::RSA_PKCS1_2048_8192_SHA256,
        SignatureScheme::RsaPkcs1(Sha384) => &signature::RSA_PKCS1_2048_8192_SHA384,
        SignatureScheme::RsaPkcs1(Sha512) => &signature::RSA_PKCS1_2048_8192_SHA512,
        _ => return None,
    })
}

fn lib<T, E>(r: Result<T, E>) -> Result<T, CryptoError> {
    r.map_err(|_| CryptoError::Library)
}

/// Generates a private key of `kind`, as PKCS#8 DER.
///
/// # Errors
/// [`CryptoError::Unsupported`] for an RSA size other than 2048, 3072 or 4096 bits;
/// [`CryptoError::Library`] if generation fails.
pub fn generate_private_key(kind: PrivateKeyKind) -> Result<KeyMaterial, CryptoError> {
    match kind {
        PrivateKeyKind::Rsa { bits } => {
            let size = match bits {
                2048 => KeySize::Rsa2048,
                3072 => KeySize::Rsa3072,
                4096 => KeySize::Rsa4096,
                _ => return Err(CryptoError::Unsupported),
            };
            let pair = lib(RsaKeyPair::generate(size))?;
            let der: Pkcs8V1Der<'_> = lib(pair.as_der())?;
            Ok(KeyMaterial::from_slice(der.as_ref()))
        }
        PrivateKeyKind::Ec(curve) => {
            let pair = lib(EcdsaKeyPair::generate(ec_signing(curve)))?;
            Ok(KeyMaterial::from_slice(lib(pair.to_pkcs8v1())?.as_ref()))
        }
        PrivateKeyKind::Ed25519 => {
            let pair = lib(Ed25519KeyPair::generate())?;
            Ok(KeyMaterial::from_slice(lib(pair.to_pkcs8v1())?.as_ref()))
        }
        PrivateKeyKind::MlDsa(level) => {
            let pair = lib(PqdsaKeyPair::generate(ml_dsa_signing(level)))?;
            Ok(KeyMaterial::from_slice(lib(pair.to_pkcs8v1())?.as_ref()))
        }
        PrivateKeyKind::MlKem(level) => ml_kem::generate(level),
    }
}

enum Inner {
    Rsa {
        pair: RsaKeyPair,
        decrypting: OaepPrivateDecryptingKey,
        encrypting: OaepPublicEncryptingKey,
    },
    Ec {
        pair: EcdsaKeyPair,
        curve: EcCurve,
        agreement: Option<agreement::PrivateKey>,
    },
    Ed25519 {
        pair: Ed25519KeyPair,
        ph: Ed25519PhKey,
    },
    /// `mu`: the key as the external-mu signer reads it, made on first use (most keys never
    /// sign a mu, and decoding the expanded key costs about as much as a signature).
    MlDsa {
        pair: PqdsaKeyPair,
        level: MlDsaLevel,
        mu: OnceLock<MuSigner>,
    },
    /// Encapsulates and decapsulates; signs and agrees nothing.
    MlKem(MlKemKey),
}

/// A parsed private key, ready to sign, decrypt or agree. Its `Debug` names only its kind.
pub struct PrivateKey {
    kind: PrivateKeyKind,
    inner: Inner,
    /// The public key as DER `SubjectPublicKeyInfo`.
    spki: Vec<u8>,
    /// The public key as the verifier of its algorithm reads it.
    public: Vec<u8>,
    /// The public key parsed for each verification algorithm of the key (see
    /// [`verifier_slot`]), on first use: parsing (point decoding and checks) is a large part
    /// of a cheap verification, so it is done once per key, as the private key's is.
    verifiers: [OnceLock<ParsedPublicKey>; VERIFIER_SLOTS],
}

/// How many verification algorithms one key may have: an RSA key's PSS and PKCS#1 v1.5 with
/// three hashes each; every other kind has one.
const VERIFIER_SLOTS: usize = 6;

/// Where a key keeps its public key parsed for `scheme` (schemes a key does not have are
/// refused before a slot is used).
fn verifier_slot(scheme: SignatureScheme) -> usize {
    let hash = |h: SignatureHash| match h {
        SignatureHash::Sha256 => 0,
        SignatureHash::Sha384 => 1,
        SignatureHash::Sha512 => 2,
    };
    match scheme {
        SignatureScheme::RsaPss(h) => hash(h),
        SignatureScheme::RsaPkcs1(h) => 3 + hash(h),
        SignatureScheme::Ecdsa(_) | SignatureScheme::Ed25519 | SignatureScheme::Ed25519Ph | SignatureScheme::MlDsa => 0,
    }
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey").field("kind", &self.kind).finish_non_exhaustive()
    }
}

fn spki_of<K: AsDer<PublicKeyX509Der<'static>>>(key: &K) -> Result<Vec<u8>, CryptoError> {
    Ok(lib(key.as_der())?.as_ref().to_vec())
}

impl PrivateKey {
    /// Parses PKCS#8 DER that must hold a key of `kind`.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] if the bytes are not a valid key of that kind.
    pub fn from_pkcs8(kind: PrivateKeyKind, der: &[u8]) -> Result<Self, CryptoError> {
        let malformed = |_| CryptoError::Malformed;
        let (inner, spki, public) = match kind {
            PrivateKeyKind::Rsa { bits } => {
                let pair = RsaKeyPair::from_pkcs8(der).map_err(malformed)?;
                if pair.public_modulus_len() * 8 != bits {
                    return Err(CryptoError::Malformed);
                }
                let decrypting = PrivateDecryptingKey::from_pkcs8(der).map_err(malformed)?;
                let encrypting = lib(OaepPublicEncryptingKey::new(decrypting.public_key()))?;
                let decrypting = lib(OaepPrivateDecryptingKey::new(decrypting))?;
                let spki = spki_of(pair.public_key())?;
                let public = pair.public_key().as_ref().to_vec();
                (Inner::Rsa { pair, decrypting, encrypting }, spki, public)
            }
            PrivateKeyKind::Ec(curve) => {
                let pair = EcdsaKeyPair::from_pkcs8(ec_signing(curve), der).map_err(malformed)?;
                let agreement = match ec_agreement(curve) {
                    Some(alg) => Some(agreement::PrivateKey::from_private_key_der(alg, der).map_err(malformed)?),
                    None => None,
                };
                let spki = spki_of(pair.public_key())?;
                let public = pair.public_key().as_ref().to_vec();
                (Inner::Ec { pair, curve, agreement }, spki, public)
            }
            PrivateKeyKind::Ed25519 => {
                let pair = Ed25519KeyPair::from_pkcs8(der).map_err(malformed)?;
                let seed = lib(lib(pair.seed())?.as_be_bytes())?;
                let ph = Ed25519PhKey::from_seed(seed.as_ref())?;
                let spki = spki_of(pair.public_key())?;
                let public = pair.public_key().as_ref().to_vec();
                if ph.public_key()[..] != public[..] {
                    return Err(CryptoError::Malformed);
                }
                (Inner::Ed25519 { pair, ph }, spki, public)
            }
            PrivateKeyKind::MlDsa(level) => {
                let pair = PqdsaKeyPair::from_pkcs8(ml_dsa_signing(level), der).map_err(malformed)?;
                let spki = spki_of(pair.public_key())?;
                let public = pair.public_key().as_ref().to_vec();
                (Inner::MlDsa { pair, level, mu: OnceLock::new() }, spki, public)
            }
            PrivateKeyKind::MlKem(level) => {
                let key = MlKemKey::from_pkcs8(level, der)?;
                let spki = key.spki().to_vec();
                (Inner::MlKem(key), spki, Vec::new())
            }
        };
        Ok(Self { kind, inner, spki, public, verifiers: Default::default() })
    }

    /// What kind of key this is.
    pub fn kind(&self) -> PrivateKeyKind {
        self.kind
    }

    /// The public key, DER `SubjectPublicKeyInfo` (what `openssl pkey -pubin` reads).
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// Signs `input` with `scheme`.
    ///
    /// # Errors
    /// [`CryptoError::Unsupported`] if the scheme is not one of this key's or does not take a
    /// digest; [`CryptoError::DigestLength`] for a digest of the wrong length;
    /// [`CryptoError::Library`] if signing fails.
    pub fn sign(&self, scheme: SignatureScheme, input: SignedInput<'_>) -> Result<Vec<u8>, CryptoError> {
        match (&self.inner, scheme) {
            (Inner::Rsa { pair, .. }, SignatureScheme::RsaPss(h) | SignatureScheme::RsaPkcs1(h)) => {
                let encoding = rsa_encoding(scheme).ok_or(CryptoError::Unsupported)?;
                let mut sig = vec![0u8; pair.public_modulus_len()];
                match input {
                    SignedInput::Raw(m) => lib(pair.sign(encoding, &SystemRandom::new(), m, &mut sig))?,
                    SignedInput::Digest(d) => lib(pair.sign_digest(encoding, &import_digest(h, d)?, &mut sig))?,
                    SignedInput::ExternalMu(_) => return Err(CryptoError::Unsupported),
                }
                Ok(sig)
            }
            (Inner::Ec { pair, curve, .. }, SignatureScheme::Ecdsa(h)) if h == ec_hash(*curve) => {
                let sig = match input {
                    SignedInput::Raw(m) => lib(pair.sign(&SystemRandom::new(), m))?,
                    SignedInput::Digest(d) => lib(pair.sign_digest(&import_digest(h, d)?))?,
                    SignedInput::ExternalMu(_) => return Err(CryptoError::Unsupported),
                };
                Ok(sig.as_ref().to_vec())
            }
            (Inner::Ed25519 { ph, .. }, SignatureScheme::Ed25519Ph) => ph.sign(input),
            (Inner::Ed25519 { pair, .. }, SignatureScheme::Ed25519) => match input {
                SignedInput::Raw(m) => Ok(lib(pair.try_sign(m))?.as_ref().to_vec()),
                SignedInput::Digest(_) | SignedInput::ExternalMu(_) => Err(CryptoError::Unsupported),
            },
            (Inner::MlDsa { pair, .. }, SignatureScheme::MlDsa) => match input {
                SignedInput::Raw(m) => {
                    let mut sig = vec![0u8; pair.algorithm().signature_len()];
                    let n = lib(pair.sign(m, &mut sig))?;
                    sig.truncate(n);
                    Ok(sig)
                }
                SignedInput::ExternalMu(mu) => self.mu_signer()?.sign(mu),
                SignedInput::Digest(_) => Err(CryptoError::Unsupported),
            },
            _ => Err(CryptoError::Unsupported),
        }
    }

    /// Verifies `sig` over `input` with `scheme`.
    ///
    /// # Errors
    /// [`CryptoError::AuthenticationFailed`] if the signature does not verify;
    /// [`CryptoError::Unsupported`] and [`CryptoError::DigestLength`] as for [`Self::sign`].
    pub fn verify(&self, scheme: SignatureScheme, input: SignedInput<'_>, sig: &[u8]) -> Result<(), CryptoError> {
        if let (Inner::Ed25519 { ph, .. }, SignatureScheme::Ed25519Ph) = (&self.inner, scheme) {
            return ph.verify(input, sig);
        }
        if let SignedInput::ExternalMu(mu) = input {
            return match (&self.inner, scheme) {
                (Inner::MlDsa { .. }, SignatureScheme::MlDsa) => self.mu_signer()?.verify(mu, sig),
                _ => Err(CryptoError::Unsupported),
            };
        }
        let (alg, hash): (&'static dyn VerificationAlgorithm, Option<SignatureHash>) = match (&self.inner, scheme) {
            (Inner::Rsa { .. }, SignatureScheme::RsaPss(h) | SignatureScheme::RsaPkcs1(h)) => {
                (rsa_verification(scheme).ok_or(CryptoError::Unsupported)?, Some(h))
            }
            (Inner::Ec { curve, .. }, SignatureScheme::Ecdsa(h)) if h == ec_hash(*curve) => {
                (ec_verification(*curve), Some(h))
            }
            (Inner::Ed25519 { .. }, SignatureScheme::Ed25519) => (&signature::ED25519, None),
            (Inner::MlDsa { level, .. }, SignatureScheme::MlDsa) => (ml_dsa_verification(*level), None),
            _ => return Err(CryptoError::Unsupported),
        };
        let slot = &self.verifiers[verifier_slot(scheme)];
        let key = match slot.get() {
            Some(key) => key,
            None => {
                let parsed = ParsedPublicKey::new(alg, &self.public).map_err(|_| CryptoError::Malformed)?;
                slot.get_or_init(|| parsed)
            }
        };
        match (input, hash) {
            (SignedInput::Raw(m), _) => key.verify_sig(m, sig).map_err(|_| CryptoError::AuthenticationFailed),
            (SignedInput::Digest(d), Some(h)) => {
                key.verify_digest_sig(&import_digest(h, d)?, sig).map_err(|_| CryptoError::AuthenticationFailed)
            }
            (SignedInput::Digest(_), None) | (SignedInput::ExternalMu(_), _) => Err(CryptoError::Unsupported),
        }
    }

    /// The external-mu signer of an ML-DSA key, made on first use.
    fn mu_signer(&self) -> Result<&MuSigner, CryptoError> {
        let Inner::MlDsa { pair, level, mu } = &self.inner else { return Err(CryptoError::Unsupported) };
        if let Some(signer) = mu.get() {
            return Ok(signer);
        }
        let signer = MuSigner::new(pair, *level)?;
        Ok(mu.get_or_init(|| signer))
    }

    /// The most plaintext bytes RSA-OAEP with `hash` encrypts under this key (`None` for a
    /// key that is not RSA).
    pub fn oaep_max_plaintext(&self, hash: OaepHash) -> Option<usize> {
        match &self.inner {
            Inner::Rsa { encrypting, .. } => Some(encrypting.max_plaintext_size(hash.algorithm())),
            _ => None,
        }
    }

    /// The RSA modulus length in bytes, which is the length of every RSA-OAEP ciphertext
    /// under this key (`None` for a key that is not RSA).
    pub fn rsa_modulus_len(&self) -> Option<usize> {
        match &self.inner {
            Inner::Rsa { pair, .. } => Some(pair.public_modulus_len()),
            _ => None,
        }
    }

    /// RSA-OAEP encryption with the public half (no label).
    ///
    /// # Errors
    /// [`CryptoError::Unsupported`] for a key that is not RSA; [`CryptoError::Library`] for a
    /// plaintext longer than [`Self::oaep_max_plaintext`].
    pub fn oaep_encrypt(&self, hash: OaepHash, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let Inner::Rsa { encrypting, .. } = &self.inner else { return Err(CryptoError::Unsupported) };
        let mut out = vec![0u8; encrypting.ciphertext_size()];
        let n = lib(encrypting.encrypt(hash.algorithm(), plaintext, &mut out, None))?.len();
        out.truncate(n);
        Ok(out)
    }

    /// RSA-OAEP decryption (no label).
    ///
    /// # Errors
    /// [`CryptoError::Unsupported`] for a key that is not RSA;
    /// [`CryptoError::AuthenticationFailed`] for a ciphertext that does not decrypt.
    pub fn oaep_decrypt(&self, hash: OaepHash, ciphertext: &[u8]) -> Result<Plaintext, CryptoError> {
        let Inner::Rsa { decrypting, .. } = &self.inner else { return Err(CryptoError::Unsupported) };
        let mut out = zeroize::Zeroizing::new(vec![0u8; decrypting.min_output_size()]);
        let plain = decrypting
            .decrypt(hash.algorithm(), ciphertext, &mut out, None)
            .map_err(|_| CryptoError::AuthenticationFailed)?;
        Ok(Plaintext::from_slice(plain))
    }

    /// ML-KEM encapsulation to this key's public key: the ciphertext and the 32-byte shared
    /// secret.
    ///
    /// # Errors
    /// [`CryptoError::Unsupported`] for a key that is not ML-KEM; [`CryptoError::Library`] if
    /// the library fails.
    pub fn encapsulate(&self) -> Result<(Vec<u8>, SecretBytes), CryptoError> {
        let Inner::MlKem(key) = &self.inner else { return Err(CryptoError::Unsupported) };
        key.encapsulate()
    }

    /// ML-KEM decapsulation: the 32-byte shared secret of `ciphertext` (implicit rejection: a
    /// ciphertext of the right length that was altered or made for another key yields a
    /// pseudo-random value, not an error).
    ///
    /// # Errors
    /// [`CryptoError::Unsupported`] for a key that is not ML-KEM; [`CryptoError::Malformed`]
    /// for a ciphertext whose length is not the parameter set's.
    pub fn decapsulate(&self, ciphertext: &[u8]) -> Result<SecretBytes, CryptoError> {
        let Inner::MlKem(key) = &self.inner else { return Err(CryptoError::Unsupported) };
        key.decapsulate(ciphertext)
    }

    /// The length of an ML-KEM ciphertext under this key (`None` for a key that is not ML-KEM).
    pub fn kem_ciphertext_len(&self) -> Option<usize> {
        match &self.inner {
            Inner::MlKem(key) => Some(key.level().ciphertext_len()),
            _ => None,
        }
    }

    /// ECDH with a peer public key (DER `SubjectPublicKeyInfo` on the same curve): the raw
    /// shared secret (the x coordinate).
    ///
    /// # Errors
    /// [`CryptoError::Unsupported`] for a key that cannot agree; [`CryptoError::Malformed`]
    /// for a peer key that is not a point of this key's curve.
    pub fn agree(&self, peer_spki: &[u8]) -> Result<SecretBytes, CryptoError> {
        let Inner::Ec { agreement: Some(private), .. } = &self.inner else { return Err(CryptoError::Unsupported) };
        let peer = agreement::UnparsedPublicKey::new(private.algorithm(), peer_spki);
        agreement::agree(private, peer, CryptoError::Malformed, |secret| Ok(SecretBytes::from_slice(secret)))
    }
}

fn import_digest(hash: SignatureHash, digest: &[u8]) -> Result<Digest, CryptoError> {
    if digest.len() != hash.len() {
        return Err(CryptoError::DigestLength { expected: hash.len(), actual: digest.len() });
    }
    lib(Digest::import_less_safe(digest, hash.algorithm()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> Vec<PrivateKeyKind> {
        vec![
            PrivateKeyKind::Rsa { bits: 2048 },
            PrivateKeyKind::Ec(EcCurve::P256),
            PrivateKeyKind::Ec(EcCurve::P384),
            PrivateKeyKind::Ec(EcCurve::P521),
            PrivateKeyKind::Ec(EcCurve::Secp256k1),
            PrivateKeyKind::Ed25519,
            PrivateKeyKind::MlDsa(MlDsaLevel::L44),
            PrivateKeyKind::MlDsa(MlDsaLevel::L65),
            PrivateKeyKind::MlDsa(MlDsaLevel::L87),
        ]
    }

    fn schemes(kind: PrivateKeyKind) -> Vec<SignatureScheme> {
        use SignatureHash::*;
        match kind {
            PrivateKeyKind::Rsa { .. } => [Sha256, Sha384, Sha512]
                .into_iter()
                .flat_map(|h| [SignatureScheme::RsaPss(h), SignatureScheme::RsaPkcs1(h)])
                .collect(),
            PrivateKeyKind::Ec(c) => vec![SignatureScheme::Ecdsa(ec_hash(c))],
            PrivateKeyKind::Ed25519 => vec![SignatureScheme::Ed25519, SignatureScheme::Ed25519Ph],
            PrivateKeyKind::MlDsa(_) => vec![SignatureScheme::MlDsa],
            PrivateKeyKind::MlKem(_) => vec![],
        }
    }

    #[test]
    fn every_kind_generates_signs_and_verifies_and_refuses_a_changed_message() {
        for kind in kinds() {
            let der = generate_private_key(kind).unwrap();
            assert_eq!(crate::pkcs8_kind(der.expose_secret()).unwrap(), kind);
            let key = PrivateKey::from_pkcs8(kind, der.expose_secret()).unwrap();
            assert!(format!("{key:?}").contains("kind"));
            for scheme in schemes(kind) {
                let sig = key.sign(scheme, SignedInput::Raw(b"message")).unwrap();
                key.verify(scheme, SignedInput::Raw(b"message"), &sig).unwrap();
                assert_eq!(
                    key.verify(scheme, SignedInput::Raw(b"messagf"), &sig),
                    Err(CryptoError::AuthenticationFailed),
                    "{kind:?} {scheme:?}"
                );
            }
        }
    }

    #[test]
    fn a_digest_signature_verifies_as_a_signature_of_the_message() {
        let kind = PrivateKeyKind::Ec(EcCurve::P384);
        let key = PrivateKey::from_pkcs8(kind, generate_private_key(kind).unwrap().expose_secret()).unwrap();
        let scheme = SignatureScheme::Ecdsa(SignatureHash::Sha384);
        let d = digest::digest(&digest::SHA384, b"message");
        let sig = key.sign(scheme, SignedInput::Digest(d.as_ref())).unwrap();
        key.verify(scheme, SignedInput::Raw(b"message"), &sig).unwrap();
        assert_eq!(
            key.sign(scheme, SignedInput::Digest(&[0; 32])).unwrap_err(),
            CryptoError::DigestLength { expected: 48, actual: 32 }
        );
        assert_eq!(
            key.sign(SignatureScheme::Ecdsa(SignatureHash::Sha256), SignedInput::Raw(b"m")).unwrap_err(),
            CryptoError::Unsupported
        );
    }

    #[test]
    fn oaep_round_trips_and_agreement_is_symmetric() {
        let kind = PrivateKeyKind::Rsa { bits: 2048 };
        let key = PrivateKey::from_pkcs8(kind, generate_private_key(kind).unwrap().expose_secret()).unwrap();
        for hash in [OaepHash::Sha1, OaepHash::Sha256] {
            let ct = key.oaep_encrypt(hash, b"secret").unwrap();
            assert_eq!(key.oaep_decrypt(hash, &ct).unwrap().expose_secret(), b"secret");
        }
        assert_eq!(key.oaep_max_plaintext(OaepHash::Sha256), Some(190));
        assert_eq!(key.oaep_max_plaintext(OaepHash::Sha1), Some(214));
        let kind = PrivateKeyKind::Ec(EcCurve::P256);
        let a = PrivateKey::from_pkcs8(kind, generate_private_key(kind).unwrap().expose_secret()).unwrap();
        let b = PrivateKey::from_pkcs8(kind, generate_private_key(kind).unwrap().expose_secret()).unwrap();
        let ab = a.agree(b.public_key_der()).unwrap();
        assert_eq!(ab.expose_secret(), b.agree(a.public_key_der()).unwrap().expose_secret());
        assert_eq!(a.agree(b"junk").unwrap_err(), CryptoError::Malformed);
    }
}
