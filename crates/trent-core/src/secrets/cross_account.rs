//! Cross-account replication's records: the link a primary keeps to its one replica in
//! another account, and the link that replica keeps to its primary, each with its status.
//!
//! A cross-account replica is created in its own account with `CreateSecret`'s
//! `CrossAccountPrimaryARN` (status `Pending`), then associated from the primary's account
//! with `AssociateCrossAccountReplica`. The two links are stored on the two secrets' rows
//! ([`SecretRecord::cross_account_replica`], [`SecretRecord::cross_account_primary`]) and
//! changed with each secret under its revision. The replica carries AWS's managed resource policy
//! `cross-account-replication` ([`managed_policy`]), derived from its primary's ARN rather than
//! stored: it lets the primary's account call `AcceptCrossAccountReplication` on the replica,
//! which `AssociateCrossAccountReplica` then needs as any cross-account call does (the resource
//! policy and the caller's identity policy). Only the primary's account may associate or
//! disassociate. The replication (the association's copy and every later one) authorizes as
//! the link's `ReplicationRoleARN` role when it names one, else as the caller; a link that
//! fails records why ([`CrossAccountFailure`]). A replica's value and labels are its primary's
//! while it is linked. This module knows nothing of the wire or SQL.
//!
//! [`SecretRecord::cross_account_replica`]: super::SecretRecord::cross_account_replica
//! [`SecretRecord::cross_account_primary`]: super::SecretRecord::cross_account_primary

use super::writers::WriteGuard;
use super::{BadParameter, BadRequest, KmsUse, Limit, SecretRecord, Secrets, SecretsError};
use crate::identity::{Caller, IdentityError, ServiceRole, ViaService};
use crate::ids::Arn;
use crate::kms::KeyManager;
use crate::policy::ConditionContext;
use crate::store::SecretChange;

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

/// Why a cross-account link is `Failed` (its `StatusMessage`, worded by the wire). Names the
/// permission or the key that refused, never a value or what the key holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrossAccountFailure {
    /// The replicating identity may not `AcceptCrossAccountReplication` on the replica, or
    /// the replica is gone.
    ReplicaAccess,
    /// KMS refused to decrypt the primary's versions (its key's state or permissions).
    PrimaryKey,
    /// KMS refused a data key under the replica's key (its state or permissions).
    ReplicaKey,
    /// The link's `ReplicationRoleARN` can't be assumed (the role no longer exists).
    ReplicationRole,
    /// The link's `ReplicationRoleARN` role no longer trusts Secrets Manager: its trust policy
    /// doesn't let `secretsmanager.amazonaws.com` `sts:AssumeRole` (changed after association).
    ReplicationRoleTrust,
}

impl CrossAccountFailure {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReplicaAccess => "replica-access",
            Self::PrimaryKey => "primary-key",
            Self::ReplicaKey => "replica-key",
            Self::ReplicationRole => "replication-role",
            Self::ReplicationRoleTrust => "replication-role-trust",
        }
    }

    /// Parses [`CrossAccountFailure::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "replica-access" => Some(Self::ReplicaAccess),
            "primary-key" => Some(Self::PrimaryKey),
            "replica-key" => Some(Self::ReplicaKey),
            "replication-role" => Some(Self::ReplicationRole),
            "replication-role-trust" => Some(Self::ReplicationRoleTrust),
            _ => None,
        }
    }

    /// The failure a refused copy into the replica stands for: KMS refusing to open the
    /// primary's versions or to seal the replica's; `None` for any other error.
    fn of_copy(e: &SecretsError) -> Option<Self> {
        match e {
            SecretsError::Kms { during: KmsUse::Decrypt, .. } if super::rekey::refused(e) => Some(Self::PrimaryKey),
            SecretsError::Kms { during: KmsUse::Encrypt, .. } if super::rekey::refused(e) => Some(Self::ReplicaKey),
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
    /// Why the link is `Failed` (its `StatusMessage`); `None` otherwise.
    pub failure: Option<CrossAccountFailure>,
}

/// What a cross-account replica records of its primary (`CrossAccountPrimary`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrossAccountPrimary {
    /// `PrimarySecretARN`: the primary in the other account, as `CreateSecret` named it.
    pub arn: String,
    /// `ReplicationStatus`.
    pub status: CrossAccountStatus,
    /// Why the link is `Failed` (its `StatusMessage`); `None` otherwise.
    pub failure: Option<CrossAccountFailure>,
}

