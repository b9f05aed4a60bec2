//! Upgrading a PostgreSQL schema an older Trent left behind: migrations 1 to 16 applied
//! (`PgStore::migrate_only_to`, the store's own migration code stopped early), rows written
//! the way version 16 had them, then the store opened as usual. It migrates to the latest version, the rows read back through the
//! store, and version 17's backfill of `replica_retry_at` lists a replica that failed before
//! the upgrade as due at its time (the PostgreSQL twin of `replica_retry_upgrade.rs`).
//!
//! Runs in a fresh schema of `TRENT_TEST_POSTGRES_URL` (see `support/postgres.rs`: skipped
//! loudly without it, failing under `CI=true`).

mod failed_replicas;
mod old_rows;
#[path = "support/postgres.rs"]
mod support;

use sqlx::{Connection, PgConnection};
use trent_core::kms::{KeySpec, KeyState, KeyUsage};
use trent_core::params::Tier;
use trent_core::{AccountId, KeyId, KmsStore, ParamStore, Region, Scope, SecretsStore, StoreError};
use trent_store::{PgSettings, PgStore};

use failed_replicas::nanos;
use support::TestSchema;

const KEY: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
const SECRET_VERSION: &str = "a1b2c3d4-0000-4000-8000-000000000001";

/// A version-16 `SYMMETRIC_DEFAULT` key with its original material and a tag, rotating at
/// `next_rotation`.
fn key_rows(next_rotation: i64) -> [String; 3] {
    [
        old_rows::key_row(KEY, "old key", 1000, Some(next_rotation)),
        format!(
            "INSERT INTO kms_key_materials (account_id, region, key_id, seq, material_id, created_at, rotation_type, \
             wrapped) VALUES ('111122223333', 'us-east-1', '{KEY}', 0, '\\x{}', 1000, NULL, '\\x0a0b0c')",
            "ef".repeat(32)
        ),
        format!(
            "INSERT INTO kms_key_tags (account_id, region, key_id, tag_key, tag_value) \
             VALUES ('111122223333', 'us-east-1', '{KEY}', 'team', 'blue')"
        ),
    ]
}

/// Stored after `KEY`, though its id sorts before it.
const LATER_KEY: &str = "00000000-12ab-34cd-56ef-1234567890ab";

/// A version-16 secret `kept` with one version, labelled `AWSCURRENT`, and a tag.
const SECRET_ROWS: [&str; 2] = [
    "INSERT INTO secrets (account_id, region, name, suffix, description, kms_key_id, created_at, last_changed_at, \
     last_accessed_at, deleted_at, deletion_date, tags, policy, labels, revision, rotation, primary_region, replicas) \
     VALUES ('111122223333', 'us-east-1', 'kept', 'XyZ789', 'old', NULL, 1000, 1000, NULL, NULL, NULL, \
     '[[\"team\",\"blue\"]]', NULL, '{\"AWSCURRENT\":\"a1b2c3d4-0000-4000-8000-000000000001\"}', 1, NULL, NULL, '[]')",
    "INSERT INTO secret_versions (account_id, region, name, version_id, created_at, kind, key_arn, wrapped_key, \
     ciphertext) VALUES ('111122223333', 'us-east-1', 'kept', 'a1b2c3d4-0000-4000-8000-000000000001', 1000, 'string', \
     'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', '\\x0102', '\\x030405')",
];

/// A version-16 Standard `String` parameter `/app/url` at version 1, labelled `prod`.
const PARAM_ROWS: [&str; 3] = [
    "INSERT INTO ssm_parameters (account_id, region, name, parent, version, tier, policies_due) \
     VALUES ('111122223333', 'us-east-1', '/app/url', '/app', 1, 'Standard', NULL)",
    "INSERT INTO ssm_parameter_versions (account_id, region, name, version, param_type, value, key_id, description, \
     allowed_pattern, tier, data_type, modified_at, modified_by, policies) VALUES ('111122223333', 'us-east-1', \
     '/app/url', 1, 'String', '\\x68747470733a2f2f6578616d706c65', NULL, 'the url', NULL, 'Standard', 'text', 2000, \
     'arn:aws:iam::111122223333:user/alice', '[]')",
    "INSERT INTO ssm_parameter_labels (account_id, region, name, label, version) \
     VALUES ('111122223333', 'us-east-1', '/app/url', 'prod', 1)",
];

