//! IAM roles: `CreateRole`, `GetRole`, `ListRoles`, `DeleteRole` (their updates are in
//! `role_updates`, their tags in `role_tags`).
//!
//! The trust policy (`AssumeRolePolicyDocument`) is validated by the policy engine as a
//! trust policy and stored as written; `AssumeRole` evaluates it (see `sts`). Deleting a role
//! ends its sessions: their credentials are dropped from the cache and refused on lookup.

use super::cache::Change;
use super::policies::DOCUMENT_MAX;
use super::users::{Page, max_items, with_request_tags};
use super::{Attached, Caller, Constraint, Exists, IamTag, Identities, IdentityError, NoSuch, Quota, Role, validate};
use crate::policy::{ConditionContext, Policy, PolicyKind};
use crate::store::StoreError;

/// Longest role name (`roleNameType`).
const ROLE_NAME_MAX: usize = 64;
/// IAM's default quota on a trust policy's length ("Role trust policy length", whitespace
/// not counted).
pub const TRUST_POLICY_MAX: usize = 2_048;
/// `MaxSessionDuration` bounds and default, in seconds.
pub const MAX_SESSION_DURATION: std::ops::RangeInclusive<u32> = 3_600..=43_200;

/// What `CreateRole` asks for.
#[derive(Clone, Debug, Default)]
pub struct NewRole {
    /// `RoleName`.
    pub name: String,
    /// `Path`, `/` when absent.
    pub path: Option<String>,
    /// `AssumeRolePolicyDocument`.
    pub trust_policy: String,
    /// `Description`.
    pub description: Option<String>,
    /// `MaxSessionDuration`, 3600 when absent.
    pub max_session_duration: Option<i64>,
    /// `Tags`.
    pub tags: Vec<IamTag>,
}

pub(crate) fn no_such_role(name: &str) -> IdentityError {
    IdentityError::NoSuchEntity(NoSuch::Role(name.to_owned()))
}

/// A `MaxSessionDuration` within [`MAX_SESSION_DURATION`].
pub(crate) fn max_session_duration(seconds: i64) -> Result<u32, IdentityError> {
    u32::try_from(seconds).ok().filter(|s| MAX_SESSION_DURATION.contains(s)).ok_or_else(|| {
        validate::constraint(
            "maxSessionDuration",
            &seconds.to_string(),
            Constraint::ValueBetween(i64::from(*MAX_SESSION_DURATION.start()), i64::from(*MAX_SESSION_DURATION.end())),
        )
    })
}

impl Identities {
    /// The role `name` of the caller's account, or `NoSuchEntity`.
    pub(crate) async fn existing_role(&self, caller: &Caller, name: &str) -> Result<Role, IdentityError> {
        self.store.get_role(&caller.principal.account, name).await?.ok_or_else(|| no_such_role(name))
    }

    /// Validates the name, authorizes `action` on the role (path `/` when it does not exist),
    /// then reports a missing role.
    pub(crate) async fn authorized_role(
        &self,
        caller: &Caller,
        name: &str,
        action: &str,
    ) -> Result<Role, IdentityError> {
        let context = caller.condition_context(self.clock.now());
        self.authorized_role_with(caller, name, action, &context).await
    }

    /// [`Self::authorized_role`] with a context the caller prepared (request tags, ...).
    pub(crate) async fn authorized_role_with(
        &self,
        caller: &Caller,
        name: &str,
        action: &str,
        context: &ConditionContext,
    ) -> Result<Role, IdentityError> {
        validate::name("roleName", name, ROLE_NAME_MAX)?;
        let partition = caller.region.partition();
        let found = self.existing_role(caller, name).await;
        let arn = match &found {
            Ok(r) => r.arn(partition),
            Err(_) => format!("arn:{partition}:iam::{}:role/{name}", caller.principal.account),
        };
        self.authorize_with(caller, action, &arn, context)?;
        found
    }

    /// `CreateRole`.
    ///
    /// # Errors
    /// `ValidationError`, `InvalidInput`, `MalformedPolicyDocument`, `LimitExceeded` (trust
    /// policy length), `AccessDenied`, `EntityAlreadyExists`.
    pub async fn create_role(&self, caller: &Caller, new: NewRole) -> Result<Role, IdentityError> {
        validate::name("roleName", &new.name, ROLE_NAME_MAX)?;
        let path = new.path.as_deref().unwrap_or("/");
        validate::path(path)?;
        validate::document("assumeRolePolicyDocument", &new.trust_policy, DOCUMENT_MAX)?;
        if let Some(d) = &new.description {
            validate::description(d)?;
        }
        validate::tags(&new.tags)?;
        let max_session_duration = match new.max_session_duration {
            None => *MAX_SESSION_DURATION.start(),
            Some(s) => max_session_duration(s)?,
        };
        let role = Role {
            account: caller.principal.account.clone(),
            name: new.name,
            path: path.to_owned(),
            role_id: Self::new_unique_id("AROA")?,
            trust_policy: new.trust_policy,
            description: new.description,
            max_session_duration,
            created_at: self.clock.now(),
            tags: new.tags,
        };
        let context = with_request_tags(caller.condition_context(self.clock.now()), &role.tags);
        self.authorize_with(caller, "iam:CreateRole", &role.arn(caller.region.partition()), &context)?;
        if validate::counted_size(&role.trust_policy) > TRUST_POLICY_MAX {
            return Err(IdentityError::LimitExceeded(Quota::RoleTrustPolicySize));
        }
        Policy::parse(&role.trust_policy, PolicyKind::Trust).map_err(IdentityError::MalformedPolicyDocument)?;
        self.store.insert_role(&role).await.map_err(|e| match e {
            StoreError::AlreadyExists => IdentityError::EntityAlreadyExists(Exists::Role(role.name.clone())),
            other => other.into(),
        })?;
        Ok(role)
    }

    /// `GetRole`.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `NoSuchEntity`.
    pub async fn get_role(&self, caller: &Caller, name: &str) -> Result<Role, IdentityError> {
        self.authorized_role(caller, name, "iam:GetRole").await
    }

    /// `ListRoles`: roles whose path starts with `path_prefix` (default `/`), by name.
    /// `iam:ListRoles` names no role, so it is authorized on `*`, as `iam:ListUsers` is.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`.
    pub async fn list_roles(
        &self,
        caller: &Caller,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<Page<Role>, IdentityError> {
        let prefix = path_prefix.unwrap_or("/");
        validate::path_prefix(prefix)?;
        let limit = max_items(max)?;
        self.authorize(caller, "iam:ListRoles", "*")?;
        let roles = self.store.list_roles(&caller.principal.account, prefix, marker, limit + 1).await?;
        Ok(Page::first(roles, limit, |r| r.name.clone()))
    }

    /// `DeleteRole`: refused while the role has inline policies.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `NoSuchEntity`, `DeleteConflict`.
    pub async fn delete_role(&self, caller: &Caller, name: &str) -> Result<(), IdentityError> {
        let role = self.authorized_role(caller, name, "iam:DeleteRole").await?;
        let account = &caller.principal.account;
        let written = self.store.delete_role(account, &role.name).await.map_err(|e| match e {
            StoreError::NotFound => no_such_role(name),
            StoreError::Conflict => IdentityError::DeleteConflict(Attached::Role(role.name.clone())),
            other => other.into(),
        });
        // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
        self.cache.invalidate(Change::Role(account, &role.name));
        written
    }
}
