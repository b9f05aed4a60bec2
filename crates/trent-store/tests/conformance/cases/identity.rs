//! Accounts, access keys and deployment metadata.

use std::sync::Arc;

use trent_core::{AccessKeyRecord, AccessKeyStatus, Account, AccountId, Principal, PrincipalKind, Store};

use super::assert_err;
use crate::conformance::fixtures::at;

fn account(id: &str, name: &str, secs: i64) -> Account {
    Account { id: AccountId::parse(id).expect("account id"), name: name.to_owned(), created_at: at(secs) }
}

pub(crate) async fn accounts_insert_get_list(store: Arc<dyn Store>) {
    assert_eq!(store.list_accounts().await.expect("list empty"), vec![]);
    let accounts =
        [account("999999999999", "zed", 3), account("000000000001", "first", 1), account("123456789012", "", 2)];
    for a in &accounts {
        store.insert_account(a).await.expect("insert");
    }
    assert_err(store.insert_account(&account("123456789012", "again", 9)).await, "AlreadyExists");

    for a in &accounts {
        assert_eq!(store.get_account(&a.id).await.expect("get").as_ref(), Some(a));
    }
    assert_eq!(store.get_account(&AccountId::parse("555555555555").expect("id")).await.expect("get"), None);
    let mut sorted = accounts.to_vec();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(store.list_accounts().await.expect("list"), sorted);
}

pub(crate) async fn access_keys_round_trip(store: Arc<dyn Store>) {
    let acct = AccountId::parse("111122223333").expect("id");
    let root = AccessKeyRecord {
        access_key_id: "AKIAROOTROOTROOTROOT".to_owned(),
        principal: Principal { account: acct.clone(), kind: PrincipalKind::Root, unique_id: acct.to_string() },
        secret_wrapped: vec![0, 1, 2, 255, 0, 7],
        status: AccessKeyStatus::Active,
        created_at: at(1),
    };
    let user = AccessKeyRecord {
        access_key_id: "ASIAUSERUSERUSERUSER".to_owned(),
        principal: Principal {
            account: acct.clone(),
            kind: PrincipalKind::User { name: "ci-bot".to_owned(), path: "/".to_owned() },
            unique_id: "AIDAEXAMPLEUNIQUE".to_owned(),
        },
        secret_wrapped: vec![9; 80],
        status: AccessKeyStatus::Inactive,
        created_at: at(2),
    };
    store.insert_access_key(&root).await.expect("insert root");
    store.insert_access_key(&user).await.expect("insert user");
    assert_eq!(store.get_access_key(&root.access_key_id).await.expect("get"), Some(root.clone()));
    assert_eq!(store.get_access_key(&user.access_key_id).await.expect("get"), Some(user.clone()));
    assert_eq!(store.get_access_key("AKIANOSUCHKEY0000000").await.expect("get"), None);

    let dup = AccessKeyRecord { secret_wrapped: vec![1], ..user.clone() };
    assert_err(store.insert_access_key(&dup).await, "AlreadyExists");
    assert_eq!(store.get_access_key(&user.access_key_id).await.expect("get"), Some(user), "unchanged");
}

pub(crate) async fn meta_values_overwrite(store: Arc<dyn Store>) {
    assert_eq!(store.get_meta("root-key-check").await.expect("get"), None);
    store.put_meta("root-key-check", &[1, 2, 3]).await.expect("put");
    store.put_meta("empty", &[]).await.expect("put empty");
    assert_eq!(store.get_meta("root-key-check").await.expect("get"), Some(vec![1, 2, 3]));
    store.put_meta("root-key-check", &[0, 9]).await.expect("overwrite");
    assert_eq!(store.get_meta("root-key-check").await.expect("get"), Some(vec![0, 9]));
    assert_eq!(store.get_meta("empty").await.expect("get"), Some(vec![]));
    assert_eq!(store.get_meta("ROOT-KEY-CHECK").await.expect("get"), None);
}

pub(crate) async fn wipe_empties_everything_but_meta(store: Arc<dyn Store>) {
    use crate::conformance::fixtures::{alias, full_key, home, kid, material, tag};
    let acct = AccountId::parse("111122223333").expect("id");
    store.insert_account(&account("111122223333", "one", 1)).await.expect("account");
    let access_key = AccessKeyRecord {
        access_key_id: "AKIAROOTROOTROOTROOT".to_owned(),
        principal: Principal { account: acct.clone(), kind: PrincipalKind::Root, unique_id: acct.to_string() },
        secret_wrapped: vec![1, 2, 3],
        status: AccessKeyStatus::Active,
        created_at: at(1),
    };
    store.insert_access_key(&access_key).await.expect("access key");
    let scope = home();
    let key = full_key(&scope, kid(1));
    store.insert_key(&key, &material(1, 0xaa), &[tag("team", "a")]).await.expect("key");
    store.insert_alias(&scope, &alias("alias/app", kid(1), at(2))).await.expect("alias");
    store.put_meta("root-key-check", &[4, 5]).await.expect("meta");

    store.wipe().await.expect("wipe");
    assert_eq!(store.list_accounts().await.expect("accounts"), vec![]);
    assert_eq!(store.get_access_key(&access_key.access_key_id).await.expect("access key"), None);
    assert_eq!(store.get_key(&scope, &kid(1)).await.expect("key"), None);
    assert_eq!(store.materials(&scope, &kid(1)).await.expect("materials"), vec![]);
    assert_eq!(store.list_aliases(&scope, None, None, 10).await.expect("aliases"), vec![]);
    assert_eq!(store.get_meta("root-key-check").await.expect("meta"), Some(vec![4, 5]), "meta is kept");
    // The same ids can be created again.
    store.insert_account(&account("111122223333", "one", 1)).await.expect("account again");
    store.insert_key(&key, &material(1, 0xaa), &[]).await.expect("key again");
    store.wipe().await.expect("a second wipe");
}
