//! Accounts and access keys with fixed ids and secrets, from a seed file. Idempotent: an
//! account or key that exists with the same content is left alone; an access key that exists
//! with another secret or for another user is an error.

use trent_crypto::{SecretBytes, constant_time_eq};

use super::cache::Change;
use super::{
    ADMINISTRATOR_POLICY, Account, Identities, IdentityError, InlinePolicy, PolicyOwner, User, access_key_wrap_aad,
};
use crate::ids::AccountId;
use crate::policy::{Policy, PolicyKind};
use crate::store::StoreError;

/// An access key to seed: the IAM user it belongs to (created if missing) and that user's
/// inline policy (`AdministratorAccess` when none is given).
#[derive(Debug)]
pub struct SeedAccessKey {
    /// The account.
    pub account: AccountId,
    /// The user name.
    pub user: String,
    /// The user's inline policy document (named `seed`), or administrator access.
    pub policy: Option<String>,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret: SecretBytes,
    /// Check the policy and conflicts with stored keys; write nothing.
    pub dry_run: bool,
}

impl Identities {
    /// Seeds an account with a fixed id (idempotently). Returns whether it was created.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn seed_account(&self, id: &AccountId, name: &str) -> Result<bool, IdentityError> {
        if self.store.get_account(id).await?.is_some() {
            return Ok(false);
        }
        let account = Account { id: id.clone(), name: name.to_owned(), created_at: self.clock.now() };
        match self.store.insert_account(&account).await {
            Ok(()) => Ok(true),
            Err(StoreError::AlreadyExists) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Seeds a user with its policy and access key (idempotently). Returns whether the access
    /// key was created.
    ///
    /// # Errors
    /// [`IdentityError::MalformedPolicyDocument`] for a bad policy; [`IdentityError::EntityAlreadyExists`]
    /// if the access key exists with another secret or user; storage errors.
    pub async fn seed_access_key(&self, seed: SeedAccessKey) -> Result<bool, IdentityError> {
        let document = seed.policy.clone().unwrap_or_else(|| ADMINISTRATOR_POLICY.to_owned());
        Policy::parse(&document, PolicyKind::Identity)
            .map_err(|e| IdentityError::MalformedPolicyDocument(e.to_string()))?;
        if let Some(existing) = self.store.get_access_key(&seed.access_key_id).await? {
            let secret = self.wrapper.unwrap(&access_key_wrap_aad(&seed.access_key_id), &existing.secret_wrapped)?;
            let same_user = existing.principal.account == seed.account
                && matches!(&existing.principal.kind, super::PrincipalKind::User { name, .. } if *name == seed.user);
            if same_user && constant_time_eq(secret.expose_secret(), seed.secret.expose_secret()) {
                return Ok(false);
            }
            return Err(IdentityError::EntityAlreadyExists(format!(
                "Access key {} exists with another secret or user",
                seed.access_key_id
            )));
        }
        if seed.dry_run {
            return Ok(true);
        }
        let user = match self.store.get_user(&seed.account, &seed.user).await? {
            Some(user) => user,
            None => {
                let user = User {
                    account: seed.account.clone(),
                    name: seed.user.clone(),
                    path: "/".to_owned(),
                    user_id: Self::new_unique_id("AIDA")?,
                    created_at: self.clock.now(),
                    tags: Vec::new(),
                };
                self.store.insert_user(&user).await?;
                user
            }
        };
        let policy = InlinePolicy { owner: PolicyOwner::User(user.name.clone()), name: "seed".to_owned(), document };
        self.store.put_policy(&seed.account, &policy).await?;
        self.insert_access_key(&seed.access_key_id, &seed.secret, user.principal()).await?;
        self.cache.invalidate(Change::User(&seed.account, &user.name));
        Ok(true)
    }
}
