//! Several nodes on one PostgreSQL schema (`TRENT_TEST_POSTGRES_URL`; without it these tests
//! say loudly that they are skipped, and under `CI=true` fail): a change made on one node is
//! refused (or read anew: a secret, a parameter) on the others within the documented bound,
//! scheduled work runs on the node holding its lease only, and moves to another node when the
//! holder's session dies, a node killed under load loses nothing it acknowledged while a
//! client's retries on the others succeed, and the periodic full check drops only the keys
//! whose rows changed. On SQLite, `/metrics` is scraped.
//!
//! Until the audit trail keeps one chain per node, two nodes appending to the one chain may
//! refuse a request with a 5xx (its commit lost the race); [`retried`] is the client's retry,
//! as the SDKs' own standard retry does.

use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::types::GrantOperation;
use trent_server::{FULL_CHECK_INTERVAL, RawConfig, StorageSetting};

use crate::common::{TestServer, blob};
use crate::support::TestSchema;

/// What a notification must beat: far below the full check's bound, so that a pass proves the
/// notification path and not the periodic one.
const NOTIFIED_WITHIN: Duration = Duration::from_secs(5);

/// Runs `call` again while it fails with a 5xx (at most 8 attempts), as a client's retry does.
pub(crate) async fn retried<T, E, R, Fut>(mut call: impl FnMut() -> Fut) -> Result<T, SdkError<E, R>>
where
    Fut: Future<Output = Result<T, SdkError<E, R>>>,
    R: std::fmt::Debug,
    SdkError<E, R>: HasStatus,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match call().await {
            Err(e) if attempt < 8 && e.status().is_some_and(|s| s >= 500) => {
                tokio::time::sleep(Duration::from_millis(20 * attempt)).await;
            }
            other => return other,
        }
    }
}

/// The HTTP status of a failed call.
pub(crate) trait HasStatus {
    fn status(&self) -> Option<u16>;
}

impl<E> HasStatus for SdkError<E, aws_sdk_kms::config::http::HttpResponse> {
    fn status(&self) -> Option<u16> {
        self.raw_response().map(|r| r.status().as_u16())
    }
}

