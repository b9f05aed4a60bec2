//! Shapes and constraints shared by Parameter Store's operations: the model's string shapes,
//! `Parameter`, `ParameterMetadata`, `ParameterHistory`, `Tag` and the two filter shapes.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use trent_core::params::{LegacyFilter, ParamTag, ParameterPolicy, ParameterRead, ParameterVersion, StringFilter};
use trent_crypto::Plaintext;

use crate::json::{ECHO_CHARS, Epoch, Pattern, Text, Violations, echo};

/// `PSParameterName`.
pub(super) const NAME: Text = Text::new(1, 2048);
/// `ParameterLabel`.
pub(super) const LABEL: Text = Text::new(1, 100);
/// `ParameterNameList` and `ParameterLabelList`: 1..=10 items.
pub(super) const MAX_NAMES: usize = 10;
/// `TagKey`.
pub(super) const TAG_KEY: Text = Text::new(1, 128).with(&TAG_PATTERN);
/// `TagValue`.
pub(super) const TAG_VALUE: Text = Text::new(0, 256).with(&TAG_PATTERN);
/// `TagList`: at most 1,000 items.
pub(super) const MAX_TAG_ITEMS: usize = 1000;
/// Trent's bound on `ResourceId` (the model has none): the longest parameter ARN.
pub(super) const RESOURCE_ID: Text = Text::new(1, 2048);
/// Trent's bound on `NextToken` (the model has none); Trent's tokens are far shorter.
pub(super) const NEXT_TOKEN: Text = Text::new(1, 4096);
/// Trent's bound on a filter list (the model has none).
pub(super) const MAX_FILTERS: usize = 50;
/// `ParameterStringFilterKey`.
const FILTER_KEY: Text = Text::new(1, 132);
/// `ParameterStringQueryOption`.
const FILTER_OPTION: Text = Text::new(1, 10);
/// `ParameterStringFilterValue` and `ParametersFilterValue`.
const FILTER_VALUE: Text = Text::new(1, 1024);
/// `ParameterStringFilterValueList` and `ParametersFilterValueList`: 1..=50 items.
const MAX_FILTER_VALUES: usize = 50;

/// `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`.
static TAG_PATTERN: Pattern = Pattern {
    source: "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$",
    allows: |c| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c),
    empty_matches: true,
};

/// A parameter value as the request carries it: straight into a zeroizing buffer.
pub(super) fn de_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Plaintext>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(|s| Plaintext::new(s.into_bytes())))
}

/// A value as an answer carries it.
pub(super) struct ValueText(pub(super) Plaintext);

impl Serialize for ValueText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&String::from_utf8_lossy(self.0.expose_secret()))
    }
}

/// `Parameter`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ParameterShape {
    name: String,
    #[serde(rename = "Type")]
    kind: &'static str,
    value: ValueText,
    version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    selector: Option<String>,
    /// The `GetSecretValue` answer of a Secrets Manager reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    source_result: Option<ValueText>,
    last_modified_date: Epoch,
    #[serde(rename = "ARN")]
    arn: String,
    data_type: &'static str,
}

impl From<ParameterRead> for ParameterShape {
    fn from(r: ParameterRead) -> Self {
        let v = r.version;
        ParameterShape {
            name: v.name,
            kind: v.kind.as_str(),
            value: ValueText(r.value),
            version: v.version,
            selector: r.selector,
            source_result: r.source.map(|out| ValueText(crate::secretsmanager::answer_json(out))),
            last_modified_date: Epoch(v.modified_at),
            arn: r.arn,
            data_type: v.data_type.as_str(),
        }
    }
}

/// `ParameterInlinePolicy`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct PolicyShape {
    policy_text: String,
    policy_type: &'static str,
    policy_status: &'static str,
}

fn policy_shapes(policies: Vec<ParameterPolicy>) -> Vec<PolicyShape> {
    policies
        .into_iter()
        .map(|p| PolicyShape { policy_text: p.text, policy_type: p.kind.as_str(), policy_status: p.status.as_str() })
        .collect()
}

