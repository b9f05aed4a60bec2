//! The IAM entities of an account: users, groups, roles, their inline policies, and STS
//! sessions, as the domain and the store exchange them.
//!
//! IAM is global per account (no region), so everything here is keyed by [`AccountId`] and a
//! name. Names are unique per account *case-insensitively*, as AWS requires ("user names are
//! not distinguished by case"); the stored spelling is the one given at creation. Policy
//! documents are kept as the text the caller sent (validated by the policy engine before
//! they are stored), because `GetUserPolicy` must give them back as they were written.

use std::fmt;

use time::OffsetDateTime;

use super::{Principal, PrincipalKind};
use crate::ids::AccountId;

/// A tag on a user or a role (`aws:PrincipalTag/<key>` in policies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IamTag {
    /// 1..=128 characters.
    pub key: String,
    /// 0..=256 characters.
    pub value: String,
}

/// An IAM user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The owning account.
    pub account: AccountId,
    /// The user name, as spelled at creation.
    pub name: String,
    /// `/` or `/a/b/`: part of the ARN, used to organise users.
    pub path: String,
    /// `AIDA` + 17 characters: stable across a delete and re-create of the same name only
    /// in that it changes, which is how policies tell the two users apart.
    pub user_id: String,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// Tags, in the order given.
    pub tags: Vec<IamTag>,
}

impl User {
    /// `arn:{partition}:iam::{account}:user{path}{name}`.
    pub fn arn(&self, partition: &str) -> String {
        format!("arn:{partition}:iam::{}:user{}{}", self.account, self.path, self.name)
    }

    /// The principal this user authenticates as.
    pub fn principal(&self) -> Principal {
        Principal {
            account: self.account.clone(),
            kind: PrincipalKind::User { name: self.name.clone(), path: self.path.clone() },
            unique_id: self.user_id.clone(),
        }
    }
}

/// An IAM group: a named set of users that share its inline policies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The owning account.
    pub account: AccountId,
    /// The group name, as spelled at creation.
    pub name: String,
    /// `/` or `/a/b/`.
    pub path: String,
    /// `AGPA` + 17 characters.
    pub group_id: String,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

impl Group {
    /// `arn:{partition}:iam::{account}:group{path}{name}`.
    pub fn arn(&self, partition: &str) -> String {
        format!("arn:{partition}:iam::{}:group{}{}", self.account, self.path, self.name)
    }
}

/// An IAM role: assumed through STS by the principals its trust policy allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// The owning account.
    pub account: AccountId,
    /// The role name, as spelled at creation.
    pub name: String,
    /// `/` or `/a/b/`.
    pub path: String,
    /// `AROA` + 17 characters; a session's user id is `role_id:session_name`.
    pub role_id: String,
    /// The trust policy (`AssumeRolePolicyDocument`), as written.
    pub trust_policy: String,
    /// Free text, at most 1000 characters.
    pub description: Option<String>,
    /// The longest session `AssumeRole` may grant, in seconds (3600..=43200).
    pub max_session_duration: u32,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// Tags, in the order given.
    pub tags: Vec<IamTag>,
}

impl Role {
    /// `arn:{partition}:iam::{account}:role{path}{name}`.
    pub fn arn(&self, partition: &str) -> String {
        format!("arn:{partition}:iam::{}:role{}{}", self.account, self.path, self.name)
    }
}

/// What an inline policy is embedded in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PolicyOwner {
    /// A user, by name.
    User(String),
    /// A group, by name.
    Group(String),
    /// A role, by name.
    Role(String),
}

impl PolicyOwner {
    /// `User`, `Group` or `Role`: how the store tells owners apart.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "User",
            Self::Group(_) => "Group",
            Self::Role(_) => "Role",
        }
    }

    /// The owner's name.
    pub fn name(&self) -> &str {
        match self {
            Self::User(n) | Self::Group(n) | Self::Role(n) => n,
        }
    }

    /// Rebuilds an owner from [`PolicyOwner::kind`] and a name.
    pub fn from_parts(kind: &str, name: String) -> Option<Self> {
        match kind {
            "User" => Some(Self::User(name)),
            "Group" => Some(Self::Group(name)),
            "Role" => Some(Self::Role(name)),
            _ => None,
        }
    }
}

/// A named policy document embedded in a user, group or role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlinePolicy {
    /// Whose policy it is.
    pub owner: PolicyOwner,
    /// The policy name, unique per owner.
    pub name: String,
    /// The JSON document as written by the caller.
    pub document: String,
}

/// A role session created by `AssumeRole`: temporary credentials and what they stand for.
///
/// The secret access key is wrapped under the root key (like a long-term key's, see
/// [`super::session_wrap_aad`]); the session token is stored only as its SHA-256, so a copy
/// of the database cannot be used to sign requests.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// `ASIA` + 16 characters.
    pub access_key_id: String,
    /// The role's account.
    pub account: AccountId,
    /// The role's name at the time of `AssumeRole`.
    pub role_name: String,
    /// The role's path.
    pub role_path: String,
    /// The role's id: a session of a deleted and re-created role of the same name is
    /// refused because the ids differ.
    pub role_id: String,
    /// `RoleSessionName`.
    pub session_name: String,
    /// The secret access key, wrapped.
    pub secret_wrapped: Vec<u8>,
    /// SHA-256 of the session token.
    pub token_hash: [u8; 32],
    /// The inline session policy (`Policy` of `AssumeRole`), as written.
    pub session_policy: Option<String>,
    /// Session tags (they override the role's tags of the same key).
    pub tags: Vec<IamTag>,
    /// The ARN of the principal that called `AssumeRole`, for the audit trail.
    pub source_arn: String,
    /// When the session was created (`aws:TokenIssueTime`).
    pub created_at: OffsetDateTime,
    /// When the credentials stop working.
    pub expires_at: OffsetDateTime,
}

impl fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRecord")
            .field("access_key_id", &self.access_key_id)
            .field("account", &self.account)
            .field("role_name", &self.role_name)
            .field("session_name", &self.session_name)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl SessionRecord {
    /// The principal the session's credentials authenticate as.
    pub fn principal(&self) -> Principal {
        Principal {
            account: self.account.clone(),
            kind: PrincipalKind::AssumedRole {
                role_name: self.role_name.clone(),
                role_path: self.role_path.clone(),
                session_name: self.session_name.clone(),
            },
            unique_id: format!("{}:{}", self.role_id, self.session_name),
        }
    }
}
