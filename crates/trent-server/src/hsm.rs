//! PKCS#11 tokens (HSMs): loading a vendor's module once per process, finding a token by slot
//! or label, logging in with the user PIN, and the few operations Trent asks of a token: make
//! or find a sensitive, non-extractable AES-256 key, and AES-GCM with it inside the token.
//!
//! The PIN is read at use from a file or an environment variable the configuration names and
//! held only in a zeroizing secret; no error or log line carries it.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use zeroize::Zeroizing;

/// The longest PIN read from a file or a variable.
pub const MAX_PIN_LEN: usize = 256;
/// The longest key or token label accepted (PKCS#11 token labels are 32 bytes).
pub const MAX_LABEL_LEN: usize = 128;
/// AES-GCM's IV and tag lengths as Trent uses them in a token.
pub const GCM_IV_LEN: usize = 12;
const GCM_TAG_BITS: usize = 128;

/// Where the token's user PIN comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinSource {
    /// The environment variable of this name.
    Env(String),
    /// This file (owner-only permissions), a trailing newline dropped.
    File(PathBuf),
}

/// Which token, through which module, with which PIN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSettings {
    /// The vendor's PKCS#11 module (a shared library).
    pub module: PathBuf,
    /// The token: by slot id or by label.
    pub token: TokenRef,
    /// The user PIN's source.
    pub pin: PinSource,
}

/// A token named by its slot or its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenRef {
    /// The token in this slot.
    Slot(u64),
    /// The token with this label.
    Label(String),
}

impl std::fmt::Display for TokenRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenRef::Slot(id) => write!(f, "the token in slot {id}"),
            TokenRef::Label(label) => write!(f, "the token labelled '{label}'"),
        }
    }
}

/// What went wrong with a token; each says what to check. Never carries the PIN.
#[derive(Debug, thiserror::Error)]
pub enum HsmError {
    /// The PIN could not be read.
    #[error("{0}")]
    Pin(String),
    /// The module could not be loaded or initialised.
    #[error("PKCS#11 module {module}: {message}")]
    Module {
        /// The module's path.
        module: PathBuf,
        /// What failed.
        message: String,
    },
    /// No such token.
    #[error("{token} is not present in PKCS#11 module {module}")]
    NoToken {
        /// The token asked for.
        token: TokenRef,
        /// The module's path.
        module: PathBuf,
    },
    /// The token refused the PIN.
    #[error("{token} refused the user PIN ({reason})")]
    Login {
        /// The token.
        token: TokenRef,
        /// CKR_PIN_INCORRECT, CKR_PIN_LOCKED, ...
        reason: String,
        /// What the refusal means, for a caller that branches on it.
        refusal: LoginRefusal,
    },
    /// No key of this label.
    #[error("{token} has no AES key labelled '{label}'")]
    NoKey {
        /// The token.
        token: TokenRef,
        /// The key's label.
        label: String,
    },
    /// A key is there but unfit (several of the label, extractable, not AES-256...).
    #[error("{token}: key '{label}' {problem}")]
    UnfitKey {
        /// The token.
        token: TokenRef,
        /// The key's label.
        label: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The ciphertext does not open under the key (another key of that label, or altered data).
    #[error("{token}: key '{label}' does not open this ciphertext (another key under that label, or altered data)")]
    Undecryptable {
        /// The token.
        token: TokenRef,
        /// The key's label.
        label: String,
    },
    /// Any other failure of a PKCS#11 call.
    #[error("{token}: {call} failed ({reason})")]
    Call {
        /// The token.
        token: TokenRef,
        /// What was being done.
        call: &'static str,
        /// The return value's name.
        reason: String,
        /// Whether the return value says the token cannot do this at all (a mechanism,
        /// attribute or template it does not support, or write protection), not that it
        /// failed this time.
        unfit: bool,
    },
}

/// Why a token refused a login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginRefusal {
    /// A wrong PIN (`CKR_PIN_INCORRECT`, `CKR_PIN_INVALID`, `CKR_PIN_LEN_RANGE`).
    WrongPin,
    /// Too many wrong PINs (`CKR_PIN_LOCKED`).
    Locked,
    /// The token has no user PIN (`CKR_USER_PIN_NOT_INITIALIZED`).
    NoUserPin,
    /// Anything else.
    Other,
}

