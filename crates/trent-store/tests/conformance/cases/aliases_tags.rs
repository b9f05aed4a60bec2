//! Aliases and tags.

use std::sync::Arc;

use trent_core::Store;
use trent_core::kms::Alias;

use super::assert_err;
use crate::conformance::fixtures::{alias, at, home, key, kid, material, scope, tag};

fn names(v: Vec<Alias>) -> Vec<String> {
    v.into_iter().map(|a| a.name).collect()
}

pub(crate) async fn aliases_insert_update_delete(store: Arc<dyn Store>) {
    let s = home();
    for n in [1, 2] {
        store.insert_key(&key(&s, kid(n)), &material(0, n), &[]).await.expect("insert key");
    }
    let a = alias("alias/app", kid(1), at(0));
    store.insert_alias(&s, &a).await.expect("insert alias");
    assert_eq!(store.get_alias(&s, "alias/app").await.expect("get"), Some(a.clone()));
    assert_eq!(store.get_alias(&s, "alias/App").await.expect("get other case"), None, "names are case-sensitive");

    assert_err(store.insert_alias(&s, &alias("alias/app", kid(2), at(5))).await, "AlreadyExists");
    assert_eq!(store.get_alias(&s, "alias/app").await.expect("get"), Some(a.clone()), "duplicate changed nothing");
    // Same name in another region is another alias (its target must exist there).
    let west = scope("111122223333", "us-west-2");
    store.insert_key(&key(&west, kid(1)), &material(0, 1), &[]).await.expect("insert key");
    store.insert_alias(&west, &alias("alias/app", kid(1), at(1))).await.expect("same name, other scope");

    // An alias cannot name a key that does not exist.
    assert_err(store.insert_alias(&s, &alias("alias/ghost", kid(9), at(0))).await, "NotFound");

    let moved = Alias { target: kid(2), updated_at: at(60), ..a.clone() };
    store.update_alias(&s, &moved).await.expect("update");
    let got = store.get_alias(&s, "alias/app").await.expect("get").expect("present");
    assert_eq!(got, Alias { name: a.name.clone(), target: kid(2), created_at: a.created_at, updated_at: at(60) });
    assert_err(store.update_alias(&s, &alias("alias/none", kid(1), at(0))).await, "NotFound");

    assert_err(store.delete_alias(&s, "alias/none").await, "NotFound");
    store.delete_alias(&s, "alias/app").await.expect("delete");
    assert_eq!(store.get_alias(&s, "alias/app").await.expect("get"), None);
    assert_err(store.delete_alias(&s, "alias/app").await, "NotFound");
    assert!(store.get_alias(&west, "alias/app").await.expect("get").is_some(), "other scope untouched");
}

