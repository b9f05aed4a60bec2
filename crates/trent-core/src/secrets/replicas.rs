//! Multi-Region secrets: `ReplicateSecretToRegions` (and `CreateSecret`'s `AddReplicaRegions`),
//! `RemoveRegionsFromReplication`, `StopReplicationToReplica`, and keeping every replica in
//! step with its primary.
//!
//! A replica is a secret of the same name and ARN suffix in another region this deployment
//! hosts, with [`SecretRecord::primary_region`] naming its primary's region. It holds every
//! version of the primary, each sealed again under a key of its own region (the replica's
//! `KmsKeyId`, or that region's `aws/secretsmanager`) with its own ARN in the encryption
//! context, the primary's labels, description, tags and resource policy. It is read-only: the
//! write operations answer `InvalidRequestException` in its region. The primary lists its
//! replicas with their status ([`ReplicaRecord`]); after every change of the primary each
//! replica is brought up to date in the same request, and one that cannot be (its region's key
//! refuses, a standalone secret holds the name) is marked `Failed` and tried again on the next
//! change, on `ReplicateSecretToRegions`, or by the scheduler when its retry time comes (see
//! [`super::replica_retry`]).

use std::collections::BTreeMap;

use super::rekey::refused;
use super::{BadParameter, BadRequest, SecretRecord, Secrets, SecretsError, VersionRecord};
use crate::identity::Caller;
use crate::ids::{Region, Scope};
use crate::store::{SecretChange, StoreError};

/// A replica's `Status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicationStatus {
    /// Being created or brought up to date.
    InProgress,
    /// Holds what the primary holds.
    InSync,
    /// Could not be written; see [`ReplicaFailure`].
    Failed,
}

impl ReplicationStatus {
    /// The AWS (and stored) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "InProgress",
            Self::InSync => "InSync",
            Self::Failed => "Failed",
        }
    }

    /// Parses [`ReplicationStatus::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "InProgress" => Some(Self::InProgress),
            "InSync" => Some(Self::InSync),
            "Failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// Why a replica is `Failed` (its `StatusMessage`, worded by the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaFailure {
    /// A secret that is not this one's replica holds the name in the region, and
    /// `ForceOverwriteReplicaSecret` was not given.
    NameTaken,
    /// The replica region's KMS key refused (disabled, missing, not permitted).
    KmsKey,
}

impl ReplicaFailure {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NameTaken => "name-taken",
            Self::KmsKey => "kms-key",
        }
    }

    /// Parses [`ReplicaFailure::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "name-taken" => Some(Self::NameTaken),
            "kms-key" => Some(Self::KmsKey),
            _ => None,
        }
    }
}

/// One replica of a primary secret, as the primary records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaRecord {
    /// Its region.
    pub region: Region,
    /// The key its versions are sealed under, as given; `None` for the region's
    /// `aws/secretsmanager`.
    pub kms_key_id: Option<String>,
    /// Its status.
    pub status: ReplicationStatus,
    /// Why it failed, when it did.
    pub failure: Option<ReplicaFailure>,
    /// Attempts that failed in a row (0 while it is in sync): the scheduler's backoff grows
    /// with them.
    pub failures: u32,
    /// When the scheduler tries a `Failed` replica again; `None` unless it failed.
    pub retry_at: Option<time::OffsetDateTime>,
}

/// A region to replicate to, as requested (`AddReplicaRegions`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplicaRegion {
    /// `Region`.
    pub region: String,
    /// `KmsKeyId`.
    pub kms_key_id: Option<String>,
}

/// What the replication operations return: the primary's ARN and its replicas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replication {
    /// `ARN` of the primary.
    pub arn: String,
    /// `ReplicationStatus`.
    pub replicas: Vec<ReplicaRecord>,
}

impl Replication {
    fn of(primary: &SecretRecord) -> Self {
        Replication { arn: primary.arn(), replicas: primary.replicas.clone() }
    }
}

/// Writes are made on the primary: a replica refuses them.
pub(crate) fn refuse_replica(secret: &SecretRecord) -> Result<(), SecretsError> {
    match secret.primary_region {
        Some(_) => Err(SecretsError::InvalidRequest(BadRequest::ReplicaReadOnly)),
        None => Ok(()),
    }
}

impl SecretRecord {
    /// `PrimaryRegion`: the primary's region for a replica, its own for a primary with
    /// replicas, none for a secret that is not replicated.
    pub fn primary_region_shown(&self) -> Option<&Region> {
        match &self.primary_region {
            Some(r) => Some(r),
            None if !self.replicas.is_empty() => Some(&self.scope.region),
            None => None,
        }
    }
}

