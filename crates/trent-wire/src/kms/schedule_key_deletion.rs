//! `ScheduleKeyDeletion`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::{KEY_ID, PENDING_WINDOW_IN_DAYS};
use crate::AwsError;
use crate::json::{Epoch, Violations};

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
    /// Absent for a multi-Region primary key that waits for its replicas.
    #[serde(skip_serializing_if = "Option::is_none")]
    deletion_date: Option<Epoch>,
    key_state: &'static str,
    pending_window_in_days: u32,
}

names!(request(key_id));

names!(response(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let days = v.range("pendingWindowInDays", req.pending_window_in_days, PENDING_WINDOW_IN_DAYS);
    v.finish()?;
    let out = kms.schedule_key_deletion(caller, &id, days).await?;
    Ok(Response {
        key_id: out.key_arn,
        deletion_date: out.deletion_date.map(Epoch),
        key_state: out.state.as_str(),
        pending_window_in_days: out.pending_window_days,
    })
}
