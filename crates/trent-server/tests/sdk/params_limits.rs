//! Parameter Store's tier quotas at their real size: 100,000 Advanced and 10,000 Standard
//! parameters per account and Region (issue 11). The account is filled through the store's
//! bulk path, as `trent admin fill` fills one (each parameter planned by the domain as
//! `PutParameter` makes it, written many per transaction by the store's own row writers, the
//! tier counts kept by their trigger); everything at the limit then goes through the wire,
//! driven by `aws-sdk-ssm`. On SQLite always, on PostgreSQL when `TRENT_TEST_POSTGRES_URL` is
//! set.

use std::sync::Arc;
use std::time::Instant;

use aws_sdk_ssm::types::{ParameterTier, ParameterType};
use sqlx::Connection;
use trent_core::params::{ADVANCED_QUOTA, STANDARD_QUOTA, Tier, TierCounts};
use trent_core::store::Batch;
use trent_core::{Caller, ParamStore, Region, Scope};
use trent_server::{RawConfig, RawPostgres, Storage, StorageSetting};
use trent_store::{PgStore, SqliteStore};

use crate::common::{TestServer, expect_code};
use crate::support::TestSchema;

/// AWS's answer to a new Standard parameter past the quota, word for word as AWS sends it
/// (quoted from `PutParameter` errors in three public reports, 2021 to 2024).
const STANDARD_FULL: &str = "You have reached the maximum number of standard parameters for this AWS account and \
                             Region (10000). To add more parameters, either delete existing parameters or upgrade to \
                             the advanced-parameter tier (charges apply).";
/// The answer to a new Advanced parameter past the quota: AWS's Standard sentence for the
/// Advanced tier (no public record of AWS's own Advanced wording was found).
const ADVANCED_FULL: &str = "You have reached the maximum number of advanced parameters for this AWS account and \
                             Region (100000). To add more parameters, delete existing parameters.";

/// Two regions of one deployment; on PostgreSQL with the bulk filler's time limits (a batch is
/// one transaction of a thousand statements, not a request).
fn config(storage: Option<String>) -> RawConfig {
    RawConfig {
        regions: Some(vec!["us-east-1".into(), "eu-west-1".into()]),
        storage: storage.map(StorageSetting::new),
        postgres: Some(RawPostgres {
            statement_timeout_milliseconds: Some(120_000),
            call_timeout_milliseconds: Some(121_000),
        }),
        ..RawConfig::default()
    }
}

/// A server on a fresh schema named after `test` of the PostgreSQL that
/// `TRENT_TEST_POSTGRES_URL` names, with the schema's URL and its guard (the schema is dropped
/// with it); `None` when no PostgreSQL is named.
async fn on_postgres(test: &str) -> Option<(TestServer, String, TestSchema)> {
    let schema = TestSchema::new(test).await?;
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    let server = TestServer::start_with(config(Some(url.clone()))).await;
    Some((server, url, schema))
}

/// A second handle on the server's storage, to read the tier-count rows.
async fn param_store(server: &TestServer) -> Arc<dyn ParamStore> {
    match &server.state.config.storage {
        Storage::Sqlite => {
            let path = server.data_dir().join(trent_server::DATABASE_FILE);
            Arc::new(SqliteStore::open(&path).await.expect("open the SQLite store"))
        }
        Storage::Postgres(settings) => Arc::new(PgStore::open(settings).await.expect("open the PostgreSQL store")),
    }
}

/// How the account is filled: parameters per transaction, and on PostgreSQL the database URL
/// to analyze the parameters table through after every 10,000 parameters.
///
/// The test machine's PostgreSQL runs without autovacuum, so nothing else gives the planner
/// statistics: without them it checks each new version's foreign key through
/// `ssm_parameters_by_parent` with the name as a filter, reading the account's every parameter
/// (the fill took 606 s; with one `ANALYZE` half-way, 96 s). Autovacuum analyzes a table after
/// 10% of it changed; every 10,000 parameters is as often for an account of 100,000.
struct Filling {
    per_batch: u64,
    analyze: Option<String>,
}

/// Adds `count` `String` parameters of `tier`, named `/PREFIX/dNN/pN` (100 paths), to the
/// account of `caller` through the store's bulk path.
async fn fill(server: &TestServer, caller: &Caller, prefix: &str, tier: Tier, count: u64, how: &Filling) {
    let mut next = 0;
    while next < count {
        let end = (next + how.per_batch).min(count);
        let mut batch = Batch::default();
        for i in next..end {
            let name = format!("/{prefix}/d{:02}/p{i}", i % 100);
            batch.parameters.push(server.state.params.plan_parameter(caller, &name, "filled", tier).expect("plan"));
        }
        server.state.store.apply_batch(&batch).await.expect("write a batch");
        if let Some(url) = &how.analyze
            && end / 10_000 > next / 10_000
        {
            let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query("ANALYZE ssm_parameters").execute(&mut conn).await.expect("analyze");
            conn.close().await.expect("close");
        }
        next = end;
    }
}

