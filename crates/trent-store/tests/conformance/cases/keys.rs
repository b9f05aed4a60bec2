//! Key metadata: round trips, identity, scoping, listing, conditional updates.

use std::sync::Arc;

use trent_core::kms::{KeySpec, KeyState, KeyUsage, MultiRegionKeyType, Origin};
use trent_core::{KeyId, ListedKey, Store};

use super::assert_err;
use crate::conformance::fixtures::{full_key, home, key, kid, material, scope, tag};

pub(crate) async fn key_round_trips_every_field(store: Arc<dyn Store>) {
    let s = home();
    let full = full_key(&s, kid(1));
    let plain = key(&s, kid(2));
    let m = material(0, 0xa1);
    store.insert_key(&full, &m, &[tag("env", "prod")]).await.expect("insert full");
    store.insert_key(&plain, &material(0, 0xb2), &[]).await.expect("insert plain");

    assert_eq!(store.get_key(&s, &kid(1)).await.expect("get"), Some(full));
    assert_eq!(store.get_key(&s, &kid(2)).await.expect("get"), Some(plain));
    assert_eq!(store.get_key(&s, &kid(3)).await.expect("get missing"), None);
    assert_eq!(store.materials(&s, &kid(1)).await.expect("materials"), vec![m]);
    assert_eq!(store.materials(&s, &kid(3)).await.expect("materials of missing"), vec![]);
    assert_eq!(store.list_tags(&s, &kid(1), None, 10).await.expect("tags"), vec![tag("env", "prod")]);
}

/// A multi-Region key's copies: the same id in several regions of one account, found together
/// in region order, each with its role; another account's key of the same id is not one.
pub(crate) async fn key_copies_are_one_id_in_every_region_of_one_account(store: Arc<dyn Store>) {
    let id = KeyId::new_multi_region();
    let mut primary = key(&scope("111122223333", "us-east-1"), id);
    primary.multi_region = Some(MultiRegionKeyType::Primary);
    let mut replica = key(&scope("111122223333", "eu-west-1"), id);
    replica.multi_region = Some(MultiRegionKeyType::Replica);
    let stranger = key(&scope("444455556666", "us-east-1"), id);
    for (k, fill) in [(&primary, 1), (&replica, 2), (&stranger, 3)] {
        store.insert_key(k, &material(0, fill), &[]).await.expect("insert");
    }
    let account = primary.scope.account.clone();
    assert_eq!(store.key_copies(&account, &id).await.expect("copies"), vec![replica.clone(), primary.clone()]);
    assert_eq!(store.get_key(&replica.scope, &id).await.expect("get"), Some(replica));
    assert_eq!(store.key_copies(&account, &kid(9)).await.expect("none"), vec![]);
}

/// A key copy arrives whole: with every backing key in order and its tags, or not at all.
pub(crate) async fn a_key_copy_is_inserted_with_every_backing_key_or_not_at_all(store: Arc<dyn Store>) {
    let id = KeyId::new_multi_region();
    let mut replica = key(&scope("111122223333", "eu-west-1"), id);
    replica.multi_region = Some(MultiRegionKeyType::Replica);
    let (first, later) = (material(0, 1), vec![material(1, 2), material(2, 3)]);
    store.insert_key_copy(&replica, &first, &later, &[tag("copy", "west")]).await.expect("insert copy");
    assert_eq!(store.get_key(&replica.scope, &id).await.expect("get"), Some(replica.clone()));
    let stored = store.materials(&replica.scope, &id).await.expect("materials");
    assert_eq!(stored, vec![first.clone(), later[0].clone(), later[1].clone()]);
    assert_eq!(store.list_tags(&replica.scope, &id, None, 10).await.expect("tags"), vec![tag("copy", "west")]);
    assert_err(store.insert_key_copy(&replica, &material(0, 9), &[], &[]).await, "AlreadyExists");
    assert_eq!(store.materials(&replica.scope, &id).await.expect("materials").len(), 3);
    // A duplicate backing key in the middle fails the whole copy: no key row is left behind.
    let other = key(&scope("111122223333", "ap-south-1"), id);
    let r = store.insert_key_copy(&other, &first, &[material(1, 2), material(1, 4)], &[tag("k", "v")]).await;
    assert!(r.is_err(), "a duplicate backing key: {r:?}");
    assert_eq!(store.get_key(&other.scope, &id).await.expect("get"), None);
    assert_eq!(store.materials(&other.scope, &id).await.expect("materials"), vec![]);
    assert_eq!(store.list_tags(&other.scope, &id, None, 10).await.expect("tags"), vec![]);
}

