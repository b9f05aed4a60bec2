//! Shapes shared by several KMS operations: `KeyMetadata`, `Tag`, `RecipientInfo`, encryption
//! contexts, grant tokens, algorithm and paging members, each checked into the request's
//! [`Violations`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::kms::{
    EncryptionAlgorithm, ExpirationModel, KeyDescription, KeySpec, KeyState, KmsError, MacAlgorithm, MessageType,
    MultiRegionConfiguration, RegionalKey, SigningAlgorithm, Tag, Unsupported,
};
use trent_crypto::{EncryptionContext, Plaintext};

use super::constraints::{
    ATTESTATION_DOCUMENT, DRY_RUN_MODIFIERS, GRANT_TOKEN, GRANT_TOKENS_MAX, KEY_ENCRYPTION_MECHANISMS, LIMIT, MARKER,
    PLAINTEXT, TAG_KEY, TAG_VALUE,
};
use crate::AwsError;
use crate::json::{Epoch, Violations};

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
    /// Imported material's expiry (origin `EXTERNAL`, `KEY_MATERIAL_EXPIRES`).
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_to: Option<Epoch>,
    origin: &'static str,
    /// Origin `EXTERNAL` once material was imported.
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_model: Option<&'static str>,
    key_manager: &'static str,
    customer_master_key_spec: &'static str,
    key_spec: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    encryption_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    signing_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mac_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    key_agreement_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    encapsulation_algorithms: Vec<&'static str>,
    multi_region: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    multi_region_configuration: Option<MultiRegionConfigurationShape>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pending_deletion_window_in_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_key_material_id: Option<String>,
    /// For a key in a custom key store.
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_key_store_id: Option<String>,
    /// For a key in a custom key store of type `AWS_CLOUDHSM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud_hsm_cluster_id: Option<String>,
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
        let imported_now = r.imported.iter().any(|m| m.associated() && m.present);
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
            valid_to: r.import_valid_to().map(Epoch),
            origin: r.origin.as_str(),
            // Shown while the key has imported material, as AWS does (not after it is deleted).
            expiration_model: imported_now.then(|| {
                if r.import_valid_to().is_some() {
                    ExpirationModel::KeyMaterialExpires.as_str()
                } else {
                    ExpirationModel::KeyMaterialDoesNotExpire.as_str()
                }
            }),
            key_manager: r.manager.as_str(),
            customer_master_key_spec: r.spec.as_str(),
            key_spec: r.spec.as_str(),
            encryption_algorithms: names_of(r.encryption_algorithms(), |a| a.as_str()),
            signing_algorithms: names_of(r.signing_algorithms(), |a| a.as_str()),
            mac_algorithms: names_of(r.mac_algorithms(), |a| a.as_str()),
            key_agreement_algorithms: names_of(r.key_agreement_algorithms(), |a| a.as_str()),
            encapsulation_algorithms: names_of(r.encapsulation_algorithms(), |a| a.as_str()),
            multi_region: r.multi_region.is_some(),
            multi_region_configuration: d.multi_region.as_ref().map(MultiRegionConfigurationShape::from),
            pending_deletion_window_in_days: r.pending_window_days,
            // "present for symmetric encryption keys" (KeyMetadata.CurrentKeyMaterialId).
            current_key_material_id: d
                .current_material
                .filter(|_| r.spec == KeySpec::SymmetricDefault)
                .map(|m| m.to_hex()),
            custom_key_store_id: d.custom_key_store.as_ref().map(|s| s.id.clone()),
            cloud_hsm_cluster_id: d.custom_key_store.as_ref().and_then(|s| s.cluster_id.clone()),
        }
    }
}

/// The AWS names of a list of algorithms.
pub(crate) fn names_of<E: Copy>(all: &[E], name: fn(E) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|e| name(*e)).collect()
}

/// The members of `Sign` and `Verify` that say what is signed: `Message` (1..=4096 bytes),
/// `MessageType` and `SigningAlgorithm`, each checked into `v`.
pub(crate) fn signed_message(
    v: &mut Violations,
    message: Option<Plaintext>,
    message_type: Option<&str>,
    algorithm: Option<&str>,
) -> (Option<Plaintext>, Option<MessageType>, Option<SigningAlgorithm>) {
    let message = v.required("message", message);
    v.blob("message", message.as_ref().map(Plaintext::len), PLAINTEXT);
    let message_type = v.choice("messageType", message_type, MessageType::ALL, MessageType::as_str);
    let algorithm = v.required("signingAlgorithm", algorithm);
    let algorithm = v.choice("signingAlgorithm", algorithm, SigningAlgorithm::ALL, SigningAlgorithm::as_str);
    (message, message_type, algorithm)
}

/// The members of `GenerateMac` and `VerifyMac` that say what is MACed: `Message`
/// (1..=4096 bytes) and `MacAlgorithm`, each checked into `v`.
pub(crate) fn mac_message(
    v: &mut Violations,
    message: Option<Plaintext>,
    algorithm: Option<&str>,
) -> (Option<Plaintext>, Option<MacAlgorithm>) {
    let message = v.required("message", message);
    v.blob("message", message.as_ref().map(Plaintext::len), PLAINTEXT);
    let algorithm = v.required("macAlgorithm", algorithm);
    let algorithm = v.choice("macAlgorithm", algorithm, MacAlgorithm::ALL, MacAlgorithm::as_str);
    (message, algorithm)
}

/// `MultiRegionConfiguration`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct MultiRegionConfigurationShape {
    multi_region_key_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_key: Option<MultiRegionKeyShape>,
    replica_keys: Vec<MultiRegionKeyShape>,
}

/// `MultiRegionKey`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct MultiRegionKeyShape {
    arn: String,
    region: String,
}

