//! The `pkcs11` seal: the root key wrapped (AES-256-GCM, inside the token) by a sensitive,
//! non-extractable AES-256 key that lives in an HSM token. At the first start the key is
//! generated in the token (or an existing one of the configured label is used) and
//! `root.pkcs11` is written beside the database: the wrapped root key and the key's label, no
//! secret in clear. At every start the token decrypts the root key; without the token and its
//! PIN, the data directory gives nothing but ciphertext.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use trent_crypto::{KeyMaterial, RootKey};

use super::{SealError, write_new_private};
use crate::hsm::{self, GCM_IV_LEN, HsmError, PinSource, TokenRef, TokenSettings};

/// The seal's file in the data directory.
pub const PKCS11_FILE: &str = "root.pkcs11";
/// Binds the wrapped root key to its purpose.
const AAD: &[u8] = b"trent/seal/pkcs11/v1";
const MECHANISM: &str = "CKM_AES_GCM";

/// `[seal.pkcs11]` in `trent.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPkcs11Seal {
    /// `module`: the vendor's PKCS#11 shared library.
    pub module: Option<PathBuf>,
    /// `slot`: the token's slot id (or `token_label`).
    pub slot: Option<u64>,
    /// `token_label`: the token's label (or `slot`).
    pub token_label: Option<String>,
    /// `key_label`: the label of the wrapping key in the token.
    pub key_label: Option<String>,
    /// `pin_env`: the environment variable holding the user PIN (or `pin_file`).
    pub pin_env: Option<String>,
    /// `pin_file`: a file (mode 0600) holding the user PIN (or `pin_env`).
    pub pin_file: Option<PathBuf>,
}

/// The validated `[seal.pkcs11]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pkcs11Seal {
    /// The module, token and PIN.
    pub token: TokenSettings,
    /// The wrapping key's label.
    pub key_label: String,
}

impl RawPkcs11Seal {
    /// Checks the settings: a module, one of `slot` and `token_label`, a key label, one of
    /// `pin_env` and `pin_file`.
    ///
    /// # Errors
    /// `(field, message)` for the first setting that is missing or wrong.
    pub fn validate(self) -> Result<Pkcs11Seal, (&'static str, String)> {
        let module = match self.module {
            Some(m) if m.is_absolute() => m,
            Some(_) => return Err(("seal.pkcs11.module", "must be an absolute path to the module".into())),
            None => {
                return Err((
                    "seal.pkcs11.module",
                    "the pkcs11 seal needs [seal.pkcs11] module, the vendor's PKCS#11 library".into(),
                ));
            }
        };
        let token = match (self.slot, self.token_label) {
            (Some(slot), None) => TokenRef::Slot(slot),
            (None, Some(label)) => {
                hsm::check_label("seal.pkcs11.token_label", &label).map_err(|m| ("seal.pkcs11.token_label", m))?;
                TokenRef::Label(label)
            }
            _ => return Err(("seal.pkcs11.token_label", "give one of slot and token_label".into())),
        };
        let key_label = self.key_label.ok_or(("seal.pkcs11.key_label", "the pkcs11 seal needs key_label".into()))?;
        hsm::check_label("seal.pkcs11.key_label", &key_label).map_err(|m| ("seal.pkcs11.key_label", m))?;
        let pin = match (self.pin_env, self.pin_file) {
            (Some(name), None) if !name.is_empty() => PinSource::Env(name),
            (None, Some(path)) => PinSource::File(path),
            _ => {
                return Err(("seal.pkcs11.pin_env", "give one of pin_env (a variable's name) and pin_file".into()));
            }
        };
        Ok(Pkcs11Seal { token: TokenSettings { module, token, pin }, key_label })
    }
}

/// `root.pkcs11`: which key wraps the root key, and the wrapped root key.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SealedFile {
    version: u32,
    seal: String,
    mechanism: String,
    key_label: String,
    iv: String,
    wrapped_root_key: String,
}

/// The path of `root.pkcs11` in `data_dir`.
pub fn pkcs11_path(data_dir: &Path) -> PathBuf {
    data_dir.join(PKCS11_FILE)
}

fn seal_error(e: HsmError) -> SealError {
    SealError::Pkcs11(format!("{e}; the server stays sealed"))
}

