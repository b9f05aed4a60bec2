//! The periodic full check of credentials, secrets and parameters on two nodes of one
//! PostgreSQL schema (`TRENT_TEST_POSTGRES_URL`; skipped loudly without it, a failure under
//! `CI=true`), as `cluster::the_full_check_keeps_unchanged_keys_and_drops_changed_ones` does
//! for keys: rows are changed straight in the database, so no notification is sent and only
//! node B's full check can see the change. Each test checks that the changed entries are
//! refused or read anew within a few checks, that they were loaded again once each, and that
//! the unchanged entry was never loaded again.

use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_kms::error::ProvideErrorMetadata;
use trent_server::{RawConfig, StorageSetting};

use crate::cluster::{metric, retried};
use crate::common::{TestServer, blob};
use crate::iam::allow;
use crate::support::TestSchema;

/// The full check's interval in these tests.
const CHECK: Duration = Duration::from_millis(200);
/// How long a change may take to be seen: many checks, far below the 30 s default interval.
const SEEN_WITHIN: Duration = Duration::from_secs(10);

/// Two nodes on a fresh schema checking their caches every [`CHECK`], and a connection to the
/// schema for changes made behind their back.
async fn two_nodes(name: &str) -> Option<(TestSchema, TestServer, TestServer, sqlx::PgPool)> {
    let schema = TestSchema::new(name).await?;
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    let raw = RawConfig { storage: Some(StorageSetting::new(url.clone())), ..RawConfig::default() };
    let a = TestServer::start_tuned(raw, |c| c.full_check_interval = CHECK).await;
    let b = a.another_node().await;
    let pool = sqlx::PgPool::connect(&url).await.expect("connect");
    Some((schema, a, b, pool))
}

