//! ML-DSA signing and verification of an external mu (FIPS 204 section 6.2: the 64-byte
//! message representative `mu = H(H(pk, 64) || M', 64)` computed outside the signer), which
//! AWS KMS calls `MessageType` `EXTERNAL_MU`. A signature of a mu is the very signature pure
//! ML-DSA makes of the message the mu was computed from.
//!
//! aws-lc-rs (1.19, the newest release) signs and verifies ML-DSA in pure mode only and does not
//! expose the external-mu entry points of aws-lc, and this workspace forbids `unsafe`, so these
//! two operations come from RustCrypto's `ml-dsa` (pure Rust), which signs and verifies a given
//! mu. It runs on the same private key aws-lc-rs holds: the expanded key (FIPS 204 skEncode)
//! that aws-lc-rs derives from the stored PKCS#8 (seed or expanded form), decoded once and
//! checked against aws-lc-rs's public key before it is used. Signing is hedged, as aws-lc-rs's
//! pure signing is: its 32 random bytes come from aws-lc-rs's generator.

use aws_lc_rs::encoding::AsRawBytes as _;
use aws_lc_rs::signature::{KeyPair as _, PqdsaKeyPair};
use ml_dsa::common::array::Array;
use ml_dsa::common::rand_core::{TryCryptoRng, TryRng};
use ml_dsa::common::typenum::U64;
use ml_dsa::{
    EncodedSignature, EncodedVerifyingKey, ExpandedSigningKey, ExpandedSigningKeyBytes, MlDsa44, MlDsa65, MlDsa87,
    MlDsaParams, Signature, VerifyingKey,
};
use zeroize::Zeroizing;

use crate::{CryptoError, MlDsaLevel};

/// Length of a mu, in bytes.
pub const ML_DSA_MU_LEN: usize = 64;

/// One parameter set's key, ready to sign and verify a mu.
pub(crate) struct MuKey<P: MlDsaParams> {
    signing: ExpandedSigningKey<P>,
    verifying: VerifyingKey<P>,
}

impl<P: MlDsaParams> MuKey<P> {
    /// Decodes the expanded private key, refusing one whose public key is not `public`.
    fn new(expanded: &[u8], public: &[u8]) -> Result<Self, CryptoError> {
        let bytes: Zeroizing<ExpandedSigningKeyBytes<P>> =
            Zeroizing::new(Array::try_from(expanded).map_err(|_| CryptoError::Malformed)?);
        // `from_expanded` is deprecated because it does not validate a key from elsewhere; this
        // one is aws-lc's own encoding of a key aws-lc parsed and checked, and the public key
        // derived from it must match aws-lc's below.
        #[allow(deprecated)]
        let signing = ExpandedSigningKey::<P>::from_expanded(&bytes);
        let verifying = signing.verifying_key();
        if verifying.encode().as_slice() != public {
            return Err(CryptoError::Malformed);
        }
        Ok(Self { signing, verifying })
    }

    fn sign(&self, mu: &Array<u8, U64>) -> Result<Vec<u8>, CryptoError> {
        let signature = self.signing.sign_mu_randomized(mu, &mut AwsLcRandom).map_err(|_| CryptoError::Library)?;
        Ok(signature.encode().to_vec())
    }

    fn verify(&self, mu: &Array<u8, U64>, signature: &[u8]) -> Result<(), CryptoError> {
        let encoded = EncodedSignature::<P>::try_from(signature).map_err(|_| CryptoError::AuthenticationFailed)?;
        let signature = Signature::<P>::decode(&encoded).ok_or(CryptoError::AuthenticationFailed)?;
        if self.verifying.verify_mu(mu, &signature) { Ok(()) } else { Err(CryptoError::AuthenticationFailed) }
    }
}

/// An ML-DSA key of any parameter set, for mu operations.
pub(crate) enum MuSigner {
    L44(Box<MuKey<MlDsa44>>),
    L65(Box<MuKey<MlDsa65>>),
    L87(Box<MuKey<MlDsa87>>),
}

impl MuSigner {
    /// The mu signer of `pair`, whose parameter set is `level`.
    ///
    /// # Errors
    /// [`CryptoError::Library`] if aws-lc-rs cannot encode the private key;
    /// [`CryptoError::Malformed`] if the decoded key's public key differs from aws-lc-rs's.
    pub(crate) fn new(pair: &PqdsaKeyPair, level: MlDsaLevel) -> Result<Self, CryptoError> {
        let raw = pair.private_key().as_raw_bytes().map_err(|_| CryptoError::Library)?;
        let expanded = Zeroizing::new(raw.as_ref().to_vec());
        let public = pair.public_key().as_ref();
        Ok(match level {
            MlDsaLevel::L44 => Self::L44(Box::new(MuKey::new(&expanded, public)?)),
            MlDsaLevel::L65 => Self::L65(Box::new(MuKey::new(&expanded, public)?)),
            MlDsaLevel::L87 => Self::L87(Box::new(MuKey::new(&expanded, public)?)),
        })
    }

    /// Signs the 64-byte `mu`.
    ///
    /// # Errors
    /// [`CryptoError::DigestLength`] for a mu that is not 64 bytes; [`CryptoError::Library`] if
    /// the random generator fails.
    pub(crate) fn sign(&self, mu: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mu = mu_of(mu)?;
        match self {
            Self::L44(k) => k.sign(&mu),
            Self::L65(k) => k.sign(&mu),
            Self::L87(k) => k.sign(&mu),
        }
    }

