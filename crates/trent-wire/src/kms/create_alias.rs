//! `CreateAlias`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::shapes::key_id;
use crate::AwsError;
use crate::json::required;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    alias_name: Option<String>,
    target_key_id: Option<String>,
}

names!(request(target_key_id; alias alias_name));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let name = required(req.alias_name, "aliasName")?;
    let target = key_id(req.target_key_id, "targetKeyId")?;
    kms.create_alias(caller, &name, &target).await?;
    Ok(serde_json::json!({}))
}
