//! The audit trail: round trips, atomic and linear appends, and scans that a search turns into
//! filtered newest-first pages. The store never checks hashes, so these events carry arbitrary
//! (but distinct) ones; their records are real event JSON so that searches can read them.

use std::sync::Arc;

use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, macros::datetime};
use trent_core::audit::{AuditHead, DigestRecord, EventCursor, EventIndex, EventKey, EventQuery, StoredEvent, search};
use trent_core::store::AuditStore;

use super::assert_err;

const T: OffsetDateTime = datetime!(2026-11-22 19:55:31 UTC);

/// Which events a query should return.
type Matcher = Box<dyn Fn(&EventIndex) -> bool>;

/// Event `seq`, varied by `seq` in every searchable member.
fn event(seq: u64) -> StoredEvent {
    let account = if seq.is_multiple_of(7) { "444455556666" } else { "111122223333" };
    let region = if seq.is_multiple_of(6) { "us-east-1" } else { "eu-west-1" };
    // Two events per second, so ties on event_time are ordered by seq.
    let time = T + Duration::seconds(seq as i64 / 2);
    let mut resources = vec![json!({
        "accountId": account,
        "type": "AWS::KMS::Key",
        "ARN": format!("arn:aws:kms:eu-west-1:111122223333:key/k{}", seq % 3),
    })];
    if seq.is_multiple_of(4) {
        resources.push(json!({
            "accountId": account,
            "type": "AWS::KMS::Alias",
            "ARN": "arn:aws:kms:eu-west-1:111122223333:alias/app",
        }));
    }
    let mut identity = json!({ "type": "IAMUser", "arn": format!("arn:aws:iam::{account}:user/someone") });
    if seq.is_multiple_of(2) {
        identity["userName"] = json!("alice");
    }
    if !seq.is_multiple_of(3) {
        identity["accessKeyId"] = json!(format!("AKIA{}", seq % 2));
    }
    let name = ["Encrypt", "Decrypt", "CreateKey"][seq as usize % 3];
    let record = json!({
        "eventVersion": "1.08",
        "userIdentity": identity,
        "eventTime": time.format(&Rfc3339).expect("time"),
        "eventSource": if seq.is_multiple_of(5) { "cloudtrail.amazonaws.com" } else { "kms.amazonaws.com" },
        "eventName": name,
        "awsRegion": region,
        "eventID": format!("00000000-0000-4000-8000-{seq:012}"),
        "readOnly": seq % 3 != 2,
        "resources": resources,
        "recipientAccountId": account,
        "note": "ünïcode",
    });
    StoredEvent {
        node: String::new(),
        seq,
        prev_hash: [seq as u8; 32],
        hash: [seq as u8 ^ 0xff; 32],
        key: EventKey { event_time: time, account_id: account.into(), region: region.into() },
        json: serde_json::to_vec(&record).expect("json"),
    }
}

fn digest(digest_seq: u64, first_seq: u64, last_seq: u64) -> DigestRecord {
    DigestRecord {
        digest_seq,
        first_seq,
        last_seq,
        last_hash: [last_seq as u8 ^ 0xff; 32],
        prev_digest_hash: [digest_seq as u8; 32],
        created_at: T + Duration::nanoseconds(123_456_789),
        signature: vec![digest_seq as u8; 64],
    }
}

fn events(range: std::ops::RangeInclusive<u64>) -> Vec<StoredEvent> {
    range.map(event).collect()
}

pub(crate) async fn audit_round_trips_events_digests_and_head(store: Arc<dyn AuditStore>) {
    assert_eq!(store.audit_head().await.expect("head"), AuditHead::default());
    assert_eq!(store.audit_events(1, 10).await.expect("events"), vec![]);
    store.append_audit(&events(1..=4), Some(&digest(1, 1, 4))).await.expect("append");
    store.append_audit(&events(5..=5), Some(&digest(2, 5, 5))).await.expect("append");
    store.append_audit(&events(6..=8), None).await.expect("append without digest");

    assert_eq!(store.audit_events(1, 100).await.expect("events"), events(1..=8));
    assert_eq!(store.audit_events(3, 2).await.expect("page"), events(3..=4));
    assert_eq!(store.audit_events(9, 2).await.expect("past the end"), vec![]);
    assert_eq!(store.audit_digests(1, 10).await.expect("digests"), vec![digest(1, 1, 4), digest(2, 5, 5)]);
    assert_eq!(store.audit_digests(2, 10).await.expect("digests"), vec![digest(2, 5, 5)]);
    let head = store.audit_head().await.expect("head");
    assert_eq!(
        head,
        AuditHead { node: String::new(), last_event: Some((8, event(8).hash)), last_digest: Some(digest(2, 5, 5)) }
    );
}

