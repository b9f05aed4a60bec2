//! Accounts, principals and access keys: who can sign a request.
//!
//! Accounts scope resources; an access key names a principal (the account root or an IAM
//! user; session credentials live with their session, see [`super::SessionRecord`]). The
//! IAM entities are in `entities`, the per-request [`super::Caller`] in `caller`.

use std::fmt;

use time::OffsetDateTime;

use crate::ids::AccountId;

/// An account: the unit that owns resources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The 12-digit id.
    pub id: AccountId,
    /// A human name (the AWS "account alias"), informational.
    pub name: String,
    /// When the account was created.
    pub created_at: OffsetDateTime,
}

/// What kind of principal an access key belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    /// The account itself (`arn:aws:iam::ACCOUNT:root`).
    Root,
    /// An IAM user of the account.
    User {
        /// The user name (the last path element of its ARN).
        name: String,
        /// The user's path (`/` by default), part of its ARN.
        path: String,
    },
    /// A session of an IAM role, from `AssumeRole`.
    AssumedRole {
        /// The role's name.
        role_name: String,
        /// The role's path (`/` by default), part of the role ARN but not of the session ARN.
        role_path: String,
        /// The `RoleSessionName` given to `AssumeRole`.
        session_name: String,
    },
}

/// An authenticated identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The account the principal belongs to.
    pub account: AccountId,
    /// Root or user.
    pub kind: PrincipalKind,
    /// The stable unique id AWS shows as `userId` (`AIDA...` for users, the account id for root).
    pub unique_id: String,
}

impl Principal {
    /// The principal's ARN in `partition`.
    pub fn arn(&self, partition: &str) -> String {
        match &self.kind {
            PrincipalKind::Root => format!("arn:{partition}:iam::{}:root", self.account),
            PrincipalKind::User { name, path } => format!("arn:{partition}:iam::{}:user{path}{name}", self.account),
            PrincipalKind::AssumedRole { role_name, session_name, .. } => {
                format!("arn:{partition}:sts::{}:assumed-role/{role_name}/{session_name}", self.account)
            }
        }
    }

    /// For an assumed-role session, the ARN of its role (which policies name to mean every
    /// session of the role).
    pub fn role_arn(&self, partition: &str) -> Option<String> {
        match &self.kind {
            PrincipalKind::AssumedRole { role_name, role_path, .. } => {
                Some(format!("arn:{partition}:iam::{}:role{role_path}{role_name}", self.account))
            }
            PrincipalKind::Root | PrincipalKind::User { .. } => None,
        }
    }
}

/// Whether an access key may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessKeyStatus {
    /// Usable.
    Active,
    /// Kept but refused.
    Inactive,
}

impl AccessKeyStatus {
    /// The IAM wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
        }
    }

    /// Parses the IAM wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Active" => Some(Self::Active),
            "Inactive" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// A stored access key. The secret is wrapped under the root key; see
/// [`access_key_wrap_aad`] for what binds it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKeyRecord {
    /// `AKIA...` or, for temporary credentials, `ASIA...`.
    pub access_key_id: String,
    /// Whose key it is.
    pub principal: Principal,
    /// The secret access key, wrapped.
    pub secret_wrapped: Vec<u8>,
    /// Active or inactive.
    pub status: AccessKeyStatus,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

impl fmt::Debug for AccessKeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKeyRecord")
            .field("access_key_id", &self.access_key_id)
            .field("principal", &self.principal)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// The additional authenticated data an access key's secret is wrapped with.
pub fn access_key_wrap_aad(access_key_id: &str) -> Vec<u8> {
    format!("trent/access-key-secret/v1|{access_key_id}").into_bytes()
}

/// The additional authenticated data a session's secret access key is wrapped with: distinct
/// from [`access_key_wrap_aad`], so a wrapped session secret cannot be replayed as a
/// long-term key's.
pub fn session_wrap_aad(access_key_id: &str) -> Vec<u8> {
    format!("trent/session-secret/v1|{access_key_id}").into_bytes()
}
