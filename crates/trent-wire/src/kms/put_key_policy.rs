//! `PutKeyPolicy`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::shapes::{key_id, policy_name};
use crate::AwsError;
use crate::json::required;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    policy_name: Option<String>,
    policy: Option<String>,
    bypass_policy_lockout_safety_check: Option<bool>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let id = key_id(req.key_id, "keyId")?;
    policy_name(&req.policy_name)?;
    let policy = required(req.policy, "policy")?;
    kms.put_key_policy(
        caller,
        &id,
        req.policy_name.as_deref(),
        &policy,
        req.bypass_policy_lockout_safety_check.unwrap_or(false),
    )
    .await?;
    Ok(serde_json::json!({}))
}