impl PinSource {
    /// Reads the PIN.
    ///
    /// # Errors
    /// [`HsmError::Pin`] naming the variable or file (never the PIN).
    pub fn read(&self) -> Result<Zeroizing<String>, HsmError> {
        let text = match self {
            PinSource::Env(name) => Zeroizing::new(std::env::var(name).map_err(|_| {
                HsmError::Pin(format!("the environment variable {name} (the token PIN) is not set or not UTF-8"))
            })?),
            PinSource::File(path) => {
                let fail = |e: &dyn std::fmt::Display| {
                    HsmError::Pin(format!("the token PIN file {} cannot be read: {e}", path.display()))
                };
                let file = std::fs::File::open(path).map_err(|e| fail(&e))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt as _;
                    let mode = file.metadata().map_err(|e| fail(&e))?.permissions().mode();
                    if mode & 0o077 != 0 {
                        return Err(HsmError::Pin(format!(
                            "the token PIN file {} must not be accessible to group or others (chmod 600)",
                            path.display()
                        )));
                    }
                }
                let mut bytes = Zeroizing::new(Vec::new());
                file.take(MAX_PIN_LEN as u64 + 3).read_to_end(&mut bytes).map_err(|e| fail(&e))?;
                let text = std::str::from_utf8(&bytes).map_err(|_| fail(&"the PIN is not UTF-8"))?;
                Zeroizing::new(text.to_owned())
            }
        };
        let pin = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
        if pin.is_empty() || pin.len() > MAX_PIN_LEN {
            let origin = match self {
                PinSource::Env(name) => format!("the environment variable {name}"),
                PinSource::File(path) => path.display().to_string(),
            };
            return Err(HsmError::Pin(format!("the token PIN in {origin} must be 1 to {MAX_PIN_LEN} bytes")));
        }
        Ok(Zeroizing::new(pin.to_owned()))
    }
}

/// Whether a PKCS#11 return value says the token cannot do the call at all.
fn unfit(e: &CkError) -> bool {
    matches!(
        e,
        CkError::Pkcs11(
            RvError::MechanismInvalid
                | RvError::MechanismParamInvalid
                | RvError::TemplateIncomplete
                | RvError::TemplateInconsistent
                | RvError::AttributeTypeInvalid
                | RvError::AttributeValueInvalid
                | RvError::AttributeReadOnly
                | RvError::TokenWriteProtected
                | RvError::FunctionNotSupported
                | RvError::KeySizeRange,
            _
        )
    )
}

/// A PKCS#11 return value's name, as `CKR_PIN_INCORRECT` is written in logs and manuals.
fn reason(e: &CkError) -> String {
    match e {
        CkError::Pkcs11(rv, _) => format!("{rv:?}"),
        other => other.to_string(),
    }
}

/// The process's modules: each loaded and initialised once, never finalised (PKCS#11 allows
/// one `C_Initialize` per process and module).
fn module(path: &Path) -> Result<Pkcs11, HsmError> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut modules = MODULES.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    if let Some(m) = modules.get(path) {
        return Ok(m.clone());
    }
    let fail = |message: String| HsmError::Module { module: path.to_owned(), message };
    if !path.is_file() {
        return Err(fail("no such file (install the vendor's module, or correct the path)".into()));
    }
    let pkcs11 = Pkcs11::new(path).map_err(|e| fail(format!("cannot be loaded: {e}")))?;
    match pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(fail(format!("C_Initialize failed ({})", reason(&e)))),
    }
    modules.insert(path.to_owned(), pkcs11.clone());
    Ok(pkcs11)
}

/// A logged-in session with a token.
pub struct TokenSession {
    session: Session,
    token: TokenRef,
}

/// Opens a read-write session with the configured token and logs the user in.
///
/// # Errors
/// [`HsmError`] saying whether the module, the token or the PIN failed.
pub fn open(settings: &TokenSettings) -> Result<TokenSession, HsmError> {
    open_with_pin(&settings.module, &settings.token, &settings.pin.read()?)
}

