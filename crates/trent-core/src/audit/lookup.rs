//! `LookupEvents` as a domain operation: validation with CloudTrail's rules, scoping to the
//! caller's account and region, and opaque pagination tokens bound to the query they page.
//!
//! A page reads at most [`MAX_SCAN`] records. When a rare filter has not filled the page by
//! then, the page comes back short (possibly empty) with a `NextToken` that continues after the
//! last record read, as CloudTrail's own `LookupEvents` answers short pages with a token.

use std::sync::Arc;

use time::OffsetDateTime;

use super::query::{EventCursor, EventQuery};
use super::record::EventIndex;
use super::search::search;
use crate::clock::SharedClock;
use crate::identity::{Caller, Denied, Why};
use crate::policy::Request;
use crate::store::{AuditStore, StoreError};

/// Default and largest `MaxResults`.
pub const MAX_RESULTS: i64 = 50;
/// Longest `AttributeValue`.
const MAX_ATTRIBUTE_VALUE: usize = 2000;
/// Most records one `LookupEvents` call reads (tens of milliseconds of work).
pub const MAX_SCAN: u64 = 20_000;

/// What is wrong with a request's `LookupAttributes`; `trent-wire` renders the sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadAttributes {
    /// None, or more than one.
    NotOne,
    /// An `AttributeValue` that is empty or longer than `max` characters.
    ValueLength {
        /// The longest value.
        max: usize,
    },
    /// A `ReadOnly` value other than `true` or `false`.
    ReadOnly,
    /// An `AttributeKey` CloudTrail does not know, as given.
    UnknownKey(String),
}

/// Why a lookup was refused. The `Display` is for the log; `trent-wire` renders CloudTrail's
/// sentences.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// Not exactly one attribute, an unknown key, or a bad value (`InvalidLookupAttributesException`).
    #[error("invalid lookup attributes: {0:?}")]
    InvalidLookupAttributes(BadAttributes),
    /// `StartTime` after `EndTime` (`InvalidTimeRangeException`).
    #[error("StartTime after EndTime")]
    InvalidTimeRange,
    /// `MaxResults` outside 1..=50 (`InvalidMaxResultsException`).
    #[error("MaxResults out of bounds")]
    InvalidMaxResults,
    /// A token this server did not issue for these parameters (`InvalidNextTokenException`).
    #[error("a NextToken this server did not issue for the query")]
    InvalidNextToken,
    /// An `EventCategory` other than `insight` (`InvalidEventCategoryException`).
    #[error("an EventCategory other than insight")]
    InvalidEventCategory,
    /// The caller's identity policies do not allow `cloudtrail:LookupEvents` (`AccessDeniedException`).
    #[error("access denied: {0}")]
    AccessDenied(Denied),
    /// The trail could not be read.
    #[error("the audit trail is unavailable")]
    Unavailable(#[source] StoreError),
}

/// A `LookupEvents` request, members as received.
#[derive(Clone, Debug, Default)]
pub struct LookupRequest {
    /// `(AttributeKey, AttributeValue)` pairs; CloudTrail allows at most one.
    pub attributes: Vec<(String, String)>,
    /// `StartTime`.
    pub start: Option<OffsetDateTime>,
    /// `EndTime`.
    pub end: Option<OffsetDateTime>,
    /// `EventCategory`.
    pub event_category: Option<String>,
    /// `MaxResults`.
    pub max_results: Option<i64>,
    /// `NextToken`.
    pub next_token: Option<String>,
}

/// One event of a page.
#[derive(Clone, Debug)]
pub struct LookedUpEvent {
    /// The indexed members (`EventId`, `EventName`, `Username`, `Resources`...).
    pub index: EventIndex,
    /// `CloudTrailEvent`: the record's JSON.
    pub cloudtrail_event: String,
}

/// One page of results, newest first.
#[derive(Clone, Debug)]
pub struct LookupPage {
    /// The events.
    pub events: Vec<LookedUpEvent>,
    /// The token of the next page, if there is one.
    pub next_token: Option<String>,
}

/// The IAM action `LookupEvents` is authorized as.
pub const LOOKUP_ACTION: &str = "cloudtrail:LookupEvents";

/// The trail as callers query it.
#[derive(Clone)]
pub struct AuditTrail {
    store: Arc<dyn AuditStore>,
    clock: SharedClock,
}

impl std::fmt::Debug for AuditTrail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditTrail")
    }
}

impl AuditTrail {
    /// The trail held by `store`; `clock` gives the condition keys' current time.
    pub fn new(store: Arc<dyn AuditStore>, clock: SharedClock) -> Self {
        Self { store, clock }
    }

