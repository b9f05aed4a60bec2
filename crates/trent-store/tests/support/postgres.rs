//! A fresh PostgreSQL schema per test, in the database named by `TRENT_TEST_POSTGRES_URL`
//! (e.g. `postgres://postgres@127.0.0.1:5432/test`), dropped with everything in it when the
//! guard is dropped. Without the variable a test says loudly that it is skipped and passes,
//! except under `CI=true`, where it fails.
//!
//! Shared by `trent-store`'s PostgreSQL tests and the server's (which include this file by path).

use sqlx::{Connection, PgConnection};

/// The environment variable naming the test database.
pub(crate) const URL_VAR: &str = "TRENT_TEST_POSTGRES_URL";

/// A schema of its own in the test database, dropped (`CASCADE`) on drop.
pub(crate) struct TestSchema {
    url: String,
    name: String,
}

impl TestSchema {
    /// Creates a fresh schema for `test`, or says why not: a loud skip, or a failure under
    /// `CI=true`.
    pub(crate) async fn new(test: &str) -> Option<TestSchema> {
        let Ok(url) = std::env::var(URL_VAR) else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but {URL_VAR} is not set: the PostgreSQL tests cannot run (see .ci/run)"
            );
            eprintln!(
                "SKIPPED {test}: PostgreSQL test skipped, set {URL_VAR} (e.g. postgres://postgres@127.0.0.1:5432/test)"
            );
            return None;
        };
        let name = format!("trent_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(&url).await.expect("connect to TRENT_TEST_POSTGRES_URL");
        sqlx::query(&format!("CREATE SCHEMA {name}")).execute(&mut conn).await.expect("create the test schema");
        conn.close().await.expect("close");
        Some(TestSchema { url, name })
    }

    /// The database URL.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The schema's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own
        // with a runtime of its own drops the schema.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                let mut conn = PgConnection::connect(&url).await?;
                // A lock some connection of the test still holds fails the drop instead of hanging it.
                sqlx::query("SET lock_timeout = '10s'").execute(&mut conn).await?;
                sqlx::query(&format!("DROP SCHEMA {name} CASCADE")).execute(&mut conn).await?;
                conn.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test schema {}: {dropped:?}", self.name);
        }
    }
}
