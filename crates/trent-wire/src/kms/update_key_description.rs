//! `UpdateKeyDescription`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateKeyDescription.html>

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
    description: Option<String>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let id = key_id(req.key_id, "keyId")?;
    let description = required(req.description, "description")?;
    length("description", &description, 0, trent_core::kms::MAX_DESCRIPTION)?;
    kms.update_key_description(caller, &id, description).await?;
    Ok(serde_json::json!({}))
}
