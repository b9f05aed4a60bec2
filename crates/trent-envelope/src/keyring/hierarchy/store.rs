//! Branch-key stores. A branch key is 32 random bytes made by KMS
//! (`GenerateDataKeyWithoutPlaintext`) under a KMS key, stored only in that wrapped form,
//! and unwrapped with `Decrypt` when a keyring needs it. Each key has versions; one is
//! active (used to encrypt); every version stays readable.
//!
//! `FileBranchKeyStore` keeps them in one JSON file (written atomically, mode 0600). The
//! KMS encryption context names the branch key, its version, the store and the KMS key,
//! so a wrapped branch key cannot be swapped for another one in the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use trent_crypto::KeyMaterial;

use crate::context::EncryptionContext;
use crate::error::{Error, Result};
use crate::kms::{DecryptRequest, GenerateDataKeyRequest, KmsClient};

/// One unwrapped branch key version.
#[derive(Clone, Debug)]
pub struct BranchKeyMaterials {
    /// The branch key id.
    pub branch_key_id: String,
    /// The version (a UUID string).
    pub version: String,
    /// The 32-byte branch key.
    pub key: KeyMaterial,
}

/// Where branch keys live.
pub trait BranchKeyStore: Send + Sync {
    /// The active version of `branch_key_id`, unwrapped.
    ///
    /// # Errors
    /// `KeyStore` when it does not exist; `Kms` when unwrapping fails.
    fn get_active_branch_key(&self, branch_key_id: &str) -> Result<BranchKeyMaterials>;

    /// One version of `branch_key_id`, unwrapped.
    ///
    /// # Errors
    /// `KeyStore` when it does not exist; `Kms` when unwrapping fails.
    fn get_branch_key_version(&self, branch_key_id: &str, version: &str) -> Result<BranchKeyMaterials>;
}

#[derive(Serialize, Deserialize, Default)]
struct StoreFile {
    format: u32,
    keys: BTreeMap<String, BranchKeyRecord>,
}

#[derive(Serialize, Deserialize)]
struct BranchKeyRecord {
    active: String,
    versions: BTreeMap<String, VersionRecord>,
}

#[derive(Serialize, Deserialize, Clone)]
struct VersionRecord {
    #[serde(rename = "create-time")]
    create_time: String,
    #[serde(rename = "kms-arn")]
    kms_arn: String,
    ciphertext: String,
}

/// A branch-key store in a local JSON file.
pub struct FileBranchKeyStore {
    path: PathBuf,
    name: String,
    kms: Arc<dyn KmsClient>,
    kms_key_arn: String,
    lock: Mutex<()>,
}

impl FileBranchKeyStore {
    /// A store at `path` (created on first write) named `name`, wrapping with `kms_key_arn`.
    pub fn new(path: &Path, name: &str, kms: Arc<dyn KmsClient>, kms_key_arn: &str) -> Self {
        Self {
            path: path.to_owned(),
            name: name.to_owned(),
            kms,
            kms_key_arn: kms_key_arn.to_owned(),
            lock: Mutex::new(()),
        }
    }

    fn load(&self) -> Result<StoreFile> {
        match std::fs::read(&self.path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| Error::KeyStore(format!("{}: {e}", self.path.display())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoreFile { format: 1, keys: BTreeMap::new() }),
            Err(e) => Err(Error::Io(e)),
        }
    }

