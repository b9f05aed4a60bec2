//! `GetKeyLastUsage`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyLastUsage.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{KeyUse, Kms};

use super::constraints::KEY_ID;
use crate::AwsError;
use crate::json::{Epoch, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    key_id: String,
    /// An empty object when the key has not been used since tracking began, as AWS answers.
    key_last_usage: LastUsage,
    tracking_start_date: Epoch,
    key_creation_date: Epoch,
}

/// `KeyLastUsageData`.
#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
struct LastUsage {
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<Epoch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud_trail_event_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kms_request_id: Option<String>,
}

impl From<KeyUse> for LastUsage {
    fn from(u: KeyUse) -> Self {
        Self {
            operation: Some(u.operation.name()),
            timestamp: Some(Epoch(u.at)),
            cloud_trail_event_id: Some(u.event_id),
            kms_request_id: Some(u.request_id),
        }
    }
}

names!(request(key_id));

names!(response(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    v.finish()?;
    let u = kms.get_key_last_usage(caller, &id).await?;
    Ok(Response {
        key_id: u.key_id.to_string(),
        key_last_usage: u.last.map(LastUsage::from).unwrap_or_default(),
        tracking_start_date: Epoch(u.tracking_start),
        key_creation_date: Epoch(u.created),
    })
}
