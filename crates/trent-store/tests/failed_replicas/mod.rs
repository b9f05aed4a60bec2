//! Secrets whose replicas failed before the schema kept `replica_retry_at` (SQLite's version
//! 18, PostgreSQL's 17), shared by both backends' upgrade tests: the rows as the older schemas
//! had them (the same columns on both) and what the upgraded store must answer about them.

use time::OffsetDateTime;
use trent_core::store::{SecretChange, SecretsStore};
use trent_core::{AccountId, Region, Scope};

/// The earlier and the later retry time of secret `two`'s failed replicas, in nanoseconds.
pub(crate) const EARLY: i64 = 2_000_000_000_000_000_000;
pub(crate) const LATE: i64 = 3_000_000_000_000_000_000;

/// A row of secret `name` in `region` with the given `replicas` JSON, as it was before the
/// retry-time column.
fn insert(region: &str, name: &str, primary_region: Option<&str>, replicas: &str) -> String {
    format!(
        "INSERT INTO secrets (account_id, region, name, suffix, description, kms_key_id, created_at, \
         last_changed_at, last_accessed_at, deleted_at, deletion_date, tags, policy, labels, revision, rotation, \
         primary_region, replicas) VALUES ('111122223333', '{region}', '{name}', 'AbC123', NULL, NULL, 1000, 1000, \
         NULL, NULL, NULL, '[]', NULL, '{{}}', 1, NULL, {}, '{replicas}')",
        primary_region.map_or("NULL".to_owned(), |r| format!("'{r}'"))
    )
}

/// The JSON of a replica in `region` that failed twice, to be retried at `retry_at`.
fn failed(region: &str, retry_at: Option<i64>) -> String {
    let retry = retry_at.map_or("null".to_owned(), |t| t.to_string());
    format!(
        r#"{{"region":"{region}","kms_key_id":null,"status":"Failed","failure":"kms-key","failures":2,"retry_at":{retry}}}"#
    )
}

/// The rows: `two` with failed replicas due at [`EARLY`] and [`LATE`] and one in sync;
/// `untimed`, failed before retry times were kept; `synced` and `alone`, never due; and the
/// replica of `two` in eu-west-1, which is never due itself whatever its own JSON says.
pub(crate) fn rows() -> Vec<String> {
    let in_sync = r#"{"region":"ap-south-1","kms_key_id":null,"status":"InSync","failure":null}"#;
    vec![
        insert(
            "us-east-1",
            "two",
            None,
            &format!("[{},{},{in_sync}]", failed("eu-west-1", Some(LATE)), failed("us-west-2", Some(EARLY))),
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
        insert("eu-west-1", "two", Some("us-east-1"), &format!("[{}]", failed("ap-south-1", Some(1)))),
    ]
}

pub(crate) fn nanos(n: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(n)).expect("a time")
}

/// The names of the secrets whose replicas are due at `at`, sorted.
async fn due(store: &dyn SecretsStore, at: i64) -> Vec<String> {
    let mut names: Vec<String> =
        store.secrets_with_replicas_due(nanos(at)).await.expect("due").into_iter().map(|(_, n)| n).collect();
    names.sort();
    names
}

/// What the upgraded `store` holding [`rows`] must answer: each failed replica due at its
/// time, and the migrated rows taking the new column's writes.
pub(crate) async fn check(store: &dyn SecretsStore) {
    assert_eq!(due(store, 1).await, ["untimed"]);
    assert_eq!(due(store, EARLY - 1).await, ["untimed"]);
    assert_eq!(due(store, EARLY).await, ["two", "untimed"]);

    let east = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap());
    let two = store.get_secret(&east, "two").await.expect("read").expect("kept");
    assert_eq!(two.replica_retry_at(), Some(nanos(EARLY)), "the domain's reading agrees with the migration's");
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
    assert_eq!(due(store, LATE - 1).await, ["untimed"]);
    assert_eq!(due(store, LATE).await, ["two", "untimed"]);
}