/// `ParameterMetadata`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct MetadataShape {
    name: String,
    #[serde(rename = "ARN")]
    arn: String,
    #[serde(rename = "Type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<String>,
    last_modified_date: Epoch,
    last_modified_user: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_pattern: Option<String>,
    version: u64,
    tier: &'static str,
    policies: Vec<PolicyShape>,
    data_type: &'static str,
}

impl MetadataShape {
    pub(super) fn new(v: ParameterVersion, arn: String) -> Self {
        MetadataShape {
            name: v.name,
            arn,
            kind: v.kind.as_str(),
            key_id: v.key_id,
            last_modified_date: Epoch(v.modified_at),
            last_modified_user: v.modified_by,
            description: v.description,
            allowed_pattern: v.allowed_pattern,
            version: v.version,
            tier: v.tier.as_str(),
            policies: policy_shapes(v.policies),
            data_type: v.data_type.as_str(),
        }
    }
}

/// `ParameterHistory`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct HistoryShape {
    name: String,
    #[serde(rename = "Type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<String>,
    last_modified_date: Epoch,
    last_modified_user: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    value: ValueText,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_pattern: Option<String>,
    version: u64,
    labels: Vec<String>,
    tier: &'static str,
    policies: Vec<PolicyShape>,
    data_type: &'static str,
}

impl From<ParameterRead> for HistoryShape {
    fn from(r: ParameterRead) -> Self {
        let v = r.version;
        HistoryShape {
            name: v.name,
            kind: v.kind.as_str(),
            key_id: v.key_id,
            last_modified_date: Epoch(v.modified_at),
            last_modified_user: v.modified_by,
            description: v.description,
            value: ValueText(r.value),
            allowed_pattern: v.allowed_pattern,
            version: v.version,
            labels: v.labels,
            tier: v.tier.as_str(),
            policies: policy_shapes(v.policies),
            data_type: v.data_type.as_str(),
        }
    }
}

/// `Tag`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TagShape {
    key: Option<String>,
    value: Option<String>,
}

impl From<ParamTag> for TagShape {
    fn from(t: ParamTag) -> Self {
        TagShape { key: Some(t.key), value: Some(t.value) }
    }
}

/// A list member `field` of `items` where at most `max` may be, its value repeated as AWS
/// repeats a list of structures (each item as its JSON, as far as the echo shows).
fn at_most<T: Serialize>(v: &mut Violations, field: &str, items: &[T], max: usize) {
    if items.len() <= max {
        return;
    }
    let mut shown = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if shown.chars().count() > ECHO_CHARS {
            break;
        }
        if i > 0 {
            shown.push_str(", ");
        }
        shown.push_str(&serde_json::to_string(item).unwrap_or_default());
    }
    if shown.chars().count() <= ECHO_CHARS {
        shown.push(']');
    }
    v.custom(format!(
        "Value '{}' at '{field}' failed to satisfy constraint: Member must have length less than or equal to {max}",
        echo(&shown)
    ));
}

/// Checks a `TagList` member `field` into domain tags.
pub(super) fn tags(v: &mut Violations, field: &str, tags: Option<Vec<TagShape>>) -> Vec<ParamTag> {
    let Some(tags) = tags else { return Vec::new() };
    at_most(v, field, &tags, MAX_TAG_ITEMS);
    tags.into_iter()
        .enumerate()
        .map(|(i, t)| {
            let n = i + 1;
            let key = v.required_text(&format!("{field}.{n}.member.key"), t.key, TAG_KEY);
            let value = v.required_text(&format!("{field}.{n}.member.value"), t.value, TAG_VALUE);
            ParamTag { key, value }
        })
        .collect()
}

/// `ParameterStringFilter`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct StringFilterShape {
    key: Option<String>,
    option: Option<String>,
    values: Option<Vec<String>>,
}

