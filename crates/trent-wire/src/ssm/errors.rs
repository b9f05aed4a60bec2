//! The one mapping from [`ParamsError`] to AWS error types, HTTP statuses and messages.
//!
//! Exhaustive, without a `_` arm: a new domain error does not compile until it is mapped.
//! KMS failures of calls made on the caller's behalf map to SSM's types here too:
//! `InvalidKeyId` for a key that cannot be used, `AccessDeniedException` with KMS's sentence
//! when the caller may not use the key. Every SSM error is HTTP 400 but
//! `InternalServerError` (500).

use http::StatusCode;
use trent_core::kms::KmsError;
use trent_core::params::{MAX_POLICIES, ParamsError, PolicyProblem, Tier};
use trent_core::secrets::SecretsError;

use crate::AwsError;
use crate::json::echo;

const BAD: StatusCode = StatusCode::BAD_REQUEST;

/// AWS's sentence for a name that breaks the naming rules.
const NAME_RULES: &str = "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed as \
     path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, \
     numbers and the following 3 symbols .-_";

/// AWS's sentence for a Secrets Manager reference read without `WithDecryption`.
const REFERENCE_NEEDS_DECRYPTION: &str = "WithDecryption flag must be True for retrieving a Secret Manager secret.";

/// AWS's sentence for a `GetParametersByPath` path that is not one.
const PATH_RULES: &str = "The parameter doesn't meet the parameter name requirements. The parameter name must begin \
     with a forward slash \"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only \
     letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not \
     allowed. All sub-paths, if specified, must use the forward slash symbol \"/\". Valid example: \
     /get/parameters2-/by1./path0_.";

/// `ParameterLimitExceeded`'s message for a full `tier` of `max` parameters. The Standard
/// tier's is AWS's sentence word for word (as `PutParameter` callers have reported it, 2021
/// to 2024); no record of AWS's sentence for the Advanced tier was found, so it is the same
/// sentence for that tier, without the advice to upgrade. A parameter is only ever stored in
/// Standard or Advanced: Intelligent-Tiering has resolved to one of them before any quota.
fn limit_exceeded(tier: Tier, max: u64) -> String {
    match tier {
        Tier::Standard => format!(
            "You have reached the maximum number of standard parameters for this AWS account and Region ({max}). To \
             add more parameters, either delete existing parameters or upgrade to the advanced-parameter tier \
             (charges apply)."
        ),
        Tier::Advanced | Tier::IntelligentTiering => format!(
            "You have reached the maximum number of advanced parameters for this AWS account and Region ({max}). To \
             add more parameters, delete existing parameters."
        ),
    }
}

/// `InvalidPolicyAttributeException`'s message: AWS's sentence and the rule broken.
fn policy_problem(problem: PolicyProblem) -> String {
    let rule = match problem {
        PolicyProblem::NotAnArray => "Policies must be a JSON array of policy objects".to_owned(),
        PolicyProblem::BadVersion => "Version must be 1.0".to_owned(),
        PolicyProblem::NoAttributes => "Attributes must be an object".to_owned(),
        PolicyProblem::BadTimestamp => "Timestamp must be in the ISO_INSTANT or ISO_OFFSET_DATE_TIME format".to_owned(),
        PolicyProblem::TimestampPast => "the Expiration Timestamp must be in the future".to_owned(),
        PolicyProblem::BadPeriod(key) => format!("{key} must be a positive whole number"),
        PolicyProblem::BadUnit => "Unit must be Days or Hours".to_owned(),
        PolicyProblem::Duplicate(kind) => format!("only one {} policy is allowed", kind.as_str()),
        PolicyProblem::NotificationWithoutExpiration => {
            "an ExpirationNotification policy needs an Expiration policy".to_owned()
        }
    };
    format!("A policy attribute or its value is invalid: {rule}.")
}

fn internal() -> (&'static str, StatusCode, String) {
    ("InternalServerError", StatusCode::INTERNAL_SERVER_ERROR, "An internal error occurred.".to_owned())
}

