//! `PutResourcePolicy`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutResourcePolicy.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::{DEFAULT_POLICY_NAME, Secrets};

use super::shapes::{POLICY_NAME, RESOURCE_POLICY, SECRET_ID};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    resource_policy: Option<String>,
    policy_name: Option<String>,
    block_public_policy: Option<bool>,
}

names!(Request, secret_id);

/// `ARN`, `Name` and `PolicyName`: the answer of `PutResourcePolicy` and
/// `DeleteResourcePolicy`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    #[serde(rename = "ARN")]
    pub(crate) arn: Option<String>,
    pub(crate) name: String,
    pub(crate) policy_name: String,
}

names!(Response, arn);

impl Response {
    /// The answer for the secret `(arn, name)` and the policy a request named (`default` when
    /// it named none).
    pub(crate) fn new((arn, name): (String, String), policy_name: Option<String>) -> Self {
        Response { arn: Some(arn), name, policy_name: policy_name.unwrap_or_else(|| DEFAULT_POLICY_NAME.to_owned()) }
    }
}

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    let policy = v.required_text("resourcePolicy", req.resource_policy, RESOURCE_POLICY);
    v.text("policyName", req.policy_name.as_deref(), POLICY_NAME);
    v.finish()?;
    let block = req.block_public_policy.unwrap_or(false);
    let named = req.policy_name.as_deref();
    let secret = secrets.put_resource_policy(caller, &id, named, &policy, block).await?;
    Ok(Response::new(secret, req.policy_name))
}
