//! Staging labels as AWS moves them, and the pruning of unlabelled versions.
//!
//! * A new version takes the labels it is given (`AWSCURRENT` by default); the first version
//!   of a secret always gets `AWSCURRENT`.
//! * When `AWSCURRENT` moves to another version, `AWSPREVIOUS` moves to the version it left.
//! * A label is on at most one version; attaching it elsewhere moves it.
//! * Versions without labels are deprecated: once a secret has more than [`MAX_VERSIONS`],
//!   the oldest of those created more than a day ago are removed.

use std::collections::HashSet;

use time::{Duration, OffsetDateTime};

use super::{
    AWSCURRENT, AWSPREVIOUS, BadParameter, BadRequest, Limit, MAX_STAGING_LABELS, MAX_VERSIONS, SecretRecord, Secrets,
    SecretsError, VersionRecord,
};
use crate::identity::Caller;
use crate::store::SecretChange;

/// Deprecated versions younger than this are never pruned.
const PRUNE_AFTER: Duration = Duration::hours(24);

fn check_stages(stages: &[String]) -> Result<(), SecretsError> {
    let mut seen = HashSet::new();
    if stages.is_empty() || !stages.iter().all(|s| seen.insert(s.as_str())) {
        return Err(SecretsError::InvalidParameter(BadParameter::DuplicateStage));
    }
    Ok(())
}

fn check_label_count(secret: &SecretRecord) -> Result<(), SecretsError> {
    if secret.labels.len() > MAX_STAGING_LABELS {
        return Err(SecretsError::LimitExceeded(Limit::StagingLabels));
    }
    Ok(())
}

/// Moves `label` to `version_id`, taking `AWSPREVIOUS` along when `AWSCURRENT` moves.
fn move_label(secret: &mut SecretRecord, label: &str, version_id: &str) {
    if label == AWSCURRENT
        && let Some(old) = secret.labels.get(AWSCURRENT).cloned()
        && old != version_id
    {
        secret.labels.insert(AWSPREVIOUS.to_owned(), old);
    }
    secret.labels.insert(label.to_owned(), version_id.to_owned());
}

/// Attaches `stages` to a new version `version_id` of `secret`.
///
/// # Errors
/// `InvalidParameter` for a repeated label, `LimitExceeded` past the label quota.
pub(crate) fn attach_new_version(
    secret: &mut SecretRecord,
    version_id: &str,
    stages: &[String],
) -> Result<(), SecretsError> {
    check_stages(stages)?;
    for stage in stages {
        move_label(secret, stage, version_id);
    }
    if !secret.labels.contains_key(AWSCURRENT) {
        secret.labels.insert(AWSCURRENT.to_owned(), version_id.to_owned());
    }
    check_label_count(secret)
}

/// The versions to remove once `new_version` joins `existing`.
///
/// # Errors
/// `LimitExceeded` if the secret would hold more than [`MAX_VERSIONS`] and not enough
/// deprecated versions are old enough to go.
pub(crate) fn prune(
    secret: &SecretRecord,
    existing: &[VersionRecord],
    new_version: &str,
    now: OffsetDateTime,
) -> Result<Vec<String>, SecretsError> {
    let mut total = existing.len() + usize::from(!existing.iter().any(|v| v.version_id == new_version));
    let labelled: HashSet<&str> = secret.labels.values().map(String::as_str).collect();
    let mut candidates: Vec<&VersionRecord> = existing
        .iter()
        .filter(|v| !labelled.contains(v.version_id.as_str()) && v.created_at + PRUNE_AFTER <= now)
        .collect();
    candidates.sort_by_key(|v| v.created_at);
    let mut pruned = Vec::new();
    for v in candidates {
        if total <= MAX_VERSIONS {
            break;
        }
        pruned.push(v.version_id.clone());
        total -= 1;
    }
    if total > MAX_VERSIONS {
        return Err(SecretsError::LimitExceeded(Limit::Versions));
    }
    Ok(pruned)
}

/// What `UpdateSecretVersionStage` is given.
#[derive(Clone, Debug)]
pub struct StageMove {
    /// `SecretId`.
    pub secret_id: String,
    /// `VersionStage`.
    pub stage: String,
    /// `MoveToVersionId`.
    pub move_to: Option<String>,
    /// `RemoveFromVersionId`.
    pub remove_from: Option<String>,
}

