//! `ListResourceTags`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListResourceTags.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::KEY_ID;
use super::shapes::{TagShape, page};
use crate::AwsError;
use crate::json::Violations;

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
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let limit = page(&mut v, req.limit, req.marker.as_deref());
    v.finish()?;
    let page = kms.list_resource_tags(caller, &id, limit, req.marker.as_deref()).await?;
    Ok(Response {
        tags: page.tags.into_iter().map(TagShape::from).collect(),
        truncated: page.next_marker.is_some(),
        next_marker: page.next_marker,
    })
}
