//! `DescribeCustomKeyStores`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeCustomKeyStores.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{CustomKeyStoreFilter, Kms};

use super::constraints::CUSTOM_KEY_STORE_ID;
use super::custom_key_store_shapes::{CUSTOM_KEY_STORE_NAME, Entry};
use super::shapes::page;
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    custom_key_store_id: Option<String>,
    custom_key_store_name: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    custom_key_stores: Vec<Entry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
    truncated: bool,
}

names!(none(Request));

names!(none(Response));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    v.text("customKeyStoreId", req.custom_key_store_id.as_deref(), CUSTOM_KEY_STORE_ID);
    v.text("customKeyStoreName", req.custom_key_store_name.as_deref(), CUSTOM_KEY_STORE_NAME);
    let limit = page(&mut v, req.limit, req.marker.as_deref());
    v.finish()?;
    let filter = match (&req.custom_key_store_id, &req.custom_key_store_name) {
        (Some(id), _) => CustomKeyStoreFilter::Id(id),
        (None, Some(name)) => CustomKeyStoreFilter::Name(name),
        (None, None) => CustomKeyStoreFilter::All,
    };
    let page = kms.describe_custom_key_stores(caller, filter, limit, req.marker.as_deref()).await?;
    Ok(Response {
        custom_key_stores: page.stores.into_iter().map(|(r, s, c)| Entry::new(r, s, c)).collect(),
        truncated: page.next_marker.is_some(),
        next_marker: page.next_marker,
    })
}
