//! Building the events of one call (any service, either protocol) from the typed facts its
//! dispatcher hands over: the caller, the operation, the request and answer members that may
//! be recorded, the resources by ARN, and how the call ended.
//!
//! This runs on the request's own task, before the events go to the writer, so the writer only
//! chains and commits. Nothing here parses a request body: the dispatcher decoded it once and
//! says what of it may be recorded ([`CallFacts`]). The service's member-name rules
//! ([`super::rules`]) still run over those members as a safety net, and every record is capped
//! at CloudTrail's 256 KB ([`MAX_EVENT_BYTES`]).
//!
//! A call on a resource of another account is recorded twice, as CloudTrail does: in the
//! caller's trail and in the resource owner's (with the caller shown as an `AWSAccount`), both
//! carrying one `sharedEventID`. A call refused with access denied stays in the caller's trail
//! only.

use serde_json::Value;
use time::OffsetDateTime;

use super::event::{
    AuditEvent, EVENT_CATEGORY_MANAGEMENT, EVENT_TYPE_API_CALL, EVENT_VERSION, Resource, TlsDetails, UserIdentity,
};
use super::redact::{filter_owned, request_parameters, response_elements};
use super::rules::ServiceRules;
use crate::identity::Caller;
use crate::kms::KeyUsed;

/// The largest record CloudTrail writes; longer members are truncated with a marker.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;
/// What `requestParameters` and `responseElements` may take together of a record: the rest
/// (identity, user agent, error message, resources) is bounded on its own.
const MAX_PARAMETER_BYTES: usize = 224 * 1024;
/// A string member longer than this is cut when a record would be too large.
const TRUNCATED_STRING_CHARS: usize = 1024;
/// The longest `errorMessage` recorded (messages may echo a client's value).
const MAX_ERROR_MESSAGE_CHARS: usize = 4096;
/// The longest `userAgent` recorded.
const MAX_USER_AGENT_CHARS: usize = 1024;

/// What a dispatcher knows about one call that the trail may record. Built from the typed
/// request and answer, never from raw bytes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallFacts {
    /// The request's members (wire names) that may be recorded; `None` when the request was
    /// not understood (an unknown operation, a body that did not decode).
    pub request: Option<Value>,
    /// The answer's members (wire names), for operations whose answer CloudTrail records.
    pub response: Option<Value>,
    /// The resources the call addressed, by ARN. A resource of another account puts a copy of
    /// the event into that account's trail.
    pub resources: Vec<Resource>,
    /// The keys a successful cryptographic call used, as the domain reported them (typed, so
    /// the request path never reads them back out of `resources`), for `GetKeyLastUsage`.
    pub key_uses: Vec<KeyUsed>,
}

/// How the call ended.
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a> {
    /// Answered 200.
    Answered,
    /// Answered with an AWS error.
    Failed {
        /// The `__type`, e.g. `NotFoundException`.
        code: &'a str,
        /// The message sent to the client (domain messages never hold secrets).
        message: &'a str,
        /// Whether the call was refused by authorization (CloudTrail then records it in the
        /// caller's trail only).
        denied: bool,
    },
}

/// One authenticated call, as the request path saw it.
#[derive(Clone, Copy, Debug)]
pub struct CallRecord<'a> {
    /// The service's recording rules ([`super::rules::KMS`], ...).
    pub rules: &'static ServiceRules,
    /// Who called.
    pub caller: &'a Caller,
    /// The operation named by the request (recorded as sent, bounded by the request path).
    pub operation: &'a str,
    /// What the dispatcher says may be recorded.
    pub facts: &'a CallFacts,
    /// The answer or the error.
    pub outcome: Outcome<'a>,
    /// The `x-amzn-RequestId` sent with the answer.
    pub request_id: &'a str,
    /// TLS parameters of the connection; `None` on plain HTTP.
    pub tls: Option<&'a TlsDetails>,
    /// When the request was received (the server's clock).
    pub time: OffsetDateTime,
}

/// The caller's own record of `call`.
pub fn call_event(call: &CallRecord<'_>) -> AuditEvent {
    own_event(call, call.facts.request.clone(), call.facts.response.clone(), None)
}

