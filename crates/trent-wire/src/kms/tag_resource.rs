//! `TagResource`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_TagResource.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::shapes::{TagShape, key_id, tags};
use crate::AwsError;
use crate::json::required;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    tags: Option<Vec<TagShape>>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let id = key_id(req.key_id, "keyId")?;
    let list = tags(Some(required(req.tags, "tags")?))?;
    kms.tag_resource(caller, &id, list).await?;
    Ok(serde_json::json!({}))
}
