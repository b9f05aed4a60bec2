//! IAM users, groups, roles, inline policies, user access keys and STS sessions.

use std::sync::Arc;

use trent_core::identity::{Group, IamTag, InlinePolicy, PolicyOwner, Role, SessionRecord, User};
use trent_core::{AccessKeyRecord, AccessKeyStatus, AccountId, Principal, PrincipalKind, Store};

use super::assert_err;
use crate::conformance::fixtures::at;

fn acct(id: &str) -> AccountId {
    AccountId::parse(id).expect("account id")
}

fn home_account() -> AccountId {
    acct("111122223333")
}

fn user(name: &str, path: &str, secs: i64) -> User {
    User {
        account: home_account(),
        name: name.to_owned(),
        path: path.to_owned(),
        user_id: format!("AIDA{}", name.to_uppercase()),
        created_at: at(secs),
        tags: vec![
            IamTag { key: "team".into(), value: "core — ünï".into() },
            IamTag { key: "empty".into(), value: String::new() },
        ],
    }
}

fn group(name: &str) -> Group {
    Group {
        account: home_account(),
        name: name.to_owned(),
        path: "/ops/".to_owned(),
        group_id: format!("AGPA{}", name.to_uppercase()),
        created_at: at(5),
    }
}

fn role(name: &str) -> Role {
    Role {
        account: home_account(),
        name: name.to_owned(),
        path: "/svc/".to_owned(),
        role_id: format!("AROA{}", name.to_uppercase()),
        trust_policy: r#"{"Version":"2012-10-17","Statement":[]}"#.to_owned(),
        description: Some("a 'role' with \"quotes\"".to_owned()),
        max_session_duration: 43_200,
        created_at: at(6),
        tags: vec![IamTag { key: "env".into(), value: "prod".into() }],
    }
}

fn user_key(id: &str, u: &User, secs: i64) -> AccessKeyRecord {
    AccessKeyRecord {
        access_key_id: id.to_owned(),
        principal: u.principal(),
        secret_wrapped: vec![7, 0, 7],
        status: AccessKeyStatus::Active,
        created_at: at(secs),
    }
}

fn policy(owner: PolicyOwner, name: &str, document: &str) -> InlinePolicy {
    InlinePolicy { owner, name: name.to_owned(), document: document.to_owned() }
}

pub(crate) async fn iam_users_are_unique_regardless_of_case(store: Arc<dyn Store>) {
    let alice = user("Alice", "/engineering/", 1);
    store.insert_user(&alice).await.expect("insert");
    assert_eq!(store.get_user(&home_account(), "Alice").await.expect("get"), Some(alice.clone()));
    assert_eq!(store.get_user(&home_account(), "aLiCe").await.expect("get"), Some(alice.clone()), "any case");
    let again = User { user_id: "AIDAOTHER".into(), ..user("ALICE", "/", 2) };
    assert_err(store.insert_user(&again).await, "AlreadyExists");
    let elsewhere = User { account: acct("444455556666"), user_id: "AIDAELSEWHERE".into(), ..user("alice", "/", 3) };
    store.insert_user(&elsewhere).await.expect("same name in another account");
    assert_eq!(store.get_user(&home_account(), "bob").await.expect("get"), None);
}

pub(crate) async fn list_users_filters_by_path_prefix_and_pages(store: Arc<dyn Store>) {
    let users = [user("carol", "/a/", 1), user("Bob", "/a/b/", 2), user("alice", "/", 3), user("dave_", "/a%/", 4)];
    for u in &users {
        store.insert_user(u).await.expect("insert");
    }
    let names = |v: Vec<User>| v.into_iter().map(|u| u.name).collect::<Vec<_>>();
    let a = home_account();
    assert_eq!(names(store.list_users(&a, "/", None, 10).await.expect("all")), ["alice", "Bob", "carol", "dave_"]);
    assert_eq!(names(store.list_users(&a, "/a/", None, 10).await.expect("/a/")), ["Bob", "carol"]);
    assert_eq!(names(store.list_users(&a, "/a%", None, 10).await.expect("literal %")), ["dave_"]);
    assert_eq!(names(store.list_users(&a, "/", None, 2).await.expect("page 1")), ["alice", "Bob"]);
    assert_eq!(names(store.list_users(&a, "/", Some("Bob"), 2).await.expect("page 2")), ["carol", "dave_"]);
    assert_eq!(names(store.list_users(&a, "/", Some("dave_"), 2).await.expect("end")), Vec::<String>::new());
    assert!(store.list_users(&acct("444455556666"), "/", None, 10).await.expect("other").is_empty());
}