/// Regression guard: a PostgreSQL schema made by version 16 must open with the current store,
/// keep its keys, secrets and parameters readable, and not forget a replica that had failed
/// before version 17 moved the scheduler onto the indexed `replica_retry_at`.
#[tokio::test]
async fn a_version_16_schema_upgrades_keeps_its_rows_and_backfills_replica_retries() {
    let test = "a_version_16_schema_upgrades_keeps_its_rows_and_backfills_replica_retries";
    let Some(schema) = TestSchema::new(test).await else { return };
    let settings = PgSettings::from_url(schema.url()).expect("url").schema(schema.name()).max_connections(2);
    PgStore::migrate_only_to(&settings, 16).await.expect("migrations 1 to 16");
    let mut conn = PgConnection::connect(schema.url()).await.expect("connect");
    sqlx::query(&format!("SET search_path TO {}", schema.name())).execute(&mut conn).await.expect("search_path");
    let at: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM schema_version").fetch_one(&mut conn).await.expect("version");
    assert_eq!(at, Some(16), "an old schema, as version 16 left it");

    let rotation = 4_000_000_000_000_000_000i64;
    let mut rows: Vec<String> = key_rows(rotation).into();
    rows.push(old_rows::key_row(LATER_KEY, "later key", 2000, None));
    rows.extend(failed_replicas::rows());
    rows.extend(SECRET_ROWS.iter().map(|r| (*r).to_owned()));
    rows.extend(PARAM_ROWS.iter().map(|r| (*r).to_owned()));
    for row in &rows {
        sqlx::query(row).execute(&mut conn).await.unwrap_or_else(|e| panic!("a version-16 row: {e}\n{row}"));
    }
    conn.close().await.expect("close");

    let store = PgStore::open(&settings).await.expect("open and migrate");
    store.check_ready().await.expect("migrated to the latest version");
    let raw = sqlx::PgPool::connect(schema.url()).await.expect("raw");
    let recorded: Vec<i64> =
        sqlx::query_scalar(&format!("SELECT version FROM {}.schema_version ORDER BY version", schema.name()))
            .fetch_all(&raw)
            .await
            .expect("versions");
    assert!(recorded.len() > 16, "{recorded:?}");
    assert_eq!(recorded, (1..=recorded.len() as i64).collect::<Vec<_>>(), "each migration recorded once");
    raw.close().await;
    let latest = recorded.len() as i64;
    // The helper never goes past this build, nor back.
    let past = PgStore::migrate_only_to(&settings, latest + 1).await;
    assert!(matches!(past, Err(StoreError::SchemaTooNew { found, known }) if found == latest + 1 && known == latest));
    let back = PgStore::migrate_only_to(&settings, 16).await;
    assert!(matches!(back, Err(StoreError::SchemaTooNew { found, known: 16 }) if found == latest), "{back:?}");

    let east = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap());

    // The key, its material and its tag.
    let key_id = KEY.parse::<KeyId>().unwrap();
    let key = store.get_key(&east, &key_id).await.expect("read").expect("kept");
    assert_eq!(
        (key.description.as_str(), key.state, key.usage, key.spec),
        ("old key", KeyState::Enabled, KeyUsage::EncryptDecrypt, KeySpec::SymmetricDefault)
    );
    assert_eq!(
        (key.rotation.enabled, key.rotation.period_days, key.rotation.next_rotation),
        (true, 90, Some(nanos(rotation)))
    );
    assert_eq!((key.revision, key.imported.len(), key.hsm.is_none()), (4, 0, true));
    let materials = store.materials(&east, &key_id).await.expect("materials");
    assert_eq!(materials.len(), 1);
    assert_eq!((materials[0].seq, materials[0].wrapped.as_slice()), (0, &[0x0a, 0x0b, 0x0c][..]));
    let tags = store.list_tags(&east, &key_id, None, 10).await.expect("tags");
    assert_eq!(tags.iter().map(|t| (t.key.as_str(), t.value.as_str())).collect::<Vec<_>>(), [("team", "blue")]);
    assert_eq!(store.keys_due(nanos(rotation)).await.expect("due"), vec![(east.clone(), key_id)]);
    // Version 21's positions follow the order the keys were stored, not their ids' order.
    let listed = store.list_key_ids(&east, None, 10).await.expect("list");
    assert_eq!(listed.iter().map(|k| k.key_id).collect::<Vec<_>>(), vec![key_id, LATER_KEY.parse().unwrap()]);
    assert!(listed[0].position < listed[1].position, "{listed:?}");

    // The parameter, its label, and the count per tier the quota check reads.
    let param = store.latest(&east, "/app/url").await.expect("read").expect("kept");
    assert_eq!((param.version, param.tier, param.value.0.as_slice()), (1, Tier::Standard, &b"https://example"[..]));
    assert_eq!(
        (param.labels, param.description.as_deref(), param.modified_at),
        (vec!["prod".to_owned()], Some("the url"), nanos(2000))
    );
    assert_eq!(store.labelled(&east, "/app/url", "prod").await.expect("read").map(|v| v.version), Some(1));
    let counts = store.count_by_tier(&east).await.expect("counts");
    assert_eq!((counts.standard, counts.advanced), (1, 0));

    // A secret's versions and labels; then the backfill lists the failed replicas as due at
    // their times, as on SQLite.
    let kept = store.get_secret(&east, "kept").await.expect("read").expect("kept");
    assert_eq!((kept.description.as_deref(), kept.tags.len()), (Some("old"), 1));
    assert_eq!(kept.labels.get("AWSCURRENT").map(String::as_str), Some(SECRET_VERSION));
    let version = store.get_version(&east, "kept", SECRET_VERSION).await.expect("read").expect("kept");
    assert_eq!((version.wrapped_key.as_slice(), version.ciphertext.as_slice()), (&[1, 2][..], &[3, 4, 5][..]));
    failed_replicas::check(&store).await;
    store.close().await;
}
