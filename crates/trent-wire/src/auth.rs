//! Why a request was not authenticated, and the one mapping of each reason to the error AWS
//! answers with, for both protocols (ADR 0003).
//!
//! The server decides *whether* a request is authentic (signature, scope, access key, token,
//! expiry); this module only says how each refusal looks on the wire: `...Exception` types on
//! awsJson, IAM/STS codes on awsQuery.

use http::StatusCode;

use crate::AwsError;
use crate::service::Protocol;
use crate::sigv4::AuthError;

/// AWS's message for an unknown access key or a wrong session token.
pub const INVALID_TOKEN: &str = "The security token included in the request is invalid.";
/// AWS's message for expired temporary credentials.
pub const EXPIRED_TOKEN: &str = "The security token included in the request is expired";

/// Why a request is not authenticated.
#[derive(Debug)]
pub enum AuthFailure {
    /// The signature is missing, malformed, stale, wrongly scoped or wrong.
    Signature(AuthError),
    /// The access key is not known or not active, or the session token is wrong or missing.
    UnrecognizedClient,
    /// Temporary credentials used after their expiry.
    ExpiredToken,
    /// The credentials could not be loaded (the cause goes to the log, never to the client).
    Internal(trent_core::IdentityError),
}

impl From<AuthError> for AuthFailure {
    fn from(e: AuthError) -> Self {
        Self::Signature(e)
    }
}

impl AuthFailure {
    /// The error AWS answers with over `protocol`.
    ///
    /// awsJson: `MissingAuthenticationTokenException` 403, every other reason 400
    /// (`IncompleteSignatureException`, `InvalidSignatureException`,
    /// `UnrecognizedClientException`, `ExpiredTokenException`), as KMS and the other awsJson
    /// services answer. awsQuery: `MissingAuthenticationToken` 403, `IncompleteSignature` 400,
    /// `SignatureDoesNotMatch` 403 (wrong signature, stale time, wrong scope),
    /// `InvalidClientTokenId` 403, `ExpiredToken` 403.
    pub fn to_aws_error(&self, protocol: Protocol) -> AwsError {
        let json = matches!(protocol, Protocol::Json { .. });
        let (code, status, message): (&'static str, StatusCode, String) = match self {
            AuthFailure::Signature(e @ AuthError::MissingAuthenticationToken) => {
                let code = if json { e.aws_type() } else { "MissingAuthenticationToken" };
                (code, StatusCode::FORBIDDEN, e.message().to_owned())
            }
            AuthFailure::Signature(e @ AuthError::IncompleteSignature(_)) => {
                let code = if json { e.aws_type() } else { "IncompleteSignature" };
                (code, StatusCode::BAD_REQUEST, e.message().to_owned())
            }
            AuthFailure::Signature(e @ AuthError::InvalidSignature(_)) if json => {
                (e.aws_type(), StatusCode::BAD_REQUEST, e.message().to_owned())
            }
            AuthFailure::Signature(e @ AuthError::InvalidSignature(_)) => {
                ("SignatureDoesNotMatch", StatusCode::FORBIDDEN, e.message().to_owned())
            }
            AuthFailure::UnrecognizedClient if json => {
                ("UnrecognizedClientException", StatusCode::BAD_REQUEST, INVALID_TOKEN.to_owned())
            }
            AuthFailure::UnrecognizedClient => {
                ("InvalidClientTokenId", StatusCode::FORBIDDEN, INVALID_TOKEN.to_owned())
            }
            AuthFailure::ExpiredToken if json => {
                ("ExpiredTokenException", StatusCode::BAD_REQUEST, EXPIRED_TOKEN.to_owned())
            }
            AuthFailure::ExpiredToken => ("ExpiredToken", StatusCode::FORBIDDEN, EXPIRED_TOKEN.to_owned()),
            AuthFailure::Internal(e) => {
                tracing::error!(error = %e, cause = ?std::error::Error::source(e), "credential lookup failed");
                return if json {
                    AwsError::internal()
                } else {
                    AwsError::new("InternalFailure", StatusCode::INTERNAL_SERVER_ERROR, "An internal error occurred.")
                };
            }
        };
        AwsError::new(code, status, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Protocol = Protocol::Json { target_prefixes: &[] };
    const QUERY: Protocol = Protocol::Query { namespace: "" };

    /// Golden table: each authentication failure's awsJson and awsQuery code and status.
    #[test]
    fn failures_answer_in_each_protocols_names() {
        let cases = [
            (
                AuthFailure::Signature(AuthError::MissingAuthenticationToken),
                ("MissingAuthenticationTokenException", 403),
                ("MissingAuthenticationToken", 403),
            ),
            (
                AuthFailure::Signature(AuthError::IncompleteSignature("i".into())),
                ("IncompleteSignatureException", 400),
                ("IncompleteSignature", 400),
            ),
            (
                AuthFailure::Signature(AuthError::InvalidSignature("s".into())),
                ("InvalidSignatureException", 400),
                ("SignatureDoesNotMatch", 403),
            ),
            (AuthFailure::UnrecognizedClient, ("UnrecognizedClientException", 400), ("InvalidClientTokenId", 403)),
            (AuthFailure::ExpiredToken, ("ExpiredTokenException", 400), ("ExpiredToken", 403)),
            (
                AuthFailure::Internal(trent_core::IdentityError::Crypto(
                    trent_crypto::CryptoError::AuthenticationFailed,
                )),
                ("InternalFailure", 500),
                ("InternalFailure", 500),
            ),
        ];
        for (failure, json, query) in cases {
            let j = failure.to_aws_error(JSON);
            assert_eq!((j.code, j.status.as_u16()), json, "{failure:?}");
            let q = failure.to_aws_error(QUERY);
            assert_eq!((q.code, q.status.as_u16()), query, "{failure:?}");
        }
        assert_eq!(AuthFailure::ExpiredToken.to_aws_error(QUERY).message, EXPIRED_TOKEN);
        assert_eq!(AuthFailure::UnrecognizedClient.to_aws_error(JSON).message, INVALID_TOKEN);
    }
}
