//! Shared helpers of the envelope integration tests: where the official vectors are, the
//! Python interop environment, keyrings built from the vectors' keys manifest.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use base64::Engine as _;
use serde_json::Value;
use trent_crypto::KeyMaterial;
use trent_envelope::{Keyring, RawAesKeyring, RawRsaKeyring, RsaPadding};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// The vectors copied into `tests/esdk-vectors` (or `$TRENT_ESDK_VECTORS`), or `None` after
/// saying loudly that the test is skipped; under `CI=true` a missing directory fails.
pub fn vectors_dir(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("TRENT_ESDK_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/esdk-vectors"));
    if dir.join("manifest.json").exists() {
        return Some(dir);
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but the vectors are missing at {}", dir.display());
    eprintln!("SKIPPED {test}: no ESDK vectors at {} (set TRENT_ESDK_VECTORS)", dir.display());
    None
}

/// The `.venv` Python with `aws_encryption_sdk` importable, or `None` after saying loudly
/// that the test is skipped; under `CI=true` a missing interpreter or package fails.
pub fn python(test: &str) -> Option<PathBuf> {
    let py = repo_root().join(".venv/bin/python");
    let ok = py.exists()
        && Command::new(&py)
            .args(["-c", "import aws_encryption_sdk, cryptography"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
    if ok {
        return Some(py);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but {} with aws-encryption-sdk is missing (see .ci/run)",
        py.display()
    );
    eprintln!("SKIPPED {test}: {} with aws-encryption-sdk is missing (run .ci/run to set it up)", py.display());
    None
}

/// Reads a JSON file.
pub fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).expect("json")
}

/// A `file://NAME` reference relative to `dir`.
pub fn file_ref(dir: &Path, uri: &str) -> PathBuf {
    dir.join(uri.strip_prefix("file://").unwrap_or(uri))
}

/// The keyring a manifest master-key entry describes, or `None` for KMS keys.
pub fn keyring_for(entry: &Value, keys: &Value) -> Option<Arc<dyn Keyring>> {
    if entry["type"] != "raw" {
        return None;
    }
    let key = &keys[entry["key"].as_str()?];
    let name = key["key-id"].as_str()?;
    let namespace = entry["provider-id"].as_str()?;
    let material = key["material"].as_str()?;
    match entry["encryption-algorithm"].as_str()? {
        "aes" => {
            let bytes = base64::engine::general_purpose::STANDARD.decode(material).ok()?;
            Some(Arc::new(RawAesKeyring::new(namespace, name, KeyMaterial::new(bytes)).ok()?))
        }
        "rsa" => {
            let padding = match (entry["padding-algorithm"].as_str()?, entry["padding-hash"].as_str()) {
                ("pkcs1", _) => RsaPadding::Pkcs1,
                ("oaep-mgf1", Some("sha1")) => RsaPadding::OaepSha1,
                ("oaep-mgf1", Some("sha256")) => RsaPadding::OaepSha256,
                ("oaep-mgf1", Some("sha384")) => RsaPadding::OaepSha384,
                ("oaep-mgf1", Some("sha512")) => RsaPadding::OaepSha512,
                _ => return None,
            };
            let (public, private) = match key["type"].as_str()? {
                "private" => (None, Some(material.as_bytes())),
                _ => (Some(material.as_bytes()), None),
            };
            Some(Arc::new(RawRsaKeyring::new(namespace, name, padding, public, private).ok()?))
        }
        _ => None,
    }
}

/// A KMS in memory, for keyring tests without a server: one AES-256 key per ARN, blobs
/// that name their key, the encryption context as AAD, and a count of every call.
pub struct LocalKms {
    keys: std::collections::HashMap<String, Arc<RawAesKeyring>>,
    pub calls: std::sync::Mutex<std::collections::BTreeMap<&'static str, u64>>,
}

impl LocalKms {
    pub fn new(arns: &[&str]) -> Self {
        let keys = arns
            .iter()
            .map(|a| {
                let k = RawAesKeyring::new("local-kms", a, KeyMaterial::new(trent_crypto::random_vec(32).unwrap()))
                    .unwrap();
                ((*a).to_owned(), Arc::new(k))
            })
            .collect();
        Self { keys, calls: Default::default() }
    }

    pub fn count(&self, op: &str) -> u64 {
        self.calls.lock().unwrap().get(op).copied().unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.calls.lock().unwrap().values().sum()
    }

    fn bump(&self, op: &'static str) {
        *self.calls.lock().unwrap().entry(op).or_default() += 1;
    }