/// The account's Advanced tier full (and its Standard tier too), driven through the wire:
///
/// - the 100,000th Advanced parameter is created; a new one past it answers
///   `ParameterLimitExceeded` and writes nothing (no parameter, no version, no count), and so
///   does moving a Standard parameter up to Advanced, while a new version of an Advanced
///   parameter still goes in;
/// - `Intelligent-Tiering` takes Advanced only when a request needs it (AWS: a value over
///   4 KB, a policy, or a full Standard tier): with both tiers full a new parameter is refused,
///   with room in Standard a small one goes there and one that needs Advanced is still
///   refused, never put in Standard;
/// - deleting one Advanced parameter makes room for exactly one;
/// - the quotas are per account *and Region*: `eu-west-1` of the same account takes both
///   tiers.
async fn advanced_limit(server: TestServer, how: Filling) {
    let ssm = server.ssm(&server.admin_creds());
    let west = server.ssm_in(&server.admin_creds(), "eu-west-1");
    let caller = server.caller(&server.access_key_id).await;
    let east = caller.scope();
    let store = param_store(&server).await;
    let counts = |scope: Scope| {
        let store = store.clone();
        async move { store.count_by_tier(&scope).await.expect("tier counts") }
    };
    let full = TierCounts { standard: STANDARD_QUOTA, advanced: ADVANCED_QUOTA };

    let started = Instant::now();
    fill(&server, &caller, "std", Tier::Standard, STANDARD_QUOTA, &how).await;
    fill(&server, &caller, "adv", Tier::Advanced, ADVANCED_QUOTA - 1, &how).await;
    eprintln!("filled {} parameters in {:.1} s", STANDARD_QUOTA + ADVANCED_QUOTA - 1, started.elapsed().as_secs_f64());
    assert_eq!(counts(east.clone()).await, TierCounts { advanced: ADVANCED_QUOTA - 1, ..full });

    let advanced = |name: &'static str| {
        ssm.put_parameter().name(name).value("v").r#type(ParameterType::String).tier(ParameterTier::Advanced).send()
    };
    let last = advanced("/limit/last").await.expect("the 100,000th Advanced parameter");
    assert_eq!((last.version(), last.tier()), (1, Some(&ParameterTier::Advanced)));
    assert_eq!(counts(east.clone()).await, full);

    // One more: refused in AWS's words, and nothing of it is stored.
    let message = expect_code(advanced("/limit/one-more").await, "ParameterLimitExceeded");
    assert_eq!(message, ADVANCED_FULL);
    expect_code(ssm.get_parameter().name("/limit/one-more").send().await, "ParameterNotFound");
    expect_code(ssm.get_parameter_history().name("/limit/one-more").send().await, "ParameterNotFound");
    assert_eq!(counts(east.clone()).await, full, "no count moved");
    // A Standard parameter moved up to Advanced needs a place too: refused, left at version 1.
    let upgrade = ssm.put_parameter().name("/std/d07/p7").value("up").overwrite(true).tier(ParameterTier::Advanced);
    assert_eq!(expect_code(upgrade.send().await, "ParameterLimitExceeded"), ADVANCED_FULL);
    let kept = ssm.get_parameter_history().name("/std/d07/p7").send().await.unwrap();
    let kept: Vec<_> = kept.parameters().iter().map(|p| (p.version(), p.value(), p.tier().cloned())).collect();
    assert_eq!(kept, [(1, Some("filled"), Some(ParameterTier::Standard))]);
    // A new version of an Advanced parameter takes no new place.
    let again = ssm.put_parameter().name("/adv/d05/p5").value("w").overwrite(true).send().await.unwrap();
    assert_eq!((again.version(), again.tier()), (2, Some(&ParameterTier::Advanced)));
    // The Standard tier is full too, in AWS's words.
    let standard = ssm.put_parameter().name("/limit/standard").value("v").r#type(ParameterType::String).send().await;
    assert_eq!(expect_code(standard, "ParameterLimitExceeded"), STANDARD_FULL);
    assert_eq!(counts(east.clone()).await, full);

    // Intelligent-Tiering with both tiers full: Standard is full, so a new parameter needs
    // Advanced, which is full.
    let tiered = |name: &'static str, value: String| {
        ssm.put_parameter()
            .name(name)
            .value(value)
            .r#type(ParameterType::String)
            .tier(ParameterTier::IntelligentTiering)
            .send()
    };
    let big = "b".repeat(5000);
    assert_eq!(expect_code(tiered("/limit/tiered", "v".into()).await, "ParameterLimitExceeded"), ADVANCED_FULL);
    assert_eq!(expect_code(tiered("/limit/tiered-big", big.clone()).await, "ParameterLimitExceeded"), ADVANCED_FULL);
    // With room in Standard: a small value goes there; one over 4 KB needs Advanced, still full.
    ssm.delete_parameter().name("/std/d00/p0").send().await.unwrap();
    assert_eq!(counts(east.clone()).await, TierCounts { standard: STANDARD_QUOTA - 1, ..full });
    assert_eq!(expect_code(tiered("/limit/tiered-big", big.clone()).await, "ParameterLimitExceeded"), ADVANCED_FULL);
    expect_code(ssm.get_parameter().name("/limit/tiered-big").send().await, "ParameterNotFound");
    let small = tiered("/limit/tiered", "v".into()).await.expect("Intelligent-Tiering fits Standard");
    assert_eq!((small.version(), small.tier()), (1, Some(&ParameterTier::Standard)));
    assert_eq!(counts(east.clone()).await, full);
    // Growing that parameter past 4 KB under Intelligent-Tiering would move it to Advanced.
    let grown = ssm
        .put_parameter()
        .name("/limit/tiered")
        .value(big)
        .overwrite(true)
        .tier(ParameterTier::IntelligentTiering)
        .send()
        .await;
    assert_eq!(expect_code(grown, "ParameterLimitExceeded"), ADVANCED_FULL);
    let tiered_now = ssm.get_parameter().name("/limit/tiered").send().await.unwrap();
    assert_eq!(tiered_now.parameter().map(|p| (p.version(), p.value())), Some((1, Some("v"))));

    // Deleting an Advanced parameter makes room for exactly one.
    ssm.delete_parameter().name("/adv/d42/p42").send().await.unwrap();
    assert_eq!(counts(east.clone()).await, TierCounts { advanced: ADVANCED_QUOTA - 1, ..full });
    let freed = advanced("/limit/one-more").await.expect("the freed place");
    assert_eq!((freed.version(), freed.tier()), (1, Some(&ParameterTier::Advanced)));
    assert_eq!(expect_code(advanced("/limit/two-more").await, "ParameterLimitExceeded"), ADVANCED_FULL);
    assert_eq!(counts(east.clone()).await, full);

    // Per Region: the same account's other Region has both tiers to itself.
    let in_west = |tier: ParameterTier| {
        west.put_parameter().name("/limit/west").value("v").r#type(ParameterType::String).tier(tier).overwrite(true)
    };
    let w = in_west(ParameterTier::Standard).send().await.expect("Standard in eu-west-1");
    assert_eq!((w.version(), w.tier()), (1, Some(&ParameterTier::Standard)));
    let w = in_west(ParameterTier::Advanced).send().await.expect("Advanced in eu-west-1");
    assert_eq!((w.version(), w.tier()), (2, Some(&ParameterTier::Advanced)));
    let west_scope = Scope::new(east.account.clone(), Region::parse("eu-west-1").unwrap());
    assert_eq!(counts(west_scope).await, TierCounts { standard: 0, advanced: 1 });
    assert_eq!(counts(east).await, full, "the other Region's writes count there");
    eprintln!("the whole test took {:.1} s", started.elapsed().as_secs_f64());
}

