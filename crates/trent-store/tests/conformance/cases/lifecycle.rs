//! Backing keys, destruction and scheduled work.

use std::sync::Arc;

use trent_core::Store;
use trent_core::kms::KeyState;

use super::assert_err;
use crate::conformance::fixtures::{alias, at, full_key, home, key, kid, material, scope, tag};

pub(crate) async fn add_material_is_conditional_and_atomic(store: Arc<dyn Store>) {
    let s = home();
    store.insert_key(&key(&s, kid(1)), &material(0, 1), &[]).await.expect("insert");

    let mut v2 = key(&s, kid(1));
    v2.rotation.next_rotation = Some(at(500));
    v2.revision = 2;
    store.add_material(&v2, 1, &material(1, 1)).await.expect("rotate at revision 1");
    let mut v3 = v2.clone();
    v3.revision = 3;
    store.add_material(&v3, 2, &material(2, 1)).await.expect("rotate at revision 2");
    assert_eq!(store.get_key(&s, &kid(1)).await.expect("get"), Some(v3.clone()));

    // Stale revision: neither the key nor the materials change.
    let mut stale = v3.clone();
    stale.description = "stale".to_owned();
    stale.revision = 3;
    assert_err(store.add_material(&stale, 2, &material(3, 1)).await, "Conflict");

    // A material that cannot be inserted (its seq is taken) rolls back the key update too.
    let mut v4 = v3.clone();
    v4.description = "must roll back".to_owned();
    v4.revision = 4;
    assert_err(store.add_material(&v4, 3, &material(2, 9)).await, "AlreadyExists");

    assert_eq!(store.get_key(&s, &kid(1)).await.expect("get"), Some(v3));
    assert_eq!(
        store.materials(&s, &kid(1)).await.expect("materials"),
        vec![material(0, 1), material(1, 1), material(2, 1)],
        "oldest first, nothing from the failed calls"
    );

    assert_err(store.add_material(&key(&s, kid(2)), 1, &material(1, 2)).await, "NotFound");
    assert_eq!(store.materials(&s, &kid(2)).await.expect("materials"), vec![]);
}

pub(crate) async fn delete_key_removes_materials_tags_and_its_aliases(store: Arc<dyn Store>) {
    let s = home();
    let other_scope = scope("111122223333", "us-east-1");
    store.insert_key(&full_key(&s, kid(1)), &material(0, 1), &[tag("a", "1"), tag("b", "2")]).await.expect("insert");
    store.add_material(&full_key(&s, kid(1)), 42, &material(1, 1)).await.expect("rotate");
    store.insert_key(&key(&s, kid(2)), &material(0, 2), &[tag("a", "1")]).await.expect("insert other");
    store.insert_key(&key(&other_scope, kid(1)), &material(0, 3), &[tag("a", "1")]).await.expect("insert twin");
    for (name, target) in [("alias/one", kid(1)), ("alias/uno", kid(1)), ("alias/two", kid(2))] {
        store.insert_alias(&s, &alias(name, target, at(0))).await.expect("alias");
    }
    store.insert_alias(&other_scope, &alias("alias/one", kid(1), at(0))).await.expect("twin alias");

    store.delete_key(&s, &kid(1)).await.expect("delete");

    assert_eq!(store.get_key(&s, &kid(1)).await.expect("get"), None);
    assert_eq!(store.materials(&s, &kid(1)).await.expect("materials"), vec![]);
    assert_eq!(store.list_tags(&s, &kid(1), None, 10).await.expect("tags"), vec![]);
    assert_eq!(store.get_alias(&s, "alias/one").await.expect("alias"), None);
    assert_eq!(store.get_alias(&s, "alias/uno").await.expect("alias"), None);
    let left: Vec<String> =
        store.list_aliases(&s, None, None, 10).await.expect("aliases").into_iter().map(|a| a.name).collect();
    assert_eq!(left, vec!["alias/two".to_owned()]);

    // The other key and the same id in another scope are untouched.
    assert!(store.get_key(&s, &kid(2)).await.expect("get").is_some());
    assert_eq!(store.list_tags(&s, &kid(2), None, 10).await.expect("tags").len(), 1);
    assert_eq!(store.materials(&other_scope, &kid(1)).await.expect("materials"), vec![material(0, 3)]);
    assert!(store.get_alias(&other_scope, "alias/one").await.expect("alias").is_some());

    assert_err(store.delete_key(&s, &kid(1)).await, "NotFound");
    // Nothing lingers that would block re-creating the id.
    store.insert_key(&key(&s, kid(1)), &material(0, 4), &[]).await.expect("re-insert");
    assert_eq!(store.materials(&s, &kid(1)).await.expect("materials"), vec![material(0, 4)]);
    assert_eq!(store.list_tags(&s, &kid(1), None, 10).await.expect("tags"), vec![]);
}

