//! `ListAliases`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::KEY_ID;
use super::shapes::page;
use crate::AwsError;
use crate::json::{Epoch, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    alias_name: String,
    alias_arn: String,
    target_key_id: String,
    creation_date: Epoch,
    last_updated_date: Epoch,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    aliases: Vec<Entry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
    truncated: bool,
}

names!(request(key_id));

names!(none(Response));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    v.text("keyId", req.key_id.as_deref(), KEY_ID);
    let limit = page(&mut v, req.limit, req.marker.as_deref());
    v.finish()?;
    let page = kms.list_aliases(caller, req.key_id.as_deref(), limit, req.marker.as_deref()).await?;
    Ok(Response {
        aliases: page
            .aliases
            .into_iter()
            .map(|(a, arn)| Entry {
                alias_name: a.name,
                alias_arn: arn,
                target_key_id: a.target.to_string(),
                creation_date: Epoch(a.created_at),
                last_updated_date: Epoch(a.updated_at),
            })
            .collect(),
        truncated: page.next_marker.is_some(),
        next_marker: page.next_marker,
    })
}
