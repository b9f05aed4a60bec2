//! `CreateKey`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{CreateKeyInput, KeySpec, KeyUsage, Kms, Origin};

use super::shapes::{KeyMetadata, TagShape, tags};
use crate::AwsError;
use crate::json::{enum_value, length};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    policy: Option<String>,
    description: Option<String>,
    key_usage: Option<String>,
    customer_master_key_spec: Option<String>,
    key_spec: Option<String>,
    origin: Option<String>,
    custom_key_store_id: Option<String>,
    bypass_policy_lockout_safety_check: Option<bool>,
    tags: Option<Vec<TagShape>>,
    multi_region: Option<bool>,
    xks_key_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    key_metadata: KeyMetadata,
}

names!(none(Request));

impl super::Names for Response {
    fn keys(&self) -> [Option<&str>; 2] {
        [Some(self.key_metadata.arn()), None]
    }
}

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    if let Some(d) = &req.description {
        length("description", d, 0, trent_core::kms::MAX_DESCRIPTION)?;
    }
    if req.customer_master_key_spec.is_some() && req.key_spec.is_some() {
        return Err(AwsError::validation(
            "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.",
        ));
    }
    let spec = req
        .key_spec
        .as_deref()
        .map(|s| enum_value("keySpec", s, KeySpec::parse, KeySpec::ALL, KeySpec::as_str))
        .transpose()?;
    let legacy_spec = req
        .customer_master_key_spec
        .as_deref()
        .map(|s| enum_value("customerMasterKeySpec", s, KeySpec::parse, KeySpec::ALL, KeySpec::as_str))
        .transpose()?;
    let usage = req
        .key_usage
        .as_deref()
        .map(|s| enum_value("keyUsage", s, KeyUsage::parse, KeyUsage::ALL, KeyUsage::as_str))
        .transpose()?;
    let origin =
        req.origin.as_deref().map(|s| enum_value("origin", s, Origin::parse, Origin::ALL, Origin::as_str)).transpose()?;
    let input = CreateKeyInput {
        description: req.description,
        usage,
        spec: spec.or(legacy_spec),
        origin,
        policy: req.policy,
        tags: tags(req.tags)?,
        multi_region: req.multi_region.unwrap_or(false),
        custom_key_store_id: req.custom_key_store_id,
        xks_key_id: req.xks_key_id,
        bypass_policy_lockout_safety_check: req.bypass_policy_lockout_safety_check.unwrap_or(false),
    };
    let described = kms.create_key(caller, input).await?;
    Ok(Response { key_metadata: KeyMetadata::from(&described) })
}
