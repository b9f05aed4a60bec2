//! `ListKeys`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::shapes::page;
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    limit: Option<i64>,
    marker: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    key_id: String,
    key_arn: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    keys: Vec<Entry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
    truncated: bool,
}

names!(none(Request));

names!(none(Response));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let limit = page(&mut v, req.limit, req.marker.as_deref());
    v.finish()?;
    let page = kms.list_keys(caller, limit, req.marker.as_deref()).await?;
    Ok(Response {
        keys: page.keys.into_iter().map(|(id, arn)| Entry { key_id: id.to_string(), key_arn: arn }).collect(),
        truncated: page.next_marker.is_some(),
        next_marker: page.next_marker,
    })
}