/// What a KMS failure is to Parameter Store.
enum KmsFailure {
    /// The key cannot be used (`InvalidKeyId`).
    Key,
    /// The caller may not use the key (`AccessDeniedException`).
    Denied,
    /// The caller's KMS quota (`ThrottlingException`).
    Throttled,
    /// A competing change (`TooManyUpdates`).
    Conflict,
    /// Anything else (`InternalServerError`).
    Internal,
}

/// A KMS failure of a call made on the caller's behalf, in SSM's terms, with KMS's own
/// sentence where the caller may see it.
fn from_kms(e: KmsError) -> (&'static str, StatusCode, String) {
    let failure = match &e {
        KmsError::NotFound(_)
        | KmsError::InvalidArn { .. }
        | KmsError::Disabled { .. }
        | KmsError::InvalidState { .. }
        | KmsError::NotPendingDeletion { .. }
        | KmsError::NoPendingRotation { .. }
        | KmsError::RotationPending { .. }
        | KmsError::IncorrectKey
        | KmsError::InvalidKeyUsage(_)
        | KmsError::AliasPrefix
        | KmsError::AliasCharacters { .. }
        | KmsError::InvalidAliasName { .. }
        | KmsError::NotAuthorized { .. }
        | KmsError::Validation(_)
        | KmsError::Unsupported(_)
        | KmsError::CustomKeyStoreNotFound(_)
        | KmsError::CustomKeyStoreNameInUse { .. }
        | KmsError::CustomKeyStoreInvalidState { .. }
        | KmsError::CloudHsmClusterNotFound { .. }
        | KmsError::CloudHsmClusterInUse { .. }
        | KmsError::CloudHsmClusterNotRelated { .. }
        | KmsError::IncorrectTrustAnchor { .. }
        | KmsError::CloudHsmClusterInvalidConfiguration { .. }
        | KmsError::CustomKeyStoreHasKeys { .. }
        | KmsError::HsmKey { .. }
        | KmsError::LimitExceeded(_) => KmsFailure::Key,
        KmsError::AccessDenied(_) => KmsFailure::Denied,
        KmsError::Throttled { .. } => KmsFailure::Throttled,
        KmsError::Conflict(_) => KmsFailure::Conflict,
        KmsError::InvalidCiphertext
        | KmsError::AlreadyExists(_)
        | KmsError::InvalidGrantToken
        | KmsError::InvalidGrantId { .. }
        | KmsError::InvalidMarker
        | KmsError::Tag(_)
        | KmsError::MalformedPolicy(_)
        | KmsError::DryRun
        | KmsError::IncorrectKeyMaterial(_)
        | KmsError::ExpiredImportToken
        | KmsError::InvalidImportToken
        | KmsError::InvalidSignature
        | KmsError::InvalidMac
        | KmsError::Unavailable(_)
        | KmsError::Internal(_) => KmsFailure::Internal,
    };
    match failure {
        KmsFailure::Key => ("InvalidKeyId", BAD, AwsError::from(e).message),
        KmsFailure::Denied => ("AccessDeniedException", BAD, AwsError::from(e).message),
        KmsFailure::Throttled => ("ThrottlingException", BAD, super::SERVICE.throttling_message.to_owned()),
        KmsFailure::Conflict => ("TooManyUpdates", BAD, TOO_MANY_UPDATES.to_owned()),
        KmsFailure::Internal => {
            tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "KMS call on a caller's behalf failed");
            internal()
        }
    }
}

