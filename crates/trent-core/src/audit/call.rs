//! Building the event of one awsJson call (KMS, CloudTrail; Secrets Manager and SSM next)
//! from what the HTTP layer has: the caller, the raw request body, the answer or the error.
//!
//! This runs on the request's own task, before the event is handed to the writer, so the
//! writer only chains and commits. Bodies are filtered while they are parsed (see
//! [`super::redact`]): a plaintext or ciphertext member is skipped by the parser, never copied.

use time::OffsetDateTime;

use super::event::{
    AuditEvent, EVENT_CATEGORY_MANAGEMENT, EVENT_TYPE_API_CALL, EVENT_VERSION, TlsDetails, UserIdentity,
};
use super::redact::{filter_json, request_parameters, response_elements};
use super::rules::{KMS, ServiceRules};
use crate::identity::Caller;

/// How the call ended.
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a> {
    /// Answered 200 with this JSON body.
    Answered(&'a [u8]),
    /// Answered with an AWS error.
    Failed {
        /// The `__type`, e.g. `NotFoundException`.
        code: &'a str,
        /// The message sent to the client (domain messages never hold secrets).
        message: &'a str,
    },
}

/// One authenticated awsJson call, as the HTTP layer saw it. The caller carries the peer
/// address and `User-Agent` recorded as `sourceIPAddress` and `userAgent`.
#[derive(Clone, Copy, Debug)]
pub struct JsonCall<'a> {
    /// The service's recording rules ([`super::rules::KMS`], [`super::rules::CLOUDTRAIL`], ...).
    pub rules: &'static ServiceRules,
    /// Who called.
    pub caller: &'a Caller,
    /// The operation named by `X-Amz-Target`.
    pub operation: &'a str,
    /// The raw request body (may hold plaintext: it is filtered, never copied whole).
    pub request_body: &'a [u8],
    /// The answer or the error.
    pub outcome: Outcome<'a>,
    /// The `x-amzn-RequestId` sent with the answer.
    pub request_id: &'a str,
    /// TLS parameters of the connection; `None` on plain HTTP.
    pub tls: Option<&'a TlsDetails>,
    /// When the request was received (the server's clock).
    pub time: OffsetDateTime,
}

/// The event of a KMS call: [`json_call_event`] with the KMS rules.
pub fn kms_event(mut call: JsonCall<'_>) -> AuditEvent {
    call.rules = &KMS;
    json_call_event(&call)
}

/// The CloudTrail record of `call`.
pub fn json_call_event(call: &JsonCall<'_>) -> AuditEvent {
    let rules = call.rules;
    let rule = rules.operation(call.operation);
    let request = filter_json(rules, call.request_body);
    let (answer, error_code, error_message) = match call.outcome {
        Outcome::Answered(body) => (filter_json(rules, body), None, None),
        Outcome::Failed { code, message } => {
            (None, Some(code.to_owned()), (!message.is_empty()).then(|| message.to_owned()))
        }
    };
    let resources = (rules.resources)(call.caller, request.as_ref(), answer.as_ref());
    AuditEvent {
        event_version: EVENT_VERSION.to_owned(),
        user_identity: UserIdentity::of(call.caller),
        event_time: call.time,
        event_source: rules.event_source.to_owned(),
        event_name: call.operation.to_owned(),
        aws_region: call.caller.region.to_string(),
        source_ip_address: call.caller.source_ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        user_agent: call.caller.user_agent.as_deref().unwrap_or("").chars().take(1024).collect(),
        error_code,
        error_message,
        request_parameters: request_parameters(rules, call.operation, request),
        response_elements: response_elements(rules, call.operation, answer),
        request_id: call.request_id.to_owned(),
        event_id: new_event_id(call.time),
        read_only: rule.read_only,
        resources,
        event_type: EVENT_TYPE_API_CALL.to_owned(),
        management_event: true,
        recipient_account_id: call.caller.principal.account.to_string(),
        event_category: EVENT_CATEGORY_MANAGEMENT.to_owned(),
        tls_details: call.tls.cloned(),
    }
}

/// A time-ordered (version 7) UUID for the event at `at`: 48 bits of milliseconds, then 74
/// random bits from the system CSPRNG. Still a UUID as CloudTrail's `eventID` is, but new ids
/// sort after old ones, so the unique index on event ids grows at its end instead of
/// dirtying a random page per event (which measured as the largest write cost of a commit).
pub fn new_event_id(at: OffsetDateTime) -> String {
    let random = trent_crypto::random_array::<10>()
        .unwrap_or_else(|_| uuid::Uuid::new_v4().as_bytes()[..10].try_into().unwrap_or([0; 10]));
    let millis = u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid().to_string()
}
