//! TLS to PostgreSQL (rustls): the `sslmode` of the storage URL is honoured. Run against the
//! database of `TRENT_TEST_POSTGRES_URL` (see `support/postgres.rs`: without it this says
//! loudly that it is skipped, and under `CI=true` fails), whose server must have `ssl = on`
//! (Debian's default, with its self-signed "snakeoil" certificate).

#[path = "support/postgres.rs"]
mod support;

use trent_core::StoreError;
use trent_store::{PgSettings, PgStore};

use support::TestSchema;

/// The test URL with `query` appended.
fn with(schema: &TestSchema, query: &str) -> String {
    let sep = if schema.url().contains('?') { '&' } else { '?' };
    format!("{}{sep}{query}", schema.url())
}

/// Whether the store's connections are encrypted, as the server sees them.
async fn encrypted(url: &str, schema: &TestSchema) -> Result<bool, StoreError> {
    let settings = PgSettings::from_url(url)?.schema(schema.name()).max_connections(1);
    let store = PgStore::open(&settings).await?;
    let ssl = store.connection_is_encrypted().await;
    store.close().await;
    ssl
}

#[tokio::test]
async fn sslmode_require_encrypts_and_verify_ca_refuses_an_unknown_certificate() {
    let Some(schema) = TestSchema::new("sslmode_require_encrypts_and_verify_ca_refuses_an_unknown_certificate").await
    else {
        return;
    };
    let plain = encrypted(&with(&schema, "sslmode=disable"), &schema).await.expect("a plain connection");
    assert!(!plain, "sslmode=disable is plain");
    match encrypted(&with(&schema, "sslmode=require"), &schema).await {
        Ok(ssl) => assert!(ssl, "sslmode=require is TLS"),
        Err(e) => panic!("sslmode=require failed (is ssl = on in the test server's postgresql.conf?): {e:?}"),
    }
    // The server's certificate is self-signed: no root the build trusts signed it, so a mode
    // that verifies it must refuse to connect rather than fall back to plain.
    match encrypted(&with(&schema, "sslmode=verify-ca"), &schema).await {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("verify-ca against an untrusted certificate: {other:?}"),
    }
}
