//! `EnableKey`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKey.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::shapes::key_id;
use crate::AwsError;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let id = key_id(req.key_id, "keyId")?;
    kms.enable_key(caller, &id).await?;
    Ok(serde_json::json!({}))
}
