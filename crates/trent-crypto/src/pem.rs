//! Private keys from PEM: RSA (PKCS#8 or PKCS#1), elliptic-curve (PKCS#8 or SEC1), Ed25519
//! and ML-KEM (seed-form PKCS#8). Used to import fixed key material (seed files, imported
//! keys): the key is parsed by aws-lc-rs (an ML-KEM key by its fixed encoding) to prove it is a
//! valid key of the claimed kind, and normalised to PKCS#8 DER for storage.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P256K1_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING,
    ECDSA_P521_SHA512_ASN1_SIGNING, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, PqdsaKeyPair, RsaKeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::asymmetric::ml_dsa_signing;
use crate::{CryptoError, KeyMaterial, MlDsaLevel};

/// An elliptic curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcCurve {
    /// NIST P-256.
    P256,
    /// NIST P-384.
    P384,
    /// NIST P-521.
    P521,
    /// secp256k1.
    Secp256k1,
}

/// What kind of private key a PEM held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivateKeyKind {
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// Modulus size.
        bits: usize,
    },
    /// ECDSA on a curve.
    Ec(EcCurve),
    /// Ed25519.
    Ed25519,
    /// ML-DSA.
    MlDsa(crate::MlDsaLevel),
    /// ML-KEM (seed-form PKCS#8).
    MlKem(crate::MlKemLevel),
}

const CURVES: [(EcCurve, &EcdsaSigningAlgorithm); 4] = [
    (EcCurve::P256, &ECDSA_P256_SHA256_ASN1_SIGNING),
    (EcCurve::P384, &ECDSA_P384_SHA384_ASN1_SIGNING),
    (EcCurve::P521, &ECDSA_P521_SHA512_ASN1_SIGNING),
    (EcCurve::Secp256k1, &ECDSA_P256K1_SHA256_ASN1_SIGNING),
];

/// Decodes the first PEM block of `text`: its label and DER bytes.
fn pem_block(text: &str) -> Result<(String, Zeroizing<Vec<u8>>), CryptoError> {
    let start = text.find("-----BEGIN ").ok_or(CryptoError::Malformed)?;
    let rest = &text[start + "-----BEGIN ".len()..];
    let label_end = rest.find("-----").ok_or(CryptoError::Malformed)?;
    let label = rest[..label_end].to_owned();
    let body_start = label_end + 5;
    let end_marker = format!("-----END {label}-----");
    let body_end = rest.find(&end_marker).ok_or(CryptoError::Malformed)?;
    let body: Zeroizing<String> =
        Zeroizing::new(rest[body_start..body_end].chars().filter(|c| !c.is_whitespace()).collect());
    let der = STANDARD.decode(body.as_bytes()).map_err(|_| CryptoError::Malformed)?;
    Ok((label, Zeroizing::new(der)))
}

fn ec_from_der(der: &[u8]) -> Option<(EcCurve, KeyMaterial)> {
    CURVES.iter().find_map(|(curve, alg)| {
        let pair = EcdsaKeyPair::from_private_key_der(alg, der).ok()?;
        let pkcs8 = pair.to_pkcs8v1().ok()?;
        Some((*curve, KeyMaterial::from_slice(pkcs8.as_ref())))
    })
}

fn rsa_pkcs8(pair: &RsaKeyPair) -> Result<(PrivateKeyKind, KeyMaterial), CryptoError> {
    let der: aws_lc_rs::encoding::Pkcs8V1Der<'_> = pair.as_der().map_err(|_| CryptoError::Library)?;
    Ok((PrivateKeyKind::Rsa { bits: pair.public_modulus_len() * 8 }, KeyMaterial::from_slice(der.as_ref())))
}

