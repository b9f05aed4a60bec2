//! Secrets Manager secrets and their versions.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use time::OffsetDateTime;
use trent_core::events::{Event, OutboxCursor, SERVICE_EVENT_VIA_CLOUDTRAIL, SOURCE_SECRETS_MANAGER};
use trent_core::secrets::{
    CrossAccountFailure, CrossAccountPrimary, CrossAccountReplica, CrossAccountStatus, ReplicaFailure, ReplicaRecord,
    ReplicationStatus, SecretRecord, ValueKind, VersionRecord,
};
use trent_core::store::SecretChange;
use trent_core::{ParamStore, Scope, Store};

use super::assert_err;
use crate::conformance::fixtures::{at, home, scope, tag};

fn secret(s: &Scope, name: &str, created: OffsetDateTime) -> SecretRecord {
    SecretRecord {
        scope: s.clone(),
        name: name.to_owned(),
        suffix: "AbC123".to_owned(),
        description: None,
        kms_key_id: None,
        created_at: created,
        last_changed_at: created,
        last_accessed_at: None,
        deleted_at: None,
        deletion_date: None,
        tags: vec![],
        policy: None,
        labels: BTreeMap::new(),
        revision: 1,
        rotation: None,
        primary_region: None,
        replicas: Vec::new(),
        cross_account_replica: None,
        cross_account_primary: None,
    }
}

fn version(id: &str, created: OffsetDateTime, fill: u8) -> VersionRecord {
    VersionRecord {
        version_id: id.to_owned(),
        created_at: created,
        kind: ValueKind::Binary,
        key_arn: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".to_owned(),
        wrapped_key: vec![fill; 40],
        ciphertext: vec![fill.wrapping_add(1); 29],
    }
}

fn labelled(mut s: SecretRecord, label: &str, version: &str) -> SecretRecord {
    s.labels.insert(label.to_owned(), version.to_owned());
    s
}

pub(crate) async fn secret_round_trips_every_field(store: Arc<dyn Store>) {
    let s = home();
    let mut full = labelled(secret(&s, "prod/db-credentials", at(10)), "AWSCURRENT", "v1");
    full.labels.insert("Custom".into(), "v1".into());
    full.description = Some("the database".into());
    full.kms_key_id = Some("alias/app".into());
    full.last_changed_at = at(20);
    full.last_accessed_at = Some(at(86_400));
    full.tags = vec![tag("z", "last"), tag("a", "")];
    full.policy = Some("{\"Version\":\"2012-10-17\",\"Statement\":[]}".into());
    full.revision = 7;
    full.rotation = Some(trent_core::secrets::RotationState {
        enabled: true,
        lambda_arn: "arn:aws:lambda:us-east-1:111122223333:function:trent-postgresql-single-user".into(),
        rules: Some(trent_core::secrets::RotationRulesRecord {
            automatically_after_days: Some(30),
            schedule_expression: None,
            duration: Some("3h".into()),
        }),
        configured_at: at(10),
        last_rotated_at: Some(at(15)),
        pending: Some(trent_core::secrets::PendingRotation {
            token: "0123456789abcdef0123456789abcdef".into(),
            next_step: trent_core::secrets::RotationStep::SetSecret,
            started_at: at(16),
            failures: 1,
            failed_step: Some(trent_core::secrets::RotationStep::TestSecret),
            retry_at: Some(at(17)),
        }),
    });
    let v1 = version("v1", at(10), 1);
    store.insert_secret(&full, Some(&v1)).await.expect("insert");
    assert_eq!(store.get_secret(&s, "prod/db-credentials").await.expect("get"), Some(full.clone()));
    assert_eq!(store.get_secret(&s, "prod/DB-credentials").await.expect("get"), None, "names are case-sensitive");
    assert_eq!(store.get_version(&s, &full.name, "v1").await.expect("version"), Some(v1.clone()));
    assert_eq!(store.get_version(&s, &full.name, "v2").await.expect("version"), None);

    let mut string = version("v2", at(11), 2);
    string.kind = ValueKind::String;
    let mut deleted = secret(&s, "empty", at(5));
    deleted.deleted_at = Some(at(6));
    deleted.deletion_date = Some(at(7));
    store.insert_secret(&deleted, None).await.expect("a secret without a version");
    assert_eq!(store.get_secret(&s, "empty").await.expect("get"), Some(deleted));
    let rotating = store.rotating_secrets().await.expect("rotating");
    assert!(rotating.contains(&(s.clone(), full.name.clone())), "a secret with rotation is listed");
    assert!(!rotating.iter().any(|(_, n)| n == "empty"), "a secret without rotation is not");
    assert_eq!(store.versions(&s, "empty").await.expect("versions"), vec![]);
}