impl Secrets {
    /// `ReplicateSecretToRegions`.
    ///
    /// # Errors
    /// `NotFound`, `AccessDenied`; `InvalidRequest` for a replica or a secret scheduled for
    /// deletion; `InvalidParameter` for a region that is not hosted, is the secret's own, is
    /// named twice or holds a replica already.
    pub async fn replicate_secret_to_regions(
        &self,
        caller: &Caller,
        secret_id: &str,
        regions: &[ReplicaRegion],
        force_overwrite: bool,
    ) -> Result<Replication, SecretsError> {
        let action = "secretsmanager:ReplicateSecretToRegions";
        let (_writing, secret) = self.lock_named(caller, secret_id, action).await?;
        refuse_replica(&secret)?;
        if secret.is_deleted() {
            return Err(SecretsError::InvalidRequest(BadRequest::MarkedForDeletion));
        }
        let added = self.new_replicas(&secret, regions)?;
        let primary = self
            .rewrite(&secret.scope, &secret.name, |s| {
                for r in &added {
                    if !s.replicas.iter().any(|x| x.region == r.region) {
                        s.replicas.push(r.clone());
                    }
                }
            })
            .await?;
        let primary = self.sync_replicas(caller, primary, force_overwrite).await?;
        Ok(Replication::of(&primary))
    }

    /// The replicas `regions` asks for, checked against `secret` (`InProgress`).
    pub(crate) fn new_replicas(
        &self,
        secret: &SecretRecord,
        regions: &[ReplicaRegion],
    ) -> Result<Vec<ReplicaRecord>, SecretsError> {
        let mut added: Vec<ReplicaRecord> = Vec::with_capacity(regions.len());
        for r in regions {
            let bad = || SecretsError::InvalidParameter(BadParameter::ReplicaRegion { region: r.region.clone() });
            let region = Region::parse(&r.region).map_err(|_| bad())?;
            let taken = region == secret.scope.region
                || secret.replicas.iter().any(|x| x.region == region)
                || added.iter().any(|x| x.region == region);
            if taken || !self.kms.hosts_region(&region) {
                return Err(bad());
            }
            let kms_key_id = r.kms_key_id.clone().filter(|k| !k.is_empty());
            added.push(ReplicaRecord {
                region,
                kms_key_id,
                status: ReplicationStatus::InProgress,
                failure: None,
                failures: 0,
                retry_at: None,
            });
        }
        Ok(added)
    }