/// Parses a PEM private key, returning its kind and its PKCS#8 DER encoding.
///
/// # Errors
/// [`CryptoError::Malformed`] if the text holds no PEM block, the label is not a private key
/// label, or the bytes are not a valid key of that kind.
pub fn parse_private_key_pem(pem: &str) -> Result<(PrivateKeyKind, KeyMaterial), CryptoError> {
    let (label, der) = pem_block(pem)?;
    match label.as_str() {
        "RSA PRIVATE KEY" => rsa_pkcs8(&RsaKeyPair::from_der(&der).map_err(|_| CryptoError::Malformed)?),
        "EC PRIVATE KEY" => ec_from_der(&der).map(|(c, m)| (PrivateKeyKind::Ec(c), m)).ok_or(CryptoError::Malformed),
        "PRIVATE KEY" => {
            if let Ok(pair) = RsaKeyPair::from_pkcs8(&der) {
                return rsa_pkcs8(&pair);
            }
            if let Some((curve, material)) = ec_from_der(&der) {
                return Ok((PrivateKeyKind::Ec(curve), material));
            }
            if let Some(level) = crate::ml_kem::pkcs8_level(&der) {
                return Ok((PrivateKeyKind::MlKem(level), KeyMaterial::from_slice(&der)));
            }
            Ed25519KeyPair::from_pkcs8(&der)
                .map(|_| (PrivateKeyKind::Ed25519, KeyMaterial::from_slice(&der)))
                .map_err(|_| CryptoError::Malformed)
        }
        _ => Err(CryptoError::Malformed),
    }
}

/// The kind of a PKCS#8 private key (as [`parse_private_key_pem`] stores it).
///
/// # Errors
/// [`CryptoError::Malformed`] if the bytes are not a PKCS#8 key of a supported kind.
pub fn pkcs8_kind(der: &[u8]) -> Result<PrivateKeyKind, CryptoError> {
    if let Some(level) = crate::ml_kem::pkcs8_level(der) {
        return Ok(PrivateKeyKind::MlKem(level));
    }
    if let Ok(pair) = RsaKeyPair::from_pkcs8(der) {
        return Ok(PrivateKeyKind::Rsa { bits: pair.public_modulus_len() * 8 });
    }
    if let Some(curve) = CURVES.iter().find(|(_, alg)| EcdsaKeyPair::from_pkcs8(alg, der).is_ok()).map(|(c, _)| *c) {
        return Ok(PrivateKeyKind::Ec(curve));
    }
    if Ed25519KeyPair::from_pkcs8(der).is_ok() {
        return Ok(PrivateKeyKind::Ed25519);
    }
    [MlDsaLevel::L44, MlDsaLevel::L65, MlDsaLevel::L87]
        .into_iter()
        .find(|l| PqdsaKeyPair::from_pkcs8(ml_dsa_signing(*l), der).is_ok())
        .map(PrivateKeyKind::MlDsa)
        .ok_or(CryptoError::Malformed)
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::KeyPair;

    use super::*;

    fn pem(label: &str, der: &[u8]) -> String {
        let b64 = STANDARD.encode(der);
        let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
        format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
    }

    #[test]
    fn ec_keys_of_every_curve_parse_and_normalise() {
        for (curve, alg) in CURVES {
            let doc = EcdsaKeyPair::generate_pkcs8(alg, &SystemRandom::new()).unwrap();
            let (kind, material) = parse_private_key_pem(&pem("PRIVATE KEY", doc.as_ref())).unwrap();
            assert_eq!(kind, PrivateKeyKind::Ec(curve));
            assert_eq!(pkcs8_kind(material.expose_secret()).unwrap(), kind);
            let reparsed = EcdsaKeyPair::from_pkcs8(alg, material.expose_secret()).unwrap();
            let original = EcdsaKeyPair::from_pkcs8(alg, doc.as_ref()).unwrap();
            assert_eq!(reparsed.public_key().as_ref(), original.public_key().as_ref());
        }
    }

    #[test]
    fn ed25519_and_rsa_keys_parse() {
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        assert_eq!(parse_private_key_pem(&pem("PRIVATE KEY", doc.as_ref())).unwrap().0, PrivateKeyKind::Ed25519);
        let rsa = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let der: aws_lc_rs::encoding::Pkcs8V1Der<'_> = rsa.as_der().unwrap();
        assert_eq!(
            parse_private_key_pem(&pem("PRIVATE KEY", der.as_ref())).unwrap().0,
            PrivateKeyKind::Rsa { bits: 2048 }
        );
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            "",
            "no pem here",
            &pem("PRIVATE KEY", b"junk"),
            &pem("CERTIFICATE", b"junk"),
            "-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----",
        ] {
            assert_eq!(parse_private_key_pem(bad).unwrap_err(), CryptoError::Malformed, "{bad}");
        }
    }
}