impl Secrets {
    /// `UpdateSecretVersionStage`; answers the secret's ARN and name.
    ///
    /// # Errors
    /// `NotFound`, `VersionNotFound`, `InvalidParameter` when `RemoveFromVersionId` does not
    /// hold the label (or is missing while another version holds it), `InvalidRequest` for a
    /// secret scheduled for deletion or an attempt to detach `AWSCURRENT`, `LimitExceeded`.
    pub async fn update_version_stage(&self, caller: &Caller, m: &StageMove) -> Result<(String, String), SecretsError> {
        let action = "secretsmanager:UpdateSecretVersionStage";
        let (_writing, mut secret) = self.lock_named(caller, &m.secret_id, action).await?;
        let mut retry = super::writers::Retry::default();
        loop {
            super::replicas::refuse_replica(&secret)?;
            super::cross_account::refuse_linked_replica(&secret)?;
            if secret.is_deleted() {
                return Err(SecretsError::InvalidRequest(BadRequest::MarkedForDeletion));
            }
            let mut next = secret.clone();
            let holder = secret.version_of(&m.stage).map(str::to_owned);
            if let Some(from) = &m.remove_from
                && holder.as_deref() != Some(from.as_str())
            {
                return Err(SecretsError::InvalidParameter(BadParameter::StageNotOnVersion {
                    stage: m.stage.clone(),
                    version_id: from.clone(),
                }));
            }
            match &m.move_to {
                Some(to) => {
                    if self.store.get_version(&secret.scope, &secret.name, to).await?.is_none() {
                        return Err(SecretsError::VersionNotFound { version_id: to.clone() });
                    }
                    if let Some(h) = &holder
                        && h != to
                        && m.remove_from.is_none()
                    {
                        return Err(SecretsError::InvalidParameter(BadParameter::StageAttachedElsewhere {
                            stage: m.stage.clone(),
                            version_id: h.clone(),
                        }));
                    }
                    move_label(&mut next, &m.stage, to);
                }
                None if m.remove_from.is_none() => {
                    return Err(SecretsError::InvalidParameter(BadParameter::NoVersionToMove));
                }
                None if m.stage == AWSCURRENT => return Err(SecretsError::InvalidRequest(BadRequest::RemoveCurrent)),
                None => {
                    next.labels.remove(&m.stage);
                }
            }
            check_label_count(&next)?;
            if next.labels == secret.labels {
                return Ok((secret.arn(), secret.name));
            }
            next.last_changed_at = self.clock.now();
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
                return Ok((next.arn(), next.name));
            }
            retry.lost().await?;
            secret = self.authorized(caller, &m.secret_id, action).await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::ValueKind;

    fn secret() -> SecretRecord {
        SecretRecord::for_tests("app")
    }

    fn version(id: &str, hours: i64) -> VersionRecord {
        VersionRecord {
            version_id: id.into(),
            created_at: OffsetDateTime::UNIX_EPOCH + Duration::hours(hours),
            kind: ValueKind::String,
            key_arn: String::new(),
            wrapped_key: vec![],
            ciphertext: vec![],
        }
    }

    fn current() -> Vec<String> {
        vec![AWSCURRENT.to_owned()]
    }

    #[test]
    fn a_new_current_version_moves_previous_and_custom_labels_stay() {
        let mut s = secret();
        attach_new_version(&mut s, "v1", &["Custom".to_owned()]).unwrap();
        assert_eq!(s.version_of(AWSCURRENT), Some("v1"), "the first version is always current");
        assert_eq!(s.version_of("Custom"), Some("v1"));
        attach_new_version(&mut s, "v2", &current()).unwrap();
        assert_eq!(s.version_of(AWSCURRENT), Some("v2"));
        assert_eq!(s.version_of(AWSPREVIOUS), Some("v1"));
        assert_eq!(s.version_of("Custom"), Some("v1"));
        attach_new_version(&mut s, "v3", &["AWSPENDING".to_owned()]).unwrap();
        assert_eq!(s.version_of(AWSCURRENT), Some("v2"), "a pending version moves nothing");
        attach_new_version(&mut s, "v4", &current()).unwrap();
        assert_eq!(s.labels_of("v2"), vec![AWSPREVIOUS.to_owned()]);
        assert!(s.labels_of("v1").contains(&"Custom".to_owned()));
        assert!(attach_new_version(&mut s, "v5", &[]).is_err());
        assert!(attach_new_version(&mut s, "v5", &["A".into(), "A".into()]).is_err());
    }

    #[test]
    fn pruning_removes_only_old_unlabelled_versions_past_the_limit() {
        let mut s = secret();
        let mut versions: Vec<VersionRecord> = (0..MAX_VERSIONS).map(|i| version(&format!("v{i}"), i as i64)).collect();
        s.labels.insert(AWSCURRENT.into(), "v0".into());
        let now = OffsetDateTime::UNIX_EPOCH + Duration::hours(200);
        assert_eq!(prune(&s, &versions[..MAX_VERSIONS - 1], "new", now).unwrap(), Vec::<String>::new());
        assert_eq!(prune(&s, &versions, "new", now).unwrap(), vec!["v1".to_owned()], "oldest unlabelled first");
        let young = OffsetDateTime::UNIX_EPOCH + Duration::hours(10);
        versions.truncate(MAX_VERSIONS);
        assert!(matches!(prune(&s, &versions, "new", young), Err(SecretsError::LimitExceeded(Limit::Versions))));
    }
}
