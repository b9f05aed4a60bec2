//! `PutKeyPolicy`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::{KEY_ID, POLICY, POLICY_NAME};
use crate::AwsError;
use crate::json::Violations;

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
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    v.text("policyName", req.policy_name.as_deref(), POLICY_NAME);
    let policy = v.required_text("policy", req.policy, POLICY);
    v.finish()?;
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
