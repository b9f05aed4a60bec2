//! Reading and writing values: `GetSecretValue`, `BatchGetSecretValue`, `PutSecretValue`.

use time::{OffsetDateTime, Time};

use super::labels::{attach_new_version, prune};
use super::writers::Retry;
use super::{AWSCURRENT, BadParameter, BadRequest, SecretRecord, SecretValue, Secrets, SecretsError, VersionRecord};
use crate::identity::Caller;
use crate::store::{SecretChange, StoreError};

/// Which version to read.
#[derive(Clone, Debug, Default)]
pub struct VersionSelector {
    /// `VersionId`.
    pub version_id: Option<String>,
    /// `VersionStage` (`AWSCURRENT` when neither is given).
    pub version_stage: Option<String>,
}

/// What `GetSecretValue` returns.
#[derive(Debug)]
pub struct ValueOutput {
    /// `ARN`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// `VersionId`.
    pub version_id: String,
    /// `SecretString` or `SecretBinary`.
    pub value: SecretValue,
    /// `VersionStages`.
    pub stages: Vec<String>,
    /// `CreatedDate` of the version.
    pub created_at: OffsetDateTime,
}

/// What `PutSecretValue` is given.
#[derive(Debug)]
pub struct PutValueInput {
    /// `SecretId`.
    pub secret_id: String,
    /// `ClientRequestToken`, the new version's id.
    pub token: Option<String>,
    /// The value.
    pub value: SecretValue,
    /// `VersionStages` (`[AWSCURRENT]` when absent).
    pub stages: Option<Vec<String>>,
}

/// What `PutSecretValue` (and `UpdateSecret` with a value) returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutValueOutput {
    /// `ARN`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// `VersionId`.
    pub version_id: String,
    /// `VersionStages`.
    pub stages: Vec<String>,
}

/// A token or a fresh version id (the SDKs fill the token with a UUID themselves).
pub(crate) fn version_id(token: Option<&str>) -> Result<String, SecretsError> {
    match token {
        Some(t) if (32..=64).contains(&t.chars().count()) => Ok(t.to_owned()),
        Some(_) => Err(SecretsError::InvalidParameter(BadParameter::TokenLength)),
        None => Ok(uuid::Uuid::new_v4().to_string()),
    }
}

impl Secrets {
    /// `GetSecretValue`.
    ///
    /// # Errors
    /// `NotFound`, `VersionNotFound`/`StageNotFound`, `InvalidRequest` for a secret scheduled
    /// for deletion, `Kms`/`Decryption` when the value cannot be decrypted, `AccessDenied`.
    pub async fn get_secret_value(
        &self,
        caller: &Caller,
        secret_id: &str,
        selector: &VersionSelector,
    ) -> Result<ValueOutput, SecretsError> {
        let secret = self.authorized(caller, secret_id, "secretsmanager:GetSecretValue").await?;
        self.read_value(caller, &secret, selector).await
    }

    /// The value of an authorized secret.
    pub(crate) async fn read_value(
        &self,
        caller: &Caller,
        secret: &SecretRecord,
        selector: &VersionSelector,
    ) -> Result<ValueOutput, SecretsError> {
        if secret.is_deleted() {
            return Err(SecretsError::InvalidRequest(BadRequest::MarkedForDeletion));
        }
        let version_id = match (&selector.version_id, &selector.version_stage) {
            (Some(v), stage) => {
                if let Some(stage) = stage
                    && secret.version_of(stage) != Some(v.as_str())
                {
                    return Err(SecretsError::StageNotFound { stage: stage.clone() });
                }
                v.clone()
            }
            (None, stage) => {
                let stage = stage.as_deref().unwrap_or(AWSCURRENT);
                match secret.version_of(stage) {
                    Some(v) => v.to_owned(),
                    None => return Err(SecretsError::StageNotFound { stage: stage.to_owned() }),
                }
            }
        };
        let Some(version) = self.store.get_version(&secret.scope, &secret.name, &version_id).await? else {
            return Err(SecretsError::VersionNotFound { version_id });
        };
        let arn = secret.arn();
        let value = self.open_with_arn(caller, secret, &arn, &version).await?;
        self.note_access(secret).await;
        Ok(ValueOutput {
            arn,
            name: secret.name.clone(),
            stages: secret.labels_of(&version.version_id),
            version_id: version.version_id,
            value,
            created_at: version.created_at,
        })
    }

    /// Records the day of a read, once a day at most; a failure only loses the date.
    async fn note_access(&self, secret: &SecretRecord) {
        let day = self.clock.now().replace_time(Time::MIDNIGHT);
        if secret.last_accessed_at == Some(day) {
            return;
        }
        if let Err(e) = self.store.touch_secret(&secret.scope, &secret.name, day).await {
            tracing::warn!(error = %e, "could not record a secret's last access date");
        }
    }

