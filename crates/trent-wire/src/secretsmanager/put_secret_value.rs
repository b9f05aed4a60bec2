//! `PutSecretValue`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::{PutValueInput, SecretValue, Secrets};

use super::shapes::{
    SECRET_ID, VERSION_ID, VERSION_STAGE, VERSION_STAGES_MAX, check_values, de_secret_binary, de_secret_string,
    one_value,
};
use crate::AwsError;
use crate::json::{Text, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    client_request_token: Option<String>,
    #[serde(default, deserialize_with = "de_secret_binary", skip_serializing)]
    secret_binary: Option<SecretValue>,
    #[serde(default, deserialize_with = "de_secret_string", skip_serializing)]
    secret_string: Option<SecretValue>,
    version_stages: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_secret_string", skip_serializing)]
    rotation_token: Option<SecretValue>,
}

names!(Request, secret_id);

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    #[serde(rename = "ARN")]
    arn: Option<String>,
    name: String,
    version_id: String,
    version_stages: Vec<String>,
}

names!(Response, arn);

/// `RotationTokenType` (sensitive).
const ROTATION_TOKEN: Text = Text::new(36, 256);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    v.text("clientRequestToken", req.client_request_token.as_deref(), VERSION_ID);
    check_values(&mut v, req.secret_string.as_ref(), req.secret_binary.as_ref());
    v.text_list("versionStages", req.version_stages.as_deref(), Some(VERSION_STAGES_MAX), VERSION_STAGE, true);
    v.secret_text("rotationToken", req.rotation_token.as_ref().and_then(SecretValue::expose_string), ROTATION_TOKEN);
    v.finish()?;
    let Some(value) = one_value(req.secret_string, req.secret_binary)? else {
        return Err(AwsError::new(
            "InvalidRequestException",
            http::StatusCode::BAD_REQUEST,
            "You must provide either SecretString or SecretBinary.",
        ));
    };
    let input = PutValueInput { secret_id: id, token: req.client_request_token, value, stages: req.version_stages };
    let out = secrets.put_secret_value(caller, input).await?;
    Ok(Response { arn: Some(out.arn), name: out.name, version_id: out.version_id, version_stages: out.stages })
}
