//! `RetireGrant`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_RetireGrant.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{Kms, RetireGrantInput};

use super::shapes::opt_key_id;
use crate::AwsError;
use crate::json::length;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    #[serde(skip_serializing)]
    grant_token: Option<String>,
    key_id: Option<String>,
    grant_id: Option<String>,
    dry_run: Option<bool>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    if let Some(t) = &req.grant_token {
        length("grantToken", t, 1, 8192)?;
    }
    let key_id = opt_key_id(req.key_id, "keyId")?;
    if let Some(g) = &req.grant_id {
        length("grantId", g, 1, 128)?;
    }
    let input =
        RetireGrantInput { grant_token: req.grant_token, key_id, grant_id: req.grant_id, dry_run: req.dry_run.unwrap_or(false) };
    kms.retire_grant(caller, input).await?;
    Ok(serde_json::json!({}))
}
