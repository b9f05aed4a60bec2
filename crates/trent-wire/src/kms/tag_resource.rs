//! `TagResource`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_TagResource.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::KEY_ID;
use super::shapes::{TagShape, tags};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    tags: Option<Vec<TagShape>>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let list = v.required("tags", req.tags);
    let list = tags(&mut v, list);
    v.finish()?;
    kms.tag_resource(caller, &id, list).await?;
    Ok(serde_json::json!({}))
}
