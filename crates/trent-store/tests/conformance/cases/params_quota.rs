//! Parameter Store's tier quotas, checked by the store inside the write's transaction
//! ([`ParameterWrite::tier_quota`]): of writers racing for a tier's last place exactly one
//! gets it, and a refused write leaves nothing behind.

use std::sync::Arc;

use trent_core::ParamStore;
use trent_core::Scope;
use trent_core::events::{OutboxCursor, PARAMETER_CHANGE};
use trent_core::params::{ParameterVersion, ParameterWrite, Tier, TierCounts};

use super::assert_err;
use super::params::{create, event, pv};
use crate::conformance::fixtures::{home, scope};

/// How many writers race for one place.
const RACERS: usize = 8;

/// Version `version` of `name` in `tier`.
fn in_tier(name: &str, version: u64, tier: Tier) -> ParameterVersion {
    ParameterVersion { tier, ..pv(name, version) }
}

/// A new parameter `name` of `tier` joining it under `quota`, with its change event.
fn joining(name: &str, tier: Tier, quota: u64) -> ParameterWrite {
    ParameterWrite {
        tier_quota: Some(quota),
        events: vec![event(PARAMETER_CHANGE, name)],
        ..create(in_tier(name, 1, tier))
    }
}

/// Runs every write at once (each on its own task, so a backend's pool serves them on several
/// connections); returns the index of each that was stored, after checking that every other
/// was refused with `QuotaExceeded`.
async fn race(store: &Arc<dyn ParamStore>, s: &Scope, writes: Vec<ParameterWrite>) -> Vec<usize> {
    let barrier = Arc::new(tokio::sync::Barrier::new(writes.len()));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, write) in writes.into_iter().enumerate() {
        let (store, s, barrier) = (store.clone(), s.clone(), barrier.clone());
        tasks.spawn(async move {
            barrier.wait().await;
            (i, store.put_version(&s, &write).await)
        });
    }
    let mut stored = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined.expect("task") {
            (i, Ok(())) => stored.push(i),
            (_, refused) => assert_err(refused, "QuotaExceeded"),
        }
    }
    stored.sort_unstable();
    stored
}

/// The events in the outbox, by the parameter they name.
async fn events_of(store: &Arc<dyn ParamStore>) -> Vec<String> {
    super::events::settled(store).await;
    let queued = store.events_after(OutboxCursor::START, 1000).await.expect("events");
    queued.iter().map(|q| q.event.detail["name"].as_str().expect("a name").to_owned()).collect()
}

pub(crate) async fn params_tier_quota_lets_one_of_concurrent_new_parameters_in(store: Arc<dyn ParamStore>) {
    // Regression guard for issue 11's race: the quota was checked on a count read before the
    // write's transaction, so writers racing at one place short of it all got in.
    let (s, other) = (home(), scope("444455556666", "eu-west-1"));
    let counts = |scope: Scope| {
        let store = store.clone();
        async move { store.count_by_tier(&scope).await.expect("counts") }
    };
    const QUOTA: u64 = 5;
    for i in 0..QUOTA - 1 {
        store.put_version(&s, &joining(&format!("/q/s{i}"), Tier::Standard, QUOTA)).await.expect("under the quota");
    }
    // The other tier and the other scope are counted apart.
    for i in 0..QUOTA {
        store.put_version(&s, &joining(&format!("/q/a{i}"), Tier::Advanced, QUOTA)).await.expect("Advanced");
    }
    store.put_version(&other, &joining("/q/elsewhere", Tier::Standard, 1)).await.expect("another scope");
    assert_eq!(counts(s.clone()).await, TierCounts { standard: QUOTA - 1, advanced: QUOTA });
    let before = events_of(&store).await;

    let writes = (0..RACERS).map(|i| joining(&format!("/q/race{i}"), Tier::Standard, QUOTA)).collect();
    let stored = race(&store, &s, writes).await;
    assert_eq!(stored.len(), 1, "exactly one writer takes the last place: {stored:?}");
    assert_eq!(counts(s.clone()).await, TierCounts { standard: QUOTA, advanced: QUOTA });
    for i in 0..RACERS {
        let name = format!("/q/race{i}");
        let found = store.latest(&s, &name).await.expect("latest");
        assert_eq!(found.is_some(), stored.contains(&i), "{name}");
        if !stored.contains(&i) {
            assert!(store.history(&s, &name, None, 10).await.expect("history").is_empty(), "no orphan version");
            assert!(store.param_tags(&s, &name).await.expect("tags").is_empty());
        }
    }
    let mut expected = before;
    expected.push(format!("/q/race{}", stored[0]));
    assert_eq!(events_of(&store).await, expected, "only the stored writer's event is in the outbox");

    // Full: one more is refused on its own too, and so is a tagged one, with nothing written.
    assert_err(store.put_version(&s, &joining("/q/late", Tier::Standard, QUOTA)).await, "QuotaExceeded");
    let tagged = ParameterWrite {
        tags: vec![trent_core::params::ParamTag { key: "k".into(), value: "v".into() }],
        ..joining("/q/late", Tier::Standard, QUOTA)
    };
    assert_err(store.put_version(&s, &tagged).await, "QuotaExceeded");
    assert_eq!(store.latest(&s, "/q/late").await.expect("latest"), None);
    assert!(store.param_tags(&s, "/q/late").await.expect("tags").is_empty());
    // A new version that stays in its tier takes no new place and carries no quota.
    let again = ParameterWrite { expected: Some(1), ..create(in_tier("/q/s0", 2, Tier::Standard)) };
    store.put_version(&s, &again).await.expect("a new version in the same tier");
    // A larger quota lets the next one in; the counts are the store's own, whatever was asked.
    store.put_version(&s, &joining("/q/late", Tier::Standard, QUOTA + 1)).await.expect("a larger quota");
    assert_eq!(counts(s).await, TierCounts { standard: QUOTA + 1, advanced: QUOTA });
    assert_eq!(counts(other).await, TierCounts { standard: 1, advanced: 0 });
}

