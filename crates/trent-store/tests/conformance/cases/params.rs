//! Parameter Store: versions, listings by path, labels, tags, tier counts and settings.

use std::sync::Arc;

use serde_json::json;
use trent_core::ParamStore;
use trent_core::events::{Event, OutboxCursor, PARAMETER_CHANGE, POLICY_ACTION, SOURCE_SSM};
use trent_core::params::{
    DataType, Listing, ParamTag, ParameterPolicy, ParameterType, ParameterVersion, ParameterWrite, PolicyStatus,
    PolicyType, StoredSetting, StoredValue, Tier, TierCounts,
};

use super::assert_err;
use crate::conformance::fixtures::{at, home, scope};

/// Version `version` of `name`, every field set.
pub(crate) fn pv(name: &str, version: u64) -> ParameterVersion {
    ParameterVersion {
        name: name.to_owned(),
        version,
        kind: ParameterType::SecureString,
        value: StoredValue(vec![1, 0, 255, version as u8]),
        key_id: Some("alias/aws/ssm".into()),
        description: Some(format!("v{version}")),
        allowed_pattern: Some("^.*$".into()),
        tier: Tier::Advanced,
        data_type: DataType::Text,
        labels: Vec::new(),
        policies: Vec::new(),
        modified_at: at(version as i64),
        modified_by: "arn:aws:iam::111122223333:user/u".into(),
    }
}

pub(crate) fn create(version: ParameterVersion) -> ParameterWrite {
    ParameterWrite {
        version,
        expected: None,
        drop_version: None,
        tags: Vec::new(),
        policies_due: None,
        events: Vec::new(),
        tier_quota: None,
    }
}

fn next(version: ParameterVersion, expected: u64, drop_version: Option<u64>) -> ParameterWrite {
    ParameterWrite {
        version,
        expected: Some(expected),
        drop_version,
        tags: Vec::new(),
        policies_due: None,
        events: Vec::new(),
        tier_quota: None,
    }
}

fn names(list: &[ParameterVersion]) -> Vec<&str> {
    list.iter().map(|p| p.name.as_str()).collect()
}

