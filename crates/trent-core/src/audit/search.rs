//! Searching the trail: walk a store scan newest first, derive each record's [`EventIndex`]
//! and keep what an [`EventQuery`] matches, within a budget of records read.
//!
//! The store keeps one index (account, region, time), so the cost of a search is the number of
//! records in its account, region and time range that are read before enough match: a filter
//! that matches often is cheap, a rare one walks the range. The budget bounds one call; the
//! position where it stopped lets the next call continue exactly there, so pages stay correct
//! (no event twice, none skipped) however the work is split.

use time::OffsetDateTime;

use super::query::{EventCursor, EventQuery};
use super::record::{EventIndex, StoredEvent};
use crate::store::{AuditStore, StoreError};

/// Most records read per store call.
const SCAN_PAGE: u32 = 512;
/// Fewest records read per store call (a page of matches is rarely smaller).
const MIN_SCAN_PAGE: u32 = 32;

/// An event a search matched, with the index derived from its record.
#[derive(Clone, Debug)]
pub struct FoundEvent {
    /// The stored event.
    pub event: StoredEvent,
    /// Its searchable members, read from `event.json`.
    pub index: EventIndex,
}

impl FoundEvent {
    /// The position of this event in its scan's order.
    pub fn cursor(&self) -> EventCursor {
        EventCursor { event_time: self.event.key.event_time, node: self.event.node.clone(), seq: self.event.seq }
    }
}

/// What one search call found.
#[derive(Clone, Debug)]
pub struct SearchPage {
    /// The matches, newest first, at most the query's `limit`.
    pub events: Vec<FoundEvent>,
    /// Where the search stopped when it stopped before the end of its range: after the last
    /// match once `limit` were found, or after the last record read once the budget ran out.
    /// `None` when the range was read to its end.
    pub stopped_at: Option<EventCursor>,
}

/// Finds up to `query.limit` events matching `query`, after `query.after`, reading at most
/// `max_scan` records (at least one page is always read).
///
/// A record that cannot be read as an event is skipped with a warning: lookups keep working
/// on a damaged trail, and `verify` names the record.
///
/// # Errors
/// The store's error if a read fails.
pub async fn search<S: AuditStore + ?Sized>(
    store: &S,
    query: &EventQuery,
    max_scan: u64,
) -> Result<SearchPage, StoreError> {
    let query = narrowed_by_event_id(query);
    let limit = query.limit as usize;
    let mut events = Vec::new();
    let mut after = query.after.clone();
    let mut scanned = 0u64;
    if limit == 0 {
        return Ok(SearchPage { events, stopped_at: after });
    }
    loop {
        let needed = u32::try_from(limit - events.len()).unwrap_or(u32::MAX);
        let budget = u32::try_from(max_scan.saturating_sub(scanned)).unwrap_or(u32::MAX).max(1);
        let want = if scanned == 0 { needed.clamp(MIN_SCAN_PAGE, SCAN_PAGE) } else { SCAN_PAGE }.min(budget);
        let page = store.scan_audit(&query.scan(after.clone(), want)).await?;
        let end_of_range = page.len() < want as usize;
        for event in page {
            scanned += 1;
            after = Some(EventCursor { event_time: event.key.event_time, node: event.node.clone(), seq: event.seq });
            let index = match EventIndex::from_record(&event.json) {
                Ok(index) => index,
                Err(e) => {
                    tracing::warn!(seq = event.seq, error = %e, "skipping an unreadable audit record; run `trent audit verify`");
                    continue;
                }
            };
            if query.matches(&index) {
                events.push(FoundEvent { event, index });
                if events.len() == limit {
                    return Ok(SearchPage { events, stopped_at: after });
                }
            }
        }
        if end_of_range {
            return Ok(SearchPage { events, stopped_at: None });
        }
        if scanned >= max_scan {
            return Ok(SearchPage { events, stopped_at: after });
        }
    }
}

/// An `eventID` filter narrows the time range to one second when the id is a version-7 UUID,
/// as every id Trent writes is: its first 48 bits are the milliseconds of the call's time, the
/// same instant `eventTime` holds to the second. Any other id is searched for in the whole range.
fn narrowed_by_event_id(query: &EventQuery) -> EventQuery {
    let mut q = query.clone();
    let Some(id) = query.event_id.as_deref() else { return q };
    let Ok(uuid) = uuid::Uuid::parse_str(id) else { return q };
    if uuid.get_version() != Some(uuid::Version::SortRand) {
        return q;
    }
    let Some((secs, _)) = uuid.get_timestamp().map(|t| t.to_unix()) else { return q };
    let Some(second) = i64::try_from(secs).ok().and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok()) else {
        return q;
    };
    q.start = Some(q.start.map_or(second, |s| s.max(second)));
    q.end = Some(q.end.map_or(second, |e| e.min(second)));
    q
}
