//! `UpdateCustomKeyStore`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateCustomKeyStore.html>
//!
//! A new name in state `CONNECTED` or `DISCONNECTED`; a new password (the token's user PIN) or
//! another cluster id of the same token only while `DISCONNECTED`. External key store members
//! answer `UnsupportedOperationException`.

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{Kms, UpdateCustomKeyStoreInput};
use trent_crypto::SecretBytes;

use super::constraints::CUSTOM_KEY_STORE_ID;
use super::custom_key_store_shapes::{CUSTOM_KEY_STORE_NAME, XksMembers, cluster_id, de_password, password};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    custom_key_store_id: Option<String>,
    new_custom_key_store_name: Option<String>,
    #[serde(default, deserialize_with = "de_password", skip_serializing)]
    key_store_password: Option<SecretBytes>,
    cloud_hsm_cluster_id: Option<String>,
    #[serde(flatten)]
    xks: XksMembers,
}

names!(none(Request));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("customKeyStoreId", req.custom_key_store_id, CUSTOM_KEY_STORE_ID);
    v.text("newCustomKeyStoreName", req.new_custom_key_store_name.as_deref(), CUSTOM_KEY_STORE_NAME);
    password(&mut v, req.key_store_password.as_ref());
    cluster_id(&mut v, req.cloud_hsm_cluster_id.as_deref());
    v.finish()?;
    req.xks.refuse()?;
    let input = UpdateCustomKeyStoreInput {
        id,
        new_name: req.new_custom_key_store_name,
        password: req.key_store_password,
        cluster_id: req.cloud_hsm_cluster_id,
    };
    kms.update_custom_key_store(caller, input).await?;
    Ok(serde_json::json!({}))
}
