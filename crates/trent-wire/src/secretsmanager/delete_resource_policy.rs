//! `DeleteResourcePolicy`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteResourcePolicy.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::Secrets;

use super::put_resource_policy::Response;
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

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    v.text("policyName", req.policy_name.as_deref(), POLICY_NAME);
    v.finish()?;
    let secret = secrets.delete_resource_policy(caller, &id, req.policy_name.as_deref()).await?;
    Ok(Response::new(secret, req.policy_name))
}