/// [`call_event`] of `request` and `response`, given up by the caller (the members of
/// `call.facts` are not read): they are filtered in place rather than copied first. With
/// `origin`, the call is one a service made: `origin` is its `sourceIPAddress` and
/// `userAgent`, and the caller's own address and agent are not looked at.
fn own_event(
    call: &CallRecord<'_>,
    request: Option<Value>,
    response: Option<Value>,
    origin: Option<&str>,
) -> AuditEvent {
    let rules = call.rules;
    let rule = rules.operation(call.operation);
    let (error_code, error_message) = match call.outcome {
        Outcome::Answered => (None, None),
        Outcome::Failed { code, message, .. } => {
            (Some(code.to_owned()), (!message.is_empty()).then(|| truncate_chars(message, MAX_ERROR_MESSAGE_CHARS)))
        }
    };
    let request = request.map(|v| filter_owned(rules, v));
    let response = match call.outcome {
        Outcome::Answered => response.map(|v| filter_owned(rules, v)),
        Outcome::Failed { .. } => None,
    };
    let mut request_parameters = request_parameters(rules, call.operation, request);
    let mut response_elements = response_elements(rules, call.operation, response);
    cap(&mut request_parameters, &mut response_elements);
    AuditEvent {
        event_version: EVENT_VERSION.to_owned(),
        user_identity: UserIdentity::of(call.caller),
        event_time: call.time,
        event_source: rules.event_source.to_owned(),
        event_name: call.operation.to_owned(),
        aws_region: call.caller.region.to_string(),
        source_ip_address: match origin {
            Some(service) => service.to_owned(),
            None => call.caller.source_ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        },
        user_agent: match origin {
            Some(service) => service.to_owned(),
            None => truncate_chars(call.caller.user_agent.as_deref().unwrap_or(""), MAX_USER_AGENT_CHARS),
        },
        error_code,
        error_message,
        request_parameters,
        response_elements,
        additional_event_data: None,
        request_id: call.request_id.to_owned(),
        event_id: new_event_id(call.time),
        read_only: rule.read_only,
        resources: call.facts.resources.clone(),
        event_type: EVENT_TYPE_API_CALL.to_owned(),
        management_event: true,
        recipient_account_id: call.caller.principal.account.to_string(),
        shared_event_id: None,
        event_category: EVENT_CATEGORY_MANAGEMENT.to_owned(),
        tls_details: call.tls.cloned(),
    }
}

/// Every record of `call`: the caller's, then one for each other account owning a resource
/// the call addressed, unless authorization refused the call.
pub fn call_events(call: &CallRecord<'_>) -> Vec<AuditEvent> {
    call_events_taking(call, call.facts.request.clone(), call.facts.response.clone())
}

/// [`call_events`] for a caller that gives up the request and answer members: `request` and
/// `response` stand for `call.facts.request` and `call.facts.response` (which are not read),
/// and are filtered without being copied.
pub fn call_events_taking(call: &CallRecord<'_>, request: Option<Value>, response: Option<Value>) -> Vec<AuditEvent> {
    events_of(call, request, response, None)
}

/// [`call_events_taking`] for a KMS call that `service` (`secretsmanager.amazonaws.com`) made
/// for the caller: every record has the service as its `sourceIPAddress` and `userAgent`, as
/// CloudTrail writes them; the caller's address and agent are not looked at.
pub fn service_call_events(call: &CallRecord<'_>, request: Option<Value>, service: &str) -> Vec<AuditEvent> {
    events_of(call, request, None, Some(service))
}

fn events_of(
    call: &CallRecord<'_>,
    request: Option<Value>,
    response: Option<Value>,
    origin: Option<&str>,
) -> Vec<AuditEvent> {
    let mut own = own_event(call, request, response, origin);
    let denied = matches!(call.outcome, Outcome::Failed { denied: true, .. });
    let mut owners: Vec<&str> = Vec::new();
    for r in &call.facts.resources {
        if r.account_id != own.recipient_account_id && !owners.contains(&r.account_id.as_str()) {
            owners.push(&r.account_id);
        }
    }
    if denied || owners.is_empty() {
        return vec![own];
    }
    own.shared_event_id = Some(uuid::Uuid::new_v4().to_string());
    let mut events = Vec::with_capacity(1 + owners.len());
    for owner in owners {
        let mut copy = own.clone();
        copy.event_id = new_event_id(call.time);
        copy.recipient_account_id = owner.to_owned();
        copy.user_identity = UserIdentity::other_account(call.caller);
        events.push(copy);
    }
    events.insert(0, own);
    events
}

/// Keeps the parameters of one record within [`MAX_PARAMETER_BYTES`]: first long strings are
/// cut (with a marker saying how long they were), then whole members are replaced by a
/// marker.
fn cap(request: &mut Option<Value>, response: &mut Option<Value>) {
    let size = |v: &Option<Value>| v.as_ref().map_or(0, approximate_size);
    if size(request) + size(response) <= MAX_PARAMETER_BYTES {
        return;
    }
    for v in [&mut *request, &mut *response].into_iter().flatten() {
        truncate_strings(v);
    }
    for v in [request, response] {
        let n = size(v);
        if n > MAX_PARAMETER_BYTES / 2 {
            *v = Some(serde_json::json!({ "truncated": true, "originalSize": n }));
        }
    }
}

