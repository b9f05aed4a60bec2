//! `ImportKeyMaterial`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ImportKeyMaterial.html>

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use trent_core::Caller;
use trent_core::kms::{
    ExpirationModel, ImportInput, ImportKeyMaterialInput, ImportType, Invalid, Kms, KmsError, Mismatch,
};
use trent_crypto::KeyMaterialId;

use super::constraints::{BACKING_KEY_ID, CIPHERTEXT, KEY_ID, KEY_MATERIAL_DESCRIPTION};
use crate::AwsError;
use crate::json::{Violations, de_blob};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    #[serde(default, deserialize_with = "de_blob")]
    #[serde(skip_serializing)]
    import_token: Option<Vec<u8>>,
    #[serde(default, deserialize_with = "de_blob")]
    #[serde(skip_serializing)]
    encrypted_key_material: Option<Vec<u8>>,
    valid_to: Option<f64>,
    expiration_model: Option<String>,
    import_type: Option<String>,
    key_material_description: Option<String>,
    key_material_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    key_id: String,
    /// Only for symmetric keys, as AWS answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    key_material_id: Option<String>,
}

names!(request(key_id));

names!(response(key_id));

/// An awsJson timestamp (epoch seconds, possibly fractional); one outside the representable
/// range can never be a valid `ValidTo`.
fn timestamp(secs: f64) -> Result<OffsetDateTime, KmsError> {
    OffsetDateTime::from_unix_timestamp_nanos((secs * 1e9) as i128)
        .map_err(|_| KmsError::Validation(Invalid::Import(ImportInput::ValidToNotATime)))
}

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let token = v.required("importToken", req.import_token);
    v.blob("importToken", token.as_ref().map(Vec::len), CIPHERTEXT);
    let material = v.required("encryptedKeyMaterial", req.encrypted_key_material);
    v.blob("encryptedKeyMaterial", material.as_ref().map(Vec::len), CIPHERTEXT);
    let model =
        v.choice("expirationModel", req.expiration_model.as_deref(), ExpirationModel::ALL, ExpirationModel::as_str);
    let import_type = v.choice("importType", req.import_type.as_deref(), ImportType::ALL, ImportType::as_str);
    v.text("keyMaterialDescription", req.key_material_description.as_deref(), KEY_MATERIAL_DESCRIPTION);
    v.text("keyMaterialId", req.key_material_id.as_deref(), BACKING_KEY_ID);
    v.finish()?;
    let key_material_id = match req.key_material_id.as_deref() {
        Some(hex) => Some(KeyMaterialId::from_hex(hex).ok_or_else(|| {
            KmsError::IncorrectKeyMaterial(Mismatch::UnknownId)
        })?),
        None => None,
    };
    let input = ImportKeyMaterialInput {
        key_id: id,
        import_token: token.unwrap_or_default(),
        encrypted_key_material: material.unwrap_or_default(),
        valid_to: req.valid_to.map(timestamp).transpose()?,
        expiration_model: model,
        import_type,
        key_material_id,
        description: req.key_material_description,
    };
    let out = kms.import_key_material(caller, input).await?;
    Ok(Response { key_id: out.key_arn, key_material_id: out.material_id.map(|m| m.to_hex()) })
}
