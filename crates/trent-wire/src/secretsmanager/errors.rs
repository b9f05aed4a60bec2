//! The one mapping from [`SecretsError`] to AWS error types, HTTP statuses and AWS's
//! sentences.
//!
//! Exhaustive, without a `_` arm: a new domain error does not compile until it is mapped.
//! Every Secrets Manager error of the botocore model is HTTP 400 except
//! `InternalServiceError`, which is 500.

use http::StatusCode;
use trent_core::kms::KmsError;
use trent_core::secrets::{BadParameter, BadPolicy, BadRequest, KmsUse, Limit, MAX_POLICY_CHARS, SecretsError};
use trent_core::secrets::{CronField, ScheduleError};

use crate::AwsError;

const BAD: StatusCode = StatusCode::BAD_REQUEST;

/// `MalformedPolicyDocumentException`'s sentence: the length limit, or the policy engine's
/// own (its `Display` is AWS's wording).
fn malformed_policy(p: &BadPolicy) -> String {
    match p {
        BadPolicy::TooLong => {
            format!("The policy document exceeds the maximum length of {MAX_POLICY_CHARS} characters.")
        }
        BadPolicy::Document(e) => e.to_string(),
    }
}

fn parameter(p: &BadParameter) -> (&'static str, String) {
    const CODE: &str = "InvalidParameterException";
    let m = match p {
        BadParameter::RecoveryWindow => {
            "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).".to_owned()
        }
        BadParameter::RecoveryWindowWithForce => {
            "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.".to_owned()
        }
        BadParameter::BothValues => {
            "You can't specify both a binary secret value and a string secret value in the same secret.".to_owned()
        }
        BadParameter::DuplicateStage => "You can't specify the same staging label more than once.".to_owned(),
        BadParameter::NoVersionToMove => "You must specify either MoveToVersionId or RemoveFromVersionId.".to_owned(),
        BadParameter::StageNotOnVersion { stage, version_id } => {
            format!("The staging label {stage} is not attached to the version {version_id}.")
        }
        BadParameter::StageAttachedElsewhere { stage, version_id } => format!(
            "The staging label {stage} is currently attached to version {version_id}, so you must explicitly \
             reference that version in RemoveFromVersionId."
        ),
        BadParameter::TokenLength => "ClientRequestToken must be between 32 and 64 characters.".to_owned(),
        BadParameter::NoCharacters => "The password can't be generated: every character type is excluded.".to_owned(),
        BadParameter::PasswordTooShort => {
            "The password length is too short to include a character of every required type.".to_owned()
        }
        BadParameter::NextToken => return ("InvalidNextTokenException", "The NextToken value is invalid.".to_owned()),
        BadParameter::Filter => "Invalid filter.".to_owned(),
        BadParameter::Name => "Invalid name. Must be a valid name containing alphanumeric characters, or any of the \
                               following: -/_+=.@!"
            .to_owned(),
        BadParameter::BatchSelection => "Either SecretIdList or Filters must be provided, but not both.".to_owned(),
        BadParameter::ReservedTag => "Invalid tag key. The aws: prefix is reserved for AWS use.".to_owned(),
        BadParameter::RotationRules(e) => schedule(e),
        BadParameter::PolicyName { name } => format!(
            "The resource policy name {name} is invalid: you can only attach or delete the policy named default."
        ),
        BadParameter::CrossAccountArn { arn } => {
            format!("{arn} is not the ARN of a secret of another account in this Region.")
        }
        BadParameter::ReplicationRole { arn } => {
            format!("{} is not the ARN of an IAM role in the primary secret's account.", crate::json::echo(arn))
        }
        BadParameter::ReplicationRoleTrust { arn } => format!(
            "Secrets Manager can't assume the role {}: its trust policy must allow the service principal \
             secretsmanager.amazonaws.com to call sts:AssumeRole.",
            crate::json::echo(arn)
        ),
        BadParameter::ReplicaRegion { region } => format!(
            "Invalid replica Region {}: it must be another Region this deployment hosts, named once, that holds \
             (to remove) or does not hold (to add) a replica of the secret.",
            crate::json::echo(region)
        ),
    };
    (CODE, m)
}

