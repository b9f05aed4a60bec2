//! Batches: several new rows of different kinds in one transaction, all of them or none.

use std::sync::Arc;

use trent_core::identity::{InlinePolicy, PolicyOwner};
use trent_core::store::{Batch, NewKey};
use trent_core::{Account, AccountId, KeyId, Store};

use super::assert_err;
use crate::conformance::fixtures::{access_key, alias, at, home, key, kid, material, tag, user};

fn account() -> Account {
    Account { id: home().account, name: "batch".to_owned(), created_at: at(1) }
}

fn policy(user: &str) -> (AccountId, InlinePolicy) {
    let document = r#"{"Version":"2012-10-17","Statement":[]}"#.to_owned();
    (home().account, InlinePolicy { owner: PolicyOwner::User(user.to_owned()), name: "seed".to_owned(), document })
}

fn new_key(id: KeyId) -> NewKey {
    NewKey { record: key(&home(), id), material: material(0, id.as_bytes()[0]), tags: vec![tag("seeded", "yes")] }
}

/// Everything a batch would have written, as the store shows it, for comparing before and after.
async fn snapshot(store: &dyn Store, keys: &[KeyId]) -> String {
    let s = home();
    let mut out = format!("{:?}", store.list_accounts().await.expect("accounts"));
    out += &format!("{:?}", store.list_users(&s.account, "/", None, 100).await.expect("users"));
    for name in ["alice", "bob"] {
        let owner = PolicyOwner::User(name.to_owned());
        out += &format!("{:?}", store.list_policies(&s.account, &owner).await.expect("policies"));
        out += &format!("{:?}", store.list_access_keys(&s.account, Some(name)).await.expect("access keys"));
    }
    for listed in store.list_key_ids(&s, None, 100).await.expect("keys") {
        out += &format!("{:?}", store.get_key(&s, &listed.key_id).await.expect("key"));
    }
    for id in keys {
        out += &format!("{:?}", store.materials(&s, id).await.expect("materials"));
        out += &format!("{:?}", store.list_tags(&s, id, None, 100).await.expect("tags"));
    }
    out + &format!("{:?}", store.list_aliases(&s, None, None, 100).await.expect("aliases"))
}

pub(crate) async fn batches_write_everything_or_nothing(store: Arc<dyn Store>) {
    let s = home();
    store.apply_batch(&Batch::default()).await.expect("an empty batch");
    assert_eq!(store.list_accounts().await.expect("accounts"), vec![]);

    // Later items may refer to earlier ones: the policy and key to the user, the alias to the key.
    let alice = user("alice");
    let whole = Batch {
        accounts: vec![account()],
        users: vec![alice.clone()],
        policies: vec![policy("ALICE")],
        access_keys: vec![access_key("AKIAALICEALICEALICE0", &alice)],
        keys: vec![new_key(kid(1))],
        aliases: vec![(s.clone(), alias("alias/one", kid(1), at(4)))],
        ..Batch::default()
    };
    store.apply_batch(&whole).await.expect("a whole batch");
    assert_eq!(store.list_accounts().await.expect("accounts"), vec![account()]);
    assert_eq!(store.get_user(&s.account, "alice").await.expect("user"), Some(alice.clone()));
    let stored = store.get_policy(&s.account, &PolicyOwner::User("alice".into()), "seed").await.expect("policy");
    assert_eq!(stored.map(|p| p.owner), Some(PolicyOwner::User("alice".into())), "the owner's stored spelling");
    assert!(store.get_access_key("AKIAALICEALICEALICE0").await.expect("access key").is_some());
    assert_eq!(store.get_key(&s, &kid(1)).await.expect("key"), Some(key(&s, kid(1))));
    assert_eq!(store.materials(&s, &kid(1)).await.expect("materials"), vec![new_key(kid(1)).material]);
    assert_eq!(store.list_tags(&s, &kid(1), None, 10).await.expect("tags"), vec![tag("seeded", "yes")]);
    assert_eq!(store.get_alias(&s, "alias/one").await.expect("alias").map(|a| a.target), Some(kid(1)));

    // A batch whose last item fails leaves nothing of its earlier items.
    let before = snapshot(store.as_ref(), &[kid(1), kid(2)]).await;
    let bob = user("bob");
    let clashing = Batch {
        users: vec![bob.clone()],
        policies: vec![policy("bob")],
        access_keys: vec![access_key("AKIABOBBOBBOBBOBBOB0", &bob)],
        keys: vec![new_key(kid(2))],
        aliases: vec![(s.clone(), alias("alias/one", kid(2), at(5)))],
        ..Batch::default()
    };
    assert_err(store.apply_batch(&clashing).await, "AlreadyExists");
    assert_eq!(snapshot(store.as_ref(), &[kid(1), kid(2)]).await, before);

    let orphan_policy = Batch { users: vec![bob.clone()], policies: vec![policy("carol")], ..Batch::default() };
    assert_err(store.apply_batch(&orphan_policy).await, "NotFound");
    let orphan_alias = Batch { keys: vec![new_key(kid(2))], ..Batch::default() };
    let orphan_alias = Batch { aliases: vec![(s.clone(), alias("alias/two", kid(3), at(5)))], ..orphan_alias };
    assert_err(store.apply_batch(&orphan_alias).await, "NotFound");
    assert_eq!(snapshot(store.as_ref(), &[kid(1), kid(2)]).await, before);
}
