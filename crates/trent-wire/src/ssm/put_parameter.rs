//! `PutParameter`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::params::{ParameterType, PutInput, Tier};
use trent_crypto::Plaintext;

use super::Services;
use super::shapes::{NAME, TagShape, de_value, tags};
use crate::AwsError;
use crate::json::{Pattern, Text, Violations};

/// `ParameterDescription`.
const DESCRIPTION: Text = Text::new(0, 1024);
/// `ParameterKeyId`: `^([a-zA-Z0-9:/_-]+)$`.
const KEY_ID: Text = Text::new(1, 256).with(&KEY_ID_PATTERN);
static KEY_ID_PATTERN: Pattern = Pattern {
    source: "^([a-zA-Z0-9:/_-]+)$",
    allows: |c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '_' | '-'),
    empty_matches: false,
};
/// `AllowedPattern`.
const ALLOWED_PATTERN: Text = Text::new(0, 1024);
/// `ParameterPolicies`.
const POLICIES: Text = Text::new(1, 4096);
/// `ParameterDataType`.
const DATA_TYPE: Text = Text::new(0, 128);

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    name: Option<String>,
    description: Option<String>,
    #[serde(default, deserialize_with = "de_value")]
    #[serde(skip_serializing)]
    value: Option<Plaintext>,
    #[serde(rename = "Type")]
    kind: Option<String>,
    key_id: Option<String>,
    overwrite: Option<bool>,
    allowed_pattern: Option<String>,
    tags: Option<Vec<TagShape>>,
    tier: Option<String>,
    policies: Option<String>,
    data_type: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    version: u64,
    tier: &'static str,
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let name = v.required_text("name", req.name, NAME);
    v.text("description", req.description.as_deref(), DESCRIPTION);
    let value = v.required("value", req.value);
    let kind = v.choice("type", req.kind.as_deref(), ParameterType::ALL, ParameterType::as_str);
    v.text("keyId", req.key_id.as_deref(), KEY_ID);
    v.text("allowedPattern", req.allowed_pattern.as_deref(), ALLOWED_PATTERN);
    let tags = tags(&mut v, "tags", req.tags);
    let tier = v.choice("tier", req.tier.as_deref(), Tier::ALL, Tier::as_str);
    v.text("policies", req.policies.as_deref(), POLICIES);
    v.text("dataType", req.data_type.as_deref(), DATA_TYPE);
    v.finish()?;
    let input = PutInput {
        name,
        description: req.description,
        value: value.unwrap_or_else(|| Plaintext::new(Vec::new())),
        kind,
        key_id: req.key_id,
        overwrite: req.overwrite.unwrap_or(false),
        allowed_pattern: req.allowed_pattern,
        tags,
        tier,
        policies: req.policies,
        data_type: req.data_type,
    };
    let out = s.params.put_parameter(s.kms, caller, input).await?;
    Ok(Response { version: out.version, tier: out.tier.as_str() })
}