impl From<&RegionalKey> for MultiRegionKeyShape {
    fn from(k: &RegionalKey) -> Self {
        Self { arn: k.arn.clone(), region: k.region.to_string() }
    }
}

impl From<&MultiRegionConfiguration> for MultiRegionConfigurationShape {
    fn from(c: &MultiRegionConfiguration) -> Self {
        Self {
            multi_region_key_type: c.key_type.as_str(),
            primary_key: c.primary.as_ref().map(MultiRegionKeyShape::from),
            replica_keys: c.replicas.iter().map(MultiRegionKeyShape::from).collect(),
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

impl From<Tag> for TagShape {
    fn from(t: Tag) -> Self {
        Self { tag_key: Some(t.key), tag_value: Some(t.value) }
    }
}

/// Checks a `Tags` list member by member (`tags.1.member.tagKey`, ...) and converts it.
pub(crate) fn tags(v: &mut Violations, list: Option<Vec<TagShape>>) -> Vec<Tag> {
    let list = list.unwrap_or_default();
    let mut tags = Vec::with_capacity(list.len());
    for (i, t) in list.into_iter().enumerate() {
        let at = |member: &str| format!("tags.{}.member.{member}", i + 1);
        let key = v.required_text(&at("tagKey"), t.tag_key, TAG_KEY);
        let value = v.required_text(&at("tagValue"), t.tag_value, TAG_VALUE);
        tags.push(Tag { key, value });
    }
    tags
}

/// The largest encryption context accepted, in bytes of its keys and values together. The
/// model sets no bound; this one is Trent's (documented in `docs/COMPATIBILITY.md`), far above
/// what the AWS Encryption SDK or any AWS service sends.
pub(crate) const MAX_CONTEXT_BYTES: usize = 8192;

/// An `EncryptionContext` map (absent means empty), at most [`MAX_CONTEXT_BYTES`].
pub(crate) fn context(v: &mut Violations, field: &str, map: Option<BTreeMap<String, String>>) -> EncryptionContext {
    let map = map.unwrap_or_default();
    let size: usize = map.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > MAX_CONTEXT_BYTES {
        v.custom(format!(
            "Value at '{field}' failed to satisfy constraint: \
             Member must have a total length of keys and values less than or equal to {MAX_CONTEXT_BYTES} bytes"
        ));
    }
    map
}

/// Checks the shape of `GrantTokens`: at most 10, each 1..=8192 characters, never repeated
/// in a message (Trent keeps grant tokens out of answers and records, as secrets).
pub(crate) fn grant_tokens(v: &mut Violations, tokens: &Option<Vec<String>>) {
    v.text_list("grantTokens", tokens.as_deref(), Some(GRANT_TOKENS_MAX), GRANT_TOKEN, false);
}

/// After the model checks: every grant token must be one this server issued
/// (`InvalidGrantTokenException` otherwise).
pub(crate) fn issued_grant_tokens(tokens: &Option<Vec<String>>) -> Result<(), AwsError> {
    if let Some(tokens) = tokens {
        trent_core::kms::check_grant_tokens(tokens)?;
    }
    Ok(())
}

/// An optional `EncryptionAlgorithm` member.
pub(crate) fn algorithm(v: &mut Violations, field: &str, value: Option<&str>) -> Option<EncryptionAlgorithm> {
    v.choice(field, value, EncryptionAlgorithm::ALL, EncryptionAlgorithm::as_str)
}

/// An optional `Marker` and `Limit`, as every listing operation has them; the limit when given.
pub(crate) fn page(v: &mut Violations, limit: Option<i64>, marker: Option<&str>) -> Option<u32> {
    let limit = v.range("limit", limit, LIMIT);
    v.text("marker", marker, MARKER);
    limit
}

/// `RecipientInfo` (Nitro Enclaves attestation).
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RecipientShape {
    key_encryption_algorithm: Option<String>,
    /// Up to 256 KiB: kept out of the audit record.
    #[serde(default, deserialize_with = "crate::json::de_blob", skip_serializing)]
    attestation_document: Option<Vec<u8>>,
}

/// Checks the members of `Recipient` against the model.
pub(crate) fn recipient(v: &mut Violations, recipient: &Option<RecipientShape>) {
    if let Some(r) = recipient {
        v.choice(
            "recipient.keyEncryptionAlgorithm",
            r.key_encryption_algorithm.as_deref(),
            KEY_ENCRYPTION_MECHANISMS,
            |s| s,
        );
        v.blob("recipient.attestationDocument", r.attestation_document.as_ref().map(Vec::len), ATTESTATION_DOCUMENT);
    }
}

/// Checks `DryRunModifiers`. The answer, for after the model checks: `IGNORE_CIPHERTEXT` on a
/// dry run is refused (`UnsupportedOperationException`), as Trent's dry runs always check the
/// ciphertext; without `DryRun` the modifiers do nothing, as on AWS.
pub(crate) fn dry_run_modifiers(v: &mut Violations, list: Option<&[String]>, dry_run: bool) -> Result<(), AwsError> {
    let modifiers = v.choice_list("dryRunModifiers", list, DRY_RUN_MODIFIERS, |s| s);
    if dry_run && modifiers.contains(&"IGNORE_CIPHERTEXT") {
        return Err(AwsError::from(KmsError::Unsupported(Unsupported::IgnoreCiphertext)));
    }
    Ok(())
}

/// After the model checks: refuses `Recipient`, whose attestation this server cannot verify.
pub(crate) fn no_recipient(recipient: &Option<RecipientShape>) -> Result<(), AwsError> {
    if recipient.is_some() {
        return Err(AwsError::validation("Recipient (Nitro Enclaves attestation) is not supported by this server"));
    }
    Ok(())
}
