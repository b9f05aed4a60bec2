//! Searching the trail: the filters `LookupEvents` and `trent audit query` ask for
//! ([`EventQuery`]), and the one kind of read a store serves for them ([`AuditScan`]).
//!
//! A store keeps a single index, on (account, region, event time), so it can only walk an
//! account's regional events newest first within a time range, or every event by seq. Every
//! other filter is applied here, to the [`EventIndex`] derived from each record as it is read
//! ([`super::search`]): one implementation for every backend, and a filter can never disagree
//! with the hashed record.

use time::OffsetDateTime;

use super::record::EventIndex;

/// A position in a scan's order, (`eventTime`, node, `seq`): results continue strictly after
/// it. With several nodes the chains are merged by time, ties broken by node, then seq.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventCursor {
    /// `eventTime` of the last event seen (ignored by unscoped scans, which go by seq).
    pub event_time: OffsetDateTime,
    /// The chain (node id) of the last event seen.
    pub node: String,
    /// `seq` of the last event seen.
    pub seq: u64,
}

/// Filters over an event's searchable members; `None` matches everything. Filters combine
/// with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Only events of this account (`recipientAccountId`).
    pub account_id: Option<String>,
    /// Only events of this region (`awsRegion`).
    pub region: Option<String>,
    /// Only events at or after this instant.
    pub start: Option<OffsetDateTime>,
    /// Only events at or before this instant.
    pub end: Option<OffsetDateTime>,
    /// `eventID`.
    pub event_id: Option<String>,
    /// `eventName`.
    pub event_name: Option<String>,
    /// `eventSource`.
    pub event_source: Option<String>,
    /// CloudTrail's `Username`.
    pub username: Option<String>,
    /// `userIdentity.accessKeyId`.
    pub access_key_id: Option<String>,
    /// `readOnly`.
    pub read_only: Option<bool>,
    /// A resource of this type.
    pub resource_type: Option<String>,
    /// A resource with this name (ARN).
    pub resource_name: Option<String>,
    /// Continue after this position.
    pub after: Option<EventCursor>,
    /// At most this many events.
    pub limit: u32,
}

impl EventQuery {
    /// A query matching everything, `limit` at a time.
    pub fn all(limit: u32) -> Self {
        Self { limit, ..Self::default() }
    }

    /// Whether an event with this index passes every filter (the time range included).
    pub fn matches(&self, e: &EventIndex) -> bool {
        fn same(filter: &Option<String>, value: &str) -> bool {
            filter.as_deref().is_none_or(|f| f == value)
        }
        fn same_opt(filter: &Option<String>, value: Option<&str>) -> bool {
            filter.as_deref().is_none_or(|f| Some(f) == value)
        }
        same(&self.account_id, &e.account_id)
            && same(&self.region, &e.region)
            && same(&self.event_id, &e.event_id)
            && same(&self.event_name, &e.event_name)
            && same(&self.event_source, &e.event_source)
            && same_opt(&self.username, e.username.as_deref())
            && same_opt(&self.access_key_id, e.access_key_id.as_deref())
            && self.read_only.is_none_or(|r| r == e.read_only)
            && ((self.resource_type.is_none() && self.resource_name.is_none())
                || e.resources
                    .iter()
                    .any(|r| same(&self.resource_type, &r.resource_type) && same(&self.resource_name, &r.name)))
            && self.start.is_none_or(|s| e.event_time >= first_whole_second(s))
            && self.end.is_none_or(|end| e.event_time <= end)
    }

    /// The store read that walks every candidate of this query: the index range of its account
    /// and region when it names both, every event otherwise.
    pub(crate) fn scan(&self, after: Option<EventCursor>, limit: u32) -> AuditScan {
        let scope = match (&self.account_id, &self.region) {
            (Some(account_id), Some(region)) => {
                Some(ScanScope { account_id: account_id.clone(), region: region.clone() })
            }
            _ => None,
        };
        AuditScan { scope, start: self.start, end: self.end, after, limit }
    }
}

/// The first whole second at or after `t`: event times have whole seconds, so an event is "at
/// or after" a start with a fraction only from the next second on.
pub fn first_whole_second(t: OffsetDateTime) -> OffsetDateTime {
    let whole = t.replace_nanosecond(0).unwrap_or(t);
    if whole == t { whole } else { whole + time::Duration::SECOND }
}

/// One read of the trail, in one of the two orders a store can serve cheaply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditScan {
    /// `Some`: only this account's events in this region, newest first by (`eventTime`, `seq`),
    /// walking the lookup index. `None`: every event, newest first by `seq` (recording order).
    pub scope: Option<ScanScope>,
    /// Only events at or after this instant (whole seconds: a fraction starts at the next one).
    pub start: Option<OffsetDateTime>,
    /// Only events at or before this instant.
    pub end: Option<OffsetDateTime>,
    /// Continue strictly after this position of the scan's order.
    pub after: Option<EventCursor>,
    /// At most this many events.
    pub limit: u32,
}

/// The account and region of a scoped scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanScope {
    /// `recipientAccountId`.
    pub account_id: String,
    /// `awsRegion`.
    pub region: String,
}
