//! The clusters of custom key stores (`[[hsm_clusters]]` in `trent.toml`): each a PKCS#11
//! token named by a CloudHSM-style cluster id, and a pool of logged-in sessions per connected
//! store so that no request logs in.
//!
//! The domain asks through [`trent_core::kms::HsmClusters`]; every PKCS#11 call runs on a
//! blocking thread. A session that fails is dropped, not returned to the pool, and the next
//! call opens a new one (a token removed and re-inserted, a module restarted): the store
//! reconnects by itself. The PIN, the store's password, is held in a zeroizing string for
//! those reconnections and never logged.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use cryptoki::object::ObjectHandle;
use parking_lot::Mutex;
use serde::Deserialize;
use trent_core::kms::{ConnectionErrorCode, HsmCluster, HsmClusters, HsmConnection, HsmFailure, HsmKeyError};
use trent_crypto::{HSM_IV_LEN, Plaintext, SecretBytes};
use zeroize::Zeroizing;

use super::{HsmError, LoginRefusal, TokenRef, TokenSession, check_label, open_with_pin};

/// Most idle sessions a connected store keeps open.
pub const MAX_IDLE_SESSIONS: usize = 8;
/// Largest trust anchor certificate file read (the model's `TrustAnchorCertificateType`).
const MAX_TRUST_ANCHOR: u64 = 5000;

/// `[[hsm_clusters]]` in `trent.toml`, as given.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHsmCluster {
    /// `cluster_id`: the `CloudHsmClusterId` that names this token (`cluster-` and 11 to 16
    /// letters or digits 2-7).
    pub cluster_id: Option<String>,
    /// `module`: the vendor's PKCS#11 library (absolute path).
    pub module: Option<PathBuf>,
    /// `token_label`: the token's label (or `slot`).
    pub token_label: Option<String>,
    /// `slot`: the token's slot id (or `token_label`).
    pub slot: Option<u64>,
    /// `trust_anchor_file`: the certificate (PEM) a store must present as its
    /// `TrustAnchorCertificate`; without it any PEM certificate is accepted.
    pub trust_anchor_file: Option<PathBuf>,
}

/// A validated cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterSettings {
    /// The cluster id.
    pub cluster_id: String,
    /// The module.
    pub module: PathBuf,
    /// The token.
    pub token: TokenRef,
    /// The trust anchor certificate's text, if one is configured.
    pub trust_anchor: Option<String>,
}

/// Whether `id` is a cluster id as AWS spells them: `cluster-[2-7a-zA-Z]{11,16}`.
pub fn is_cluster_id(id: &str) -> bool {
    id.strip_prefix("cluster-").is_some_and(|tail| {
        (11..=16).contains(&tail.len()) && tail.chars().all(|c| matches!(c, '2'..='7' | 'a'..='z' | 'A'..='Z'))
    })
}

/// Checks every `[[hsm_clusters]]` entry.
///
/// # Errors
/// `(field, message)` for the first entry that is wrong.
pub fn validate(raw: Vec<RawHsmCluster>) -> Result<Vec<ClusterSettings>, (&'static str, String)> {
    let mut out: Vec<ClusterSettings> = Vec::with_capacity(raw.len());
    for (i, entry) in raw.into_iter().enumerate() {
        let at = |message: String| format!("entry {}: {message}", i + 1);
        let cluster_id = entry.cluster_id.unwrap_or_default();
        if !is_cluster_id(&cluster_id) {
            return Err((
                "hsm_clusters.cluster_id",
                at(format!("'{cluster_id}' is not a cluster id (cluster- and 11 to 16 of a-z, A-Z, 2-7)")),
            ));
        }
        if out.iter().any(|c| c.cluster_id == cluster_id) {
            return Err(("hsm_clusters.cluster_id", at(format!("'{cluster_id}' is named twice"))));
        }
        let module = match entry.module {
            Some(m) if m.is_absolute() => m,
            _ => return Err(("hsm_clusters.module", at("must be an absolute path to the PKCS#11 module".into()))),
        };
        let token = match (entry.slot, entry.token_label) {
            (Some(slot), None) => TokenRef::Slot(slot),
            (None, Some(label)) => {
                check_label("hsm_clusters.token_label", &label).map_err(|m| ("hsm_clusters.token_label", at(m)))?;
                TokenRef::Label(label)
            }
            _ => return Err(("hsm_clusters.token_label", at("give one of slot and token_label".into()))),
        };
        let trust_anchor = match entry.trust_anchor_file {
            None => None,
            Some(path) => {
                let fail = |e: &dyn std::fmt::Display| {
                    ("hsm_clusters.trust_anchor_file", at(format!("{}: {e}", path.display())))
                };
                let len = std::fs::metadata(&path).map_err(|e| fail(&e))?.len();
                if len > MAX_TRUST_ANCHOR {
                    return Err(fail(&format!("larger than {MAX_TRUST_ANCHOR} bytes")));
                }
                Some(std::fs::read_to_string(&path).map_err(|e| fail(&e))?)
            }
        };
        out.push(ClusterSettings { cluster_id, module, token, trust_anchor });
    }
    Ok(out)
}

