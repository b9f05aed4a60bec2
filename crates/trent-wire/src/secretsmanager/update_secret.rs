//! `UpdateSecret`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecret.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::{SecretValue, Secrets, UpdateSecretInput};

use super::shapes::{
    DESCRIPTION, KMS_KEY_ID, SECRET_ID, VERSION_ID, check_values, de_secret_binary, de_secret_string, one_value,
};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    client_request_token: Option<String>,
    description: Option<String>,
    kms_key_id: Option<String>,
    #[serde(default, deserialize_with = "de_secret_binary", skip_serializing)]
    secret_binary: Option<SecretValue>,
    #[serde(default, deserialize_with = "de_secret_string", skip_serializing)]
    secret_string: Option<SecretValue>,
    #[serde(rename = "Type")]
    kind: Option<String>,
}

names!(Request, secret_id);

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

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    v.text("clientRequestToken", req.client_request_token.as_deref(), VERSION_ID);
    v.text("description", req.description.as_deref(), DESCRIPTION);
    v.text("kmsKeyId", req.kms_key_id.as_deref(), KMS_KEY_ID);
    check_values(&mut v, req.secret_string.as_ref(), req.secret_binary.as_ref());
    v.finish()?;
    let input = UpdateSecretInput {
        secret_id: id,
        token: req.client_request_token,
        description: req.description,
        // An empty KmsKeyId names the AWS managed key: the domain is told, not left unchanged.
        kms_key_id: req.kms_key_id,
        value: one_value(req.secret_string, req.secret_binary)?,
    };
    let (arn, name, put) = secrets.update_secret(caller, input).await?;
    Ok(Response { arn: Some(arn), name, version_id: put.map(|p| p.version_id) })
}
