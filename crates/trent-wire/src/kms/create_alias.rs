//! `CreateAlias`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::{ALIAS_NAME, KEY_ID};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    alias_name: Option<String>,
    target_key_id: Option<String>,
}

names!(request(target_key_id; alias alias_name));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let name = v.required_text("aliasName", req.alias_name, ALIAS_NAME);
    let target = v.required_text("targetKeyId", req.target_key_id, KEY_ID);
    v.finish()?;
    kms.create_alias(caller, &name, &target).await?;
    Ok(serde_json::json!({}))
}
