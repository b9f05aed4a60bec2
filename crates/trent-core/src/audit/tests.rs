//! The chain, digests, signing key and `verify` over an in-memory store: every kind of
//! tampering is named with its exact seq. (The same attacks on a real SQLite file are in
//! `trent-store/tests/audit_tamper.rs`.)

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use parking_lot::Mutex;
use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::store::{AuditStore, MetaStore, StoreError};

#[derive(Default)]
struct Mem {
    events: Mutex<BTreeMap<u64, StoredEvent>>,
    digests: Mutex<BTreeMap<u64, DigestRecord>>,
    meta: Mutex<BTreeMap<String, Vec<u8>>>,
}

#[async_trait]
impl AuditStore for Mem {
    async fn append_audit(&self, events: &[StoredEvent], digest: Option<&DigestRecord>) -> Result<(), StoreError> {
        let mut all = self.events.lock();
        for e in events {
            all.insert(e.seq, e.clone());
        }
        if let Some(d) = digest {
            self.digests.lock().insert(d.digest_seq, d.clone());
        }
        Ok(())
    }
    async fn audit_events(&self, from: u64, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(self.events.lock().range(from..).take(limit as usize).map(|(_, e)| e.clone()).collect())
    }
    async fn audit_digests(&self, from: u64, limit: u32) -> Result<Vec<DigestRecord>, StoreError> {
        Ok(self.digests.lock().range(from..).take(limit as usize).map(|(_, d)| d.clone()).collect())
    }
    async fn scan_audit(&self, q: &AuditScan) -> Result<Vec<StoredEvent>, StoreError> {
        let start = q.start.map(first_whole_second);
        let mut out: Vec<StoredEvent> = self
            .events
            .lock()
            .values()
            .filter(|e| q.scope.as_ref().is_none_or(|s| s.account_id == e.key.account_id && s.region == e.key.region))
            .filter(|e| start.is_none_or(|s| e.key.event_time >= s) && q.end.is_none_or(|t| e.key.event_time <= t))
            .filter(|e| match (&q.scope, &q.after) {
                (_, None) => true,
                (Some(_), Some(c)) => (e.key.event_time, e.seq) < (c.event_time, c.seq),
                (None, Some(c)) => e.seq < c.seq,
            })
            .cloned()
            .collect();
        if q.scope.is_some() {
            out.sort_by_key(|e| std::cmp::Reverse((e.key.event_time, e.seq)));
        } else {
            out.sort_by_key(|e| std::cmp::Reverse(e.seq));
        }
        out.truncate(q.limit as usize);
        Ok(out)
    }
    async fn clear_audit(&self) -> Result<(), StoreError> {
        self.events.lock().clear();
        self.digests.lock().clear();
        Ok(())
    }
    async fn audit_head(&self) -> Result<AuditHead, StoreError> {
        Ok(AuditHead {
            node: String::new(),
            last_event: self.events.lock().values().next_back().map(|e| (e.seq, e.hash)),
            last_digest: self.digests.lock().values().next_back().cloned(),
        })
    }
}

#[async_trait]
impl MetaStore for Mem {
    async fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.meta.lock().get(name).cloned())
    }
    async fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        self.meta.lock().insert(name.to_owned(), value.to_vec());
        Ok(())
    }
}

const T: OffsetDateTime = datetime!(2026-11-22 19:55:31 UTC);

fn event(n: u64) -> AuditEvent {
    AuditEvent {
        event_version: EVENT_VERSION.into(),
        user_identity: UserIdentity {
            identity_type: Some(IdentityType::Root),
            principal_id: Some("111122223333".into()),
            arn: Some("arn:aws:iam::111122223333:root".into()),
            account_id: Some("111122223333".into()),
            access_key_id: Some("AKIAROOT".into()),
            user_name: None,
            session_context: None,
            invoked_by: None,
        },
        event_time: T + time::Duration::seconds(n as i64 / 3),
        event_source: "kms.amazonaws.com".into(),
        event_name: if n.is_multiple_of(2) { "Encrypt" } else { "Decrypt" }.into(),
        aws_region: "us-east-1".into(),
        source_ip_address: "127.0.0.1".into(),
        user_agent: "test".into(),
        error_code: None,
        error_message: None,
        request_parameters: None,
        response_elements: None,
        additional_event_data: None,
        request_id: format!("req-{n}"),
        event_id: format!("00000000-0000-4000-8000-{n:012}"),
        read_only: true,
        resources: Vec::new(),
        event_type: EVENT_TYPE_API_CALL.into(),
        management_event: true,
        recipient_account_id: "111122223333".into(),
        shared_event_id: None,
        event_category: EVENT_CATEGORY_MANAGEMENT.into(),
        tls_details: None,
    }
}

