//! Creating, describing, updating, deleting and restoring secrets, their tags, and the
//! scheduler's purge of secrets whose recovery window has ended.

use std::collections::BTreeMap;

use time::{Duration, OffsetDateTime};

use super::values::version_id;
use super::{
    AWSCURRENT, BadParameter, BadRequest, DEFAULT_RECOVERY_WINDOW_DAYS, Limit, MAX_TAGS, PutValueOutput,
    RECOVERY_WINDOW_DAYS, SecretRecord, SecretValue, Secrets, SecretsError, VersionRecord, secret_id,
};
use crate::identity::Caller;
use crate::ids::Region;
use crate::kms::Tag;
use crate::store::{SecretChange, StoreError};

/// What `CreateSecret` is given.
#[derive(Debug, Default)]
pub struct CreateSecretInput {
    /// `Name`.
    pub name: String,
    /// `ClientRequestToken`: the first version's id.
    pub token: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `KmsKeyId`.
    pub kms_key_id: Option<String>,
    /// `SecretString` or `SecretBinary`.
    pub value: Option<SecretValue>,
    /// `Tags`.
    pub tags: Vec<Tag>,
    /// `AddReplicaRegions`.
    pub replica_regions: Vec<super::ReplicaRegion>,
    /// `ForceOverwriteReplicaSecret`.
    pub force_overwrite_replica: bool,
    /// `CrossAccountPrimaryARN`: makes the secret a cross-account replica of that primary.
    pub cross_account_primary: Option<String>,
    /// Whether `Type` was given (a cross-account replica can't have one).
    pub kind_given: bool,
}

/// What `CreateSecret` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedSecret {
    /// `ARN`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// `VersionId`, when a value was given.
    pub version_id: Option<String>,
    /// `ReplicationStatus`.
    pub replicas: Vec<super::ReplicaRecord>,
}

/// What `UpdateSecret` is given.
#[derive(Debug, Default)]
pub struct UpdateSecretInput {
    /// `SecretId`.
    pub secret_id: String,
    /// `ClientRequestToken`.
    pub token: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `KmsKeyId`: the key of new versions and, re-encrypted, of the versions labelled
    /// `AWSCURRENT`, `AWSPENDING` and `AWSPREVIOUS`; empty for the AWS managed key.
    pub kms_key_id: Option<String>,
    /// A new value, which becomes `AWSCURRENT`.
    pub value: Option<SecretValue>,
}

/// What `DeleteSecret` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletedSecret {
    /// `ARN`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// `DeletionDate`.
    pub deletion_date: OffsetDateTime,
}

/// What `DescribeSecret` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretDescription {
    /// The secret.
    pub secret: SecretRecord,
    /// `VersionIdsToStages`: the labelled versions.
    pub versions_to_stages: BTreeMap<String, Vec<String>>,
    /// `NextRotationDate`, at the time of the description.
    pub next_rotation_date: Option<OffsetDateTime>,
    /// `LastAccessedDate` of each replica that was read (`DescribeSecret` of a primary only).
    pub replicas_accessed: BTreeMap<Region, OffsetDateTime>,
}

impl SecretDescription {
    pub(crate) fn new(secret: SecretRecord, now: OffsetDateTime) -> Self {
        let next_rotation_date = secret.rotation.as_ref().and_then(|r| r.next_rotation_date(now));
        let mut versions_to_stages: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (label, version) in &secret.labels {
            versions_to_stages.entry(version.clone()).or_default().push(label.clone());
        }
        SecretDescription { secret, versions_to_stages, next_rotation_date, replicas_accessed: BTreeMap::new() }
    }
}

/// Whether `name` uses only the characters AWS allows in a secret name: letters, digits and
/// `/_+=.@-`.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
}

/// `DeleteSecret`'s refusals of a primary that others still copy: region replicas
/// (`HasReplicas`) or an associated cross-account replica, whether the deletion is scheduled
/// or forced.
fn refuse_deleting_a_replicated(s: &SecretRecord) -> Result<(), SecretsError> {
    if !s.replicas.is_empty() {
        return Err(SecretsError::InvalidRequest(BadRequest::HasReplicas));
    }
    if s.has_associated_replica() {
        return Err(SecretsError::InvalidRequest(BadRequest::HasCrossAccountReplica));
    }
    Ok(())
}

