//! `DisconnectCustomKeyStore`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_DisconnectCustomKeyStore.html>
//!
//! Closes this node's sessions with the store's token; its keys are unusable until it is
//! connected again.

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::CUSTOM_KEY_STORE_ID;
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    custom_key_store_id: Option<String>,
}

names!(none(Request));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("customKeyStoreId", req.custom_key_store_id, CUSTOM_KEY_STORE_ID);
    v.finish()?;
    kms.disconnect_custom_key_store(caller, &id).await?;
    Ok(serde_json::json!({}))
}
