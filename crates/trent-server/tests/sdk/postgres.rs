//! A server on PostgreSQL storage, started from the example of `docs/configuration.md`
//! ("PostgreSQL storage") with the test database of `TRENT_TEST_POSTGRES_URL` (a fresh schema
//! per test; without the variable the test says loudly that it is skipped, and under `CI=true`
//! fails), driven by `aws-sdk-kms`: what it stores survives a restart and its audit trail
//! verifies.

use trent_core::store::AuditStore;
use trent_server::{RawConfig, Storage, StorageSetting};
use trent_store::{PgSettings, PgStore};

use crate::common::{TestServer, blob};
use crate::configuration_doc::example;
use crate::support::TestSchema;

/// The documented example, as `trent server` reads it.
fn documented() -> RawConfig {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trent.toml");
    std::fs::write(&path, example("postgres")).unwrap();
    RawConfig::from_file(&path).expect("the example is a valid trent.toml")
}

/// The test schema as a `storage` URL.
fn storage_url(schema: &TestSchema) -> String {
    assert!(!schema.url().contains('?'), "TRENT_TEST_POSTGRES_URL without a query");
    format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_postgres_example_serves_kms() {
    let raw = documented();
    // The page's own URL is a valid PostgreSQL storage setting.
    let dir = tempfile::tempdir().unwrap();
    let resolved = RawConfig { data_dir: Some(dir.path().to_owned()), ..raw.clone() }.resolve(None).expect("valid");
    assert!(matches!(resolved.storage, Storage::Postgres(_)), "{:?}", resolved.storage);
    let storage = format!("{:?}", resolved.storage);
    assert!(!storage.contains("secret") && storage.contains("db.internal"), "no password in its Debug: {storage}");
    assert!(!format!("{resolved:?}").contains("secret@"), "nor in the configuration's");
    assert!(!format!("{raw:?}").contains("secret@"), "nor in the raw setting's");

    let Some(schema) = TestSchema::new("the_documented_postgres_example_serves_kms").await else { return };
    let url = storage_url(&schema);
    let server = TestServer::start_with(RawConfig { storage: Some(StorageSetting::new(url.clone())), ..raw }).await;
    assert!(!server.data_dir().join("trent.db").exists(), "nothing stored in SQLite");
    let kms = server.client();
    let key = kms.create_key().description("on PostgreSQL").send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();
    let sealed = kms.encrypt().key_id(&key_id).plaintext(blob(b"stored in postgres")).send().await.unwrap();
    let ciphertext = sealed.ciphertext_blob().unwrap().clone();
    let opened = kms.decrypt().ciphertext_blob(ciphertext.clone()).send().await.unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"stored in postgres");
    let public_key = server.state.audit.public_key();

    let mut server = server.restart().await;
    let kms = server.client();
    let again = kms.decrypt().ciphertext_blob(ciphertext).send().await.unwrap();
    assert_eq!(again.plaintext().unwrap().as_ref(), b"stored in postgres");
    assert_eq!(again.key_id(), Some(server.key_arn(&key_id).await.as_str()));
    let listed = kms.list_keys().send().await.unwrap();
    assert!(listed.keys().iter().any(|k| k.key_id() == Some(key_id.as_str())));
    assert_eq!(server.state.audit.public_key(), public_key, "the trail's signing key is kept");
    server.shutdown().await;

    // The trail in the database verifies under the server's key, and holds every call.
    let settings = PgSettings::from_url(&url).expect("url");
    let store = PgStore::open(&settings).await.expect("open the database");
    let trail = store.audit_store();
    let report = trent_core::audit::verify(&trail, &public_key, None).await.expect("verify");
    assert!(report.problem.is_none(), "{report:?}");
    assert!(report.events_checked >= 6, "CreateKey, Encrypt, Decrypt, Decrypt, ListKeys...: {report:?}");
    assert!(trail.audit_head().await.expect("head").last_digest.is_some());
    store.close().await;
}