/// A Secrets Manager failure of a `/aws/reference/secretsmanager/...` read: the caller's own
/// refusal with Secrets Manager's sentence, anything else internal (not-found and version
/// errors are already Parameter Store's own in the domain).
fn from_secrets(e: SecretsError) -> (&'static str, StatusCode, String) {
    match e {
        SecretsError::AccessDenied { .. } | SecretsError::PrimaryAccountOnly { .. } => {
            ("AccessDeniedException", BAD, AwsError::from(e).message)
        }
        SecretsError::NotFound
        | SecretsError::PolicyNotFound { .. }
        | SecretsError::VersionNotFound { .. }
        | SecretsError::StageNotFound { .. }
        | SecretsError::AlreadyExists { .. }
        | SecretsError::VersionExists
        | SecretsError::InvalidParameter(_)
        | SecretsError::InvalidRequest(_)
        | SecretsError::LimitExceeded(_)
        | SecretsError::MalformedPolicy(_)
        | SecretsError::PublicPolicy
        | SecretsError::Kms { .. }
        | SecretsError::RotationFunction { .. }
        | SecretsError::Decryption
        | SecretsError::Unavailable(_)
        | SecretsError::Internal(_) => {
            tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "reading a referenced secret failed");
            internal()
        }
    }
}

const TOO_MANY_UPDATES: &str =
    "There are concurrent updates for the resource that you're trying to update. Try again later.";