pub(crate) async fn user_access_keys_keep_the_quota_status_and_path(store: Arc<dyn Store>) {
    let a = home_account();
    let alice = user("alice", "/eng/", 1);
    assert_err(store.insert_user_access_key(&user_key("AKIAALICE00000000001", &alice, 1), 2).await, "NotFound");
    store.insert_user(&alice).await.expect("user");
    store.insert_user(&user("bob", "/", 1)).await.expect("user");
    let (k1, k2) = (user_key("AKIAALICE00000000001", &alice, 1), user_key("AKIAALICE00000000002", &alice, 2));
    store.insert_user_access_key(&k1, 2).await.expect("first");
    store.insert_user_access_key(&k2, 2).await.expect("second");
    assert_err(store.insert_user_access_key(&user_key("AKIAALICE00000000003", &alice, 3), 2).await, "Conflict");
    assert_err(store.insert_user_access_key(&k1, 3).await, "AlreadyExists");

    let got = store.get_access_key(&k1.access_key_id).await.expect("get").expect("present");
    assert_eq!(got, k1);
    assert!(matches!(&got.principal.kind, PrincipalKind::User { path, .. } if path == "/eng/"));
    assert_eq!(store.list_access_keys(&a, Some("ALICE")).await.expect("list"), vec![k1.clone(), k2.clone()]);
    assert!(store.list_access_keys(&a, Some("bob")).await.expect("bob's").is_empty());
    assert!(store.list_access_keys(&a, None).await.expect("root's").is_empty());

    assert_err(
        store.update_access_key_status(&a, Some("bob"), &k1.access_key_id, AccessKeyStatus::Inactive).await,
        "NotFound",
    );
    store
        .update_access_key_status(&a, Some("Alice"), &k1.access_key_id, AccessKeyStatus::Inactive)
        .await
        .expect("update");
    let inactive = store.get_access_key(&k1.access_key_id).await.expect("get").expect("present");
    assert_eq!(inactive.status, AccessKeyStatus::Inactive);
    assert_err(store.delete_access_key(&a, None, &k2.access_key_id).await, "NotFound");
    store.delete_access_key(&a, Some("alice"), &k2.access_key_id).await.expect("delete");
    assert_eq!(store.get_access_key(&k2.access_key_id).await.expect("get"), None);
    assert_err(store.delete_access_key(&a, Some("alice"), &k2.access_key_id).await, "NotFound");

    let root = AccessKeyRecord {
        access_key_id: "AKIAROOT000000000001".into(),
        principal: Principal { account: a.clone(), kind: PrincipalKind::Root, unique_id: a.to_string() },
        ..k1.clone()
    };
    store.insert_access_key(&root).await.expect("root key");
    assert_eq!(store.list_access_keys(&a, None).await.expect("root's"), vec![root]);
}

pub(crate) async fn delete_user_refuses_while_anything_is_attached(store: Arc<dyn Store>) {
    let a = home_account();
    assert_err(store.delete_user(&a, "alice").await, "NotFound");
    let alice = user("alice", "/", 1);
    store.insert_user(&alice).await.expect("user");
    store.insert_group(&group("devs")).await.expect("group");
    let key = user_key("AKIAALICE00000000001", &alice, 1);
    store.insert_user_access_key(&key, 2).await.expect("key");
    let p = policy(PolicyOwner::User("alice".into()), "p", "{}");
    store.put_policy(&a, &p).await.expect("policy");
    store.add_user_to_group(&a, "devs", "alice").await.expect("member");

    assert_err(store.delete_user(&a, "ALICE").await, "Conflict");
    store.delete_access_key(&a, Some("alice"), &key.access_key_id).await.expect("key gone");
    assert_err(store.delete_user(&a, "alice").await, "Conflict");
    store.delete_policy(&a, &p.owner, "p").await.expect("policy gone");
    assert_err(store.delete_user(&a, "alice").await, "Conflict");
    store.remove_user_from_group(&a, "devs", "alice").await.expect("membership gone");
    store.delete_user(&a, "ALICE").await.expect("delete");
    assert_eq!(store.get_user(&a, "alice").await.expect("get"), None);
}

pub(crate) async fn groups_hold_members(store: Arc<dyn Store>) {
    let a = home_account();
    store.insert_group(&group("Devs")).await.expect("group");
    assert_err(store.insert_group(&Group { group_id: "AGPAX".into(), ..group("DEVS") }).await, "AlreadyExists");
    store.insert_group(&group("admins")).await.expect("group");
    assert_eq!(store.get_group(&a, "devs").await.expect("get"), Some(group("Devs")));
    store.insert_user(&user("Bob", "/", 1)).await.expect("user");
    assert_err(store.add_user_to_group(&a, "devs", "nobody").await, "NotFound");
    assert_err(store.add_user_to_group(&a, "nogroup", "bob").await, "NotFound");
    store.add_user_to_group(&a, "devs", "bob").await.expect("add");
    store.add_user_to_group(&a, "DEVS", "BOB").await.expect("adding again is not an error");
    store.add_user_to_group(&a, "admins", "bob").await.expect("add");
    let names: Vec<String> =
        store.groups_of_user(&a, "BOB").await.expect("groups").into_iter().map(|g| g.name).collect();
    assert_eq!(names, ["admins", "Devs"]);
    assert_eq!(store.members_of_group(&a, "devs").await.expect("members"), ["Bob"]);
    store.remove_user_from_group(&a, "devs", "bob").await.expect("remove");
    assert_err(store.remove_user_from_group(&a, "devs", "bob").await, "NotFound");
    assert_eq!(store.groups_of_user(&a, "bob").await.expect("groups").len(), 1);
}

