//! `EnableKeyRotation`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::{KEY_ID, ROTATION_PERIOD_IN_DAYS};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    rotation_period_in_days: Option<i64>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let days = v.range("rotationPeriodInDays", req.rotation_period_in_days, ROTATION_PERIOD_IN_DAYS);
    v.finish()?;
    kms.enable_key_rotation(caller, &id, days).await?;
    Ok(serde_json::json!({}))
}
