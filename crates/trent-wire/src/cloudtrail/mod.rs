//! AWS CloudTrail over awsJson1_1
//! (`X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Operation>`).
//!
//! Only `LookupEvents` is served, over Trent's own audit trail ([`trent_core::audit`]). One file
//! per operation holds its request, the call into [`AuditTrail`] and the response mapping;
//! [`CloudTrailAction`] dispatches; [`errors`] maps domain errors to CloudTrail's exceptions.

mod errors;
mod lookup_events;

use trent_core::Caller;
use trent_core::audit::rules::CLOUDTRAIL;
use trent_core::audit::{AuditTrail, CallFacts};

use crate::AwsError;
use crate::service::{Dispatched, Protocol, Reach, WireService, audit_value, decode_json, encode_json};

/// The `X-Amz-Target` prefix of CloudTrail, as botocore's `targetPrefix` and every SDK send it.
pub const TARGET_PREFIX: &str = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";
/// The short prefix some clients and documentation use; accepted too.
pub const SHORT_TARGET_PREFIX: &str = "CloudTrail_20131101.";
/// The SigV4 service name of CloudTrail.
pub const SIGNING_SERVICE: &str = "cloudtrail";

/// AWS CloudTrail on the wire.
pub static SERVICE: WireService = WireService {
    name: "cloudtrail",
    signing_name: SIGNING_SERVICE,
    protocol: Protocol::Json { target_prefixes: &[TARGET_PREFIX, SHORT_TARGET_PREFIX] },
    reach: Reach::Regional,
    audit: &CLOUDTRAIL,
    throttling_message: crate::service::RATE_EXCEEDED,
};

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

/// Runs the CloudTrail operation `operation` for `caller` over `trail`: the JSON answer or the
/// AWS-shaped error (`UnknownOperationException` for an operation not implemented,
/// `SerializationException` for a body that is not the operation's JSON, and CloudTrail's own
/// exceptions such as `InvalidLookupAttributesException`), with what the trail records.
pub async fn dispatch(trail: &AuditTrail, caller: &Caller, operation: &str, body: &[u8]) -> Dispatched {
    match CloudTrailAction::parse(operation) {
        Some(CloudTrailAction::LookupEvents) => {
            let req: lookup_events::Request = match decode_json(body) {
                Ok(req) => req,
                Err(e) => return Dispatched::failed(e),
            };
            let request = audit_value(&req);
            let result = match lookup_events::handle(trail, caller, req).await {
                Ok(resp) => encode_json(&resp),
                Err(e) => Err(e),
            };
            Dispatched { result, facts: CallFacts { request, ..CallFacts::default() } }
        }
        None => Dispatched::failed(AwsError::unknown_operation()),
    }
}

/// Decodes `body` as `action`'s request, and nothing more (for fuzzing the decoders).
///
/// # Errors
/// `SerializationException` for a body that is not the operation's JSON.
pub fn decode(action: CloudTrailAction, body: &[u8]) -> Result<(), AwsError> {
    match action {
        CloudTrailAction::LookupEvents => decode_json::<lookup_events::Request>(body).map(drop),
    }
}
