//! Accounts and access keys with fixed ids and secrets, from a seed file. Idempotent: an
//! account or key that exists with the same content is left alone; an access key that exists
//! with another secret or for another user is an error.
//!
//! Seeding only plans: each item is checked against the store and what it needs is added to a
//! [`Batch`], which the caller writes at once with the rest of the seed (keys and aliases), so
//! that a failure leaves no part of the seed behind.

use trent_crypto::{SecretBytes, constant_time_eq};

use super::{
    ADMINISTRATOR_POLICY, AccessKeyRecord, Account, Exists, Identities, IdentityError, InlinePolicy, PolicyOwner, User,
    access_key_wrap_aad,
};
use crate::ids::AccountId;
use crate::policy::{Policy, PolicyKind};
use crate::store::Batch;

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
}

impl Identities {
    /// Plans seeding an account with a fixed id (idempotently): adds it to `batch` unless it is
    /// stored or planned already. Returns whether it will be created.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn plan_seed_account(
        &self,
        id: &AccountId,
        name: &str,
        batch: &mut Batch,
    ) -> Result<bool, IdentityError> {
        if batch.accounts.iter().any(|a| a.id == *id) || self.store.get_account(id).await?.is_some() {
            return Ok(false);
        }
        batch.accounts.push(Account { id: id.clone(), name: name.to_owned(), created_at: self.clock.now() });
        Ok(true)
    }

    /// Plans seeding a user with its policy and access key (idempotently): adds to `batch` the
    /// user (unless stored or planned), its policy and the access key. Returns whether the
    /// access key will be created.
    ///
    /// # Errors
    /// [`IdentityError::MalformedPolicyDocument`] for a bad policy; [`IdentityError::EntityAlreadyExists`]
    /// if the access key exists (or is planned) with another secret or user; storage errors.
    pub async fn plan_seed_access_key(&self, seed: SeedAccessKey, batch: &mut Batch) -> Result<bool, IdentityError> {
        let document = seed.policy.clone().unwrap_or_else(|| ADMINISTRATOR_POLICY.to_owned());
        Policy::parse(&document, PolicyKind::Identity).map_err(IdentityError::MalformedPolicyDocument)?;
        let planned = batch.access_keys.iter().find(|k| k.access_key_id == seed.access_key_id).cloned();
        let existing = match planned {
            Some(k) => Some(k),
            None => self.store.get_access_key(&seed.access_key_id).await?,
        };
        if let Some(existing) = existing {
            return if self.is_seeded_key(&existing, &seed)? {
                Ok(false)
            } else {
                Err(IdentityError::EntityAlreadyExists(Exists::SeededAccessKey(seed.access_key_id.clone())))
            };
        }
        let planned_user =
            batch.users.iter().find(|u| u.account == seed.account && u.name.eq_ignore_ascii_case(&seed.user));
        let user = match planned_user.cloned() {
            Some(user) => user,
            None => match self.store.get_user(&seed.account, &seed.user).await? {
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
                    batch.users.push(user.clone());
                    user
                }
            },
        };
        let policy = InlinePolicy { owner: PolicyOwner::User(user.name.clone()), name: "seed".to_owned(), document };
        batch.policies.push((seed.account.clone(), policy));
        batch.access_keys.push(self.access_key_record(&seed.access_key_id, &seed.secret, user.principal())?);
        Ok(true)
    }

    /// Whether `existing` is the access key `seed` describes: the same user and secret.
    fn is_seeded_key(&self, existing: &AccessKeyRecord, seed: &SeedAccessKey) -> Result<bool, IdentityError> {
        let secret = self.wrapper.unwrap(&access_key_wrap_aad(&seed.access_key_id), &existing.secret_wrapped)?;
        let same_user = existing.principal.account == seed.account
            && matches!(&existing.principal.kind, super::PrincipalKind::User { name, .. } if *name == seed.user);
        Ok(same_user && constant_time_eq(secret.expose_secret(), seed.secret.expose_secret()))
    }
}
