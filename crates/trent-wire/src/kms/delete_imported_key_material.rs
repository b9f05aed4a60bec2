//! `DeleteImportedKeyMaterial`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteImportedKeyMaterial.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{ImportInput, Invalid, Kms, KmsError};
use trent_crypto::KeyMaterialId;

use super::constraints::{BACKING_KEY_ID, KEY_ID};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    key_material_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    key_id: String,
    /// Empty for a key that never had material (the model's `BackingKeyIdResponseType`
    /// allows 0..=64 characters).
    key_material_id: String,
}

names!(request(key_id));

names!(response(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    v.text("keyMaterialId", req.key_material_id.as_deref(), BACKING_KEY_ID);
    v.finish()?;
    let key_material_id = match req.key_material_id.as_deref() {
        Some(hex) => Some(
            KeyMaterialId::from_hex(hex)
                .ok_or_else(|| KmsError::Validation(Invalid::Import(ImportInput::MaterialIdSyntax(hex.to_owned()))))?,
        ),
        None => None,
    };
    let out = kms.delete_imported_key_material(caller, &id, key_material_id).await?;
    Ok(Response { key_id: out.key_arn, key_material_id: out.material_id.map(|m| m.to_hex()).unwrap_or_default() })
}
