//! `UntagResource`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_UntagResource.html>

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
    tag_keys: Option<Vec<String>>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let id = key_id(req.key_id, "keyId")?;
    let keys = required(req.tag_keys, "tagKeys")?;
    for k in &keys {
        length("tagKeys", k, 1, 128)?;
    }
    kms.untag_resource(caller, &id, keys).await?;
    Ok(serde_json::json!({}))
}
