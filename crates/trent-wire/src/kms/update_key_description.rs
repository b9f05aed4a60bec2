//! `UpdateKeyDescription`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateKeyDescription.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::{DESCRIPTION, KEY_ID};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    description: Option<String>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let description = v.required_text("description", req.description, DESCRIPTION);
    v.finish()?;
    kms.update_key_description(caller, &id, description).await?;
    Ok(serde_json::json!({}))
}
