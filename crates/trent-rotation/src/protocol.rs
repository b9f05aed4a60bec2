//! AWS's four-step rotation protocol, between the Secrets Manager service and a rotation
//! function ("How rotation works", AWS Secrets Manager User Guide).
//!
//! The service marks a new version, named by the `ClientRequestToken`, `AWSPENDING` (without
//! a value yet), then invokes the function once per step with `{SecretId, ClientRequestToken,
//! Step}`:
//!
//! 1. `createSecret` puts the new value into that version, staged `AWSPENDING`;
//! 2. `setSecret` makes the credentials of the pending value valid in the database;
//! 3. `testSecret` checks they work;
//! 4. `finishSecret` moves `AWSCURRENT` to the pending version.
//!
//! A step that fails stops the rotation before `finishSecret`, so `AWSCURRENT` is untouched.
//! The function talks back to the service through [`SecretsApi`], which the Secrets Manager
//! domain implements; this module knows nothing of how secrets are stored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_crypto::SecretBytes;

/// The staging label of the version in use.
pub const AWSCURRENT: &str = "AWSCURRENT";
/// The staging label of the version a rotation is building.
pub const AWSPENDING: &str = "AWSPENDING";
/// The staging label of the version `AWSCURRENT` left last.
pub const AWSPREVIOUS: &str = "AWSPREVIOUS";

/// One step of the protocol, spelled on the wire as AWS spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// `createSecret`.
    #[serde(rename = "createSecret")]
    CreateSecret,
    /// `setSecret`.
    #[serde(rename = "setSecret")]
    SetSecret,
    /// `testSecret`.
    #[serde(rename = "testSecret")]
    TestSecret,
    /// `finishSecret`.
    #[serde(rename = "finishSecret")]
    FinishSecret,
}

impl Step {
    /// The four steps in the order the service runs them.
    pub const ALL: [Step; 4] = [Step::CreateSecret, Step::SetSecret, Step::TestSecret, Step::FinishSecret];

    /// The step's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::CreateSecret => "createSecret",
            Step::SetSecret => "setSecret",
            Step::TestSecret => "testSecret",
            Step::FinishSecret => "finishSecret",
        }
    }
}

/// What a rotation function is invoked with: the Lambda event AWS sends, member for member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationEvent {
    /// The secret's ARN.
    #[serde(rename = "SecretId")]
    pub secret_id: String,
    /// The id of the version being built.
    #[serde(rename = "ClientRequestToken")]
    pub client_request_token: String,
    /// The step to run.
    #[serde(rename = "Step")]
    pub step: Step,
}

/// A secret value: `SecretString` (UTF-8) or `SecretBinary`. Prints redacted.
#[derive(Debug, Clone)]
pub enum SecretValue {
    /// `SecretString`, as its UTF-8 bytes.
    String(SecretBytes),
    /// `SecretBinary`.
    Binary(SecretBytes),
}

/// What `DescribeSecret` tells a rotation function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretDescription {
    /// The secret's ARN.
    pub arn: String,
    /// `RotationEnabled`.
    pub rotation_enabled: bool,
    /// `VersionIdsToStages`.
    pub versions: BTreeMap<String, Vec<String>>,
}

impl SecretDescription {
    /// The version that holds `label`, if any.
    pub fn version_with(&self, label: &str) -> Option<&str> {
        self.versions.iter().find(|(_, labels)| labels.iter().any(|l| l == label)).map(|(v, _)| v.as_str())
    }
}

/// One version's value, as `GetSecretValue` returns it.
#[derive(Debug, Clone)]
pub struct SecretVersion {
    /// `VersionId`.
    pub version_id: String,
    /// `SecretString` or `SecretBinary`.
    pub value: SecretValue,
}

/// Why a [`SecretsApi`] call failed, as far as a rotation function needs to branch on it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No such secret, no such version or label, or the version has no value yet
    /// (`ResourceNotFoundException`).
    #[error("secret, version or staging label not found")]
    NotFound,
    /// The call was refused for the secret's state (`InvalidRequestException`), such as a
    /// secret scheduled for deletion.
    #[error("request invalid for the secret's state")]
    InvalidRequest,
    /// The caller may not make the call (`AccessDeniedException`).
    #[error("access denied")]
    AccessDenied,
    /// The service could not answer; the cause is kept for the log.
    #[error("secrets service unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The Secrets Manager operations a rotation function uses, typed. Implemented by the Secrets
/// Manager domain (and by an in-memory stand-in in the tests).
#[async_trait::async_trait]
pub trait SecretsApi: Send + Sync {
    /// `DescribeSecret`.
    ///
    /// # Errors
    /// [`ApiError::NotFound`] for an unknown secret; others as the service answers.
    async fn describe(&self, secret_id: &str) -> Result<SecretDescription, ApiError>;