/// The name of the managed policy a cross-account replica carries.
pub const MANAGED_POLICY_NAME: &str = "cross-account-replication";

/// Which of a secret's two cross-account links [`Secrets::mark_link`] changes.
#[derive(Clone, Copy)]
enum LinkEnd {
    /// A replica's link to its primary.
    ToPrimary,
    /// A primary's link to its replica.
    ToReplica,
}

/// What `AssociateCrossAccountReplica` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Association {
    /// `ARN` of the primary.
    pub arn: String,
    /// `CrossAccountReplicaARN`.
    pub replica_arn: String,
    /// `ReplicationStatus`.
    pub status: CrossAccountStatus,
}

/// The managed `cross-account-replication` policy of a replica of `primary_arn`: the primary's
/// account may accept replication into it.
fn managed_policy(primary_arn: &str) -> Option<String> {
    let account = Arn::parse(primary_arn)?.account;
    Some(
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "CrossAccountReplication",
                "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
                "Action": "secretsmanager:AcceptCrossAccountReplication",
                "Resource": "*",
            }],
        })
        .to_string(),
    )
}

/// Checks that `arn` names a secret of another account than `caller`'s, in its region and
/// partition.
///
/// # Errors
/// `InvalidParameter` otherwise.
fn other_account_secret(caller: &Caller, arn: &str) -> Result<(), SecretsError> {
    let bad = || SecretsError::InvalidParameter(BadParameter::CrossAccountArn { arn: arn.to_owned() });
    let parsed = Arn::parse(arn).ok_or_else(bad)?;
    let ok = parsed.partition == "aws"
        && parsed.service == "secretsmanager"
        && parsed.region == caller.region.as_str()
        && parsed.account != caller.principal.account.as_str()
        && parsed.resource.starts_with("secret:");
    if ok { Ok(()) } else { Err(bad()) }
}

/// `KmsKeyId` of a cross-account replica as a key ARN of its own account, so that a caller of
/// the primary's account names that key and not one of its own.
fn key_arn_of(replica: &SecretRecord) -> Option<String> {
    let key = replica.kms_key_id.as_deref()?;
    Some(match key {
        k if k.starts_with("arn:") => k.to_owned(),
        k if k.starts_with("alias/") => replica.scope.alias_arn(k),
        k => replica.scope.key_arn(k),
    })
}

/// Whether `key` names an AWS managed key by its alias (`alias/aws/...`).
fn aws_managed_alias(key: &str) -> bool {
    let resource = Arn::parse(key).map_or(key, |a| a.resource);
    resource.starts_with("alias/aws/")
}

/// The session name of the role replication assumes (`ReplicationRoleARN`): Trent's own, as
/// AWS documents none.
const REPLICATION_SESSION: &str = "SecretsManagerReplication";

/// The service principal the `ReplicationRoleARN` role's trust policy must allow
/// `sts:AssumeRole` ("an IAM role ... that Secrets Manager assumes", API reference).
const SECRETS_MANAGER_PRINCIPAL: &str = "secretsmanager.amazonaws.com";

/// Refuses `AssociateCrossAccountReplica` and `DisassociateCrossAccountReplica` of a primary
/// `secret_id` that names another account's secret: "you must call this operation from the
/// account that owns the primary secret" (API reference), so no resource policy can share them.
/// Checked before the secret is looked up, so the answer tells nothing of what exists.
///
/// # Errors
/// `PrimaryAccountOnly`.
fn primary_account_only(caller: &Caller, secret_id: &str, action: &str) -> Result<(), SecretsError> {
    match super::secret_id::parse(caller, secret_id) {
        Some(r) if r.scope.account != caller.principal.account => Err(SecretsError::PrimaryAccountOnly {
            caller: caller.arn(),
            action: action.to_owned(),
            resource: secret_id.to_owned(),
        }),
        _ => Ok(()),
    }
}

impl Secrets {
    /// The primary `secret_id` of the caller's own account, locked for writing and read again
    /// under the lock, after [`primary_account_only`] and the caller's `action` on it
    /// (`AssociateCrossAccountReplica`, `DisassociateCrossAccountReplica`).
    ///
    /// # Errors
    /// `PrimaryAccountOnly`, `NotFound`, `AccessDenied`.
    async fn lock_own_primary(
        &self,
        caller: &Caller,
        secret_id: &str,
        action: &str,
    ) -> Result<(WriteGuard, SecretRecord), SecretsError> {
        primary_account_only(caller, secret_id, action)?;
        self.lock_named(caller, secret_id, action).await
    }
}

