//! `AddTagsToResource`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_AddTagsToResource.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;

use super::Services;
use super::shapes::{TagShape, resource, tags};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    resource_type: Option<String>,
    resource_id: Option<String>,
    tags: Option<Vec<TagShape>>,
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let (kind, id) = resource(&mut v, req.resource_type, req.resource_id);
    let given = v.required("tags", req.tags);
    let tags = tags(&mut v, "tags", given);
    v.finish()?;
    s.params.add_tags(caller, &kind, &id, &tags).await?;
    Ok(serde_json::json!({}))
}
