//! `GetKeyPolicy`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{DEFAULT_POLICY_NAME, Kms};

use super::shapes::{key_id, policy_name};
use crate::AwsError;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    policy_name: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    policy: String,
    policy_name: &'static str,
}

names!(request(key_id));

names!(none(Response));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let id = key_id(req.key_id, "keyId")?;
    policy_name(&req.policy_name)?;
    let policy = kms.get_key_policy(caller, &id, req.policy_name.as_deref()).await?;
    Ok(Response { policy, policy_name: DEFAULT_POLICY_NAME })
}
