//! The one mapping from [`KmsError`] to AWS error types and HTTP statuses.
//!
//! Exhaustive, without a `_` arm: a new domain error does not compile until it is mapped.
//! Every KMS error of the botocore model is HTTP 400 except the faults
//! (`KMSInternalException`, `DependencyTimeoutException`), which are 500.

use http::StatusCode;
use trent_core::kms::KmsError;

use crate::AwsError;

mod messages;
mod unsupported;
pub(crate) use messages::message;
#[cfg(test)]
mod tests;

const BAD: StatusCode = StatusCode::BAD_REQUEST;

impl From<KmsError> for AwsError {
    fn from(e: KmsError) -> Self {
        Self::from(&e)
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
            | KmsError::NotPendingDeletion { .. }
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
            KmsError::InvalidAliasName { .. } => ("InvalidAliasNameException", BAD),
            KmsError::NotAuthorized { .. } => ("NotAuthorizedException", BAD),
            KmsError::LimitExceeded(_) => ("LimitExceededException", BAD),
            KmsError::Validation(_) => ("ValidationException", BAD),
            KmsError::InvalidGrantToken => ("InvalidGrantTokenException", BAD),
            KmsError::InvalidGrantId { .. } => ("InvalidGrantIdException", BAD),
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