/// An upper bound of `v`'s serialised length (escapes counted as six bytes).
fn approximate_size(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 24,
        Value::String(s) => string_size(s),
        Value::Array(a) => 2 + a.iter().map(|v| approximate_size(v) + 1).sum::<usize>(),
        Value::Object(o) => 2 + o.iter().map(|(k, v)| string_size(k) + 1 + approximate_size(v) + 1).sum::<usize>(),
    }
}

fn string_size(s: &str) -> usize {
    2 + s.len() * if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') { 6 } else { 1 }
}

fn truncate_strings(v: &mut Value) {
    match v {
        Value::String(s) if s.chars().count() > TRUNCATED_STRING_CHARS => {
            let kept = truncate_chars(s, TRUNCATED_STRING_CHARS);
            *s = format!("{kept}...[truncated: {} characters]", s.chars().count());
        }
        Value::Array(a) => a.iter_mut().for_each(truncate_strings),
        Value::Object(o) => o.values_mut().for_each(truncate_strings),
        _ => {}
    }
}

fn truncate_chars(s: &str, max: usize) -> String {
    // At most `max` bytes is at most `max` characters: nothing to count.
    if s.len() <= max {
        return s.to_owned();
    }
    match s.char_indices().nth(max) {
        Some((end, _)) => s[..end].to_owned(),
        None => s.to_owned(),
    }
}

/// A time-ordered (version 7) UUID for the event at `at`: 48 bits of milliseconds, then 74
/// random bits from the system CSPRNG. Still a UUID as CloudTrail's `eventID` is, but new ids
/// sort after old ones, so the unique index on event ids grows at its end instead of
/// dirtying a random page per event (which measured as the largest write cost of a commit).
pub fn new_event_id(at: OffsetDateTime) -> String {
    let random = id_bytes();
    let millis = u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid().to_string()
}

/// Random bytes of one event id.
const ID_BYTES: usize = 10;
/// Event ids whose random bytes one draw from the CSPRNG provides.
const IDS_PER_DRAW: usize = 64;

/// Random bytes not yet used by an event id, drawn [`IDS_PER_DRAW`] ids at a time: each draw
/// from aws-lc's generator costs a fixed ~0.3 µs (its RDRAND input and DRBG update) whatever
/// its length, about a seventh of building a record (`cargo bench -p trent-core --bench
/// audit_record`). Event ids are published in the record they name, never a secret, so holding
/// their bytes ahead of use exposes nothing; nothing else may take bytes from here.
struct IdPool {
    bytes: [u8; ID_BYTES * IDS_PER_DRAW],
    /// How many of `bytes` have been handed out (each byte once).
    used: usize,
}

thread_local! {
    static ID_POOL: std::cell::RefCell<IdPool> =
        const { std::cell::RefCell::new(IdPool { bytes: [0; ID_BYTES * IDS_PER_DRAW], used: ID_BYTES * IDS_PER_DRAW }) };
}

