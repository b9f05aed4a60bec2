//! The SQLite backend: the conformance suite in memory and on disk, then what only a file can
//! show (durability across reopen, schema versions, corrupt rows, secure deletion).

#[macro_use]
mod conformance;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use tempfile::TempDir;
use trent_core::kms::Alias;
use trent_core::store::AuditStore;
use trent_core::{
    AccessKeyRecord, AccessKeyStatus, Account, AccountId, IdentityStore, KmsStore, MetaStore, ParamStore, Principal,
    PrincipalKind, Store, StoreError,
};
use trent_store::{SqliteAuditStore, SqliteStore};

use conformance::fixtures::{alias, at, full_key, home, key, kid, material, tag};

async fn in_memory_store() -> (Arc<dyn Store>, ()) {
    (Arc::new(SqliteStore::open_in_memory().await.expect("open in memory")), ())
}

async fn on_disk_store() -> (Arc<dyn Store>, TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&db_path(&dir)).await.expect("open on disk");
    (Arc::new(store), dir)
}

mod in_memory {
    conformance_tests!(super::in_memory_store);
}

mod on_disk {
    conformance_tests!(super::on_disk_store);
}

async fn in_memory_params() -> (Arc<dyn ParamStore>, ()) {
    (Arc::new(SqliteStore::open_in_memory().await.expect("open in memory")), ())
}

async fn on_disk_params() -> (Arc<dyn ParamStore>, TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&db_path(&dir)).await.expect("open on disk");
    (Arc::new(store), dir)
}

mod params_in_memory {
    params_conformance_tests!(super::in_memory_params);
}

mod params_on_disk {
    params_conformance_tests!(super::on_disk_params);
}

#[tokio::test]
async fn secret_changes_commit_their_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&db_path(&dir)).await.expect("open on disk");
    conformance::cases::secret_changes_commit_their_events(Arc::new(store)).await;
}

async fn in_memory_trail() -> (Arc<dyn AuditStore>, ()) {
    (Arc::new(SqliteAuditStore::open_in_memory().await.expect("open in memory")), ())
}

async fn on_disk_trail() -> (Arc<dyn AuditStore>, TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteAuditStore::open(&dir.path().join("audit.db")).await.expect("open on disk");
    (Arc::new(store), dir)
}

mod trail_in_memory {
    audit_conformance_tests!(super::in_memory_trail);
}

mod trail_on_disk {
    audit_conformance_tests!(super::on_disk_trail);
}

fn db_path(dir: &TempDir) -> PathBuf {
    dir.path().join("trent.db")
}

/// A connection beside the store's, for looking at or damaging the file directly.
async fn raw(path: &Path) -> SqliteConnection {
    SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path)).await.expect("raw connection")
}