pub(crate) async fn params_versions_round_trip_and_are_conditional(store: Arc<dyn ParamStore>) {
    let s = home();
    let mut first = pv("/app/db", 1);
    first.kind = ParameterType::String;
    first.key_id = None;
    first.description = None;
    first.allowed_pattern = None;
    first.tier = Tier::Standard;
    first.data_type = DataType::Ec2Image;
    store.put_version(&s, &create(first.clone())).await.expect("create");
    assert_eq!(store.latest(&s, "/app/db").await.unwrap(), Some(first.clone()));
    assert_err(store.put_version(&s, &create(pv("/app/db", 1))).await, "AlreadyExists");
    store.put_version(&s, &next(pv("/app/db", 2), 1, None)).await.expect("second version");
    assert_err(store.put_version(&s, &next(pv("/app/db", 3), 1, None)).await, "Conflict");
    assert_err(store.put_version(&s, &next(pv("/missing", 2), 1, None)).await, "NotFound");
    assert_eq!(store.latest(&s, "/app/db").await.unwrap(), Some(pv("/app/db", 2)));
    assert_eq!(store.version(&s, "/app/db", 1).await.unwrap(), Some(first));
    assert_eq!(store.version(&s, "/app/db", 9).await.unwrap(), None);
    assert_eq!(store.latest(&scope("444455556666", "eu-west-1"), "/app/db").await.unwrap(), None, "scoped");
    let history = store.history(&s, "/app/db", None, 10).await.unwrap();
    assert_eq!(history.iter().map(|v| v.version).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(store.history(&s, "/app/db", Some(1), 10).await.unwrap().len(), 1);
    // Dropping the oldest version keeps the history bounded.
    store.put_version(&s, &next(pv("/app/db", 3), 2, Some(1))).await.expect("drop oldest");
    let history = store.history(&s, "/app/db", None, 10).await.unwrap();
    assert_eq!(history.iter().map(|v| v.version).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(
        store.count_by_tier(&s).await.unwrap(),
        TierCounts { standard: 0, advanced: 1 },
        "the tier follows the newest version"
    );
}

pub(crate) async fn params_list_by_path_one_level_every_level_and_pages(store: Arc<dyn ParamStore>) {
    let s = home();
    for name in ["/a/b", "/a/b/c", "/a/b/c/d", "/a/bx", "/a0", "/z", "top"] {
        store.put_version(&s, &create(pv(name, 1))).await.expect(name);
    }
    let list = |l: Listing<'static>, after: Option<&'static str>, limit| {
        let store = store.clone();
        let s = s.clone();
        async move { store.list(&s, l, after, limit).await.expect("list") }
    };
    assert_eq!(names(&list(Listing::Children("/a"), None, 10).await), vec!["/a/b", "/a/bx"]);
    assert_eq!(names(&list(Listing::Children("/"), None, 10).await), vec!["/a0", "/z"]);
    assert_eq!(names(&list(Listing::Below("/a/b"), None, 10).await), vec!["/a/b/c", "/a/b/c/d"]);
    assert_eq!(names(&list(Listing::Below("/a"), None, 10).await), vec!["/a/b", "/a/b/c", "/a/b/c/d", "/a/bx"]);
    assert_eq!(names(&list(Listing::Below("/"), None, 10).await).len(), 6, "every hierarchical name");
    assert_eq!(names(&list(Listing::Below("/a"), Some("/a/b/c"), 2).await), vec!["/a/b/c/d", "/a/bx"]);
    assert_eq!(names(&list(Listing::All, None, 3).await), vec!["/a/b", "/a/b/c", "/a/b/c/d"]);
    assert_eq!(names(&list(Listing::All, Some("/z"), 10).await), vec!["top"]);
}

pub(crate) async fn params_labels_move_between_versions_and_guard_the_oldest(store: Arc<dyn ParamStore>) {
    let s = home();
    store.put_version(&s, &create(pv("/p", 1))).await.unwrap();
    store.put_version(&s, &next(pv("/p", 2), 1, None)).await.unwrap();
    let labels = vec!["prod".to_owned(), "blue".to_owned()];
    store.move_labels(&s, "/p", 1, &labels, &[]).await.expect("label v1");
    assert_eq!(store.version(&s, "/p", 1).await.unwrap().unwrap().labels, vec!["blue", "prod"]);
    assert_eq!(store.labelled(&s, "/p", "prod").await.unwrap().map(|v| v.version), Some(1));
    store.move_labels(&s, "/p", 2, &labels[..1], &[]).await.expect("move prod");
    assert_eq!(store.labelled(&s, "/p", "prod").await.unwrap().map(|v| v.version), Some(2));
    assert_eq!(store.latest(&s, "/p").await.unwrap().unwrap().labels, vec!["prod"]);
    assert_err(store.move_labels(&s, "/p", 7, &labels, &[]).await, "NotFound");
    assert_err(store.put_version(&s, &next(pv("/p", 3), 2, Some(1))).await, "Conflict");
    assert_eq!(store.latest(&s, "/p").await.unwrap().map(|v| v.version), Some(2), "nothing written");
    let removed = store.remove_labels(&s, "/p", 1, &["blue".into(), "prod".into()]).await.unwrap();
    assert_eq!(removed, vec!["blue"]);
    assert_eq!(store.labelled(&s, "/p", "blue").await.unwrap(), None);
}

pub(crate) async fn params_delete_takes_versions_labels_and_tags(store: Arc<dyn ParamStore>) {
    let s = home();
    let tags = vec![ParamTag { key: "env".into(), value: "prod".into() }];
    let write = ParameterWrite { tags: tags.clone(), ..create(pv("/d", 1)) };
    store.put_version(&s, &write).await.unwrap();
    store.move_labels(&s, "/d", 1, &["l".into()], &[]).await.unwrap();
    assert_eq!(store.param_tags(&s, "/d").await.unwrap(), tags);
    assert_err(store.delete_parameter(&s, "/d", Some(2), &[]).await, "Conflict");
    store.delete_parameter(&s, "/d", Some(1), &[]).await.expect("delete");
    assert_err(store.delete_parameter(&s, "/d", None, &[]).await, "NotFound");
    assert_eq!(store.latest(&s, "/d").await.unwrap(), None);
    assert_eq!(store.version(&s, "/d", 1).await.unwrap(), None);
    assert!(store.param_tags(&s, "/d").await.unwrap().is_empty());
    store.put_version(&s, &create(pv("/d", 1))).await.expect("the name is free again");
    assert_eq!(store.labelled(&s, "/d", "l").await.unwrap(), None, "labels went with it");
}

pub(crate) async fn params_tags_counts_and_settings(store: Arc<dyn ParamStore>) {
    let s = home();
    let mut standard = pv("/s", 1);
    standard.tier = Tier::Standard;
    store.put_version(&s, &create(standard)).await.unwrap();
    store.put_version(&s, &create(pv("/a", 1))).await.unwrap();
    store.put_version(&s, &create(pv("/b", 1))).await.unwrap();
    assert_eq!(store.count_by_tier(&s).await.unwrap(), TierCounts { standard: 1, advanced: 2 });
    let t = |k: &str, v: &str| ParamTag { key: k.into(), value: v.into() };
    store.put_param_tags(&s, "/s", &[t("b", "1"), t("a", "2")]).await.unwrap();
    store.put_param_tags(&s, "/s", &[t("b", "3")]).await.unwrap();
    assert_eq!(store.param_tags(&s, "/s").await.unwrap(), vec![t("a", "2"), t("b", "3")]);
    store.remove_param_tags(&s, "/s", &["a".into(), "zz".into()]).await.unwrap();
    assert_eq!(store.param_tags(&s, "/s").await.unwrap(), vec![t("b", "3")]);
    assert_err(store.put_param_tags(&s, "/missing", &[t("a", "b")]).await, "NotFound");
    let id = "/ssm/parameter-store/default-parameter-tier";
    assert_eq!(store.setting(&s, id).await.unwrap(), None);
    let setting =
        StoredSetting { id: id.into(), value: "Advanced".into(), modified_at: at(5), modified_by: "me".into() };
    store.put_setting(&s, &setting).await.unwrap();
    store.put_setting(&s, &setting).await.expect("overwrite");
    assert_eq!(store.setting(&s, id).await.unwrap(), Some(setting));
    store.delete_setting(&s, id).await.unwrap();
    assert_eq!(store.setting(&s, id).await.unwrap(), None);
}

pub(crate) fn event(detail_type: &str, name: &str) -> Event {
    Event::new(
        at(1),
        home(),
        SOURCE_SSM,
        detail_type,
        format!("arn:aws:ssm:eu-west-1:111122223333:parameter{name}"),
        json!({"name": name}),
    )
}

fn policy(kind: PolicyType, status: PolicyStatus) -> ParameterPolicy {
    ParameterPolicy { kind, text: format!("{{\"Type\":\"{}\"}}", kind.as_str()), status }
}

pub(crate) async fn params_tier_counts_follow_creation_tier_changes_and_deletion(store: Arc<dyn ParamStore>) {
    // Regression guard: the counts are kept beside the parameters (not counted per call), so
    // they must follow every change that adds, moves or removes a parameter.
    let s = home();
    let other = scope("444455556666", "eu-west-1");
    let counts = |scope| {
        let store = store.clone();
        async move { store.count_by_tier(&scope).await.unwrap() }
    };
    assert_eq!(counts(s.clone()).await, TierCounts::default(), "an empty scope");
    for i in 0..25 {
        let mut v = pv(&format!("/n/p{i:02}"), 1);
        v.tier = if i < 20 { Tier::Standard } else { Tier::Advanced };
        store.put_version(&s, &create(v)).await.unwrap();
    }
    store.put_version(&other, &create(pv("/n/p00", 1))).await.unwrap();
    assert_eq!(counts(s.clone()).await, TierCounts { standard: 20, advanced: 5 });
    assert_eq!(counts(other.clone()).await, TierCounts { standard: 0, advanced: 1 }, "scoped");
    // A new version in another tier moves the parameter; one in the same tier moves nothing.
    store.put_version(&s, &next(pv("/n/p00", 2), 1, None)).await.unwrap();
    let mut same = pv("/n/p21", 2);
    same.tier = Tier::Advanced;
    store.put_version(&s, &next(same, 1, None)).await.unwrap();
    assert_eq!(counts(s.clone()).await, TierCounts { standard: 19, advanced: 6 });
    // A refused write changes nothing.
    assert_err(store.put_version(&s, &create(pv("/n/p01", 1))).await, "AlreadyExists");
    assert_err(store.put_version(&s, &next(pv("/n/p01", 3), 2, None)).await, "Conflict");
    assert_eq!(counts(s.clone()).await, TierCounts { standard: 19, advanced: 6 });
    for name in ["/n/p00", "/n/p01", "/n/p24"] {
        store.delete_parameter(&s, name, None, &[]).await.unwrap();
    }
    assert_err(store.delete_parameter(&s, "/n/p00", None, &[]).await, "NotFound");
    assert_eq!(counts(s.clone()).await, TierCounts { standard: 18, advanced: 4 });
    assert_eq!(counts(other).await, TierCounts { standard: 0, advanced: 1 });
}

pub(crate) async fn params_policies_round_trip_and_fall_due_across_scopes(store: Arc<dyn ParamStore>) {
    let (s, other) = (home(), scope("444455556666", "us-east-1"));
    let mut v = pv("/p", 1);
    v.policies = vec![policy(PolicyType::Expiration, PolicyStatus::Pending)];
    store.put_version(&s, &ParameterWrite { policies_due: Some(at(100)), ..create(v.clone()) }).await.unwrap();
    store.put_version(&other, &ParameterWrite { policies_due: Some(at(50)), ..create(pv("/q", 1)) }).await.unwrap();
    store.put_version(&s, &create(pv("/never", 1))).await.unwrap();
    assert_eq!(store.latest(&s, "/p").await.unwrap(), Some(v.clone()), "policies round-trip");
    assert!(store.policies_due(at(49), 10).await.unwrap().is_empty());
    let due = store.policies_due(at(100), 10).await.unwrap();
    assert_eq!(due, vec![(other.clone(), "/q".to_owned()), (s.clone(), "/p".to_owned())], "earliest first");
    assert_eq!(store.policies_due(at(100), 1).await.unwrap().len(), 1, "bounded");

    let done = vec![policy(PolicyType::Expiration, PolicyStatus::Finished)];
    let later = ParameterVersion { version: 2, ..v.clone() };
    assert_err(store.update_policies(&s, "/p", &later, &done, None, &[]).await, "Conflict");
    let gone = ParameterVersion { name: "/gone".into(), ..v.clone() };
    assert_err(store.update_policies(&s, "/gone", &gone, &done, None, &[]).await, "NotFound");
    store.update_policies(&s, "/p", &v, &done, None, &[event(POLICY_ACTION, "/p")]).await.unwrap();
    assert_eq!(store.latest(&s, "/p").await.unwrap().unwrap().policies, done);
    // Regression: a pass that read the policies before they were applied (another node's
    // stale cache, an overlapping pass) applied them again, the version being the same.
    // Counted once every event is readable: on PostgreSQL another test's open transaction can
    // hold back the one just written, which then appeared between the two counts.
    super::events::settled(&store).await;
    let queued = store.events_after(OutboxCursor::START, 100).await.unwrap().len();
    let again = store.update_policies(&s, "/p", &v, &done, None, &[event(POLICY_ACTION, "/p")]).await;
    assert_err(again, "Conflict");
    super::events::settled(&store).await;
    assert_eq!(store.events_after(OutboxCursor::START, 100).await.unwrap().len(), queued, "no event");
    assert_eq!(store.policies_due(at(1000), 10).await.unwrap(), vec![(other, "/q".to_owned())], "no longer due");
    // A new version states its own due instant.
    store.put_version(&s, &ParameterWrite { policies_due: Some(at(7)), ..next(pv("/p", 2), 1, None) }).await.unwrap();
    assert_eq!(store.policies_due(at(7), 1).await.unwrap(), vec![(s, "/p".to_owned())]);
}

pub(crate) async fn params_events_commit_with_their_change_in_order(store: Arc<dyn ParamStore>) {
    let s = home();
    assert!(store.events_after(OutboxCursor::START, 10).await.unwrap().is_empty());
    let first = event(PARAMETER_CHANGE, "/e");
    store.put_version(&s, &ParameterWrite { events: vec![first.clone()], ..create(pv("/e", 1)) }).await.unwrap();
    // A refused write leaves no event behind.
    let refused = ParameterWrite { events: vec![event(PARAMETER_CHANGE, "/e")], ..create(pv("/e", 1)) };
    assert_err(store.put_version(&s, &refused).await, "AlreadyExists");
    let label = event(PARAMETER_CHANGE, "/e");
    store.move_labels(&s, "/e", 1, &["l".into()], std::slice::from_ref(&label)).await.unwrap();
    assert_err(store.delete_parameter(&s, "/e", Some(9), &[event(POLICY_ACTION, "/e")]).await, "Conflict");
    let (gone, expired) = (event(POLICY_ACTION, "/e"), event(PARAMETER_CHANGE, "/e"));
    store.delete_parameter(&s, "/e", Some(1), &[gone.clone(), expired.clone()]).await.unwrap();
    super::events::settled(&store).await;
    let queued = store.events_after(OutboxCursor::START, 10).await.unwrap();
    let got: Vec<&Event> = queued.iter().map(|q| &q.event).collect();
    assert_eq!(got, vec![&first, &label, &gone, &expired], "every field round-trips, in commit order");
    assert!(queued.windows(2).all(|w| w[0].seq < w[1].seq));
    let after_first = store.events_after(queued[0].position, 2).await.unwrap();
    assert_eq!(after_first.iter().map(|q| q.seq).collect::<Vec<_>>(), vec![queued[1].seq, queued[2].seq]);
    store.remove_events_through(queued[1].position).await.unwrap();
    let rest = store.events_after(OutboxCursor::START, 10).await.unwrap();
    assert_eq!(rest.iter().map(|q| q.event.id).collect::<Vec<_>>(), vec![gone.id, expired.id]);
}
