//! Upgrading a database written before AWS managed keys (schema version 3) to 0004: every key
//! stored until then was created by `CreateKey` or a seed, and reads back customer managed.

use sqlx::Connection;
use trent_core::kms::KeyManager;
use trent_core::{AccountId, KeyId, KmsStore, Region, Scope};
use trent_store::SqliteStore;

mod old_schema;

const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

/// Regression guard: the new `key_manager` column must not make keys stored before it
/// unreadable or AWS managed.
#[tokio::test]
async fn keys_stored_before_version_4_are_customer_managed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trent.db");
    let mut conn = old_schema::database_at_version(&path, 3).await;
    let insert = format!(
        "INSERT INTO kms_keys VALUES ('111122223333', 'us-east-1', '{KEY_ID}', 'old', 'ENCRYPT_DECRYPT', \
         'SYMMETRIC_DEFAULT', 'AWS_KMS', 'Enabled', 1000, NULL, NULL, 0, 365, NULL, '{{}}', 0, 1)"
    );
    sqlx::query(&insert).execute(&mut conn).await.expect("a version-3 key");
    conn.close().await.expect("close");

    let store = SqliteStore::open(&path).await.expect("open and migrate");
    let scope = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap());
    let key = store.get_key(&scope, &KEY_ID.parse::<KeyId>().unwrap()).await.expect("read").expect("kept");
    assert_eq!((key.manager, key.description.as_str()), (KeyManager::Customer, "old"));
}
