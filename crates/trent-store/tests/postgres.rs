//! The PostgreSQL backend: the conformance suite, each test in a fresh schema of the database
//! named by `TRENT_TEST_POSTGRES_URL` (see `support/postgres.rs`: without it every test here
//! says loudly that it is skipped, and under `CI=true` fails), then what only this backend
//! shows: the schema version check, reopening, concurrent writers retried after
//! serialization failures.

#[macro_use]
mod conformance;
#[path = "support/postgres.rs"]
mod support;

use std::sync::Arc;

use trent_core::store::{AuditStore, Batch, BatchStore, NewKey};
use trent_core::{IdentityStore, KeyId, KmsStore, MetaStore, ParamStore, Store, StoreError};
use trent_store::{PgSettings, PgStore};

use conformance::fixtures::{full_key, home, key, kid, material, user};
use support::TestSchema;

/// A store on a fresh schema, with a small pool: tests run side by side on one server.
async fn open(schema: &TestSchema) -> PgStore {
    let settings = PgSettings::from_url(schema.url()).expect("url").schema(schema.name()).max_connections(4);
    PgStore::open(&settings).await.expect("open PostgreSQL store")
}

async fn fresh_store() -> Option<(Arc<dyn Store>, TestSchema)> {
    let schema = TestSchema::new("postgres conformance").await?;
    let store = open(&schema).await;
    Some((Arc::new(store), schema))
}

async fn fresh_trail() -> Option<(Arc<dyn AuditStore>, TestSchema)> {
    let schema = TestSchema::new("postgres audit conformance").await?;
    let store = open(&schema).await;
    Some((Arc::new(store.audit_store()), schema))
}

async fn fresh_params() -> Option<(Arc<dyn ParamStore>, TestSchema)> {
    let schema = TestSchema::new("postgres params conformance").await?;
    let store = open(&schema).await;
    Some((Arc::new(store), schema))
}

mod store {
    conformance_tests!(super::fresh_store);
}

mod params {
    params_conformance_tests!(super::fresh_params);
}

mod trail {
    audit_conformance_tests!(super::fresh_trail);
}

#[tokio::test]
async fn secret_changes_commit_their_events() {
    let Some(schema) = TestSchema::new("secret_changes_commit_their_events").await else { return };
    conformance::cases::secret_changes_commit_their_events(Arc::new(open(&schema).await)).await;
}

#[tokio::test]
async fn a_reopened_database_keeps_everything_and_migrates_once() {
    let Some(schema) = TestSchema::new("a_reopened_database_keeps_everything_and_migrates_once").await else { return };
    let store = open(&schema).await;
    let k = full_key(&home(), kid(1));
    store.insert_key(&k, &material(0, 3), &[]).await.expect("insert");
    store.put_meta("seal", b"\x00sealed").await.expect("meta");
    store.close().await;
    let again = open(&schema).await;
    assert_eq!(again.get_key(&home(), &kid(1)).await.expect("get").as_ref(), Some(&k));
    assert_eq!(again.get_meta("seal").await.expect("meta").as_deref(), Some(&b"\x00sealed"[..]));
    again.check_ready().await.expect("schema current");
}

#[tokio::test]
async fn a_schema_from_a_newer_trent_is_refused() {
    let Some(schema) = TestSchema::new("a_schema_from_a_newer_trent_is_refused").await else { return };
    let store = open(&schema).await;
    let raw = sqlx::PgPool::connect(schema.url()).await.expect("raw");
    sqlx::query(&format!("INSERT INTO {}.schema_version (version, name) VALUES (9999, 'future.sql')", schema.name()))
        .execute(&raw)
        .await
        .expect("fake a future version");
    assert!(matches!(store.check_ready().await, Err(StoreError::SchemaTooNew { found: 9999, known: 22 })));
    store.close().await;
    let settings = PgSettings::from_url(schema.url()).expect("url").schema(schema.name());
    match PgStore::open(&settings).await {
        Err(StoreError::SchemaTooNew { found, known }) => assert_eq!((found, known), (9999, 22)),
        other => panic!("expected SchemaTooNew, got {:?}", other.map(|_| ())),
    }
    raw.close().await;
}

