//! Cross-account replication's records: the link a primary keeps to its one replica in
//! another account, and the link that replica keeps to its primary, each with its status.
//!
//! A cross-account replica is created in its own account with `CreateSecret`'s
//! `CrossAccountPrimaryARN` (status `Pending`), then associated from the primary's account
//! with `AssociateCrossAccountReplica`. The two links are stored on the two secrets' rows
//! ([`SecretRecord::cross_account_replica`], [`SecretRecord::cross_account_primary`]) and
//! changed with each secret under its revision. This module knows nothing of the wire or SQL.
//!
//! [`SecretRecord::cross_account_replica`]: super::SecretRecord::cross_account_replica
//! [`SecretRecord::cross_account_primary`]: super::SecretRecord::cross_account_primary

/// A cross-account link's `ReplicationStatus` (the model's `StatusType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrossAccountStatus {
    /// The replica exists but no primary has associated it yet.
    Pending,
    /// Being brought up to date.
    InProgress,
    /// Holds what the primary holds.
    InSync,
    /// Could not be brought up to date.
    Failed,
    /// The primary no longer replicates to it (`DisassociateCrossAccountReplica`, or the
    /// replica stopped replication).
    Detached,
}

impl CrossAccountStatus {
    /// The AWS (and stored) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::InProgress => "InProgress",
            Self::InSync => "InSync",
            Self::Failed => "Failed",
            Self::Detached => "Detached",
        }
    }

    /// Parses [`CrossAccountStatus::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Pending" => Some(Self::Pending),
            "InProgress" => Some(Self::InProgress),
            "InSync" => Some(Self::InSync),
            "Failed" => Some(Self::Failed),
            "Detached" => Some(Self::Detached),
            _ => None,
        }
    }
}

/// What a primary records of its cross-account replica (`CrossAccountReplicas`' one entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrossAccountReplica {
    /// `ReplicaSecretARN`: the replica in the other account.
    pub arn: String,
    /// `ReplicationRoleARN`, when the association named one.
    pub role_arn: Option<String>,
    /// `ReplicationStatus`.
    pub status: CrossAccountStatus,
}

/// What a cross-account replica records of its primary (`CrossAccountPrimary`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrossAccountPrimary {
    /// `PrimarySecretARN`: the primary in the other account, as `CreateSecret` named it.
    pub arn: String,
    /// `ReplicationStatus`.
    pub status: CrossAccountStatus,
}