/// The sentence for rotation rules AWS refuses.
fn schedule(e: &ScheduleError) -> String {
    let field = |f: &CronField| match f {
        CronField::Hours => "hours",
        CronField::DayOfMonth => "day-of-month",
        CronField::Month => "month",
        CronField::DayOfWeek => "day-of-week",
    };
    match e {
        ScheduleError::BothAfterDaysAndExpression => {
            "You can't specify both AutomaticallyAfterDays and ScheduleExpression.".to_owned()
        }
        ScheduleError::NoSchedule => {
            "You must specify either AutomaticallyAfterDays or ScheduleExpression in RotationRules.".to_owned()
        }
        ScheduleError::AfterDaysOutOfRange { value } => {
            format!("The AutomaticallyAfterDays value {value} must be between 1 and 1000.")
        }
        ScheduleError::DurationMalformed => "The Duration must be a number of hours, such as 3h.".to_owned(),
        ScheduleError::DurationOutOfRange { hours } => {
            format!("The Duration of {hours}h must be between 1h and 24h.")
        }
        ScheduleError::ExpressionMalformed | ScheduleError::RateMalformed => {
            "The schedule expression must be a rate expression, rate(value unit), or a cron expression,              cron(minutes hours day-of-month month day-of-week year)."
                .to_owned()
        }
        ScheduleError::RateHoursOutOfRange { hours } => {
            format!("The rate of {hours} hours is invalid: a rate in hours must be between 4 and 23 hours.")
        }
        ScheduleError::RateDaysOutOfRange { days } => {
            format!("The rate of {days} days is invalid: a rate in days must be between 1 and 999 days.")
        }
        ScheduleError::CronFieldCount { found } => {
            format!("The cron expression must have 6 fields; it has {found}.")
        }
        ScheduleError::CronMinutesNotZero => {
            "The minutes field of the cron expression must be 0: rotation windows start on the hour.".to_owned()
        }
        ScheduleError::CronYearNotWildcard => "The year field of the cron expression must be *.".to_owned(),
        ScheduleError::CronFieldInvalid { field: f } => {
            format!("The {} field of the cron expression is invalid.", field(f))
        }
        ScheduleError::CronDayFieldsConflict => {
            "Exactly one of the day-of-month and day-of-week fields of the cron expression must be ?.".to_owned()
        }
        ScheduleError::CronTooFrequent { gap_hours } => format!(
            "The schedule rotates {gap_hours} hours apart: Secrets Manager rotates a secret at most every four hours."
        ),
        ScheduleError::CronTooSparse => {
            "The schedule must rotate the secret at least once a year.".to_owned()
        }
        ScheduleError::WindowPastEndOfDay { start_hour, duration_hours } => format!(
            "A rotation window of {duration_hours}h starting at {start_hour}:00 UTC extends into the next UTC day."
        ),
        ScheduleError::WindowOverlapsNext { duration_hours, interval_hours } => format!(
            "The rotation window of {duration_hours}h overlaps the next window, {interval_hours} hours later."
        ),
    }
}

