//! The stored shape of a secret and its versions, and the secret value type.
//!
//! A secret's staging labels live on the secret ([`SecretRecord::labels`], label to version):
//! AWS attaches each label to at most one version, and a map keyed by label keeps that true by
//! construction. Versions are immutable once written; only pruning removes them.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use trent_crypto::SecretBytes;

use super::{CrossAccountPrimary, CrossAccountReplica, ReplicaRecord};
use crate::ids::{Region, Scope};
use crate::kms::Tag;

/// The label of the version `GetSecretValue` returns by default.
pub const AWSCURRENT: &str = "AWSCURRENT";
/// The label the previous current version receives when `AWSCURRENT` moves.
pub const AWSPREVIOUS: &str = "AWSPREVIOUS";
/// The label of a version being rotated in.
pub const AWSPENDING: &str = "AWSPENDING";

/// Whether a version holds `SecretString` or `SecretBinary`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// `SecretString`: UTF-8 text.
    String,
    /// `SecretBinary`: bytes.
    Binary,
}

impl ValueKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::String => "string",
            ValueKind::Binary => "binary",
        }
    }

    /// Parses [`ValueKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "string" => Some(ValueKind::String),
            "binary" => Some(ValueKind::Binary),
            _ => None,
        }
    }
}

/// A secret's value: `SecretString` (UTF-8 bytes) or `SecretBinary`. Zeroized on drop,
/// printed as `[REDACTED]`, never serialized.
#[derive(Clone, Debug)]
pub struct SecretValue {
    /// Which member it came from and goes back to.
    pub kind: ValueKind,
    /// The value's bytes.
    pub bytes: SecretBytes,
}

impl SecretValue {
    /// A `SecretString`.
    pub fn string(s: &str) -> Self {
        SecretValue { kind: ValueKind::String, bytes: SecretBytes::from_slice(s.as_bytes()) }
    }

    /// A `SecretBinary`.
    pub fn binary(b: &[u8]) -> Self {
        SecretValue { kind: ValueKind::Binary, bytes: SecretBytes::from_slice(b) }
    }

    /// The `SecretString`, if this is one.
    pub fn expose_string(&self) -> Option<&str> {
        match self.kind {
            ValueKind::String => std::str::from_utf8(self.bytes.expose_secret()).ok(),
            ValueKind::Binary => None,
        }
    }

    /// Whether two values are the same kind and bytes, compared in constant time.
    pub fn same_as(&self, other: &SecretValue) -> bool {
        self.kind == other.kind
            && trent_crypto::constant_time_eq(self.bytes.expose_secret(), other.bytes.expose_secret())
    }
}

/// A secret's metadata, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretRecord {
    /// Owner account and region.
    pub scope: Scope,
    /// The friendly name, unique in its scope.
    pub name: String,
    /// The six random characters AWS appends to the name in the ARN, so that a secret created
    /// again under an old name has another ARN.
    pub suffix: String,
    /// `Description`.
    pub description: Option<String>,
    /// The KMS key as the caller named it; `None` for the account's `aws/secretsmanager` key.
    pub kms_key_id: Option<String>,
    /// `CreatedDate`.
    pub created_at: OffsetDateTime,
    /// `LastChangedDate`: the last change of value, description, key, labels or deletion.
    pub last_changed_at: OffsetDateTime,
    /// `LastAccessedDate`: the day (midnight UTC) the value was last read.
    pub last_accessed_at: Option<OffsetDateTime>,
    /// `DeletedDate`: set while the secret waits for deletion.
    pub deleted_at: Option<OffsetDateTime>,
    /// When the scheduler purges a secret scheduled for deletion.
    pub deletion_date: Option<OffsetDateTime>,
    /// Tags, in the order they were first added.
    pub tags: Vec<Tag>,
    /// The resource policy document, as put.
    pub policy: Option<String>,
    /// Staging label to version id.
    pub labels: BTreeMap<String, String>,
    /// Optimistic-concurrency counter, bumped by every update.
    pub revision: u64,
    /// Rotation: configured by `RotateSecret`, `None` for a secret never configured.
    pub rotation: Option<super::RotationState>,
    /// For a replica, the region of its primary; `None` for a primary or a standalone secret.
    pub primary_region: Option<Region>,
    /// For a primary, its replicas and their status.
    pub replicas: Vec<ReplicaRecord>,
    /// For a primary of cross-account replication, its one replica in another account.
    pub cross_account_replica: Option<CrossAccountReplica>,
    /// For a cross-account replica, its primary in another account.
    pub cross_account_primary: Option<CrossAccountPrimary>,
}

impl SecretRecord {
    /// `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX`.
    pub fn arn(&self) -> String {
        let mut resource = String::with_capacity(8 + self.name.len() + self.suffix.len());
        for part in ["secret:", self.name.as_str(), "-", self.suffix.as_str()] {
            resource.push_str(part);
        }
        self.scope.arn("secretsmanager", &resource)
    }

    /// Whether the secret waits for deletion.
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// The labels of `version_id`, in label order.
    pub fn labels_of(&self, version_id: &str) -> Vec<String> {
        self.labels.iter().filter(|(_, v)| v.as_str() == version_id).map(|(l, _)| l.clone()).collect()
    }

    /// The version a label is attached to.
    pub fn version_of(&self, label: &str) -> Option<&str> {
        self.labels.get(label).map(String::as_str)
    }
}

#[cfg(test)]
impl SecretRecord {
    /// A secret named `name` of account 111122223333 in `us-east-1`, created at the epoch,
    /// with nothing else set: the starting point of unit tests.
    pub(crate) fn for_tests(name: &str) -> Self {
        SecretRecord {
            scope: Scope::new(
                crate::ids::AccountId::parse("111122223333").expect("an account id"),
                Region::parse("us-east-1").expect("a region"),
            ),
            name: name.into(),
            suffix: "AbCdEf".into(),
            description: None,
            kms_key_id: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            last_changed_at: OffsetDateTime::UNIX_EPOCH,
            last_accessed_at: None,
            deleted_at: None,
            deletion_date: None,
            tags: vec![],
            policy: None,
            labels: BTreeMap::new(),
            revision: 1,
            rotation: None,
            primary_region: None,
            replicas: Vec::new(),
            cross_account_replica: None,
            cross_account_primary: None,
        }
    }
}

/// One version of a secret's value, envelope-encrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionRecord {
    /// `VersionId` (the `ClientRequestToken` that created it), 32..=64 characters.
    pub version_id: String,
    /// `CreatedDate`.
    pub created_at: OffsetDateTime,
    /// `SecretString` or `SecretBinary`.
    pub kind: ValueKind,
    /// ARN of the KMS key the data key was generated under.
    pub key_arn: String,
    /// The data key, encrypted by KMS under the context `{SecretARN, SecretVersionId}`.
    pub wrapped_key: Vec<u8>,
    /// The value sealed with the data key (AES-256-GCM).
    pub ciphertext: Vec<u8>,
}
