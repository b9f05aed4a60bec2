//! `UpdateSecret` with a new `KmsKeyId`: the versions labelled `AWSCURRENT`, `AWSPENDING` or
//! `AWSPREVIOUS` are encrypted again under the new key, as the API reference says ("the KMS
//! key that Secrets Manager uses to encrypt new secret versions as well as any existing
//! versions with the staging labels AWSCURRENT, AWSPENDING, or AWSPREVIOUS. If you don't have
//! kms:Encrypt permission to the new key, Secrets Manager does not re-encrypt existing secret
//! versions with the new key"). Unlabelled versions keep the key they were written with.

use std::collections::BTreeSet;

use super::{AWSCURRENT, AWSPENDING, AWSPREVIOUS, SecretRecord, Secrets, SecretsError, VersionRecord};
use crate::identity::Caller;
use crate::kms::KmsError;
use crate::store::SecretChange;

/// The labels whose versions follow a change of key.
const MOVED_LABELS: [&str; 3] = [AWSCURRENT, AWSPENDING, AWSPREVIOUS];

/// Whether KMS refused (the key's state, the caller's permissions, a key that does not
/// exist) rather than failed: a refusal leaves the version where it is, a failure fails the call.
pub(crate) fn refused(e: &SecretsError) -> bool {
    match e {
        SecretsError::Kms { source, .. } => !matches!(
            source,
            KmsError::Unavailable(_) | KmsError::Internal(_) | KmsError::Throttled { .. } | KmsError::Conflict(_)
        ),
        _ => false,
    }
}

impl Secrets {
    /// Encrypts the labelled versions of the secret `secret_id` again under its (new) key, for
    /// `caller`, except `skip` (a version just written under that key). A version the caller's
    /// KMS permissions cannot move (no decryption under the old key, no data key from the new
    /// one) keeps its old key; the refusal is logged, not returned.
    ///
    /// # Errors
    /// Storage errors; `NotFound`/`AccessDenied` if the secret went away or the caller lost
    /// `secretsmanager:UpdateSecret` in between.
    pub(crate) async fn reencrypt_labelled(
        &self,
        caller: &Caller,
        secret_id: &str,
        skip: Option<&str>,
    ) -> Result<(), SecretsError> {
        let action = "secretsmanager:UpdateSecret";
        let (_writing, mut secret) = self.lock_named(caller, secret_id, action).await?;
        let mut retry = super::writers::Retry::default();
        loop {
            let moved = self.reencrypted(caller, &secret, skip).await?;
            if moved.is_empty() {
                return Ok(());
            }
            let mut next = secret.clone();
            next.revision = secret.revision + 1;
            let change = SecretChange {
                secret: &next,
                expected_revision: secret.revision,
                new_version: None,
                pruned: &[],
                upserted: &moved,
                events: &[],
            };
            if self.write(change).await? {
                tracing::info!(versions = moved.len(), "secret versions encrypted under the new KMS key");
                return Ok(());
            }
            retry.lost().await?;
            secret = self.authorized(caller, secret_id, action).await?;
        }
    }

    /// The labelled versions of `secret` sealed again under its key, those whose key changed.
    async fn reencrypted(
        &self,
        caller: &Caller,
        secret: &SecretRecord,
        skip: Option<&str>,
    ) -> Result<Vec<VersionRecord>, SecretsError> {
        let ids: BTreeSet<&str> =
            MOVED_LABELS.iter().filter_map(|l| secret.version_of(l)).filter(|v| Some(*v) != skip).collect();
        let mut moved = Vec::new();
        for id in ids {
            let Some(version) = self.store.get_version(&secret.scope, &secret.name, id).await? else { continue };
            let value = match self.open(caller, secret, &version).await {
                Ok(value) => value,
                Err(e) if refused(&e) => {
                    tracing::info!(error = %e, "a labelled version keeps its old key: it cannot be decrypted");
                    continue;
                }
                Err(e) => return Err(e),
            };
            let sealed = match self.seal(caller, secret, id, &value).await {
                Ok(sealed) => sealed,
                Err(e) if refused(&e) => {
                    tracing::info!(error = %e, "a labelled version keeps its old key: the new key refused");
                    continue;
                }
                Err(e) => return Err(e),
            };
            if sealed.key_arn != version.key_arn {
                moved.push(VersionRecord { created_at: version.created_at, ..sealed });
            }
        }
        Ok(moved)
    }
}