fn request(r: &BadRequest) -> String {
    match r {
        BadRequest::MarkedForDeletion => {
            "You can't perform this operation on the secret because it was marked for deletion."
        }
        BadRequest::NameScheduledForDeletion => {
            "You can't create this secret because a secret with this name is already scheduled for deletion."
        }
        BadRequest::DefaultKeyCrossAccount => {
            "You can't access a secret from a different AWS account if you encrypt the secret with the default KMS \
             service key."
        }
        BadRequest::RemoveCurrent => {
            "You can't remove the staging label AWSCURRENT from a version without moving it to another version."
        }
        BadRequest::RotationInProgress => "A previous rotation isn't complete. That rotation will be reattempted.",
        BadRequest::NoRotationFunction => "No Lambda rotation function ARN is associated with this secret.",
        BadRequest::ReplicaReadOnly => {
            "Operation not permitted on a replica secret. Call must be made in primary secret's region."
        }
        BadRequest::CrossAccountReplicaReadOnly => {
            "Operation not permitted on a cross-account replica secret while it replicates from its primary. \
             Change the primary secret, or call StopReplicationToReplica first."
        }
        BadRequest::NotAReplica => "The secret is not a replica secret.",
        BadRequest::HasReplicas => {
            "You can't delete a primary secret that is replicated to other Regions. Remove the replicas with \
             RemoveRegionsFromReplication first."
        }
        BadRequest::CrossAccountReplicaMember { member } => {
            return format!("A cross-account replica secret can't include {member}.");
        }
        BadRequest::CrossAccountReplicaKey => {
            "A cross-account replica secret must be encrypted with a customer managed KMS key: include KmsKeyId."
        }
        BadRequest::NotReplicaOfPrimary => {
            "The replica secret was not created as a cross-account replica of this primary secret."
        }
        BadRequest::NotAssociated => "The secret is not associated with this cross-account replica.",
        BadRequest::HasCrossAccountReplica => {
            "You can't delete a primary secret with an associated cross-account replica. Disassociate the replica \
             with DisassociateCrossAccountReplica first."
        }
    }
    .to_owned()
}

fn limit(l: Limit) -> &'static str {
    match l {
        Limit::Versions => "You have exceeded the maximum number of versions of this secret.",
        Limit::StagingLabels => "You have exceeded the maximum number of staging labels of this secret.",
        Limit::Tags => "The number of tags on this secret exceeds the maximum of 50.",
        Limit::CrossAccountReplicas => "A primary secret can have at most one cross-account replica.",
    }
}

/// A KMS failure during `during`, as Secrets Manager reports it.
fn kms(during: KmsUse, source: &KmsError) -> (&'static str, StatusCode, String) {
    let failure = match during {
        KmsUse::Encrypt => "EncryptionFailure",
        KmsUse::Decrypt => "DecryptionFailure",
    };
    match source {
        KmsError::AccessDenied(_) | KmsError::NotAuthorized { .. } => {
            ("AccessDeniedException", BAD, "Access to KMS is not allowed".to_owned())
        }
        KmsError::Throttled { .. } => {
            ("ThrottlingException", BAD, "You have exceeded the rate at which you may call KMS.".to_owned())
        }
        KmsError::Unavailable(_) | KmsError::Internal(_) => {
            tracing::error!(error = %source, "KMS failed on a caller's behalf");
            ("InternalServiceError", StatusCode::INTERNAL_SERVER_ERROR, "An internal error occurred.".to_owned())
        }
        // The reason is KMS's own sentence, rendered once in `crate::kms`; never the domain
        // error's `Display`, which is for the log.
        KmsError::IncorrectKey
        | KmsError::AliasPrefix
        | KmsError::AliasCharacters { .. }
        | KmsError::NotFound(_)
        | KmsError::InvalidArn { .. }
        | KmsError::LimitExceeded(_)
        | KmsError::Conflict(_)
        | KmsError::InvalidKeyUsage(_)
        | KmsError::AlreadyExists(_)
        | KmsError::InvalidAliasName { .. }
        | KmsError::Validation(_)
        | KmsError::InvalidGrantToken
        | KmsError::InvalidGrantId { .. }
        | KmsError::Unsupported(_)
        | KmsError::Tag(_)
        | KmsError::MalformedPolicy(_)
        | KmsError::CustomKeyStoreNotFound(_)
        | KmsError::IncorrectKeyMaterial(_)
        | KmsError::Disabled { .. }
        | KmsError::InvalidState { .. }
        | KmsError::NotPendingDeletion { .. }
        | KmsError::NoPendingRotation { .. }
        | KmsError::RotationPending { .. }
        | KmsError::InvalidCiphertext
        | KmsError::InvalidSignature
        | KmsError::InvalidMac
        | KmsError::InvalidMarker
        | KmsError::ExpiredImportToken
        | KmsError::InvalidImportToken
        | KmsError::CustomKeyStoreNameInUse { .. }
        | KmsError::CustomKeyStoreInvalidState { .. }
        | KmsError::CloudHsmClusterNotFound { .. }
        | KmsError::CloudHsmClusterInUse { .. }
        | KmsError::CloudHsmClusterNotRelated { .. }
        | KmsError::IncorrectTrustAnchor { .. }
        | KmsError::CloudHsmClusterInvalidConfiguration { .. }
        | KmsError::CustomKeyStoreHasKeys { .. }
        | KmsError::HsmKey { .. }
        | KmsError::DryRun => (failure, BAD, format!("{} Reason: {}", sentence(during), crate::kms::message(source))),
    }
}