/// Polls `seen` until it holds; returns how long that took (panics past [`SEEN_WITHIN`]).
async fn seen_within<Fut: Future<Output = bool>>(what: &str, mut seen: impl FnMut() -> Fut) -> Duration {
    let started = Instant::now();
    while !seen().await {
        assert!(started.elapsed() < SEEN_WITHIN, "{what}: not seen after {:?}", started.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    started.elapsed()
}

/// Runs `use_steady` on B until five more full checks ran there.
async fn through_five_checks<Fut: Future<Output = ()>>(b: &TestServer, mut use_steady: impl FnMut() -> Fut) {
    let before = metric(b, "trent_cache_full_checks_total").await;
    while metric(b, "trent_cache_full_checks_total").await < before + 5.0 {
        use_steady().await;
        tokio::time::sleep(CHECK / 4).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_full_check_keeps_unchanged_credentials_and_drops_changed_ones() {
    let Some((_schema, a, b, pool)) = two_nodes("cluster_check_credentials").await else { return };
    let key = retried(|| a.client().create_key().send()).await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let policy = allow("\"kms:*\"", "*");
    let (steady, denied, deactivated) = (
        a.user_with_policy("steady", Some(&policy)).await,
        a.user_with_policy("denied", Some(&policy)).await,
        a.user_with_policy("deactivated", Some(&policy)).await,
    );
    let encrypt = |creds: &crate::iam::Creds| {
        let kms = b.kms(creds);
        let key = key.clone();
        async move { kms.encrypt().key_id(key).plaintext(blob(b"x")).send().await }
    };
    // B caches the three users' credentials.
    while metric(&b, "trent_cache_entries{cache=\"credentials\"}").await < 3.0 {
        for creds in [&steady, &denied, &deactivated] {
            encrypt(creds).await.expect("B serves the user");
        }
    }
    let misses = "trent_cache_lookups_total{cache=\"credentials\",result=\"miss\"}";
    let misses_before = metric(&b, misses).await;

    // Behind every node's back: one access key deactivated, one user given a deny policy.
    sqlx::query("UPDATE access_keys SET status = 'Inactive' WHERE access_key_id = $1")
        .bind(&deactivated.id)
        .execute(&pool)
        .await
        .expect("deactivate in the database");
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:*","Resource":"*"}]}"#;
    sqlx::query(
        "INSERT INTO iam_inline_policies (account_id, owner_kind, owner_name, policy_name, document) \
         SELECT account_id, 'User', principal_name, 'deny', $2 FROM access_keys WHERE access_key_id = $1",
    )
    .bind(&denied.id)
    .bind(deny)
    .execute(&pool)
    .await
    .expect("deny in the database");

    let refused = |creds: &crate::iam::Creds, code: &'static str| {
        let call = encrypt(creds);
        async move { call.await.err().is_some_and(|e| e.code() == Some(code)) }
    };
    let took =
        seen_within("deactivated behind B's back", || refused(&deactivated, "UnrecognizedClientException")).await;
    eprintln!("an access key deactivated with no notification was refused by B after {took:?}");
    seen_within("denied behind B's back", || refused(&denied, "AccessDeniedException")).await;
    through_five_checks(&b, || async {
        encrypt(&steady).await.expect("the unchanged user is served");
    })
    .await;
    // Only the two changed credentials were loaded again, once each; the unchanged ones never.
    assert_eq!(metric(&b, misses).await - misses_before, 2.0, "misses after the change");
    assert_eq!(metric(&b, "trent_cache_full_check_dropped_total{cache=\"credentials\"}").await, 2.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_full_check_keeps_unchanged_secrets_and_drops_changed_ones() {
    let Some((_schema, a, b, pool)) = two_nodes("cluster_check_secrets").await else { return };
    let (sm_a, sm_b) = (a.secrets(), b.secrets());
    for name in ["steady", "changed", "gone"] {
        sm_a.create_secret().name(name).secret_string("value").send().await.expect("create on A");
    }
    // B caches the three secrets (reading a value may first note the day it was read, which
    // drops the entry once).
    while metric(&b, "trent_cache_entries{cache=\"secrets\"}").await < 3.0 {
        for name in ["steady", "changed", "gone"] {
            sm_b.get_secret_value().secret_id(name).send().await.expect("B serves the secret");
        }
    }
    let misses = "trent_cache_lookups_total{cache=\"secrets\",result=\"miss\"}";
    let misses_before = metric(&b, misses).await;

    // Behind every node's back: one secret's description changed, one deleted.
    sqlx::query("UPDATE secrets SET description = 'changed behind B' WHERE name = 'changed'")
        .execute(&pool)
        .await
        .expect("change in the database");
    sqlx::query("DELETE FROM secrets WHERE name = 'gone'").execute(&pool).await.expect("delete in the database");

    let took = seen_within("deleted behind B's back", || async {
        let got = sm_b.get_secret_value().secret_id("gone").send().await;
        got.err().is_some_and(|e| e.code() == Some("ResourceNotFoundException"))
    })
    .await;
    eprintln!("a secret deleted with no notification was refused by B after {took:?}");
    seen_within("changed behind B's back", || async {
        let got = sm_b.describe_secret().secret_id("changed").send().await.expect("describe on B");
        got.description() == Some("changed behind B")
    })
    .await;
    through_five_checks(&b, || async {
        sm_b.get_secret_value().secret_id("steady").send().await.expect("the unchanged secret is served");
        sm_b.get_secret_value().secret_id("changed").send().await.expect("the changed secret is served");
    })
    .await;
    assert_eq!(metric(&b, misses).await - misses_before, 2.0, "misses after the change");
    assert_eq!(metric(&b, "trent_cache_full_check_dropped_total{cache=\"secrets\"}").await, 2.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_full_check_keeps_unchanged_parameters_and_drops_changed_ones() {
    let Some((_schema, a, b, pool)) = two_nodes("cluster_check_params").await else { return };
    let (ssm_a, ssm_b) = (a.ssm(&a.admin_creds()), b.ssm(&b.admin_creds()));
    let names = ["/check/steady", "/check/changed", "/check/gone"];
    for name in names {
        let put = ssm_a.put_parameter().name(name).value("first").r#type(aws_sdk_ssm::types::ParameterType::String);
        put.send().await.expect("put on A");
    }
    let value = |name: &'static str| {
        let call = ssm_b.get_parameter().name(name).send();
        async move {
            call.await
                .map(|out| out.parameter().and_then(|p| p.value()).unwrap_or_default().to_owned())
                .map_err(|e| e.code().unwrap_or_default().to_owned())
        }
    };
    // B caches the three parameters.
    while metric(&b, "trent_cache_entries{cache=\"parameters\"}").await < 3.0 {
        for name in names {
            assert_eq!(value(name).await.as_deref(), Ok("first"), "B serves {name}");
        }
    }
    let misses = "trent_cache_lookups_total{cache=\"parameters\",result=\"miss\"}";
    let misses_before = metric(&b, misses).await;

    // Behind every node's back: one value rewritten in place, one parameter deleted.
    sqlx::query("UPDATE ssm_parameter_versions SET value = convert_to('second', 'UTF8') WHERE name = $1")
        .bind(names[1])
        .execute(&pool)
        .await
        .expect("change in the database");
    sqlx::query("DELETE FROM ssm_parameters WHERE name = $1")
        .bind(names[2])
        .execute(&pool)
        .await
        .expect("delete in the database");

    let took = seen_within("deleted behind B's back", || async {
        value(names[2]).await.err().as_deref() == Some("ParameterNotFound")
    })
    .await;
    eprintln!("a parameter deleted with no notification was refused by B after {took:?}");
    seen_within("changed behind B's back", || async { value(names[1]).await.as_deref() == Ok("second") }).await;
    through_five_checks(&b, || async {
        assert_eq!(value(names[0]).await.as_deref(), Ok("first"), "the unchanged parameter is served");
        assert_eq!(value(names[1]).await.as_deref(), Ok("second"), "the changed parameter is served");
    })
    .await;
    assert_eq!(metric(&b, misses).await - misses_before, 2.0, "misses after the change");
    assert_eq!(metric(&b, "trent_cache_full_check_dropped_total{cache=\"parameters\"}").await, 2.0);
}