#[tokio::test]
async fn a_reopened_file_keeps_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = home();
    let account = Account { id: AccountId::parse("111122223333").expect("id"), name: "dev".into(), created_at: at(1) };
    let access_key = AccessKeyRecord {
        access_key_id: "AKIAEXAMPLEEXAMPLE00".into(),
        principal: Principal {
            account: account.id.clone(),
            kind: PrincipalKind::User { name: "alice".into(), path: "/".into() },
            unique_id: "AIDAALICE".into(),
        },
        secret_wrapped: vec![3; 60],
        status: AccessKeyStatus::Active,
        created_at: at(2),
    };
    let rotated = full_key(&s, kid(1));
    {
        let store = SqliteStore::open(&db_path(&dir)).await.expect("open");
        store.insert_key(&key(&s, kid(1)), &material(0, 1), &[tag("team", "core")]).await.expect("key");
        store.add_material(&rotated, 1, &material(1, 1)).await.expect("rotate");
        store.insert_alias(&s, &alias("alias/kept", kid(1), at(3))).await.expect("alias");
        store.insert_account(&account).await.expect("account");
        store.insert_access_key(&access_key).await.expect("access key");
        store.put_meta("root-key-check", b"check").await.expect("meta");
        // Dropped without `close`: every call above has already committed durably.
    }
    let store = SqliteStore::open(&db_path(&dir)).await.expect("reopen");
    assert_eq!(store.get_key(&s, &kid(1)).await.expect("key"), Some(rotated));
    assert_eq!(store.materials(&s, &kid(1)).await.expect("materials"), vec![material(0, 1), material(1, 1)]);
    assert_eq!(store.list_tags(&s, &kid(1), None, 10).await.expect("tags"), vec![tag("team", "core")]);
    let kept: Option<Alias> = store.get_alias(&s, "alias/kept").await.expect("alias");
    assert_eq!(kept, Some(alias("alias/kept", kid(1), at(3))));
    assert_eq!(store.list_accounts().await.expect("accounts"), vec![account]);
    assert_eq!(store.get_access_key("AKIAEXAMPLEEXAMPLE00").await.expect("access key"), Some(access_key));
    assert_eq!(store.get_meta("root-key-check").await.expect("meta"), Some(b"check".to_vec()));
    store.close().await;

    let versions: Vec<(i64, String)> = sqlx::query_as("SELECT version, name FROM schema_version")
        .fetch_all(&mut raw(&db_path(&dir)).await)
        .await
        .expect("versions");
    // One row per migration, numbered 1, 2, 3... without repeats: reopening re-applied nothing.
    assert_eq!(versions.first(), Some(&(1, "0001_init.sql".to_owned())));
    for (i, (version, name)) in versions.iter().enumerate() {
        assert_eq!(*version, i as i64 + 1, "reopening must not re-apply migrations: {versions:?}");
        assert!(name.starts_with(&format!("{version:04}_")), "{name}");
    }
}

#[tokio::test]
async fn a_database_from_a_newer_trent_is_refused_as_too_new() {
    let dir = tempfile::tempdir().expect("tempdir");
    SqliteStore::open(&db_path(&dir)).await.expect("create").close().await;
    sqlx::query("INSERT INTO schema_version (version, name) VALUES (9999, '9999_from_the_future.sql')")
        .execute(&mut raw(&db_path(&dir)).await)
        .await
        .expect("bump version");
    match SqliteStore::open(&db_path(&dir)).await {
        Err(StoreError::SchemaTooNew { found, known }) => assert!(found == 9999 && known < found, "{known}"),
        other => panic!("expected SchemaTooNew, got {:?}", other.map(|_| "a store")),
    }
}

#[tokio::test]
async fn an_unopenable_path_is_unavailable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing_dir = dir.path().join("no/such/dir/trent.db");
    assert!(matches!(SqliteStore::open(&missing_dir).await, Err(StoreError::Unavailable(_))));
}

#[tokio::test]
async fn in_memory_stores_are_independent() {
    let a = SqliteStore::open_in_memory().await.expect("a");
    let b = SqliteStore::open_in_memory().await.expect("b");
    a.put_meta("x", b"1").await.expect("put");
    assert_eq!(b.get_meta("x").await.expect("get"), None);
}