/// Several copies change together or not at all: one stale revision refuses every change.
pub(crate) async fn update_keys_changes_every_copy_or_none(store: Arc<dyn Store>) {
    let id = KeyId::new_multi_region();
    let mut east = key(&scope("111122223333", "us-east-1"), id);
    east.multi_region = Some(MultiRegionKeyType::Primary);
    let mut west = key(&scope("111122223333", "eu-west-1"), id);
    west.multi_region = Some(MultiRegionKeyType::Replica);
    store.insert_key(&east, &material(0, 1), &[]).await.expect("insert east");
    store.insert_key(&west, &material(0, 1), &[]).await.expect("insert west");
    let swapped = |k: &trent_core::kms::KeyRecord, role| {
        let mut k = k.clone();
        k.multi_region = Some(role);
        k.revision += 1;
        k
    };
    let (east2, west2) = (swapped(&east, MultiRegionKeyType::Replica), swapped(&west, MultiRegionKeyType::Primary));
    let stale = store.update_keys(&[(west2.clone(), west.revision), (east2.clone(), east.revision + 5)]).await;
    assert_err(stale, "Conflict");
    assert_eq!(store.get_key(&west.scope, &id).await.expect("get"), Some(west.clone()), "the first change undone");
    let gone = key(&scope("111122223333", "ap-south-1"), id);
    assert_err(store.update_keys(&[(west2.clone(), west.revision), (gone, 1)]).await, "NotFound");
    assert_eq!(store.get_key(&west.scope, &id).await.expect("get"), Some(west.clone()));
    store.update_keys(&[(west2.clone(), west.revision), (east2.clone(), east.revision)]).await.expect("swap");
    assert_eq!(store.key_copies(&east.scope.account, &id).await.expect("copies"), vec![west2, east2]);
    store.update_keys(&[]).await.expect("nothing to change");
}

pub(crate) async fn every_enum_value_round_trips(store: Arc<dyn Store>) {
    let s = home();
    let mut n = 0u8;
    let mut expected = Vec::new();
    for (i, &spec) in KeySpec::ALL.iter().enumerate() {
        let mut k = key(&s, kid(n));
        k.spec = spec;
        k.usage = KeyUsage::ALL[i % KeyUsage::ALL.len()];
        k.state = KeyState::ALL[i % KeyState::ALL.len()];
        k.origin = Origin::ALL[i % Origin::ALL.len()];
        expected.push(k);
        n += 1;
    }
    // Make sure every state and origin appears even if there were fewer specs than them.
    for (i, &state) in KeyState::ALL.iter().enumerate() {
        let mut k = key(&s, kid(n));
        k.state = state;
        k.origin = Origin::ALL[i % Origin::ALL.len()];
        expected.push(k);
        n += 1;
    }
    for (i, k) in expected.iter().enumerate() {
        store.insert_key(k, &material(i as u32 % 3, i as u8), &[]).await.expect("insert");
    }
    let listed = store.list_key_ids(&s, None, 1000).await.expect("list");
    assert_eq!(ids(listed), expected.iter().map(|k| k.key_id).collect::<Vec<_>>());
    for k in &expected {
        assert_eq!(store.get_key(&s, &k.key_id).await.expect("get").as_ref(), Some(k), "key {}", k.key_id);
    }
    for (i, _) in expected.iter().enumerate() {
        let got = store.materials(&s, &kid(i as u8)).await.expect("materials");
        assert_eq!(got, vec![material(i as u32 % 3, i as u8)], "rotation type of material {i}");
    }
}

