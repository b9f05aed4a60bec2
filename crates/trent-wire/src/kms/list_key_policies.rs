//! `ListKeyPolicies`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyPolicies.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::shapes::{key_id, marker};
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
    policy_names: Vec<String>,
    truncated: bool,
}

names!(request(key_id));

names!(none(Response));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let id = key_id(req.key_id, "keyId")?;
    opt_range("limit", req.limit, 1, 1000)?;
    marker(&req.marker)?;
    if req.marker.is_some() {
        // The one page was complete: no marker was ever issued.
        return Err(trent_core::kms::KmsError::InvalidMarker.into());
    }
    Ok(Response { policy_names: kms.list_key_policies(caller, &id).await?, truncated: false })
}
