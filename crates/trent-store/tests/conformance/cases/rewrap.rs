//! The wrapped columns as `rotate-root` walks them ([`trent_core::store::RewrapStore`]).

use std::sync::Arc;

use trent_core::identity::{AccessKeyRecord, AccessKeyStatus, Principal, PrincipalKind};
use trent_core::store::{Rewrapped, WrappedColumn, WrappedRow};
use trent_core::{AccountId, Store};

use crate::conformance::fixtures::{at, home, key, kid, material};

fn material_key(row: &WrappedRow) -> (String, i64) {
    match row {
        WrappedRow::KeyMaterial { key_id, seq, .. } => (key_id.clone(), *seq),
        other => panic!("not a key material: {other:?}"),
    }
}

pub(crate) async fn wrapped_values_are_walked_in_key_order_and_replaced_only_where_unchanged(store: Arc<dyn Store>) {
    let s = home();
    store.insert_key(&key(&s, kid(1)), &material(0, 1), &[]).await.expect("insert");
    let mut rotated = key(&s, kid(1));
    rotated.revision = 2;
    store.add_material(&rotated, 1, &material(1, 2)).await.expect("rotate");
    store.insert_key(&key(&s, kid(2)), &material(0, 3), &[]).await.expect("insert");
    store.insert_key(&key(&s, kid(3)), &material(0, 4), &[]).await.expect("insert");

    // Batches of 2 from a cursor: every value once, in primary-key order.
    let first = store.wrapped_after(WrappedColumn::KeyMaterials, None, 2).await.expect("first batch");
    assert_eq!(first.len(), 2);
    let second = store.wrapped_after(WrappedColumn::KeyMaterials, Some(&first[1].row), 2).await.expect("second");
    assert_eq!(second.len(), 2);
    let last = store.wrapped_after(WrappedColumn::KeyMaterials, Some(&second[1].row), 2).await.expect("last");
    assert!(last.is_empty(), "{last:?}");
    let all = [first, second].concat();
    let keys: Vec<_> = all.iter().map(|v| material_key(&v.row)).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "in order: {keys:?}");
    let mut wanted =
        vec![material(0, 1).wrapped, material(1, 2).wrapped, material(0, 3).wrapped, material(0, 4).wrapped];
    let mut read: Vec<_> = all.iter().map(|v| v.wrapped.clone()).collect();
    wanted.sort();
    read.sort();
    assert_eq!(read, wanted);
    match &all[0].row {
        WrappedRow::KeyMaterial { account, region, material_id, .. } => {
            assert_eq!((account.as_str(), region.as_str()), (s.account.as_str(), s.region.as_str()));
            assert_eq!(material_id.len(), 32);
        }
        other => panic!("{other:?}"),
    }

    // Replaced only where the row still holds what was read; one write for the batch.
    let replaced = store
        .replace_wrapped(&[
            Rewrapped { row: all[0].row.clone(), old: all[0].wrapped.clone(), new: vec![7; 61] },
            Rewrapped { row: all[1].row.clone(), old: vec![1, 2, 3], new: vec![8; 61] },
        ])
        .await
        .expect("replace");
    assert_eq!(replaced, 1);
    let again = store.wrapped_after(WrappedColumn::KeyMaterials, None, 10).await.expect("read again");
    assert_eq!(again[0].wrapped, vec![7; 61]);
    assert_eq!(again[1].wrapped, all[1].wrapped, "a changed row is left alone");
    let key_id = material_key(&all[0].row).0.parse().expect("a key id");
    let materials = store.materials(&s, &key_id).await.expect("materials");
    assert!(materials.iter().any(|m| m.wrapped == vec![7; 61]), "the KMS store reads the new value");

    // Access keys, and a cursor of another column is no cursor.
    let account = AccountId::parse("111122223333").expect("id");
    for (n, id) in ["AKIAAAAAAAAAAAAAAAA2", "AKIAAAAAAAAAAAAAAAA1"].iter().enumerate() {
        let record = AccessKeyRecord {
            access_key_id: (*id).to_owned(),
            principal: Principal {
                account: account.clone(),
                kind: PrincipalKind::Root,
                unique_id: account.to_string(),
            },
            secret_wrapped: vec![n as u8; 40],
            status: AccessKeyStatus::Active,
            created_at: at(1),
        };
        store.insert_access_key(&record).await.expect("insert access key");
    }
    let keys = store.wrapped_after(WrappedColumn::AccessKeys, Some(&all[0].row), 10).await.expect("access keys");
    let ids: Vec<_> = keys
        .iter()
        .map(|v| match &v.row {
            WrappedRow::AccessKey { access_key_id } => access_key_id.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, ["AKIAAAAAAAAAAAAAAAA1", "AKIAAAAAAAAAAAAAAAA2"]);
    let replaced = store
        .replace_wrapped(&[Rewrapped { row: keys[1].row.clone(), old: keys[1].wrapped.clone(), new: vec![9; 40] }])
        .await
        .expect("replace");
    assert_eq!(replaced, 1);
    let stored = store.get_access_key("AKIAAAAAAAAAAAAAAAA2").await.expect("get").expect("present");
    assert_eq!(stored.secret_wrapped, vec![9; 40]);
    assert!(store.wrapped_after(WrappedColumn::Sessions, None, 10).await.expect("sessions").is_empty());
    assert!(store.wrapped_after(WrappedColumn::CustomKeyStorePasswords, None, 10).await.expect("stores").is_empty());
}

pub(crate) async fn a_rotation_record_is_claimed_once_and_finished_in_one_write(store: Arc<dyn Store>) {
    assert!(store.insert_meta_if_absent("root_rotation", b"first").await.expect("claim"));
    assert!(!store.insert_meta_if_absent("root_rotation", b"second").await.expect("claimed already"));
    assert_eq!(store.get_meta("root_rotation").await.expect("get"), Some(b"first".to_vec()));
    store.put_meta("root_key_check", &[1; 32]).await.expect("put");
    store
        .finish_meta(&[("root_key_check", &[9; 32]), ("root_generation", b"2")], "root_rotation")
        .await
        .expect("finish");
    assert_eq!(store.get_meta("root_rotation").await.expect("get"), None);
    assert_eq!(store.get_meta("root_key_check").await.expect("get"), Some(vec![9; 32]));
    assert_eq!(store.get_meta("root_generation").await.expect("get"), Some(b"2".to_vec()));
}
