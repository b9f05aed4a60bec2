//! `ListAliases`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{Kms, ListedAlias};

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
    /// Absent for a predefined AWS alias that names no key yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    target_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    creation_date: Option<Epoch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_updated_date: Option<Epoch>,
}

impl Entry {
    fn new(listed: ListedAlias, alias_arn: String) -> Self {
        match listed {
            ListedAlias::Key(a) => Entry {
                alias_name: a.name,
                alias_arn,
                target_key_id: Some(a.target.to_string()),
                creation_date: Some(Epoch(a.created_at)),
                last_updated_date: Some(Epoch(a.updated_at)),
            },
            ListedAlias::Predefined(name) => Entry {
                alias_name: name.to_owned(),
                alias_arn,
                target_key_id: None,
                creation_date: None,
                last_updated_date: None,
            },
        }
    }
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
        aliases: page.aliases.into_iter().map(|(a, arn)| Entry::new(a, arn)).collect(),
        truncated: page.next_marker.is_some(),
        next_marker: page.next_marker,
    })
}