    fn resolve(&self, key_id: &str) -> Result<(String, Arc<RawAesKeyring>), trent_envelope::KmsError> {
        let arn = self.keys.keys().find(|a| *a == key_id || a.ends_with(&format!("/{key_id}")));
        let arn = arn.ok_or_else(|| trent_envelope::KmsError {
            code: Some("NotFoundException".into()),
            message: format!("no key {key_id}"),
            source: None,
        })?;
        Ok((arn.clone(), self.keys[arn].clone()))
    }

    fn seal(
        &self,
        key_id: &str,
        plaintext: &[u8],
        context: &trent_envelope::EncryptionContext,
    ) -> Result<(String, Vec<u8>), trent_envelope::KmsError> {
        use trent_envelope::Keyring as _;
        let (arn, ring) = self.resolve(key_id)?;
        let m = trent_envelope::EncryptionMaterials {
            suite: &trent_envelope::suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
            context: context.clone(),
            required_context_keys: Vec::new(),
            data_key: Some(trent_crypto::DataKey::from_slice(plaintext)),
            edks: Vec::new(),
            signing_key: None,
        };
        let m = ring.on_encrypt(m).map_err(|e| trent_envelope::KmsError::invalid(e.to_string()))?;
        let mut blob = Vec::new();
        m.edks[0].serialize_into(&mut blob).unwrap();
        Ok((arn, blob))
    }
}

impl trent_envelope::KmsClient for LocalKms {
    fn generate_data_key(
        &self,
        req: &trent_envelope::GenerateDataKeyRequest,
    ) -> Result<trent_envelope::GenerateDataKeyResponse, trent_envelope::KmsError> {
        self.bump("GenerateDataKey");
        let key = trent_crypto::random_vec(req.number_of_bytes as usize).unwrap();
        let (arn, blob) = self.seal(&req.key_id, &key, &req.context)?;
        Ok(trent_envelope::GenerateDataKeyResponse {
            key_id: arn,
            plaintext: trent_crypto::DataKey::new(key),
            ciphertext: blob,
        })
    }

    fn generate_data_key_without_plaintext(
        &self,
        req: &trent_envelope::GenerateDataKeyRequest,
    ) -> Result<trent_envelope::KmsEncryptResponse, trent_envelope::KmsError> {
        self.bump("GenerateDataKeyWithoutPlaintext");
        let key = trent_crypto::random_vec(req.number_of_bytes as usize).unwrap();
        let (arn, blob) = self.seal(&req.key_id, &key, &req.context)?;
        Ok(trent_envelope::KmsEncryptResponse { key_id: arn, ciphertext: blob })
    }

    fn encrypt(
        &self,
        req: &trent_envelope::KmsEncryptRequest,
    ) -> Result<trent_envelope::KmsEncryptResponse, trent_envelope::KmsError> {
        self.bump("Encrypt");
        let (arn, blob) = self.seal(&req.key_id, req.plaintext.expose_secret(), &req.context)?;
        Ok(trent_envelope::KmsEncryptResponse { key_id: arn, ciphertext: blob })
    }

    fn decrypt(
        &self,
        req: &trent_envelope::KmsDecryptRequest,
    ) -> Result<trent_envelope::KmsDecryptResponse, trent_envelope::KmsError> {
        use trent_envelope::Keyring as _;
        self.bump("Decrypt");
        let (arn, ring) = self.resolve(&req.key_id)?;
        // The blob is an encrypted data key (three length-prefixed fields).
        let mut cur = &req.ciphertext[..];
        let mut field = || {
            if cur.len() < 2 {
                return Vec::new();
            }
            let n = u16::from_be_bytes([cur[0], cur[1]]) as usize;
            let n = n.min(cur.len() - 2);
            let f = cur[2..2 + n].to_vec();
            cur = &cur[2 + n..];
            f
        };
        let edk = trent_envelope::EncryptedDataKey {
            provider_id: String::from_utf8(field()).unwrap_or_default(),
            provider_info: field(),
            ciphertext: field(),
        };
        let m = trent_envelope::DecryptionMaterials {
            suite: &trent_envelope::suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
            context: req.context.clone(),
            required_context_keys: Vec::new(),
            data_key: None,
            verification_key: None,
        };
        let m = ring.on_decrypt(m, &[edk]).map_err(|_| trent_envelope::KmsError {
            code: Some("InvalidCiphertextException".into()),
            message: "cannot decrypt".into(),
            source: None,
        })?;
        Ok(trent_envelope::KmsDecryptResponse { key_id: arn, plaintext: m.data_key.unwrap() })
    }
}