impl From<ParamsError> for AwsError {
    fn from(e: ParamsError) -> Self {
        let v = |m: String| ("ValidationException", BAD, m);
        let (code, status, message) = match e {
            ParamsError::NotFound { name } => {
                ("ParameterNotFound", BAD, format!("Parameter {} not found.", echo(&name)))
            }
            ParamsError::VersionNotFound { name, version } => (
                "ParameterVersionNotFound",
                BAD,
                format!(
                    "Systems Manager could not find version {version} of {name}. Verify the version and try again."
                ),
            ),
            ParamsError::LabelNotFound { name, label } => (
                "ParameterVersionNotFound",
                BAD,
                format!(
                    "Systems Manager could not find label {} of {name}. Verify the label and try again.",
                    echo(&label)
                ),
            ),
            ParamsError::AlreadyExists { .. } => (
                "ParameterAlreadyExists",
                BAD,
                "The parameter already exists. To overwrite this value, set the overwrite option in the request to \
                 true."
                    .to_owned(),
            ),
            ParamsError::LimitExceeded { tier, max } => ("ParameterLimitExceeded", BAD, limit_exceeded(tier, max)),
            ParamsError::MaxVersions { name, oldest } => (
                "ParameterMaxVersionLimitExceeded",
                BAD,
                format!(
                    "You attempted to create a new version of {name} by calling the PutParameter API with the \
                     overwrite flag. Version {oldest}, the oldest version, can't be deleted because it has a label \
                     associated with it. Move the label to another version of the parameter, and try again."
                ),
            ),
            ParamsError::HierarchyTooDeep { .. } => {
                ("HierarchyLevelLimitExceededException", BAD, "A hierarchy can have a maximum of 15 levels.".to_owned())
            }
            ParamsError::InvalidName { .. } | ParamsError::ReservedName { .. } => v(NAME_RULES.to_owned()),
            ParamsError::InvalidPath { .. } => v(PATH_RULES.to_owned()),
            ParamsError::ValueTooLarge { tier: Tier::Advanced, max } => {
                v(format!("Advanced tier parameters support a maximum parameter value of {max} characters."))
            }
            ParamsError::ValueTooLarge { tier: Tier::Standard | Tier::IntelligentTiering, max } => v(format!(
                "Standard tier parameters support a maximum parameter value of {max} characters. To create a larger \
                 parameter value, upgrade the parameter to use the advanced-parameter tier."
            )),
            ParamsError::EmptyValue => {
                v("1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have \
                   length greater than or equal to 1"
                    .to_owned())
            }
            ParamsError::TierDowngrade { .. } => {
                v("This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the \
                 advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced \
                 parameter and recreate it as a standard parameter."
                    .to_owned())
            }
            ParamsError::InvalidAllowedPattern => (
                "InvalidAllowedPatternException",
                BAD,
                "The allowed pattern is not a valid regular expression.".to_owned(),
            ),
            ParamsError::PatternMismatch { pattern } => (
                "ParameterPatternMismatchException",
                BAD,
                format!("Parameter value, cannot be validated against allowedPattern: {}", echo(&pattern)),
            ),
            ParamsError::InvalidDataType { data_type } => v(format!(
                "The following data type is not supported: {} (Data type names are all lowercase.)",
                echo(&data_type)
            )),
            ParamsError::DataTypeMismatch { data_type } => {
                v(format!("The parameter value is not valid for the data type {data_type}."))
            }
            ParamsError::KeyIdNotAllowed => v("KeyId is required for SecureString type parameter only.".to_owned()),
            ParamsError::TagsWithOverwrite => v(
                "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please \
                 remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or \
                 RemoveTagsFromResource."
                    .to_owned(),
            ),
            ParamsError::TypeRequired => v("A parameter type is required when you create a parameter.".to_owned()),
            ParamsError::InvalidPolicyType => (
                "InvalidPolicyTypeException",
                BAD,
                "The policy type isn't supported. Parameter Store supports the following policy types: Expiration, \
                 ExpirationNotification, and NoChangeNotification."
                    .to_owned(),
            ),
            ParamsError::InvalidPolicyAttribute { problem } => {
                ("InvalidPolicyAttributeException", BAD, policy_problem(problem))
            }
            ParamsError::PoliciesLimitExceeded => (
                "PoliciesLimitExceededException",
                BAD,
                format!(
                    "You specified more than the maximum number of allowed policies for the parameter. The maximum is \
                     {MAX_POLICIES}."
                ),
            ),
            ParamsError::PoliciesNeedAdvanced => {
                v("Parameter policies are supported only for the Advanced parameter tier.".to_owned())
            }
            ParamsError::Kms(e) => from_kms(e),
            ParamsError::ReferenceNeedsDecryption => v(REFERENCE_NEEDS_DECRYPTION.to_owned()),
            ParamsError::Secrets(e) => from_secrets(e),
            ParamsError::AccessDenied { principal, action, resource, explicit } => {
                let why = if explicit {
                    "with an explicit deny in an identity-based policy".to_owned()
                } else {
                    format!("because no identity-based policy allows the {action} action")
                };
                (
                    "AccessDeniedException",
                    BAD,
                    format!("User: {principal} is not authorized to perform: {action} on resource: {resource} {why}"),
                )
            }
            ParamsError::LabelLimitExceeded => (
                "ParameterVersionLabelLimitExceeded",
                BAD,
                "A parameter version can have maximum 10 labels.Move one or more labels to another version and try \
                 again."
                    .to_owned(),
            ),
            ParamsError::TooManyTags => ("TooManyTagsError", BAD, "A parameter can have at most 50 tags.".to_owned()),
            ParamsError::ReservedTagKey => v("Tag keys can't start with the reserved prefix aws:.".to_owned()),
            ParamsError::InvalidResourceId => ("InvalidResourceId", BAD, String::new()),
            ParamsError::InvalidResourceType => ("InvalidResourceType", BAD, String::new()),
            ParamsError::SettingNotFound { id } => {
                ("ServiceSettingNotFound", BAD, format!("The service setting {} was not found.", echo(&id)))
            }
            ParamsError::InvalidSettingValue { value } => v(format!(
                "The value {} is not valid for this setting. Valid values: Standard, Advanced, Intelligent-Tiering.",
                echo(&value)
            )),
            ParamsError::InvalidFilterKey { key } => {
                ("InvalidFilterKey", BAD, format!("The following filter key is not valid: {}", echo(&key)))
            }
            ParamsError::InvalidFilterOption { option, valid } => (
                "InvalidFilterOption",
                BAD,
                format!(
                    "The following filter option is not valid: {}. Valid options include: [{}].",
                    echo(&option),
                    valid.join(", ")
                ),
            ),
            ParamsError::InvalidFilterValue { value } => {
                ("InvalidFilterValue", BAD, format!("The following filter value is not valid: {}", echo(&value)))
            }
            ParamsError::FiltersConflict => {
                v("You can use either Filters or ParameterFilters in a single request.".to_owned())
            }
            ParamsError::InvalidNextToken => ("InvalidNextToken", BAD, "The nextToken is not valid.".to_owned()),
            ParamsError::TooManyUpdates => ("TooManyUpdates", BAD, TOO_MANY_UPDATES.to_owned()),
            ParamsError::Unavailable(source) => {
                tracing::error!(error = %source, cause = ?std::error::Error::source(&source), "storage unavailable");
                internal()
            }
        };
        AwsError::new(code, status, message)
    }
}

