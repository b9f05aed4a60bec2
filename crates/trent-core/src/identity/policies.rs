//! Inline policies of users, groups and roles: `Put/Get/Delete/List{User,Group,Role}Policy`.
//!
//! A document is validated by the policy engine as an identity policy before it is stored,
//! and stored as written (`GetUserPolicy` gives it back unchanged). Aggregate sizes follow
//! IAM's quotas (whitespace not counted): 2,048 characters per user, 5,120 per group and
//! 10,240 per role. Every change drops the affected credentials from the cache.

use super::cache::Change;
use super::users::{EXISTING_USER_NAME_MAX, Page, max_items};
use super::{Caller, Identities, IdentityError, InlinePolicy, NoSuch, PolicyOwner, Quota, validate};
use crate::policy::{Policy, PolicyKind};
use crate::store::StoreError;

/// Longest policy name (`policyNameType`).
const POLICY_NAME_MAX: usize = 128;
/// Longest policy document (`policyDocumentType`).
pub(crate) const DOCUMENT_MAX: usize = 131_072;

/// The owner's kind as IAM action names spell it (`User` in `iam:PutUserPolicy`), its
/// lower-case noun for messages, and its aggregate inline policy quota.
fn owner_traits(owner: &PolicyOwner) -> (&'static str, &'static str, usize) {
    match owner {
        PolicyOwner::User(_) => ("User", "user", 2_048),
        PolicyOwner::Group(_) => ("Group", "group", 5_120),
        PolicyOwner::Role(_) => ("Role", "role", 10_240),
    }
}

impl Identities {
    /// Validates the owner's name and returns the owner's ARN, with the `NoSuchEntity` to
    /// answer once the caller is authorized when the owner does not exist (a caller without
    /// permission learns nothing of which entities exist). A missing owner's ARN has path `/`.
    async fn owner_arn(
        &self,
        caller: &Caller,
        owner: &PolicyOwner,
    ) -> Result<(String, Option<IdentityError>), IdentityError> {
        let partition = caller.region.partition();
        let found = match owner {
            PolicyOwner::User(name) => {
                validate::name("userName", name, EXISTING_USER_NAME_MAX)?;
                self.existing_user(caller, name).await.map(|u| u.arn(partition))
            }
            PolicyOwner::Group(name) => {
                validate::name("groupName", name, 128)?;
                self.existing_group(caller, name).await.map(|g| g.arn(partition))
            }
            PolicyOwner::Role(name) => {
                validate::name("roleName", name, 64)?;
                self.existing_role(caller, name).await.map(|r| r.arn(partition))
            }
        };
        match found {
            Ok(arn) => Ok((arn, None)),
            Err(e @ IdentityError::NoSuchEntity(_)) => {
                let (_, noun, _) = owner_traits(owner);
                let arn = format!("arn:{partition}:iam::{}:{noun}/{}", caller.principal.account, owner.name());
                Ok((arn, Some(e)))
            }
            Err(e) => Err(e),
        }
    }

    /// Authorizes `iam:{verb}{Kind}{suffix}` on the owner, then reports a missing owner.
    async fn authorize_owner(
        &self,
        caller: &Caller,
        owner: &PolicyOwner,
        verb: &str,
        suffix: &str,
    ) -> Result<(), IdentityError> {
        let (arn, missing) = self.owner_arn(caller, owner).await?;
        let (kind, _, _) = owner_traits(owner);
        self.authorize(caller, &format!("iam:{verb}{kind}{suffix}"), &arn)?;
        missing.map_or(Ok(()), Err)
    }

    fn invalidate_owner(&self, caller: &Caller, owner: &PolicyOwner) {
        let account = &caller.principal.account;
        self.cache.invalidate(match owner {
            PolicyOwner::User(n) => Change::User(account, n),
            PolicyOwner::Group(n) => Change::Group(account, n),
            PolicyOwner::Role(n) => Change::Role(account, n),
        });
    }