pub(crate) async fn duplicate_key_is_already_exists_and_changes_nothing(store: Arc<dyn Store>) {
    let s = home();
    let original = key(&s, kid(1));
    store.insert_key(&original, &material(0, 1), &[tag("a", "1")]).await.expect("insert");

    let mut again = key(&s, kid(1));
    again.description = "impostor".to_owned();
    assert_err(store.insert_key(&again, &material(0, 2), &[tag("a", "2"), tag("b", "3")]).await, "AlreadyExists");

    assert_eq!(store.get_key(&s, &kid(1)).await.expect("get"), Some(original));
    assert_eq!(store.materials(&s, &kid(1)).await.expect("materials"), vec![material(0, 1)]);
    assert_eq!(store.list_tags(&s, &kid(1), None, 10).await.expect("tags"), vec![tag("a", "1")]);
}

pub(crate) async fn same_key_id_in_two_scopes_is_two_keys(store: Arc<dyn Store>) {
    let scopes = [home(), scope("111122223333", "us-east-1"), scope("444455556666", "eu-west-1")];
    for (i, s) in scopes.iter().enumerate() {
        let mut k = key(s, kid(7));
        k.description = format!("copy {i}");
        store.insert_key(&k, &material(0, i as u8), &[tag("copy", &i.to_string())]).await.expect("insert");
    }
    for (i, s) in scopes.iter().enumerate() {
        let got = store.get_key(s, &kid(7)).await.expect("get").expect("present");
        assert_eq!((got.scope, got.description), (s.clone(), format!("copy {i}")));
        assert_eq!(store.materials(s, &kid(7)).await.expect("materials"), vec![material(0, i as u8)]);
        assert_eq!(store.list_key_ids(s, None, 10).await.expect("list").len(), 1);
    }

    let mut changed = key(&scopes[1], kid(7));
    changed.description = "changed".to_owned();
    changed.revision = 2;
    store.update_key(&changed, 1).await.expect("update one scope");
    store.delete_key(&scopes[2], &kid(7)).await.expect("delete another");

    let first = store.get_key(&scopes[0], &kid(7)).await.expect("get").expect("untouched");
    assert_eq!((first.description.as_str(), first.revision), ("copy 0", 1));
    assert_eq!(store.get_key(&scopes[1], &kid(7)).await.expect("get"), Some(changed));
    assert_eq!(store.get_key(&scopes[2], &kid(7)).await.expect("get"), None);
    assert_eq!(store.list_tags(&scopes[0], &kid(7), None, 10).await.expect("tags"), vec![tag("copy", "0")]);
    assert_eq!(store.materials(&scopes[0], &kid(7)).await.expect("materials").len(), 1);
}

/// The ids of a listing, without their positions.
fn ids(listed: Vec<ListedKey>) -> Vec<KeyId> {
    listed.into_iter().map(|k| k.key_id).collect()
}