pub(crate) async fn roles_round_trip_and_refuse_deletion_with_policies(store: Arc<dyn Store>) {
    let a = home_account();
    let r = role("Deployer");
    store.insert_role(&r).await.expect("role");
    assert_err(store.insert_role(&Role { role_id: "AROAX".into(), ..role("deployer") }).await, "AlreadyExists");
    assert_eq!(store.get_role(&a, "DEPLOYER").await.expect("get"), Some(r.clone()));
    let bare = Role { description: None, tags: vec![], max_session_duration: 3_600, ..role("bare") };
    store.insert_role(&bare).await.expect("bare role");
    assert_eq!(store.get_role(&a, "bare").await.expect("get"), Some(bare));
    store.put_policy(&a, &policy(PolicyOwner::Role("deployer".into()), "p", "{}")).await.expect("policy");
    assert_err(store.delete_role(&a, "deployer").await, "Conflict");
    store.delete_policy(&a, &PolicyOwner::Role("Deployer".into()), "p").await.expect("policy gone");
    store.delete_role(&a, "deployer").await.expect("delete");
    assert_err(store.delete_role(&a, "deployer").await, "NotFound");
}

pub(crate) async fn list_roles_filters_by_path_prefix_and_pages(store: Arc<dyn Store>) {
    let at_path = |name: &str, path: &str| Role { path: path.to_owned(), ..role(name) };
    let roles = [at_path("carol", "/a/"), at_path("Bob", "/a/b/"), at_path("alice", "/"), at_path("dave_", "/a%/")];
    for r in &roles {
        store.insert_role(r).await.expect("insert");
    }
    let names = |v: Vec<Role>| v.into_iter().map(|r| r.name).collect::<Vec<_>>();
    let a = home_account();
    let all = store.list_roles(&a, "/", None, 10).await.expect("all");
    assert_eq!(all[1], roles[1], "every field");
    assert_eq!(names(all), ["alice", "Bob", "carol", "dave_"]);
    assert_eq!(names(store.list_roles(&a, "/a/", None, 10).await.expect("/a/")), ["Bob", "carol"]);
    assert_eq!(names(store.list_roles(&a, "/a%", None, 10).await.expect("literal %")), ["dave_"]);
    assert_eq!(names(store.list_roles(&a, "/", None, 2).await.expect("page 1")), ["alice", "Bob"]);
    assert_eq!(names(store.list_roles(&a, "/", Some("Bob"), 2).await.expect("page 2")), ["carol", "dave_"]);
    assert_eq!(names(store.list_roles(&a, "/", Some("dave_"), 2).await.expect("end")), Vec::<String>::new());
    assert!(store.list_roles(&acct("444455556666"), "/", None, 10).await.expect("other").is_empty());
}

