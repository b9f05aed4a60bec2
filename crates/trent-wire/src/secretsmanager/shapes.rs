//! Shapes shared by several Secrets Manager operations: the model's string bounds, secret
//! values (decoded straight into zeroizing secret types), `Tag`, `Filter`, and the secret
//! metadata `DescribeSecret` and `ListSecrets` answer with.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de::{Deserialize, Deserializer, Error as _};
use serde::{Serialize, Serializer};
use trent_core::kms::Tag;
use trent_core::secrets::{
    Filter, FilterKey, ReplicaFailure, ReplicaRecord, ReplicaRegion, RotationRulesRecord, SecretDescription,
    SecretValue, ValueKind,
};
use zeroize::Zeroizing;

use crate::json::{Bounds, Epoch, Pattern, Text, Violations};

/// `SecretIdType`.
pub(crate) const SECRET_ID: Text = Text::new(1, 2048);
/// `SecretARNType`.
pub(crate) const SECRET_ARN: Text = Text::new(20, 2048);
/// `NameType`.
pub(crate) const NAME: Text = Text::new(1, 512);
/// `ClientRequestTokenType`, `SecretVersionIdType`.
pub(crate) const VERSION_ID: Text = Text::new(32, 64);
/// `DescriptionType`.
pub(crate) const DESCRIPTION: Text = Text::new(0, 2048);
/// `KmsKeyIdType`.
pub(crate) const KMS_KEY_ID: Text = Text::new(0, 2048);
/// `SecretVersionStageType`.
pub(crate) const VERSION_STAGE: Text = Text::new(1, 256);
/// Most labels of a `SecretVersionStagesType` list.
pub(crate) const VERSION_STAGES_MAX: usize = 20;
/// `NextTokenType`.
pub(crate) const NEXT_TOKEN: Text = Text::new(1, 4096);
/// `NonEmptyResourcePolicyType`.
pub(crate) const RESOURCE_POLICY: Text = Text::new(1, 20480);
static POLICY_NAME_PATTERN: Pattern = Pattern {
    source: "[0-9A-Za-z\\-\\_]+",
    allows: |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
    empty_matches: false,
};
/// `ResourcePolicyNameType`.
pub(crate) const POLICY_NAME: Text = Text::new(1, 64).with(&POLICY_NAME_PATTERN);
/// `RegionType` (its pattern is checked by the domain, which answers `InvalidParameterException`).
pub(crate) const REGION: Text = Text::new(1, 128);
/// Most regions of one replication request (Trent's bound; the model sets none).
pub(crate) const REPLICA_REGIONS_MAX: usize = 50;
/// `TagKeyType`.
pub(crate) const TAG_KEY: Text = Text::new(1, 128);
/// `TagValueType`.
pub(crate) const TAG_VALUE: Text = Text::new(0, 256);
/// `SecretStringType` (sensitive: never repeated).
const SECRET_STRING: Text = Text::new(1, 65536);
/// `SecretBinaryType`.
const SECRET_BINARY: Bounds = Bounds { min: 1, max: 65536 };
/// `MaxResultsType`.
pub(crate) const MAX_RESULTS: Bounds = Bounds { min: 1, max: 100 };
/// Most `Filters`, and most values of one filter.
const FILTERS_MAX: usize = 10;

static FILTER_VALUE_PATTERN: Pattern = Pattern {
    source: "^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$",
    allows: |c| c.is_ascii_alphanumeric() || " :_@/+=.-!".contains(c),
    empty_matches: true,
};
/// `FilterValueStringType`.
const FILTER_VALUE: Text = Text::new(0, 512).with(&FILTER_VALUE_PATTERN);

/// Decodes `SecretString` straight into a zeroizing [`SecretValue`].
pub(crate) fn de_secret_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretValue>, D::Error> {
    let s: Option<Zeroizing<String>> = Option::<String>::deserialize(d)?.map(Zeroizing::new);
    Ok(s.map(|s| SecretValue::string(&s)))
}

/// Decodes the base64 `SecretBinary` straight into a zeroizing [`SecretValue`].
pub(crate) fn de_secret_binary<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretValue>, D::Error> {
    let s: Option<Zeroizing<String>> = Option::<String>::deserialize(d)?.map(Zeroizing::new);
    s.map(|s| {
        STANDARD
            .decode(s.as_bytes())
            .map(|b| SecretValue::binary(&Zeroizing::new(b)))
            .map_err(|_| D::Error::custom("blob is not valid base64"))
    })
    .transpose()
}

/// Checks `SecretString` and `SecretBinary` against the model (never repeating them).
pub(crate) fn check_values(v: &mut Violations, string: Option<&SecretValue>, binary: Option<&SecretValue>) {
    if let Some(s) = string {
        v.secret_text("secretString", s.expose_string(), SECRET_STRING);
    }
    v.blob("secretBinary", binary.map(|b| b.bytes.len()), SECRET_BINARY);
}

