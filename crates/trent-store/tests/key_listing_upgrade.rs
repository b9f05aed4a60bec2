//! Upgrading a database written before `ListKeys` listed keys in the order they were stored
//! (schema version 20) to 0021: the keys stored until then get positions in the order they
//! were inserted, and a key stored afterwards lists after them. (`postgres_upgrade.rs` checks
//! PostgreSQL's backfill.)

use sqlx::Connection;
use trent_core::{AccountId, KeyId, KmsStore, Region, Scope};
use trent_store::SqliteStore;

#[allow(dead_code)]
#[path = "conformance/fixtures.rs"]
mod fixtures;
mod old_rows;
mod old_schema;

/// Stored first, though its id sorts last.
const FIRST: &str = "ffffffff-12ab-34cd-56ef-1234567890ab";
/// Stored second, though its id sorts first.
const SECOND: &str = "00000000-12ab-34cd-56ef-1234567890ab";

/// Regression guard: the listing moved from the primary key's order to a position column;
/// keys stored before it must all still be listed, in the order they were stored, and pages
/// must go on past them to keys stored later.
#[tokio::test]
async fn keys_stored_before_version_21_are_listed_in_the_order_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trent.db");
    let mut conn = old_schema::database_at_version(&path, 20).await;
    for id in [FIRST, SECOND] {
        sqlx::query(&old_rows::key_row(id, "old key", 1000, None)).execute(&mut conn).await.expect("a version-20 key");
    }
    conn.close().await.expect("close");

    let store = SqliteStore::open(&path).await.expect("open and migrate");
    let scope = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap());
    let (first, second) = (FIRST.parse::<KeyId>().unwrap(), SECOND.parse::<KeyId>().unwrap());
    let listed = store.list_key_ids(&scope, None, 10).await.expect("list");
    assert_eq!(listed.iter().map(|k| k.key_id).collect::<Vec<_>>(), vec![first, second]);
    assert!(listed[0].position < listed[1].position, "{listed:?}");

    // A key stored after the upgrade takes the next position.
    let later = fixtures::kid(7);
    store.insert_key(&fixtures::key(&scope, later), &fixtures::material(0, 7), &[]).await.expect("insert");
    let page = store.list_key_ids(&scope, Some(listed[1].position), 10).await.expect("next page");
    assert_eq!(page.iter().map(|k| k.key_id).collect::<Vec<_>>(), vec![later]);
    assert!(page[0].position > listed[1].position);
}
