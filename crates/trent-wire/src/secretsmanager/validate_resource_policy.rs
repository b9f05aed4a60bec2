//! `ValidateResourcePolicy`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ValidateResourcePolicy.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::Secrets;

use super::shapes::{RESOURCE_POLICY, SECRET_ID};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    resource_policy: Option<String>,
}

names!(Request, secret_id);

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ValidationError {
    check_name: String,
    error_message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    policy_validation_passed: bool,
    validation_errors: Vec<ValidationError>,
}

names!(Response);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    v.text("secretId", req.secret_id.as_deref(), SECRET_ID);
    let policy = v.required_text("resourcePolicy", req.resource_policy, RESOURCE_POLICY);
    v.finish()?;
    let failed = secrets.validate_resource_policy(caller, req.secret_id.as_deref(), &policy).await?;
    Ok(Response {
        policy_validation_passed: failed.is_empty(),
        validation_errors: failed
            .into_iter()
            .map(|(check_name, error_message)| ValidationError { check_name, error_message })
            .collect(),
    })
}
