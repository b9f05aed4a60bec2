//! The raw RSA keyring: a local RSA key pair (the public half to wrap, the private half to
//! unwrap) with OAEP (SHA-1/256/384/512, MGF1 with the same hash) or PKCS#1 v1.5 padding.
//!
//! Provider id: the key namespace. Provider info: the key name. Ciphertext: the RSA
//! ciphertext of the data key. The encryption context is not bound (RSA has no AAD).

use aws_lc_rs::rsa::{
    self, OaepAlgorithm, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, Pkcs1PrivateDecryptingKey,
    Pkcs1PublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use trent_crypto::DataKey;
use zeroize::Zeroizing;

use super::{Keyring, ensure_no_key, none_decrypted};
use crate::crypto::random_data_key;
use crate::error::{Error, Result};
use crate::header::EncryptedDataKey;
use crate::materials::{DecryptionMaterials, EncryptionMaterials};

/// RSA padding of a raw RSA keyring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsaPadding {
    /// PKCS#1 v1.5.
    Pkcs1,
    /// OAEP with SHA-1 and MGF1-SHA-1.
    OaepSha1,
    /// OAEP with SHA-256 and MGF1-SHA-256.
    OaepSha256,
    /// OAEP with SHA-384 and MGF1-SHA-384.
    OaepSha384,
    /// OAEP with SHA-512 and MGF1-SHA-512.
    OaepSha512,
}

impl RsaPadding {
    fn oaep(self) -> Option<&'static OaepAlgorithm> {
        match self {
            Self::Pkcs1 => None,
            Self::OaepSha1 => Some(&rsa::OAEP_SHA1_MGF1SHA1),
            Self::OaepSha256 => Some(&rsa::OAEP_SHA256_MGF1SHA256),
            Self::OaepSha384 => Some(&rsa::OAEP_SHA384_MGF1SHA384),
            Self::OaepSha512 => Some(&rsa::OAEP_SHA512_MGF1SHA512),
        }
    }
}

/// The DER body of a PEM block (or `input` itself when it is not PEM).
///
/// # Errors
/// `Config` when the PEM body is not base64.
pub fn pem_to_der(input: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let Ok(text) = std::str::from_utf8(input) else {
        return Ok(Zeroizing::new(input.to_vec()));
    };
    if !text.contains("-----BEGIN") {
        return Ok(Zeroizing::new(input.to_vec()));
    }
    let body: Zeroizing<String> =
        Zeroizing::new(text.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect());
    Ok(Zeroizing::new(STANDARD.decode(body.as_bytes()).map_err(|_| Error::Config("PEM body is not base64".into()))?))
}

/// A raw RSA keyring.
pub struct RawRsaKeyring {
    namespace: String,
    name: String,
    padding: RsaPadding,
    public: Option<PublicEncryptingKey>,
    private: Option<PrivateDecryptingKey>,
}

impl RawRsaKeyring {
    /// A keyring from a public key (SubjectPublicKeyInfo, PEM or DER) and/or a private key
    /// (PKCS#8, PEM or DER); the public half is derived from the private key if absent.
    ///
    /// # Errors
    /// `Config` when neither key is given or a key does not parse.
    pub fn new(
        namespace: &str,
        name: &str,
        padding: RsaPadding,
        public_key: Option<&[u8]>,
        private_key: Option<&[u8]>,
    ) -> Result<Self> {
        if namespace.starts_with("aws-kms") {
            return Err(Error::Config("the aws-kms namespaces are reserved".into()));
        }
        let private = match private_key {
            Some(p) => Some(
                PrivateDecryptingKey::from_pkcs8(&pem_to_der(p)?)
                    .map_err(|e| Error::Config(format!("RSA private key: {e}")))?,
            ),
            None => None,
        };
        let public = match (public_key, &private) {
            (Some(p), _) => Some(
                PublicEncryptingKey::from_der(&pem_to_der(p)?)
                    .map_err(|e| Error::Config(format!("RSA public key: {e}")))?,
            ),
            (None, Some(k)) => Some(k.public_key()),
            (None, None) => return Err(Error::Config("a raw RSA keyring needs a public or a private key".into())),
        };
        Ok(Self { namespace: namespace.to_owned(), name: name.to_owned(), padding, public, private })
    }

    fn wrap(&self, key: &PublicEncryptingKey, data_key: &[u8]) -> Result<Vec<u8>> {
        let fail = |_| Error::Crypto("RSA encryption");
        match self.padding.oaep() {
            Some(alg) => {
                let k = OaepPublicEncryptingKey::new(key.clone()).map_err(fail)?;
                let mut out = vec![0u8; k.ciphertext_size()];
                let n = k.encrypt(alg, data_key, &mut out, None).map_err(fail)?.len();
                out.truncate(n);
                Ok(out)
            }
            None => {
                let k = Pkcs1PublicEncryptingKey::new(key.clone()).map_err(fail)?;
                let mut out = vec![0u8; k.ciphertext_size()];
                let n = k.encrypt(data_key, &mut out).map_err(fail)?.len();
                out.truncate(n);
                Ok(out)
            }
        }
    }

    fn unwrap(&self, key: &PrivateDecryptingKey, ciphertext: &[u8]) -> Result<DataKey> {
        let fail = |_| Error::Keyring("raw RSA unwrap failed".into());
        let mut out = Zeroizing::new(vec![0u8; key.key_size_bytes()]);
        let n = match self.padding.oaep() {
            Some(alg) => OaepPrivateDecryptingKey::new(key.clone())
                .map_err(fail)?
                .decrypt(alg, ciphertext, &mut out, None)
                .map_err(fail)?
                .len(),
            None => Pkcs1PrivateDecryptingKey::new(key.clone())
                .map_err(fail)?
                .decrypt(ciphertext, &mut out)
                .map_err(fail)?
                .len(),
        };
        Ok(DataKey::from_slice(&out[..n]))
    }
}

impl Keyring for RawRsaKeyring {
    fn on_encrypt(&self, mut materials: EncryptionMaterials) -> Result<EncryptionMaterials> {
        let Some(public) = &self.public else {
            return Err(Error::Keyring("this raw RSA keyring has no public key".into()));
        };
        if materials.data_key.is_none() {
            materials.data_key = Some(random_data_key(materials.suite)?);
        }
        let data_key = materials.data_key.as_ref().map(|k| k.expose_secret()).unwrap_or_default();
        let ciphertext = self.wrap(public, data_key)?;
        materials.edks.push(EncryptedDataKey {
            provider_id: self.namespace.clone(),
            provider_info: self.name.as_bytes().to_vec(),
            ciphertext,
        });
        Ok(materials)
    }

    fn on_decrypt(&self, mut materials: DecryptionMaterials, edks: &[EncryptedDataKey]) -> Result<DecryptionMaterials> {
        ensure_no_key(&materials)?;
        let Some(private) = &self.private else {
            return Err(Error::Keyring("this raw RSA keyring has no private key".into()));
        };
        let mut errors = Vec::new();
        for edk in edks {
            if edk.provider_id != self.namespace || edk.provider_info != self.name.as_bytes() {
                continue;
            }
            match self.unwrap(private, &edk.ciphertext) {
                Ok(k) if k.len() == materials.suite.data_key_len() => {
                    materials.data_key = Some(k);
                    return Ok(materials);
                }
                Ok(_) => errors.push(Error::Keyring("raw RSA data key has the wrong length".into())),
                Err(e) => errors.push(e),
            }
        }
        Err(none_decrypted(edks, errors))
    }
}