/// Checks a tag list: at most [`MAX_TAGS`] once merged, no `aws:` keys.
fn check_tags(tags: &[Tag]) -> Result<(), SecretsError> {
    if tags.iter().any(|t| t.key.to_ascii_lowercase().starts_with("aws:")) {
        return Err(SecretsError::InvalidParameter(BadParameter::ReservedTag));
    }
    if tags.len() > MAX_TAGS {
        return Err(SecretsError::LimitExceeded(Limit::Tags));
    }
    Ok(())
}

/// `existing` with `added` put over it (a repeated key takes the last value).
fn merge_tags(existing: &[Tag], added: &[Tag]) -> Vec<Tag> {
    let mut out = existing.to_vec();
    for t in added {
        match out.iter_mut().find(|e| e.key == t.key) {
            Some(e) => e.value = t.value.clone(),
            None => out.push(t.clone()),
        }
    }
    out
}

impl Secrets {
    /// `CreateSecret`.
    ///
    /// # Errors
    /// `AlreadyExists`, `InvalidRequest` for a name scheduled for deletion, `InvalidParameter`,
    /// `LimitExceeded` for too many tags, `Kms` when the key refuses, `AccessDenied`.
    pub async fn create_secret(
        &self,
        caller: &Caller,
        input: CreateSecretInput,
    ) -> Result<CreatedSecret, SecretsError> {
        let scope = caller.scope();
        let mut secret = SecretRecord {
            description: input.description,
            kms_key_id: input.kms_key_id,
            tags: merge_tags(&[], &input.tags),
            ..self.new_record(caller, &input.name)?
        };
        self.authorize_account(caller, "secretsmanager:CreateSecret", &secret.arn())?;
        if let Some(primary_arn) = &input.cross_account_primary {
            let refused_member = [
                (input.value.as_ref().is_some_and(|v| v.kind == super::ValueKind::String), "SecretString"),
                (input.value.as_ref().is_some_and(|v| v.kind == super::ValueKind::Binary), "SecretBinary"),
                (secret.description.is_some(), "Description"),
                (!input.replica_regions.is_empty(), "AddReplicaRegions"),
                (input.kind_given, "Type"),
            ]
            .into_iter()
            .find_map(|(given, member)| given.then_some(member));
            self.plan_cross_account_replica(caller, &mut secret, primary_arn, refused_member).await?;
        }
        if !valid_name(&secret.name) {
            return Err(SecretsError::InvalidParameter(BadParameter::Name));
        }
        check_tags(&input.tags)?;
        check_tags(&secret.tags)?;
        let version_id = match &input.value {
            Some(_) => Some(version_id(input.token.as_deref())?),
            None => None,
        };
        if let Some(existing) = self.store.get_secret(&scope, &input.name).await? {
            return self.create_again(caller, &existing, version_id.as_deref(), input.value.as_ref()).await;
        }
        secret.replicas = self.new_replicas(&secret, &input.replica_regions)?;
        let version = match (&version_id, &input.value) {
            (Some(id), Some(value)) => Some(self.first_version(caller, &mut secret, id, value).await?),
            _ => None,
        };
        match self.store.insert_secret(&secret, version.as_ref()).await {
            Ok(()) => {}
            Err(StoreError::AlreadyExists) => return Err(SecretsError::AlreadyExists { name: secret.name }),
            Err(e) => return Err(e.into()),
        }
        if !secret.replicas.is_empty() {
            secret = self.sync_replicas(caller, secret, input.force_overwrite_replica).await?;
        }
        Ok(CreatedSecret { arn: secret.arn(), name: secret.name, version_id, replicas: secret.replicas })
    }

    /// A secret named `name` of the caller's account and region as `CreateSecret` with a name
    /// and a value makes it (the AWS managed key, the value envelope-encrypted under a fresh
    /// data key, labelled `AWSCURRENT`), planned for a [`Batch`](crate::store::Batch) instead of
    /// stored: for filling an account with many secrets at once (`trent admin fill`, the scale
    /// benchmark). Nothing is read from the store: a name that exists already fails the
    /// batch's write.
    ///
    /// # Errors
    /// `InvalidParameter` for a bad name; `Kms` when the data key is refused.
    pub async fn plan_secret(
        &self,
        caller: &Caller,
        name: &str,
        value: &SecretValue,
    ) -> Result<(SecretRecord, VersionRecord), SecretsError> {
        if !valid_name(name) {
            return Err(SecretsError::InvalidParameter(BadParameter::Name));
        }
        let mut secret = self.new_record(caller, name)?;
        let version = self.first_version(caller, &mut secret, &version_id(None)?, value).await?;
        Ok((secret, version))
    }

