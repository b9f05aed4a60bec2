//! `GetResourcePolicy`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetResourcePolicy.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::{DEFAULT_POLICY_NAME, Secrets};

use super::shapes::{POLICY_NAME, SECRET_ID};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    policy_name: Option<String>,
}

names!(Request, secret_id);

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    #[serde(rename = "ARN")]
    arn: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_policy: Option<String>,
    policy_name: String,
}

names!(Response, arn);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    v.text("policyName", req.policy_name.as_deref(), POLICY_NAME);
    v.finish()?;
    let (arn, name, resource_policy) = secrets.get_resource_policy(caller, &id, req.policy_name.as_deref()).await?;
    let policy_name = req.policy_name.unwrap_or_else(|| DEFAULT_POLICY_NAME.to_owned());
    Ok(Response { arn: Some(arn), name, resource_policy, policy_name })
}