fn sentence(during: KmsUse) -> &'static str {
    match during {
        KmsUse::Encrypt => "Secrets Manager can't encrypt the secret value using the provided KMS key.",
        KmsUse::Decrypt => "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
    }
}

impl From<SecretsError> for AwsError {
    fn from(e: SecretsError) -> Self {
        let (code, status, message): (&'static str, StatusCode, String) = match &e {
            SecretsError::NotFound => {
                ("ResourceNotFoundException", BAD, "Secrets Manager can't find the specified secret.".to_owned())
            }
            SecretsError::VersionNotFound { version_id } => (
                "ResourceNotFoundException",
                BAD,
                format!("Secrets Manager can't find the specified secret value for VersionId: {version_id}"),
            ),
            SecretsError::StageNotFound { stage } => (
                "ResourceNotFoundException",
                BAD,
                format!("Secrets Manager can't find the specified secret value for staging label: {stage}"),
            ),
            SecretsError::PolicyNotFound { name } => (
                "ResourceNotFoundException",
                BAD,
                format!("Secrets Manager can't find the resource policy {name} attached to the specified secret."),
            ),
            SecretsError::AlreadyExists { name } => (
                "ResourceExistsException",
                BAD,
                format!("The operation failed because the secret {name} already exists."),
            ),
            SecretsError::VersionExists => (
                "ResourceExistsException",
                BAD,
                "You can't modify an existing version, you can only create a new version.".to_owned(),
            ),
            SecretsError::InvalidParameter(p) => {
                let (code, m) = parameter(p);
                (code, BAD, m)
            }
            SecretsError::InvalidRequest(r) => ("InvalidRequestException", BAD, request(r)),
            SecretsError::LimitExceeded(l) => ("LimitExceededException", BAD, limit(*l).to_owned()),
            SecretsError::MalformedPolicy(p) => ("MalformedPolicyDocumentException", BAD, malformed_policy(p)),
            SecretsError::PublicPolicy => (
                "PublicPolicyException",
                BAD,
                "This resource policy contains a statement that grants public access.".to_owned(),
            ),
            SecretsError::AccessDenied { caller, action, resource } => (
                "AccessDeniedException",
                BAD,
                format!(
                    "User: {caller} is not authorized to perform: {action} on resource: {resource} because no \
                     identity-based policy allows the {action} action"
                ),
            ),
            SecretsError::PrimaryAccountOnly { caller, action, resource } => (
                "AccessDeniedException",
                BAD,
                format!(
                    "User: {caller} is not authorized to perform: {action} on resource: {resource} because no \
                     resource-based policy allows the {action} action"
                ),
            ),
            SecretsError::Kms { during, source } => kms(*during, source),
            SecretsError::RotationFunction { arn } => {
                tracing::info!(function = %arn, "RotateSecret names no configured rotation function");
                (
                    "AccessDeniedException",
                    BAD,
                    "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy \
                     grants access to the principal secretsmanager.amazonaws.com."
                        .to_owned(),
                )
            }
            SecretsError::Decryption => ("DecryptionFailure", BAD, sentence(KmsUse::Decrypt).to_owned()),
            SecretsError::Unavailable(source) => {
                tracing::error!(error = %source, cause = ?std::error::Error::source(source), "storage unavailable");
                ("InternalServiceError", StatusCode::INTERNAL_SERVER_ERROR, "An internal error occurred.".to_owned())
            }
            SecretsError::Internal(source) => {
                tracing::error!(error = %source, "internal error");
                ("InternalServiceError", StatusCode::INTERNAL_SERVER_ERROR, "An internal error occurred.".to_owned())
            }
        };
        AwsError::new(code, status, message)
    }
}