/// Checks that `role_arn` names an IAM role of `account` (`ReplicationRoleARN`: "an IAM role
/// in the primary account").
///
/// # Errors
/// `InvalidParameter` otherwise.
fn role_of_account(role_arn: &str, account: &str) -> Result<(), SecretsError> {
    let ok = Arn::parse(role_arn).is_some_and(|a| {
        a.partition == "aws"
            && a.service == "iam"
            && a.region.is_empty()
            && a.account == account
            && a.resource.starts_with("role/")
    });
    if ok {
        Ok(())
    } else {
        Err(SecretsError::InvalidParameter(BadParameter::ReplicationRole { arn: role_arn.to_owned() }))
    }
}

/// Refuses a change of the value or labels of a cross-account replica still linked to its
/// primary (`PutSecretValue`, `UpdateSecret` with a value, `UpdateSecretVersionStage`,
/// `RotateSecret`): they are the primary's. A `Detached` replica (disassociated by its primary)
/// and a standalone one may be changed. AWS documents no such rule for cross-account replicas;
/// Trent treats them as it treats multi-Region replicas (see `docs/COMPATIBILITY.md`).
///
/// # Errors
/// `InvalidRequest` (`CrossAccountReplicaReadOnly`).
pub(crate) fn refuse_linked_replica(secret: &SecretRecord) -> Result<(), SecretsError> {
    match &secret.cross_account_primary {
        Some(p) if p.status != CrossAccountStatus::Detached => {
            Err(SecretsError::InvalidRequest(BadRequest::CrossAccountReplicaReadOnly))
        }
        _ => Ok(()),
    }
}

impl SecretRecord {
    /// The managed `cross-account-replication` policy, on a cross-account replica.
    pub fn managed_policy(&self) -> Option<String> {
        managed_policy(&self.cross_account_primary.as_ref()?.arn)
    }

    /// Whether a cross-account replica is still associated with this primary (not detached
    /// by its own account): `DeleteSecret` is refused until it is disassociated.
    pub(crate) fn has_associated_replica(&self) -> bool {
        self.cross_account_replica.as_ref().is_some_and(|r| r.status != CrossAccountStatus::Detached)
    }
}

impl Secrets {
    /// The checks of `CreateSecret` with `CrossAccountPrimaryARN` (`primary_arn`), on the replica
    /// `secret` about to be created: the caller may put its resource policy, the ARN names a
    /// secret of another account, the key is a customer managed key. Marks it `Pending`.
    ///
    /// # Errors
    /// `AccessDenied`, `InvalidParameter`, `InvalidRequest`, `Kms` when the key can't be described.
    pub(crate) async fn plan_cross_account_replica(
        &self,
        caller: &Caller,
        secret: &mut SecretRecord,
        primary_arn: &str,
        refused_member: Option<&'static str>,
    ) -> Result<(), SecretsError> {
        self.authorize_account(caller, "secretsmanager:PutResourcePolicy", &secret.arn())?;
        other_account_secret(caller, primary_arn)?;
        if let Some(member) = refused_member {
            return Err(SecretsError::InvalidRequest(BadRequest::CrossAccountReplicaMember { member }));
        }
        let Some(key) = secret.kms_key_id.as_deref() else {
            return Err(SecretsError::InvalidRequest(BadRequest::CrossAccountReplicaKey));
        };
        if aws_managed_alias(key) {
            return Err(SecretsError::InvalidRequest(BadRequest::CrossAccountReplicaKey));
        }
        let kms = self.kms.on_behalf(caller, ViaService::SECRETS_MANAGER);
        let described =
            kms.describe_key(key).await.map_err(|source| SecretsError::Kms { during: KmsUse::Encrypt, source })?;
        if described.record.manager != KeyManager::Customer {
            return Err(SecretsError::InvalidRequest(BadRequest::CrossAccountReplicaKey));
        }
        secret.cross_account_primary = Some(CrossAccountPrimary {
            arn: primary_arn.to_owned(),
            status: CrossAccountStatus::Pending,
            failure: None,
        });
        Ok(())
    }