/// Polls `call` until it fails with `code`; returns how long that took (panics past
/// [`NOTIFIED_WITHIN`]).
async fn refused_within<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug, Fut>(
    what: &str,
    code: &str,
    mut call: impl FnMut() -> Fut,
) -> Duration
where
    Fut: Future<Output = Result<T, SdkError<E, aws_sdk_kms::config::http::HttpResponse>>>,
{
    let started = Instant::now();
    loop {
        match call().await {
            Err(e) if e.code() == Some(code) => return started.elapsed(),
            other => {
                assert!(
                    started.elapsed() < NOTIFIED_WITHIN,
                    "{what}: still not {code} after {:?} (bound {FULL_CHECK_INTERVAL:?}): {other:?}",
                    started.elapsed()
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Three nodes on a fresh schema, the scheduler ticking every 50 ms.
async fn three_nodes(name: &str) -> Option<(TestSchema, [TestServer; 3])> {
    let schema = TestSchema::new(name).await?;
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    let raw = RawConfig { storage: Some(StorageSetting::new(url)), ..RawConfig::default() };
    let a = TestServer::start_tuned(raw, |c| c.scheduler_tick = Duration::from_millis(50)).await;
    let b = a.another_node().await;
    let c = a.another_node().await;
    Some((schema, [a, b, c]))
}

/// The value of the metric line starting with `series` in `/metrics` of `node`.
pub(crate) async fn metric(node: &TestServer, series: &str) -> f64 {
    value_in(&scrape(node).await, series)
}

/// One series' value in a scrape (several series compared with each other come from one scrape).
fn value_in(text: &str, series: &str) -> f64 {
    let line = text.lines().find(|l| l.starts_with(series)).unwrap_or_else(|| panic!("no {series} in:\n{text}"));
    line.rsplit(' ').next().and_then(|v| v.parse().ok()).expect("a number")
}

async fn scrape(node: &TestServer) -> String {
    let answer = node.send_raw(http::Request::get("/metrics").body(Vec::new()).unwrap()).await;
    assert_eq!(answer.status, 200);
    String::from_utf8(answer.body).expect("text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_key_a_revoked_grant_and_a_deactivated_access_key_are_refused_on_every_node() {
    let Some((_schema, [a, b, c])) = three_nodes("cluster_invalidation").await else { return };
    let bob = a.user_with_policy("bob", None).await;
    let carol = a.user_with_policy("carol", Some(&crate::iam::allow("\"kms:*\"", "*"))).await;
    let (kms_a, kms_b, kms_c) = (a.client(), b.client(), c.client());
    let key = retried(|| kms_a.create_key().send()).await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let bob_arn = format!("arn:aws:iam::{}:user/bob", a.account().await);
    let grant = retried(|| {
        kms_a.create_grant().key_id(&key).grantee_principal(&bob_arn).operations(GrantOperation::Encrypt).send()
    })
    .await
    .unwrap();
    let grant_id = grant.grant_id().unwrap().to_owned();

    // Every node caches the key (with its grant) and bob's credentials.
    let (bob_b, bob_c) = (b.kms(&bob), c.kms(&bob));
    for (node, bob_kms) in [(&kms_b, &bob_b), (&kms_c, &bob_c)] {
        retried(|| node.encrypt().key_id(&key).plaintext(blob(b"x")).send()).await.expect("admin encrypts");
        retried(|| bob_kms.encrypt().key_id(&key).plaintext(blob(b"x")).send()).await.expect("bob's grant");
    }

    // The grant revoked on A: bob is refused on B and C.
    // A retry after a 5xx whose change had committed finds the grant gone.
    match retried(|| kms_a.revoke_grant().key_id(&key).grant_id(&grant_id).send()).await {
        Ok(_) => {}
        Err(e) => assert_eq!(e.code(), Some("NotFoundException"), "{e:?}"),
    }
    for bob_kms in [&bob_b, &bob_c] {
        let took = refused_within("revoked grant", "AccessDeniedException", || {
            bob_kms.encrypt().key_id(&key).plaintext(blob(b"x")).send()
        })
        .await;
        eprintln!("a grant revoked on one node was refused on another after {took:?}");
    }

    // The key disabled on A: refused on B and C.
    retried(|| kms_a.disable_key().key_id(&key).send()).await.unwrap();
    for node in [&kms_b, &kms_c] {
        let took = refused_within("disabled key", "DisabledException", || {
            node.encrypt().key_id(&key).plaintext(blob(b"x")).send()
        })
        .await;
        eprintln!("a key disabled on one node was refused on another after {took:?}");
    }

    // An access key deactivated on A: its signature is refused on B and C.
    let key2 = retried(|| kms_a.create_key().send()).await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let (carol_b, carol_c) = (b.kms(&carol), c.kms(&carol));
    for carol_kms in [&carol_b, &carol_c] {
        retried(|| carol_kms.describe_key().key_id(&key2).send()).await.expect("carol's policy");
    }
    let iam = a.iam(&a.admin_creds());
    retried(|| {
        iam.update_access_key()
            .user_name("carol")
            .access_key_id(&carol.id)
            .status(aws_sdk_iam::types::StatusType::Inactive)
            .send()
    })
    .await
    .unwrap();
    for carol_kms in [&carol_b, &carol_c] {
        refused_within("deactivated access key", "UnrecognizedClientException", || {
            carol_kms.describe_key().key_id(&key2).send()
        })
        .await;
    }
    assert!(metric(&a, "trent_cache_invalidations_total{direction=\"sent\"}").await >= 3.0);
    assert!(metric(&b, "trent_cache_invalidations_total{direction=\"received\"}").await >= 3.0);
}

/// Polls node `sm`'s `GetSecretValue` of `id` until `done` holds for its outcome; returns how
/// long that took (panics past [`NOTIFIED_WITHIN`]).
async fn secret_seen_within(
    what: &str,
    sm: &aws_sdk_secretsmanager::Client,
    id: &str,
    done: impl Fn(&Result<String, String>) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let got = match sm.get_secret_value().secret_id(id).send().await {
            Ok(out) => Ok(out.secret_string().unwrap_or_default().to_owned()),
            Err(e) => Err(e.code().unwrap_or_default().to_owned()),
        };
        if done(&got) {
            return started.elapsed();
        }
        assert!(started.elapsed() < NOTIFIED_WITHIN, "{what}: still {got:?} after {:?}", started.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_changed_on_one_node_is_read_anew_on_the_others() {
    // Regression guard: the secret cache must not serve another node's stale value.
    let Some((_schema, [a, b, c])) = three_nodes("cluster_secrets").await else { return };
    let (sm_a, sm_b, sm_c) = (a.secrets(), b.secrets(), c.secrets());
    let id = "cluster/db";
    let created = sm_a.create_secret().name(id).secret_string("first").send().await;
    if let Err(e) = created {
        assert_eq!(e.code(), Some("ResourceExistsException"), "{e:?}");
    }
    // B and C read (and cache) the first value.
    for sm in [&sm_b, &sm_c] {
        secret_seen_within("first value", sm, id, |got| got.as_deref() == Ok("first")).await;
    }
    sm_a.put_secret_value().secret_id(id).secret_string("second").send().await.expect("put on A");
    for sm in [&sm_b, &sm_c] {
        let took = secret_seen_within("new value", sm, id, |got| got.as_deref() == Ok("second")).await;
        eprintln!("a value put on one node was read on another after {took:?}");
    }
    sm_a.delete_secret().secret_id(id).recovery_window_in_days(7).send().await.expect("delete on A");
    for sm in [&sm_b, &sm_c] {
        let took = secret_seen_within("deletion", sm, id, |got| {
            got.as_ref().err().is_some_and(|code| code == "InvalidRequestException")
        })
        .await;
        eprintln!("a secret deleted on one node was refused on another after {took:?}");
    }
    assert!(metric(&a, "trent_cache_invalidations_total{direction=\"sent\"}").await >= 3.0);
}

/// Polls node `ssm`'s `GetParameter` of `name` and `GetParametersByPath` of its parent until
/// `done` holds for what they answered (the value, or the error code; and the names listed);
/// returns how long that took (panics past [`NOTIFIED_WITHIN`]).
async fn parameter_seen_within(
    what: &str,
    ssm: &aws_sdk_ssm::Client,
    name: &str,
    done: impl Fn(&Result<String, String>, &[String]) -> bool,
) -> Duration {
    let parent = name.rsplit_once('/').map_or("/", |(p, _)| p);
    let started = Instant::now();
    loop {
        let got = match ssm.get_parameter().name(name).send().await {
            Ok(out) => Ok(out.parameter().and_then(|p| p.value()).unwrap_or_default().to_owned()),
            Err(e) => Err(e.code().unwrap_or_default().to_owned()),
        };
        let listed = ssm.get_parameters_by_path().path(parent).send().await.expect("by path");
        let names: Vec<String> = listed.parameters().iter().filter_map(|p| p.name().map(str::to_owned)).collect();
        if done(&got, &names) {
            return started.elapsed();
        }
        assert!(started.elapsed() < NOTIFIED_WITHIN, "{what}: still {got:?} {names:?} after {:?}", started.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parameter_changed_on_one_node_is_read_anew_on_the_others() {
    // Regression guard: the parameter cache must not serve another node's stale value or
    // listing.
    let Some((_schema, [a, b, c])) = three_nodes("cluster_params").await else { return };
    let (ssm_a, ssm_b, ssm_c) = (a.ssm(&a.admin_creds()), b.ssm(&b.admin_creds()), c.ssm(&c.admin_creds()));
    let name = "/cluster/app/db-url";
    let put = |value: &'static str| {
        ssm_a.put_parameter().name(name).value(value).r#type(aws_sdk_ssm::types::ParameterType::String).overwrite(true)
    };
    put("first").send().await.expect("put on A");
    // B and C read (and cache) the first value and the listing.
    for ssm in [&ssm_b, &ssm_c] {
        parameter_seen_within("first value", ssm, name, |got, names| got.as_deref() == Ok("first") && names.len() == 1)
            .await;
    }
    // A second read on B is served from its cache.
    let hits = "trent_cache_lookups_total{cache=\"parameters\",result=\"hit\"}";
    let before = metric(&b, hits).await;
    ssm_b.get_parameter().name(name).send().await.expect("a cached read on B");
    assert!(metric(&b, hits).await > before, "the read on B hit its cache");
    put("second").send().await.expect("overwrite on A");
    ssm_a
        .put_parameter()
        .name("/cluster/app/other")
        .value("x")
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .expect("a second parameter on A");
    for ssm in [&ssm_b, &ssm_c] {
        let took = parameter_seen_within("new value and listing", ssm, name, |got, names| {
            got.as_deref() == Ok("second") && names.len() == 2
        })
        .await;
        eprintln!("a parameter put on one node was read on another after {took:?}");
    }
    ssm_a.delete_parameter().name(name).send().await.expect("delete on A");
    for ssm in [&ssm_b, &ssm_c] {
        let took = parameter_seen_within("deletion", ssm, name, |got, names| {
            got.as_ref().err().is_some_and(|code| code == "ParameterNotFound") && names.len() == 1
        })
        .await;
        eprintln!("a parameter deleted on one node was not found on another after {took:?}");
    }
    assert!(metric(&a, "trent_cache_invalidations_total{direction=\"sent\"}").await >= 3.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_deletions_run_once_under_a_lease_that_moves_when_its_holder_dies() {
    let Some((schema, nodes)) = three_nodes("cluster_leases").await else { return };
    let kms = nodes[0].client();
    let mut keys = Vec::new();
    for _ in 0..2 {
        let id = retried(|| kms.create_key().send()).await.unwrap().key_metadata().unwrap().key_id().to_owned();
        retried(|| kms.schedule_key_deletion().key_id(&id).pending_window_in_days(7).send()).await.unwrap();
        keys.push(id);
    }
    // Exactly one node holds the lease of the KMS job.
    let holders = async |nodes: &[TestServer]| {
        let mut held = Vec::new();
        for (i, n) in nodes.iter().enumerate() {
            if metric(n, "trent_lease_held{job=\"kms\"}").await == 1.0 {
                held.push(i);
            }
        }
        held
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let holder = loop {
        let held = holders(&nodes).await;
        assert!(held.len() <= 1, "one holder at most: {held:?}");
        if let [one] = held[..] {
            break one;
        }
        assert!(Instant::now() < deadline, "nobody took the lease");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    // The first key comes due: deleted once, by the holder.
    nodes[0].clock.advance(time::Duration::days(7) + time::Duration::seconds(1));
    let gone = async |id: &str| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match kms.describe_key().key_id(id).send().await {
                Err(e) if e.code() == Some("NotFoundException") => return,
                _ => assert!(Instant::now() < deadline, "{id} was never deleted"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    gone(&keys[0]).await;
    gone(&keys[1]).await;
    tokio::time::sleep(Duration::from_millis(300)).await; // a few more ticks on every node
    let mut deleted = 0.0;
    for n in &nodes {
        deleted += metric(n, "trent_scheduled_work_total{work=\"key_deleted\"}").await;
    }
    assert_eq!(deleted, 2.0, "each key deleted exactly once across the nodes");
    assert_eq!(metric(&nodes[holder], "trent_scheduled_work_total{work=\"key_deleted\"}").await, 2.0);

    // The holder's session dies (as when its process is killed): another node takes the lease.
    let raw = sqlx::PgPool::connect(schema.url()).await.expect("raw connection");
    let killed: Vec<bool> =
        sqlx::query_scalar("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
            .bind(format!("trent-lease:{}:kms", schema.name()))
            .fetch_all(&raw)
            .await
            .expect("terminate the lease's session");
    assert_eq!(killed, [true], "one session held the lease");
    raw.close().await;
    // The old holder learns of its loss on its next tick (its lease's connection no longer
    // answers) and runs nothing meanwhile; until then both nodes may report the lease.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if holders(&nodes).await.len() == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the lease was never taken again by exactly one node");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = retried(|| kms.create_key().send()).await.unwrap().key_metadata().unwrap().key_id().to_owned();
    retried(|| kms.schedule_key_deletion().key_id(&id).pending_window_in_days(7).send()).await.unwrap();
    nodes[0].clock.advance(time::Duration::days(8));
    gone(&id).await;
}

/// A client that spreads calls over the nodes and, when one fails (no connection, a 5xx), tries
/// the next: what a load balancer with retries, or an SDK with several endpoints, does.
async fn spread<T, E, Fut>(
    clients: &[aws_sdk_kms::Client],
    start: usize,
    mut call: impl FnMut(&aws_sdk_kms::Client) -> Fut,
) -> T
where
    Fut: Future<Output = Result<T, SdkError<E, aws_sdk_kms::config::http::HttpResponse>>>,
    E: std::fmt::Debug,
{
    let mut last = None;
    for attempt in 0..(clients.len() * 3) {
        match call(&clients[(start + attempt) % clients.len()]).await {
            Ok(v) => return v,
            Err(e) if e.status().is_none_or(|s| s >= 500) => last = Some(format!("{e:?}")),
            Err(e) => panic!("refused: {e:?}"),
        }
    }
    panic!("every node failed: {last:?}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_under_load_loses_nothing_acknowledged_and_the_others_serve() {
    let Some((_schema, [a, b, mut c])) = three_nodes("cluster_kill").await else { return };
    let clients = [a.client(), b.client(), c.client()];
    let key = spread(&clients, 0, |k| k.create_key().send()).await.key_metadata().unwrap().key_id().to_owned();
    let mut acknowledged = Vec::new();
    for i in 0..60 {
        if i == 20 {
            c.kill();
        }
        // Requests keep going to the dead node too: the client moves on to the next one.
        let created = spread(&clients, i, |k| k.create_key().send()).await;
        let id = created.key_metadata().unwrap().key_id().to_owned();
        let sealed = spread(&clients, i + 1, |k| k.encrypt().key_id(&key).plaintext(blob(&[i as u8; 8])).send()).await;
        acknowledged.push((id, sealed.ciphertext_blob().unwrap().clone(), i as u8));
    }
    // Everything acknowledged, before and after the kill, is there on the surviving nodes.
    for (n, (id, ciphertext, byte)) in acknowledged.into_iter().enumerate() {
        let survivor = &clients[n % 2];
        retried(|| survivor.describe_key().key_id(&id).send()).await.expect("an acknowledged key exists");
        let opened = retried(|| survivor.decrypt().ciphertext_blob(ciphertext.clone()).send()).await.unwrap();
        assert_eq!(opened.plaintext().unwrap().as_ref(), &[byte; 8]);
    }
}

#[tokio::test]
async fn metrics_count_requests_audit_commits_and_caches() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = server.new_key().await;
    for _ in 0..3 {
        kms.encrypt().key_id(&key).plaintext(blob(b"x")).send().await.unwrap();
    }
    let _ = kms.describe_key().key_id("alias/missing").send().await;
    let text = scrape(&server).await;
    assert!(text.contains("trent_requests_total{service=\"kms\",operation=\"Encrypt\",outcome=\"ok\"} 3\n"), "{text}");
    assert!(
        text.contains(
            "trent_requests_total{service=\"kms\",operation=\"DescribeKey\",outcome=\"NotFoundException\"} 1\n"
        ),
        "{text}"
    );
    assert!(text.contains("trent_request_duration_seconds_count{service=\"kms\",operation=\"Encrypt\"} 3\n"), "{text}");
    assert!(metric(&server, "trent_audit_commit_events_count").await >= 1.0);
    assert!(metric(&server, "trent_audit_commit_seconds_count").await >= 1.0);
    assert!(metric(&server, "trent_cache_lookups_total{cache=\"keys\",result=\"hit\"}").await >= 2.0);
    assert!(metric(&server, "trent_cache_lookups_total{cache=\"credentials\",result=\"hit\"}").await >= 3.0);
    assert!(!text.contains(&key), "no key id is a label");
    assert!(!text.contains("trent_lease_held"), "no leases on SQLite");
}

/// The full check compares stamps instead of dropping everything: a key unchanged since a node
/// cached it stays cached through check after check, and keys changed behind every node's back
/// (rows written with no notification: a missed one) are dropped by the next check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_full_check_keeps_unchanged_keys_and_drops_changed_ones() {
    const CHECK: Duration = Duration::from_millis(200);
    let Some(schema) = TestSchema::new("cluster_full_check").await else { return };
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    let raw = RawConfig { storage: Some(StorageSetting::new(url.clone())), ..RawConfig::default() };
    let a = TestServer::start_tuned(raw, |c| c.full_check_interval = CHECK).await;
    let b = a.another_node().await;
    let (kms_a, kms_b) = (a.client(), b.client());
    let mut keys = Vec::new();
    for _ in 0..3 {
        keys.push(retried(|| kms_a.create_key().send()).await.unwrap().key_metadata().unwrap().key_id().to_owned());
    }
    let [steady, disabled, tagged] = [&keys[0], &keys[1], &keys[2]];
    let encrypt = |key: &str| kms_b.encrypt().key_id(key).plaintext(blob(b"x")).send();
    // B caches the three keys (a load that raced B's first listening connection, which drops
    // everything, is made again).
    while metric(&b, "trent_cache_entries{cache=\"keys\"}").await < 3.0 {
        for key in &keys {
            encrypt(key).await.expect("B serves the key");
        }
    }
    let misses = "trent_cache_lookups_total{cache=\"keys\",result=\"miss\"}";
    let (misses_before, checks_before) = (metric(&b, misses).await, metric(&b, "trent_cache_full_checks_total").await);

    // Behind every node's back: one key disabled, one tagged, straight in the database.
    let pool = sqlx::PgPool::connect(&url).await.expect("connect");
    let disable = "UPDATE kms_keys SET key_state = 'Disabled', revision = revision + 1 WHERE key_id = $1";
    sqlx::query(disable).bind(disabled).execute(&pool).await.expect("disable in the database");
    let tag = "INSERT INTO kms_key_tags (account_id, region, key_id, tag_key, tag_value) \
               SELECT account_id, region, key_id, 'team', 'blue' FROM kms_keys WHERE key_id = $1";
    sqlx::query(tag).bind(tagged).execute(&pool).await.expect("tag in the database");
    pool.close().await;

    // The disabled key is refused within a few checks.
    let took = refused_within("disabled behind B's back", "DisabledException", || encrypt(disabled)).await;
    eprintln!("a key changed with no notification was dropped by B's full check after {took:?}");
    // A few more checks, using every key meanwhile.
    while metric(&b, "trent_cache_full_checks_total").await < checks_before + 5.0 {
        encrypt(steady).await.expect("the unchanged key serves");
        encrypt(tagged).await.expect("the tagged key serves");
        tokio::time::sleep(CHECK / 4).await;
    }
    // Only the two changed keys were loaded again, once each; the unchanged one never.
    assert_eq!(metric(&b, misses).await - misses_before, 2.0, "misses after the change");
    assert_eq!(metric(&b, "trent_cache_full_check_dropped_total{cache=\"keys\"}").await, 2.0);
    // The database pool is in the metrics: a node that has served holds an open connection,
    // and no more idle ones than open ones.
    let text = scrape(&b).await;
    let open = value_in(&text, "trent_db_pool_connections{state=\"open\"}");
    let idle = value_in(&text, "trent_db_pool_connections{state=\"idle\"}");
    assert!(open >= 1.0 && idle <= open, "pool connections: {open} open, {idle} idle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roles_tags_and_trust_changed_on_one_node_hold_on_the_others() {
    let Some((_schema, [a, b, c])) = three_nodes("cluster_roles").await else { return };
    let account = a.account().await;
    let bob = a.user_with_policy("bob", Some(&crate::iam::allow("\"sts:AssumeRole\"", "*"))).await;
    let trust = |who: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:user/{who}"}},"Action":"sts:AssumeRole"}}]}}"#
        )
    };
    let by_tag = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:ListKeys","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"core"}}}]}"#;
    let iam = a.iam(&a.admin_creds());
    let made = retried(|| iam.create_role().role_name("Ops").assume_role_policy_document(trust("bob")).send()).await;
    let role_arn = made.unwrap().role().unwrap().arn().to_owned();
    retried(|| iam.put_role_policy().role_name("Ops").policy_name("by-tag").policy_document(by_tag).send())
        .await
        .unwrap();
    let out = retried(|| a.sts(&bob).assume_role().role_arn(&role_arn).role_session_name("s1").send()).await.unwrap();
    let session = crate::sts::session(&out);
    // B and C cache the session, refused while the role has no team=core tag.
    let (kms_b, kms_c) = (b.kms(&session), c.kms(&session));
    for node in [&kms_b, &kms_c] {
        refused_within("untagged role", "AccessDeniedException", || node.list_keys().send()).await;
    }

    // Tagged on A: B and C let the session in.
    retried(|| iam.tag_role().role_name("Ops").tags(crate::iam_roles::tag("team", "core")).send()).await.unwrap();
    for node in [&kms_b, &kms_c] {
        let started = Instant::now();
        while let Err(e) = node.list_keys().send().await {
            assert!(started.elapsed() < NOTIFIED_WITHIN, "still refused after the role was tagged: {e:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    // Untagged on A: refused again on B and C.
    retried(|| iam.untag_role().role_name("Ops").tag_keys("team").send()).await.unwrap();
    for node in [&kms_b, &kms_c] {
        refused_within("untagged role", "AccessDeniedException", || node.list_keys().send()).await;
    }

    // The trust moved to carol on A: B refuses bob's next AssumeRole at once.
    retried(|| iam.update_assume_role_policy().role_name("Ops").policy_document(trust("carol")).send()).await.unwrap();
    let refused = retried(|| b.sts(&bob).assume_role().role_arn(&role_arn).role_session_name("s2").send()).await;
    crate::common::expect_code(refused, "AccessDenied");
}
