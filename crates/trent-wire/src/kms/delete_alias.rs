//! `DeleteAlias`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteAlias.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::ALIAS_NAME;
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    alias_name: Option<String>,
}

names!(request(; alias alias_name));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let name = v.required_text("aliasName", req.alias_name, ALIAS_NAME);
    v.finish()?;
    kms.delete_alias(caller, &name).await?;
    Ok(serde_json::json!({}))
}