    /// `AssociateCrossAccountReplica`: links the primary `secret_id` of the caller's account to
    /// the replica `replica_arn` made for it in another account, and copies the primary's
    /// versions and labels into it (`InSync`). Again for the same replica, it copies what the
    /// replica lacks. Nothing is written when a check or a key refuses.
    ///
    /// # Errors
    /// `NotFound`, `AccessDenied` (on the primary: `AssociateCrossAccountReplica`,
    /// `GetSecretValue`; on the replica: `AcceptCrossAccountReplication`), `InvalidParameter` for
    /// an ARN that is not another account's secret in this region, `InvalidRequest` for a replica
    /// of another primary, a replica of a replica or a secret scheduled for deletion,
    /// `LimitExceeded` when the primary has another replica, `Kms` when a key refuses.
    pub async fn associate_cross_account_replica(
        &self,
        caller: &Caller,
        secret_id: &str,
        replica_arn: &str,
        role_arn: Option<&str>,
    ) -> Result<Association, SecretsError> {
        let action = "secretsmanager:AssociateCrossAccountReplica";
        let (writing, primary) = self.lock_own_primary(caller, secret_id, action).await?;
        self.authorize(caller, "secretsmanager:GetSecretValue", &primary)?;
        other_account_secret(caller, replica_arn)?;
        if let Some(role) = role_arn {
            role_of_account(role, primary.scope.account.as_str())?;
            self.authorize_account(caller, "iam:PassRole", role)?;
        }
        super::replicas::refuse_replica(&primary)?;
        if primary.is_deleted() {
            return Err(SecretsError::InvalidRequest(BadRequest::MarkedForDeletion));
        }
        if primary.cross_account_primary.is_some() {
            return Err(SecretsError::InvalidRequest(BadRequest::ReplicaReadOnly));
        }
        let replica = self.authorized(caller, replica_arn, "secretsmanager:AcceptCrossAccountReplication").await?;
        let primary_arn = primary.arn();
        if replica.cross_account_primary.as_ref().is_none_or(|p| p.arn != primary_arn) {
            return Err(SecretsError::InvalidRequest(BadRequest::NotReplicaOfPrimary));
        }
        let replica_arn = replica.arn();
        if primary.cross_account_replica.as_ref().is_some_and(|r| r.arn != replica_arn) {
            return Err(SecretsError::LimitExceeded(Limit::CrossAccountReplicas));
        }
        // The replication itself runs as the role, when one is named. AWS documents no error
        // for a role whose trust policy doesn't let Secrets Manager assume it: assumed to be
        // the same `InvalidParameterException` as for a role that doesn't exist.
        let replicator = match self.replicator(caller, &primary, role_arn).await? {
            Ok(r) => r,
            Err(why) => {
                let arn = role_arn.unwrap_or_default().to_owned();
                return Err(SecretsError::InvalidParameter(match why {
                    CrossAccountFailure::ReplicationRoleTrust => BadParameter::ReplicationRoleTrust { arn },
                    _ => BadParameter::ReplicationRole { arn },
                }));
            }
        };
        // One secret's lock at a time: the primary's goes before the replica's is taken.
        drop(writing);
        self.copy_into_replica(&replicator, &primary, &replica.scope, &replica.name).await?;
        let _writing = self.lock_secret(&primary.scope, &primary.name).await;
        let link = CrossAccountReplica {
            arn: replica_arn.clone(),
            role_arn: role_arn.map(str::to_owned),
            status: CrossAccountStatus::InSync,
            failure: None,
        };
        self.rewrite(&primary.scope, &primary.name, |s| s.cross_account_replica = Some(link.clone())).await?;
        tracing::info!(replica = %replica_arn, "cross-account replica associated and in sync");
        Ok(Association { arn: primary_arn, replica_arn, status: CrossAccountStatus::InSync })
    }

    /// Copies what the cross-account replica at `scope`/`name` lacks of `primary`'s versions
    /// and makes its labels the primary's, sealed under the replica's key with `caller`'s
    /// credentials, its link to the primary `InSync`; the replica is read again under its lock.
    async fn copy_into_replica(
        &self,
        caller: &Caller,
        primary: &SecretRecord,
        scope: &crate::ids::Scope,
        name: &str,
    ) -> Result<(), SecretsError> {
        let primary_arn = primary.arn();
        let _replica_writing = self.lock_secret(scope, name).await;
        let mut retry = super::writers::Retry::default();
        loop {
            let Some(replica) = self.store.get_secret(scope, name).await? else {
                return Err(SecretsError::NotFound);
            };
            let sealing = SecretRecord { kms_key_id: key_arn_of(&replica), ..replica.clone() };
            let (copied, pruned) = self.copied_versions(caller, caller, primary, &sealing, true).await?;
            let mut next = replica.clone();
            next.labels = primary.labels.clone();
            next.last_changed_at = self.clock.now();
            next.cross_account_primary = Some(CrossAccountPrimary {
                arn: primary_arn.clone(),
                status: CrossAccountStatus::InSync,
                failure: None,
            });
            next.revision = replica.revision + 1;
            let change = SecretChange {
                secret: &next,
                expected_revision: replica.revision,
                new_version: None,
                pruned: &pruned,
                upserted: &copied,
                events: &[],
            };
            if self.write(change).await? {
                return Ok(());
            }
            retry.lost().await?;
        }
    }

