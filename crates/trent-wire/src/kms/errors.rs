//! The one mapping from [`KmsError`] to AWS error types and HTTP statuses.
//!
//! Exhaustive, without a `_` arm: a new domain error does not compile until it is mapped.
//! Every KMS error of the botocore model is HTTP 400 except the faults
//! (`KMSInternalException`, `DependencyTimeoutException`), which are 500.

use http::StatusCode;
use trent_core::kms::{
    Contended, HsmFault, KmsError, Limit, MAX_ALIASES_PER_KEY, MAX_CUSTOM_KEY_STORES, MAX_GRANTS_PER_KEY,
    MAX_ON_DEMAND_ROTATIONS, MAX_POLICY_BYTES, MAX_TAGS_PER_KEY, Missing,
};

use crate::AwsError;

const BAD: StatusCode = StatusCode::BAD_REQUEST;

/// AWS's sentence for `IncorrectKeyException` (it still says CMK).
const INCORRECT_KEY: &str = "The key ID in the request does not identify a CMK that can perform this operation.";

/// AWS's sentence for an alias name without its prefix, link included.
const ALIAS_PREFIX: &str = "Alias must start with the prefix \"alias/\". \
                            Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html";

impl From<KmsError> for AwsError {
    fn from(e: KmsError) -> Self {
        Self::from(&e)
    }
}

/// AWS's message for `e`: where the domain's typed errors become AWS's sentences, once.
pub(crate) fn message(e: &KmsError) -> String {
    match e {
        KmsError::NotFound(missing) => not_found(missing),
        KmsError::LimitExceeded(limit) => limit_exceeded(limit),
        KmsError::InvalidArn { arn } => format!("Invalid arn {arn}"),
        KmsError::Conflict(Contended::Key) => "The key was modified concurrently; retry the request".to_owned(),
        KmsError::Conflict(Contended::PrimaryRegion) => {
            "The primary Region moved concurrently; retry the request".to_owned()
        }
        KmsError::Conflict(Contended::CustomKeyStore) => {
            "The custom key store was changed concurrently; retry.".to_owned()
        }
        KmsError::Throttled { .. } => super::SERVICE.throttling_message.to_owned(),
        KmsError::IncorrectKey => INCORRECT_KEY.to_owned(),
        KmsError::AliasPrefix => ALIAS_PREFIX.to_owned(),
        KmsError::AliasCharacters { name } => format!("{name} contains invalid characters for an alias"),
        KmsError::HsmKey { key_arn, fault: HsmFault::KeyMissing } => format!(
            "The key material for {key_arn} is not in the AWS CloudHSM cluster associated with its custom key store."
        ),
        KmsError::HsmKey { key_arn, fault: HsmFault::Failed } => {
            format!(
                "The AWS CloudHSM cluster of the custom key store failed the cryptographic operation with {key_arn}."
            )
        }
        _ => e.to_string(),
    }
}

/// `LimitExceededException`'s sentence for the quota.
fn limit_exceeded(limit: &Limit) -> String {
    match limit {
        Limit::GrantsPerKey { key_arn } => format!("{key_arn} has the maximum of {MAX_GRANTS_PER_KEY} grants"),
        Limit::AliasesPerKey { key_arn } => {
            format!("Key {key_arn} already has the maximum of {MAX_ALIASES_PER_KEY} aliases")
        }
        Limit::KeyPolicySize { bytes } => {
            format!("The key policy is {bytes} bytes; the key policy document size quota is {MAX_POLICY_BYTES} bytes")
        }
        Limit::TagsPerKey => format!("A key may have at most {MAX_TAGS_PER_KEY} tags"),
        Limit::OnDemandRotations { key_arn } => {
            format!("{key_arn} has reached the limit of {MAX_ON_DEMAND_ROTATIONS} on-demand rotations")
        }
        Limit::CustomKeyStores => format!(
            "The request was rejected because you have reached the limit of {MAX_CUSTOM_KEY_STORES} custom key \
             stores in this account and Region."
        ),
    }
}