    /// `GetSecretValue` by version id, staging label, or both (then they must agree); with
    /// neither, `AWSCURRENT`.
    ///
    /// # Errors
    /// [`ApiError::NotFound`] when no version matches or it has no value yet.
    async fn get_value(
        &self,
        secret_id: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> Result<SecretVersion, ApiError>;

    /// `PutSecretValue` with `ClientRequestToken = token` and `VersionStages = [AWSPENDING]`.
    ///
    /// # Errors
    /// As the service answers.
    async fn put_pending(&self, secret_id: &str, token: &str, value: SecretValue) -> Result<(), ApiError>;

    /// `UpdateSecretVersionStage` moving `AWSCURRENT` to `to_version`, removing it from
    /// `from_version` (which becomes `AWSPREVIOUS`).
    ///
    /// # Errors
    /// As the service answers.
    async fn move_current(&self, secret_id: &str, to_version: &str, from_version: Option<&str>)
    -> Result<(), ApiError>;
}

/// Why one step failed.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// The secret's rotation is not enabled.
    #[error("rotation is not enabled for the secret")]
    RotationNotEnabled,
    /// The token names no version of the secret.
    #[error("the ClientRequestToken names no version of the secret")]
    TokenHasNoStage,
    /// The token's version is neither `AWSPENDING` nor `AWSCURRENT`.
    #[error("the ClientRequestToken's version is not AWSPENDING")]
    TokenNotPending,
    /// A call back into Secrets Manager failed.
    #[error("secrets manager call failed")]
    Api(#[from] ApiError),
    /// A built-in database function failed.
    #[error("built-in rotation function failed")]
    Builtin(#[from] crate::builtin::BuiltinError),
    /// An external function failed.
    #[error("external rotation function failed")]
    External(#[from] crate::external::ExternalError),
}

/// A rotation function: runs one step for one secret.
#[async_trait::async_trait]
pub trait RotationFunction: Send + Sync {
    /// Runs `event.step`. In-process functions call back through `api`; external ones get
    /// an endpoint and credentials instead and may ignore it.
    ///
    /// # Errors
    /// A [`StepError`]; the service then stops the rotation.
    async fn invoke(&self, api: &dyn SecretsApi, event: &RotationEvent) -> Result<(), StepError>;
}

/// A rotation that stopped: which step failed, and why.
#[derive(Debug, thiserror::Error)]
#[error("rotation failed at {}", step.as_str())]
pub struct RotationFailure {
    /// The step that failed; the later ones did not run.
    pub step: Step,
    /// Why.
    #[source]
    pub error: StepError,
}

/// Runs the four steps for `token`, in order, stopping at the first failure.
///
/// The caller (the Secrets Manager domain) has already recorded `token` as a version of
/// `secret_id` staged `AWSPENDING`, as `RotateSecret` does.
///
/// # Errors
/// The first step that failed; `AWSCURRENT` has not moved unless `finishSecret` itself moved
/// it and then failed.
pub async fn rotate(
    api: &dyn SecretsApi,
    function: &dyn RotationFunction,
    secret_id: &str,
    token: &str,
) -> Result<(), RotationFailure> {
    for step in Step::ALL {
        let event = RotationEvent { secret_id: secret_id.to_owned(), client_request_token: token.to_owned(), step };
        if let Err(error) = function.invoke(api, &event).await {
            tracing::warn!(secret_id, step = step.as_str(), error = %crate::ErrorChain(&error), "rotation step failed");
            return Err(RotationFailure { step, error });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_is_the_lambda_event() {
        let event = RotationEvent {
            secret_id: "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf".into(),
            client_request_token: "0123456789abcdef0123456789abcdef".into(),
            step: Step::TestSecret,
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "SecretId": "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf",
                "ClientRequestToken": "0123456789abcdef0123456789abcdef",
                "Step": "testSecret",
            })
        );
        assert_eq!(serde_json::from_value::<RotationEvent>(json).unwrap(), event);
        for step in Step::ALL {
            assert_eq!(serde_json::to_value(step).unwrap(), step.as_str());
        }
    }

    #[test]
    fn values_print_redacted() {
        let v = SecretValue::String(SecretBytes::from_slice(b"hunter2-is-the-password"));
        let shown = format!("{v:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn the_version_with_a_label() {
        let d = SecretDescription {
            arn: "a".into(),
            rotation_enabled: true,
            versions: BTreeMap::from([
                ("v1".to_owned(), vec![AWSPREVIOUS.to_owned()]),
                ("v2".to_owned(), vec!["custom".to_owned(), AWSCURRENT.to_owned()]),
            ]),
        };
        assert_eq!(d.version_with(AWSCURRENT), Some("v2"));
        assert_eq!(d.version_with(AWSPENDING), None);
    }
}