/// Regression guard for issue 11 (the Advanced quota was checked only by a wire-level row), on
/// SQLite, 10,000 parameters per transaction as `trent admin fill` writes them. Runtime, debug
/// build on the shared 2-core machine: 43 to 49 s at load average 11, 28 s on a quieter run,
/// all but 0.4 s of it the fill of 109,999 parameters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_advanced_tier_holds_a_hundred_thousand_parameters() {
    let server = TestServer::start_with(config(None)).await;
    advanced_limit(server, Filling { per_batch: 10_000, analyze: None }).await;
}

/// On PostgreSQL, 500 parameters per transaction as `trent admin fill` writes them there.
/// Runtime, debug build on the same machine with its PostgreSQL 15: 31 s at load average 11,
/// 12 s on a quieter run, nearly all of it the fill (before PostgreSQL migration 0018 and
/// [`Filling::analyze`], 606 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_advanced_tier_holds_a_hundred_thousand_parameters_on_postgres() {
    let test = "the_advanced_tier_holds_a_hundred_thousand_parameters_on_postgres";
    let Some((server, url, _schema)) = on_postgres(test).await else { return };
    advanced_limit(server, Filling { per_batch: 500, analyze: Some(url) }).await;
}

/// How many `PutParameter`s race for the Standard tier's last place.
const RACERS: usize = 8;

