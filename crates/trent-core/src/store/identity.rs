//! Storage of accounts, IAM entities and credentials.
//!
//! Names of users, groups and roles are unique per account case-insensitively, and every
//! lookup by name is case-insensitive, as in IAM. Multi-row writes (deleting a user while
//! checking it has nothing attached, the per-user access key quota) are single transactions.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{BatchStore, StoreError};
use crate::identity::{
    AccessKeyRecord, AccessKeyStatus, Account, Group, InlinePolicy, PolicyOwner, Role, SessionRecord, User,
};
use crate::ids::AccountId;

/// Accounts, users, groups, roles, inline policies, access keys and STS sessions. Creating
/// several of them at once (an account with its administrator, a seed) is a [`BatchStore`]
/// write.
#[async_trait]
pub trait IdentityStore: BatchStore {
    /// Creates an account.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] if the id is taken.
    async fn insert_account(&self, account: &Account) -> Result<(), StoreError>;

    /// Reads an account.
    async fn get_account(&self, id: &AccountId) -> Result<Option<Account>, StoreError>;

    /// All accounts, ordered by id.
    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError>;

    /// Stores an access key (its secret already wrapped) without any quota check: seeded or
    /// imported credentials, and root access keys.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] if the access key id is taken.
    async fn insert_access_key(&self, key: &AccessKeyRecord) -> Result<(), StoreError>;

    /// Stores an access key of an IAM user if the user exists and has fewer than
    /// `max_per_user` keys, in one transaction.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if the user does not exist, [`StoreError::Conflict`] if it
    /// already has `max_per_user` keys, [`StoreError::AlreadyExists`] if the id is taken.
    async fn insert_user_access_key(&self, key: &AccessKeyRecord, max_per_user: u32) -> Result<(), StoreError>;

    /// A stamp of everything cached credentials of `access_key_id` are built from (the access
    /// key or STS session, its user and the user's groups, or the session's role, and their
    /// inline policies) that changes whenever any of them changes, for a node's periodic check
    /// of its credential cache against a database other nodes write to; `None` (the default)
    /// on a backend that serves one node. Read before the rows it stamps, as
    /// [`super::KmsStore::key_stamp`].
    async fn credential_stamp(&self, access_key_id: &str) -> Result<Option<String>, StoreError> {
        let _ = access_key_id;
        Ok(None)
    }

    /// Reads an access key by id (a user key's principal carries the user's current path).
    async fn get_access_key(&self, access_key_id: &str) -> Result<Option<AccessKeyRecord>, StoreError>;

    /// The access keys of a user (`Some(name)`) or of the account root (`None`), oldest first.
    async fn list_access_keys(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<Vec<AccessKeyRecord>, StoreError>;

    /// Sets the status of one access key of a user (`Some(name)`) or of the root (`None`).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if that principal has no such key.
    async fn update_access_key_status(
        &self,
        account: &AccountId,
        user: Option<&str>,
        access_key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), StoreError>;

    /// Deletes one access key of a user (`Some(name)`) or of the root (`None`).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if that principal has no such key.
    async fn delete_access_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        access_key_id: &str,
    ) -> Result<(), StoreError>;

    /// Creates a user.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] if the account has a user of that name (in any case).
    async fn insert_user(&self, user: &User) -> Result<(), StoreError>;

    /// Reads a user by name (case-insensitively).
    async fn get_user(&self, account: &AccountId, name: &str) -> Result<Option<User>, StoreError>;

    /// Users whose path starts with `path_prefix`, ordered by name (case-insensitively),
    /// strictly after `after`, at most `limit`.
    async fn list_users(
        &self,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<User>, StoreError>;

    /// Deletes a user that has no access keys, inline policies or group memberships, in one
    /// transaction.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is no such user, [`StoreError::Conflict`] if it still
    /// has any of those.
    async fn delete_user(&self, account: &AccountId, name: &str) -> Result<(), StoreError>;

    /// Creates a group.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] if the account has a group of that name (in any case).
    async fn insert_group(&self, group: &Group) -> Result<(), StoreError>;

    /// Reads a group by name (case-insensitively).
    async fn get_group(&self, account: &AccountId, name: &str) -> Result<Option<Group>, StoreError>;

    /// Makes a user a member of a group; already being one is not an error.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if the user or the group does not exist.
    async fn add_user_to_group(&self, account: &AccountId, group: &str, user: &str) -> Result<(), StoreError>;

    /// Removes a user from a group.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if the user is not a member of that group (or either is missing).
    async fn remove_user_from_group(&self, account: &AccountId, group: &str, user: &str) -> Result<(), StoreError>;

    /// The groups a user belongs to, ordered by name.
    async fn groups_of_user(&self, account: &AccountId, user: &str) -> Result<Vec<Group>, StoreError>;

    /// The names of a group's members, ordered by name.
    async fn members_of_group(&self, account: &AccountId, group: &str) -> Result<Vec<String>, StoreError>;

    /// Creates a role.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] if the account has a role of that name (in any case).
    async fn insert_role(&self, role: &Role) -> Result<(), StoreError>;

    /// Reads a role by name (case-insensitively).
    async fn get_role(&self, account: &AccountId, name: &str) -> Result<Option<Role>, StoreError>;

    /// Roles whose path starts with `path_prefix`, ordered by name (case-insensitively),
    /// strictly after `after`, at most `limit`.
    async fn list_roles(
        &self,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Role>, StoreError>;

    /// Gives the stored role `current` (as read) the trust policy, description, maximum
    /// session duration and tags of `updated`, in one transaction, if the stored role is
    /// still `current`: a compare-and-set, so that two updates of one role never lose each
    /// other's change. Name, path, id and creation date are never changed.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if the account has no role of that name and id,
    /// [`StoreError::Conflict`] if the role changed since `current` was read.
    async fn update_role(&self, current: &Role, updated: &Role) -> Result<(), StoreError>;

    /// Deletes a role that has no inline policies, in one transaction.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is no such role, [`StoreError::Conflict`] if it still
    /// has inline policies.
    async fn delete_role(&self, account: &AccountId, name: &str) -> Result<(), StoreError>;

    /// Adds an inline policy to its owner, or replaces the owner's policy of that name. The
    /// owner's name is stored as the owner spells it.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if the owner does not exist.
    async fn put_policy(&self, account: &AccountId, policy: &InlinePolicy) -> Result<(), StoreError>;

    /// Reads one inline policy (owner name case-insensitively, policy name exactly).
    async fn get_policy(
        &self,
        account: &AccountId,
        owner: &PolicyOwner,
        name: &str,
    ) -> Result<Option<InlinePolicy>, StoreError>;

    /// Removes one inline policy.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if the owner has no policy of that name.
    async fn delete_policy(&self, account: &AccountId, owner: &PolicyOwner, name: &str) -> Result<(), StoreError>;

    /// Every inline policy of an owner, ordered by policy name.
    async fn list_policies(&self, account: &AccountId, owner: &PolicyOwner) -> Result<Vec<InlinePolicy>, StoreError>;

    /// Stores an STS session.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] if the access key id is taken.
    async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError>;

    /// Reads a session by its temporary access key id.
    async fn get_session(&self, access_key_id: &str) -> Result<Option<SessionRecord>, StoreError>;

    /// Deletes the sessions that expired before `before`; returns how many.
    async fn delete_sessions_expired_before(&self, before: OffsetDateTime) -> Result<u64, StoreError>;
}