/// The configured clusters, reached through PKCS#11.
#[derive(Debug, Default)]
pub struct Pkcs11Clusters {
    clusters: Vec<ClusterSettings>,
}

impl Pkcs11Clusters {
    /// The clusters of a validated configuration.
    pub fn new(clusters: Vec<ClusterSettings>) -> Self {
        Self { clusters }
    }
}

/// What AWS reports for a failed login or a missing token.
fn connection_error(e: &HsmError) -> ConnectionErrorCode {
    match e {
        HsmError::Login { refusal: LoginRefusal::WrongPin, .. } => ConnectionErrorCode::InvalidCredentials,
        HsmError::Login { refusal: LoginRefusal::Locked, .. } => ConnectionErrorCode::UserLockedOut,
        HsmError::Login { refusal: LoginRefusal::NoUserPin, .. } => ConnectionErrorCode::UserNotFound,
        HsmError::NoToken { .. } | HsmError::Module { .. } => ConnectionErrorCode::ClusterNotFound,
        HsmError::Login { refusal: LoginRefusal::Other, .. }
        | HsmError::Pin(_)
        | HsmError::NoKey { .. }
        | HsmError::UnfitKey { .. }
        | HsmError::Undecryptable { .. }
        | HsmError::Call { .. } => ConnectionErrorCode::InternalError,
    }
}

#[async_trait]
impl HsmClusters for Pkcs11Clusters {
    fn cluster(&self, cluster_id: &str) -> Option<HsmCluster> {
        self.clusters.iter().find(|c| c.cluster_id == cluster_id).map(|c| HsmCluster {
            trust_anchor: c.trust_anchor.clone(),
            token: format!("{}|{}", c.module.display(), c.token),
        })
    }

    async fn connect(
        &self,
        cluster_id: &str,
        password: &SecretBytes,
    ) -> Result<Arc<dyn HsmConnection>, ConnectionErrorCode> {
        let Some(settings) = self.clusters.iter().find(|c| c.cluster_id == cluster_id).cloned() else {
            return Err(ConnectionErrorCode::ClusterNotFound);
        };
        let pin = std::str::from_utf8(password.expose_secret())
            .map(|p| Zeroizing::new(p.to_owned()))
            .map_err(|_| ConnectionErrorCode::InvalidCredentials)?;
        let pool = SessionPool(Arc::new(PoolInner {
            settings,
            pin,
            idle: Mutex::new(Vec::new()),
            handles: Mutex::new(HashMap::new()),
        }));
        // The first session proves the password; it stays in the pool.
        let first = pool.clone();
        let session = tokio::task::spawn_blocking(move || first.open())
            .await
            .map_err(|_| ConnectionErrorCode::InternalError)?
            .map_err(|e| {
                tracing::warn!(error = %e, cluster = %cluster_id, "a custom key store's token refused to connect");
                connection_error(&e)
            })?;
        pool.put(session);
        Ok(Arc::new(pool))
    }
}

/// The logged-in sessions of one connected store; clones share them.
#[derive(Clone)]
struct SessionPool(Arc<PoolInner>);

struct PoolInner {
    settings: ClusterSettings,
    pin: Zeroizing<String>,
    idle: Mutex<Vec<TokenSession>>,
    /// The handle of each key object found so far, by `CKA_ID`: a token object's handle
    /// stays valid for every session of the process while the object exists, so a request
    /// does not search the token. Dropped when an operation with it fails or it is destroyed.
    handles: Mutex<HashMap<Vec<u8>, ObjectHandle>>,
}

/// Most key handles a pool remembers (beyond, lookups search the token).
const MAX_CACHED_HANDLES: usize = 10_000;

impl SessionPool {
    fn open(&self) -> Result<TokenSession, HsmError> {
        open_with_pin(&self.0.settings.module, &self.0.settings.token, &self.0.pin)
    }

    fn put(&self, session: TokenSession) {
        let mut idle = self.0.idle.lock();
        if idle.len() < MAX_IDLE_SESSIONS {
            idle.push(session);
        }
    }

    /// Runs `f` with a pooled session (or a new one) on a blocking thread; the session goes
    /// back to the pool only if `f` succeeded, so a broken session is closed and replaced.
    async fn with_session<T: Send + 'static>(
        &self,
        f: impl FnOnce(&TokenSession) -> Result<T, HsmError> + Send + 'static,
    ) -> Result<T, HsmFailure> {
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = pool.0.idle.lock().pop();
            let session = match pooled {
                Some(s) => s,
                None => pool.open()?,
            };
            let out = f(&session)?;
            pool.put(session);
            Ok(out)
        })
        .await
        .map_err(|e| HsmFailure(Box::new(e)))?
        .map_err(|e: HsmError| HsmFailure(Box::new(e)))
    }
}