/// Checks a `ParameterStringFilterList` member.
pub(super) fn string_filters(
    v: &mut Violations,
    field: &str,
    filters: Option<Vec<StringFilterShape>>,
) -> Vec<StringFilter> {
    let filters = filters.unwrap_or_default();
    at_most(v, field, &filters, MAX_FILTERS);
    filters
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let n = i + 1;
            let key = v.required_text(&format!("{field}.{n}.member.key"), f.key, FILTER_KEY);
            v.text(&format!("{field}.{n}.member.option"), f.option.as_deref(), FILTER_OPTION);
            let values_field = format!("{field}.{n}.member.values");
            v.text_list(&values_field, f.values.as_deref(), Some(MAX_FILTER_VALUES), FILTER_VALUE, true);
            if f.values.as_ref().is_some_and(Vec::is_empty) {
                v.custom(format!(
                    "Value '[]' at '{values_field}' failed to satisfy constraint: Member must have length greater \
                     than or equal to 1"
                ));
            }
            StringFilter { key, option: f.option, values: f.values.unwrap_or_default() }
        })
        .collect()
}

/// `ParametersFilter`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct LegacyFilterShape {
    key: Option<String>,
    values: Option<Vec<String>>,
}

/// The keys of `ParametersFilter`.
const LEGACY_KEYS: &[&str] = &["Name", "Type", "KeyId"];

/// Checks a `ParametersFilterList` member.
pub(super) fn legacy_filters(
    v: &mut Violations,
    field: &str,
    filters: Option<Vec<LegacyFilterShape>>,
) -> Vec<LegacyFilter> {
    let filters = filters.unwrap_or_default();
    at_most(v, field, &filters, MAX_FILTERS);
    filters
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let n = i + 1;
            let key_field = format!("{field}.{n}.member.key");
            let key = v.required(&key_field, f.key).unwrap_or_default();
            if !key.is_empty() {
                v.choice(&key_field, Some(&key), LEGACY_KEYS, |k| k);
            }
            let values_field = format!("{field}.{n}.member.values");
            let values = v.required(&values_field, f.values).unwrap_or_default();
            v.text_list(&values_field, Some(&values), Some(MAX_FILTER_VALUES), FILTER_VALUE, true);
            LegacyFilter { key, values }
        })
        .collect()
}

/// `ResourceTypeForTagging`.
const RESOURCE_TYPES: &[&str] = &[
    "Document",
    "ManagedInstance",
    "MaintenanceWindow",
    "Parameter",
    "PatchBaseline",
    "OpsItem",
    "OpsMetadata",
    "Automation",
    "Association",
];

/// Checks the `ResourceType` and `ResourceId` of a tagging request.
pub(super) fn resource(
    v: &mut Violations,
    resource_type: Option<String>,
    resource_id: Option<String>,
) -> (String, String) {
    let kind = v.required("resourceType", resource_type).unwrap_or_default();
    if !kind.is_empty() {
        v.choice("resourceType", Some(&kind), RESOURCE_TYPES, |k| k);
    }
    let id = v.required_text("resourceId", resource_id, RESOURCE_ID);
    (kind, id)
}

/// `ServiceSettingId`.
pub(super) const SETTING_ID: Text = Text::new(1, 1000);

/// `ServiceSetting`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct SettingShape {
    setting_id: String,
    setting_value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_modified_date: Option<Epoch>,
    last_modified_user: String,
    #[serde(rename = "ARN")]
    arn: String,
    status: &'static str,
}

impl From<trent_core::params::ServiceSetting> for SettingShape {
    fn from(s: trent_core::params::ServiceSetting) -> Self {
        SettingShape {
            setting_id: s.id,
            setting_value: s.value,
            last_modified_date: s.modified_at.map(Epoch),
            last_modified_user: s.modified_by,
            arn: s.arn,
            status: s.status,
        }
    }
}
