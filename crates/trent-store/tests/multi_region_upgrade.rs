//! Upgrading a database written before multi-Region keys (schema version 4) to 0005: every key
//! stored until then reads back single-Region, and a replica can be written afterwards.

use sqlx::Connection;
use trent_core::kms::MultiRegionKeyType;
use trent_core::{AccountId, KeyId, KmsStore, Region, Scope};
use trent_store::SqliteStore;

mod old_schema;

const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

/// Regression guard: the new `multi_region_replica` column must not make keys stored before
/// it unreadable or multi-Region.
#[tokio::test]
async fn keys_stored_before_version_5_are_single_region() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trent.db");
    let mut conn = old_schema::database_at_version(&path, 4).await;
    let insert = format!(
        "INSERT INTO kms_keys VALUES ('111122223333', 'us-east-1', '{KEY_ID}', 'old', 'ENCRYPT_DECRYPT', \
         'SYMMETRIC_DEFAULT', 'AWS_KMS', 'Enabled', 1000, NULL, NULL, 0, 365, NULL, '{{}}', 0, 1, 'CUSTOMER')"
    );
    sqlx::query(&insert).execute(&mut conn).await.expect("a version-4 key");
    conn.close().await.expect("close");

    let store = SqliteStore::open(&path).await.expect("open and migrate");
    let scope = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap());
    let mut key = store.get_key(&scope, &KEY_ID.parse::<KeyId>().unwrap()).await.expect("read").expect("kept");
    assert_eq!((key.multi_region, key.description.as_str()), (None, "old"));
    // The migrated table takes the new role.
    key.multi_region = Some(MultiRegionKeyType::Replica);
    key.revision = 2;
    store.update_key(&key, 1).await.expect("update");
    let back = store.get_key(&scope, &key.key_id).await.expect("read").expect("kept");
    assert_eq!(back.multi_region, Some(MultiRegionKeyType::Replica));
}