pub(crate) async fn duplicate_secret_name_is_already_exists_per_scope(store: Arc<dyn Store>) {
    let s = home();
    store.insert_secret(&secret(&s, "app", at(0)), None).await.expect("insert");
    let mut other = secret(&s, "app", at(9));
    other.suffix = "Zzz999".into();
    assert_err(store.insert_secret(&other, Some(&version("v", at(9), 3))).await, "AlreadyExists");
    assert_eq!(store.get_secret(&s, "app").await.expect("get").expect("kept").suffix, "AbC123");
    assert_eq!(store.versions(&s, "app").await.expect("versions"), vec![], "the refused insert wrote nothing");
    let west = scope("111122223333", "us-west-2");
    store.insert_secret(&secret(&west, "app", at(0)), None).await.expect("same name, other region");
    let other_account = scope("444455556666", "us-east-1");
    store.insert_secret(&secret(&other_account, "app", at(0)), None).await.expect("same name, other account");
    let names: Vec<String> = store.list_secrets(&s).await.expect("list").into_iter().map(|x| x.name).collect();
    assert_eq!(names, vec!["app".to_owned()]);
}

pub(crate) async fn secret_updates_are_conditional_and_carry_versions(store: Arc<dyn Store>) {
    let s = home();
    let first = labelled(secret(&s, "app", at(0)), "AWSCURRENT", "v1");
    store.insert_secret(&first, Some(&version("v1", at(0), 1))).await.expect("insert");

    let mut second = labelled(first.clone(), "AWSCURRENT", "v2");
    second.labels.insert("AWSPREVIOUS".into(), "v1".into());
    second.revision = 2;
    let v2 = version("v2", at(5), 2);
    let change = SecretChange {
        secret: &second,
        expected_revision: 1,
        new_version: Some(&v2),
        pruned: &[],
        upserted: &[],
        events: &[],
    };
    store.update_secret(change).await.expect("update");
    assert_eq!(store.get_secret(&s, "app").await.expect("get"), Some(second.clone()));
    let ids: Vec<String> =
        store.versions(&s, "app").await.expect("versions").into_iter().map(|v| v.version_id).collect();
    assert_eq!(ids, vec!["v1".to_owned(), "v2".to_owned()], "oldest first");

    // A stale revision changes nothing, not even the version it carries.
    let mut stale = second.clone();
    stale.description = Some("stale".into());
    stale.revision = 3;
    let v3 = version("v3", at(6), 3);
    let change = SecretChange {
        secret: &stale,
        expected_revision: 1,
        new_version: Some(&v3),
        pruned: &[],
        upserted: &[],
        events: &[],
    };
    assert_err(store.update_secret(change).await, "Conflict");
    assert_eq!(store.get_secret(&s, "app").await.expect("get"), Some(second.clone()));
    assert_eq!(store.get_version(&s, "app", "v3").await.expect("get"), None);

    // A version id taken is refused and the metadata stays.
    let change = SecretChange {
        secret: &stale,
        expected_revision: 2,
        new_version: Some(&v2),
        pruned: &[],
        upserted: &[],
        events: &[],
    };
    assert_err(store.update_secret(change).await, "AlreadyExists");
    assert_eq!(store.get_secret(&s, "app").await.expect("get"), Some(second.clone()));

    // Pruning removes the named versions in the same write.
    let mut third = second.clone();
    third.labels.remove("AWSPREVIOUS");
    third.revision = 3;
    let pruned = ["v1".to_owned()];
    let change = SecretChange {
        secret: &third,
        expected_revision: 2,
        new_version: Some(&v3),
        pruned: &pruned,
        upserted: &[],
        events: &[],
    };
    store.update_secret(change).await.expect("update with pruning");
    let ids: Vec<String> =
        store.versions(&s, "app").await.expect("versions").into_iter().map(|v| v.version_id).collect();
    assert_eq!(ids, vec!["v2".to_owned(), "v3".to_owned()]);

    let ghost = secret(&s, "ghost", at(0));
    let change = SecretChange {
        secret: &ghost,
        expected_revision: 1,
        new_version: None,
        pruned: &[],
        upserted: &[],
        events: &[],
    };
    assert_err(store.update_secret(change).await, "NotFound");

    store.touch_secret(&s, "app", at(86_400)).await.expect("touch");
    let touched = store.get_secret(&s, "app").await.expect("get").expect("present");
    assert_eq!(touched.last_accessed_at, Some(at(86_400)));
    assert_eq!(touched.revision, 3, "recording an access is not a change");
}