    /// Who replicates `primary` for `caller` over a link naming `role_arn`: the caller itself
    /// without a role (AWS's forward access session), else a session of the role assumed by
    /// Secrets Manager, its KMS use recorded with the caller's request; the failure when the
    /// role can't be assumed (it does not exist, or its trust policy doesn't let
    /// `secretsmanager.amazonaws.com` assume it). The trust policy sees `aws:SourceAccount`
    /// and `aws:SourceArn` as the primary's account and ARN, the keys AWS's services set
    /// against the confused deputy (assumed for Secrets Manager, which doesn't document them).
    ///
    /// # Errors
    /// Storage errors; a stored policy of the role that no longer parses.
    async fn replicator(
        &self,
        caller: &Caller,
        primary: &SecretRecord,
        role_arn: Option<&str>,
    ) -> Result<Result<Caller, CrossAccountFailure>, SecretsError> {
        let Some(role_arn) = role_arn else { return Ok(Ok(caller.clone())) };
        let Some(roles) = &self.roles else { return Ok(Err(CrossAccountFailure::ReplicationRole)) };
        let mut context = ConditionContext::new();
        context.insert("aws:SourceAccount", primary.scope.account.as_str());
        context.insert("aws:SourceArn", primary.arn());
        let session = crate::identity::service_role_caller(
            roles.as_ref(),
            role_arn,
            SECRETS_MANAGER_PRINCIPAL,
            &context,
            REPLICATION_SESSION,
            &caller.region,
        )
        .await
        .map_err(|e| match e {
            IdentityError::Store(e) => SecretsError::from(e),
            other => SecretsError::Internal(Box::new(other)),
        })?;
        Ok(match session {
            ServiceRole::Assumed(s) => Ok(Caller { on_behalf_log: caller.on_behalf_log.clone(), ..*s }),
            ServiceRole::Missing => Err(CrossAccountFailure::ReplicationRole),
            ServiceRole::Untrusted => Err(CrossAccountFailure::ReplicationRoleTrust),
        })
    }

    /// After a change of `primary` (a new version, a label moved): its associated
    /// cross-account replica brought up to date as the link's `ReplicationRoleARN` when it names
    /// one, else with the caller's credentials ("If you don't include this field, Secrets Manager
    /// replicates using the credentials of caller who updates the primary secret"). A role that
    /// can't be assumed, a key or a policy that refuses leaves both links `Failed` (the
    /// primary's change stands), repaired by the next change or by `AssociateCrossAccountReplica`
    /// again.
    ///
    /// # Errors
    /// Storage errors.
    pub(crate) async fn propagate_cross_account(
        &self,
        caller: &Caller,
        primary: &SecretRecord,
    ) -> Result<(), SecretsError> {
        let Some(link) = primary.cross_account_replica.clone() else { return Ok(()) };
        if link.status == CrossAccountStatus::Detached {
            return Ok(());
        }
        let replicator = self.replicator(caller, primary, link.role_arn.as_deref()).await?;
        let replica = match &replicator {
            Err(_) => None,
            Ok(r) => match self.authorized(r, &link.arn, "secretsmanager:AcceptCrossAccountReplication").await {
                Ok(replica) => Some(replica),
                Err(SecretsError::AccessDenied { .. } | SecretsError::NotFound) => None,
                Err(e) => return Err(e),
            },
        };
        let failure = match (&replicator, &replica) {
            (Err(why), _) => Some(*why),
            (Ok(_), None) => Some(CrossAccountFailure::ReplicaAccess),
            (Ok(by), Some(r)) => match self.copy_into_replica(by, primary, &r.scope, &r.name).await {
                Ok(()) => None,
                Err(e) => match CrossAccountFailure::of_copy(&e) {
                    Some(failure) => Some(failure),
                    None => return Err(e),
                },
            },
        };
        let status = if failure.is_some() { CrossAccountStatus::Failed } else { CrossAccountStatus::InSync };
        if let Some(why) = failure {
            tracing::warn!(replica = %link.arn, failure = why.as_str(), "cross-account replication failed; repaired by the next change or a new association");
            // The replica's own link, when the replica was reached; found without
            // authorization when the role could not be assumed (the link is the primary's).
            if replica.is_some() || replicator.is_err() {
                let end = LinkEnd::ToPrimary;
                self.mark_link(caller, &link.arn, &primary.arn(), end, CrossAccountStatus::Failed, failure).await?;
            }
        }
        if (link.status, link.failure) != (status, failure) {
            self.rewrite(&primary.scope, &primary.name, |s| {
                if let Some(r) = s.cross_account_replica.as_mut() {
                    r.status = status;
                    r.failure = failure;
                }
            })
            .await?;
        }
        Ok(())
    }