/// A trail of `batches` group commits of `per_batch` events each, and its signer.
async fn trail(batches: u64, per_batch: u64) -> (Arc<Mem>, AuditSigner) {
    let store = Arc::new(Mem::default());
    let signer = AuditSigner::ephemeral().unwrap();
    let mut chain = Chain::genesis();
    let mut scratch = Vec::new();
    for b in 0..batches {
        let pending = (0..per_batch).map(|i| PendingEvent::new(&event(b * per_batch + i + 1)).unwrap()).collect();
        let (batch, next) = chain.link(pending, &signer, T, &mut scratch);
        store.append_audit(&batch.events, Some(&batch.digest)).await.unwrap();
        chain.advance(next);
    }
    (store, signer)
}

async fn problem(store: &Mem, signer: &AuditSigner, anchor: Option<Anchor>) -> Option<Problem> {
    verify(store, &signer.public_key(), anchor).await.unwrap().problem
}

#[tokio::test]
async fn an_untouched_trail_verifies_and_resumes_where_it_ended() {
    let (store, signer) = trail(4, 3).await;
    let report = verify(store.as_ref(), &signer.public_key(), None).await.unwrap();
    assert_eq!((report.events_checked, report.digests_checked, report.problem.clone()), (12, 4, None));
    assert_eq!(report.last_digest.map(|a| (a.digest_seq, a.last_seq)), Some((4, 12)));

    let head = store.audit_head().await.unwrap();
    assert!(Chain::head_is_consistent(&head));
    let resumed = Chain::resume(&head);
    assert_eq!(resumed.next_seq(), 13);
    let (batch, _) = resumed.link(vec![PendingEvent::new(&event(13)).unwrap()], &signer, T, &mut Vec::new());
    assert_eq!((batch.digest.digest_seq, batch.digest.first_seq, batch.digest.last_seq), (5, 13, 13));
    store.append_audit(&batch.events, Some(&batch.digest)).await.unwrap();
    assert_eq!(problem(&store, &signer, report.last_digest).await, None);
}

#[tokio::test]
async fn each_kind_of_tampering_is_named_with_its_seq() {
    type Attack = fn(&Mem);
    let attacks: Vec<(&str, Attack, Problem)> = vec![
        ("edit", |m| m.events.lock().get_mut(&5).unwrap().json[20] ^= 1, Problem::EventEdited { seq: 5 }),
        ("delete", |m| drop(m.events.lock().remove(&5)), Problem::EventMissing { seq: 5 }),
        (
            "delete and renumber",
            |m| {
                let mut all = m.events.lock();
                let rest: Vec<StoredEvent> = all.split_off(&5).into_values().skip(1).collect();
                for mut e in rest {
                    e.seq -= 1;
                    all.insert(e.seq, e);
                }
            },
            Problem::ChainBroken { seq: 5 },
        ),
        (
            "swap",
            |m| {
                let mut all = m.events.lock();
                let (mut a, mut b) = (all.remove(&5).unwrap(), all.remove(&6).unwrap());
                (a.seq, b.seq) = (6, 5);
                all.insert(5, b);
                all.insert(6, a);
            },
            Problem::EventsReordered { seq: 5, found_at: 6 },
        ),
        (
            "move out of the account's lookups",
            |m| m.events.lock().get_mut(&7).unwrap().key.account_id = "444455556666".into(),
            Problem::IndexMismatch { seq: 7, member: "recipientAccountId" },
        ),
        (
            "move out of a time range",
            |m| m.events.lock().get_mut(&8).unwrap().key.event_time -= time::Duration::DAY,
            Problem::IndexMismatch { seq: 8, member: "eventTime" },
        ),
        (
            "forge a digest",
            |m| m.digests.lock().get_mut(&2).unwrap().last_seq = 7,
            Problem::DigestBadSignature { digest_seq: 2 },
        ),
        ("drop a digest", |m| drop(m.digests.lock().remove(&2)), Problem::DigestMissing { digest_seq: 2 }),
        (
            "delete the tail",
            |m| drop(m.events.lock().split_off(&11)),
            Problem::TailDeleted { digest_seq: 4, from: 11, to: 12 },
        ),
    ];
    for (name, attack, expected) in attacks {
        let (store, signer) = trail(4, 3).await;
        attack(&store);
        assert_eq!(problem(&store, &signer, None).await, Some(expected), "{name}");
    }
}