    /// Verifies `signature` of the 64-byte `mu`.
    ///
    /// # Errors
    /// [`CryptoError::AuthenticationFailed`] if it does not verify; [`CryptoError::DigestLength`]
    /// for a mu that is not 64 bytes.
    pub(crate) fn verify(&self, mu: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        let mu = mu_of(mu)?;
        match self {
            Self::L44(k) => k.verify(&mu, signature),
            Self::L65(k) => k.verify(&mu, signature),
            Self::L87(k) => k.verify(&mu, signature),
        }
    }
}

fn mu_of(mu: &[u8]) -> Result<Array<u8, U64>, CryptoError> {
    Array::try_from(mu).map_err(|_| CryptoError::DigestLength { expected: ML_DSA_MU_LEN, actual: mu.len() })
}

/// The mu of `message` for the public key `public` (raw FIPS 204 pkEncode bytes), with an
/// empty context: `H(H(pk, 64) || 0x00 || 0x00 || message, 64)`, what a client computes before
/// it asks for an `EXTERNAL_MU` signature.
///
/// # Errors
/// [`CryptoError::Malformed`] if `public` is not a public key of `level`.
pub fn ml_dsa_mu(level: MlDsaLevel, public: &[u8], message: &[u8]) -> Result<[u8; ML_DSA_MU_LEN], CryptoError> {
    fn of<P: MlDsaParams>(public: &[u8], message: &[u8]) -> Result<[u8; ML_DSA_MU_LEN], CryptoError> {
        let encoded = EncodedVerifyingKey::<P>::try_from(public).map_err(|_| CryptoError::Malformed)?;
        let key = VerifyingKey::<P>::decode(&encoded);
        let mu = key
            .compute_mu(
                |h| {
                    ml_dsa::signature::digest::Update::update(h, message);
                    Ok(())
                },
                &[],
            )
            .map_err(|_| CryptoError::Library)?;
        Ok(mu.into())
    }
    match level {
        MlDsaLevel::L44 => of::<MlDsa44>(public, message),
        MlDsaLevel::L65 => of::<MlDsa65>(public, message),
        MlDsaLevel::L87 => of::<MlDsa87>(public, message),
    }
}

/// aws-lc-rs's random generator, as the trait `ml-dsa`'s hedged signing draws from.
struct AwsLcRandom;

/// The generator failed.
#[derive(Debug, thiserror::Error)]
#[error("the system random generator failed")]
struct RandomFailed;

impl TryRng for AwsLcRandom {
    type Error = RandomFailed;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        aws_lc_rs::rand::fill(dst).map_err(|_| RandomFailed)
    }
}

impl TryCryptoRng for AwsLcRandom {}

#[cfg(test)]
mod tests {
    use aws_lc_rs::signature::{
        KeyPair as _, ML_DSA_44, ML_DSA_44_SIGNING, ML_DSA_65, ML_DSA_65_SIGNING, ML_DSA_87, ML_DSA_87_SIGNING,
        PqdsaSigningAlgorithm, PqdsaVerificationAlgorithm, UnparsedPublicKey,
    };

    use super::*;

    const LEVELS: [(MlDsaLevel, &PqdsaSigningAlgorithm, &PqdsaVerificationAlgorithm); 3] = [
        (MlDsaLevel::L44, &ML_DSA_44_SIGNING, &ML_DSA_44),
        (MlDsaLevel::L65, &ML_DSA_65_SIGNING, &ML_DSA_65),
        (MlDsaLevel::L87, &ML_DSA_87_SIGNING, &ML_DSA_87),
    ];

    /// The independent check: a signature of a mu verifies with aws-lc's pure ML-DSA over the
    /// message the mu came from, and aws-lc's pure signature verifies against the mu here.
    #[test]
    fn a_signed_mu_is_aws_lcs_pure_signature_of_the_message() {
        let message = b"a message longer than KMS signs in RAW would be hashed to this mu first";
        for (level, signing, verification) in LEVELS {
            let pair = PqdsaKeyPair::generate(signing).unwrap();
            let public = pair.public_key().as_ref().to_vec();
            let signer = MuSigner::new(&pair, level).unwrap();
            let mu = ml_dsa_mu(level, &public, message).unwrap();

            let signature = signer.sign(&mu).unwrap();
            assert_eq!(signature.len(), signing.signature_len(), "{level:?}");
            UnparsedPublicKey::new(verification, &public).verify(message, &signature).unwrap();
            assert!(UnparsedPublicKey::new(verification, &public).verify(b"another message", &signature).is_err());

            let mut pure = vec![0u8; signing.signature_len()];
            pair.sign(message, &mut pure).unwrap();
            signer.verify(&mu, &pure).unwrap();
            let other = ml_dsa_mu(level, &public, b"another message").unwrap();
            assert_eq!(signer.verify(&other, &pure), Err(CryptoError::AuthenticationFailed));
            assert_eq!(signer.verify(&mu, &pure[1..]), Err(CryptoError::AuthenticationFailed));
        }
    }

    #[test]
    fn a_mu_must_be_64_bytes_and_a_key_must_match_its_public_key() {
        let pair = PqdsaKeyPair::generate(&ML_DSA_65_SIGNING).unwrap();
        let signer = MuSigner::new(&pair, MlDsaLevel::L65).unwrap();
        assert_eq!(signer.sign(&[0; 32]), Err(CryptoError::DigestLength { expected: 64, actual: 32 }));
        assert_eq!(signer.verify(&[0; 65], &[0; 3309]), Err(CryptoError::DigestLength { expected: 64, actual: 65 }));
        let other = PqdsaKeyPair::generate(&ML_DSA_65_SIGNING).unwrap();
        let raw = pair.private_key().as_raw_bytes().unwrap();
        assert!(matches!(
            MuKey::<MlDsa65>::new(raw.as_ref(), other.public_key().as_ref()),
            Err(CryptoError::Malformed)
        ));
    }
}
