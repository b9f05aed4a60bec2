//! Custom key stores: every field round-trips, names and clusters are unique per account and
//! region, updates are conditional on the revision, deletion removes one store; a key in a
//! store keeps its reference to the token object and counts as the store's.

use std::sync::Arc;

use trent_core::Store;
use trent_core::kms::{CustomKeyStoreRecord, HsmKeyRef, KeyState, Origin};

use super::assert_err;
use crate::conformance::fixtures::{at, home, key, kid, scope};

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

pub(crate) async fn keys_in_a_custom_key_store_keep_their_token_object_and_count(store: Arc<dyn Store>) {
    let s = home();
    let id = "cks-0000000000000000d";
    store.insert_custom_key_store(&cks(&s, id, "d", "cluster-ebcdefghijk")).await.expect("insert store");
    assert_eq!(store.custom_key_store_key_count(&s, id).await.expect("count"), 0);
    let in_store = |n: u8| trent_core::kms::KeyRecord {
        origin: Origin::AwsCloudhsm,
        hsm: Some(HsmKeyRef { store_id: id.to_owned(), object_id: kid(n).as_bytes().to_vec() }),
        ..key(&s, kid(n))
    };
    store.insert_key_without_material(&in_store(11), &[]).await.expect("insert key");
    store.insert_key_without_material(&in_store(12), &[]).await.expect("insert key");
    store.insert_key_without_material(&key(&s, kid(13)), &[]).await.expect("a key outside stores");
    assert_eq!(store.get_key(&s, &kid(11)).await.expect("get"), Some(in_store(11)));
    assert_eq!(store.custom_key_store_key_count(&s, id).await.expect("count"), 2);
    assert_eq!(store.custom_key_store_key_count(&scope("111122223333", "us-east-1"), id).await.expect("count"), 0);

    // The reference survives every update of the key, and deletion stops the count.
    let mut pending = in_store(11);
    pending.state = KeyState::PendingDeletion;
    pending.revision = 2;
    store.update_key(&pending, 1).await.expect("update");
    assert_eq!(store.get_key(&s, &kid(11)).await.expect("get"), Some(pending));
    store.delete_key(&s, &kid(11)).await.expect("delete");
    assert_eq!(store.custom_key_store_key_count(&s, id).await.expect("count"), 1);
}
