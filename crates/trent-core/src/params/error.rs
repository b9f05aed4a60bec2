//! What can go wrong in Parameter Store, with typed payloads. AWS's error types and
//! sentences are chosen once, in `trent-wire`'s SSM error mapping.

use super::model::Tier;
use super::policies::PolicyProblem;
use crate::kms::KmsError;
use crate::secrets::SecretsError;
use crate::store::StoreError;

/// A Parameter Store failure.
#[derive(Debug, thiserror::Error)]
pub enum ParamsError {
    /// No parameter of that name (`ParameterNotFound`).
    #[error("parameter not found")]
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// The parameter has no such version (`ParameterVersionNotFound`).
    #[error("parameter version not found")]
    VersionNotFound {
        /// The parameter.
        name: String,
        /// The version asked for.
        version: u64,
    },
    /// No version of the parameter carries the label (`ParameterVersionNotFound`).
    #[error("parameter label not found")]
    LabelNotFound {
        /// The parameter.
        name: String,
        /// The label asked for.
        label: String,
    },
    /// `PutParameter` without `Overwrite` on an existing parameter (`ParameterAlreadyExists`).
    #[error("parameter already exists")]
    AlreadyExists {
        /// The parameter.
        name: String,
    },
    /// The account's parameters of a tier are at their quota (`ParameterLimitExceeded`).
    #[error("parameter limit exceeded")]
    LimitExceeded {
        /// The full tier.
        tier: Tier,
        /// Its quota.
        max: u64,
    },
    /// The oldest of 100 versions carries a label and cannot make room
    /// (`ParameterMaxVersionLimitExceeded`).
    #[error("oldest version is labelled")]
    MaxVersions {
        /// The parameter.
        name: String,
        /// The oldest version.
        oldest: u64,
    },
    /// More than 15 levels (`HierarchyLevelLimitExceededException`).
    #[error("hierarchy too deep")]
    HierarchyTooDeep {
        /// The name or path.
        name: String,
    },
    /// A name that breaks the character or hierarchy rules (`ValidationException`).
    #[error("invalid parameter name")]
    InvalidName {
        /// The name.
        name: String,
    },
    /// A name starting with `aws` or `ssm` (`ValidationException`).
    #[error("reserved parameter name")]
    ReservedName {
        /// The name.
        name: String,
    },
    /// A `GetParametersByPath` path that is not one (`ValidationException`).
    #[error("invalid path")]
    InvalidPath {
        /// The path.
        path: String,
    },
    /// A value longer than its tier allows (`ValidationException`).
    #[error("value too large")]
    ValueTooLarge {
        /// The tier.
        tier: Tier,
        /// Its largest value, in bytes.
        max: usize,
    },
    /// An empty value (`ValidationException`).
    #[error("empty value")]
    EmptyValue,
    /// An Advanced parameter written as Standard (`ValidationException`).
    #[error("tier downgrade")]
    TierDowngrade {
        /// The parameter.
        name: String,
    },
    /// An `AllowedPattern` that is no regular expression (`InvalidAllowedPatternException`).
    #[error("invalid allowed pattern")]
    InvalidAllowedPattern,
    /// The value does not match the parameter's pattern (`ParameterPatternMismatchException`).
    #[error("value does not match the allowed pattern")]
    PatternMismatch {
        /// The pattern.
        pattern: String,
    },
    /// A `DataType` that does not exist (`ValidationException`).
    #[error("unsupported data type")]
    InvalidDataType {
        /// The data type given.
        data_type: String,
    },
    /// A value that is not of its data type, or a data type its parameter type cannot have
    /// (`ValidationException`).
    #[error("value not of its data type")]
    DataTypeMismatch {
        /// The data type.
        data_type: &'static str,
    },
    /// `KeyId` given for a `String` or `StringList` (`ValidationException`).
    #[error("key id for a parameter that is not a SecureString")]
    KeyIdNotAllowed,
    /// `Tags` together with `Overwrite` (`ValidationException`).
    #[error("tags with overwrite")]
    TagsWithOverwrite,
    /// `Type` missing for a new parameter (`ValidationException`).
    #[error("type required")]
    TypeRequired,
    /// A policy `Type` other than `Expiration`, `ExpirationNotification` and
    /// `NoChangeNotification` (`InvalidPolicyTypeException`).
    #[error("invalid policy type")]
    InvalidPolicyType,
    /// A policy whose JSON, `Version` or `Attributes` break AWS's rules
    /// (`InvalidPolicyAttributeException`).
    #[error("invalid policy attribute")]
    InvalidPolicyAttribute {
        /// Which rule was broken.
        problem: PolicyProblem,
    },
    /// More than 10 policies (`PoliciesLimitExceededException`).
    #[error("too many policies")]
    PoliciesLimitExceeded,
    /// Policies on a Standard parameter (`ValidationException`).
    #[error("policies need the Advanced tier")]
    PoliciesNeedAdvanced,
    /// KMS refused or failed a call made on the caller's behalf.
    #[error("KMS call failed")]
    Kms(#[source] KmsError),
    /// The caller's policies do not allow the call (`AccessDeniedException`).
    #[error("access denied")]
    AccessDenied {
        /// The caller's ARN.
        principal: String,
        /// The IAM action (`ssm:GetParameter`).
        action: &'static str,
        /// The resource's ARN.
        resource: String,
        /// Whether a policy denied it explicitly (rather than none allowing it).
        explicit: bool,
    },
    /// A version would carry more than 10 labels (`ParameterVersionLabelLimitExceeded`).
    #[error("too many labels")]
    LabelLimitExceeded,
    /// A parameter would carry more than 50 tags (`TooManyTagsError`).
    #[error("too many tags")]
    TooManyTags,
    /// A tag key starting with `aws:` (`ValidationException`).
    #[error("reserved tag key")]
    ReservedTagKey,
    /// No resource of that id (`InvalidResourceId`).
    #[error("invalid resource id")]
    InvalidResourceId,
    /// A resource type this server holds none of (`InvalidResourceType`).
    #[error("invalid resource type")]
    InvalidResourceType,
    /// No service setting of that id (`ServiceSettingNotFound`).
    #[error("service setting not found")]
    SettingNotFound {
        /// The id given.
        id: String,
    },
    /// A value the setting cannot take (`ValidationException`).
    #[error("invalid setting value")]
    InvalidSettingValue {
        /// The value given.
        value: String,
    },
    /// A filter key the operation does not know (`InvalidFilterKey`).
    #[error("invalid filter key")]
    InvalidFilterKey {
        /// The key.
        key: String,
    },
    /// A filter option the key does not take (`InvalidFilterOption`).
    #[error("invalid filter option")]
    InvalidFilterOption {
        /// The option.
        option: String,
        /// The options the key takes.
        valid: &'static [&'static str],
    },
    /// A filter value the key cannot take (`InvalidFilterValue`).
    #[error("invalid filter value")]
    InvalidFilterValue {
        /// The value.
        value: String,
    },
    /// `Filters` and `ParameterFilters` in one request (`ValidationException`).
    #[error("both filter kinds")]
    FiltersConflict,
    /// A `NextToken` this server did not issue (`InvalidNextToken`).
    #[error("invalid next token")]
    InvalidNextToken,
    /// Someone else changed the parameter at the same time (`TooManyUpdates`).
    #[error("too many updates")]
    TooManyUpdates,
    /// A `/aws/reference/secretsmanager/...` name read without `WithDecryption`
    /// (`ValidationException`).
    #[error("a Secrets Manager reference needs WithDecryption")]
    ReferenceNeedsDecryption,
    /// Secrets Manager refused or failed the read of a referenced secret (access denied:
    /// `AccessDeniedException`; anything else `InternalServerError`).
    #[error("Secrets Manager read failed")]
    Secrets(#[source] SecretsError),
    /// Storage failed (`InternalServerError`).
    #[error("storage unavailable")]
    Unavailable(#[source] StoreError),
}

impl From<StoreError> for ParamsError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => ParamsError::TooManyUpdates,
            other => ParamsError::Unavailable(other),
        }
    }
}
