//! IAM users: `CreateUser`, `GetUser`, `ListUsers`, `DeleteUser`.

use super::cache::Change;
use super::{
    Attached, Caller, Constraint, Exists, IamTag, Identities, IdentityError, Invalid, NoSuch, PrincipalKind, User,
    validate,
};
use crate::policy::ConditionContext;
use crate::store::StoreError;

/// Longest user name (`userNameType`).
const USER_NAME_MAX: usize = 64;
/// Longest name of an existing user accepted in requests (`existingUserNameType`).
pub(crate) const EXISTING_USER_NAME_MAX: usize = 128;

/// One page of a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts; `None` when this is the last page (`IsTruncated=false`).
    pub marker: Option<String>,
}

impl<T> Page<T> {
    /// The page of the first `limit` of `items` (read up to `limit + 1` of them, to know
    /// whether more follow): when there were more, the marker is `key` of its last item.
    pub(crate) fn first(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> String) -> Self {
        let limit = limit as usize;
        let marker = if items.len() > limit {
            items.truncate(limit);
            items.last().map(key)
        } else {
            None
        };
        Self { items, marker }
    }
}

/// `MaxItems` within 1..=1000, 100 when absent.
pub(crate) fn max_items(value: Option<i64>) -> Result<u32, IdentityError> {
    match value {
        None => Ok(100),
        Some(n @ 1..=1000) => Ok(n as u32),
        Some(n) => Err(validate::constraint(
            "maxItems",
            &n.to_string(),
            if n < 1 { Constraint::ValueAtLeast(1) } else { Constraint::ValueAtMost(1000) },
        )),
    }
}

/// `aws:RequestTag/*` and `aws:TagKeys` for a request that creates tagged entities.
pub(crate) fn with_request_tags(mut context: ConditionContext, tags: &[IamTag]) -> ConditionContext {
    if !tags.is_empty() {
        for tag in tags {
            context.insert(&format!("aws:RequestTag/{}", tag.key), tag.value.as_str());
        }
        context.insert_all("aws:TagKeys", tags.iter().map(|t| t.key.clone()));
    }
    context
}

impl Identities {
    /// The user `name` of the caller's account, or `NoSuchEntity`.
    pub(crate) async fn existing_user(&self, caller: &Caller, name: &str) -> Result<User, IdentityError> {
        self.store
            .get_user(&caller.principal.account, name)
            .await?
            .ok_or_else(|| IdentityError::NoSuchEntity(NoSuch::User(name.to_owned())))
    }

    /// The user a request names, or (without a name) the calling user itself.
    pub(crate) fn user_name_or_caller<'a>(caller: &'a Caller, name: Option<&'a str>) -> Result<&'a str, IdentityError> {
        match (name, &caller.principal.kind) {
            (Some(name), _) => {
                validate::name("userName", name, EXISTING_USER_NAME_MAX)?;
                Ok(name)
            }
            (None, PrincipalKind::User { name, .. }) => Ok(name),
            (None, PrincipalKind::Root | PrincipalKind::AssumedRole { .. }) => {
                Err(IdentityError::Validation(Invalid::UserNameRequired))
            }
        }
    }

    /// `CreateUser`.
    ///
    /// # Errors
    /// `ValidationError`, `InvalidInput` (tags), `AccessDenied`, `EntityAlreadyExists`.
    pub async fn create_user(
        &self,
        caller: &Caller,
        name: &str,
        path: Option<&str>,
        tags: Vec<IamTag>,
    ) -> Result<User, IdentityError> {
        validate::name("userName", name, USER_NAME_MAX)?;
        let path = path.unwrap_or("/");
        validate::path(path)?;
        validate::tags(&tags)?;
        let user = User {
            account: caller.principal.account.clone(),
            name: name.to_owned(),
            path: path.to_owned(),
            user_id: Self::new_unique_id("AIDA")?,
            created_at: self.clock.now(),
            tags,
        };
        let context = with_request_tags(caller.condition_context(self.clock.now()), &user.tags);
        self.authorize_with(caller, "iam:CreateUser", &user.arn(caller.region.partition()), &context)?;
        self.store.insert_user(&user).await.map_err(|e| match e {
            StoreError::AlreadyExists => IdentityError::EntityAlreadyExists(Exists::User(name.to_owned())),
            other => other.into(),
        })?;
        Ok(user)
    }

    /// `GetUser`: the named user, or the calling user when no name is given.
    ///
    /// # Errors
    /// `ValidationError` (no name and not a user), `AccessDenied`, `NoSuchEntity`.
    pub async fn get_user(&self, caller: &Caller, name: Option<&str>) -> Result<User, IdentityError> {
        let name = Self::user_name_or_caller(caller, name)?;
        let user = self.existing_user(caller, name).await;
        // Authorize against the user's real ARN when it exists; a missing user is only
        // reported to callers allowed to look it up.
        let arn = match &user {
            Ok(u) => u.arn(caller.region.partition()),
            Err(_) => format!("arn:{}:iam::{}:user/{name}", caller.region.partition(), caller.principal.account),
        };
        self.authorize(caller, "iam:GetUser", &arn)?;
        user
    }

    /// `ListUsers`: users whose path starts with `path_prefix` (default `/`), by name.
    /// `iam:ListUsers` has no resource-level permissions, so it is authorized on `*`.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`.
    pub async fn list_users(
        &self,
        caller: &Caller,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<Page<User>, IdentityError> {
        let prefix = path_prefix.unwrap_or("/");
        validate::path_prefix(prefix)?;
        let limit = max_items(max)?;
        self.authorize(caller, "iam:ListUsers", "*")?;
        let users = self.store.list_users(&caller.principal.account, prefix, marker, limit + 1).await?;
        Ok(Page::first(users, limit, |u| u.name.clone()))
    }

    /// `DeleteUser`: refused while the user has access keys, inline policies or groups.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `NoSuchEntity`, `DeleteConflict`.
    pub async fn delete_user(&self, caller: &Caller, name: &str) -> Result<(), IdentityError> {
        validate::name("userName", name, EXISTING_USER_NAME_MAX)?;
        let user = self.existing_user(caller, name).await;
        let arn = match &user {
            Ok(u) => u.arn(caller.region.partition()),
            Err(_) => format!("arn:{}:iam::{}:user/{name}", caller.region.partition(), caller.principal.account),
        };
        self.authorize(caller, "iam:DeleteUser", &arn)?;
        let user = user?;
        let account = &caller.principal.account;
        let written = self.store.delete_user(account, &user.name).await.map_err(|e| match e {
            StoreError::NotFound => IdentityError::NoSuchEntity(NoSuch::User(name.to_owned())),
            StoreError::Conflict => IdentityError::DeleteConflict(Attached::User(user.name.clone())),
            other => other.into(),
        });
        // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
        self.cache.invalidate(Change::User(account, &user.name));
        written
    }
}
