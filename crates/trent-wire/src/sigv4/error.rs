//! The errors of SigV4 authentication, worded as AWS words them.
//!
//! Each variant maps to exactly one AWS `__type`, so the HTTP layer can answer a failed
//! signature check exactly as AWS would without looking at message text. Messages never
//! contain a signature, a secret or a session token: only names, dates and credential scopes
//! that the caller sent in the clear.

use thiserror::Error;

/// Why a request failed SigV4 authentication.
///
/// The three variants are the three AWS error codes a SigV4 front end returns before any
/// service logic runs; the `String` payloads are the human-readable `message` AWS would send.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuthError {
    /// The request carries neither an `Authorization` header nor an `X-Amz-Algorithm` query
    /// parameter: it is not signed at all.
    #[error("Missing Authentication Token")]
    MissingAuthenticationToken,
    /// The request tries to use SigV4 but the signature information is malformed or missing
    /// a part (credential, signed headers, signature, date), so no signature can be computed.
    #[error("{0}")]
    IncompleteSignature(String),
    /// The signature information is complete but wrong: the signature does not match, the
    /// credential scope is inconsistent, a signed header is absent, or the time is off.
    #[error("{0}")]
    InvalidSignature(String),
}

impl AuthError {
    /// The AWS error code (`__type`) for this error, without a namespace prefix.
    pub fn aws_type(&self) -> &'static str {
        match self {
            AuthError::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            AuthError::IncompleteSignature(_) => "IncompleteSignatureException",
            AuthError::InvalidSignature(_) => "InvalidSignatureException",
        }
    }

    /// The message AWS sends with this error, safe to return to the client and to log.
    pub fn message(&self) -> &str {
        match self {
            AuthError::MissingAuthenticationToken => MISSING_AUTHENTICATION_TOKEN,
            AuthError::IncompleteSignature(m) | AuthError::InvalidSignature(m) => m,
        }
    }

    /// The signature computed from the request differs from the one it carries.
    pub(super) fn signature_mismatch() -> Self {
        AuthError::InvalidSignature(SIGNATURE_MISMATCH.to_owned())
    }

    pub(super) fn incomplete(message: impl Into<String>) -> Self {
        AuthError::IncompleteSignature(message.into())
    }

    pub(super) fn invalid(message: impl Into<String>) -> Self {
        AuthError::InvalidSignature(message.into())
    }
}

/// The message of [`AuthError::MissingAuthenticationToken`].
pub(super) const MISSING_AUTHENTICATION_TOKEN: &str = "Missing Authentication Token";

/// AWS's message for a signature that does not match the request.
pub(super) const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you \
     provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// AWS's message when the payload hash header disagrees with the body.
pub(super) const CONTENT_SHA256_MISMATCH: &str =
    "The provided 'x-amz-content-sha256' header does not match what was computed.";

/// AWS's message for a signature that does not cover the `Host` header.
pub(super) const HOST_NOT_SIGNED: &str = "'Host' must be a 'SignedHeader' in the AWS Authorization.";

/// AWS's message, for `X-Amz-Target`, when a required header is not covered by the signature:
/// a presigned request must sign the operation it names.
pub(super) const TARGET_NOT_SIGNED: &str = "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.";

/// AWS's message for a presigned request used after `X-Amz-Date + X-Amz-Expires`.
pub(super) const REQUEST_EXPIRED: &str = "Request has expired";

/// AWS's message when both signature locations are used at once.
pub(super) const TWO_AUTH_MECHANISMS: &str = "Only one auth mechanism allowed; only the X-Amz-Algorithm query \
     parameter or the Authorization header should be specified";

/// AWS's message for an algorithm other than `AWS4-HMAC-SHA256`.
pub(super) fn unsupported_algorithm(algorithm: &str) -> AuthError {
    AuthError::incomplete(format!("Unsupported AWS 'algorithm': '{}'", truncate(algorithm)))
}

/// AWS's message for a date that is not `YYYYMMDD'T'HHMMSS'Z'` (or, for `Date`, RFC 1123).
pub(super) fn malformed_date(value: &str) -> AuthError {
    AuthError::incomplete(format!(
        "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
        truncate(value)
    ))
}

/// AWS's message for a credential that is not `AKID/date/region/service/aws4_request`.
pub(super) fn malformed_credential(credential: &str) -> AuthError {
    AuthError::incomplete(format!(
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{}'",
        truncate(credential)
    ))
}

/// AWS's message for a credential scope whose last element is not `aws4_request`.
pub(super) fn bad_terminator(terminator: &str) -> AuthError {
    AuthError::invalid(format!(
        "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'.",
        truncate(terminator)
    ))
}

/// AWS's message for a credential date that differs from the request's date.
pub(super) fn scope_date_mismatch(scope_date: &str, request_date: &str, amz_date: &str) -> AuthError {
    AuthError::invalid(format!(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \
         '{}' != '{request_date}', from '{amz_date}'.",
        truncate(scope_date)
    ))
}

/// The message for a header named in `SignedHeaders` that the request does not carry.
pub(super) fn signed_header_absent(name: &str) -> AuthError {
    AuthError::invalid(format!("Header '{}' is named in SignedHeaders but is absent from the request.", truncate(name)))
}

/// The message for a `SignedHeaders` list longer than [`super::MAX_SIGNED_HEADERS`].
pub(super) fn too_many_signed_headers(count: usize) -> AuthError {
    AuthError::invalid(format!(
        "SignedHeaders lists {count} headers; at most {} may be signed.",
        super::MAX_SIGNED_HEADERS
    ))
}

/// The message for a header named twice in `SignedHeaders`.
pub(super) fn signed_header_repeated(name: &str) -> AuthError {
    AuthError::invalid(format!("Header '{}' is named more than once in SignedHeaders.", truncate(name)))
}

/// The message for a query string with more than [`super::MAX_QUERY_PARAMETERS`] parameters.
pub(super) fn too_many_query_parameters() -> AuthError {
    AuthError::invalid(format!("The query string has more than {} parameters.", super::MAX_QUERY_PARAMETERS))
}

/// The message for a credential scope with a part longer than
/// [`super::MAX_CREDENTIAL_PART_LEN`].
pub(super) fn credential_part_too_long(credential: &str) -> AuthError {
    AuthError::incomplete(format!(
        "Credential elements must be at most {} characters long, got '{}'",
        super::MAX_CREDENTIAL_PART_LEN,
        truncate(credential)
    ))
}

/// The message for a session token longer than [`super::MAX_SECURITY_TOKEN_LEN`].
pub(super) fn security_token_too_long() -> AuthError {
    AuthError::incomplete(format!(
        "X-Amz-Security-Token must be at most {} characters long.",
        super::MAX_SECURITY_TOKEN_LEN
    ))
}

/// The message for a presigned-request parameter given more than once.
pub(super) fn repeated_query_auth_parameter(name: &str) -> AuthError {
    AuthError::incomplete(format!("AWS query-string parameter '{name}' must be given only once."))
}

/// Caps client-supplied text echoed into a message, so an error cannot be used to reflect
/// an arbitrarily large header back or to bloat logs.
fn truncate(text: &str) -> &str {
    const MAX: usize = 128;
    if text.len() <= MAX {
        return text;
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
