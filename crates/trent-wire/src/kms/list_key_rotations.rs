//! `ListKeyRotations`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyRotations.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

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
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let include = v.choice("includeKeyMaterial", req.include_key_material.as_deref(), INCLUDE_KEY_MATERIAL, |s| s);
    let limit = page(&mut v, req.limit, req.marker.as_deref());
    v.finish()?;
    let include_original = include == Some("ALL_KEY_MATERIAL");
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