pub(crate) async fn role_updates_are_compare_and_set(store: Arc<dyn Store>) {
    let a = home_account();
    let read = role("Deployer");
    store.insert_role(&read).await.expect("role");
    let trusted =
        Role { trust_policy: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny"}]}"#.into(), ..read.clone() };
    store.update_role(&read, &trusted).await.expect("update");
    assert_eq!(store.get_role(&a, "deployer").await.expect("get"), Some(trusted.clone()));

    // An update from the role as read before is refused: the first one is not lost.
    let described = Role { description: None, max_session_duration: 3_600, ..read.clone() };
    assert_err(store.update_role(&read, &described).await, "Conflict");
    assert_eq!(store.get_role(&a, "deployer").await.expect("get"), Some(trusted.clone()));

    // Tags, description and duration; name, path, id and creation date never change.
    let tagged = Role {
        tags: vec![
            IamTag { key: "Team".into(), value: "ünï — core".into() },
            IamTag { key: "x".into(), value: "".into() },
        ],
        description: Some("new".into()),
        max_session_duration: 7_200,
        name: "DEPLOYER".into(),
        path: "/elsewhere/".into(),
        role_id: trusted.role_id.clone(),
        ..trusted.clone()
    };
    store.update_role(&trusted, &tagged).await.expect("update");
    let stored = store.get_role(&a, "Deployer").await.expect("get").expect("stored");
    assert_eq!((stored.name.as_str(), stored.path.as_str()), ("Deployer", "/svc/"));
    assert_eq!(
        (&stored.tags, &stored.description, stored.max_session_duration),
        (&tagged.tags, &tagged.description, 7_200)
    );

    // A role gone, or made again under its name, is not the role read.
    let remade = Role { role_id: "AROAREMADE".into(), ..role("Deployer") };
    store.delete_role(&a, "deployer").await.expect("delete");
    assert_err(store.update_role(&stored, &tagged).await, "NotFound");
    store.insert_role(&remade).await.expect("made again");
    assert_err(store.update_role(&stored, &tagged).await, "NotFound");
    assert_eq!(store.get_role(&a, "deployer").await.expect("get"), Some(remade));
}

pub(crate) async fn inline_policies_put_replace_list_and_delete(store: Arc<dyn Store>) {
    let a = home_account();
    let owner = PolicyOwner::User("Alice".into());
    assert_err(store.put_policy(&a, &policy(owner.clone(), "p", "{}")).await, "NotFound");
    store.insert_user(&user("Alice", "/", 1)).await.expect("user");
    store.insert_group(&group("alice")).await.expect("a group named like the user");
    let doc = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}";
    store.put_policy(&a, &policy(PolicyOwner::User("alice".into()), "zeta", doc)).await.expect("put");
    store.put_policy(&a, &policy(owner.clone(), "Alpha", "{}")).await.expect("put");
    store.put_policy(&a, &policy(owner.clone(), "zeta", "{\"replaced\":1}")).await.expect("replace");
    store.put_policy(&a, &policy(PolicyOwner::Group("alice".into()), "zeta", doc)).await.expect("group's");

    let got = store.get_policy(&a, &PolicyOwner::User("ALICE".into()), "zeta").await.expect("get");
    assert_eq!(got, Some(policy(owner.clone(), "zeta", "{\"replaced\":1}")), "stored under the user's spelling");
    assert_eq!(store.get_policy(&a, &owner, "ZETA").await.expect("get"), None, "policy names are exact");
    let names: Vec<String> = store.list_policies(&a, &owner).await.expect("list").into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["Alpha", "zeta"]);
    let group_policy = store.get_policy(&a, &PolicyOwner::Group("alice".into()), "zeta").await.expect("get");
    assert_eq!(group_policy.map(|p| p.document), Some(doc.to_owned()), "whitespace kept");
    store.delete_policy(&a, &owner, "zeta").await.expect("delete");
    assert_err(store.delete_policy(&a, &owner, "zeta").await, "NotFound");
    assert_eq!(store.list_policies(&a, &PolicyOwner::Group("alice".into())).await.expect("group").len(), 1);
    assert_err(store.put_policy(&a, &policy(PolicyOwner::Role("alice".into()), "p", "{}")).await, "NotFound");
}

pub(crate) async fn sessions_round_trip_and_expire(store: Arc<dyn Store>) {
    let session = |id: &str, expires: i64| SessionRecord {
        access_key_id: id.to_owned(),
        account: home_account(),
        role_name: "Deployer".into(),
        role_path: "/svc/".into(),
        role_id: "AROADEPLOYER".into(),
        session_name: "ci@example.com".into(),
        secret_wrapped: vec![0, 255, 1],
        token_hash: [9; 32],
        session_policy: Some("{\"Statement\":[]}".into()),
        tags: vec![IamTag { key: "k".into(), value: "v".into() }],
        source_arn: "arn:aws:iam::111122223333:user/alice".into(),
        created_at: at(0),
        expires_at: at(expires),
    };
    let (old, new) = (session("ASIAOLD0000000000001", 100), session("ASIANEW0000000000001", 200));
    store.insert_session(&old).await.expect("insert");
    store.insert_session(&new).await.expect("insert");
    assert_err(store.insert_session(&old).await, "AlreadyExists");
    let bare = SessionRecord { session_policy: None, tags: vec![], ..session("ASIABARE000000000001", 300) };
    store.insert_session(&bare).await.expect("insert");
    assert_eq!(store.get_session(&old.access_key_id).await.expect("get"), Some(old.clone()));
    assert_eq!(store.get_session(&bare.access_key_id).await.expect("get"), Some(bare));
    assert_eq!(store.delete_sessions_expired_before(at(100)).await.expect("purge"), 0, "strictly before");
    assert_eq!(store.delete_sessions_expired_before(at(150)).await.expect("purge"), 1);
    assert_eq!(store.get_session(&old.access_key_id).await.expect("get"), None);
    assert_eq!(store.get_session(&new.access_key_id).await.expect("get"), Some(new));
}