    /// `LookupEvents` for `caller`: events of the caller's account in the region of its request.
    /// Allowed to the account's root, and to a principal whose identity policies allow
    /// `cloudtrail:LookupEvents` (on resource `*`, as CloudTrail authorizes it) without a deny.
    ///
    /// # Errors
    /// [`LookupError::AccessDenied`], [`LookupError`] naming the invalid member, or
    /// [`LookupError::Unavailable`].
    pub async fn lookup(&self, caller: &Caller, req: LookupRequest) -> Result<LookupPage, LookupError> {
        self.authorize(caller)?;
        let limit = req.max_results.unwrap_or(MAX_RESULTS);
        if !(1..=MAX_RESULTS).contains(&limit) {
            return Err(LookupError::InvalidMaxResults);
        }
        if let (Some(s), Some(e)) = (req.start, req.end)
            && s > e
        {
            return Err(LookupError::InvalidTimeRange);
        }
        let mut query = EventQuery {
            account_id: Some(caller.principal.account.to_string()),
            region: Some(caller.region.to_string()),
            start: req.start,
            end: req.end,
            limit: limit as u32 + 1,
            ..EventQuery::default()
        };
        match req.attributes.as_slice() {
            [] => {}
            [(key, value)] => apply_attribute(&mut query, key, value)?,
            _ => {
                return Err(LookupError::InvalidLookupAttributes(BadAttributes::NotOne));
            }
        }
        let fingerprint = fingerprint(&query, &req);
        if let Some(token) = &req.next_token {
            query.after = Some(parse_token(token, &fingerprint).ok_or(LookupError::InvalidNextToken)?);
        }
        match req.event_category.as_deref() {
            None => {}
            // Trent has no Insights events.
            Some("insight") => return Ok(LookupPage { events: Vec::new(), next_token: None }),
            Some(_) => return Err(LookupError::InvalidEventCategory),
        }
        let mut page = search(self.store.as_ref(), &query, MAX_SCAN).await.map_err(LookupError::Unavailable)?;
        let next_token = if page.events.len() > limit as usize {
            page.events.truncate(limit as usize);
            page.events.last().map(|last| token(last.cursor(), &fingerprint))
        } else {
            page.stopped_at.map(|at| token(at, &fingerprint))
        };
        let events = page
            .events
            .into_iter()
            .map(|e| LookedUpEvent {
                cloudtrail_event: String::from_utf8(e.event.json)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                index: e.index,
            })
            .collect();
        Ok(LookupPage { events, next_token })
    }
}

impl AuditTrail {
    fn authorize(&self, caller: &Caller) -> Result<(), LookupError> {
        if caller.is_root() {
            return Ok(());
        }
        let context = caller.condition_context(self.clock.now());
        let principal = caller.request_principal();
        let evaluation = caller.identity_evaluation(&Request {
            principal: &principal,
            action: LOOKUP_ACTION,
            resource: "*",
            context: &context,
        });
        if evaluation.is_allowed() {
            return Ok(());
        }
        Err(LookupError::AccessDenied(Denied::Policy {
            principal_arn: caller.arn(),
            action: LOOKUP_ACTION.to_owned(),
            resource: "*".to_owned(),
            why: if evaluation.explicit_deny { Why::ExplicitDeny } else { Why::NoAllow },
        }))
    }
}

fn apply_attribute(query: &mut EventQuery, key: &str, value: &str) -> Result<(), LookupError> {
    if value.is_empty() || value.chars().count() > MAX_ATTRIBUTE_VALUE {
        return Err(LookupError::InvalidLookupAttributes(BadAttributes::ValueLength { max: MAX_ATTRIBUTE_VALUE }));
    }
    let v = Some(value.to_owned());
    match key {
        "EventId" => query.event_id = v,
        "EventName" => query.event_name = v,
        "Username" => query.username = v,
        "ResourceType" => query.resource_type = v,
        "ResourceName" => query.resource_name = v,
        "EventSource" => query.event_source = v,
        "AccessKeyId" => query.access_key_id = v,
        "ReadOnly" => {
            query.read_only = Some(match value.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    return Err(LookupError::InvalidLookupAttributes(BadAttributes::ReadOnly));
                }
            })
        }
        other => {
            return Err(LookupError::InvalidLookupAttributes(BadAttributes::UnknownKey(other.to_owned())));
        }
    }
    Ok(())
}

/// Binds a token to the parameters it pages: account, region, attribute and time range.
fn fingerprint(query: &EventQuery, req: &LookupRequest) -> String {
    let text = format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}",
        (&query.account_id, &query.region),
        req.attributes,
        query.start.map(|t| t.unix_timestamp_nanos()),
        query.end.map(|t| t.unix_timestamp_nanos()),
        req.event_category
    );
    super::signer::hex(&trent_crypto::sha256(text.as_bytes())[..8])
}

fn token(at: EventCursor, fingerprint: &str) -> String {
    let node = super::signer::hex(at.node.as_bytes());
    let text = format!("2:{}:{node}:{}:{fingerprint}", at.event_time.unix_timestamp(), at.seq);
    super::signer::hex(text.as_bytes())
}

fn parse_token(token: &str, fingerprint: &str) -> Option<EventCursor> {
    if !token.len().is_multiple_of(2) || token.len() > 256 {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..token.len()).step_by(2).map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok()).collect();
    let text = String::from_utf8(bytes?).ok()?;
    let mut parts = text.split(':');
    let (version, time, node, seq) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let fp = parts.next()?;
    if version != "2" || fp != fingerprint || parts.next().is_some() || node.len() > 128 {
        return None;
    }
    Some(EventCursor {
        event_time: OffsetDateTime::from_unix_timestamp(time.parse().ok()?).ok()?,
        node: String::from_utf8(unhex(node)?).ok()?,
        seq: seq.parse().ok()?,
    })
}

/// Decodes lower-case hexadecimal; `None` for anything else.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}