    /// A new secret of the caller's account and region, with a fresh suffix, created now and
    /// with nothing else set: the base `CreateSecret` fills in.
    fn new_record(&self, caller: &Caller, name: &str) -> Result<SecretRecord, SecretsError> {
        let now = self.clock.now();
        Ok(SecretRecord {
            scope: caller.scope(),
            name: name.to_owned(),
            suffix: secret_id::new_suffix()?,
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
            revision: 1,
            rotation: None,
            primary_region: None,
            replicas: Vec::new(),
            cross_account_replica: None,
            cross_account_primary: None,
        })
    }

    /// `CreateSecret` of a name that exists: a retry of the same request (same token and value)
    /// succeeds again; anything else is refused.
    async fn create_again(
        &self,
        caller: &Caller,
        existing: &SecretRecord,
        version_id: Option<&str>,
        value: Option<&SecretValue>,
    ) -> Result<CreatedSecret, SecretsError> {
        if existing.is_deleted() {
            return Err(SecretsError::InvalidRequest(BadRequest::NameScheduledForDeletion));
        }
        if let (Some(id), Some(value)) = (version_id, value)
            && let Some(v) = self.store.get_version(&existing.scope, &existing.name, id).await?
            && self.open(caller, existing, &v).await?.same_as(value)
        {
            return Ok(CreatedSecret {
                arn: existing.arn(),
                name: existing.name.clone(),
                version_id: Some(id.to_owned()),
                replicas: existing.replicas.clone(),
            });
        }
        Err(SecretsError::AlreadyExists { name: existing.name.clone() })
    }

    /// `DescribeSecret`.
    ///
    /// # Errors
    /// `NotFound`, `AccessDenied`.
    pub async fn describe_secret(&self, caller: &Caller, secret_id: &str) -> Result<SecretDescription, SecretsError> {
        let secret = self.authorized(caller, secret_id, "secretsmanager:DescribeSecret").await?;
        let replicas_accessed = self.replicas_accessed(&secret).await?;
        Ok(SecretDescription { replicas_accessed, ..SecretDescription::new(secret, self.clock.now()) })
    }

    /// Read-modify-write of a secret's metadata, one writer of the secret at a time (see
    /// [`super::writers`]): `f` edits a fresh copy (and may refuse); nothing is written when
    /// it changes nothing.
    pub(crate) async fn mutate<F>(
        &self,
        caller: &Caller,
        id: &str,
        action: &str,
        f: F,
    ) -> Result<SecretRecord, SecretsError>
    where
        F: Fn(&mut SecretRecord) -> Result<(), SecretsError>,
    {
        let (_writing, mut secret) = self.lock_named(caller, id, action).await?;
        let mut retry = super::writers::Retry::default();
        loop {
            super::replicas::refuse_replica(&secret)?;
            let mut next = secret.clone();
            f(&mut next)?;
            if next == secret {
                return Ok(secret);
            }
            next.revision = secret.revision + 1;
            let change = SecretChange {
                secret: &next,
                expected_revision: secret.revision,
                new_version: None,
                pruned: &[],
                upserted: &[],
                events: &[],
            };
            if self.write(change).await? {
                self.propagate(caller, &next).await?;
                return Ok(next);
            }
            retry.lost().await?;
            secret = self.authorized(caller, id, action).await?;
        }
    }