    /// `RemoveRegionsFromReplication`: the replicas in `regions` are deleted at once.
    ///
    /// # Errors
    /// `NotFound`, `AccessDenied`; `InvalidRequest` for a replica; `InvalidParameter` for a
    /// region without a replica of the secret.
    pub async fn remove_regions_from_replication(
        &self,
        caller: &Caller,
        secret_id: &str,
        regions: &[String],
    ) -> Result<Replication, SecretsError> {
        let action = "secretsmanager:RemoveRegionsFromReplication";
        let (_writing, secret) = self.lock_named(caller, secret_id, action).await?;
        refuse_replica(&secret)?;
        let mut removed = Vec::with_capacity(regions.len());
        for r in regions {
            let bad = || SecretsError::InvalidParameter(BadParameter::ReplicaRegion { region: r.clone() });
            let region = Region::parse(r).map_err(|_| bad())?;
            if !secret.replicas.iter().any(|x| x.region == region) {
                return Err(bad());
            }
            removed.push(region);
        }
        let primary =
            self.rewrite(&secret.scope, &secret.name, |s| s.replicas.retain(|x| !removed.contains(&x.region))).await?;
        for region in removed {
            let scope = Scope::new(secret.scope.account.clone(), region);
            if let Some(replica) = self.store.get_secret(&scope, &secret.name).await?
                && is_replica_of(&replica, &primary)
            {
                match self.store.delete_secret(&scope, &secret.name, None).await {
                    Ok(()) | Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e.into()),
                }
                tracing::info!(region = %scope.region, "secret replica deleted");
            }
        }
        Ok(Replication::of(&primary))
    }

    /// `StopReplicationToReplica`: the replica becomes a standalone secret in its region, and
    /// its primary forgets it.
    ///
    /// # Errors
    /// `NotFound`, `AccessDenied`; `InvalidRequest` for a secret that is not a replica.
    pub async fn stop_replication_to_replica(&self, caller: &Caller, secret_id: &str) -> Result<String, SecretsError> {
        let action = "secretsmanager:StopReplicationToReplica";
        let (writing, replica) = self.lock_named(caller, secret_id, action).await?;
        if let Some(primary) = replica.cross_account_primary.clone() {
            return self.promote_cross_account_replica(caller, &replica, &primary.arn, writing).await;
        }
        let Some(primary_region) = replica.primary_region.clone() else {
            return Err(SecretsError::InvalidRequest(BadRequest::NotAReplica));
        };
        let promoted = self.rewrite(&replica.scope, &replica.name, |s| s.primary_region = None).await?;
        // One secret's lock at a time: the replica's goes before the primary's is taken.
        drop(writing);
        let primary_scope = Scope::new(replica.scope.account.clone(), primary_region);
        let _writing = self.lock_secret(&primary_scope, &replica.name).await;
        match self.store.get_secret(&primary_scope, &replica.name).await? {
            Some(p) if p.suffix == replica.suffix => {
                let region = replica.scope.region.clone();
                self.rewrite(&primary_scope, &replica.name, |s| s.replicas.retain(|x| x.region != region)).await?;
            }
            _ => {}
        }
        tracing::info!(region = %promoted.scope.region, "secret replica promoted to a standalone secret");
        Ok(promoted.arn())
    }

    /// The day each replica of `primary` was last read in its region (a replica never read
    /// has none).
    ///
    /// # Errors
    /// Storage errors.
    pub(crate) async fn replicas_accessed(
        &self,
        primary: &SecretRecord,
    ) -> Result<BTreeMap<Region, time::OffsetDateTime>, SecretsError> {
        let mut accessed = BTreeMap::new();
        for r in &primary.replicas {
            let scope = Scope::new(primary.scope.account.clone(), r.region.clone());
            if let Some(replica) = self.store.get_secret(&scope, &primary.name).await?
                && is_replica_of(&replica, primary)
                && let Some(day) = replica.last_accessed_at
            {
                accessed.insert(r.region.clone(), day);
            }
        }
        Ok(accessed)
    }

    /// After a change of `primary`: every replica, and its cross-account replica, brought up to
    /// date (a failure is recorded as the replica's status, not returned).
    ///
    /// # Errors
    /// Storage errors.
    pub(crate) async fn propagate(&self, caller: &Caller, primary: &SecretRecord) -> Result<(), SecretsError> {
        self.propagate_cross_account(caller, primary).await?;
        if primary.replicas.is_empty() {
            return Ok(());
        }
        self.sync_replicas(caller, primary.clone(), false).await.map(drop)
    }

    /// Brings every replica of `primary` up to date and records their statuses on it.
    pub(crate) async fn sync_replicas(
        &self,
        caller: &Caller,
        primary: SecretRecord,
        force_overwrite: bool,
    ) -> Result<SecretRecord, SecretsError> {
        let mut statuses = Vec::with_capacity(primary.replicas.len());
        for replica in &primary.replicas {
            let mut status = replica.clone();
            match self.sync_replica(caller, &primary, replica, force_overwrite).await? {
                Ok(()) => {
                    status.status = ReplicationStatus::InSync;
                    status.failure = None;
                    status.failures = 0;
                    status.retry_at = None;
                }
                Err(failure) => {
                    status.status = ReplicationStatus::Failed;
                    status.failure = Some(failure);
                    status.failures = replica.failures.saturating_add(1);
                    let retry_at = super::replica_retry::retry_at(status.failures, self.clock.now());
                    status.retry_at = Some(retry_at);
                    tracing::warn!(
                        region = %replica.region,
                        ?failure,
                        failures = status.failures,
                        %retry_at,
                        "secret replication failed; retried at the next change or the retry time"
                    );
                }
            }
            statuses.push(status);
        }
        self.rewrite(&primary.scope, &primary.name, |s| {
            for status in &statuses {
                if let Some(r) = s.replicas.iter_mut().find(|r| r.region == status.region) {
                    *r = status.clone();
                }
            }
        })
        .await
    }

    /// Writes the replica of `primary` described by `target`: created when missing, its
    /// versions, labels and metadata made the primary's. `Ok(Err(_))` when it cannot be.
    async fn sync_replica(
        &self,
        caller: &Caller,
        primary: &SecretRecord,
        target: &ReplicaRecord,
        force_overwrite: bool,
    ) -> Result<Result<(), ReplicaFailure>, SecretsError> {
        let scope = Scope::new(primary.scope.account.clone(), target.region.clone());
        let existing = match self.store.get_secret(&scope, &primary.name).await? {
            Some(s) if is_replica_of(&s, primary) => Some(s),
            Some(_) if force_overwrite => {
                match self.store.delete_secret(&scope, &primary.name, None).await {
                    Ok(()) | Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e.into()),
                }
                None
            }
            Some(_) => return Ok(Err(ReplicaFailure::NameTaken)),
            None => None,
        };
        let now = self.clock.now();
        let mut replica = existing.clone().unwrap_or_else(|| SecretRecord {
            scope: scope.clone(),
            name: primary.name.clone(),
            suffix: primary.suffix.clone(),
            description: None,
            kms_key_id: None,
            created_at: now,
            last_changed_at: now,
            last_accessed_at: None,
            deleted_at: None,
            deletion_date: None,
            tags: Vec::new(),
            policy: None,
            labels: BTreeMap::new(),
            primary_region: Some(primary.scope.region.clone()),
            replicas: Vec::new(),
            cross_account_replica: None,
            cross_account_primary: None,
            revision: 1,
            rotation: None,
        });
        replica.description = primary.description.clone();
        replica.kms_key_id = target.kms_key_id.clone();
        replica.last_changed_at = primary.last_changed_at;
        replica.tags = primary.tags.clone();
        replica.policy = primary.policy.clone();
        let mut in_region = caller.clone();
        in_region.region = target.region.clone();
        let (copied, pruned) =
            match self.copied_versions(caller, &in_region, primary, &replica, existing.is_some()).await {
                Ok(copy) => copy,
                Err(e) if refused(&e) => return Ok(Err(ReplicaFailure::KmsKey)),
                Err(e) => return Err(e),
            };
        replica.labels = primary.labels.clone();
        if existing.is_none() {
            let mut bare = replica.clone();
            bare.labels.clear();
            match self.store.insert_secret(&bare, None).await {
                Ok(()) => {}
                Err(StoreError::AlreadyExists) => return Ok(Err(ReplicaFailure::NameTaken)),
                Err(e) => return Err(e.into()),
            }
        } else if copied.is_empty() && pruned.is_empty() && existing.as_ref() == Some(&replica) {
            return Ok(Ok(()));
        }
        let expected = replica.revision;
        replica.revision = expected + 1;
        let change = SecretChange {
            secret: &replica,
            expected_revision: expected,
            new_version: None,
            pruned: &pruned,
            upserted: &copied,
            events: &[],
        };
        self.store.update_secret(change).await?;
        Ok(Ok(()))
    }

    /// What `replica` lacks of `primary`'s versions, each opened for `caller` and sealed again
    /// under the replica's key for `sealer` ([`Secrets::seal_replica`]: `kms:Encrypt` as well as
    /// `kms:GenerateDataKey` on a customer managed key), and the ids of the replica's versions the primary no
    /// longer holds (none when the replica is not `stored` yet). Shared by the multi-Region and
    /// the cross-account replicas.
    ///
    /// # Errors
    /// `Kms` when a key refuses; storage errors.
    pub(crate) async fn copied_versions(
        &self,
        caller: &Caller,
        sealer: &Caller,
        primary: &SecretRecord,
        replica: &SecretRecord,
        stored: bool,
    ) -> Result<(Vec<VersionRecord>, Vec<String>), SecretsError> {
        let have = match stored {
            true => self.store.versions(&replica.scope, &replica.name).await?,
            false => Vec::new(),
        };
        let want = self.store.versions(&primary.scope, &primary.name).await?;
        let mut copied: Vec<VersionRecord> = Vec::new();
        for v in want.iter().filter(|v| !have.iter().any(|h| h.version_id == v.version_id)) {
            let value = self.open(caller, primary, v).await?;
            let sealed = self.seal_replica(sealer, replica, &v.version_id, &value).await?;
            copied.push(VersionRecord { created_at: v.created_at, ..sealed });
        }
        let pruned = have
            .iter()
            .filter(|h| !want.iter().any(|w| w.version_id == h.version_id))
            .map(|h| h.version_id.clone())
            .collect();
        Ok((copied, pruned))
    }

    /// Read-modify-write of a stored secret without authorization (the caller authorized the
    /// operation on the secret it named, and holds the secret's write lock: see
    /// [`super::writers`]); nothing is written when `f` changes nothing.
    pub(crate) async fn rewrite(
        &self,
        scope: &Scope,
        name: &str,
        f: impl Fn(&mut SecretRecord),
    ) -> Result<SecretRecord, SecretsError> {
        let mut retry = super::writers::Retry::default();
        loop {
            let Some(current) = self.store.get_secret(scope, name).await? else { return Err(SecretsError::NotFound) };
            let mut next = current.clone();
            f(&mut next);
            if next == current {
                return Ok(current);
            }
            next.revision = current.revision + 1;
            let change = SecretChange {
                secret: &next,
                expected_revision: current.revision,
                new_version: None,
                pruned: &[],
                upserted: &[],
                events: &[],
            };
            if self.write(change).await? {
                return Ok(next);
            }
            retry.lost().await?;
        }
    }
}

/// Whether `s` is the replica of `primary` (the same ARN suffix, pointing at its region).
fn is_replica_of(s: &SecretRecord, primary: &SecretRecord) -> bool {
    s.suffix == primary.suffix && s.primary_region.as_ref() == Some(&primary.scope.region)
}
