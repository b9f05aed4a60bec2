//! `ScheduleKeyDeletion`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{KeyState, Kms};

use super::shapes::key_id;
use crate::AwsError;
use crate::json::{Epoch, opt_range};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    pending_window_in_days: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    key_id: String,
    deletion_date: Epoch,
    key_state: &'static str,
    pending_window_in_days: u32,
}

names!(request(key_id));

names!(response(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let id = key_id(req.key_id, "keyId")?;
    let days = opt_range("pendingWindowInDays", req.pending_window_in_days, 1, 365)?;
    let out = kms.schedule_key_deletion(caller, &id, days).await?;
    Ok(Response {
        key_id: out.key_arn,
        deletion_date: Epoch(out.deletion_date),
        key_state: KeyState::PendingDeletion.as_str(),
        pending_window_in_days: out.pending_window_days,
    })
}
