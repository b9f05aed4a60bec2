//! `ListKeyPolicies`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyPolicies.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::KEY_ID;
use super::shapes::page;
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
    policy_names: Vec<String>,
    truncated: bool,
}

names!(request(key_id));

names!(none(Response));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    page(&mut v, req.limit, req.marker.as_deref());
    v.finish()?;
    if req.marker.is_some() {
        // The one page was complete: no marker was ever issued.
        return Err(trent_core::kms::KmsError::InvalidMarker.into());
    }
    Ok(Response { policy_names: kms.list_key_policies(caller, &id).await?, truncated: false })
}
