//! The identity service object: accounts, the first administrator of an account, raw access
//! keys, and the generators of AWS-shaped ids and secrets.
//!
//! The IAM and STS operations are in sibling modules (`users`, `access_keys`, `groups`,
//! `roles`, `policies`, `sts`), each an `impl Identities` block; authentication's lookup and
//! its cache are in `load` and `cache`.

use std::sync::Arc;

use trent_crypto::{SecretBytes, fill_random};

use super::cache::CredentialCache;
use super::{AccessKeyRecord, AccessKeyStatus, Account, Exists, IdentityError, InlinePolicy, PolicyOwner, User};
use super::{Principal, access_key_wrap_aad};
use crate::clock::SharedClock;
use crate::ids::AccountId;
use crate::seal::KeyWrapper;
use crate::store::{Batch, IdentityStore, StoreError};

/// The inline policy every account's first administrator gets: everything on everything.
pub const ADMINISTRATOR_POLICY_NAME: &str = "AdministratorAccess";
/// The document of [`ADMINISTRATOR_POLICY_NAME`] (the same as AWS's managed policy).
pub const ADMINISTRATOR_POLICY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
/// The user name of an account's first administrator.
pub const ADMINISTRATOR_USER: &str = "admin";

/// A freshly created access key, the only time its secret is shown.
pub struct NewAccessKey {
    /// `AKIA...` (or `ASIA...` for session credentials).
    pub access_key_id: String,
    /// The 40-character secret access key.
    pub secret_access_key: SecretBytes,
}

impl std::fmt::Debug for NewAccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccessKey").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `n` random characters of a power-of-two-sized `alphabet`.
pub(crate) fn random_chars(alphabet: &[u8], n: usize) -> Result<Vec<u8>, trent_crypto::CryptoError> {
    let mut raw = vec![0u8; n];
    fill_random(&mut raw)?;
    // Both alphabets have power-of-two sizes, so masking is unbiased.
    let mask = (alphabet.len() - 1) as u8;
    Ok(raw.iter().map(|b| alphabet[(b & mask) as usize]).collect())
}

/// A new access key id: `prefix` (`AKIA` long-term, `ASIA` temporary) + 16 base32 characters.
pub(crate) fn new_access_key_id(prefix: &str) -> Result<String, trent_crypto::CryptoError> {
    Ok(format!("{prefix}{}", String::from_utf8_lossy(&random_chars(BASE32, 16)?)))
}

/// A new 40-character secret access key.
pub(crate) fn new_secret() -> Result<SecretBytes, trent_crypto::CryptoError> {
    Ok(SecretBytes::new(random_chars(BASE64, 40)?))
}

/// A new session token: 256 base64 characters (1536 random bits).
pub(crate) fn new_session_token() -> Result<SecretBytes, trent_crypto::CryptoError> {
    Ok(SecretBytes::new(random_chars(BASE64, 256)?))
}

/// The identity service.
pub struct Identities {
    pub(crate) store: Arc<dyn IdentityStore>,
    pub(crate) wrapper: Arc<dyn KeyWrapper>,
    pub(crate) clock: SharedClock,
    pub(crate) cache: CredentialCache,
}

impl std::fmt::Debug for Identities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identities").field("cached_credentials", &self.cache.len()).finish_non_exhaustive()
    }
}

/// `AlreadyExists` from creating `account` as IAM's `EntityAlreadyExists`.
fn account_exists(e: StoreError, account: &Account) -> IdentityError {
    match e {
        StoreError::AlreadyExists => IdentityError::EntityAlreadyExists(Exists::Account(account.id.clone())),
        other => other.into(),
    }
}

impl Identities {
    /// Builds the service.
    pub fn new(store: Arc<dyn IdentityStore>, wrapper: Arc<dyn KeyWrapper>, clock: SharedClock) -> Self {
        Self { store, wrapper, clock, cache: CredentialCache::default() }
    }

    /// Forgets every cached credential (after the store was emptied by a reset).
    pub fn invalidate_cache(&self) {
        self.cache.clear();
    }