/// Opens a read-write session with `token` of `module` and logs the user in with `pin` (a
/// custom key store's password).
///
/// # Errors
/// [`HsmError`] saying whether the module, the token or the PIN failed.
pub fn open_with_pin(module_path: &Path, token: &TokenRef, pin: &str) -> Result<TokenSession, HsmError> {
    let pin = AuthPin::from(pin);
    let pkcs11 = module(module_path)?;
    let token = token.clone();
    let call = |call, e: CkError| HsmError::Call { token: token.clone(), call, reason: reason(&e), unfit: unfit(&e) };
    let slot = find_slot(&pkcs11, &token)
        .map_err(|e| call("C_GetSlotList", e))?
        .ok_or_else(|| HsmError::NoToken { token: token.clone(), module: module_path.to_owned() })?;
    let session = pkcs11.open_rw_session(slot).map_err(|e| call("C_OpenSession", e))?;
    match session.login(UserType::User, Some(&pin)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
        Err(e) => {
            let refusal = match &e {
                CkError::Pkcs11(RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange, _) => {
                    LoginRefusal::WrongPin
                }
                CkError::Pkcs11(RvError::PinLocked, _) => LoginRefusal::Locked,
                CkError::Pkcs11(RvError::UserPinNotInitialized, _) => LoginRefusal::NoUserPin,
                _ => LoginRefusal::Other,
            };
            return Err(HsmError::Login { token, reason: reason(&e), refusal });
        }
    }
    Ok(TokenSession { session, token })
}

fn find_slot(pkcs11: &Pkcs11, token: &TokenRef) -> Result<Option<Slot>, CkError> {
    for slot in pkcs11.get_slots_with_initialized_token()? {
        let found = match token {
            TokenRef::Slot(id) => slot.id() == *id,
            TokenRef::Label(label) => pkcs11.get_token_info(slot)?.label().trim_end() == label,
        };
        if found {
            return Ok(Some(slot));
        }
    }
    Ok(None)
}

impl TokenSession {
    /// The token this session is with.
    pub fn token(&self) -> &TokenRef {
        &self.token
    }

