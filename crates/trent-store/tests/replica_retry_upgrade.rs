//! Upgrading a database written before failed replicas were found through an index (schema
//! version 17) to 0018: the migration fills `replica_retry_at` from each primary's `replicas`
//! JSON, so a replica that failed before the upgrade is still retried at its time.

use sqlx::Connection;
use time::OffsetDateTime;
use trent_core::store::{SecretChange, SecretsStore};
use trent_core::{AccountId, Region, Scope};
use trent_store::SqliteStore;

mod old_schema;

/// A version-17 row of secret `name` in `region` with the given `replicas` JSON.
fn insert(region: &str, name: &str, primary_region: Option<&str>, replicas: &str) -> String {
    format!(
        "INSERT INTO secrets (account_id, region, name, suffix, description, kms_key_id, created_at, \
         last_changed_at, last_accessed_at, deleted_at, deletion_date, tags, policy, labels, revision, rotation, \
         primary_region, replicas) VALUES ('111122223333', '{region}', '{name}', 'AbC123', NULL, NULL, 1000, 1000, \
         NULL, NULL, NULL, '[]', NULL, '{{}}', 1, NULL, {}, '{replicas}')",
        primary_region.map_or("NULL".to_owned(), |r| format!("'{r}'"))
    )
}

fn nanos(n: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(n)).expect("a time")
}

/// Regression guard: the scheduler stopped scanning `replicas` for `"Failed"`; a replica that
/// had failed before the upgrade must not be forgotten by the new indexed lookup.
#[tokio::test]
async fn replicas_failed_before_version_18_are_still_due_at_their_retry_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trent.db");
    let mut conn = old_schema::database_at_version(&path, 17).await;
    let (early, late) = (2_000_000_000_000_000_000i64, 3_000_000_000_000_000_000i64);
    let failed = |region: &str, retry_at: Option<i64>| {
        let retry = retry_at.map_or("null".to_owned(), |t| t.to_string());
        format!(
            r#"{{"region":"{region}","kms_key_id":null,"status":"Failed","failure":"kms-key","failures":2,"retry_at":{retry}}}"#
        )
    };
    let in_sync = r#"{"region":"ap-south-1","kms_key_id":null,"status":"InSync","failure":null}"#;
    let rows = [
        insert(
            "us-east-1",
            "two",
            None,
            &format!("[{},{},{in_sync}]", failed("eu-west-1", Some(late)), failed("us-west-2", Some(early))),
        ),
        // Written before retry times were kept: due at once, as the scheduler always took it.
        insert(
            "us-east-1",
            "untimed",
            None,
            r#"[{"region":"eu-west-1","kms_key_id":null,"status":"Failed","failure":"kms-key"}]"#,
        ),
        insert("us-east-1", "synced", None, &format!("[{in_sync}]")),
        insert("us-east-1", "alone", None, "[]"),
        insert("eu-west-1", "two", Some("us-east-1"), "[]"),
    ];
    for row in &rows {
        sqlx::query(row).execute(&mut conn).await.expect("a version-17 secret");
    }
    conn.close().await.expect("close");

    let store = SqliteStore::open(&path).await.expect("open and migrate");
    let names = |listed: Vec<(Scope, String)>| {
        let mut names: Vec<String> = listed.into_iter().map(|(_, n)| n).collect();
        names.sort();
        names
    };
    assert_eq!(names(store.secrets_with_replicas_due(nanos(1)).await.expect("due")), ["untimed"]);
    assert_eq!(names(store.secrets_with_replicas_due(nanos(early - 1)).await.expect("due")), ["untimed"]);
    assert_eq!(names(store.secrets_with_replicas_due(nanos(early)).await.expect("due")), ["two", "untimed"]);

    // The migrated rows take the new column's writes.
    let east = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap());
    let two = store.get_secret(&east, "two").await.expect("read").expect("kept");
    assert_eq!(two.replica_retry_at(), Some(nanos(early)), "the domain's reading agrees with the migration's");
    let mut next = two.clone();
    next.replicas.retain(|r| r.region.as_str() != "us-west-2");
    next.revision += 1;
    let change = SecretChange {
        secret: &next,
        expected_revision: two.revision,
        new_version: None,
        pruned: &[],
        upserted: &[],
        events: &[],
    };
    store.update_secret(change).await.expect("update");
    assert_eq!(names(store.secrets_with_replicas_due(nanos(late - 1)).await.expect("due")), ["untimed"]);
    assert_eq!(names(store.secrets_with_replicas_due(nanos(late)).await.expect("due")), ["two", "untimed"]);
}
