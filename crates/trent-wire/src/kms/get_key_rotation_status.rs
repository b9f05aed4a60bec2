//! `GetKeyRotationStatus`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

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
    key_rotation_enabled: bool,
    key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_period_in_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_rotation_date: Option<Epoch>,
}

names!(request(key_id));

names!(response(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    v.finish()?;
    let s = kms.get_key_rotation_status(caller, &id).await?;
    Ok(Response {
        key_rotation_enabled: s.enabled,
        key_id: s.key_arn,
        rotation_period_in_days: s.period_days,
        next_rotation_date: s.next_rotation.map(Epoch),
    })
}
