//! `RevokeGrant`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_RevokeGrant.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::{GRANT_ID, KEY_ID};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    grant_id: Option<String>,
    dry_run: Option<bool>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let key_id = v.required_text("keyId", req.key_id, KEY_ID);
    let grant_id = v.required_text("grantId", req.grant_id, GRANT_ID);
    v.finish()?;
    kms.revoke_grant(caller, &key_id, &grant_id, req.dry_run.unwrap_or(false)).await?;
    Ok(serde_json::json!({}))
}