/// Sends `RACERS` `PutParameter`s of new `String` parameters `/race/{prefix}N` in `tier` at
/// once, each from its own task; returns each one's index and answer.
async fn race(
    ssm: &aws_sdk_ssm::Client,
    prefix: &str,
    tier: ParameterTier,
) -> Vec<(usize, Result<aws_sdk_ssm::operation::put_parameter::PutParameterOutput, String>)> {
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..RACERS {
        let (ssm, barrier, tier) = (ssm.clone(), barrier.clone(), tier.clone());
        let request = ssm.put_parameter().name(format!("/race/{prefix}{i}")).value("v").r#type(ParameterType::String);
        tasks.spawn(async move {
            barrier.wait().await;
            let answer = request.tier(tier).send().await;
            (i, answer.map_err(|e| expect_code(Err::<(), _>(e), "ParameterLimitExceeded")))
        });
    }
    let mut answers = tasks.join_all().await;
    answers.sort_by_key(|(i, _)| *i);
    answers
}

/// Regression guard for issue 11's race: the quota was checked on a count read before the
/// write's transaction, so `PutParameter`s racing for the Standard tier's last place all got
/// in. At 9,999 Standard parameters (filled through the store's bulk path):
///
/// - of `RACERS` concurrent new Standard parameters exactly one is created; every other answers
///   `ParameterLimitExceeded` in AWS's words and leaves nothing behind;
/// - with one place free again, `RACERS` concurrent Intelligent-Tiering parameters are all
///   created, exactly one in Standard and the others in Advanced (as AWS does with a full
///   Standard tier), whether a request saw the tier full before its write or only at it.
async fn standard_race(server: TestServer, how: Filling) {
    let ssm = server.ssm(&server.admin_creds());
    let caller = server.caller(&server.access_key_id).await;
    let scope = caller.scope();
    let store = param_store(&server).await;
    fill(&server, &caller, "std", Tier::Standard, STANDARD_QUOTA - 1, &how).await;
    assert_eq!(store.count_by_tier(&scope).await.unwrap(), TierCounts { standard: STANDARD_QUOTA - 1, advanced: 0 });

    let answers = race(&ssm, "s", ParameterTier::Standard).await;
    let created: Vec<usize> = answers.iter().filter(|(_, a)| a.is_ok()).map(|(i, _)| *i).collect();
    assert_eq!(created.len(), 1, "exactly one takes the last place: {answers:?}");
    for (i, answer) in &answers {
        let name = format!("/race/s{i}");
        match answer {
            Ok(out) => assert_eq!((out.version(), out.tier()), (1, Some(&ParameterTier::Standard))),
            Err(message) => {
                assert_eq!(message, STANDARD_FULL);
                expect_code(ssm.get_parameter().name(&name).send().await, "ParameterNotFound");
                expect_code(ssm.get_parameter_history().name(&name).send().await, "ParameterNotFound");
            }
        }
    }
    let full = TierCounts { standard: STANDARD_QUOTA, advanced: 0 };
    assert_eq!(store.count_by_tier(&scope).await.unwrap(), full);
    let listed = ssm.get_parameters_by_path().path("/race").send().await.unwrap();
    assert_eq!(listed.parameters().len(), 1, "one parameter under /race");

    ssm.delete_parameter().name("/std/d00/p0").send().await.unwrap();
    let answers = race(&ssm, "t", ParameterTier::IntelligentTiering).await;
    let tiers: Vec<ParameterTier> = answers
        .iter()
        .map(|(_, a)| a.as_ref().expect("Intelligent-Tiering").tier().cloned().expect("a tier"))
        .collect();
    let standard = tiers.iter().filter(|t| **t == ParameterTier::Standard).count();
    assert_eq!(standard, 1, "exactly one in Standard: {tiers:?}");
    let racers = u64::try_from(RACERS).unwrap();
    assert_eq!(store.count_by_tier(&scope).await.unwrap(), TierCounts { advanced: racers - 1, ..full });
    for (i, tier) in tiers.iter().enumerate() {
        let got = ssm.get_parameter().name(format!("/race/t{i}")).send().await.unwrap();
        assert_eq!(got.parameter().map(|p| p.version()), Some(1));
        let described = ssm
            .describe_parameters()
            .parameter_filters(
                aws_sdk_ssm::types::ParameterStringFilter::builder()
                    .key("Name")
                    .values(format!("/race/t{i}"))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(described.parameters().iter().map(|p| p.tier().cloned()).collect::<Vec<_>>(), [Some(tier.clone())]);
    }
}

/// [`standard_race`] on SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_puts_at_the_standard_quota_let_exactly_one_in() {
    let server = TestServer::start_with(config(None)).await;
    standard_race(server, Filling { per_batch: 10_000, analyze: None }).await;
}