    /// `PutUserPolicy`, `PutGroupPolicy`, `PutRolePolicy`: adds or replaces an inline policy.
    ///
    /// # Errors
    /// `ValidationError`, `NoSuchEntity`, `AccessDenied`, `MalformedPolicyDocument`,
    /// `LimitExceeded`.
    pub async fn put_inline_policy(
        &self,
        caller: &Caller,
        owner: PolicyOwner,
        name: &str,
        document: &str,
    ) -> Result<(), IdentityError> {
        validate::name("policyName", name, POLICY_NAME_MAX)?;
        validate::document("policyDocument", document, DOCUMENT_MAX)?;
        self.authorize_owner(caller, &owner, "Put", "Policy").await?;
        let (_, _, quota) = owner_traits(&owner);
        Policy::parse(document, PolicyKind::Identity).map_err(IdentityError::MalformedPolicyDocument)?;
        let account = &caller.principal.account;
        let others: usize = self
            .store
            .list_policies(account, &owner)
            .await?
            .iter()
            .filter(|p| p.name != name)
            .map(|p| validate::counted_size(&p.document))
            .sum();
        if others + validate::counted_size(document) > quota {
            return Err(IdentityError::LimitExceeded(Quota::InlinePolicySize { owner, quota }));
        }
        let policy = InlinePolicy { owner: owner.clone(), name: name.to_owned(), document: document.to_owned() };
        let written = self.store.put_policy(account, &policy).await.map_err(|e| match e {
            StoreError::NotFound => IdentityError::NoSuchEntity(NoSuch::owner(&owner)),
            other => other.into(),
        });
        // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
        self.invalidate_owner(caller, &owner);
        written
    }

    /// `GetUserPolicy`, `GetGroupPolicy`, `GetRolePolicy`.
    ///
    /// # Errors
    /// `ValidationError`, `NoSuchEntity`, `AccessDenied`.
    pub async fn get_inline_policy(
        &self,
        caller: &Caller,
        owner: PolicyOwner,
        name: &str,
    ) -> Result<InlinePolicy, IdentityError> {
        validate::name("policyName", name, POLICY_NAME_MAX)?;
        self.authorize_owner(caller, &owner, "Get", "Policy").await?;
        self.store
            .get_policy(&caller.principal.account, &owner, name)
            .await?
            .ok_or_else(|| IdentityError::NoSuchEntity(NoSuch::Policy { owner, name: name.to_owned() }))
    }

    /// `DeleteUserPolicy`, `DeleteGroupPolicy`, `DeleteRolePolicy`.
    ///
    /// # Errors
    /// `ValidationError`, `NoSuchEntity`, `AccessDenied`.
    pub async fn delete_inline_policy(
        &self,
        caller: &Caller,
        owner: PolicyOwner,
        name: &str,
    ) -> Result<(), IdentityError> {
        validate::name("policyName", name, POLICY_NAME_MAX)?;
        self.authorize_owner(caller, &owner, "Delete", "Policy").await?;
        let written = self.store.delete_policy(&caller.principal.account, &owner, name).await.map_err(|e| match e {
            StoreError::NotFound => {
                IdentityError::NoSuchEntity(NoSuch::Policy { owner: owner.clone(), name: name.to_owned() })
            }
            other => other.into(),
        });
        // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
        self.invalidate_owner(caller, &owner);
        written
    }

    /// `ListUserPolicies`, `ListGroupPolicies`, `ListRolePolicies`: policy names in order;
    /// the marker is the last name of the previous page.
    ///
    /// # Errors
    /// `ValidationError`, `NoSuchEntity`, `AccessDenied`.
    pub async fn list_inline_policies(
        &self,
        caller: &Caller,
        owner: PolicyOwner,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<Page<String>, IdentityError> {
        let limit = max_items(max)?;
        self.authorize_owner(caller, &owner, "List", "Policies").await?;
        let names: Vec<String> = self
            .store
            .list_policies(&caller.principal.account, &owner)
            .await?
            .into_iter()
            .map(|p| p.name)
            .filter(|n| marker.is_none_or(|m| n.as_str() > m))
            .collect();
        Ok(Page::first(names, limit, String::clone))
    }
}
