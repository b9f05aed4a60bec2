//! Shapes shared by several KMS operations: `KeyMetadata`, `Tag`, encryption contexts,
//! grant tokens, algorithm members.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::kms::{EncryptionAlgorithm, KeyDescription, KeyState, Tag};
use trent_crypto::EncryptionContext;

use crate::AwsError;
use crate::json::{Epoch, enum_value, length, list_max};

/// `KeyMetadata`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct KeyMetadata {
    #[serde(rename = "AWSAccountId")]
    aws_account_id: String,
    key_id: String,
    arn: String,
    creation_date: Epoch,
    enabled: bool,
    description: String,
    key_usage: &'static str,
    key_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    deletion_date: Option<Epoch>,
    origin: &'static str,
    key_manager: &'static str,
    customer_master_key_spec: &'static str,
    key_spec: &'static str,
    encryption_algorithms: Vec<&'static str>,
    multi_region: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pending_deletion_window_in_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_key_material_id: Option<String>,
}

impl KeyMetadata {
    /// The key's ARN.
    pub(crate) fn arn(&self) -> &str {
        &self.arn
    }
}

impl From<&KeyDescription> for KeyMetadata {
    fn from(d: &KeyDescription) -> Self {
        let r = &d.record;
        Self {
            aws_account_id: r.scope.account.to_string(),
            key_id: r.key_id.to_string(),
            arn: r.arn(),
            creation_date: Epoch(r.created_at),
            enabled: r.state == KeyState::Enabled,
            description: r.description.clone(),
            key_usage: r.usage.as_str(),
            key_state: r.state.as_str(),
            deletion_date: r.deletion_date.map(Epoch),
            origin: r.origin.as_str(),
            key_manager: r.manager.as_str(),
            customer_master_key_spec: r.spec.as_str(),
            key_spec: r.spec.as_str(),
            encryption_algorithms: vec![EncryptionAlgorithm::SymmetricDefault.as_str()],
            multi_region: r.multi_region,
            pending_deletion_window_in_days: r.pending_window_days,
            current_key_material_id: d.current_material.map(|m| m.to_hex()),
        }
    }
}

/// `Tag`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TagShape {
    tag_key: Option<String>,
    tag_value: Option<String>,
}

impl TagShape {
    pub(crate) fn into_tag(self) -> Result<Tag, AwsError> {
        let key = crate::json::required(self.tag_key, "tagKey")?;
        let value = crate::json::required(self.tag_value, "tagValue")?;
        length("tagKey", &key, 1, 128)?;
        length("tagValue", &value, 0, 256)?;
        Ok(Tag { key, value })
    }
}

impl From<Tag> for TagShape {
    fn from(t: Tag) -> Self {
        Self { tag_key: Some(t.key), tag_value: Some(t.value) }
    }
}

/// Converts an optional `Tags` list.
pub(crate) fn tags(list: Option<Vec<TagShape>>) -> Result<Vec<Tag>, AwsError> {
    list.unwrap_or_default().into_iter().map(TagShape::into_tag).collect()
}

/// The largest encryption context accepted, in bytes of its keys and values together. The
/// model sets no bound; this one is Trent's (documented in `docs/COMPATIBILITY.md`), far above
/// what the AWS Encryption SDK or any AWS service sends.
pub(crate) const MAX_CONTEXT_BYTES: usize = 8192;

/// An `EncryptionContext` map (absent means empty), at most [`MAX_CONTEXT_BYTES`].
pub(crate) fn context(field: &str, map: Option<BTreeMap<String, String>>) -> Result<EncryptionContext, AwsError> {
    let map = map.unwrap_or_default();
    let size: usize = map.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > MAX_CONTEXT_BYTES {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: \
             Member must have a total length of keys and values less than or equal to {MAX_CONTEXT_BYTES} bytes"
        )));
    }
    Ok(map)
}

/// Checks `GrantTokens`: at most 10, each 1..=8192 characters, each a token this server
/// issued (`InvalidGrantTokenException` otherwise).
pub(crate) fn grant_tokens(tokens: &Option<Vec<String>>) -> Result<(), AwsError> {
    if let Some(tokens) = tokens {
        list_max("grantTokens", tokens, 10)?;
        for t in tokens {
            if t.is_empty() || t.len() > 8192 {
                return Err(AwsError::validation(
                    "1 validation error detected: Value at 'grantTokens' failed to satisfy constraint: \
                     Member must have length between 1 and 8192",
                ));
            }
        }
        trent_core::kms::check_grant_tokens(tokens)?;
    }
    Ok(())
}

/// Parses an optional `EncryptionAlgorithm` member.
pub(crate) fn algorithm(field: &str, value: Option<&str>) -> Result<Option<EncryptionAlgorithm>, AwsError> {
    value
        .map(|v| {
            enum_value(field, v, EncryptionAlgorithm::parse, EncryptionAlgorithm::ALL, EncryptionAlgorithm::as_str)
        })
        .transpose()
}

/// Checks a `KeyId` member: required, 1..=2048 characters.
pub(crate) fn key_id(value: Option<String>, field: &str) -> Result<String, AwsError> {
    let v = crate::json::required(value, field)?;
    length(field, &v, 1, 2048)?;
    Ok(v)
}

/// Checks an optional `KeyId` member.
pub(crate) fn opt_key_id(value: Option<String>, field: &str) -> Result<Option<String>, AwsError> {
    if let Some(v) = &value {
        length(field, v, 1, 2048)?;
    }
    Ok(value)
}

/// Checks an optional `Marker` member: 1..=1024 characters.
pub(crate) fn marker(value: &Option<String>) -> Result<(), AwsError> {
    if let Some(m) = value {
        length("marker", m, 1, 1024)?;
    }
    Ok(())
}

/// Rejects `Recipient` (Nitro Enclaves attestation), which this server cannot verify.
pub(crate) fn no_recipient(recipient: &Option<serde_json::Value>) -> Result<(), AwsError> {
    if recipient.is_some() {
        return Err(AwsError::validation("Recipient (Nitro Enclaves attestation) is not supported by this server"));
    }
    Ok(())
}

/// Checks an optional `PolicyName`: 1..=128 word characters.
pub(crate) fn policy_name(value: &Option<String>) -> Result<(), AwsError> {
    if let Some(n) = value {
        length("policyName", n, 1, 128)?;
        if !n.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '{n}' at 'policyName' failed to satisfy constraint: \
                 Member must satisfy regular expression pattern: [\\w]+"
            )));
        }
    }
    Ok(())
}
