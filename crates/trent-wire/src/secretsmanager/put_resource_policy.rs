//! `PutResourcePolicy`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutResourcePolicy.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::Secrets;

use super::shapes::{RESOURCE_POLICY, SECRET_ID};
use super::update_secret_version_stage::Response;
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    resource_policy: Option<String>,
    block_public_policy: Option<bool>,
}

names!(Request, secret_id);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    let policy = v.required_text("resourcePolicy", req.resource_policy, RESOURCE_POLICY);
    v.finish()?;
    let block = req.block_public_policy.unwrap_or(false);
    Ok(secrets.put_resource_policy(caller, &id, &policy, block).await?.into())
}