/// Opens `path` with the token, or, when it does not exist, makes a new root key, wraps it
/// with the token's key (generated now unless one of the label exists) and writes `path`.
/// Returns the root key and whether it was created now.
///
/// # Errors
/// [`SealError::Pkcs11`] naming the module, token, PIN or key that failed;
/// [`SealError::Malformed`], [`SealError::Io`], [`SealError::Permissions`] for the file.
pub fn open_pkcs11_file(path: &Path, settings: &Pkcs11Seal) -> Result<(RootKey, bool), SealError> {
    super::release_or_create(path, release_pkcs11_file(path, settings), |raw| write_pkcs11_file(path, raw, settings))
}

/// Releases the raw root key from `root.pkcs11` at `path`, unwrapping it in the token.
///
/// # Errors
/// [`SealError::Io`] (`NotFound` when it does not exist), [`SealError::Malformed`],
/// [`SealError::Permissions`], [`SealError::Pkcs11`].
pub fn release_pkcs11_file(path: &Path, settings: &Pkcs11Seal) -> Result<KeyMaterial, SealError> {
    let text = super::read_seal_file(path)?;
    let malformed = || SealError::Malformed(path.to_owned());
    let file: SealedFile = serde_json::from_str(&text).map_err(|_| malformed())?;
    if file.version != 1 || file.seal != "pkcs11" || file.mechanism != MECHANISM {
        return Err(malformed());
    }
    if file.key_label != settings.key_label {
        return Err(SealError::Pkcs11(format!(
            "{} was sealed with the token key '{}' but seal.pkcs11.key_label is '{}'; the server stays sealed",
            path.display(),
            file.key_label,
            settings.key_label
        )));
    }
    let iv: [u8; GCM_IV_LEN] = hex::decode(&file.iv).ok().and_then(|v| v.try_into().ok()).ok_or_else(malformed)?;
    let wrapped = hex::decode(&file.wrapped_root_key).map_err(|_| malformed())?;
    let session = hsm::open(&settings.token).map_err(seal_error)?;
    let key = session.find_aes_key(&settings.key_label).map_err(seal_error)?;
    let raw = session.gcm_decrypt(key, &settings.key_label, &iv, AAD, &wrapped).map_err(seal_error)?;
    if raw.len() != trent_crypto::ROOT_KEY_LEN {
        return Err(malformed());
    }
    Ok(KeyMaterial::from_slice(&raw[..]))
}

/// Wraps `raw` with the token's key of the configured label (generated now, sensitive and
/// non-extractable, unless one exists) and writes the new file `path` (mode 0600, synced).
/// The token must give the root key back before the file is written.
///
/// # Errors
/// [`SealError::Pkcs11`] naming what failed in the token; [`SealError::Io`] for the file.
pub fn write_pkcs11_file(path: &Path, raw: &KeyMaterial, settings: &Pkcs11Seal) -> Result<(), SealError> {
    let io = |source| SealError::Io { path: path.to_owned(), source };
    let rng = || io(std::io::Error::other("random generator failed"));
    let session = hsm::open(&settings.token).map_err(seal_error)?;
    let key = match session.find_aes_key(&settings.key_label) {
        Ok(key) => key,
        Err(HsmError::NoKey { .. }) => {
            let id: [u8; 16] = trent_crypto::random_array().map_err(|_| rng())?;
            let key = session.generate_aes_key(&settings.key_label, &id).map_err(seal_error)?;
            tracing::info!(token = %session.token(), key_label = %settings.key_label,
                "pkcs11 seal: generated the wrapping key in the token");
            key
        }
        Err(e) => return Err(seal_error(e)),
    };
    let iv: [u8; GCM_IV_LEN] = trent_crypto::random_array().map_err(|_| rng())?;
    let wrapped = session.gcm_encrypt(key, &iv, AAD, raw.expose_secret()).map_err(seal_error)?;
    let back = session.gcm_decrypt(key, &settings.key_label, &iv, AAD, &wrapped).map_err(seal_error)?;
    if !trent_crypto::constant_time_eq(&back, raw.expose_secret()) {
        return Err(SealError::Pkcs11("the token's AES-GCM did not give back what it encrypted".into()));
    }
    let file = SealedFile {
        version: 1,
        seal: "pkcs11".into(),
        mechanism: MECHANISM.into(),
        key_label: settings.key_label.clone(),
        iv: hex::encode(iv),
        wrapped_root_key: hex::encode(wrapped),
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| io(std::io::Error::other(e)))? + "\n";
    write_new_private(path, text.as_bytes()).map_err(io)
}