/// Many concurrent quota-checked inserts: SERIALIZABLE plus the store's retry let exactly
/// `max` of them in, and none fails with a serialization error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_quota_checks_are_serialized_and_retried() {
    let Some(schema) = TestSchema::new("concurrent_quota_checks_are_serialized_and_retried").await else { return };
    let store = Arc::new(open(&schema).await);
    let u = user("alice");
    store.insert_user(&u).await.expect("user");
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (store, u) = (Arc::clone(&store), u.clone());
            tokio::spawn(async move {
                store
                    .insert_user_access_key(&conformance::fixtures::access_key(&format!("AKIACONCURRENT{i:04}"), &u), 2)
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("join") {
            Ok(()) => ok += 1,
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ok, 2, "exactly the quota gets in");
    assert_eq!(store.list_access_keys(&home().account, Some("ALICE")).await.expect("list").len(), 2);
}

/// Keys inserted from many tasks at once while others update them: every insert lands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_inserts_all_land() {
    let Some(schema) = TestSchema::new("concurrent_inserts_all_land").await else { return };
    let store = Arc::new(open(&schema).await);
    let tasks: Vec<_> = (0..16_u8)
        .map(|n| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.insert_key(&key(&home(), kid(n)), &material(0, n), &[]).await })
        })
        .collect();
    for t in tasks {
        t.await.expect("join").expect("insert");
    }
    assert_eq!(store.list_key_ids(&home(), None, 100).await.expect("list").len(), 16);
}

/// Regression guard: a listing's page size is written into its statement. Bound as a
/// parameter, PostgreSQL priced the generic plan of a page as reading a tenth of the scope's
/// rows, so on a large scope it planned every page again (a custom plan each time), which made
/// `ListKeys` about a third slower under concurrency on a million-key account than on a small
/// one. Here, on 5,000 keys, the pages must settle on the generic plan after the plan cache's
/// five custom ones.
#[tokio::test]
async fn pages_of_a_large_scope_settle_on_one_plan() {
    let Some(schema) = TestSchema::new("pages_of_a_large_scope_settle_on_one_plan").await else { return };
    let settings = PgSettings::from_url(schema.url()).expect("url").schema(schema.name()).max_connections(1);
    let store = PgStore::open(&settings).await.expect("open");
    let s = home();
    for batch in 0..10_u32 {
        let keys = (batch * 500..(batch + 1) * 500)
            .map(|i| {
                let mut id = [0x5a; 16];
                id[..4].copy_from_slice(&i.to_be_bytes());
                NewKey { record: key(&s, KeyId::from_bytes(id)), material: material(0, 1), tags: Vec::new() }
            })
            .collect();
        store.apply_batch(&Batch { keys, ..Batch::default() }).await.expect("500 keys");
        // As `trent admin fill` does: planned on the statistics of an empty table, the foreign
        // key checks of a growing one slow each batch down.
        settings.analyze(&["kms_keys", "kms_key_materials"]).await.expect("analyze");
    }

    let mut after = None;
    for page in 0..12 {
        let listed = store.list_key_ids(&s, after, 100).await.expect("page");
        assert_eq!(listed.len(), 100, "page {page}");
        after = listed.last().map(|k| k.position);
    }
    let (generic, custom) = store.plan_counts("list_position >").await.expect("plan counts");
    assert!(generic >= 6 && custom <= 5, "later pages: {generic} generic plans, {custom} custom");
    // The first page, asked for again and again (a client polling ListKeys), likewise.
    for _ in 0..11 {
        assert_eq!(store.list_key_ids(&s, None, 100).await.expect("first page").len(), 100);
    }
    let (generic, custom) = store.plan_counts("$2 ORDER BY list_position").await.expect("plan counts");
    assert!(generic >= 6 && custom <= 6, "first pages: {generic} generic plans, {custom} custom");
}

