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

use trent_core::store::AuditStore;
use trent_core::{IdentityStore, KmsStore, MetaStore, ParamStore, Store, StoreError};
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
    assert!(matches!(store.check_ready().await, Err(StoreError::SchemaTooNew { found: 9999, known: 5 })));
    store.close().await;
    let settings = PgSettings::from_url(schema.url()).expect("url").schema(schema.name());
    match PgStore::open(&settings).await {
        Err(StoreError::SchemaTooNew { found, known }) => assert_eq!((found, known), (9999, 5)),
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
    assert_eq!(store.list_keys(&home(), None, 100).await.expect("list").len(), 16);
}
