//! Upgrading a database written before rotation of imported key material (schema version 15)
//! to 0016: a key imported until then reads back with its one material current, present or
//! not as it was, with its expiry, and the scheduler still finds it due.

use sqlx::Connection;
use time::OffsetDateTime;
use trent_core::kms::{KeyMaterialState, KeyState};
use trent_core::{AccountId, KeyId, KmsStore, Region, Scope};
use trent_crypto::KeyMaterialId;
use trent_store::SqliteStore;

mod old_schema;

const PRESENT: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
const DELETED: &str = "1234abcd-12ab-34cd-56ef-1234567890ac";

/// A version-15 row of an EXTERNAL key with imported material `fill` (32 bytes of it as id).
fn insert(key_id: &str, fill: u8, valid_to: Option<i64>, present: bool) -> String {
    let state = if present { "Enabled" } else { "PendingImport" };
    format!(
        "INSERT INTO kms_keys (account_id, region, key_id, description, key_usage, key_spec, origin, key_state, \
         created_at, deletion_date, pending_window_days, rotation_enabled, rotation_period_days, next_rotation, \
         policy, multi_region, revision, key_manager, multi_region_replica, imported_material_id, \
         import_valid_to, import_present) VALUES ('111122223333', 'us-east-1', '{key_id}', 'old', \
         'ENCRYPT_DECRYPT', 'SYMMETRIC_DEFAULT', 'EXTERNAL', '{state}', 1000, NULL, NULL, 0, 365, NULL, '{{}}', 0, 3, \
         'CUSTOMER', 0, x'{}', {}, {})",
        format!("{fill:02x}").repeat(32),
        valid_to.map_or("NULL".to_owned(), |v| v.to_string()),
        i64::from(present)
    )
}

/// Regression guard: the import columns of version 10 must not lose a key's material record
/// when version 16 moves it into `imported_materials`.
#[tokio::test]
async fn keys_imported_before_version_16_keep_their_one_material() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trent.db");
    let mut conn = old_schema::database_at_version(&path, 15).await;
    let valid_to = 5_000_000_000_000_000_000i64; // nanoseconds, in 2128
    sqlx::query(&insert(PRESENT, 0xab, Some(valid_to), true)).execute(&mut conn).await.expect("present key");
    sqlx::query(&insert(DELETED, 0xcd, None, false)).execute(&mut conn).await.expect("deleted key");
    conn.close().await.expect("close");

    let store = SqliteStore::open(&path).await.expect("open and migrate");
    let scope = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap());
    let present = store.get_key(&scope, &PRESENT.parse::<KeyId>().unwrap()).await.expect("read").expect("kept");
    assert_eq!((present.state, present.import_count, present.imported.len()), (KeyState::Enabled, 1, 1));
    let m = &present.imported[0];
    assert_eq!((m.material_id, m.state, m.present), (KeyMaterialId([0xab; 32]), KeyMaterialState::Current, true));
    assert_eq!(m.valid_to, OffsetDateTime::from_unix_timestamp_nanos(i128::from(valid_to)).ok());
    assert_eq!((m.description.as_deref(), m.rotated_at), (None, None));

    let deleted = store.get_key(&scope, &DELETED.parse::<KeyId>().unwrap()).await.expect("read").expect("kept");
    assert_eq!(deleted.imported.len(), 1);
    assert_eq!((deleted.imported[0].present, deleted.imported[0].valid_to), (false, None));
    assert_eq!(deleted.current_import().map(|m| m.material_id), Some(KeyMaterialId([0xcd; 32])));

    let due = store.keys_due(OffsetDateTime::from_unix_timestamp_nanos(i128::from(valid_to)).unwrap()).await;
    assert_eq!(due.expect("due"), vec![(scope.clone(), present.key_id)], "the present, expiring one");
    // And the migrated key writes back through the new columns.
    let mut again = present.clone();
    again.imported[0].description = Some("migrated".into());
    again.revision += 1;
    store.update_key(&again, present.revision).await.expect("update");
    assert_eq!(store.get_key(&scope, &again.key_id).await.expect("read"), Some(again));
}
