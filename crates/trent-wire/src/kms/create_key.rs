//! `CreateKey`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{CreateKeyInput, KeySpec, KeyUsage, Kms, Origin};

use super::constraints::{CUSTOM_KEY_STORE_ID, CUSTOMER_MASTER_KEY_SPECS, DESCRIPTION, POLICY, XKS_KEY_ID};
use super::shapes::{KeyMetadata, TagShape, tags};
use crate::AwsError;
use crate::json::Violations;

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
    let mut v = Violations::default();
    v.text("policy", req.policy.as_deref(), POLICY);
    v.text("description", req.description.as_deref(), DESCRIPTION);
    let usage = v.choice("keyUsage", req.key_usage.as_deref(), KeyUsage::ALL, KeyUsage::as_str);
    let legacy_spec =
        v.choice("customerMasterKeySpec", req.customer_master_key_spec.as_deref(), CUSTOMER_MASTER_KEY_SPECS, KeySpec::as_str);
    let spec = v.choice("keySpec", req.key_spec.as_deref(), KeySpec::ALL, KeySpec::as_str);
    let origin = v.choice("origin", req.origin.as_deref(), Origin::ALL, Origin::as_str);
    v.text("customKeyStoreId", req.custom_key_store_id.as_deref(), CUSTOM_KEY_STORE_ID);
    let tags = tags(&mut v, req.tags);
    v.text("xksKeyId", req.xks_key_id.as_deref(), XKS_KEY_ID);
    v.finish()?;
    if req.customer_master_key_spec.is_some() && req.key_spec.is_some() {
        return Err(AwsError::validation(
            "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.",
        ));
    }
    let input = CreateKeyInput {
        description: req.description,
        usage,
        spec: spec.or(legacy_spec),
        origin,
        policy: req.policy,
        tags,
        multi_region: req.multi_region.unwrap_or(false),
        custom_key_store_id: req.custom_key_store_id,
        xks_key_id: req.xks_key_id,
        bypass_policy_lockout_safety_check: req.bypass_policy_lockout_safety_check.unwrap_or(false),
    };
    let described = kms.create_key(caller, input).await?;
    Ok(Response { key_metadata: KeyMetadata::from(&described) })
}
