//! Custom key stores: every field round-trips, names and clusters are unique per account and
//! region, updates are conditional on the revision, deletion removes one store.

use std::sync::Arc;

use trent_core::Store;
use trent_core::kms::CustomKeyStoreRecord;

use super::assert_err;
use crate::conformance::fixtures::{at, home, scope};

fn cks(scope: &trent_core::Scope, id: &str, name: &str, cluster: &str) -> CustomKeyStoreRecord {
    CustomKeyStoreRecord {
        scope: scope.clone(),
        id: id.to_owned(),
        name: name.to_owned(),
        cluster_id: cluster.to_owned(),
        trust_anchor: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".to_owned(),
        wrapped_password: vec![7, 0, 255, 3],
        connect: false,
        created_at: at(1_700_000_000),
        revision: 1,
    }
}

pub(crate) async fn custom_key_stores_round_trip_and_are_unique_per_scope(store: Arc<dyn Store>) {
    let s = home();
    let first = cks(&s, "cks-00000000000000002", "second-by-id", "cluster-abcdefghijk");
    let second = cks(&s, "cks-00000000000000001", "first-by-id", "cluster-bbcdefghijk");
    store.insert_custom_key_store(&first).await.expect("insert");
    store.insert_custom_key_store(&second).await.expect("insert");
    assert_eq!(store.custom_key_stores(&s).await.expect("list"), vec![second.clone(), first.clone()]);

    // The same id, name or cluster again in the scope is refused; in another scope it is not.
    for dup in [
        cks(&s, "cks-00000000000000002", "other", "cluster-cbcdefghijk"),
        cks(&s, "cks-00000000000000003", "second-by-id", "cluster-cbcdefghijk"),
        cks(&s, "cks-00000000000000003", "other", "cluster-abcdefghijk"),
    ] {
        assert_err(store.insert_custom_key_store(&dup).await, "AlreadyExists");
    }
    let elsewhere = scope("111122223333", "us-east-1");
    let copy = cks(&elsewhere, "cks-00000000000000002", "second-by-id", "cluster-abcdefghijk");
    store.insert_custom_key_store(&copy).await.expect("another scope");
    assert_eq!(store.custom_key_stores(&elsewhere).await.expect("list"), vec![copy]);
    assert_eq!(store.custom_key_stores(&s).await.expect("list").len(), 2);
}

pub(crate) async fn custom_key_store_updates_are_conditional_and_deletes_remove_one(store: Arc<dyn Store>) {
    let s = home();
    let a = cks(&s, "cks-0000000000000000a", "a", "cluster-abcdefghijk");
    let b = cks(&s, "cks-0000000000000000b", "b", "cluster-bbcdefghijk");
    store.insert_custom_key_store(&a).await.expect("insert");
    store.insert_custom_key_store(&b).await.expect("insert");

    let mut next = a.clone();
    next.name = "renamed".into();
    next.connect = true;
    next.wrapped_password = vec![1, 2, 3];
    next.cluster_id = "cluster-dbcdefghijk".into();
    next.revision = 2;
    store.update_custom_key_store(&next, 1).await.expect("update");
    assert_eq!(store.custom_key_stores(&s).await.expect("list")[0], next);
    // The revision moved: a second writer holding revision 1 loses.
    assert_err(store.update_custom_key_store(&next, 1).await, "Conflict");
    // Taking another store's name is refused and changes nothing.
    let mut clash = next.clone();
    clash.name = "b".into();
    clash.revision = 3;
    assert_err(store.update_custom_key_store(&clash, 2).await, "AlreadyExists");
    assert_eq!(store.custom_key_stores(&s).await.expect("list")[0], next);
    let mut gone = cks(&s, "cks-0000000000000000c", "c", "cluster-cbcdefghijk");
    gone.revision = 2;
    assert_err(store.update_custom_key_store(&gone, 1).await, "NotFound");

    store.delete_custom_key_store(&s, &a.id).await.expect("delete");
    assert_eq!(store.custom_key_stores(&s).await.expect("list"), vec![b]);
    assert_err(store.delete_custom_key_store(&s, &a.id).await, "NotFound");
}