/// [`standard_race`] on PostgreSQL: the requests run on several of the pool's connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_puts_at_the_standard_quota_let_exactly_one_in_on_postgres() {
    let test = "racing_puts_at_the_standard_quota_let_exactly_one_in_on_postgres";
    let Some((server, _, _schema)) = on_postgres(test).await else { return };
    standard_race(server, Filling { per_batch: 500, analyze: None }).await;
}

/// Regression guard for a `PutParameter` with `Overwrite` answering `ParameterAlreadyExists`
/// (seen in the PostgreSQL crash test's load): overwrites of one new name racing each other
/// all read "no such parameter", and every one but the first to write found it created. With
/// `Overwrite` that is a lost race of concurrent updates (`TooManyUpdates`, as for two
/// overwrites racing for one next version), never `ParameterAlreadyExists`.
///
/// Per name, `RACERS` overwrites sent at once, a new name then the same name again: every
/// answer is a version or `TooManyUpdates`; at least one gets in; the versions answered are
/// distinct and are exactly the parameter's history, its newest the parameter's value.
async fn overwrite_race(server: TestServer) {
    let ssm = server.ssm(&server.admin_creds());
    let mut refused = 0;
    for round in 0..6 {
        let name = format!("/overwrite/p{round}");
        for _ in 0..2 {
            let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
            let mut tasks = tokio::task::JoinSet::new();
            for i in 0..RACERS {
                // SecureStrings for half the names: sealing widens the gap between the read
                // and the write.
                let kind = if round % 2 == 0 { ParameterType::String } else { ParameterType::SecureString };
                let request = ssm.put_parameter().name(&name).value(format!("v{i}")).r#type(kind).overwrite(true);
                let barrier = barrier.clone();
                tasks.spawn(async move {
                    barrier.wait().await;
                    (i, request.send().await)
                });
            }
            let mut written = Vec::new();
            for (i, answer) in tasks.join_all().await {
                match answer {
                    Ok(out) => written.push((out.version(), format!("v{i}"))),
                    Err(e) => {
                        expect_code(Err::<(), _>(e), "TooManyUpdates");
                        refused += 1;
                    }
                }
            }
            assert!(!written.is_empty(), "{name}: at least one overwrite gets in");
            written.sort();
            let history = ssm.get_parameter_history().name(&name).with_decryption(true).send().await.unwrap();
            let mut kept: Vec<(i64, String)> = history
                .parameters()
                .iter()
                .map(|p| (p.version(), p.value().unwrap_or_default().to_owned()))
                .filter(|(v, _)| written.iter().any(|(w, _)| w == v))
                .collect();
            kept.sort();
            assert_eq!(kept, written, "{name}: every version answered is kept with its value");
            let newest = written.last().expect("a version");
            let got = ssm.get_parameter().name(&name).with_decryption(true).send().await.unwrap();
            let got = got.parameter().expect("the parameter");
            assert_eq!((got.version(), got.value().unwrap_or_default()), (newest.0, newest.1.as_str()));
        }
        let versions = ssm.get_parameter_history().name(&name).send().await.unwrap().parameters().len();
        assert_eq!(i64::try_from(versions).unwrap(), {
            let got = ssm.get_parameter().name(&name).send().await.unwrap();
            got.parameter().expect("the parameter").version()
        });
    }
    eprintln!("overwrite races: {refused} of {} overwrites refused with TooManyUpdates", 12 * RACERS);
}

/// [`overwrite_race`] on SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_overwrites_of_one_parameter_answer_a_version_or_too_many_updates() {
    overwrite_race(TestServer::start_with(config(None)).await).await;
}

/// [`overwrite_race`] on PostgreSQL, where the racers run on several of the pool's connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_overwrites_of_one_parameter_answer_a_version_or_too_many_updates_on_postgres() {
    let test = "racing_overwrites_of_one_parameter_answer_a_version_or_too_many_updates_on_postgres";
    let Some((server, _, _schema)) = on_postgres(test).await else { return };
    overwrite_race(server).await;
}
