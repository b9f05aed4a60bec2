//! `ListTagsForResource`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListTagsForResource.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;

use super::Services;
use super::shapes::{TagShape, resource};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    resource_type: Option<String>,
    resource_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    tag_list: Vec<TagShape>,
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let (kind, id) = resource(&mut v, req.resource_type, req.resource_id);
    v.finish()?;
    let tags = s.params.list_tags(caller, &kind, &id).await?;
    Ok(Response { tag_list: tags.into_iter().map(TagShape::from).collect() })
}