pub(crate) async fn params_tier_quota_lets_one_of_concurrent_tier_changes_in(store: Arc<dyn ParamStore>) {
    // Regression guard for issue 11's race, for Standard parameters moved up to Advanced.
    let s = home();
    const QUOTA: u64 = 3;
    for i in 0..QUOTA - 1 {
        store.put_version(&s, &create(in_tier(&format!("/t/a{i}"), 1, Tier::Advanced))).await.expect("Advanced");
    }
    for i in 0..RACERS {
        store.put_version(&s, &create(in_tier(&format!("/t/s{i}"), 1, Tier::Standard))).await.expect("Standard");
    }
    let before = events_of(&store).await;
    let up = |i: usize| ParameterWrite {
        expected: Some(1),
        tier_quota: Some(QUOTA),
        events: vec![event(PARAMETER_CHANGE, &format!("/t/s{i}"))],
        ..create(in_tier(&format!("/t/s{i}"), 2, Tier::Advanced))
    };
    let stored = race(&store, &s, (0..RACERS).map(up).collect()).await;
    assert_eq!(stored.len(), 1, "exactly one parameter moves into the last place: {stored:?}");
    let racers = u64::try_from(RACERS).expect("few");
    assert_eq!(store.count_by_tier(&s).await.expect("counts"), TierCounts { standard: racers - 1, advanced: QUOTA });
    for i in 0..RACERS {
        let name = format!("/t/s{i}");
        let latest = store.latest(&s, &name).await.expect("latest").expect("still there");
        let history = store.history(&s, &name, None, 10).await.expect("history");
        if stored.contains(&i) {
            assert_eq!((latest.version, latest.tier, history.len()), (2, Tier::Advanced, 2), "{name}");
        } else {
            assert_eq!(latest, in_tier(&name, 1, Tier::Standard), "{name} is left as it was");
            assert_eq!(history.len(), 1, "{name}: no orphan version 2");
        }
    }
    let mut expected = before;
    expected.push(format!("/t/s{}", stored[0]));
    assert_eq!(events_of(&store).await, expected, "only the moved parameter's event is in the outbox");
    // A refused move that would also have dropped the oldest version keeps it.
    let loser = (0..RACERS).find(|i| !stored.contains(i)).expect("a refused writer");
    let dropping = ParameterWrite { drop_version: Some(1), ..up(loser) };
    assert_err(store.put_version(&s, &dropping).await, "QuotaExceeded");
    assert_eq!(store.history(&s, &format!("/t/s{loser}"), None, 10).await.expect("history").len(), 1);
}