    /// Hands every invalidation of the credential cache to `sink` too, for other nodes.
    #[must_use]
    pub fn with_invalidations(mut self, sink: Arc<dyn crate::InvalidationSink>) -> Self {
        self.cache.set_sink(sink);
        self
    }

    /// Applies an invalidation another node published: drops the credentials it names.
    pub fn apply_remote(&self, change: &crate::Invalidation) {
        self.cache.apply_remote(change);
    }

    /// The access key ids of the credentials cached now, for a periodic check of the cache
    /// against the store ([`Identities::drop_changed_credentials`]).
    pub fn cached_credential_ids(&self) -> Vec<String> {
        self.cache.ids()
    }

    /// The full check of the credential cache against the store: keeps each cached entry
    /// whose stamp (read when it was loaded, [`crate::IdentityStore::credential_stamp`]) is
    /// its stamp in `current` (`None` for credentials no longer stored), drops every other
    /// entry `current` names and leaves those it does not name for the next check. Returns how
    /// many entries it dropped.
    pub fn drop_changed_credentials(&self, current: &std::collections::HashMap<String, Option<String>>) -> usize {
        self.cache.drop_changed(current)
    }

    /// Lookups of the credential cache so far: (hits, misses).
    pub fn cache_stats(&self) -> (u64, u64) {
        self.cache.stats()
    }

    /// How many credentials are cached (a gauge for operators).
    pub fn cached_credentials(&self) -> usize {
        self.cache.len()
    }

    /// A unique principal id such as AWS shows as `userId`: `prefix` (`AIDA` for users,
    /// `AGPA` for groups, `AROA` for roles) and 17 random base32 characters.
    ///
    /// # Errors
    /// If the random generator fails.
    pub fn new_unique_id(prefix: &str) -> Result<String, trent_crypto::CryptoError> {
        let chars = random_chars(BASE32, 17)?;
        Ok(format!("{prefix}{}", String::from_utf8_lossy(&chars)))
    }

    /// Creates an account with `id`, or a random 12-digit id.
    ///
    /// # Errors
    /// [`IdentityError::EntityAlreadyExists`] if the id is taken.
    pub async fn create_account(&self, id: Option<AccountId>, name: &str) -> Result<Account, IdentityError> {
        let account = self.new_account(id, name)?;
        self.store.insert_account(&account).await.map_err(|e| account_exists(e, &account))?;
        Ok(account)
    }

    /// A new account record with `id`, or a random 12-digit id, created now.
    fn new_account(&self, id: Option<AccountId>, name: &str) -> Result<Account, IdentityError> {
        let id = match id {
            Some(id) => id,
            None => {
                let mut raw = [0u8; 8];
                fill_random(&mut raw)?;
                // 100000000000..=999999999999: twelve digits, never a leading zero.
                let n = 100_000_000_000 + u64::from_be_bytes(raw) % 900_000_000_000;
                AccountId::from_u64(n).expect("twelve digits")
            }
        };
        Ok(Account { id, name: name.to_owned(), created_at: self.clock.now() })
    }

