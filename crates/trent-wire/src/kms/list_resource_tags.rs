//! `ListResourceTags`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListResourceTags.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::shapes::{TagShape, key_id, marker};
use crate::AwsError;
use crate::json::opt_range;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    tags: Vec<TagShape>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
    truncated: bool,
}

names!(request(key_id));

names!(none(Response));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let id = key_id(req.key_id, "keyId")?;
    let limit = opt_range("limit", req.limit, 1, 1000)?;
    marker(&req.marker)?;
    let page = kms.list_resource_tags(caller, &id, limit, req.marker.as_deref()).await?;
    Ok(Response {
        tags: page.tags.into_iter().map(TagShape::from).collect(),
        truncated: page.next_marker.is_some(),
        next_marker: page.next_marker,
    })
}