/// Rows written by someone else (a bad restore, a bug, a newer build) are reported as
/// corrupt, never decoded into a wrong value or a panic.
#[tokio::test]
async fn rows_that_cannot_be_understood_are_corrupt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&db_path(&dir)).await.expect("open");
    let s = home();
    store.insert_key(&key(&s, kid(1)), &material(0, 1), &[]).await.expect("insert");
    store.insert_key(&key(&s, kid(2)), &material(0, 2), &[]).await.expect("insert");
    store.insert_key(&key(&s, kid(3)), &material(0, 3), &[]).await.expect("insert");
    let mut conn = raw(&db_path(&dir)).await;
    for sql in [
        "UPDATE kms_keys SET key_state = 'Melted' WHERE key_id = ?1",
        "UPDATE kms_key_materials SET rotation_type = 'YEARLY' WHERE key_id = ?1",
    ] {
        sqlx::query(sql).bind(kid(1).to_string()).execute(&mut conn).await.expect("damage");
    }
    sqlx::query("UPDATE kms_keys SET revision = -1 WHERE key_id = ?1")
        .bind(kid(2).to_string())
        .execute(&mut conn)
        .await
        .expect("damage");
    sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ('not-an-account', 'x', 0)")
        .execute(&mut conn)
        .await
        .expect("damage");

    assert!(matches!(store.get_key(&s, &kid(1)).await, Err(StoreError::Corrupt(_))));
    assert!(matches!(store.get_key(&s, &kid(2)).await, Err(StoreError::Corrupt(_))));
    // A listing reads only the ids and their positions: a key without a position, or with a
    // negative one, is corrupt there.
    for damage in ["NULL", "-1"] {
        sqlx::query(&format!("UPDATE kms_keys SET list_position = {damage} WHERE key_id = ?1"))
            .bind(kid(3).to_string())
            .execute(&mut conn)
            .await
            .expect("damage");
        assert!(matches!(store.list_key_ids(&s, None, 10).await, Err(StoreError::Corrupt(_))), "{damage}");
    }
    sqlx::query("UPDATE kms_keys SET list_position = 3 WHERE key_id = ?1")
        .bind(kid(3).to_string())
        .execute(&mut conn)
        .await
        .expect("repair");
    assert!(store.list_key_ids(&s, None, 10).await.is_ok());
    // A damaged id is corrupt there too.
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut conn).await.expect("pragma");
    sqlx::query("UPDATE kms_keys SET key_id = 'not-a-key-id' WHERE key_id = ?1")
        .bind(kid(3).to_string())
        .execute(&mut conn)
        .await
        .expect("damage");
    assert!(matches!(store.list_key_ids(&s, None, 10).await, Err(StoreError::Corrupt(_))));
    assert!(matches!(store.materials(&s, &kid(1)).await, Err(StoreError::Corrupt(_))));
    assert!(matches!(store.list_accounts().await, Err(StoreError::Corrupt(_))));
    // Undamaged rows still read.
    assert_eq!(store.materials(&s, &kid(2)).await.expect("materials"), vec![material(0, 2)]);
}

fn occurs(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Names of the files in `dir` that contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if occurs(&std::fs::read(&path).expect("read file"), needle) {
            found.push(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        }
    }
    found
}

/// Destroying a key is crypto-shredding: its wrapped material must not survive in the
/// database file or the WAL once `delete_key` returns.
#[tokio::test]
async fn deleted_material_is_overwritten_in_the_file_and_the_wal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut canary = b"<<TRENT-SECURE-DELETE-CANARY>>".to_vec();
    canary.extend((0..34u8).map(|i| 0x80 | i));
    assert_eq!(canary.len(), 64);
    let rotated_canary: Vec<u8> = canary.iter().rev().copied().collect();

    let store = SqliteStore::open(&db_path(&dir)).await.expect("open");
    let s = home();
    let mut original = material(0, 1);
    original.wrapped = canary.clone();
    let mut rotation = material(1, 1);
    rotation.wrapped = rotated_canary.clone();
    store.insert_key(&key(&s, kid(1)), &original, &[]).await.expect("insert");
    store.add_material(&key(&s, kid(1)), 1, &rotation).await.expect("rotate");
    // A neighbour in the same table and pages, which stays.
    store.insert_key(&key(&s, kid(2)), &material(0, 2), &[]).await.expect("insert neighbour");

    assert!(!files_containing(dir.path(), &canary).is_empty(), "the test needs the canary on disk first");
    assert!(!files_containing(dir.path(), &rotated_canary).is_empty());

    store.delete_key(&s, &kid(1)).await.expect("delete");
    assert_eq!(files_containing(dir.path(), &canary), Vec::<String>::new(), "after delete, store open");
    assert_eq!(files_containing(dir.path(), &rotated_canary), Vec::<String>::new(), "after delete, store open");
    assert_eq!(store.materials(&s, &kid(2)).await.expect("neighbour"), vec![material(0, 2)]);

    store.close().await;
    drop(store);
    assert_eq!(files_containing(dir.path(), &canary), Vec::<String>::new(), "after close");
    assert_eq!(files_containing(dir.path(), &rotated_canary), Vec::<String>::new(), "after close");
}
