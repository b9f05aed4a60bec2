//! What the rotation tests share: an in-memory `SecretsApi` standing in for the Secrets
//! Manager service, and the rule for missing services (skip loudly; under `CI=true`, fail).

#![allow(dead_code, unreachable_pub)]

pub mod tls;

use std::collections::{BTreeMap, HashMap};

use parking_lot::Mutex;
use trent_crypto::SecretBytes;
use trent_rotation::{
    AWSCURRENT, AWSPENDING, AWSPREVIOUS, ApiError, RotationFailure, RotationFunction, SecretDescription, SecretValue,
    SecretVersion, SecretsApi, rotate,
};

struct Version {
    value: Option<SecretValue>,
    labels: Vec<String>,
}

struct Secret {
    rotation_enabled: bool,
    versions: BTreeMap<String, Version>,
}

/// Secrets in memory, with AWS's label moves.
#[derive(Default)]
pub struct MemorySecrets {
    secrets: Mutex<HashMap<String, Secret>>,
}

fn move_label(versions: &mut BTreeMap<String, Version>, label: &str, to: &str) {
    for v in versions.values_mut() {
        v.labels.retain(|l| l != label);
    }
    if let Some(v) = versions.get_mut(to) {
        v.labels.push(label.to_owned());
    }
}

impl MemorySecrets {
    /// A secret with one `AWSCURRENT` version holding `json`.
    pub fn create(&self, arn: &str, json: &serde_json::Value) {
        let value = SecretValue::String(SecretBytes::new(serde_json::to_vec(json).unwrap()));
        let version = Version { value: Some(value), labels: vec![AWSCURRENT.to_owned()] };
        let secret = Secret { rotation_enabled: true, versions: BTreeMap::from([("initial".to_owned(), version)]) };
        self.secrets.lock().insert(arn.to_owned(), secret);
    }

    pub fn set_rotation_enabled(&self, arn: &str, enabled: bool) {
        self.secrets.lock().get_mut(arn).unwrap().rotation_enabled = enabled;
    }

    /// What `RotateSecret` does before invoking the function: a value-less version staged
    /// `AWSPENDING`.
    pub fn begin_rotation(&self, arn: &str, token: &str) {
        let mut secrets = self.secrets.lock();
        let s = secrets.get_mut(arn).unwrap();
        s.versions.insert(token.to_owned(), Version { value: None, labels: vec![] });
        move_label(&mut s.versions, AWSPENDING, token);
    }

    /// The JSON of the version staged `label`.
    pub fn json(&self, arn: &str, label: &str) -> serde_json::Value {
        let secrets = self.secrets.lock();
        let v = secrets[arn].versions.values().find(|v| v.labels.iter().any(|l| l == label)).unwrap();
        let Some(SecretValue::String(b)) = &v.value else { panic!("no string value") };
        serde_json::from_slice(b.expose_secret()).unwrap()
    }

    pub fn version_with(&self, arn: &str, label: &str) -> Option<String> {
        let secrets = self.secrets.lock();
        secrets[arn].versions.iter().find(|(_, v)| v.labels.iter().any(|l| l == label)).map(|(id, _)| id.clone())
    }

    /// `RotateSecret`, then the four steps, as the service runs them.
    pub async fn rotate(&self, arn: &str, function: &dyn RotationFunction) -> Result<String, RotationFailure> {
        let token = uuid::Uuid::new_v4().to_string();
        self.begin_rotation(arn, &token);
        rotate(self, function, arn, &token).await.map(|()| token)
    }
}

#[async_trait::async_trait]
impl SecretsApi for MemorySecrets {
    async fn describe(&self, secret_id: &str) -> Result<SecretDescription, ApiError> {
        let secrets = self.secrets.lock();
        let s = secrets.get(secret_id).ok_or(ApiError::NotFound)?;
        Ok(SecretDescription {
            arn: secret_id.to_owned(),
            rotation_enabled: s.rotation_enabled,
            versions: s
                .versions
                .iter()
                .filter(|(_, v)| !v.labels.is_empty())
                .map(|(id, v)| (id.clone(), v.labels.clone()))
                .collect(),
        })
    }

    async fn get_value(
        &self,
        secret_id: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> Result<SecretVersion, ApiError> {
        let secrets = self.secrets.lock();
        let s = secrets.get(secret_id).ok_or(ApiError::NotFound)?;
        let stage = match (version_id, stage) {
            (None, None) => Some(AWSCURRENT),
            (_, stage) => stage,
        };
        let (id, v) = s
            .versions
            .iter()
            .find(|(id, v)| {
                version_id.is_none_or(|want| want == id.as_str())
                    && stage.is_none_or(|want| v.labels.iter().any(|l| l == want))
            })
            .ok_or(ApiError::NotFound)?;
        let value = v.value.clone().ok_or(ApiError::NotFound)?;
        Ok(SecretVersion { version_id: id.clone(), value })
    }

    async fn put_pending(&self, secret_id: &str, token: &str, value: SecretValue) -> Result<(), ApiError> {
        let mut secrets = self.secrets.lock();
        let s = secrets.get_mut(secret_id).ok_or(ApiError::NotFound)?;
        let v = s.versions.entry(token.to_owned()).or_insert(Version { value: None, labels: vec![] });
        if v.value.is_some() {
            // PutSecretValue with the token of a version that has a value: same value or error.
            return Err(ApiError::InvalidRequest);
        }
        v.value = Some(value);
        move_label(&mut s.versions, AWSPENDING, token);
        Ok(())
    }

    async fn move_current(
        &self,
        secret_id: &str,
        to_version: &str,
        from_version: Option<&str>,
    ) -> Result<(), ApiError> {
        let mut secrets = self.secrets.lock();
        let s = secrets.get_mut(secret_id).ok_or(ApiError::NotFound)?;
        if !s.versions.contains_key(to_version) {
            return Err(ApiError::NotFound);
        }
        let actual =
            s.versions.iter().find(|(_, v)| v.labels.iter().any(|l| l == AWSCURRENT)).map(|(id, _)| id.clone());
        if actual.as_deref() != from_version {
            return Err(ApiError::InvalidRequest);
        }
        move_label(&mut s.versions, AWSCURRENT, to_version);
        if let Some(from) = from_version {
            move_label(&mut s.versions, AWSPREVIOUS, from);
        }
        Ok(())
    }
}

/// A service the test needs is missing: fail under `CI=true`, else say so loudly and skip.
pub fn missing(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} is required under CI=true");
    }
    eprintln!("\n!!!!!!!! SKIPPED: {what} is not available; this test did NOT run !!!!!!!!\n");
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// A built-in function whose `setSecret` does nothing, so that `testSecret` cannot log in
/// with the new password: a rotation that fails at `testSecret`.
pub struct SkipSetSecret(pub std::sync::Arc<trent_rotation::DatabaseRotation>);

#[async_trait::async_trait]
impl RotationFunction for SkipSetSecret {
    async fn invoke(
        &self,
        api: &dyn SecretsApi,
        event: &trent_rotation::RotationEvent,
    ) -> Result<(), trent_rotation::StepError> {
        if event.step == trent_rotation::Step::SetSecret { Ok(()) } else { self.0.invoke(api, event).await }
    }
}

/// Whether the tests run as root (database servers then run as their own system user).
pub fn is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}
