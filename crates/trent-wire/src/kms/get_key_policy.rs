//! `GetKeyPolicy`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{DEFAULT_POLICY_NAME, Kms};

use super::constraints::{KEY_ID, POLICY_NAME};
use crate::AwsError;
use crate::json::Violations;

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
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    v.text("policyName", req.policy_name.as_deref(), POLICY_NAME);
    v.finish()?;
    let policy = kms.get_key_policy(caller, &id, req.policy_name.as_deref()).await?;
    Ok(Response { policy, policy_name: DEFAULT_POLICY_NAME })
}