    /// `DisassociateCrossAccountReplica`: the primary `secret_id` forgets its cross-account
    /// replica `replica_arn`, which is left as it is, its link to the primary `Detached`, and
    /// gets no more changes. Returns the primary's ARN.
    ///
    /// # Errors
    /// `NotFound`, `AccessDenied`, `InvalidRequest` when the primary is not linked to that replica.
    pub async fn disassociate_cross_account_replica(
        &self,
        caller: &Caller,
        secret_id: &str,
        replica_arn: &str,
    ) -> Result<String, SecretsError> {
        let action = "secretsmanager:DisassociateCrossAccountReplica";
        let (writing, primary) = self.lock_own_primary(caller, secret_id, action).await?;
        if primary.cross_account_replica.as_ref().is_none_or(|r| r.arn != replica_arn) {
            return Err(SecretsError::InvalidRequest(BadRequest::NotAssociated));
        }
        let primary = self.rewrite(&primary.scope, &primary.name, |s| s.cross_account_replica = None).await?;
        drop(writing);
        // The replica's own link says Detached, when it is still there (its account may have
        // deleted it or made it standalone).
        let primary_arn = primary.arn();
        self.mark_link(caller, replica_arn, &primary_arn, LinkEnd::ToPrimary, CrossAccountStatus::Detached, None)
            .await?;
        tracing::info!(replica = %replica_arn, "cross-account replica disassociated");
        Ok(primary_arn)
    }

    /// `StopReplicationToReplica` of a cross-account replica (authorized by the caller, who
    /// holds its lock, `writing`): it becomes a standalone secret (no link, no managed policy);
    /// its primary, if still linked to it, shows it `Detached`. One secret's lock at a time: the
    /// replica's is given up before the primary's is taken. Returns the promoted secret's ARN.
    ///
    /// # Errors
    /// Storage errors.
    pub(crate) async fn promote_cross_account_replica(
        &self,
        caller: &Caller,
        replica: &SecretRecord,
        primary_arn: &str,
        writing: WriteGuard,
    ) -> Result<String, SecretsError> {
        let promoted = self.rewrite(&replica.scope, &replica.name, |s| s.cross_account_primary = None).await?;
        drop(writing);
        let replica_arn = promoted.arn();
        self.mark_link(caller, primary_arn, &replica_arn, LinkEnd::ToReplica, CrossAccountStatus::Detached, None)
            .await?;
        tracing::info!(secret = %replica_arn, "cross-account replica made a standalone secret");
        Ok(replica_arn)
    }

    /// Sets `status` and `failure` on the link that the secret `arn` (the other side of a link
    /// the caller changed, found without authorization) keeps to `other_arn`, under that
    /// secret's lock; nothing when it is gone or no longer linked to `other_arn`.
    ///
    /// # Errors
    /// Storage errors.
    async fn mark_link(
        &self,
        caller: &Caller,
        arn: &str,
        other_arn: &str,
        end: LinkEnd,
        status: CrossAccountStatus,
        failure: Option<CrossAccountFailure>,
    ) -> Result<(), SecretsError> {
        let Some(r) = super::secret_id::parse(caller, arn) else { return Ok(()) };
        let Some(secret) = self.find_ref(&r).await? else { return Ok(()) };
        let _writing = self.lock_secret(&secret.scope, &secret.name).await;
        self.rewrite(&secret.scope, &secret.name, |s| match end {
            LinkEnd::ToPrimary => {
                if let Some(p) = s.cross_account_primary.as_mut().filter(|p| p.arn == other_arn) {
                    p.status = status;
                    p.failure = failure;
                }
            }
            LinkEnd::ToReplica => {
                if let Some(l) = s.cross_account_replica.as_mut().filter(|l| l.arn == other_arn) {
                    l.status = status;
                    l.failure = failure;
                }
            }
        })
        .await?;
        Ok(())
    }
}
