//! The audit signing key: an Ed25519 key generated on first start, its private half wrapped
//! under the root key (AAD [`SIGNING_KEY_AAD`]) and both halves kept in the [`MetaStore`].
//!
//! Only the writer signs. Verifying needs the public key alone, which `trent audit verify`
//! prints so that an operator can pin it (`--public-key`): a public key read from the same
//! database an attacker can write is only as trustworthy as that database.

use trent_crypto::{Ed25519SigningKey, constant_time_eq};

use super::AuditError;
use crate::seal::KeyWrapper;
use crate::store::{AuditStore, MetaStore};

/// The additional authenticated data the private key is wrapped with.
pub const SIGNING_KEY_AAD: &[u8] = b"trent/audit-signing-key/v1";
/// Meta entry holding the wrapped PKCS#8 private key.
pub const META_SIGNING_KEY: &str = "audit_signing_key_wrapped";
/// Meta entry holding the 32-byte public key.
pub const META_PUBLIC_KEY: &str = "audit_signing_public_key";

/// The private audit signing key, unwrapped in memory for the writer.
#[derive(Debug)]
pub struct AuditSigner {
    key: Ed25519SigningKey,
    public: [u8; 32],
}

impl AuditSigner {
    /// Loads the signing key, or creates and stores it on first start.
    ///
    /// The wrapped private key is written before the public key, so a crash in between leaves
    /// a state this function completes. A public key without its private key, or no key at all
    /// while digests exist, means the key was removed: refused rather than silently replaced,
    /// since a new key would re-sign history under a key no operator pinned.
    ///
    /// # Errors
    /// [`AuditError::SigningKey`] for a missing, unwrappable or mismatched key,
    /// [`AuditError::Store`] if the store fails.
    pub async fn load_or_create<S>(store: &S, wrapper: &dyn KeyWrapper) -> Result<Self, AuditError>
    where
        S: MetaStore + AuditStore + ?Sized,
    {
        let wrapped = store.get_meta(META_SIGNING_KEY).await.map_err(AuditError::Store)?;
        let public = store.get_meta(META_PUBLIC_KEY).await.map_err(AuditError::Store)?;
        match (wrapped, public) {
            (Some(wrapped), public) => {
                let pkcs8 = wrapper
                    .unwrap(SIGNING_KEY_AAD, &wrapped)
                    .map_err(|_| AuditError::SigningKey("the audit signing key does not unwrap under this root key"))?;
                let key = Ed25519SigningKey::from_pkcs8(pkcs8.expose_secret())
                    .map_err(|_| AuditError::SigningKey("the stored audit signing key is malformed"))?;
                let derived = key.public_key();
                match public {
                    Some(stored) if constant_time_eq(&stored, &derived) => {}
                    Some(_) => {
                        return Err(AuditError::SigningKey(
                            "the stored audit public key does not match the private key (tampered)",
                        ));
                    }
                    None => store.put_meta(META_PUBLIC_KEY, &derived).await.map_err(AuditError::Store)?,
                }
                Ok(Self { key, public: derived })
            }
            (None, Some(_)) => {
                Err(AuditError::SigningKey("the audit public key is stored but its private key is missing"))
            }
            (None, None) => {
                let head = store.audit_head().await.map_err(AuditError::Store)?;
                if head.last_digest.is_some() {
                    return Err(AuditError::SigningKey("digests exist but the audit signing key is missing"));
                }
                let key = Ed25519SigningKey::generate().map_err(AuditError::Crypto)?;
                let pkcs8 = key.to_pkcs8().map_err(AuditError::Crypto)?;
                let wrapped = wrapper.wrap(SIGNING_KEY_AAD, pkcs8.expose_secret()).map_err(AuditError::Crypto)?;
                store.put_meta(META_SIGNING_KEY, &wrapped).await.map_err(AuditError::Store)?;
                let public = key.public_key();
                store.put_meta(META_PUBLIC_KEY, &public).await.map_err(AuditError::Store)?;
                tracing::info!(public_key = %hex(&public), "created the audit signing key");
                Ok(Self { key, public })
            }
        }
    }

    /// A signer over a key held only in memory, for tests and benchmarks.
    ///
    /// # Errors
    /// [`AuditError::Crypto`] if the random generator fails.
    pub fn ephemeral() -> Result<Self, AuditError> {
        let key = Ed25519SigningKey::generate().map_err(AuditError::Crypto)?;
        let public = key.public_key();
        Ok(Self { key, public })
    }

    /// The public key digests verify under.
    pub fn public_key(&self) -> [u8; 32] {
        self.public
    }

    /// Signs a digest payload.
    pub(crate) fn sign(&self, payload: &[u8]) -> [u8; 64] {
        self.key.sign(payload)
    }
}

/// Reads the stored audit public key, for a verifier that holds no secret.
///
/// # Errors
/// [`AuditError::Store`] if the store fails, [`AuditError::SigningKey`] if the stored value
/// is not 32 bytes.
pub async fn stored_public_key(store: &(impl MetaStore + ?Sized)) -> Result<Option<[u8; 32]>, AuditError> {
    match store.get_meta(META_PUBLIC_KEY).await.map_err(AuditError::Store)? {
        None => Ok(None),
        Some(bytes) => <[u8; 32]>::try_from(bytes.as_slice())
            .map(Some)
            .map_err(|_| AuditError::SigningKey("the stored audit public key is not 32 bytes")),
    }
}

/// Lower-case hex, for printing public keys and hashes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses 64 hex digits: a public key or a hash, as `trent audit verify` prints them.
pub fn parse_hex32(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}