    /// `PutSecretValue`.
    ///
    /// # Errors
    /// `NotFound`, `InvalidRequest` for a secret scheduled for deletion, `VersionExists` for a
    /// token reused with another value, `LimitExceeded`, `Kms`, `AccessDenied`.
    pub async fn put_secret_value(
        &self,
        caller: &Caller,
        input: PutValueInput,
    ) -> Result<PutValueOutput, SecretsError> {
        self.put_secret_value_as(caller, input, "secretsmanager:PutSecretValue").await
    }

    /// [`Secrets::put_secret_value`] authorized as `action`.
    pub(crate) async fn put_secret_value_as(
        &self,
        caller: &Caller,
        input: PutValueInput,
        action: &str,
    ) -> Result<PutValueOutput, SecretsError> {
        let version_id = version_id(input.token.as_deref())?;
        let stages = input.stages.unwrap_or_else(|| vec![AWSCURRENT.to_owned()]);
        let (_writing, mut secret) = self.lock_named(caller, &input.secret_id, action).await?;
        let mut retry = Retry::default();
        loop {
            super::replicas::refuse_replica(&secret)?;
            super::cross_account::refuse_linked_replica(&secret)?;
            if let Some(done) = self.add_version(caller, &secret, &version_id, &input.value, &stages).await? {
                return Ok(done);
            }
            retry.lost().await?;
            secret = self.authorized(caller, &input.secret_id, action).await?;
        }
    }

    /// Adds version `version_id` holding `value` to `secret`, attaching `stages`; idempotent for
    /// the same id and value. `None` when another write changed the secret first.
    pub(crate) async fn add_version(
        &self,
        caller: &Caller,
        secret: &SecretRecord,
        version_id: &str,
        value: &SecretValue,
        stages: &[String],
    ) -> Result<Option<PutValueOutput>, SecretsError> {
        if secret.is_deleted() {
            return Err(SecretsError::InvalidRequest(BadRequest::MarkedForDeletion));
        }
        if let Some(existing) = self.store.get_version(&secret.scope, &secret.name, version_id).await? {
            let stored = self.open(caller, secret, &existing).await?;
            if !stored.same_as(value) {
                return Err(SecretsError::VersionExists);
            }
            return Ok(Some(PutValueOutput {
                arn: secret.arn(),
                name: secret.name.clone(),
                version_id: version_id.to_owned(),
                stages: secret.labels_of(version_id),
            }));
        }
        let version = self.seal(caller, secret, version_id, value).await?;
        let now = self.clock.now();
        let mut next = secret.clone();
        let abandoned = stages.iter().any(|s| s == AWSCURRENT) && super::rotation::abandon(&mut next, version_id);
        attach_new_version(&mut next, version_id, stages)?;
        next.last_changed_at = now;
        next.revision = secret.revision + 1;
        let versions = self.store.versions(&secret.scope, &secret.name).await?;
        let pruned = prune(&next, &versions, version_id, now)?;
        let change = SecretChange {
            secret: &next,
            expected_revision: secret.revision,
            new_version: Some(&version),
            pruned: &pruned,
            upserted: &[],
            events: &[],
        };
        if !self.write(change).await? {
            return Ok(None);
        }
        if abandoned {
            tracing::info!(secret = %next.arn(), "a new current version abandoned the rotation in progress");
            self.service_event(&next.scope, &next.arn(), "RotationAbandoned").await;
        }
        self.propagate(caller, &next).await?;
        Ok(Some(PutValueOutput {
            arn: next.arn(),
            name: next.name.clone(),
            version_id: version_id.to_owned(),
            stages: next.labels_of(version_id),
        }))
    }

    /// Writes a change; `false` when the revision moved (the caller reads again and retries).
    pub(crate) async fn write(&self, change: SecretChange<'_>) -> Result<bool, SecretsError> {
        match self.store.update_secret(change).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict) => Ok(false),
            Err(StoreError::NotFound) => Err(SecretsError::NotFound),
            Err(StoreError::AlreadyExists) => Err(SecretsError::VersionExists),
            Err(e) => Err(e.into()),
        }
    }

    /// Builds the first version of a new secret.
    pub(crate) async fn first_version(
        &self,
        caller: &Caller,
        secret: &mut SecretRecord,
        version_id: &str,
        value: &SecretValue,
    ) -> Result<VersionRecord, SecretsError> {
        let version = self.seal(caller, secret, version_id, value).await?;
        secret.labels.insert(AWSCURRENT.to_owned(), version_id.to_owned());
        Ok(version)
    }
}