    fn call(&self, call: &'static str) -> impl Fn(CkError) -> HsmError + '_ {
        move |e| HsmError::Call { token: self.token.clone(), call, reason: reason(&e), unfit: unfit(&e) }
    }

    /// `n` bytes from the token's random number generator (`C_GenerateRandom`).
    ///
    /// # Errors
    /// [`HsmError::Call`] when the token refuses.
    pub fn random(&self, n: usize) -> Result<Zeroizing<Vec<u8>>, HsmError> {
        let mut out = Zeroizing::new(vec![0u8; n]);
        self.session.generate_random_slice(&mut out).map_err(self.call("C_GenerateRandom"))?;
        Ok(out)
    }

    /// The one AES key labelled `label`, checked to be AES-256, sensitive and non-extractable.
    ///
    /// # Errors
    /// [`HsmError::NoKey`] when there is none; [`HsmError::UnfitKey`] when there are several or
    /// it could leave the token.
    pub fn find_aes_key(&self, label: &str) -> Result<ObjectHandle, HsmError> {
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        let found = self.session.find_objects(&template).map_err(self.call("C_FindObjects"))?;
        let unfit =
            |problem: String| HsmError::UnfitKey { token: self.token.clone(), label: label.to_owned(), problem };
        let key = match found.as_slice() {
            [] => return Err(HsmError::NoKey { token: self.token.clone(), label: label.to_owned() }),
            [key] => *key,
            many => return Err(unfit(format!("names {} keys; a label must name one", many.len()))),
        };
        let wanted = [AttributeType::Sensitive, AttributeType::Extractable, AttributeType::ValueLen];
        let attributes = self.session.get_attributes(key, &wanted).map_err(self.call("C_GetAttributeValue"))?;
        for attribute in attributes {
            match attribute {
                Attribute::Sensitive(false) => return Err(unfit("is not sensitive (CKA_SENSITIVE)".into())),
                Attribute::Extractable(true) => return Err(unfit("is extractable (CKA_EXTRACTABLE)".into())),
                Attribute::ValueLen(len) if usize::from(len) != 32 => {
                    return Err(unfit(format!("is {} bits; AES-256 is required", usize::from(len) * 8)));
                }
                _ => {}
            }
        }
        Ok(key)
    }

    /// Generates a token object: an AES-256 key labelled `label`, sensitive, non-extractable,
    /// for encryption and decryption only.
    ///
    /// # Errors
    /// [`HsmError::Call`] when the token refuses.
    pub fn generate_aes_key(&self, label: &str, id: &[u8]) -> Result<ObjectHandle, HsmError> {
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::ValueLen(32usize.try_into().map_err(|e| self.call("C_GenerateKey")(e))?),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Encrypt(true),
            Attribute::Decrypt(true),
            Attribute::Wrap(false),
            Attribute::Unwrap(false),
            Attribute::Derive(false),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.to_vec()),
        ];
        self.session.generate_key(&Mechanism::AesKeyGen, &template).map_err(self.call("C_GenerateKey"))
    }

    /// AES-GCM encryption inside the token: the ciphertext with its 16-byte tag appended.
    ///
    /// # Errors
    /// [`HsmError::Call`] when the token refuses.
    pub fn gcm_encrypt(
        &self,
        key: ObjectHandle,
        iv: &[u8; GCM_IV_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, HsmError> {
        let mut iv = *iv;
        let params = gcm_params(&mut iv, aad).map_err(self.call("C_EncryptInit"))?;
        self.session.encrypt(&Mechanism::AesGcm(params), key, plaintext).map_err(self.call("C_Encrypt"))
    }

    /// AES-GCM decryption inside the token.
    ///
    /// # Errors
    /// [`HsmError::Undecryptable`] when the tag does not verify; [`HsmError::Call`] otherwise.
    pub fn gcm_decrypt(
        &self,
        key: ObjectHandle,
        label: &str,
        iv: &[u8; GCM_IV_LEN],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, HsmError> {
        let mut iv = *iv;
        let params = gcm_params(&mut iv, aad).map_err(self.call("C_DecryptInit"))?;
        match self.session.decrypt(&Mechanism::AesGcm(params), key, ciphertext) {
            Ok(plain) => Ok(Zeroizing::new(plain)),
            // SoftHSM2 answers a tag that does not verify with CKR_GENERAL_ERROR (its decryption
            // of a well-formed input fails only there); PKCS#11 v3 names CKR_ENCRYPTED_DATA_INVALID.
            Err(CkError::Pkcs11(
                RvError::EncryptedDataInvalid | RvError::EncryptedDataLenRange | RvError::GeneralError,
                _,
            )) => Err(HsmError::Undecryptable { token: self.token.clone(), label: label.to_owned() }),
            Err(e) => Err(self.call("C_Decrypt")(e)),
        }
    }
}

impl TokenSession {
    /// The AES key object whose `CKA_ID` is `id`, if the token has one (a custom key store's
    /// key); several of that id are refused as unfit.
    ///
    /// # Errors
    /// [`HsmError::UnfitKey`] for several objects of the id; [`HsmError::Call`] when the token
    /// refuses.
    pub fn find_key_by_id(&self, id: &[u8]) -> Result<Option<ObjectHandle>, HsmError> {
        let template =
            [Attribute::Class(ObjectClass::SECRET_KEY), Attribute::KeyType(KeyType::AES), Attribute::Id(id.to_vec())];
        let found = self.session.find_objects(&template).map_err(self.call("C_FindObjects"))?;
        match found.as_slice() {
            [] => Ok(None),
            [key] => Ok(Some(*key)),
            many => Err(HsmError::UnfitKey {
                token: self.token.clone(),
                label: format!("CKA_ID {}", id.iter().map(|b| format!("{b:02x}")).collect::<String>()),
                problem: format!("names {} keys; an id must name one", many.len()),
            }),
        }
    }

    /// Destroys a token object (`C_DestroyObject`).
    ///
    /// # Errors
    /// [`HsmError::Call`] when the token refuses.
    pub fn destroy(&self, object: ObjectHandle) -> Result<(), HsmError> {
        self.session.destroy_object(object).map_err(self.call("C_DestroyObject"))
    }
}

fn gcm_params<'a>(iv: &'a mut [u8], aad: &'a [u8]) -> Result<GcmParams<'a>, CkError> {
    GcmParams::new(iv, aad, GCM_TAG_BITS.try_into()?)
}

/// Checks a label the configuration gives.
///
/// # Errors
/// A message naming `field`.
pub fn check_label(field: &str, label: &str) -> Result<(), String> {
    if label.is_empty() || label.len() > MAX_LABEL_LEN || label.chars().any(char::is_control) {
        return Err(format!("{field} must be 1 to {MAX_LABEL_LEN} bytes without control characters"));
    }
    Ok(())
}

pub mod clusters;

#[cfg(test)]
mod tests;