/// Two nodes on one schema, each with its own chain: their group commits interleave without a
/// conflict, `verify_chains` checks both and names each one's last verified digest, lookups
/// merge them by time and page across them, and tampering with one chain is reported in that
/// chain only.
#[tokio::test]
async fn two_nodes_keep_their_own_chains_on_one_schema() {
    use std::collections::BTreeMap;

    use time::format_description::well_known::Rfc3339;
    use time::{Duration, OffsetDateTime};
    use trent_core::audit::{AuditEvent, AuditSigner, Chain, EventQuery, PendingEvent, Problem, search, verify_chains};

    let Some(schema) = TestSchema::new("two_nodes_keep_their_own_chains_on_one_schema").await else { return };
    let store = open(&schema).await;
    let nodes = [store.audit_store_for("node-a"), store.audit_store_for("node-b")];
    let signer = AuditSigner::ephemeral().expect("signer");
    let public = signer.public_key();
    let t0 = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time");
    let event = |node: &str, at: OffsetDateTime, n: u32| {
        let record = serde_json::json!({
            "eventVersion": "1.08",
            "userIdentity": {"type": "Root", "accountId": "111122223333"},
            "eventTime": at.format(&Rfc3339).expect("time"),
            "eventSource": "kms.amazonaws.com",
            "eventName": "Encrypt",
            "awsRegion": "us-east-1",
            "sourceIPAddress": "192.0.2.1",
            "userAgent": node,
            "requestParameters": null,
            "responseElements": null,
            "requestID": format!("{node}-{n}"),
            "eventID": format!("{node}-{n}"),
            "readOnly": true,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": "111122223333",
            "eventCategory": "Management",
        });
        let json = serde_json::to_vec(&record).expect("json");
        PendingEvent::new(&AuditEvent::from_json(&json).expect("event")).expect("pending")
    };
    let mut chains = Vec::new();
    for node in &nodes {
        chains.push(Chain::resume(&node.audit_head().await.expect("head")));
    }
    for round in 0..6u32 {
        for (i, (node, chain)) in nodes.iter().zip(chains.iter_mut()).enumerate() {
            let at = t0 + Duration::seconds(i64::from(round) * 2 + i as i64);
            let pending = (0..3).map(|k| event(node.node(), at, round * 3 + k)).collect();
            let (batch, next) = chain.link(pending, &signer, at, &mut Vec::new());
            node.append_audit(&batch.events, Some(&batch.digest)).await.expect("append to this node's chain");
            chain.advance(next);
        }
    }
    let summary = |reports: &[trent_core::audit::ChainReport]| -> Vec<(String, u64, u64, Option<Problem>)> {
        reports
            .iter()
            .map(|r| (r.node.clone(), r.report.events_checked, r.report.digests_checked, r.report.problem.clone()))
            .collect()
    };
    let reports = verify_chains(&nodes[0], &public, &BTreeMap::new()).await.expect("verify");
    assert_eq!(summary(&reports), [("node-a".into(), 18, 6, None), ("node-b".into(), 18, 6, None)]);
    assert!(reports.iter().all(|r| r.report.last_digest.is_some_and(|d| (d.digest_seq, d.last_seq) == (6, 18))));

    // Lookups merge the chains by time, newest first, and page across them without a gap.
    let all = search(&nodes[1], &EventQuery::all(100), u64::MAX).await.expect("search");
    assert_eq!(all.events.len(), 36);
    let times: Vec<_> = all.events.iter().map(|e| e.event.key.event_time).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first across nodes");
    assert_eq!(all.events[0].event.node, "node-b");
    assert_eq!(all.events[3].event.node, "node-a");
    let mut paged = Vec::new();
    let mut query = EventQuery::all(5);
    loop {
        let page = search(&nodes[0], &query, u64::MAX).await.expect("page");
        paged.extend(page.events.iter().map(|e| (e.event.node.clone(), e.event.seq)));
        match page.stopped_at {
            Some(at) => query.after = Some(at),
            None => break,
        }
    }
    let expected: Vec<_> = all.events.iter().map(|e| (e.event.node.clone(), e.event.seq)).collect();
    assert_eq!(paged, expected);

    // A chain relabelled as another node's fails its digests, which sign the node id.
    let raw = sqlx::PgPool::connect(schema.url()).await.expect("raw");
    let relabel = async |from: &str, to: &str| {
        for t in ["audit_events", "audit_digests"] {
            sqlx::query(&format!("UPDATE {}.{t} SET node_id = $1 WHERE node_id = $2", schema.name()))
                .bind(to)
                .bind(from)
                .execute(&raw)
                .await
                .expect("relabel a chain");
        }
    };
    relabel("node-a", "node-c").await;
    let reports = verify_chains(&nodes[0], &public, &BTreeMap::new()).await.expect("verify");
    assert_eq!(
        summary(&reports),
        [("node-b".into(), 18, 6, None), ("node-c".into(), 3, 0, Some(Problem::DigestBadSignature { digest_seq: 1 }))]
    );
    relabel("node-c", "node-a").await;

    // Tampering with one chain is reported in that chain, the other still verifies.
    let table = format!("{}.audit_events", schema.name());
    sqlx::query(&format!("DELETE FROM {table} WHERE node_id = 'node-b' AND seq = 7"))
        .execute(&raw)
        .await
        .expect("delete a record of node-b");
    let reports = verify_chains(&nodes[0], &public, &BTreeMap::new()).await.expect("verify");
    assert_eq!(
        summary(&reports),
        [("node-a".into(), 18, 6, None), ("node-b".into(), 6, 2, Some(Problem::EventMissing { seq: 7 }))]
    );
    sqlx::query(&format!(
        "UPDATE {table} SET record = (SELECT record FROM {table} WHERE node_id = 'node-a' AND seq = 3) \
         WHERE node_id = 'node-a' AND seq = 2"
    ))
    .execute(&raw)
    .await
    .expect("edit a record of node-a");
    let reports = verify_chains(&nodes[0], &public, &BTreeMap::new()).await.expect("verify");
    assert_eq!(reports[0].report.problem, Some(Problem::EventEdited { seq: 2 }));
    raw.close().await;
}