    /// `UpdateSecret`: description and key, and a new current value if one is given. A new key
    /// encrypts the new value and, again, the versions labelled `AWSCURRENT`, `AWSPENDING` and
    /// `AWSPREVIOUS` (those the caller's KMS permissions let it move).
    ///
    /// # Errors
    /// As [`Secrets::put_secret_value`].
    pub async fn update_secret(
        &self,
        caller: &Caller,
        input: UpdateSecretInput,
    ) -> Result<(String, String, Option<PutValueOutput>), SecretsError> {
        let now = self.clock.now();
        let version_id = match &input.value {
            Some(_) => Some(version_id(input.token.as_deref())?),
            None => None,
        };
        let secret = self
            .mutate(caller, &input.secret_id, "secretsmanager:UpdateSecret", |s| {
                if input.value.is_some() {
                    // Refused before the description or the key changes, not halfway.
                    super::cross_account::refuse_linked_replica(s)?;
                }
                if s.is_deleted() {
                    return Err(SecretsError::InvalidRequest(BadRequest::MarkedForDeletion));
                }
                let before = (s.description.clone(), s.kms_key_id.clone());
                if let Some(d) = &input.description {
                    s.description = Some(d.clone());
                }
                if let Some(k) = &input.kms_key_id {
                    s.kms_key_id = (!k.is_empty()).then(|| k.clone());
                }
                if before != (s.description.clone(), s.kms_key_id.clone()) {
                    s.last_changed_at = now;
                }
                Ok(())
            })
            .await?;
        // The value and the re-encryption are two more writes, each under the secret's lock
        // taken again and authorized again as `UpdateSecret` on what it reads: not redundant,
        // as the lock is let go between them and another writer may change the policy or the
        // tags (or delete the secret) in between. One authorization would need the three
        // writes under one lock.
        let put = match (version_id, input.value) {
            (Some(id), Some(value)) => {
                let stages = vec![AWSCURRENT.to_owned()];
                let input =
                    super::PutValueInput { secret_id: secret.arn(), token: Some(id), value, stages: Some(stages) };
                Some(self.put_secret_value_as(caller, input, "secretsmanager:UpdateSecret").await?)
            }
            _ => None,
        };
        if input.kms_key_id.is_some() {
            let written = put.as_ref().map(|p| p.version_id.as_str());
            self.reencrypt_labelled(caller, &secret.arn(), written).await?;
        }
        Ok((secret.arn(), secret.name, put))
    }

    /// `DeleteSecret`.
    ///
    /// # Errors
    /// `InvalidParameter` for a bad window or a window with `ForceDeleteWithoutRecovery`,
    /// `InvalidRequest` for a secret already scheduled (unless forced), `NotFound`,
    /// `AccessDenied`.
    pub async fn delete_secret(
        &self,
        caller: &Caller,
        secret_id: &str,
        window_days: Option<i64>,
        force: bool,
    ) -> Result<DeletedSecret, SecretsError> {
        if force && window_days.is_some() {
            return Err(SecretsError::InvalidParameter(BadParameter::RecoveryWindowWithForce));
        }
        let days = window_days.unwrap_or(DEFAULT_RECOVERY_WINDOW_DAYS);
        if !RECOVERY_WINDOW_DAYS.contains(&days) {
            return Err(SecretsError::InvalidParameter(BadParameter::RecoveryWindow));
        }
        let action = "secretsmanager:DeleteSecret";
        let now = self.clock.now();
        if force {
            return self.force_delete(caller, secret_id, action, now).await;
        }
        let secret = self
            .mutate(caller, secret_id, action, |s| {
                if s.is_deleted() {
                    return Err(SecretsError::InvalidRequest(BadRequest::MarkedForDeletion));
                }
                refuse_deleting_a_replicated(s)?;
                s.deleted_at = Some(now);
                s.deletion_date = Some(now + Duration::days(days));
                s.last_changed_at = now;
                Ok(())
            })
            .await?;
        self.service_event(&secret.scope, &secret.arn(), "StartSecretVersionDelete").await;
        let deletion_date = secret.deletion_date.unwrap_or(now);
        Ok(DeletedSecret { arn: secret.arn(), name: secret.name, deletion_date })
    }