pub(crate) async fn audit_appends_are_atomic_and_keep_the_chain_linear(store: Arc<dyn AuditStore>) {
    store.append_audit(&events(1..=3), Some(&digest(1, 1, 3))).await.expect("append");
    // A second writer that did not see seq 3, a gap, a batch that skips a seq.
    assert_err(store.append_audit(&events(3..=4), None).await, "Conflict");
    assert_err(store.append_audit(&events(5..=5), None).await, "Conflict");
    assert_err(store.append_audit(&[event(4), event(6)], None).await, "Conflict");
    // A gap before a batch whose digest names its first event, and one whose digest does not.
    assert_err(store.append_audit(&events(5..=6), Some(&digest(2, 5, 6))).await, "Conflict");
    assert_err(store.append_audit(&events(5..=6), Some(&digest(2, 4, 6))).await, "Conflict");
    // The events are fine but the digest is out of sequence: nothing of the call is written.
    assert_err(store.append_audit(&events(4..=5), Some(&digest(3, 4, 5))).await, "Conflict");
    // A digest written twice fails the whole batch, including the events before it.
    assert_err(store.append_audit(&events(4..=5), Some(&digest(1, 4, 5))).await, "Conflict");

    assert_eq!(store.audit_events(1, 100).await.expect("events"), events(1..=3));
    assert_eq!(store.audit_digests(1, 10).await.expect("digests"), vec![digest(1, 1, 3)]);
    store.append_audit(&events(4..=5), Some(&digest(2, 4, 5))).await.expect("the chain continues");
    assert_eq!(store.audit_head().await.expect("head").last_event.map(|(s, _)| s), Some(5));
}

/// Group commits larger than one multi-row `INSERT` (64 rows on SQLite), written in several
/// statements of one transaction: each is whole, and one refused after its events' statements
/// leaves none of them behind and the store writing on.
pub(crate) async fn audit_large_commits_are_whole(store: Arc<dyn AuditStore>) {
    // One full chunk, a full chunk and one more event, and several chunks.
    store.append_audit(&events(1..=64), Some(&digest(1, 1, 64))).await.expect("64 events");
    store.append_audit(&events(65..=129), Some(&digest(2, 65, 129))).await.expect("65 events");
    store.append_audit(&events(130..=330), Some(&digest(3, 130, 330))).await.expect("201 events");
    // A digest out of sequence, refused after every event's statement has run.
    assert_err(store.append_audit(&events(331..=530), Some(&digest(5, 331, 530))).await, "Conflict");
    // Without events.
    assert_err(store.append_audit(&[], Some(&digest(5, 331, 331))).await, "Conflict");
    assert_eq!(store.audit_events(1, 1000).await.expect("events"), events(1..=330));
    assert_eq!(
        store.audit_digests(1, 10).await.expect("digests"),
        vec![digest(1, 1, 64), digest(2, 65, 129), digest(3, 130, 330)]
    );
    store.append_audit(&events(331..=400), Some(&digest(4, 331, 400))).await.expect("the chain continues");
    let head = store.audit_head().await.expect("head");
    assert_eq!(head.last_event.map(|(s, _)| s), Some(400));
    assert_eq!(head.last_digest, Some(digest(4, 331, 400)));
}

