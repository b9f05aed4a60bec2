//! IAM access keys: `CreateAccessKey`, `ListAccessKeys`, `UpdateAccessKey`,
//! `DeleteAccessKey`.
//!
//! Without `UserName`, each acts on the caller's own keys: a user's, or the account root's
//! when the root calls. A user has at most two keys, as in AWS. Status changes and deletions
//! drop the key from the credential cache at once.

use time::OffsetDateTime;

use super::cache::Change;
use super::service::{new_access_key_id, new_secret};
use super::users::{EXISTING_USER_NAME_MAX, Page, max_items};
use super::{
    AccessKeyStatus, Caller, Constraint, Identities, IdentityError, NewAccessKey, NoSuch, PrincipalKind, Quota, User,
    validate,
};
use crate::store::StoreError;

/// AWS's quota of access keys per user (and per root).
pub const ACCESS_KEYS_PER_USER: u32 = 2;

/// An access key as `ListAccessKeys` shows it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKeyMetadata {
    /// The owning user; `None` for the root's keys.
    pub user_name: Option<String>,
    /// `AKIA...`.
    pub access_key_id: String,
    /// Active or inactive.
    pub status: AccessKeyStatus,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

/// A key created by `CreateAccessKey`, with its secret shown this once.
#[derive(Debug)]
pub struct CreatedAccessKey {
    /// The key's metadata.
    pub metadata: AccessKeyMetadata,
    /// Its id and secret.
    pub key: NewAccessKey,
}

/// Whose keys a request addresses.
struct KeyOwner {
    user: Option<User>,
}

impl KeyOwner {
    fn user_name(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.name.as_str())
    }
}

fn no_such_key(id: &str) -> IdentityError {
    IdentityError::NoSuchEntity(NoSuch::AccessKey(id.to_owned()))
}

fn access_key_id(id: &str) -> Result<(), IdentityError> {
    let len = id.chars().count();
    if !(16..=128).contains(&len) || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(validate::constraint(
            "accessKeyId",
            id,
            Constraint::PatternAndLength { pattern: r"[\w]+", min: 16, max: 128 },
        ));
    }
    Ok(())
}

impl Identities {
    /// Resolves whose keys a request addresses and authorizes `action` on that principal; a
    /// missing user is reported only to a caller allowed to act on it.
    async fn authorized_key_owner(
        &self,
        caller: &Caller,
        user: Option<&str>,
        action: &str,
    ) -> Result<KeyOwner, IdentityError> {
        let name = match (user, &caller.principal.kind) {
            (None, PrincipalKind::Root) => {
                self.authorize(caller, action, &caller.arn())?;
                return Ok(KeyOwner { user: None });
            }
            (Some(name), _) => {
                validate::name("userName", name, EXISTING_USER_NAME_MAX)?;
                name
            }
            (None, _) => Self::user_name_or_caller(caller, None)?,
        };
        let partition = caller.region.partition();
        match self.existing_user(caller, name).await {
            Ok(user) => {
                self.authorize(caller, action, &user.arn(partition))?;
                Ok(KeyOwner { user: Some(user) })
            }
            Err(missing @ IdentityError::NoSuchEntity(_)) => {
                let arn = format!("arn:{partition}:iam::{}:user/{name}", caller.principal.account);
                self.authorize(caller, action, &arn)?;
                Err(missing)
            }
            Err(e) => Err(e),
        }
    }

    /// `CreateAccessKey`.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `NoSuchEntity`, `LimitExceeded` (two keys already).
    pub async fn create_user_access_key(
        &self,
        caller: &Caller,
        user: Option<&str>,
    ) -> Result<CreatedAccessKey, IdentityError> {
        let owner = self.authorized_key_owner(caller, user, "iam:CreateAccessKey").await?;
        let account = &caller.principal.account;
        let limit = || IdentityError::LimitExceeded(Quota::AccessKeysPerUser);
        let access_key_id = new_access_key_id("AKIA")?;
        let secret = new_secret()?;
        let record = match &owner.user {
            Some(user) => {
                let record = self.access_key_record(&access_key_id, &secret, user.principal())?;
                self.store.insert_user_access_key(&record, ACCESS_KEYS_PER_USER).await.map_err(|e| match e {
                    StoreError::NotFound => IdentityError::NoSuchEntity(NoSuch::User(user.name.clone())),
                    StoreError::Conflict => limit(),
                    other => other.into(),
                })?;
                record
            }
            None => {
                if self.store.list_access_keys(account, None).await?.len() >= ACCESS_KEYS_PER_USER as usize {
                    return Err(limit());
                }
                let record = self.access_key_record(&access_key_id, &secret, caller.principal.clone())?;
                self.store.insert_access_key(&record).await?;
                record
            }
        };
        Ok(CreatedAccessKey {
            metadata: AccessKeyMetadata {
                user_name: owner.user_name().map(str::to_owned),
                access_key_id: record.access_key_id,
                status: record.status,
                created_at: record.created_at,
            },
            key: NewAccessKey { access_key_id, secret_access_key: secret },
        })
    }

    /// `ListAccessKeys`, oldest first; the marker is the last key id of the previous page.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `NoSuchEntity`.
    pub async fn list_access_keys(
        &self,
        caller: &Caller,
        user: Option<&str>,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<Page<AccessKeyMetadata>, IdentityError> {
        let limit = max_items(max)? as usize;
        let owner = self.authorized_key_owner(caller, user, "iam:ListAccessKeys").await?;
        let keys = self.store.list_access_keys(&caller.principal.account, owner.user_name()).await?;
        let start = match marker {
            Some(m) => keys.iter().position(|k| k.access_key_id == m).map_or(keys.len(), |i| i + 1),
            None => 0,
        };
        let mut items: Vec<AccessKeyMetadata> = keys[start..]
            .iter()
            .map(|k| AccessKeyMetadata {
                user_name: owner.user_name().map(str::to_owned),
                access_key_id: k.access_key_id.clone(),
                status: k.status,
                created_at: k.created_at,
            })
            .collect();
        let marker = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|k| k.access_key_id.clone())
        } else {
            None
        };
        Ok(Page { items, marker })
    }

    /// `UpdateAccessKey`: makes a key active or inactive.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `NoSuchEntity`.
    pub async fn update_access_key(
        &self,
        caller: &Caller,
        user: Option<&str>,
        access_key: &str,
        status: AccessKeyStatus,
    ) -> Result<(), IdentityError> {
        access_key_id(access_key)?;
        let owner = self.authorized_key_owner(caller, user, "iam:UpdateAccessKey").await?;
        let account = &caller.principal.account;
        let written =
            self.store.update_access_key_status(account, owner.user_name(), access_key, status).await.map_err(|e| {
                match e {
                    StoreError::NotFound => no_such_key(access_key),
                    other => other.into(),
                }
            });
        // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
        self.cache.invalidate(Change::AccessKey(access_key));
        written
    }

    /// `DeleteAccessKey`.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `NoSuchEntity`.
    pub async fn delete_access_key(
        &self,
        caller: &Caller,
        user: Option<&str>,
        access_key: &str,
    ) -> Result<(), IdentityError> {
        access_key_id(access_key)?;
        let owner = self.authorized_key_owner(caller, user, "iam:DeleteAccessKey").await?;
        let account = &caller.principal.account;
        let written = self.store.delete_access_key(account, owner.user_name(), access_key).await.map_err(|e| match e {
            StoreError::NotFound => no_such_key(access_key),
            other => other.into(),
        });
        // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
        self.cache.invalidate(Change::AccessKey(access_key));
        written
    }
}
