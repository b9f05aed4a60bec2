//! `RemoveTagsFromResource`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_RemoveTagsFromResource.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;

use super::Services;
use super::shapes::{MAX_TAG_ITEMS, TAG_KEY, resource};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    resource_type: Option<String>,
    resource_id: Option<String>,
    tag_keys: Option<Vec<String>>,
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let (kind, id) = resource(&mut v, req.resource_type, req.resource_id);
    let keys = v.required("tagKeys", req.tag_keys).unwrap_or_default();
    // `KeyList` has no bound in the model; Trent takes as many as a `TagList` may hold.
    v.text_list("tagKeys", Some(&keys), Some(MAX_TAG_ITEMS), TAG_KEY, true);
    v.finish()?;
    s.params.remove_tags(caller, &kind, &id, &keys).await?;
    Ok(serde_json::json!({}))
}