pub(crate) async fn keys_due_finds_deletions_and_rotations(store: Arc<dyn Store>) {
    let s = home();
    let far = scope("444455556666", "ap-southeast-2");
    let now = at(1_000);

    let pending = |id, date| {
        let mut k = key(&s, kid(id));
        k.state = KeyState::PendingDeletion;
        k.deletion_date = Some(date);
        k.pending_window_days = Some(7);
        k
    };
    let rotating = |sc: &trent_core::Scope, id, state, enabled, next| {
        let mut k = key(sc, kid(id));
        k.state = state;
        k.rotation.enabled = enabled;
        k.rotation.next_rotation = Some(next);
        k
    };
    let keys = [
        (pending(1, at(999)), true),                                     // deletion past
        (pending(2, now), true),                                         // deletion exactly now
        (pending(3, at(1_001)), false),                                  // deletion in the future
        (rotating(&s, 4, KeyState::Enabled, true, at(10)), true),        // rotation past
        (rotating(&s, 5, KeyState::Enabled, true, now), true),           // rotation exactly now
        (rotating(&s, 6, KeyState::Enabled, true, at(1_001)), false),    // rotation in the future
        (rotating(&s, 7, KeyState::Disabled, true, at(10)), false),      // disabled keys do not rotate
        (rotating(&s, 8, KeyState::Enabled, false, at(10)), false),      // rotation switched off
        (rotating(&s, 9, KeyState::PendingImport, true, at(10)), false), // not enabled
        (rotating(&far, 10, KeyState::Enabled, true, at(10)), true),     // another scope
        (key(&s, kid(11)), false),                                       // nothing scheduled
    ];
    for (k, _) in &keys {
        store.insert_key(k, &material(0, 1), &[]).await.expect("insert");
    }
    // Pending deletion with a past rotation date: due once, for the deletion.
    let mut both = pending(12, at(5));
    both.rotation.enabled = true;
    both.rotation.next_rotation = Some(at(5));
    store.insert_key(&both, &material(0, 1), &[]).await.expect("insert");

    let mut due = store.keys_due(now).await.expect("keys_due");
    due.sort_by_key(|(sc, id)| (sc.account.clone(), sc.region.clone(), *id));
    let mut expected: Vec<_> = keys.iter().filter(|(_, d)| *d).map(|(k, _)| (k.scope.clone(), k.key_id)).collect();
    expected.push((s.clone(), kid(12)));
    expected.sort_by_key(|(sc, id)| (sc.account.clone(), sc.region.clone(), *id));
    assert_eq!(due, expected);

    assert_eq!(store.keys_due(at(-10)).await.expect("keys_due early"), vec![]);
}

/// Imported key material: a key inserted without material has none; `add_material` and
/// `remove_material` change one backing key with the metadata under the revision check; every
/// imported material's fields (state, expiry, description, rotation date) and the import count
/// read back as written; `keys_due` finds a present material whose `ValidTo` has passed, only
/// while it is present.
pub(crate) async fn imported_materials_change_one_at_a_time_and_their_expiry_is_due(store: Arc<dyn Store>) {
    use trent_core::kms::{ImportedMaterial, KeyMaterialState, KeyRecord, Origin};
    let s = home();
    let now = at(1_000);
    let mut k = key(&s, kid(1));
    k.origin = Origin::External;
    k.state = KeyState::PendingImport;
    store.insert_key_without_material(&k, &[tag("a", "1")]).await.expect("insert without material");
    assert_eq!(store.get_key(&s, &kid(1)).await.expect("get"), Some(k.clone()));
    assert_eq!(store.materials(&s, &kid(1)).await.expect("materials"), vec![]);
    assert_err(store.insert_key_without_material(&k, &[]).await, "AlreadyExists");

    let (first, second) = (material(0, 7), material(1, 8));
    let entry = |m: &trent_core::kms::KeyMaterialRecord, state, valid_to| ImportedMaterial {
        material_id: m.material_id,
        state,
        valid_to,
        present: true,
        description: None,
        rotated_at: None,
    };
    let imported = KeyRecord {
        state: KeyState::Enabled,
        imported: vec![entry(&first, KeyMaterialState::Current, Some(now))],
        import_count: 1,
        revision: 2,
        ..k.clone()
    };
    assert_err(store.add_material(&imported, 5, &first).await, "Conflict");
    assert_eq!(store.materials(&s, &kid(1)).await.expect("materials"), vec![], "a refused write adds nothing");
    store.add_material(&imported, 1, &first).await.expect("import");
    assert_eq!(store.get_key(&s, &kid(1)).await.expect("get"), Some(imported.clone()));
    assert_eq!(store.keys_due(at(999)).await.expect("due before"), vec![]);
    assert_eq!(store.keys_due(now).await.expect("due at ValidTo"), vec![(s.clone(), kid(1))]);

    // A second material, pending rotation, then made current: every field reads back.
    let mut rotated = imported.clone();
    rotated.imported[0].state = KeyMaterialState::NonCurrent;
    rotated.imported[0].description = Some("first: the original".into());
    rotated.imported.push(ImportedMaterial {
        description: Some("second".into()),
        rotated_at: Some(at(500)),
        ..entry(&second, KeyMaterialState::Current, None)
    });
    rotated.import_count = 2;
    rotated.revision = 3;
    store.add_material(&rotated, 2, &second).await.expect("second import");
    assert_eq!(store.get_key(&s, &kid(1)).await.expect("get"), Some(rotated.clone()));
    assert_eq!(store.materials(&s, &kid(1)).await.expect("materials"), vec![first.clone(), second.clone()]);

    // The first material expires: its row alone goes.
    let mut expired = rotated.clone();
    expired.state = KeyState::PendingImport;
    expired.imported[0].present = false;
    expired.revision = 4;
    assert_err(store.remove_material(&expired, 9, &first.material_id).await, "Conflict");
    store.remove_material(&expired, 3, &first.material_id).await.expect("expire");
    assert_eq!(store.get_key(&s, &kid(1)).await.expect("get"), Some(expired.clone()));
    assert_eq!(store.materials(&s, &kid(1)).await.expect("materials"), vec![second.clone()]);
    assert_eq!(store.keys_due(at(5_000)).await.expect("due after expiry"), vec![], "absent material is not due");
    assert_err(store.remove_material(&key(&s, kid(2)), 1, &first.material_id).await, "NotFound");
}