/// The value to store: `None` when neither member is given.
///
/// # Errors
/// `InvalidParameterException` when both are.
pub(crate) fn one_value(
    string: Option<SecretValue>,
    binary: Option<SecretValue>,
) -> Result<Option<SecretValue>, crate::AwsError> {
    match (string, binary) {
        (Some(_), Some(_)) => {
            Err(trent_core::secrets::SecretsError::InvalidParameter(trent_core::secrets::BadParameter::BothValues)
                .into())
        }
        (s, b) => Ok(s.or(b)),
    }
}

/// A secret value as its member serialises it, through a zeroizing buffer for binaries.
pub(crate) struct ValueOut<'a>(pub(crate) &'a SecretValue);

impl Serialize for ValueOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.kind {
            ValueKind::String => s.serialize_str(self.0.expose_string().unwrap_or_default()),
            ValueKind::Binary => s.serialize_str(&Zeroizing::new(STANDARD.encode(self.0.bytes.expose_secret()))),
        }
    }
}

/// `Tag`.
#[derive(serde::Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TagShape {
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
}

impl From<&Tag> for TagShape {
    fn from(t: &Tag) -> Self {
        Self { key: Some(t.key.clone()), value: Some(t.value.clone()) }
    }
}

/// Checks a `Tags` list member by member and converts it.
pub(crate) fn tags(v: &mut Violations, list: Option<Vec<TagShape>>) -> Vec<Tag> {
    let list = list.unwrap_or_default();
    let mut out = Vec::with_capacity(list.len());
    for (i, t) in list.into_iter().enumerate() {
        let at = |member: &str| format!("tags.{}.member.{member}", i + 1);
        let key = v.required_text(&at("key"), t.key, TAG_KEY);
        let value = v.required_text(&at("value"), t.value, TAG_VALUE);
        out.push(Tag { key, value });
    }
    out
}

/// `ReplicaRegionType`.
#[derive(serde::Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ReplicaRegionShape {
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kms_key_id: Option<String>,
}

/// Checks an `AddReplicaRegions` list member by member and converts it.
pub(crate) fn replica_regions(v: &mut Violations, list: Option<Vec<ReplicaRegionShape>>) -> Vec<ReplicaRegion> {
    let list = list.unwrap_or_default();
    if list.len() > REPLICA_REGIONS_MAX {
        v.custom(format!(
            "Value at 'addReplicaRegions' failed to satisfy constraint: Member must have length less than or equal \
             to {REPLICA_REGIONS_MAX}"
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, r) in list.into_iter().enumerate() {
        let at = |member: &str| format!("addReplicaRegions.{}.member.{member}", i + 1);
        let region = v.required_text(&at("region"), r.region, REGION);
        v.text(&at("kmsKeyId"), r.kms_key_id.as_deref(), KMS_KEY_ID);
        out.push(ReplicaRegion { region, kms_key_id: r.kms_key_id });
    }
    out
}

/// `ReplicationStatusType`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ReplicationStatusShape {
    region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    kms_key_id: Option<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_message: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_accessed_date: Option<Epoch>,
}

impl From<&ReplicaRecord> for ReplicationStatusShape {
    fn from(r: &ReplicaRecord) -> Self {
        Self {
            region: r.region.to_string(),
            kms_key_id: r.kms_key_id.clone(),
            status: r.status.as_str(),
            status_message: r.failure.map(|f| match f {
                // AWS's wording, as the API reference's ReplicationStatusType quotes it.
                ReplicaFailure::NameTaken => "Secret with this name already exists in this region",
                // AWS publishes no wording for this one (see COMPATIBILITY.md): Trent's own.
                ReplicaFailure::KmsKey => {
                    "Secrets Manager can't encrypt the replica with the KMS key of its Region: the key is disabled, \
                     missing or not permitted. Replication is tried again on the next change of the primary secret \
                     and in the background, after a wait that grows from a minute to an hour."
                }
            }),
            last_accessed_date: None,
        }
    }
}

/// The `ReplicationStatus` list of a primary.
pub(crate) fn replication_status(replicas: &[ReplicaRecord]) -> Vec<ReplicationStatusShape> {
    replicas.iter().map(ReplicationStatusShape::from).collect()
}

/// The `ReplicationStatus` list of a described primary, with each replica's
/// `LastAccessedDate`.
pub(crate) fn described_replication_status(d: &SecretDescription) -> Vec<ReplicationStatusShape> {
    let with_date = |r: &ReplicaRecord| ReplicationStatusShape {
        last_accessed_date: d.replicas_accessed.get(&r.region).copied().map(Epoch),
        ..ReplicationStatusShape::from(r)
    };
    d.secret.replicas.iter().map(with_date).collect()
}

/// `Filter`.
#[derive(Clone, serde::Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct FilterShape {
    key: Option<String>,
    values: Option<Vec<String>>,
}

