//! AWS-shaped errors as they go on the wire: a `__type`, an HTTP status and a message.
//!
//! Each service maps its domain error to an [`AwsError`] exactly once (see
//! `kms::errors`); this module only knows how to frame one for each protocol.

use http::StatusCode;

/// The awsJson code of an authorization refusal.
pub(crate) const ACCESS_DENIED_JSON: &str = "AccessDeniedException";
/// The awsQuery code of an authorization refusal.
pub(crate) const ACCESS_DENIED_QUERY: &str = "AccessDenied";

/// An error answer: the AWS error code, its HTTP status and a message for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// The `__type` (awsJson) or `Code` (awsQuery), e.g. `NotFoundException`.
    pub code: &'static str,
    /// The HTTP status AWS uses for it.
    pub status: StatusCode,
    /// Human-readable text. Never contains plaintext, key material or secret values.
    pub message: String,
}

impl AwsError {
    /// An error with the given code, status and message.
    pub fn new(code: &'static str, status: StatusCode, message: impl Into<String>) -> Self {
        Self { code, status, message: message.into() }
    }

    /// `ValidationException` (400).
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", StatusCode::BAD_REQUEST, message)
    }

    /// `SerializationException` (400): the body is not the JSON the operation expects.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new("SerializationException", StatusCode::BAD_REQUEST, message)
    }

    /// `UnknownOperationException` (400): the target names no operation this server implements.
    pub fn unknown_operation() -> Self {
        Self::new("UnknownOperationException", StatusCode::BAD_REQUEST, "")
    }

    /// `InternalFailure` (500) with a generic body; the cause goes to the log only.
    pub fn internal() -> Self {
        Self::new("InternalFailure", StatusCode::INTERNAL_SERVER_ERROR, "An internal error occurred.")
    }

    /// `ServiceUnavailableException` (503): the server cannot serve now (it is sealed, for
    /// instance); the message says why and what an operator does about it.
    pub fn service_unavailable(message: impl Into<String>) -> Self {
        Self::new("ServiceUnavailableException", StatusCode::SERVICE_UNAVAILABLE, message)
    }

    /// Whether authorization refused the call (`AccessDeniedException` on awsJson,
    /// `AccessDenied` on awsQuery): CloudTrail records such a cross-account call in the
    /// caller's trail only.
    pub fn is_access_denied(&self) -> bool {
        self.code == ACCESS_DENIED_JSON || self.code == ACCESS_DENIED_QUERY
    }

    /// The awsJson1_1 body: `{"__type": "...", "message": "..."}`.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({ "__type": self.code, "message": self.message }))
            .unwrap_or_else(|_| br#"{"__type":"InternalFailure"}"#.to_vec())
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status.as_u16(), self.message)
    }
}

impl std::error::Error for AwsError {}