pub(crate) async fn audit_searches_filter_order_newest_first_and_page(store: Arc<dyn AuditStore>) {
    let all = events(1..=40);
    for chunk in all.chunks(7) {
        store.append_audit(chunk, None).await.expect("append");
    }
    let indexed: Vec<(u64, EventIndex)> =
        all.iter().map(|e| (e.seq, EventIndex::from_record(&e.json).expect("record"))).collect();
    let run = |q: EventQuery| {
        let store = store.clone();
        async move {
            let page = search(store.as_ref(), &q, u64::MAX).await.expect("search");
            page.events.into_iter().map(|e| e.event.seq).collect::<Vec<u64>>()
        }
    };
    // Scoped searches walk (time, seq) newest first; unscoped ones go by seq, newest first.
    let expect = |scoped: bool, f: &dyn Fn(u64, &EventIndex) -> bool| -> Vec<u64> {
        let mut v: Vec<&(u64, EventIndex)> = indexed.iter().filter(|(seq, e)| f(*seq, e)).collect();
        if scoped {
            v.sort_by_key(|(seq, e)| std::cmp::Reverse((e.event_time, *seq)));
        } else {
            v.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
        }
        v.into_iter().map(|(seq, _)| *seq).collect()
    };

    assert_eq!(run(EventQuery::all(100)).await, expect(false, &|_, _| true));
    assert_eq!(run(EventQuery::all(3)).await, vec![40, 39, 38]);
    let name = EventQuery { event_name: Some("Decrypt".into()), ..EventQuery::all(100) };
    assert_eq!(run(name).await, expect(false, &|_, e| e.event_name == "Decrypt"), "unscoped filter");
    let home = |e: &EventIndex| e.account_id == "111122223333" && e.region == "eu-west-1";
    let scoped = EventQuery {
        account_id: Some("111122223333".into()),
        region: Some("eu-west-1".into()),
        ..EventQuery::all(100)
    };
    assert_eq!(run(scoped.clone()).await, expect(true, &|_, e| home(e)));
    let filters: Vec<(EventQuery, Matcher)> = vec![
        (EventQuery { event_name: Some("Decrypt".into()), ..scoped.clone() }, Box::new(|e| e.event_name == "Decrypt")),
        (EventQuery { username: Some("alice".into()), ..scoped.clone() }, Box::new(|e| e.username.is_some())),
        (
            EventQuery { access_key_id: Some("AKIA1".into()), ..scoped.clone() },
            Box::new(|e| e.access_key_id.as_deref() == Some("AKIA1")),
        ),
        (
            EventQuery { event_source: Some("cloudtrail.amazonaws.com".into()), ..scoped.clone() },
            Box::new(|e| e.event_source == "cloudtrail.amazonaws.com"),
        ),
        (EventQuery { read_only: Some(false), ..scoped.clone() }, Box::new(|e| !e.read_only)),
        (
            EventQuery { event_id: Some("00000000-0000-4000-8000-000000000011".into()), ..scoped.clone() },
            Box::new(|e| e.event_id.ends_with("000000000011")),
        ),
        (
            EventQuery { resource_name: Some("arn:aws:kms:eu-west-1:111122223333:key/k1".into()), ..scoped.clone() },
            Box::new(|e| e.resources.iter().any(|r| r.name.ends_with("key/k1"))),
        ),
        (
            EventQuery { resource_type: Some("AWS::KMS::Alias".into()), ..scoped.clone() },
            Box::new(|e| e.resources.len() == 2),
        ),
        (
            EventQuery { start: Some(T + Duration::seconds(5)), end: Some(T + Duration::seconds(9)), ..scoped.clone() },
            Box::new(|e| (T + Duration::seconds(5)..=T + Duration::seconds(9)).contains(&e.event_time)),
        ),
        (
            // A start with a fraction excludes the whole second before it.
            EventQuery { start: Some(T + Duration::milliseconds(17_500)), ..scoped.clone() },
            Box::new(|e| e.event_time >= T + Duration::seconds(18)),
        ),
    ];
    for (i, (q, f)) in filters.into_iter().enumerate() {
        let want = expect(true, &|_, e| home(e) && f(e));
        assert!(!want.is_empty(), "filter #{i} selects something");
        assert_eq!(run(q).await, want, "filter #{i}");
    }

    // Pages follow the cursor of the previous page's last event, without overlap or gap, and a
    // small scan budget only splits the work differently.
    for budget in [u64::MAX, 5] {
        let mut pages = Vec::new();
        let mut after = None;
        loop {
            let q = EventQuery { after, ..EventQuery { limit: 4, ..scoped.clone() } };
            let page = search(store.as_ref(), &q, budget).await.expect("page");
            pages.extend(page.events.iter().map(|e| e.event.seq));
            match page.stopped_at {
                Some(at) => after = Some(at),
                None => break,
            }
        }
        assert_eq!(pages, expect(true, &|_, e| home(e)), "budget {budget}");
    }
    let stored = store.audit_events(8, 1).await.expect("events");
    assert_eq!(stored, vec![event(8)], "records come back byte for byte");
    let _ = EventCursor { event_time: T, node: String::new(), seq: 0 };
}

pub(crate) async fn audit_clear_starts_the_trail_over(store: Arc<dyn AuditStore>) {
    store.append_audit(&events(1..=3), Some(&digest(1, 1, 3))).await.expect("append");
    store.clear_audit().await.expect("clear");
    assert_eq!(store.audit_head().await.expect("head"), AuditHead::default());
    assert_eq!(store.audit_events(1, 10).await.expect("events"), vec![]);
    assert_eq!(store.audit_digests(1, 10).await.expect("digests"), vec![]);
    store.append_audit(&events(1..=2), Some(&digest(1, 1, 2))).await.expect("seq 1 again");
    assert_err(store.append_audit(&events(4..=4), None).await, "Conflict");
}
