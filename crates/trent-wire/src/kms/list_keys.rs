//! `ListKeys`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html>
//!
//! `ResourceOwners`: `SELF` lists the caller's keys (the default); `OTHER_ACCOUNTS_VIA_RAM`
//! lists keys other accounts shared through AWS Resource Access Manager, which Trent does not
//! have, so none: a request naming only it is authorized and audited as any `ListKeys` and
//! answers an empty list.

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
    resource_owners: Option<Vec<String>>,
}

/// `ResourceOwnerType`: whose keys `ListKeys` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResourceOwner {
    /// `SELF`: the caller's account.
    Caller,
    /// `OTHER_ACCOUNTS_VIA_RAM`: keys shared through Resource Access Manager.
    OtherAccountsViaRam,
}

impl ResourceOwner {
    /// Every value, in the model's order.
    pub(crate) const ALL: [ResourceOwner; 2] = [ResourceOwner::Caller, ResourceOwner::OtherAccountsViaRam];

    /// The model's name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ResourceOwner::Caller => "SELF",
            ResourceOwner::OtherAccountsViaRam => "OTHER_ACCOUNTS_VIA_RAM",
        }
    }
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
    let listed = req.resource_owners.as_deref();
    v.list_length("resourceOwners", listed, 1, 2);
    let owners = v.choice_list("resourceOwners", listed, &ResourceOwner::ALL, ResourceOwner::as_str);
    v.finish()?;
    let mut page = kms.list_keys(caller, limit, req.marker.as_deref()).await?;
    if !owners.is_empty() && !owners.contains(&ResourceOwner::Caller) {
        page.keys.clear();
        page.next_marker = None;
    }
    Ok(Response {
        keys: page.keys.into_iter().map(|(id, arn)| Entry { key_id: id.to_string(), key_arn: arn }).collect(),
        truncated: page.next_marker.is_some(),
        next_marker: page.next_marker,
    })
}