pub(crate) async fn delete_secret_removes_its_versions_and_due_lists_deletions(store: Arc<dyn Store>) {
    let s = home();
    let west = scope("111122223333", "us-west-2");
    let mut due = secret(&s, "due", at(0));
    due.deleted_at = Some(at(10));
    due.deletion_date = Some(at(100));
    let mut later = secret(&west, "later", at(0));
    later.deleted_at = Some(at(10));
    later.deletion_date = Some(at(200));
    store.insert_secret(&due, Some(&version("v1", at(0), 1))).await.expect("insert");
    store.insert_secret(&later, None).await.expect("insert");
    store.insert_secret(&secret(&s, "live", at(0)), None).await.expect("insert");
    assert_eq!(store.secrets_due(at(99)).await.expect("due"), vec![]);
    assert_eq!(store.secrets_due(at(100)).await.expect("due"), vec![(s.clone(), "due".to_owned())]);
    assert_eq!(store.secrets_due(at(500)).await.expect("due").len(), 2);

    store.delete_secret(&s, "due", None).await.expect("delete");
    assert_eq!(store.get_secret(&s, "due").await.expect("get"), None);
    assert_eq!(store.get_version(&s, "due", "v1").await.expect("get"), None, "versions go with the secret");
    assert_err(store.delete_secret(&s, "due", None).await, "NotFound");
    // A new secret of the same name starts with no versions.
    store.insert_secret(&secret(&s, "due", at(600)), None).await.expect("recreate");
    assert_eq!(store.versions(&s, "due").await.expect("versions"), vec![]);
    assert!(store.get_secret(&s, "live").await.expect("get").is_some());
}

/// Guards against a purge decided on a stale read: a forced `DeleteSecret` or the end of a
/// recovery window must not remove a secret another writer changed (restored, replicated)
/// after the purge read it.
pub(crate) async fn delete_secret_is_conditional_on_the_revision_it_is_given(store: Arc<dyn Store>) {
    let s = home();
    let mut scheduled = secret(&s, "app", at(0));
    scheduled.deleted_at = Some(at(10));
    scheduled.deletion_date = Some(at(100));
    store.insert_secret(&scheduled, Some(&version("v1", at(0), 1))).await.expect("insert");
    store.insert_secret(&secret(&s, "other", at(0)), None).await.expect("insert");
    // Another writer restores it: revision 2.
    let mut restored = scheduled.clone();
    restored.deleted_at = None;
    restored.deletion_date = None;
    rewrite(&store, &scheduled, &mut restored).await;
    assert_eq!(restored.revision, 2);

    // A purge that read revision 1 removes nothing.
    assert_err(store.delete_secret(&s, "app", Some(1)).await, "Conflict");
    assert_err(store.delete_secret(&s, "app", Some(3)).await, "Conflict");
    assert_eq!(store.get_secret(&s, "app").await.expect("get"), Some(restored.clone()));
    assert!(store.get_version(&s, "app", "v1").await.expect("get").is_some(), "its versions stay");

    // At the stored revision it removes the secret and its versions, and nothing else.
    store.delete_secret(&s, "app", Some(2)).await.expect("delete at the current revision");
    assert_eq!(store.get_secret(&s, "app").await.expect("get"), None);
    assert_eq!(store.get_version(&s, "app", "v1").await.expect("get"), None);
    assert!(store.get_secret(&s, "other").await.expect("get").is_some());
    // Gone is NotFound, whatever the revision asked for.
    assert_err(store.delete_secret(&s, "app", Some(2)).await, "NotFound");
    assert_err(store.delete_secret(&s, "missing", Some(1)).await, "NotFound");
}

