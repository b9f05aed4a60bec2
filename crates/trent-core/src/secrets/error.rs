//! The Secrets Manager domain error.
//!
//! Each variant is one AWS error `__type` with the facts its message needs; `trent-wire`
//! renders AWS's sentences and picks the status exactly once. No variant carries a secret
//! value.

use crate::kms::KmsError;
use crate::store::StoreError;

/// Why a parameter was refused (`InvalidParameterException`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadParameter {
    /// `RecoveryWindowInDays` outside 7..=30.
    RecoveryWindow,
    /// `RecoveryWindowInDays` together with `ForceDeleteWithoutRecovery`.
    RecoveryWindowWithForce,
    /// `SecretString` and `SecretBinary` together.
    BothValues,
    /// A `VersionStages` list with a label twice, or a label list that is empty.
    DuplicateStage,
    /// `UpdateSecretVersionStage` with neither `MoveToVersionId` nor `RemoveFromVersionId`.
    NoVersionToMove,
    /// `RemoveFromVersionId` does not hold the label.
    StageNotOnVersion {
        /// The label.
        stage: String,
        /// The version named in the request.
        version_id: String,
    },
    /// The label is on another version, which `RemoveFromVersionId` must name.
    StageAttachedElsewhere {
        /// The label.
        stage: String,
        /// The version holding it.
        version_id: String,
    },
    /// A `ClientRequestToken` (or `VersionId`) not 32..=64 characters.
    TokenLength,
    /// `GetRandomPassword` with every character type excluded.
    NoCharacters,
    /// `PasswordLength` too short for one character of each required type.
    PasswordTooShort,
    /// An invalid `NextToken`.
    NextToken,
    /// A `Filters` entry with a bad key or values.
    Filter,
    /// A secret name that is not allowed.
    Name,
    /// `BatchGetSecretValue` with both `SecretIdList` and `Filters`, or neither.
    BatchSelection,
    /// A tag key AWS reserves (`aws:`).
    ReservedTag,
    /// `RotationRules` that AWS refuses.
    RotationRules(trent_rotation::ScheduleError),
    /// `PolicyName` other than `default` on `PutResourcePolicy` or `DeleteResourcePolicy`,
    /// which act on the `default` policy only.
    PolicyName {
        /// The name as given.
        name: String,
    },
    /// A replica region that is not hosted, is the secret's own, is named twice, already holds
    /// a replica (`AddReplicaRegions`) or holds none (`RemoveReplicaRegions`).
    ReplicaRegion {
        /// The region as given.
        region: String,
    },
    /// `CrossAccountPrimaryARN` or `CrossAccountReplicaARN` that is not the ARN of a secret of
    /// another account in the caller's region.
    CrossAccountArn {
        /// The ARN as given.
        arn: String,
    },
    /// `ReplicationRoleARN` that is not the ARN of an existing IAM role of the primary secret's
    /// account.
    ReplicationRole {
        /// The ARN as given.
        arn: String,
    },
    /// `ReplicationRoleARN` naming a role whose trust policy doesn't let Secrets Manager
    /// (`secretsmanager.amazonaws.com`) `sts:AssumeRole`.
    ReplicationRoleTrust {
        /// The ARN as given.
        arn: String,
    },
}

/// Why a request was refused as invalid in the secret's state (`InvalidRequestException`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadRequest {
    /// The secret is scheduled for deletion.
    MarkedForDeletion,
    /// `CreateSecret` with the name of a secret scheduled for deletion.
    NameScheduledForDeletion,
    /// A cross-account request on a secret encrypted with the AWS managed key.
    DefaultKeyCrossAccount,
    /// `RemoveFromVersionId` would remove `AWSCURRENT` without moving it elsewhere.
    RemoveCurrent,
    /// `RotateSecret` while `AWSPENDING` is on a version other than the `AWSCURRENT` one.
    RotationInProgress,
    /// `RotateSecret` without `RotationLambdaARN` on a secret that has no function.
    NoRotationFunction,
    /// A write on a replica secret (writes go to the primary).
    ReplicaReadOnly,
    /// A change of the value or labels of a cross-account replica still linked to its primary
    /// (not `Detached`): they come from the primary until replication stops.
    CrossAccountReplicaReadOnly,
    /// `StopReplicationToReplica` on a secret that is not a replica.
    NotAReplica,
    /// `DeleteSecret` of a primary that still has replicas.
    HasReplicas,
    /// `CreateSecret` with `CrossAccountPrimaryARN` and a member a replica can't have
    /// (`SecretString`, `SecretBinary`, `Description`, `AddReplicaRegions`, `Type`).
    CrossAccountReplicaMember {
        /// The member, as the model spells it.
        member: &'static str,
    },
    /// `CreateSecret` of a cross-account replica without a customer managed key.
    CrossAccountReplicaKey,
    /// `AssociateCrossAccountReplica` of a secret that was not created as a cross-account replica
    /// of this primary.
    NotReplicaOfPrimary,
    /// `DisassociateCrossAccountReplica` naming a replica the primary is not linked to.
    NotAssociated,
    /// `DeleteSecret` of a primary with a cross-account replica still associated.
    HasCrossAccountReplica,
}

