//! AWS CloudTrail over awsJson1_1
//! (`X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Operation>`).
//!
//! Only `LookupEvents` is served, over Trent's own audit trail ([`trent_core::audit`]). One file
//! per operation holds its request, the call into [`AuditTrail`] and the response mapping;
//! [`CloudTrailAction`] dispatches; [`errors`] maps domain errors to CloudTrail's exceptions.

mod errors;
mod lookup_events;

use serde::Serialize;
use serde::de::DeserializeOwned;
use trent_core::Caller;
use trent_core::audit::AuditTrail;

use crate::AwsError;

/// The `X-Amz-Target` prefix of CloudTrail, as botocore's `targetPrefix` and every SDK send it.
pub const TARGET_PREFIX: &str = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";
/// The short prefix some clients and documentation use; accepted too.
pub const SHORT_TARGET_PREFIX: &str = "CloudTrail_20131101.";
/// The SigV4 service name of CloudTrail.
pub const SIGNING_SERVICE: &str = "cloudtrail";

/// The operation named by an `X-Amz-Target` value, if it is a CloudTrail target.
pub fn operation(target: &str) -> Option<&str> {
    target.strip_prefix(TARGET_PREFIX).or_else(|| target.strip_prefix(SHORT_TARGET_PREFIX))
}

/// The CloudTrail operations this server implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CloudTrailAction {
    /// `LookupEvents`.
    LookupEvents,
}

impl CloudTrailAction {
    /// Every implemented operation.
    pub const ALL: &'static [CloudTrailAction] = &[CloudTrailAction::LookupEvents];

    /// The operation named by the part of `X-Amz-Target` after the prefix.
    pub fn parse(operation: &str) -> Option<Self> {
        match operation {
            "LookupEvents" => Some(Self::LookupEvents),
            _ => None,
        }
    }

    /// The operation's AWS name.
    pub fn name(self) -> &'static str {
        match self {
            Self::LookupEvents => "LookupEvents",
        }
    }
}

/// Runs the CloudTrail operation `operation` for `caller` over `trail`, returning the JSON
/// answer.
///
/// # Errors
/// The AWS-shaped error: `UnknownOperationException` for an operation not implemented,
/// `SerializationException` for a body that is not the operation's JSON, and CloudTrail's own
/// exceptions (`InvalidLookupAttributesException`, ...).
pub async fn dispatch(trail: &AuditTrail, caller: &Caller, operation: &str, body: &[u8]) -> Result<Vec<u8>, AwsError> {
    match CloudTrailAction::parse(operation).ok_or_else(AwsError::unknown_operation)? {
        CloudTrailAction::LookupEvents => {
            let req = decode(body)?;
            encode(&lookup_events::handle(trail, caller, req).await?)
        }
    }
}

fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, AwsError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { &b"{}"[..] } else { body };
    serde_json::from_slice(body).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Data => "a member has the wrong type",
            _ => "malformed JSON",
        };
        AwsError::serialization(format!(
            "Could not parse the request body: {what} at line {} column {}",
            e.line(),
            e.column()
        ))
    })
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, AwsError> {
    serde_json::to_vec(value).map_err(|_| AwsError::internal())
}