#[cfg(test)]
mod tests {
    use trent_core::StoreError;

    use super::*;
    use trent_core::kms::decide::PolicySource;
    use trent_core::kms::{Denied, Missing, Refusal};

    const SECRET_DENIED: &str = "User: arn:aws:iam::111122223333:user/u is not authorized to perform: \
         secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf \
         because no identity-based policy allows the secretsmanager:GetSecretValue action";

    /// Golden table: every domain error's `__type`, status and message.
    #[test]
    fn every_params_error_maps_to_its_aws_type() {
        let denied = |explicit| ParamsError::AccessDenied {
            principal: "arn:aws:iam::111122223333:user/u".into(),
            action: "ssm:GetParameter",
            resource: "arn:aws:ssm:us-east-1:111122223333:parameter/a".into(),
            explicit,
        };
        let cases: Vec<(ParamsError, &str, u16, &str)> = vec![
            (ParamsError::NotFound { name: "/a".into() }, "ParameterNotFound", 400, "Parameter /a not found."),
            (
                ParamsError::VersionNotFound { name: "/a".into(), version: 3 },
                "ParameterVersionNotFound",
                400,
                "Systems Manager could not find version 3 of /a. Verify the version and try again.",
            ),
            (
                ParamsError::LabelNotFound { name: "/a".into(), label: "x".into() },
                "ParameterVersionNotFound",
                400,
                "Systems Manager could not find label x of /a. Verify the label and try again.",
            ),
            (
                ParamsError::AlreadyExists { name: "/a".into() },
                "ParameterAlreadyExists",
                400,
                "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
            ),
            (
                ParamsError::LimitExceeded { tier: Tier::Standard, max: 10_000 },
                "ParameterLimitExceeded",
                400,
                "You have reached the maximum number of standard parameters for this AWS account and Region (10000). \
                 To add more parameters, either delete existing parameters or upgrade to the advanced-parameter tier \
                 (charges apply).",
            ),
            (
                ParamsError::LimitExceeded { tier: Tier::Advanced, max: 100_000 },
                "ParameterLimitExceeded",
                400,
                "You have reached the maximum number of advanced parameters for this AWS account and Region \
                 (100000). To add more parameters, delete existing parameters.",
            ),
            (
                ParamsError::MaxVersions { name: "/a".into(), oldest: 1 },
                "ParameterMaxVersionLimitExceeded",
                400,
                "You attempted to create a new version of /a by calling the PutParameter API with the overwrite \
                 flag. Version 1, the oldest version, can't be deleted because it has a label associated with it. \
                 Move the label to another version of the parameter, and try again.",
            ),
            (
                ParamsError::HierarchyTooDeep { name: "/a".into() },
                "HierarchyLevelLimitExceededException",
                400,
                "A hierarchy can have a maximum of 15 levels.",
            ),
            (ParamsError::InvalidName { name: "a/b".into() }, "ValidationException", 400, NAME_RULES),
            (ParamsError::ReservedName { name: "/aws/x".into() }, "ValidationException", 400, NAME_RULES),
            (ParamsError::InvalidPath { path: "x".into() }, "ValidationException", 400, PATH_RULES),
            (
                ParamsError::ValueTooLarge { tier: Tier::Standard, max: 4096 },
                "ValidationException",
                400,
                "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger \
                 parameter value, upgrade the parameter to use the advanced-parameter tier.",
            ),
            (
                ParamsError::ValueTooLarge { tier: Tier::Advanced, max: 8192 },
                "ValidationException",
                400,
                "Advanced tier parameters support a maximum parameter value of 8192 characters.",
            ),
            (
                ParamsError::EmptyValue,
                "ValidationException",
                400,
                "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length \
                 greater than or equal to 1",
            ),
            (
                ParamsError::TierDowngrade { name: "/a".into() },
                "ValidationException",
                400,
                "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the \
                 advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced \
                 parameter and recreate it as a standard parameter.",
            ),
            (
                ParamsError::InvalidAllowedPattern,
                "InvalidAllowedPatternException",
                400,
                "The allowed pattern is not a valid regular expression.",
            ),
            (
                ParamsError::PatternMismatch { pattern: "^a$".into() },
                "ParameterPatternMismatchException",
                400,
                "Parameter value, cannot be validated against allowedPattern: ^a$",
            ),
            (
                ParamsError::InvalidDataType { data_type: "Text".into() },
                "ValidationException",
                400,
                "The following data type is not supported: Text (Data type names are all lowercase.)",
            ),
            (
                ParamsError::DataTypeMismatch { data_type: "aws:ec2:image" },
                "ValidationException",
                400,
                "The parameter value is not valid for the data type aws:ec2:image.",
            ),
            (
                ParamsError::KeyIdNotAllowed,
                "ValidationException",
                400,
                "KeyId is required for SecureString type parameter only.",
            ),
            (
                ParamsError::TagsWithOverwrite,
                "ValidationException",
                400,
                "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please \
                 remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or \
                 RemoveTagsFromResource.",
            ),
            (
                ParamsError::TypeRequired,
                "ValidationException",
                400,
                "A parameter type is required when you create a parameter.",
            ),
            (
                ParamsError::InvalidPolicyType,
                "InvalidPolicyTypeException",
                400,
                "The policy type isn't supported. Parameter Store supports the following policy types: Expiration, \
                 ExpirationNotification, and NoChangeNotification.",
            ),
            (
                ParamsError::InvalidPolicyAttribute { problem: PolicyProblem::BadUnit },
                "InvalidPolicyAttributeException",
                400,
                "A policy attribute or its value is invalid: Unit must be Days or Hours.",
            ),
            (
                ParamsError::PoliciesLimitExceeded,
                "PoliciesLimitExceededException",
                400,
                "You specified more than the maximum number of allowed policies for the parameter. The maximum is 10.",
            ),
            (
                ParamsError::PoliciesNeedAdvanced,
                "ValidationException",
                400,
                "Parameter policies are supported only for the Advanced parameter tier.",
            ),
            (
                ParamsError::Kms(KmsError::NotFound(Missing::Key("k".into()))),
                "InvalidKeyId",
                400,
                "Key 'k' does not exist",
            ),
            (
                ParamsError::Kms(KmsError::AccessDenied(Denied::Policy {
                    principal_arn: "arn:aws:iam::111122223333:user/u".into(),
                    action: "kms:Decrypt".into(),
                    resource: "arn:aws:kms:us-east-1:111122223333:key/k".into(),
                    refusal: Refusal::Implicit(PolicySource::KeyPolicy),
                })),
                "AccessDeniedException",
                400,
                "User: arn:aws:iam::111122223333:user/u is not authorized to perform: kms:Decrypt on resource: \
                 arn:aws:kms:us-east-1:111122223333:key/k because no resource-based policy allows the kms:Decrypt \
                 action",
            ),
            (
                ParamsError::Kms(KmsError::Throttled { quota: "kms:cryptographic-symmetric" }),
                "ThrottlingException",
                400,
                "Rate exceeded",
            ),
            (ParamsError::Kms(KmsError::InvalidCiphertext), "InternalServerError", 500, "An internal error occurred."),
            (ParamsError::ReferenceNeedsDecryption, "ValidationException", 400, REFERENCE_NEEDS_DECRYPTION),
            (
                ParamsError::Secrets(SecretsError::AccessDenied {
                    caller: "arn:aws:iam::111122223333:user/u".into(),
                    action: "secretsmanager:GetSecretValue".into(),
                    resource: "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf".into(),
                }),
                "AccessDeniedException",
                400,
                SECRET_DENIED,
            ),
            (ParamsError::Secrets(SecretsError::Decryption), "InternalServerError", 500, "An internal error occurred."),
            (
                denied(false),
                "AccessDeniedException",
                400,
                "User: arn:aws:iam::111122223333:user/u is not authorized to perform: ssm:GetParameter on resource: \
                 arn:aws:ssm:us-east-1:111122223333:parameter/a because no identity-based policy allows the \
                 ssm:GetParameter action",
            ),
            (
                denied(true),
                "AccessDeniedException",
                400,
                "User: arn:aws:iam::111122223333:user/u is not authorized to perform: ssm:GetParameter on resource: \
                 arn:aws:ssm:us-east-1:111122223333:parameter/a with an explicit deny in an identity-based policy",
            ),
            (
                ParamsError::LabelLimitExceeded,
                "ParameterVersionLabelLimitExceeded",
                400,
                "A parameter version can have maximum 10 labels.Move one or more labels to another version and try again.",
            ),
            (ParamsError::TooManyTags, "TooManyTagsError", 400, "A parameter can have at most 50 tags."),
            (
                ParamsError::ReservedTagKey,
                "ValidationException",
                400,
                "Tag keys can't start with the reserved prefix aws:.",
            ),
            (ParamsError::InvalidResourceId, "InvalidResourceId", 400, ""),
            (ParamsError::InvalidResourceType, "InvalidResourceType", 400, ""),
            (
                ParamsError::SettingNotFound { id: "/x".into() },
                "ServiceSettingNotFound",
                400,
                "The service setting /x was not found.",
            ),
            (
                ParamsError::InvalidSettingValue { value: "Gold".into() },
                "ValidationException",
                400,
                "The value Gold is not valid for this setting. Valid values: Standard, Advanced, Intelligent-Tiering.",
            ),
            (
                ParamsError::InvalidFilterKey { key: "Color".into() },
                "InvalidFilterKey",
                400,
                "The following filter key is not valid: Color",
            ),
            (
                ParamsError::InvalidFilterOption { option: "Contains".into(), valid: &["Equals"] },
                "InvalidFilterOption",
                400,
                "The following filter option is not valid: Contains. Valid options include: [Equals].",
            ),
            (
                ParamsError::InvalidFilterValue { value: "Bogus".into() },
                "InvalidFilterValue",
                400,
                "The following filter value is not valid: Bogus",
            ),
            (
                ParamsError::FiltersConflict,
                "ValidationException",
                400,
                "You can use either Filters or ParameterFilters in a single request.",
            ),
            (ParamsError::InvalidNextToken, "InvalidNextToken", 400, "The nextToken is not valid."),
            (
                ParamsError::TooManyUpdates,
                "TooManyUpdates",
                400,
                "There are concurrent updates for the resource that you're trying to update. Try again later.",
            ),
            (
                ParamsError::Unavailable(StoreError::Unavailable("db down at /secret/path".into())),
                "InternalServerError",
                500,
                "An internal error occurred.",
            ),
        ];
        for (err, code, status, message) in cases {
            let aws = AwsError::from(err);
            assert_eq!((aws.code, aws.status.as_u16(), aws.message.as_str()), (code, status, message));
            let body: serde_json::Value = serde_json::from_slice(&aws.to_json()).unwrap();
            assert_eq!(body, serde_json::json!({"__type": code, "message": message}));
        }
    }
}