fn replica(region: &str, status: ReplicationStatus, retry_at: Option<OffsetDateTime>) -> ReplicaRecord {
    let failed = status == ReplicationStatus::Failed;
    ReplicaRecord {
        region: trent_core::Region::parse(region).expect("a region"),
        kms_key_id: None,
        status,
        failure: failed.then_some(ReplicaFailure::KmsKey),
        failures: u32::from(failed),
        retry_at,
    }
}

/// Writes `next` over `current` (its revision plus one).
async fn rewrite(store: &Arc<dyn Store>, current: &SecretRecord, next: &mut SecretRecord) {
    next.revision = current.revision + 1;
    let change = SecretChange {
        secret: next,
        expected_revision: current.revision,
        new_version: None,
        pruned: &[],
        upserted: &[],
        events: &[],
    };
    store.update_secret(change).await.expect("update");
}

pub(crate) async fn replicas_round_trip_and_failed_ones_are_listed(store: Arc<dyn Store>) {
    let s = home();
    let mut failing = secret(&s, "failing", at(0));
    let mut failed = replica("eu-west-1", ReplicationStatus::Failed, Some(at(240)));
    failed.kms_key_id = Some("alias/west".into());
    failed.failures = 3;
    failing.replicas = vec![replica("us-west-2", ReplicationStatus::InSync, None), failed];
    store.insert_secret(&failing, None).await.expect("insert");
    let mut synced = secret(&s, "synced", at(0));
    synced.replicas = vec![replica("eu-west-1", ReplicationStatus::InSync, None)];
    store.insert_secret(&synced, None).await.expect("insert");
    store.insert_secret(&secret(&s, "alone", at(0)), None).await.expect("insert");
    assert_eq!(store.get_secret(&s, "failing").await.expect("get"), Some(failing.clone()), "every field back");
    assert_eq!(store.get_secret(&s, "synced").await.expect("get"), Some(synced.clone()));
    let listed = store.secrets_with_replicas_due(at(1000)).await.expect("due replicas");
    assert_eq!(listed, vec![(s.clone(), "failing".to_owned())]);

    // Back in sync: no longer listed.
    let mut next = failing.clone();
    next.replicas[1] = replica("eu-west-1", ReplicationStatus::InSync, None);
    rewrite(&store, &failing, &mut next).await;
    assert_eq!(store.secrets_with_replicas_due(at(1000)).await.expect("due replicas"), vec![]);
}

/// Both ends of a cross-account link read back as written: a primary's replica (with and
/// without a role) and a replica's primary, through every status, and unlinked again.
pub(crate) async fn cross_account_links_round_trip(store: Arc<dyn Store>) {
    let (s, other) = (home(), scope("444455556666", "us-east-1"));
    let mut primary = secret(&s, "primary", at(0));
    primary.cross_account_replica = Some(CrossAccountReplica {
        arn: "arn:aws:secretsmanager:us-east-1:444455556666:secret:replica-XyZ789".into(),
        role_arn: Some("arn:aws:iam::111122223333:role/replicator".into()),
        status: CrossAccountStatus::InSync,
        failure: None,
    });
    store.insert_secret(&primary, None).await.expect("insert the primary");
    let mut replica = secret(&other, "replica", at(0));
    replica.cross_account_primary = Some(CrossAccountPrimary {
        arn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:primary-AbC123".into(),
        status: CrossAccountStatus::Pending,
        failure: None,
    });
    store.insert_secret(&replica, None).await.expect("insert the replica");
    assert_eq!(store.get_secret(&s, "primary").await.expect("get"), Some(primary.clone()));
    assert_eq!(store.get_secret(&other, "replica").await.expect("get"), Some(replica.clone()));

    for (status, failure) in [
        (CrossAccountStatus::InProgress, None),
        (CrossAccountStatus::Failed, Some(CrossAccountFailure::ReplicaAccess)),
        (CrossAccountStatus::Failed, Some(CrossAccountFailure::PrimaryKey)),
        (CrossAccountStatus::Failed, Some(CrossAccountFailure::ReplicaKey)),
        (CrossAccountStatus::Failed, Some(CrossAccountFailure::ReplicationRole)),
        (CrossAccountStatus::Failed, Some(CrossAccountFailure::ReplicationRoleTrust)),
        (CrossAccountStatus::Detached, None),
    ] {
        let current = store.get_secret(&other, "replica").await.expect("get").expect("kept");
        let mut next = current.clone();
        let link = next.cross_account_primary.as_mut().expect("linked");
        (link.status, link.failure) = (status, failure);
        rewrite(&store, &current, &mut next).await;
        assert_eq!(store.get_secret(&other, "replica").await.expect("get"), Some(next), "{status:?} {failure:?}");
    }
    let mut failed = primary.clone();
    let link = failed.cross_account_replica.as_mut().expect("linked");
    (link.status, link.failure) = (CrossAccountStatus::Failed, Some(CrossAccountFailure::ReplicaKey));
    rewrite(&store, &primary, &mut failed).await;
    assert_eq!(store.get_secret(&s, "primary").await.expect("get"), Some(failed.clone()), "the primary's failure");
    let primary = store.get_secret(&s, "primary").await.expect("get").expect("kept");
    let mut next = primary.clone();
    next.cross_account_replica.as_mut().expect("linked").role_arn = None;
    rewrite(&store, &primary, &mut next).await;
    assert_eq!(store.get_secret(&s, "primary").await.expect("get"), Some(next.clone()), "no role");
    let mut unlinked = next.clone();
    unlinked.cross_account_replica = None;
    rewrite(&store, &next, &mut unlinked).await;
    assert_eq!(store.get_secret(&s, "primary").await.expect("get"), Some(unlinked), "unlinked");
}

