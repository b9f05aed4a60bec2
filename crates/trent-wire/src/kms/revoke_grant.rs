//! `RevokeGrant`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_RevokeGrant.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::shapes::key_id;
use crate::AwsError;
use crate::json::{length, required};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    grant_id: Option<String>,
    dry_run: Option<bool>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let key_id = key_id(req.key_id, "keyId")?;
    let grant_id = required(req.grant_id, "grantId")?;
    length("grantId", &grant_id, 1, 128)?;
    kms.revoke_grant(caller, &key_id, &grant_id, req.dry_run.unwrap_or(false)).await?;
    Ok(serde_json::json!({}))
}