#[cfg(test)]
mod tests {
    use trent_core::StoreError;

    use super::*;
    use trent_core::kms::{Denied, Missing};

    /// Golden table: every domain error's `__type`, status and message.
    #[test]
    fn every_secrets_error_maps_to_its_aws_type() {
        let arn = "arn:aws:kms:us-east-1:111122223333:key/k".to_owned();
        let kms_err = |during, source| SecretsError::Kms { during, source };
        let refused = |document: &str| {
            trent_core::policy::Policy::parse(document, trent_core::policy::PolicyKind::Resource).unwrap_err()
        };
        let unsigned =
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}]}"#;
        let cases: Vec<(SecretsError, &str, u16, &str)> = vec![
            (
                SecretsError::NotFound,
                "ResourceNotFoundException",
                400,
                "Secrets Manager can't find the specified secret.",
            ),
            (
                SecretsError::VersionNotFound { version_id: "v".repeat(32) },
                "ResourceNotFoundException",
                400,
                "Secrets Manager can't find the specified secret value for VersionId: vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv",
            ),
            (
                SecretsError::StageNotFound { stage: "AWSPENDING".into() },
                "ResourceNotFoundException",
                400,
                "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
            ),
            (
                SecretsError::AlreadyExists { name: "app".into() },
                "ResourceExistsException",
                400,
                "The operation failed because the secret app already exists.",
            ),
            (
                SecretsError::VersionExists,
                "ResourceExistsException",
                400,
                "You can't modify an existing version, you can only create a new version.",
            ),
            (
                SecretsError::InvalidParameter(BadParameter::RecoveryWindow),
                "InvalidParameterException",
                400,
                "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
            ),
            (
                SecretsError::PolicyNotFound { name: "cross-account-replication".into() },
                "ResourceNotFoundException",
                400,
                "Secrets Manager can't find the resource policy cross-account-replication attached to the specified \
                 secret.",
            ),
            (
                SecretsError::InvalidParameter(BadParameter::PolicyName { name: "mine".into() }),
                "InvalidParameterException",
                400,
                "The resource policy name mine is invalid: you can only attach or delete the policy named default.",
            ),
            (
                SecretsError::InvalidParameter(BadParameter::NextToken),
                "InvalidNextTokenException",
                400,
                "The NextToken value is invalid.",
            ),
            (
                SecretsError::InvalidRequest(BadRequest::MarkedForDeletion),
                "InvalidRequestException",
                400,
                "You can't perform this operation on the secret because it was marked for deletion.",
            ),
            (
                SecretsError::InvalidRequest(BadRequest::RotationInProgress),
                "InvalidRequestException",
                400,
                "A previous rotation isn't complete. That rotation will be reattempted.",
            ),
            (
                SecretsError::InvalidRequest(BadRequest::CrossAccountReplicaMember { member: "SecretString" }),
                "InvalidRequestException",
                400,
                "A cross-account replica secret can't include SecretString.",
            ),
            (
                SecretsError::InvalidRequest(BadRequest::CrossAccountReplicaKey),
                "InvalidRequestException",
                400,
                "A cross-account replica secret must be encrypted with a customer managed KMS key: include KmsKeyId.",
            ),
            (
                SecretsError::InvalidRequest(BadRequest::NotReplicaOfPrimary),
                "InvalidRequestException",
                400,
                "The replica secret was not created as a cross-account replica of this primary secret.",
            ),
            (
                SecretsError::InvalidRequest(BadRequest::NotAssociated),
                "InvalidRequestException",
                400,
                "The secret is not associated with this cross-account replica.",
            ),
            (
                SecretsError::InvalidRequest(BadRequest::HasCrossAccountReplica),
                "InvalidRequestException",
                400,
                "You can't delete a primary secret with an associated cross-account replica. Disassociate the replica \
                 with DisassociateCrossAccountReplica first.",
            ),
            (
                SecretsError::LimitExceeded(Limit::CrossAccountReplicas),
                "LimitExceededException",
                400,
                "A primary secret can have at most one cross-account replica.",
            ),
            (
                SecretsError::InvalidParameter(BadParameter::CrossAccountArn { arn: "arn:aws:iam::1:root".into() }),
                "InvalidParameterException",
                400,
                "arn:aws:iam::1:root is not the ARN of a secret of another account in this Region.",
            ),
            (
                SecretsError::InvalidParameter(BadParameter::ReplicationRole { arn: "arn:aws:iam::1:user/u".into() }),
                "InvalidParameterException",
                400,
                "arn:aws:iam::1:user/u is not the ARN of an IAM role in the primary secret's account.",
            ),
            (
                SecretsError::InvalidParameter(BadParameter::ReplicationRoleTrust {
                    arn: "arn:aws:iam::1:role/r".into(),
                }),
                "InvalidParameterException",
                400,
                "Secrets Manager can't assume the role arn:aws:iam::1:role/r: its trust policy must allow the service \
                 principal secretsmanager.amazonaws.com to call sts:AssumeRole.",
            ),
            (
                SecretsError::InvalidRequest(BadRequest::CrossAccountReplicaReadOnly),
                "InvalidRequestException",
                400,
                "Operation not permitted on a cross-account replica secret while it replicates from its primary. \
                 Change the primary secret, or call StopReplicationToReplica first.",
            ),
            (
                SecretsError::PrimaryAccountOnly {
                    caller: "arn:aws:iam::2:root".into(),
                    action: "secretsmanager:AssociateCrossAccountReplica".into(),
                    resource: "arn:aws:secretsmanager:us-east-1:1:secret:app-AbCdEf".into(),
                },
                "AccessDeniedException",
                400,
                "User: arn:aws:iam::2:root is not authorized to perform: secretsmanager:AssociateCrossAccountReplica \
                 on resource: arn:aws:secretsmanager:us-east-1:1:secret:app-AbCdEf because no resource-based policy \
                 allows the secretsmanager:AssociateCrossAccountReplica action",
            ),
            (
                SecretsError::InvalidRequest(BadRequest::NoRotationFunction),
                "InvalidRequestException",
                400,
                "No Lambda rotation function ARN is associated with this secret.",
            ),
            (
                SecretsError::InvalidParameter(BadParameter::RotationRules(ScheduleError::RateHoursOutOfRange {
                    hours: 2,
                })),
                "InvalidParameterException",
                400,
                "The rate of 2 hours is invalid: a rate in hours must be between 4 and 23 hours.",
            ),
            (
                SecretsError::RotationFunction { arn: "arn:aws:lambda:us-east-1:111122223333:function:f".into() },
                "AccessDeniedException",
                400,
                "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants \
                 access to the principal secretsmanager.amazonaws.com.",
            ),
            (
                SecretsError::LimitExceeded(Limit::Tags),
                "LimitExceededException",
                400,
                "The number of tags on this secret exceeds the maximum of 50.",
            ),
            (
                SecretsError::MalformedPolicy(BadPolicy::TooLong),
                "MalformedPolicyDocumentException",
                400,
                "The policy document exceeds the maximum length of 20480 characters.",
            ),
            (
                SecretsError::MalformedPolicy(BadPolicy::Document(refused("{"))),
                "MalformedPolicyDocumentException",
                400,
                "Syntax errors in policy.",
            ),
            (
                SecretsError::MalformedPolicy(BadPolicy::Document(refused(unsigned))),
                "MalformedPolicyDocumentException",
                400,
                "Missing required field Principal",
            ),
            (
                SecretsError::PublicPolicy,
                "PublicPolicyException",
                400,
                "This resource policy contains a statement that grants public access.",
            ),
            (
                SecretsError::AccessDenied {
                    caller: "arn:aws:iam::111122223333:user/u".into(),
                    action: "secretsmanager:GetSecretValue".into(),
                    resource: "arn:s".into(),
                },
                "AccessDeniedException",
                400,
                "User: arn:aws:iam::111122223333:user/u is not authorized to perform: secretsmanager:GetSecretValue on \
                 resource: arn:s because no identity-based policy allows the secretsmanager:GetSecretValue action",
            ),
            (
                kms_err(KmsUse::Decrypt, KmsError::Disabled { key_arn: arn.clone() }),
                "DecryptionFailure",
                400,
                "Secrets Manager can't decrypt the protected secret text using the provided KMS key. Reason: \
                 arn:aws:kms:us-east-1:111122223333:key/k is disabled.",
            ),
            (
                kms_err(KmsUse::Encrypt, KmsError::NotFound(Missing::Key("x".into()))),
                "EncryptionFailure",
                400,
                "Secrets Manager can't encrypt the secret value using the provided KMS key. Reason: Key 'x' does not exist",
            ),
            (
                kms_err(
                    KmsUse::Decrypt,
                    KmsError::AccessDenied(Denied::RetireGrant { principal_arn: "u".into(), grant_id: "g".into() }),
                ),
                "AccessDeniedException",
                400,
                "Access to KMS is not allowed",
            ),
            (
                kms_err(KmsUse::Decrypt, KmsError::IncorrectKey),
                "DecryptionFailure",
                400,
                "Secrets Manager can't decrypt the protected secret text using the provided KMS key. Reason: The key \
                 ID in the request does not identify a CMK that can perform this operation.",
            ),
            (
                kms_err(KmsUse::Encrypt, KmsError::AliasPrefix),
                "EncryptionFailure",
                400,
                "Secrets Manager can't encrypt the secret value using the provided KMS key. Reason: Alias must start \
                 with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/\
                 kms-alias.html",
            ),
            (
                kms_err(KmsUse::Encrypt, KmsError::AliasCharacters { name: "alias/a:b".into() }),
                "EncryptionFailure",
                400,
                "Secrets Manager can't encrypt the secret value using the provided KMS key. Reason: alias/a:b contains \
                 invalid characters for an alias",
            ),
            (
                kms_err(
                    KmsUse::Decrypt,
                    KmsError::InvalidState { key_arn: arn.clone(), state: trent_core::kms::KeyState::PendingDeletion },
                ),
                "DecryptionFailure",
                400,
                "Secrets Manager can't decrypt the protected secret text using the provided KMS key. Reason: \
                 arn:aws:kms:us-east-1:111122223333:key/k is pending deletion.",
            ),
            (
                SecretsError::Decryption,
                "DecryptionFailure",
                400,
                "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
            ),
            (
                SecretsError::Unavailable(StoreError::NotFound),
                "InternalServiceError",
                500,
                "An internal error occurred.",
            ),
        ];
        for (err, code, status, message) in cases {
            let aws = AwsError::from(err);
            assert_eq!((aws.code, aws.status.as_u16(), aws.message.as_str()), (code, status, message));
        }
    }
}
