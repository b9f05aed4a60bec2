//! `UntagResource`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_UntagResource.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::{KEY_ID, TAG_KEY};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    tag_keys: Option<Vec<String>>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let keys = v.required("tagKeys", req.tag_keys).unwrap_or_default();
    v.text_list("tagKeys", Some(&keys), None, TAG_KEY, true);
    v.finish()?;
    kms.untag_resource(caller, &id, keys).await?;
    Ok(serde_json::json!({}))
}