pub(crate) async fn list_aliases_filters_orders_and_pages(store: Arc<dyn Store>) {
    let s = home();
    for n in [1, 2] {
        store.insert_key(&key(&s, kid(n)), &material(0, n), &[]).await.expect("insert key");
    }
    let other = scope("111122223333", "us-east-1");
    store.insert_key(&key(&other, kid(1)), &material(0, 1), &[]).await.expect("insert key");
    store.insert_alias(&other, &alias("alias/a0", kid(1), at(0))).await.expect("alias elsewhere");

    // Inserted out of order; "alias/B" sorts before "alias/a" byte-wise.
    for (name, target) in [("alias/c", 1), ("alias/a", 1), ("alias/e", 2), ("alias/B", 1), ("alias/d", 2)] {
        store.insert_alias(&s, &alias(name, kid(target), at(0))).await.expect("alias");
    }
    assert_eq!(
        names(store.list_aliases(&s, None, None, 100).await.expect("all")),
        ["alias/B", "alias/a", "alias/c", "alias/d", "alias/e"]
    );
    assert_eq!(names(store.list_aliases(&s, None, None, 2).await.expect("page 1")), ["alias/B", "alias/a"]);
    assert_eq!(names(store.list_aliases(&s, None, Some("alias/a"), 2).await.expect("page 2")), ["alias/c", "alias/d"]);
    assert_eq!(names(store.list_aliases(&s, None, Some("alias/d"), 2).await.expect("page 3")), ["alias/e"]);
    assert_eq!(names(store.list_aliases(&s, None, Some("alias/e"), 2).await.expect("end")), Vec::<String>::new());
    assert_eq!(names(store.list_aliases(&s, None, Some("alias/b"), 1).await.expect("between")), ["alias/c"]);

    assert_eq!(
        names(store.list_aliases(&s, Some(&kid(1)), None, 100).await.expect("key 1")),
        ["alias/B", "alias/a", "alias/c"]
    );
    assert_eq!(names(store.list_aliases(&s, Some(&kid(1)), Some("alias/B"), 1).await.expect("key 1 p2")), ["alias/a"]);
    assert_eq!(names(store.list_aliases(&s, Some(&kid(2)), None, 100).await.expect("key 2")), ["alias/d", "alias/e"]);
    assert_eq!(names(store.list_aliases(&s, Some(&kid(3)), None, 100).await.expect("no key")), Vec::<String>::new());
    assert_eq!(names(store.list_aliases(&s, None, None, 0).await.expect("limit 0")), Vec::<String>::new());
}

pub(crate) async fn tags_upsert_remove_and_page(store: Arc<dyn Store>) {
    let s = home();
    store.insert_key(&key(&s, kid(1)), &material(0, 1), &[tag("b", "1"), tag("a", "1")]).await.expect("insert");
    store.insert_key(&key(&s, kid(2)), &material(0, 2), &[tag("a", "other")]).await.expect("insert");

    store.put_tags(&s, &kid(1), &[tag("a", "2"), tag("d", ""), tag("c", "3")]).await.expect("put");
    let all = store.list_tags(&s, &kid(1), None, 100).await.expect("list");
    assert_eq!(all, vec![tag("a", "2"), tag("b", "1"), tag("c", "3"), tag("d", "")]);
    assert_eq!(store.list_tags(&s, &kid(1), None, 2).await.expect("page 1"), vec![tag("a", "2"), tag("b", "1")]);
    assert_eq!(store.list_tags(&s, &kid(1), Some("b"), 2).await.expect("page 2"), vec![tag("c", "3"), tag("d", "")]);
    assert_eq!(store.list_tags(&s, &kid(1), Some("d"), 2).await.expect("end"), vec![]);
    assert_eq!(store.list_tags(&s, &kid(1), Some("bb"), 1).await.expect("between"), vec![tag("c", "3")]);
    assert_eq!(store.list_tags(&s, &kid(1), None, 0).await.expect("limit 0"), vec![]);

    store.remove_tags(&s, &kid(1), &["b".to_owned(), "absent".to_owned(), "d".to_owned()]).await.expect("remove");
    assert_eq!(store.list_tags(&s, &kid(1), None, 100).await.expect("list"), vec![tag("a", "2"), tag("c", "3")]);
    store.remove_tags(&s, &kid(1), &[]).await.expect("remove nothing");
    store.put_tags(&s, &kid(1), &[]).await.expect("put nothing");
    assert_eq!(store.list_tags(&s, &kid(2), None, 100).await.expect("other key"), vec![tag("a", "other")]);

    assert_err(store.put_tags(&s, &kid(9), &[tag("a", "1")]).await, "NotFound");
    assert_err(store.remove_tags(&s, &kid(9), &["a".to_owned()]).await, "NotFound");
    assert_eq!(store.list_tags(&s, &kid(9), None, 100).await.expect("missing key"), vec![]);
    let elsewhere = scope("111122223333", "us-east-1");
    assert_err(store.put_tags(&elsewhere, &kid(1), &[tag("a", "1")]).await, "NotFound");
}
