//! `ListKeyRotations`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyRotations.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::shapes::{key_id, marker};
use crate::AwsError;
use crate::json::{Epoch, opt_range};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    include_key_material: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    key_id: String,
    key_material_id: String,
    key_material_state: &'static str,
    expiration_model: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_date: Option<Epoch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_type: Option<&'static str>,
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
    let id = key_id(req.key_id, "keyId")?;
    let include_original = match req.include_key_material.as_deref() {
        None | Some("ROTATIONS_ONLY") => false,
        Some("ALL_KEY_MATERIAL") => true,
        Some(other) => {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '{other}' at 'includeKeyMaterial' failed to satisfy constraint: \
                 Member must satisfy enum value set: [ALL_KEY_MATERIAL, ROTATIONS_ONLY]"
            )));
        }
    };
    let limit = opt_range("limit", req.limit, 1, 1000)?;
    marker(&req.marker)?;
    let page = kms.list_key_rotations(caller, &id, include_original, limit, req.marker.as_deref()).await?;
    let key_uuid = page.key_arn.rsplit_once('/').map_or(page.key_arn.clone(), |(_, id)| id.to_owned());
    Ok(Response {
        rotations: page
            .entries
            .into_iter()
            .map(|e| Entry {
                key_id: key_uuid.clone(),
                key_material_id: e.material_id.to_hex(),
                key_material_state: if e.current { "CURRENT" } else { "NON_CURRENT" },
                expiration_model: "KEY_MATERIAL_DOES_NOT_EXPIRE",
                rotation_date: e.rotation_date.map(Epoch),
                rotation_type: e.rotation_type.map(|t| t.as_str()),
            })
            .collect(),
        truncated: page.next_marker.is_some(),
        next_marker: page.next_marker,
    })
}