/// The scheduler's lookup of failed replicas: a primary is listed once the earliest retry time
/// of its `Failed` replicas has come (at once for one without a retry time), in any scope; the
/// time follows every write of the replicas, and goes with the secret.
pub(crate) async fn replicas_due_are_listed_by_their_earliest_retry_time(store: Arc<dyn Store>) {
    let (s, west) = (home(), scope("444455556666", "eu-west-1"));
    let due = |t: i64| {
        let store = store.clone();
        async move {
            let mut names: Vec<String> =
                store.secrets_with_replicas_due(at(t)).await.expect("due").into_iter().map(|(_, n)| n).collect();
            names.sort();
            names
        }
    };
    let mut two = secret(&s, "two", at(0));
    two.replicas = vec![
        replica("eu-west-1", ReplicationStatus::Failed, Some(at(300))),
        replica("us-west-2", ReplicationStatus::Failed, Some(at(120))),
        replica("ap-south-1", ReplicationStatus::InSync, None),
    ];
    store.insert_secret(&two, None).await.expect("insert");
    let mut elsewhere = secret(&west, "elsewhere", at(0));
    elsewhere.replicas = vec![replica("us-east-1", ReplicationStatus::Failed, Some(at(200)))];
    store.insert_secret(&elsewhere, None).await.expect("insert");
    let mut untimed = secret(&s, "untimed", at(0));
    untimed.replicas = vec![replica("eu-west-1", ReplicationStatus::Failed, None)];
    store.insert_secret(&untimed, None).await.expect("insert");
    let mut in_progress = secret(&s, "in-progress", at(0));
    in_progress.replicas = vec![replica("eu-west-1", ReplicationStatus::InProgress, None)];
    store.insert_secret(&in_progress, None).await.expect("insert");

    assert_eq!(due(0).await, ["untimed"], "a Failed replica without a retry time is due at once");
    assert_eq!(due(119).await, ["untimed"]);
    assert_eq!(due(120).await, ["two", "untimed"], "the earliest of its failed replicas counts");
    assert_eq!(due(200).await, ["elsewhere", "two", "untimed"], "every scope");
    let listed = store.secrets_with_replicas_due(at(200)).await.expect("due");
    assert!(listed.contains(&(west.clone(), "elsewhere".to_owned())), "{listed:?}");

    // A write of the replicas moves the time: the early one in sync, the other one later.
    let mut next = two.clone();
    next.replicas[1] = replica("us-west-2", ReplicationStatus::InSync, None);
    next.replicas[0].retry_at = Some(at(900));
    rewrite(&store, &two, &mut next).await;
    assert_eq!(due(899).await, ["elsewhere", "untimed"]);
    assert_eq!(due(900).await, ["elsewhere", "two", "untimed"]);
    // A write of anything else keeps it.
    let mut described = next.clone();
    described.description = Some("still failing".into());
    rewrite(&store, &next, &mut described).await;
    assert_eq!(due(900).await, ["elsewhere", "two", "untimed"]);
    store.touch_secret(&s, "two", at(1000)).await.expect("touch");
    assert_eq!(due(900).await, ["elsewhere", "two", "untimed"]);

    // Deleted with its secret.
    store.delete_secret(&west, "elsewhere", None).await.expect("delete");
    assert_eq!(due(10_000).await, ["two", "untimed"]);
}