/// The random bytes of the next event id on this thread: fresh bytes of the pool, which is
/// drawn again once spent. Should the system generator fail (it does not on supported systems),
/// a version 4 UUID's bytes stand in, as before the pool.
fn id_bytes() -> [u8; ID_BYTES] {
    ID_POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.used == pool.bytes.len() {
            if trent_crypto::fill_random(&mut pool.bytes).is_err() {
                return uuid::Uuid::new_v4().as_bytes()[..ID_BYTES].try_into().unwrap_or([0; ID_BYTES]);
            }
            pool.used = 0;
        }
        let start = pool.used;
        pool.used += ID_BYTES;
        pool.bytes[start..start + ID_BYTES].try_into().unwrap_or([0; ID_BYTES])
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Event ids stay version 7 UUIDs of their time, and the pool hands every id fresh bytes:
    /// across several draws of the pool on one thread, and on several threads, no two ids of
    /// the same millisecond share their random part.
    #[test]
    fn event_ids_are_distinct_across_draws_and_threads() {
        let at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let ids = move |n: usize| (0..n).map(|_| new_event_id(at)).collect::<Vec<_>>();
        let mut all = ids(IDS_PER_DRAW * 3 + 5);
        let others: Vec<Vec<String>> =
            (0..4).map(|_| std::thread::spawn(move || ids(IDS_PER_DRAW + 1))).map(|t| t.join().unwrap()).collect();
        all.extend(others.into_iter().flatten());
        let n = all.len();
        for id in &all {
            let uuid = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(uuid.get_version_num(), 7, "{id}");
            let (secs, _) = uuid.get_timestamp().unwrap().to_unix();
            assert_eq!(secs, 1_800_000_000, "{id}");
        }
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "an id repeated");
    }

    /// Regression guard: the byte-length shortcut of `truncate_chars` must keep exactly the
    /// first `max` characters, as counting them does.
    #[test]
    fn truncation_keeps_the_first_characters() {
        for s in ["", "abc", "abcd", "ééé", "éé", "aéb", "日本語テキスト", "😀😀😀😀"] {
            for max in 0..8 {
                assert_eq!(truncate_chars(s, max), s.chars().take(max).collect::<String>(), "{s} {max}");
            }
        }
    }

    #[test]
    fn a_large_request_is_truncated_with_a_marker() {
        let mut request = Some(json!({"policy": "x".repeat(300 * 1024), "keyId": "k"}));
        let mut response = None;
        cap(&mut request, &mut response);
        let text = serde_json::to_string(&request).unwrap();
        assert!(text.len() < 2 * TRUNCATED_STRING_CHARS, "{}", text.len());
        assert!(text.contains("[truncated: 307200 characters]"), "{text}");
        assert_eq!(request.unwrap()["keyId"], json!("k"));
    }

    #[test]
    fn many_small_members_are_replaced_by_a_marker() {
        let many: serde_json::Map<String, Value> =
            (0..20_000).map(|i| (format!("k{i}"), json!("0123456789"))).collect();
        let mut request = Some(Value::Object(many));
        cap(&mut request, &mut None);
        assert_eq!(request.as_ref().unwrap()["truncated"], json!(true));
        assert!(serde_json::to_vec(&request).unwrap().len() < 100);
    }

    #[test]
    fn small_records_are_untouched() {
        let original = Some(json!({"keyId": "k", "encryptionContext": {"a": "b"}}));
        let mut request = original.clone();
        cap(&mut request, &mut None);
        assert_eq!(request, original);
    }

    fn caller(account: &str) -> Caller {
        let account = crate::ids::AccountId::parse(account).unwrap();
        Caller {
            principal: crate::identity::Principal {
                unique_id: "AIDAPARTNER".into(),
                account: account.clone(),
                kind: crate::identity::PrincipalKind::User { name: "p".into(), path: "/".into() },
            },
            access_key_id: "AKIAPARTNER".into(),
            region: crate::ids::Region::parse("us-east-1").unwrap(),
            source_ip: None,
            user_agent: None,
            secure_transport: false,
            identity: std::sync::Arc::new(crate::identity::CallerIdentity::root(&account)),
            via_service: None,
            meter: Default::default(),
            on_behalf_log: None,
        }
    }

    #[test]
    fn a_cross_account_call_goes_to_each_owner_unless_denied() {
        let who = caller("444455556666");
        let resource = |account: &str| Resource {
            account_id: account.into(),
            resource_type: "AWS::KMS::Key".into(),
            arn: format!("arn:aws:kms:us-east-1:{account}:key/k"),
        };
        let facts = CallFacts {
            request: None,
            response: None,
            resources: vec![resource("111122223333"), resource("444455556666"), resource("111122223333")],
            key_uses: Vec::new(),
        };
        let record = |outcome| CallRecord {
            rules: &super::super::rules::KMS,
            caller: &who,
            operation: "Encrypt",
            facts: &facts,
            outcome,
            request_id: "r",
            tls: None,
            time: OffsetDateTime::UNIX_EPOCH,
        };
        let events = call_events(&record(Outcome::Answered));
        let recipients: Vec<&str> = events.iter().map(|e| e.recipient_account_id.as_str()).collect();
        assert_eq!(recipients, ["444455556666", "111122223333"], "the caller's, then one per other owner");
        assert!(events[0].shared_event_id.is_some() && events[0].shared_event_id == events[1].shared_event_id);
        assert_eq!(events[1].user_identity, UserIdentity::other_account(&who));
        let denied = Outcome::Failed { code: "AccessDeniedException", message: "no", denied: true };
        let events = call_events(&record(denied));
        assert_eq!(events.len(), 1, "a denied cross-account call stays in the caller's trail");
        assert!(events[0].shared_event_id.is_none());
        let failed = Outcome::Failed { code: "DisabledException", message: "off", denied: false };
        assert_eq!(call_events(&record(failed)).len(), 2, "other failures reach the owner too");
    }

    #[test]
    fn the_size_estimate_is_an_upper_bound() {
        for v in [json!({"a": "b\"c\n", "n": [1, 2.5, null, true, {"x": "é"}]}), json!("x".repeat(100))] {
            assert!(approximate_size(&v) >= serde_json::to_vec(&v).unwrap().len(), "{v}");
        }
    }
}
