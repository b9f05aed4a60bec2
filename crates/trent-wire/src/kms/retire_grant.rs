//! `RetireGrant`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_RetireGrant.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{Kms, RetireGrantInput};

use super::constraints::{GRANT_ID, GRANT_TOKEN, KEY_ID};
use crate::AwsError;
use crate::json::Violations;

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
    let mut v = Violations::default();
    v.secret_text("grantToken", req.grant_token.as_deref(), GRANT_TOKEN);
    v.text("keyId", req.key_id.as_deref(), KEY_ID);
    v.text("grantId", req.grant_id.as_deref(), GRANT_ID);
    v.finish()?;
    let input = RetireGrantInput {
        grant_token: req.grant_token,
        key_id: req.key_id,
        grant_id: req.grant_id,
        dry_run: req.dry_run.unwrap_or(false),
    };
    kms.retire_grant(caller, input).await?;
    Ok(serde_json::json!({}))
}