/// `NotFoundException`'s sentence for what is missing.
fn not_found(missing: &Missing) -> String {
    match missing {
        Missing::Key(name) => format!("Key '{name}' does not exist"),
        Missing::KeyId(input) => format!("Invalid keyId '{input}'"),
        Missing::ArnRegion(region) => format!("Invalid arn {region}"),
        Missing::Alias { scope, name } => format!("Alias {} is not found.", scope.arn("kms", name)),
        Missing::Grant(id) => format!("Grant ID {id} not found"),
        Missing::KeyPolicy => "No such policy exists".to_owned(),
    }
}

/// By reference, for a KMS error that the domain still returns after reporting it, such as
/// one of a call made on a caller's behalf, which the trail records with its own `errorCode`.
impl From<&KmsError> for AwsError {
    fn from(e: &KmsError) -> Self {
        let message = message(e);
        let (code, status) = match &e {
            KmsError::NotFound(_) => ("NotFoundException", BAD),
            KmsError::InvalidArn { .. } => ("InvalidArnException", BAD),
            KmsError::Disabled { .. } => ("DisabledException", BAD),
            KmsError::InvalidState { .. }
            | KmsError::NoPendingRotation { .. }
            | KmsError::RotationPending { .. }
            | KmsError::HsmKey { .. } => ("KMSInvalidStateException", BAD),
            KmsError::InvalidCiphertext => ("InvalidCiphertextException", BAD),
            KmsError::IncorrectKey => ("IncorrectKeyException", BAD),
            KmsError::InvalidSignature => ("KMSInvalidSignatureException", BAD),
            KmsError::InvalidMac => ("KMSInvalidMacException", BAD),
            KmsError::IncorrectKeyMaterial(_) => ("IncorrectKeyMaterialException", BAD),
            KmsError::ExpiredImportToken => ("ExpiredImportTokenException", BAD),
            KmsError::InvalidImportToken => ("InvalidImportTokenException", BAD),
            KmsError::InvalidKeyUsage(_) => ("InvalidKeyUsageException", BAD),
            KmsError::AlreadyExists(_) => ("AlreadyExistsException", BAD),
            KmsError::AliasPrefix | KmsError::AliasCharacters { .. } => ("ValidationException", BAD),
            KmsError::InvalidAliasName(_) => ("InvalidAliasNameException", BAD),
            KmsError::NotAuthorized(_) => ("NotAuthorizedException", BAD),
            KmsError::LimitExceeded(_) => ("LimitExceededException", BAD),
            KmsError::Validation(_) => ("ValidationException", BAD),
            KmsError::InvalidGrantToken(_) => ("InvalidGrantTokenException", BAD),
            KmsError::InvalidGrantId(_) => ("InvalidGrantIdException", BAD),
            KmsError::InvalidMarker => ("InvalidMarkerException", BAD),
            KmsError::Unsupported(_) => ("UnsupportedOperationException", BAD),
            KmsError::Tag(_) => ("TagException", BAD),
            KmsError::MalformedPolicy(_) => ("MalformedPolicyDocumentException", BAD),
            KmsError::AccessDenied(_) => ("AccessDeniedException", BAD),
            KmsError::DryRun => ("DryRunOperationException", BAD),
            KmsError::CustomKeyStoreNotFound(_) => ("CustomKeyStoreNotFoundException", BAD),
            KmsError::CustomKeyStoreNameInUse { .. } => ("CustomKeyStoreNameInUseException", BAD),
            KmsError::CustomKeyStoreInvalidState { .. } => ("CustomKeyStoreInvalidStateException", BAD),
            KmsError::CloudHsmClusterNotFound { .. } => ("CloudHsmClusterNotFoundException", BAD),
            KmsError::CloudHsmClusterInUse { .. } => ("CloudHsmClusterInUseException", BAD),
            KmsError::CloudHsmClusterNotRelated { .. } => ("CloudHsmClusterNotRelatedException", BAD),
            KmsError::IncorrectTrustAnchor { .. } => ("IncorrectTrustAnchorException", BAD),
            KmsError::CloudHsmClusterInvalidConfiguration { .. } => {
                ("CloudHsmClusterInvalidConfigurationException", BAD)
            }
            KmsError::CustomKeyStoreHasKeys { .. } => ("CustomKeyStoreHasCMKsException", BAD),
            KmsError::Conflict(_) => ("ConflictException", BAD),
            KmsError::Throttled { .. } => ("ThrottlingException", BAD),
            KmsError::Unavailable(source) => {
                tracing::error!(error = %source, cause = ?std::error::Error::source(source), "storage unavailable");
                ("DependencyTimeoutException", StatusCode::INTERNAL_SERVER_ERROR)
            }
            KmsError::Internal(source) => {
                tracing::error!(error = %source, "internal error");
                ("KMSInternalException", StatusCode::INTERNAL_SERVER_ERROR)
            }
        };
        AwsError::new(code, status, message)
    }
}

