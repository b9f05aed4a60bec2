//! Secrets Manager rotation, wired into the server: the functions of `[rotation]` in
//! `trent.toml`, the temporary credentials an external command gets, and the wake-up that runs
//! a rotation as soon as `RotateSecret` starts it.
//!
//! An external command runs as its configured role, the way a Lambda function runs as its
//! execution role: for each step the server issues an STS session of that role for 15 minutes,
//! narrowed by a session policy to the one secret being rotated (and `GetRandomPassword`, and
//! KMS through Secrets Manager). It never gets the operator's credentials, nor the server's.

use std::net::SocketAddr;
use std::sync::{Arc, Weak};

use trent_core::audit::{AuditEvent, ServiceCalls, ServiceEventLog};
use trent_rotation::{
    CredentialSource, ExternalError, FunctionConfigError, FunctionEnvironment, FunctionRegistry, TemporaryCredentials,
};

use crate::on_behalf::ServiceWorkCalls;
use crate::state::AppState;

/// How long an external command's credentials last: STS's shortest session.
const CREDENTIAL_SECONDS: i64 = 900;
/// The session name of those credentials.
const SESSION_NAME: &str = "trent-secrets-rotation";

/// The session policy of a rotation function's credentials: the calls AWS's rotation
/// templates make, on this secret only.
pub(crate) fn session_policy(secret_arn: &str) -> String {
    let region = secret_arn.split(':').nth(3).unwrap_or_default();
    let partition = secret_arn.split(':').nth(1).unwrap_or("aws");
    let suffix = if partition == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" };
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "secretsmanager:DescribeSecret",
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:PutSecretValue",
                    "secretsmanager:UpdateSecretVersionStage"
                ],
                "Resource": secret_arn
            },
            {"Effect": "Allow", "Action": "secretsmanager:GetRandomPassword", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": format!("secretsmanager.{region}.{suffix}")}}
            }
        ]
    })
    .to_string()
}

/// Credentials of a function's role, from this server's STS.
struct StsCredentials {
    /// Weak: the state owns the registry that owns this source.
    state: Weak<AppState>,
}

#[async_trait::async_trait]
impl CredentialSource for StsCredentials {
    async fn credentials(
        &self,
        role_arn: Option<&str>,
        secret_arn: &str,
    ) -> Result<TemporaryCredentials, ExternalError> {
        let Some(role_arn) = role_arn else {
            tracing::warn!(secret = secret_arn, "a command rotation function has no role_arn; it gets no credentials");
            return Err(ExternalError::Credentials);
        };
        let state = self.state.upgrade().ok_or(ExternalError::Credentials)?;
        let policy = session_policy(secret_arn);
        let invoked_by = trent_core::identity::ViaService::SECRETS_MANAGER.principal();
        match state.identities.service_session(role_arn, SESSION_NAME, &policy, CREDENTIAL_SECONDS, &invoked_by).await {
            Ok(s) => Ok(TemporaryCredentials {
                access_key_id: s.access_key_id,
                secret_access_key: s.secret_access_key,
                session_token: s.session_token,
            }),
            Err(e) => {
                tracing::warn!(role = role_arn, error = %e, "no credentials for a rotation function's role");
                Err(ExternalError::Credentials)
            }
        }
    }
}

/// Rotation events, into the audit trail (see `trent_core::secrets::RotationApi`'s module).
struct TrailEvents {
    /// Weak: the state owns the service that owns this log.
    state: Weak<AppState>,
}

#[async_trait::async_trait]
impl ServiceEventLog for TrailEvents {
    async fn record(&self, event: AuditEvent) {
        let Some(state) = self.state.upgrade() else { return };
        if let Err(e) = state.audit.record(event).await {
            tracing::warn!(error = %e, "a rotation event could not be recorded in the audit trail");
        }
    }

    fn service_calls(&self) -> Option<Arc<dyn ServiceCalls>> {
        let state = self.state.upgrade()?;
        Some(Arc::new(ServiceWorkCalls::new(state.clock.clone(), self.state.clone())))
    }
}

/// Installs the configured rotation functions, reachable at `local` (the bound listener), and
/// the scheduler's wake-up, and the audit trail as the place of rotation events.
///
/// # Errors
/// A configured function that is refused (the configuration was checked at start, so only a
/// configuration built in code reaches this).
pub(crate) fn install(
    state: &Arc<AppState>,
    local: SocketAddr,
    wake: Arc<tokio::sync::Notify>,
) -> Result<(), FunctionConfigError> {
    let scheme = if state.tls.is_some() { "https" } else { "http" };
    let host = if local.ip().is_unspecified() { SocketAddr::from(([127, 0, 0, 1], local.port())) } else { local };
    let region = match &state.config.regions {
        crate::config::Regions::List(list) => list.first().map_or("us-east-1", |r| r.as_str()).to_owned(),
        crate::config::Regions::Any => "us-east-1".to_owned(),
    };
    let environment = FunctionEnvironment { endpoint_url: format!("{scheme}://{host}"), region };
    let settings = &state.config.rotation;
    let registry = FunctionRegistry::new(
        settings.builtin.clone(),
        settings.functions.clone(),
        &environment,
        Arc::new(StsCredentials { state: Arc::downgrade(state) }),
    )?;
    state.secrets.set_rotation(Arc::new(registry), Arc::new(move || wake.notify_one()));
    state.secrets.set_rotation_events(Arc::new(TrailEvents { state: Arc::downgrade(state) }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_policy_names_the_secret_only() {
        let arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf";
        let p: serde_json::Value = serde_json::from_str(&session_policy(arn)).unwrap();
        assert_eq!(p["Statement"][0]["Resource"], arn);
        assert_eq!(
            p["Statement"][2]["Condition"]["StringEquals"]["kms:ViaService"],
            "secretsmanager.eu-west-1.amazonaws.com"
        );
        trent_core::policy::Policy::parse(&session_policy(arn), trent_core::policy::PolicyKind::Session).unwrap();
    }
}