    fn save(&self, file: &StoreFile) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(file).map_err(|e| Error::KeyStore(e.to_string()))?;
        let dir = self.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        std::io::Write::write_all(&mut tmp, &bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.path).map_err(|e| Error::Io(e.error))?;
        Ok(())
    }

    fn context(&self, id: &str, version: &str, rec: &VersionRecord) -> EncryptionContext {
        [
            ("branch-key-id", id.to_owned()),
            ("type", format!("branch:version:{version}")),
            ("create-time", rec.create_time.clone()),
            ("tablename", self.name.clone()),
            ("kms-arn", rec.kms_arn.clone()),
            ("hierarchy-version", "1".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    fn new_version(&self, file: &mut StoreFile, id: &str) -> Result<String> {
        let version = uuid::Uuid::new_v4().hyphenated().to_string();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let mut rec = VersionRecord {
            create_time: now.as_secs().to_string(),
            kms_arn: self.kms_key_arn.clone(),
            ciphertext: String::new(),
        };
        let answer = self
            .kms
            .generate_data_key_without_plaintext(&GenerateDataKeyRequest {
                key_id: self.kms_key_arn.clone(),
                number_of_bytes: 32,
                context: self.context(id, &version, &rec),
                grant_tokens: Vec::new(),
            })
            .map_err(Error::Kms)?;
        rec.ciphertext = STANDARD.encode(answer.ciphertext);
        let entry = file
            .keys
            .entry(id.to_owned())
            .or_insert_with(|| BranchKeyRecord { active: version.clone(), versions: BTreeMap::new() });
        entry.versions.insert(version.clone(), rec);
        entry.active = version.clone();
        Ok(version)
    }

    /// Creates a branch key (id given or a new UUID) with one active version; returns its id.
    ///
    /// # Errors
    /// `KeyStore` if the id exists; `Kms`, `Io`.
    pub fn create_branch_key(&self, id: Option<&str>) -> Result<String> {
        let _guard = self.lock.lock();
        let mut file = self.load()?;
        let id = id.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
        if file.keys.contains_key(&id) {
            return Err(Error::KeyStore(format!("branch key {id} exists")));
        }
        self.new_version(&mut file, &id)?;
        self.save(&file)?;
        Ok(id)
    }

    /// Rotates `id`: a new version becomes active; earlier versions stay readable.
    /// Returns the new version.
    ///
    /// # Errors
    /// `KeyStore` if the key does not exist; `Kms`, `Io`.
    pub fn version_branch_key(&self, id: &str) -> Result<String> {
        let _guard = self.lock.lock();
        let mut file = self.load()?;
        if !file.keys.contains_key(id) {
            return Err(Error::KeyStore(format!("no branch key {id}")));
        }
        let v = self.new_version(&mut file, id)?;
        self.save(&file)?;
        Ok(v)
    }

    fn unwrap(&self, id: &str, version: &str, rec: &VersionRecord) -> Result<BranchKeyMaterials> {
        let blob = STANDARD.decode(&rec.ciphertext).map_err(|_| Error::KeyStore("ciphertext is not base64".into()))?;
        let answer = self
            .kms
            .decrypt(&DecryptRequest {
                key_id: rec.kms_arn.clone(),
                ciphertext: blob,
                context: self.context(id, version, rec),
                grant_tokens: Vec::new(),
            })
            .map_err(Error::Kms)?;
        if answer.key_id != rec.kms_arn || answer.plaintext.len() != 32 {
            return Err(Error::KeyStore("KMS answered with another key or length".into()));
        }
        Ok(BranchKeyMaterials {
            branch_key_id: id.to_owned(),
            version: version.to_owned(),
            key: KeyMaterial::from_slice(answer.plaintext.expose_secret()),
        })
    }
}

impl BranchKeyStore for FileBranchKeyStore {
    fn get_active_branch_key(&self, branch_key_id: &str) -> Result<BranchKeyMaterials> {
        let file = self.load()?;
        let rec =
            file.keys.get(branch_key_id).ok_or_else(|| Error::KeyStore(format!("no branch key {branch_key_id}")))?;
        let v = rec.versions.get(&rec.active).ok_or_else(|| Error::KeyStore("active version missing".into()))?;
        self.unwrap(branch_key_id, &rec.active, v)
    }

    fn get_branch_key_version(&self, branch_key_id: &str, version: &str) -> Result<BranchKeyMaterials> {
        let file = self.load()?;
        let rec =
            file.keys.get(branch_key_id).ok_or_else(|| Error::KeyStore(format!("no branch key {branch_key_id}")))?;
        let v = rec.versions.get(version).ok_or_else(|| Error::KeyStore(format!("no version {version}")))?;
        self.unwrap(branch_key_id, version, v)
    }
}