    /// `DeleteSecret` with `ForceDeleteWithoutRecovery`: under the secret's write lock, checked
    /// on what is read under it and purged only at the revision checked, so that a replica
    /// added or a value put by another node in between is not purged with it; a purge that
    /// loses that race reads, checks and tries again as [`Secrets::mutate`] does.
    async fn force_delete(
        &self,
        caller: &Caller,
        secret_id: &str,
        action: &str,
        now: OffsetDateTime,
    ) -> Result<DeletedSecret, SecretsError> {
        let (_writing, mut secret) = self.lock_named(caller, secret_id, action).await?;
        let mut retry = super::writers::Retry::default();
        loop {
            super::replicas::refuse_replica(&secret)?;
            refuse_deleting_a_replicated(&secret)?;
            match self.purge(&secret).await {
                Ok(purged) => {
                    if purged {
                        self.service_event(&secret.scope, &secret.arn(), "EndSecretVersionDelete").await;
                    }
                    return Ok(DeletedSecret { arn: secret.arn(), name: secret.name, deletion_date: now });
                }
                Err(StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
            retry.lost().await?;
            secret = self.authorized(caller, secret_id, action).await?;
        }
    }

    /// `RestoreSecret`: cancels a scheduled deletion (a secret not scheduled stays as it is).
    ///
    /// # Errors
    /// `NotFound`, `AccessDenied`.
    pub async fn restore_secret(&self, caller: &Caller, secret_id: &str) -> Result<(String, String), SecretsError> {
        let now = self.clock.now();
        // Whether the last attempt of the read-modify-write found the secret scheduled.
        let restored = std::sync::atomic::AtomicBool::new(false);
        let secret = self
            .mutate(caller, secret_id, "secretsmanager:RestoreSecret", |s| {
                restored.store(s.is_deleted(), std::sync::atomic::Ordering::Relaxed);
                if s.is_deleted() {
                    s.deleted_at = None;
                    s.deletion_date = None;
                    s.last_changed_at = now;
                }
                Ok(())
            })
            .await?;
        if restored.load(std::sync::atomic::Ordering::Relaxed) {
            self.service_event(&secret.scope, &secret.arn(), "CancelSecretVersionDelete").await;
        }
        Ok((secret.arn(), secret.name))
    }

    /// `TagResource`.
    ///
    /// # Errors
    /// `LimitExceeded` past 50 tags, `InvalidParameter` for an `aws:` key, `NotFound`,
    /// `AccessDenied`.
    pub async fn tag_resource(&self, caller: &Caller, secret_id: &str, tags: &[Tag]) -> Result<(), SecretsError> {
        check_tags(tags)?;
        self.mutate(caller, secret_id, "secretsmanager:TagResource", |s| {
            s.tags = merge_tags(&s.tags, tags);
            check_tags(&s.tags)
        })
        .await?;
        Ok(())
    }

    /// `UntagResource`; keys that are absent are ignored.
    ///
    /// # Errors
    /// `NotFound`, `AccessDenied`.
    pub async fn untag_resource(&self, caller: &Caller, secret_id: &str, keys: &[String]) -> Result<(), SecretsError> {
        self.mutate(caller, secret_id, "secretsmanager:UntagResource", |s| {
            s.tags.retain(|t| !keys.contains(&t.key));
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// Removes a secret and its versions for good, if it is still at the revision of `secret`
    /// (the one its purge was decided on); `false` when it is gone already.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when another writer changed the secret since it was read.
    async fn purge(&self, secret: &SecretRecord) -> Result<bool, StoreError> {
        let scope = &secret.scope;
        match self.store.delete_secret(scope, &secret.name, Some(secret.revision)).await {
            Ok(()) => {
                tracing::info!(account = %scope.account, region = %scope.region, "secret deleted for good");
                Ok(true)
            }
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Purges every secret whose recovery window ended at the clock's time; answers how many.
    /// Each is read and checked under its write lock and purged at the revision checked: one
    /// restored (or otherwise written) by another node in between is left for the next pass
    /// to look at again.
    ///
    /// # Errors
    /// Storage errors listing the work; a failure on one secret is logged and retried on the
    /// next pass.
    pub async fn run_due_work(&self) -> Result<usize, SecretsError> {
        let now = self.clock.now();
        let mut purged = 0;
        for (scope, name) in self.store.secrets_due(now).await? {
            let _writing = self.lock_secret(&scope, &name).await;
            let Some(s) = self.store.get_secret(&scope, &name).await? else { continue };
            if s.deletion_date.is_none_or(|d| d > now) {
                continue;
            }
            match self.purge(&s).await {
                Ok(true) => {
                    purged += 1;
                    self.service_event(&scope, &s.arn(), "EndSecretVersionDelete").await;
                }
                Ok(false) => {}
                Err(StoreError::Conflict) => tracing::debug!(
                    account = %scope.account,
                    region = %scope.region,
                    "a secret due for purging changed since it was read; looked at again next pass"
                ),
                Err(e) => tracing::warn!(error = %e, "purging a deleted secret failed; will retry"),
            }
        }
        Ok(purged)
    }
}