#[tokio::test]
async fn rewritten_history_appended_events_and_truncation_are_caught() {
    // Rewrite event 2 and re-hash everything after it: only the signatures can tell.
    let (store, signer) = trail(4, 3).await;
    {
        let mut all = store.events.lock();
        let mut prev = GENESIS_HASH;
        for e in all.values_mut() {
            if e.seq == 2 {
                e.json = PendingEvent::new(&event(99)).unwrap().json;
                e.key = PendingEvent::new(&event(99)).unwrap().key;
            }
            e.prev_hash = prev;
            e.hash = chain::event_hash(&prev, &e.json);
            prev = e.hash;
        }
    }
    assert_eq!(problem(&store, &signer, None).await, Some(Problem::DigestMismatch { digest_seq: 1, seq: 3 }));

    // Events appended with a valid chain but no digest.
    let (store, signer) = trail(2, 3).await;
    let forger = Chain::resume(&store.audit_head().await.unwrap());
    let (batch, _) = forger.link(vec![PendingEvent::new(&event(7)).unwrap()], &signer, T, &mut Vec::new());
    store.append_audit(&batch.events, None).await.unwrap();
    assert_eq!(problem(&store, &signer, None).await, Some(Problem::EventsUnsigned { from: 7, to: 7 }));

    // Tail events and their digests deleted: consistent, unless an earlier anchor remembers.
    let (store, signer) = trail(4, 3).await;
    let anchor = verify(store.as_ref(), &signer.public_key(), None).await.unwrap().last_digest;
    drop(store.events.lock().split_off(&10));
    drop(store.digests.lock().split_off(&4));
    assert_eq!(problem(&store, &signer, None).await, None, "undetectable without an anchor");
    assert_eq!(problem(&store, &signer, anchor).await, Some(Problem::AnchorMissing { digest_seq: 4, last_seq: 12 }));

    // Another key cannot vouch for this trail.
    let other = AuditSigner::ephemeral().unwrap();
    assert_eq!(problem(&store, &other, None).await, Some(Problem::DigestBadSignature { digest_seq: 1 }));
}

#[tokio::test]
async fn the_signing_key_is_created_once_wrapped_and_guarded() {
    let root = trent_crypto::RootKey::generate().unwrap().0;
    let store = Mem::default();
    let created = AuditSigner::load_or_create(&store, &root).await.unwrap();
    let loaded = AuditSigner::load_or_create(&store, &root).await.unwrap();
    assert_eq!(created.public_key(), loaded.public_key());
    assert_eq!(stored_public_key(&store).await.unwrap(), Some(created.public_key()));
    let wrapped = store.get_meta(META_SIGNING_KEY).await.unwrap().unwrap();
    assert!(root.unwrap(b"another purpose", &wrapped).is_err(), "bound to its AAD");

    let other_root = trent_crypto::RootKey::generate().unwrap().0;
    assert!(matches!(AuditSigner::load_or_create(&store, &other_root).await, Err(AuditError::SigningKey(_))));
    store.put_meta(META_PUBLIC_KEY, &[7u8; 32]).await.unwrap();
    assert!(matches!(AuditSigner::load_or_create(&store, &root).await, Err(AuditError::SigningKey(_))));
    store.meta.lock().remove(META_SIGNING_KEY);
    assert!(matches!(AuditSigner::load_or_create(&store, &root).await, Err(AuditError::SigningKey(_))));
    assert_eq!(parse_hex32(&hex(&created.public_key())), Some(created.public_key()));
}