pub(crate) async fn wipe_removes_secrets_and_versions(store: Arc<dyn Store>) {
    let s = home();
    store.insert_secret(&secret(&s, "app", at(0)), Some(&version("v1", at(0), 1))).await.expect("insert");
    store.wipe().await.expect("wipe");
    assert_eq!(store.list_secrets(&s).await.expect("list"), vec![]);
    assert_eq!(store.get_version(&s, "app", "v1").await.expect("get"), None);
    store.insert_secret(&secret(&s, "app", at(0)), Some(&version("v1", at(0), 1))).await.expect("again");
}

/// Upserted versions replace the stored version of the same id (a version encrypted again
/// under another key) or are added, in the secret's transaction; a stale revision writes none.
pub(crate) async fn upserted_versions_replace_or_add_under_the_revision(store: Arc<dyn Store>) {
    let s = home();
    let first = labelled(secret(&s, "rekeyed", at(0)), "AWSCURRENT", "v1");
    store.insert_secret(&first, Some(&version("v1", at(0), 1))).await.expect("insert");
    let (again, added) = (version("v1", at(0), 7), version("v9", at(3), 9));
    let upserted = [again.clone(), added.clone()];
    let stale = SecretChange {
        secret: &first,
        expected_revision: 5,
        new_version: None,
        pruned: &[],
        upserted: &upserted,
        events: &[],
    };
    assert_err(store.update_secret(stale).await, "Conflict");
    assert_eq!(store.versions(&s, "rekeyed").await.expect("versions"), vec![version("v1", at(0), 1)]);
    let mut next = first.clone();
    next.revision = 2;
    let change = SecretChange {
        secret: &next,
        expected_revision: 1,
        new_version: None,
        pruned: &[],
        upserted: &upserted,
        events: &[],
    };
    store.update_secret(change).await.expect("upsert");
    assert_eq!(store.versions(&s, "rekeyed").await.expect("versions"), vec![again, added]);
    assert_eq!(store.get_secret(&s, "rekeyed").await.expect("get"), Some(next));
}

/// A secret change's events (a rotation's result) go to the outbox in its transaction: a
/// refused change leaves none behind, an applied one's read back whole.
pub(crate) async fn secret_changes_commit_their_events<S: Store + ParamStore + 'static>(store: Arc<S>) {
    let s = home();
    let first = labelled(secret(&s, "app", at(0)), "AWSCURRENT", "v1");
    store.insert_secret(&first, None).await.expect("insert");
    let event = |name: &str| {
        let detail = json!({ "eventName": name, "additionalEventData": { "SecretId": "arn:app" } });
        Event::new(at(1), s.clone(), SOURCE_SECRETS_MANAGER, SERVICE_EVENT_VIA_CLOUDTRAIL, "arn:app".into(), detail)
    };
    let mut next = first.clone();
    next.revision = 2;
    next.description = Some("rotated".into());
    let refused = [event("RotationFailed")];
    let change = |expected_revision, events| SecretChange {
        secret: &next,
        expected_revision,
        new_version: None,
        pruned: &[],
        upserted: &[],
        events,
    };
    assert_err(store.update_secret(change(7, &refused)).await, "Conflict");
    let succeeded = [event("RotationSucceeded")];
    store.update_secret(change(1, &succeeded)).await.expect("update");
    let params: Arc<dyn ParamStore> = store.clone();
    super::events::settled(&params).await;
    let queued = store.events_after(OutboxCursor::START, 10).await.expect("read");
    assert_eq!(queued.into_iter().map(|q| q.event).collect::<Vec<_>>(), succeeded.to_vec(), "only the applied one");
}
