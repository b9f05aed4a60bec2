//! `ListKeyRotations`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyRotations.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{ExpirationModel, Kms, RotationEntry};

use super::constraints::{INCLUDE_KEY_MATERIAL, KEY_ID};
use super::shapes::page;
use crate::AwsError;
use crate::json::{Epoch, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    include_key_material: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
}

/// `RotationsListEntry`; the import fields only for symmetric keys of origin `EXTERNAL`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    key_id: String,
    key_material_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_material_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    import_state: Option<&'static str>,
    key_material_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_model: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_to: Option<Epoch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_date: Option<Epoch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_type: Option<&'static str>,
}

impl Entry {
    fn new(key_id: &str, e: RotationEntry) -> Self {
        let import = e.import;
        Self {
            key_id: key_id.to_owned(),
            key_material_id: e.material_id.to_hex(),
            key_material_description: import.as_ref().and_then(|i| i.description.clone()),
            import_state: import.as_ref().map(|i| if i.present { "IMPORTED" } else { "PENDING_IMPORT" }),
            key_material_state: e.state.as_str(),
            expiration_model: import.as_ref().map(|i| match i.valid_to {
                Some(_) => ExpirationModel::KeyMaterialExpires.as_str(),
                None => ExpirationModel::KeyMaterialDoesNotExpire.as_str(),
            }),
            valid_to: import.and_then(|i| i.valid_to).map(Epoch),
            rotation_date: e.rotation_date.map(Epoch),
            rotation_type: e.rotation_type.map(|t| t.as_str()),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    rotations: Vec<Entry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
    truncated: bool,
}

names!(request(key_id));

names!(none(Response));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let include = v.choice("includeKeyMaterial", req.include_key_material.as_deref(), INCLUDE_KEY_MATERIAL, |s| s);
    let limit = page(&mut v, req.limit, req.marker.as_deref());
    v.finish()?;
    let include_original = include == Some("ALL_KEY_MATERIAL");
    let page = kms.list_key_rotations(caller, &id, include_original, limit, req.marker.as_deref()).await?;
    let key_uuid = page.key_arn.rsplit_once('/').map_or(page.key_arn.clone(), |(_, id)| id.to_owned());
    Ok(Response {
        rotations: page.entries.into_iter().map(|e| Entry::new(&key_uuid, e)).collect(),
        truncated: page.next_marker.is_some(),
        next_marker: page.next_marker,
    })
}