#[tokio::test]
async fn lookups_validate_like_cloudtrail_and_page_with_bound_tokens() {
    let (store, _) = trail(3, 4).await;
    let trail = AuditTrail::new(store, Arc::new(crate::clock::ManualClock::new(T)));
    let caller = crate::identity::Caller {
        principal: crate::identity::Principal {
            account: crate::ids::AccountId::parse("111122223333").unwrap(),
            kind: crate::identity::PrincipalKind::Root,
            unique_id: "111122223333".into(),
        },
        access_key_id: "AKIAROOT".into(),
        region: crate::ids::Region::parse("us-east-1").unwrap(),
        source_ip: None,
        user_agent: None,
        secure_transport: false,
        identity: Arc::new(crate::identity::CallerIdentity::root(
            &crate::ids::AccountId::parse("111122223333").unwrap(),
        )),
        via_service: None,
        meter: Default::default(),
        on_behalf_log: None,
    };
    let by_name = |token: Option<String>| LookupRequest {
        attributes: vec![("EventName".into(), "Encrypt".into())],
        max_results: Some(4),
        next_token: token,
        ..LookupRequest::default()
    };
    let first = trail.lookup(&caller, by_name(None)).await.unwrap();
    let seqs: Vec<String> = first.events.iter().map(|e| e.index.request_id_for_test()).collect();
    assert_eq!(seqs, ["req-12", "req-10", "req-8", "req-6"]);
    let second = trail.lookup(&caller, by_name(first.next_token.clone())).await.unwrap();
    assert_eq!(second.events.iter().map(|e| e.index.request_id_for_test()).collect::<Vec<_>>(), ["req-4", "req-2"]);
    assert!(second.next_token.is_none());

    let other = LookupRequest { next_token: first.next_token, ..LookupRequest::default() };
    assert!(matches!(trail.lookup(&caller, other).await, Err(LookupError::InvalidNextToken)));
    let two = LookupRequest {
        attributes: vec![("EventName".into(), "a".into()), ("Username".into(), "b".into())],
        ..LookupRequest::default()
    };
    assert!(matches!(trail.lookup(&caller, two).await, Err(LookupError::InvalidLookupAttributes(_))));
    let bad_range = LookupRequest { start: Some(T), end: Some(T - time::Duration::SECOND), ..LookupRequest::default() };
    assert!(matches!(trail.lookup(&caller, bad_range).await, Err(LookupError::InvalidTimeRange)));
    for n in [0, 51] {
        let r = LookupRequest { max_results: Some(n), ..LookupRequest::default() };
        assert!(matches!(trail.lookup(&caller, r).await, Err(LookupError::InvalidMaxResults)));
    }
    // An IAM user needs an identity policy allowing cloudtrail:LookupEvents.
    let mut user = caller.clone();
    user.principal.kind = crate::identity::PrincipalKind::User { name: "bob".into(), path: "/".into() };
    match trail.lookup(&user, LookupRequest::default()).await {
        Err(LookupError::AccessDenied(crate::identity::Denied::Policy { action, resource, why, .. })) => {
            assert_eq!(
                (action.as_str(), resource.as_str(), why),
                ("cloudtrail:LookupEvents", "*", crate::identity::Why::NoAllow)
            );
        }
        other => panic!("expected AccessDenied, got {other:?}"),
    }
}

impl EventIndex {
    /// The event of these tests is numbered by its event id's last digits.
    fn request_id_for_test(&self) -> String {
        format!("req-{}", self.event_id.rsplit('-').next().unwrap().trim_start_matches('0'))
    }
}

#[tokio::test]
async fn searches_stop_at_their_budget_and_continue_exactly_there() {
    let (store, _) = trail(3, 4).await;
    let decrypts = EventQuery {
        account_id: Some("111122223333".into()),
        region: Some("us-east-1".into()),
        event_name: Some("Decrypt".into()),
        ..EventQuery::all(10)
    };
    let (mut seen, mut query, mut calls) = (Vec::new(), decrypts.clone(), 0);
    loop {
        let page = search(store.as_ref(), &query, 3).await.unwrap();
        calls += 1;
        seen.extend(page.events.iter().map(|f| f.event.seq));
        match page.stopped_at {
            Some(at) => query.after = Some(at),
            None => break,
        }
    }
    assert_eq!(seen, [11, 9, 7, 5, 3, 1], "newest first, none twice, none skipped");
    assert_eq!(calls, 5, "12 records, 3 per call, then an empty read finds the end");
    let all = search(store.as_ref(), &decrypts, u64::MAX).await.unwrap();
    assert_eq!(all.events.len(), 6);
    assert_eq!(all.stopped_at, None);
    let unscoped = search(store.as_ref(), &EventQuery::all(3), u64::MAX).await.unwrap();
    assert_eq!(unscoped.events.iter().map(|f| f.event.seq).collect::<Vec<_>>(), [12, 11, 10]);
}

#[tokio::test]
async fn an_event_id_search_reads_only_the_second_its_id_names() {
    let (store, signer) = trail(2, 3).await;
    let mut old = event(7);
    old.event_time = T - time::Duration::HOUR;
    old.event_id = new_event_id(old.event_time);
    let chain = Chain::resume(&store.audit_head().await.unwrap());
    let (batch, _) = chain.link(vec![PendingEvent::new(&old).unwrap()], &signer, T, &mut Vec::new());
    store.append_audit(&batch.events, Some(&batch.digest)).await.unwrap();
    let by_id = EventQuery {
        account_id: Some("111122223333".into()),
        region: Some("us-east-1".into()),
        event_id: Some(old.event_id.clone()),
        ..EventQuery::all(1)
    };
    let page = search(store.as_ref(), &by_id, 1).await.unwrap();
    assert_eq!(page.events.iter().map(|f| f.event.seq).collect::<Vec<_>>(), [7], "one record read");
    assert_eq!(page.events[0].index, EventIndex::of(&old));
}
