//! The declaration of a wire service, and what its dispatcher hands back.
//!
//! Each service module (`kms`, `cloudtrail`, `iam`, `sts`, and the services not served yet)
//! declares one [`WireService`]: how requests reach it (an `X-Amz-Target` prefix, or the
//! awsQuery endpoint), the SigV4 name its requests must be signed for, whether it is regional
//! or global, and its audit rules. The server routes, authenticates, audits and answers every
//! service through one generic path driven by these declarations; the service's dispatcher
//! decodes the body once and returns a [`Dispatched`]: the answer and the typed facts the
//! audit trail may record ([`CallFacts`]).

use serde::Serialize;
use serde::de::DeserializeOwned;
use trent_core::audit::CallFacts;
use trent_core::audit::rules::ServiceRules;

use crate::AwsError;

/// How requests reach a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// awsJson1_1: `POST /` with `X-Amz-Target: <prefix><Operation>`. The first prefix is the
    /// one botocore's `targetPrefix` gives; others are accepted aliases.
    Json {
        /// The accepted `X-Amz-Target` prefixes, dot included.
        target_prefixes: &'static [&'static str],
    },
    /// awsQuery: `Action=<Operation>&Version=...` in a form body or query string, answered in
    /// XML; the SigV4 credential scope's service picks the service.
    Query {
        /// The XML namespace of answers and errors.
        namespace: &'static str,
    },
}

/// Where a service's resources live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Scoped by region: requests must be signed for a region this deployment hosts.
    Regional,
    /// Global (IAM, STS): requests may be signed for any region.
    Global,
}

/// One wire service, as the request path needs to know it.
#[derive(Debug)]
pub struct WireService {
    /// A short name for logs and metrics (`kms`).
    pub name: &'static str,
    /// The SigV4 service name requests must be signed for (`kms`).
    pub signing_name: &'static str,
    /// How requests reach it.
    pub protocol: Protocol,
    /// Regional or global.
    pub reach: Reach,
    /// What the audit trail records of its calls.
    pub audit: &'static ServiceRules,
    /// The message of its `ThrottlingException` (`Throttling` on awsQuery).
    pub throttling_message: &'static str,
}

/// The throttling message most AWS services send.
pub(crate) const RATE_EXCEEDED: &str = "Rate exceeded";

impl WireService {
    /// The operation named by an `X-Amz-Target` value, if the value addresses this service.
    pub fn operation<'t>(&self, target: &'t str) -> Option<&'t str> {
        match self.protocol {
            Protocol::Json { target_prefixes } => target_prefixes.iter().find_map(|p| target.strip_prefix(p)),
            Protocol::Query { .. } => None,
        }
    }

    /// The error a call past its request quota answers: `ThrottlingException` (awsJson) or
    /// `Throttling` (awsQuery), HTTP 400, which every SDK retries with backoff.
    pub fn throttled(&self) -> AwsError {
        AwsError::new(self.throttled_code(), http::StatusCode::BAD_REQUEST, self.throttling_message)
    }

    /// Whether `e` is this service's throttling error (a call refused for its quota).
    pub fn is_throttling(&self, e: &AwsError) -> bool {
        e.code == self.throttled_code()
    }

    fn throttled_code(&self) -> &'static str {
        match self.protocol {
            Protocol::Json { .. } => "ThrottlingException",
            Protocol::Query { .. } => "Throttling",
        }
    }
}

/// What a dispatcher returns: the answer (JSON or XML bytes) or the AWS error, and what the
/// audit trail may record of the call.
#[derive(Debug)]
pub struct Dispatched {
    /// The answer body, or the error to frame.
    pub result: Result<Vec<u8>, AwsError>,
    /// The typed facts of the call.
    pub facts: CallFacts,
}

impl Dispatched {
    /// A call that failed before its request was understood: nothing of it is recorded but
    /// the error.
    pub fn failed(error: AwsError) -> Self {
        Self { result: Err(error), facts: CallFacts::default() }
    }
}

/// Decodes an awsJson body into an operation's typed request (an empty body is `{}`).
///
/// # Errors
/// `SerializationException`, naming where the JSON broke or which member has the wrong type,
/// never echoing a value.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AwsError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { &b"{}"[..] } else { body };
    serde_json::from_slice(body)
        .map_err(|e| AwsError::serialization(format!("Could not parse the request body: {}", classify(&e))))
}

/// Encodes an awsJson answer.
///
/// # Errors
/// `InternalFailure` if the answer cannot be serialised (it cannot for these types).
pub fn encode_json<T: Serialize>(value: &T) -> Result<Vec<u8>, AwsError> {
    serde_json::to_vec(value).map_err(|_| AwsError::internal())
}

/// The recordable members of a typed message: its serialisation, which leaves out every
/// secret member by type (plaintexts and keys have no `Serialize`) or by
/// `#[serde(skip_serializing)]`. The audit trail still drops secret member names on top.
pub fn audit_value<T: Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

/// serde_json's message without the value it may echo.
fn classify(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            format!("malformed JSON at line {} column {}", e.line(), e.column())
        }
        serde_json::error::Category::Data => {
            let text = e.to_string();
            // "invalid type: string \"...\", expected u32 at line 1 column 9": drop the echoed value.
            match text.split_once(", expected") {
                Some((_, rest)) => format!("wrong type, expected{rest}"),
                None if text.starts_with("unknown variant") || text.starts_with("invalid") => {
                    format!("a member has the wrong type at line {} column {}", e.line(), e.column())
                }
                None => text,
            }
        }
        serde_json::error::Category::Io => "I/O error".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Req {
        #[serde(rename = "N")]
        n: Option<u32>,
    }

    /// Guards against echoing a client's value in a parse error (it may be a secret).
    #[test]
    fn parse_errors_never_echo_values() {
        let e = decode_json::<Req>(br#"{"N": "SECRET-VALUE"}"#).unwrap_err();
        assert_eq!(e.code, "SerializationException");
        assert!(!e.message.contains("SECRET"), "{}", e.message);
        let e = decode_json::<Req>(br#"{"N": 1"#).unwrap_err();
        assert!(e.message.contains("malformed JSON"), "{}", e.message);
        assert!(decode_json::<Req>(b"  ").is_ok());
    }
}