/// Which limit was reached (`LimitExceededException`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// More versions than a secret may hold.
    Versions,
    /// More staging labels than a secret may carry.
    StagingLabels,
    /// More tags than a secret may carry.
    Tags,
    /// A second cross-account replica of one primary.
    CrossAccountReplicas,
}

/// Which KMS use failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KmsUse {
    /// Generating the data key of a new version.
    Encrypt,
    /// Decrypting a version's data key.
    Decrypt,
}

/// Why a resource policy was refused (`MalformedPolicyDocumentException`); `trent-wire`
/// renders the sentence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadPolicy {
    /// The document is over [`MAX_POLICY_CHARS`](super::MAX_POLICY_CHARS) characters.
    #[error("the policy document is too long")]
    TooLong,
    /// The policy engine refuses the document; its `Display` is AWS's sentence.
    #[error("the policy engine refuses the document: {0}")]
    Document(crate::policy::PolicyError),
}

/// A Secrets Manager error.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// No such secret (or it is out of the caller's reach).
    #[error("secret not found")]
    NotFound,
    /// No version with this id.
    #[error("no such version")]
    VersionNotFound {
        /// The requested `VersionId`.
        version_id: String,
    },
    /// No version with this label.
    #[error("no version with this staging label")]
    StageNotFound {
        /// The requested `VersionStage`.
        stage: String,
    },
    /// `GetResourcePolicy` of a policy name no policy of the secret has.
    #[error("no resource policy of this name")]
    PolicyNotFound {
        /// The requested `PolicyName`.
        name: String,
    },
    /// `CreateSecret` with a name already in use.
    #[error("secret exists")]
    AlreadyExists {
        /// The name.
        name: String,
    },
    /// A version id reused with another value.
    #[error("version exists with another value")]
    VersionExists,
    /// `InvalidParameterException`.
    #[error("invalid parameter: {0:?}")]
    InvalidParameter(BadParameter),
    /// `InvalidRequestException`.
    #[error("invalid request: {0:?}")]
    InvalidRequest(BadRequest),
    /// `LimitExceededException`.
    #[error("limit exceeded: {0:?}")]
    LimitExceeded(Limit),
    /// `MalformedPolicyDocumentException`: why the policy was refused.
    #[error("malformed policy: {0}")]
    MalformedPolicy(BadPolicy),
    /// `PublicPolicyException`: `BlockPublicPolicy` and the policy grants public access.
    #[error("public policy")]
    PublicPolicy,
    /// The caller may not do this.
    #[error("{caller} may not {action} on {resource}")]
    AccessDenied {
        /// The caller's ARN.
        caller: String,
        /// `secretsmanager:GetSecretValue`.
        action: String,
        /// The secret's ARN (or the id asked for).
        resource: String,
    },
    /// `AssociateCrossAccountReplica` or `DisassociateCrossAccountReplica` called on a primary
    /// of another account: AWS requires the primary's own account, whatever policy is attached.
    #[error("{caller} may not {action} on {resource}: only the secret's account may")]
    PrimaryAccountOnly {
        /// The caller's ARN.
        caller: String,
        /// `secretsmanager:AssociateCrossAccountReplica`.
        action: String,
        /// The `SecretId` as given.
        resource: String,
    },
    /// KMS refused or failed.
    #[error("KMS refused the {during:?}")]
    Kms {
        /// What the service was doing.
        during: KmsUse,
        /// What KMS said.
        #[source]
        source: KmsError,
    },
    /// `RotationLambdaARN` names no function this server can run (`AccessDeniedException`,
    /// as AWS answers for a function it may not invoke).
    #[error("no rotation function {arn}")]
    RotationFunction {
        /// The ARN given.
        arn: String,
    },
    /// A stored version could not be opened with its data key.
    #[error("decryption failure")]
    Decryption,
    /// Storage is unavailable.
    #[error("storage unavailable")]
    Unavailable(#[source] StoreError),
    /// Anything else that is not the caller's fault.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for SecretsError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => Self::Unavailable(e),
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<trent_crypto::CryptoError> for SecretsError {
    fn from(e: trent_crypto::CryptoError) -> Self {
        Self::Internal(Box::new(e))
    }
}
