//! IAM groups: `CreateGroup`, `AddUserToGroup`, `RemoveUserFromGroup`. A group's inline
//! policies (see `policies`) apply to every member; membership changes drop the member's
//! credentials from the cache.

use super::cache::Change;
use super::users::EXISTING_USER_NAME_MAX;
use super::{Caller, Exists, Group, Identities, IdentityError, NoSuch, Quota, validate};
use crate::store::StoreError;

/// Longest group name (`groupNameType`).
const GROUP_NAME_MAX: usize = 128;
/// AWS's quota of groups per user.
pub const GROUPS_PER_USER: usize = 10;

fn no_such_group(name: &str) -> IdentityError {
    IdentityError::NoSuchEntity(NoSuch::Group(name.to_owned()))
}

impl Identities {
    /// The group `name` of the caller's account, or `NoSuchEntity`.
    pub(crate) async fn existing_group(&self, caller: &Caller, name: &str) -> Result<Group, IdentityError> {
        self.store.get_group(&caller.principal.account, name).await?.ok_or_else(|| no_such_group(name))
    }

    /// `CreateGroup`.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `EntityAlreadyExists`.
    pub async fn create_group(&self, caller: &Caller, name: &str, path: Option<&str>) -> Result<Group, IdentityError> {
        validate::name("groupName", name, GROUP_NAME_MAX)?;
        let path = path.unwrap_or("/");
        validate::path(path)?;
        let group = Group {
            account: caller.principal.account.clone(),
            name: name.to_owned(),
            path: path.to_owned(),
            group_id: Self::new_unique_id("AGPA")?,
            created_at: self.clock.now(),
        };
        self.authorize(caller, "iam:CreateGroup", &group.arn(caller.region.partition()))?;
        self.store.insert_group(&group).await.map_err(|e| match e {
            StoreError::AlreadyExists => IdentityError::EntityAlreadyExists(Exists::Group(name.to_owned())),
            other => other.into(),
        })?;
        Ok(group)
    }

    /// Validates both names, authorizes `action` on the group (its ARN with path `/` when it
    /// does not exist), then reports a missing group.
    async fn authorized_membership(
        &self,
        caller: &Caller,
        group: &str,
        user: &str,
        action: &str,
    ) -> Result<Group, IdentityError> {
        validate::name("groupName", group, GROUP_NAME_MAX)?;
        validate::name("userName", user, EXISTING_USER_NAME_MAX)?;
        let partition = caller.region.partition();
        let found = self.existing_group(caller, group).await;
        let arn = match &found {
            Ok(g) => g.arn(partition),
            Err(_) => format!("arn:{partition}:iam::{}:group/{group}", caller.principal.account),
        };
        self.authorize(caller, action, &arn)?;
        found
    }

    /// `AddUserToGroup`; adding a member again is not an error.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `NoSuchEntity`, `LimitExceeded` (ten groups).
    pub async fn add_user_to_group(&self, caller: &Caller, group: &str, user: &str) -> Result<(), IdentityError> {
        let group = self.authorized_membership(caller, group, user, "iam:AddUserToGroup").await?;
        let user = self.existing_user(caller, user).await?;
        let account = &caller.principal.account;
        let current = self.store.groups_of_user(account, &user.name).await?;
        let already = current.iter().any(|g| g.name.eq_ignore_ascii_case(&group.name));
        if !already && current.len() >= GROUPS_PER_USER {
            return Err(IdentityError::LimitExceeded(Quota::GroupsPerUser));
        }
        let written = self.store.add_user_to_group(account, &group.name, &user.name).await.map_err(|e| match e {
            StoreError::NotFound => no_such_group(&group.name),
            other => other.into(),
        });
        // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
        self.cache.invalidate(Change::User(account, &user.name));
        written
    }

    /// `RemoveUserFromGroup`.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `NoSuchEntity` (no such group, user or membership).
    pub async fn remove_user_from_group(&self, caller: &Caller, group: &str, user: &str) -> Result<(), IdentityError> {
        let group = self.authorized_membership(caller, group, user, "iam:RemoveUserFromGroup").await?;
        let account = &caller.principal.account;
        let written = self.store.remove_user_from_group(account, &group.name, user).await.map_err(|e| match e {
            StoreError::NotFound => IdentityError::NoSuchEntity(NoSuch::User(user.to_owned())),
            other => other.into(),
        });
        // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
        self.cache.invalidate(Change::User(account, user));
        written
    }
}
