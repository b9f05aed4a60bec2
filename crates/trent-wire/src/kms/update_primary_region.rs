//! `UpdatePrimaryRegion`:
//! <https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdatePrimaryRegion.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::{KEY_ID, REGION};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    primary_region: Option<String>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let key_id = v.required_text("keyId", req.key_id, KEY_ID);
    let region = v.required_text("primaryRegion", req.primary_region, REGION);
    v.finish()?;
    kms.update_primary_region(caller, &key_id, &region).await?;
    Ok(serde_json::json!({}))
}