const FILTER_KEYS: &[&str] =
    &["description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"];

/// Checks a `Filters` list and converts it.
pub(crate) fn filters(v: &mut Violations, list: Option<Vec<FilterShape>>) -> Vec<Filter> {
    let list = list.unwrap_or_default();
    if list.len() > FILTERS_MAX {
        v.custom(format!(
            "Value at 'filters' failed to satisfy constraint: Member must have length less than or equal to {FILTERS_MAX}"
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, f) in list.into_iter().enumerate() {
        let key = v.choice(&format!("filters.{}.member.key", i + 1), f.key.as_deref(), FILTER_KEYS, |k| k);
        let field = format!("filters.{}.member.values", i + 1);
        v.text_list(&field, f.values.as_deref(), Some(FILTERS_MAX), FILTER_VALUE, true);
        if let (Some(key), Some(values)) = (key.and_then(FilterKey::parse), f.values) {
            out.push(Filter { key, values });
        }
    }
    out
}

static SCHEDULE_PATTERN: Pattern = Pattern {
    source: "[0-9A-Za-z\\(\\)#\\?\\*\\-\\/, ]+",
    allows: |c| c.is_ascii_alphanumeric() || "()#?*-/, ".contains(c),
    empty_matches: false,
};
/// `ScheduleExpressionType`.
const SCHEDULE_EXPRESSION: Text = Text::new(1, 256).with(&SCHEDULE_PATTERN);
/// `DurationType` (its pattern `[0-9]+h` is checked by the domain's rules).
const DURATION: Text = Text::new(2, 3);
/// `AutomaticallyRotateAfterDaysType`.
const AFTER_DAYS: Bounds = Bounds { min: 1, max: 1000 };

/// `RotationRulesType`.
#[derive(Clone, serde::Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RotationRulesShape {
    #[serde(skip_serializing_if = "Option::is_none")]
    automatically_after_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule_expression: Option<String>,
}

impl RotationRulesShape {
    /// Checks the members against the model and converts them.
    pub(crate) fn check(self, v: &mut Violations) -> RotationRulesRecord {
        v.range("rotationRules.automaticallyAfterDays", self.automatically_after_days, AFTER_DAYS);
        v.text("rotationRules.duration", self.duration.as_deref(), DURATION);
        v.text("rotationRules.scheduleExpression", self.schedule_expression.as_deref(), SCHEDULE_EXPRESSION);
        RotationRulesRecord {
            automatically_after_days: self.automatically_after_days,
            schedule_expression: self.schedule_expression,
            duration: self.duration,
        }
    }
}

impl From<&RotationRulesRecord> for RotationRulesShape {
    fn from(r: &RotationRulesRecord) -> Self {
        RotationRulesShape {
            automatically_after_days: r.automatically_after_days,
            duration: r.duration.clone(),
            schedule_expression: r.schedule_expression.clone(),
        }
    }
}

/// What `DescribeSecret` and each `ListSecrets` entry share.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SecretMetadata {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kms_key_id: Option<String>,
    rotation_enabled: bool,
    #[serde(rename = "RotationLambdaARN", skip_serializing_if = "Option::is_none")]
    rotation_lambda_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_rules: Option<RotationRulesShape>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_rotated_date: Option<Epoch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_rotation_date: Option<Epoch>,
    last_changed_date: Epoch,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_accessed_date: Option<Epoch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_date: Option<Epoch>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<TagShape>,
    created_date: Epoch,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_region: Option<String>,
}

impl SecretMetadata {
    pub(crate) fn new(d: &SecretDescription) -> Self {
        let s = &d.secret;
        SecretMetadata {
            arn: s.arn(),
            name: s.name.clone(),
            description: s.description.clone(),
            kms_key_id: s.kms_key_id.clone(),
            rotation_enabled: s.rotation.as_ref().is_some_and(|r| r.enabled),
            rotation_lambda_arn: s.rotation.as_ref().map(|r| r.lambda_arn.clone()),
            rotation_rules: s.rotation.as_ref().and_then(|r| r.rules.as_ref()).map(RotationRulesShape::from),
            last_rotated_date: s.rotation.as_ref().and_then(|r| r.last_rotated_at).map(Epoch),
            next_rotation_date: d.next_rotation_date.map(Epoch),
            last_changed_date: Epoch(s.last_changed_at),
            last_accessed_date: s.last_accessed_at.map(Epoch),
            deleted_date: s.deleted_at.map(Epoch),
            tags: s.tags.iter().map(TagShape::from).collect(),
            created_date: Epoch(s.created_at),
            primary_region: s.primary_region_shown().map(|r| r.to_string()),
        }
    }

    pub(crate) fn arn(&self) -> &str {
        &self.arn
    }
}

/// Version id to labels.
pub(crate) type Stages = BTreeMap<String, Vec<String>>;