#[cfg(test)]
mod tests {
    use trent_core::StoreError;
    use trent_core::ids::{AccountId, Region, Scope};

    use super::*;

    /// Golden table: every domain error's `__type`, status and JSON body.
    #[test]
    fn every_kms_error_maps_to_its_aws_type() {
        let arn = "arn:aws:kms:us-east-1:111122223333:key/k".to_owned();
        let scope = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap());
        let cases: Vec<(KmsError, &str, u16, &str)> = vec![
            (KmsError::NotFound(Missing::Key("x".into())), "NotFoundException", 400, "Key 'x' does not exist"),
            (KmsError::NotFound(Missing::KeyId("alias/x".into())), "NotFoundException", 400, "Invalid keyId 'alias/x'"),
            (
                KmsError::NotFound(Missing::ArnRegion("eu-west-1".into())),
                "NotFoundException",
                400,
                "Invalid arn eu-west-1",
            ),
            (
                KmsError::NotFound(Missing::Alias { scope: scope.clone(), name: "alias/app".into() }),
                "NotFoundException",
                400,
                "Alias arn:aws:kms:us-east-1:111122223333:alias/app is not found.",
            ),
            (KmsError::NotFound(Missing::Grant("g1".into())), "NotFoundException", 400, "Grant ID g1 not found"),
            (KmsError::NotFound(Missing::KeyPolicy), "NotFoundException", 400, "No such policy exists"),
            (
                KmsError::InvalidArn { arn: "arn:aws:s3:::x".into() },
                "InvalidArnException",
                400,
                "Invalid arn arn:aws:s3:::x",
            ),
            (
                KmsError::Disabled { key_arn: arn.clone() },
                "DisabledException",
                400,
                "arn:aws:kms:us-east-1:111122223333:key/k is disabled.",
            ),
            (
                KmsError::InvalidState { key_arn: arn.clone(), what: "pending deletion" },
                "KMSInvalidStateException",
                400,
                "arn:aws:kms:us-east-1:111122223333:key/k is pending deletion.",
            ),
            (
                KmsError::NoPendingRotation { key_arn: arn.clone() },
                "KMSInvalidStateException",
                400,
                "No available key material pending rotation for the key: arn:aws:kms:us-east-1:111122223333:key/k.",
            ),
            (
                KmsError::RotationPending { key_id: "k".into(), new: "aa".into(), pending: "bb".into() },
                "KMSInvalidStateException",
                400,
                "New key material (id: aa) cannot be imported into KMS key k, because another key material (id: bb) \
                 is pending rotation.",
            ),
            (KmsError::InvalidCiphertext, "InvalidCiphertextException", 400, ""),
            (KmsError::InvalidSignature, "KMSInvalidSignatureException", 400, ""),
            (KmsError::InvalidMac, "KMSInvalidMacException", 400, ""),
            (KmsError::IncorrectKeyMaterial("m".into()), "IncorrectKeyMaterialException", 400, "m"),
            (
                KmsError::ExpiredImportToken,
                "ExpiredImportTokenException",
                400,
                "The import token expired; call GetParametersForImport again.",
            ),
            (
                KmsError::InvalidImportToken,
                "InvalidImportTokenException",
                400,
                "The import token is invalid or is associated with a different KMS key.",
            ),
            (
                KmsError::IncorrectKey,
                "IncorrectKeyException",
                400,
                "The key ID in the request does not identify a CMK that can perform this operation.",
            ),
            (
                KmsError::AliasPrefix,
                "ValidationException",
                400,
                "Alias must start with the prefix \"alias/\". \
                 Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
            ),
            (
                KmsError::AliasCharacters { name: "alias/my:alias".into() },
                "ValidationException",
                400,
                "alias/my:alias contains invalid characters for an alias",
            ),
            (KmsError::InvalidKeyUsage("u".into()), "InvalidKeyUsageException", 400, "u"),
            (KmsError::AlreadyExists("a".into()), "AlreadyExistsException", 400, "a"),
            (KmsError::InvalidAliasName("n".into()), "InvalidAliasNameException", 400, "n"),
            (KmsError::NotAuthorized("r".into()), "NotAuthorizedException", 400, "r"),
            (
                KmsError::LimitExceeded(Limit::GrantsPerKey { key_arn: arn.clone() }),
                "LimitExceededException",
                400,
                "arn:aws:kms:us-east-1:111122223333:key/k has the maximum of 50000 grants",
            ),
            (
                KmsError::LimitExceeded(Limit::AliasesPerKey { key_arn: arn.clone() }),
                "LimitExceededException",
                400,
                "Key arn:aws:kms:us-east-1:111122223333:key/k already has the maximum of 50 aliases",
            ),
            (
                KmsError::LimitExceeded(Limit::KeyPolicySize { bytes: 40_000 }),
                "LimitExceededException",
                400,
                "The key policy is 40000 bytes; the key policy document size quota is 32768 bytes",
            ),
            (
                KmsError::LimitExceeded(Limit::TagsPerKey),
                "LimitExceededException",
                400,
                "A key may have at most 50 tags",
            ),
            (
                KmsError::LimitExceeded(Limit::OnDemandRotations { key_arn: arn.clone() }),
                "LimitExceededException",
                400,
                "arn:aws:kms:us-east-1:111122223333:key/k has reached the limit of 10 on-demand rotations",
            ),
            (KmsError::Validation("v".into()), "ValidationException", 400, "v"),
            (KmsError::InvalidGrantToken("t".into()), "InvalidGrantTokenException", 400, "t"),
            (KmsError::InvalidGrantId("g".into()), "InvalidGrantIdException", 400, "g"),
            (KmsError::InvalidMarker, "InvalidMarkerException", 400, "Invalid marker"),
            (KmsError::Unsupported("s".into()), "UnsupportedOperationException", 400, "s"),
            (KmsError::Tag("t".into()), "TagException", 400, "t"),
            (KmsError::MalformedPolicy("p".into()), "MalformedPolicyDocumentException", 400, "p"),
            (KmsError::AccessDenied("d".into()), "AccessDeniedException", 400, "d"),
            (
                KmsError::DryRun,
                "DryRunOperationException",
                400,
                "The request would have succeeded, but the DryRun option is set.",
            ),
            (KmsError::CustomKeyStoreNotFound("c".into()), "CustomKeyStoreNotFoundException", 400, "c"),
            (
                KmsError::CustomKeyStoreNameInUse { name: "n".into() },
                "CustomKeyStoreNameInUseException",
                400,
                "The custom key store name 'n' is already in use in this account and Region.",
            ),
            (
                KmsError::CustomKeyStoreInvalidState {
                    id: "cks-1".into(),
                    state: trent_core::kms::ConnectionState::Disconnected,
                },
                "CustomKeyStoreInvalidStateException",
                400,
                "Custom key store 'cks-1' has ConnectionState DISCONNECTED; the operation is not valid in that state.",
            ),
            (
                KmsError::CloudHsmClusterNotFound { cluster_id: "cluster-abc".into() },
                "CloudHsmClusterNotFoundException",
                400,
                "AWS CloudHSM cluster 'cluster-abc' does not exist.",
            ),
            (
                KmsError::CloudHsmClusterInUse { cluster_id: "cluster-abc".into() },
                "CloudHsmClusterInUseException",
                400,
                "AWS CloudHSM cluster 'cluster-abc' is already associated with a custom key store in this account \
                 and Region.",
            ),
            (
                KmsError::CloudHsmClusterNotRelated { cluster_id: "cluster-abc".into() },
                "CloudHsmClusterNotRelatedException",
                400,
                "AWS CloudHSM cluster 'cluster-abc' is not related to the custom key store's cluster.",
            ),
            (
                KmsError::IncorrectTrustAnchor { cluster_id: "cluster-abc".into() },
                "IncorrectTrustAnchorException",
                400,
                "The trust anchor certificate does not match the trust anchor of AWS CloudHSM cluster 'cluster-abc'.",
            ),
            (
                KmsError::CloudHsmClusterInvalidConfiguration { cluster_id: "cluster-abc".into() },
                "CloudHsmClusterInvalidConfigurationException",
                400,
                "AWS CloudHSM cluster 'cluster-abc' cannot create the key material.",
            ),
            (
                KmsError::CustomKeyStoreHasKeys { id: "cks-1".into() },
                "CustomKeyStoreHasCMKsException",
                400,
                "Custom key store 'cks-1' contains KMS keys.",
            ),
            (
                KmsError::HsmKey { key_arn: arn.clone(), fault: HsmFault::KeyMissing },
                "KMSInvalidStateException",
                400,
                "The key material for arn:aws:kms:us-east-1:111122223333:key/k is not in the AWS CloudHSM cluster \
                 associated with its custom key store.",
            ),
            (
                KmsError::HsmKey { key_arn: arn.clone(), fault: HsmFault::Failed },
                "KMSInvalidStateException",
                400,
                "The AWS CloudHSM cluster of the custom key store failed the cryptographic operation with \
                 arn:aws:kms:us-east-1:111122223333:key/k.",
            ),
            (
                KmsError::InvalidState { key_arn: arn.clone(), what: "unavailable" },
                "KMSInvalidStateException",
                400,
                "arn:aws:kms:us-east-1:111122223333:key/k is unavailable.",
            ),
            (
                KmsError::Conflict(Contended::Key),
                "ConflictException",
                400,
                "The key was modified concurrently; retry the request",
            ),
            (
                KmsError::Conflict(Contended::PrimaryRegion),
                "ConflictException",
                400,
                "The primary Region moved concurrently; retry the request",
            ),
            (
                KmsError::Conflict(Contended::CustomKeyStore),
                "ConflictException",
                400,
                "The custom key store was changed concurrently; retry.",
            ),
            (
                KmsError::LimitExceeded(Limit::CustomKeyStores),
                "LimitExceededException",
                400,
                "The request was rejected because you have reached the limit of 10 custom key stores in this account \
                 and Region.",
            ),
            (
                KmsError::Throttled { quota: "kms:cryptographic-rsa" },
                "ThrottlingException",
                400,
                "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.",
            ),
            (
                KmsError::Unavailable(StoreError::Unavailable("db down at /secret/path".into())),
                "DependencyTimeoutException",
                500,
                "The system timed out while trying to fulfill the request.",
            ),
            (KmsError::Internal("boom: detail".into()), "KMSInternalException", 500, "An internal error occurred."),
        ];
        for (err, code, status, message) in cases {
            let aws = AwsError::from(err);
            assert_eq!((aws.code, aws.status.as_u16(), aws.message.as_str()), (code, status, message));
            let body: serde_json::Value = serde_json::from_slice(&aws.to_json()).unwrap();
            assert_eq!(body, serde_json::json!({"__type": code, "message": message}));
        }
    }
}
