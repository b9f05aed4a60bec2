//! `RotateSecret`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::{RotateSecretInput, RotationOutput, RotationRulesRecord, Secrets};

use super::shapes::{RotationRulesShape, SECRET_ID, VERSION_ID};
use crate::AwsError;
use crate::json::{Text, Violations};

/// `RotationLambdaARNType`.
const LAMBDA_ARN: Text = Text::new(0, 2048);

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    client_request_token: Option<String>,
    #[serde(rename = "RotationLambdaARN")]
    rotation_lambda_arn: Option<String>,
    rotation_rules: Option<RotationRulesShape>,
    /// Managed external rotation, which this server does not offer: refused when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    external_secret_rotation_metadata: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_secret_rotation_role_arn: Option<String>,
    rotate_immediately: Option<bool>,
}

names!(Request, secret_id);

/// `ARN`, `Name` and `VersionId`: the answer of `RotateSecret` and `CancelRotateSecret`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    #[serde(rename = "ARN")]
    arn: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_id: Option<String>,
}

names!(Response, arn);

impl From<RotationOutput> for Response {
    fn from(o: RotationOutput) -> Self {
        Response { arn: Some(o.arn), name: o.name, version_id: o.version_id }
    }
}

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    v.text("clientRequestToken", req.client_request_token.as_deref(), VERSION_ID);
    v.text("rotationLambdaARN", req.rotation_lambda_arn.as_deref(), LAMBDA_ARN);
    let rules: Option<RotationRulesRecord> = req.rotation_rules.map(|r| r.check(&mut v));
    if req.external_secret_rotation_metadata.is_some() || req.external_secret_rotation_role_arn.is_some() {
        v.custom(
            "Value at 'externalSecretRotationMetadata' failed to satisfy constraint: managed external rotation is \
             not supported by this server; use RotationLambdaARN"
                .to_owned(),
        );
    }
    v.finish()?;
    let input = RotateSecretInput {
        secret_id: id,
        token: req.client_request_token,
        lambda_arn: req.rotation_lambda_arn.filter(|a| !a.is_empty()),
        rules,
        rotate_immediately: req.rotate_immediately,
    };
    Ok(secrets.rotate_secret(caller, input).await?.into())
}
