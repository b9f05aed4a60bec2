//! `EnableKeyRotation`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{Kms, ROTATION_PERIOD_DAYS};

use super::shapes::key_id;
use crate::AwsError;
use crate::json::opt_range;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    rotation_period_in_days: Option<i64>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let id = key_id(req.key_id, "keyId")?;
    let days = opt_range(
        "rotationPeriodInDays",
        req.rotation_period_in_days,
        (*ROTATION_PERIOD_DAYS.start()).into(),
        (*ROTATION_PERIOD_DAYS.end()).into(),
    )?;
    kms.enable_key_rotation(caller, &id, days).await?;
    Ok(serde_json::json!({}))
}