    /// Every account.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn accounts(&self) -> Result<Vec<Account>, IdentityError> {
        Ok(self.store.list_accounts().await?)
    }

    /// Creates an account and its first administrator: the IAM user [`ADMINISTRATOR_USER`]
    /// with the inline policy [`ADMINISTRATOR_POLICY_NAME`] and one access key, returned
    /// with its secret (shown this once). One write: a failure leaves no account without its
    /// administrator.
    ///
    /// # Errors
    /// [`IdentityError::EntityAlreadyExists`] if the id is taken; storage or crypto errors.
    pub async fn create_account_with_admin(
        &self,
        id: Option<AccountId>,
        name: &str,
    ) -> Result<(Account, NewAccessKey), IdentityError> {
        let (batch, account, key) = self.plan_account_with_admin(id, name)?;
        self.store.apply_batch(&batch).await.map_err(|e| account_exists(e, &account))?;
        Ok((account, key))
    }

    /// What [`Identities::create_account_with_admin`] writes, without writing it: the batch to
    /// store, the account, and the administrator's access key with its secret. For a caller
    /// that must put the secret somewhere safe before the account exists.
    ///
    /// # Errors
    /// Crypto errors (randomness, wrapping).
    pub fn plan_account_with_admin(
        &self,
        id: Option<AccountId>,
        name: &str,
    ) -> Result<(Batch, Account, NewAccessKey), IdentityError> {
        let account = self.new_account(id, name)?;
        let user = User {
            account: account.id.clone(),
            name: ADMINISTRATOR_USER.to_owned(),
            path: "/".to_owned(),
            user_id: Self::new_unique_id("AIDA")?,
            created_at: self.clock.now(),
            tags: Vec::new(),
        };
        let policy = InlinePolicy {
            owner: PolicyOwner::User(user.name.clone()),
            name: ADMINISTRATOR_POLICY_NAME.to_owned(),
            document: ADMINISTRATOR_POLICY.to_owned(),
        };
        let access_key_id = new_access_key_id("AKIA")?;
        let secret = new_secret()?;
        let record = self.access_key_record(&access_key_id, &secret, user.principal())?;
        let batch = Batch {
            accounts: vec![account.clone()],
            users: vec![user],
            policies: vec![(account.id.clone(), policy)],
            access_keys: vec![record],
            ..Batch::default()
        };
        Ok((batch, account, NewAccessKey { access_key_id, secret_access_key: secret }))
    }

    /// Creates an active access key for `principal` without quota or permission checks
    /// (seeding, root keys); the secret is stored wrapped.
    ///
    /// # Errors
    /// Storage or crypto errors.
    pub async fn create_access_key(&self, principal: Principal) -> Result<NewAccessKey, IdentityError> {
        let access_key_id = new_access_key_id("AKIA")?;
        let secret = new_secret()?;
        self.insert_access_key(&access_key_id, &secret, principal).await?;
        Ok(NewAccessKey { access_key_id, secret_access_key: secret })
    }

    /// Stores an access key with a given id and secret (seeded or imported credentials).
    ///
    /// # Errors
    /// [`IdentityError::EntityAlreadyExists`] if the id is taken.
    pub async fn insert_access_key(
        &self,
        access_key_id: &str,
        secret: &SecretBytes,
        principal: Principal,
    ) -> Result<(), IdentityError> {
        let record = self.access_key_record(access_key_id, secret, principal)?;
        self.store.insert_access_key(&record).await.map_err(|e| match e {
            StoreError::AlreadyExists => {
                IdentityError::EntityAlreadyExists(Exists::AccessKey(access_key_id.to_owned()))
            }
            other => other.into(),
        })
    }

    /// A new active access key record with `secret` wrapped under the root key.
    pub(crate) fn access_key_record(
        &self,
        access_key_id: &str,
        secret: &SecretBytes,
        principal: Principal,
    ) -> Result<AccessKeyRecord, IdentityError> {
        let secret_wrapped = self.wrapper.wrap(&access_key_wrap_aad(access_key_id), secret.expose_secret())?;
        Ok(AccessKeyRecord {
            access_key_id: access_key_id.to_owned(),
            principal,
            secret_wrapped,
            status: AccessKeyStatus::Active,
            created_at: self.clock.now(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_credentials_have_aws_shapes() {
        let id = new_access_key_id("AKIA").unwrap();
        assert_eq!(id.len(), 20);
        assert!(id.bytes().skip(4).all(|c| BASE32.contains(&c)));
        let secret = new_secret().unwrap();
        assert_eq!(secret.len(), 40);
        assert_ne!(secret.expose_secret(), new_secret().unwrap().expose_secret());
        assert_eq!(new_session_token().unwrap().len(), 256);
        assert_eq!(Identities::new_unique_id("AROA").unwrap().len(), 21);
    }

    #[test]
    fn the_administrator_policy_parses_as_an_identity_policy() {
        crate::policy::Policy::parse(ADMINISTRATOR_POLICY, crate::policy::PolicyKind::Identity).unwrap();
    }
}