pub(crate) async fn list_keys_in_the_order_stored_and_pages_by_position(store: Arc<dyn Store>) {
    let s = home();
    // Stored out of id order, with neighbours in other scopes in between that must never
    // appear (nor move this scope's positions out of order).
    let order = [5, 1, 4, 2, 3];
    for (i, n) in order.into_iter().enumerate() {
        store.insert_key(&key(&s, kid(n)), &material(0, n), &[]).await.expect("insert");
        let other = if i % 2 == 0 { scope("111122223333", "us-east-1") } else { scope("999999999999", "eu-west-1") };
        store.insert_key(&key(&other, kid(10 + n)), &material(0, 0), &[]).await.expect("insert a neighbour");
    }
    let stored: Vec<KeyId> = order.into_iter().map(kid).collect();

    let all = store.list_key_ids(&s, None, 100).await.expect("all");
    assert_eq!(ids(all.clone()), stored, "listed in the order stored, not by id");
    assert!(all.windows(2).all(|w| w[0].position < w[1].position), "positions increase: {all:?}");

    let page1 = store.list_key_ids(&s, None, 2).await.expect("page 1");
    assert_eq!(ids(page1.clone()), stored[..2]);
    let page2 = store.list_key_ids(&s, Some(page1[1].position), 2).await.expect("page 2");
    assert_eq!(ids(page2.clone()), stored[2..4]);
    let page3 = store.list_key_ids(&s, Some(page2[1].position), 2).await.expect("page 3");
    assert_eq!(ids(page3.clone()), stored[4..]);
    assert_eq!(store.list_key_ids(&s, Some(page3[0].position), 2).await.expect("past the end"), vec![]);
    assert_eq!(store.list_key_ids(&s, Some(u64::MAX), 2).await.expect("past any position"), vec![]);
    // `after` need not be a listed position: strictly after it.
    assert_eq!(ids(store.list_key_ids(&s, Some(0), 1).await.expect("before all")), stored[..1]);
    assert_eq!(store.list_key_ids(&s, None, 0).await.expect("limit 0"), vec![]);
    assert_eq!(store.list_key_ids(&scope("222222222222", "eu-west-1"), None, 10).await.expect("empty"), vec![]);

    // A key deleted from the middle leaves the others' order and positions as they were; a
    // key stored after lists last, past every earlier position.
    store.delete_key(&s, &kid(4)).await.expect("delete");
    store.insert_key(&key(&s, kid(0)), &material(0, 0), &[]).await.expect("insert a later key");
    let after = store.list_key_ids(&s, None, 100).await.expect("after the changes");
    assert_eq!(ids(after.clone()), vec![kid(5), kid(1), kid(2), kid(3), kid(0)]);
    assert_eq!(&after[..4], &[all[0], all[1], all[3], all[4]]);
    assert!(after[4].position > all[4].position);
}

pub(crate) async fn update_key_is_conditional_on_revision(store: Arc<dyn Store>) {
    let s = home();
    store.insert_key(&key(&s, kid(1)), &material(0, 1), &[]).await.expect("insert");

    let mut v2 = full_key(&s, kid(1));
    v2.revision = 2;
    store.update_key(&v2, 1).await.expect("update at revision 1");
    assert_eq!(store.get_key(&s, &kid(1)).await.expect("get"), Some(v2.clone()));

    let mut stale = key(&s, kid(1));
    stale.description = "lost update".to_owned();
    stale.revision = 2;
    assert_err(store.update_key(&stale, 1).await, "Conflict");
    assert_err(store.update_key(&stale, 3).await, "Conflict");
    assert_err(store.update_key(&stale, u64::MAX).await, "Conflict");
    assert_eq!(store.get_key(&s, &kid(1)).await.expect("get"), Some(v2.clone()));

    let mut v3 = v2.clone();
    v3.deletion_date = None;
    v3.pending_window_days = None;
    v3.rotation.next_rotation = None;
    v3.state = KeyState::Disabled;
    v3.revision = 3;
    store.update_key(&v3, 2).await.expect("update clearing optional fields");
    assert_eq!(store.get_key(&s, &kid(1)).await.expect("get"), Some(v3));

    assert_err(store.update_key(&key(&s, kid(9)), 0).await, "NotFound");
    assert_err(store.update_key(&key(&scope("111122223333", "us-east-1"), kid(1)), 3).await, "NotFound");
    assert_eq!(store.get_key(&s, &kid(9)).await.expect("get"), None, "update must not insert");
}

pub(crate) async fn concurrent_updates_let_exactly_one_win(store: Arc<dyn Store>) {
    let s = home();
    store.insert_key(&key(&s, kid(1)), &material(0, 1), &[]).await.expect("insert");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8u8 {
        let store = store.clone();
        let mut k = key(&s, kid(1));
        k.description = format!("writer {i}");
        k.revision = 2;
        tasks.spawn(async move { (i, store.update_key(&k, 1).await) });
    }
    let mut winners = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (i, result) = joined.expect("task");
        match result {
            Ok(()) => winners.push(i),
            other => assert_err(other, "Conflict"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let got = store.get_key(&s, &kid(1)).await.expect("get").expect("present");
    assert_eq!((got.description, got.revision), (format!("writer {}", winners[0]), 2));
}