impl SessionPool {
    /// The key object of `id`, from the handle cache or the token.
    fn key(&self, session: &TokenSession, id: &[u8]) -> Result<Option<ObjectHandle>, HsmError> {
        if let Some(handle) = self.0.handles.lock().get(id) {
            return Ok(Some(*handle));
        }
        let found = session.find_key_by_id(id)?;
        if let Some(handle) = found {
            self.remember(id, handle);
        }
        Ok(found)
    }

    fn remember(&self, id: &[u8], handle: ObjectHandle) {
        let mut handles = self.0.handles.lock();
        if handles.len() < MAX_CACHED_HANDLES {
            handles.insert(id.to_vec(), handle);
        }
    }

    fn forget(&self, id: &[u8]) {
        self.0.handles.lock().remove(id);
    }

    /// Runs `f` with the key object `id` on a pooled session: `None` when the token has no
    /// such object. When `f` fails with a remembered handle, the handle is forgotten and the
    /// token searched again: the object was deleted in the token by someone else (`None`), or
    /// replaced (restored from a backup: `f` runs once more with the object found).
    async fn with_key<T: Send + 'static>(
        &self,
        id: &[u8],
        f: impl Fn(&TokenSession, ObjectHandle) -> Result<T, HsmError> + Send + 'static,
    ) -> Result<Option<T>, HsmFailure> {
        let pool = self.clone();
        let id = id.to_vec();
        self.with_session(move |s| {
            let Some(key) = pool.key(s, &id)? else { return Ok(None) };
            let failed = match f(s, key) {
                Ok(out) => return Ok(Some(out)),
                Err(e) => e,
            };
            pool.forget(&id);
            match s.find_key_by_id(&id)? {
                None => Ok(None),
                Some(found) if found != key => {
                    let out = f(s, found)?;
                    pool.remember(&id, found);
                    Ok(Some(out))
                }
                Some(_) => Err(failed),
            }
        })
        .await
    }
}

/// A failed token call as the domain sees it: unfit when the token cannot do it at all.
fn key_error(e: HsmFailure) -> HsmKeyError {
    match e.0.downcast_ref::<HsmError>() {
        Some(HsmError::Call { unfit: true, .. }) => HsmKeyError::Unfit(e),
        _ => HsmKeyError::Failed(e),
    }
}

#[async_trait]
impl HsmConnection for SessionPool {
    async fn random(&self, n: usize) -> Result<SecretBytes, HsmFailure> {
        let bytes = self.with_session(move |s| s.random(n)).await?;
        Ok(SecretBytes::from_slice(&bytes))
    }

    async fn generate_key(&self, label: &str, object_id: &[u8]) -> Result<(), HsmKeyError> {
        let (label, id) = (label.to_owned(), object_id.to_vec());
        let pool = self.clone();
        self.with_session(move |s| {
            let handle = s.generate_aes_key(&label, &id)?;
            pool.remember(&id, handle);
            Ok(())
        })
        .await
        .map_err(key_error)
    }

    async fn encrypt(
        &self,
        object_id: &[u8],
        iv: [u8; HSM_IV_LEN],
        aad: Vec<u8>,
        plaintext: SecretBytes,
    ) -> Result<Vec<u8>, HsmKeyError> {
        self.with_key(object_id, move |s, key| s.gcm_encrypt(key, &iv, &aad, plaintext.expose_secret()))
            .await
            .map_err(HsmKeyError::Failed)?
            .ok_or(HsmKeyError::NoKey)
    }

    async fn decrypt(
        &self,
        object_id: &[u8],
        iv: [u8; HSM_IV_LEN],
        aad: Vec<u8>,
        sealed: Vec<u8>,
    ) -> Result<Plaintext, HsmKeyError> {
        // A tag that does not verify is the caller's ciphertext, not the session's failure:
        // it keeps the session and the handle.
        let opened = self
            .with_key(object_id, move |s, key| match s.gcm_decrypt(key, "", &iv, &aad, &sealed) {
                Ok(mut plain) => Ok(Some(Plaintext::new(std::mem::take(&mut *plain)))),
                Err(HsmError::Undecryptable { .. }) => Ok(None),
                Err(e) => Err(e),
            })
            .await
            .map_err(HsmKeyError::Failed)?;
        match opened {
            None => Err(HsmKeyError::NoKey),
            Some(None) => Err(HsmKeyError::Unauthentic),
            Some(Some(plain)) => Ok(plain),
        }
    }

    async fn destroy_key(&self, object_id: &[u8]) -> Result<bool, HsmKeyError> {
        let pool = self.clone();
        let id = object_id.to_vec();
        self.with_session(move |s| {
            pool.forget(&id);
            match s.find_key_by_id(&id)? {
                Some(key) => s.destroy(key).map(|()| true),
                None => Ok(false),
            }
        })
        .await
        .map_err(HsmKeyError::Failed)
    }
}
