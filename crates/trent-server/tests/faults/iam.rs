//! IAM operations under write faults: an account with its administrator, users, access keys,
//! inline policies, group memberships, roles, and deletions.

use async_trait::async_trait;
use trent_core::identity::{IamTag, NewRole, PolicyOwner};
use trent_core::{AccessKeyStatus, AccountId, IdentityStore};

use super::sweep::{Scenario, failed, sweep};
use super::world::World;

const ALLOW_KMS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#;
const ALLOW_IAM: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}"#;
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;

/// `alice` with an access key and the policy `base`; the group `devs` with a policy; the user
/// `carol` and the role `idle`, with nothing attached.
async fn people(w: &World) {
    let ids = w.ids();
    ids.create_user(&w.caller, "alice", None, vec![IamTag { key: "team".into(), value: "a".into() }])
        .await
        .expect("alice");
    let key = ids.create_user_access_key(&w.caller, Some("alice")).await.expect("alice's key");
    w.watch_access_key(key.key.access_key_id);
    ids.put_inline_policy(&w.caller, PolicyOwner::User("alice".into()), "base", ALLOW_KMS).await.expect("policy");
    ids.create_group(&w.caller, "devs", None).await.expect("devs");
    ids.put_inline_policy(&w.caller, PolicyOwner::Group("devs".into()), "iam", ALLOW_IAM).await.expect("policy");
    ids.create_user(&w.caller, "carol", None, Vec::new()).await.expect("carol");
    let idle = NewRole { name: "idle".into(), trust_policy: TRUST.into(), ..NewRole::default() };
    ids.create_role(&w.caller, idle).await.expect("role");
}

/// alice's first access key id, from the store.
async fn alices_key(w: &World) -> String {
    let keys = w.inner.list_access_keys(&w.account(), Some("alice")).await.expect("keys");
    keys.first().expect("alice has a key").access_key_id.clone()
}

/// Nothing: the IAM operations name what they work on.
async fn no_inputs(_: &World) {}

/// The second account's id.
const SECOND: &str = "222233334444";

struct AccountWithAdmin;

#[async_trait]
impl Scenario for AccountWithAdmin {
    fn name(&self) -> &'static str {
        "an account with its administrator"
    }
    async fn run(&self, w: &World) -> Result<(), String> {
        let id = AccountId::parse(SECOND).expect("id");
        w.ids().create_account_with_admin(Some(id), "second").await.map(|_| ()).map_err(failed)
    }
    async fn check(&self, w: &World, done: bool, context: &str) {
        let id = AccountId::parse(SECOND).expect("id");
        let account = w.inner.get_account(&id).await.expect("account").is_some();
        let admin = w.inner.get_user(&id, "admin").await.expect("admin").is_some();
        let policies = w.inner.list_policies(&id, &PolicyOwner::User("admin".into())).await.expect("policies").len();
        let keys = w.inner.list_access_keys(&id, Some("admin")).await.expect("keys").len();
        let whole = (account, admin, policies, keys) == (true, true, 1, 1);
        let none = (account, admin, policies, keys) == (false, false, 0, 0);
        assert!(whole || none, "{context}: account {account}, admin {admin}, {policies} policies, {keys} keys");
        assert!(!done || whole, "{context}: succeeded without the whole account");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_is_never_left_without_its_administrator() {
    sweep(&AccountWithAdmin).await;
}

scenario!(create_user_is_all_or_nothing, "CreateUser with tags", people, no_inputs, |w, _i| {
    let tags = vec![IamTag { key: "team".into(), value: "b".into() }];
    w.ids().create_user(&w.caller, "bob", Some("/eng/"), tags).await.map(|_| ()).map_err(failed)
});

scenario!(create_access_key_is_all_or_nothing, "CreateAccessKey", people, no_inputs, |w, _i| {
    w.ids().create_user_access_key(&w.caller, Some("alice")).await.map(|_| ()).map_err(failed)
});

scenario!(update_access_key_is_all_or_nothing, "UpdateAccessKey to Inactive", people, no_inputs, |w, _i| {
    let key = alices_key(w).await;
    w.ids().update_access_key(&w.caller, Some("alice"), &key, AccessKeyStatus::Inactive).await.map_err(failed)
});

scenario!(delete_access_key_is_all_or_nothing, "DeleteAccessKey", people, no_inputs, |w, _i| {
    let key = alices_key(w).await;
    w.ids().delete_access_key(&w.caller, Some("alice"), &key).await.map_err(failed)
});

scenario!(put_user_policy_is_all_or_nothing, "PutUserPolicy", people, no_inputs, |w, _i| {
    let owner = PolicyOwner::User("alice".into());
    w.ids().put_inline_policy(&w.caller, owner, "base", ALLOW_IAM).await.map_err(failed)
});

scenario!(delete_user_policy_is_all_or_nothing, "DeleteUserPolicy", people, no_inputs, |w, _i| {
    w.ids().delete_inline_policy(&w.caller, PolicyOwner::User("alice".into()), "base").await.map_err(failed)
});

scenario!(add_user_to_group_is_all_or_nothing, "AddUserToGroup", people, no_inputs, |w, _i| {
    w.ids().add_user_to_group(&w.caller, "devs", "alice").await.map_err(failed)
});

scenario!(remove_user_from_group_is_all_or_nothing, "RemoveUserFromGroup", people, no_inputs, |w, _i| {
    w.ids().remove_user_from_group(&w.caller, "devs", "alice").await.map_err(failed)
}, setup {
    w.ids().add_user_to_group(&w.caller, "devs", "alice").await.expect("member");
});

scenario!(create_role_is_all_or_nothing, "CreateRole", people, no_inputs, |w, _i| {
    let role = NewRole { name: "app".into(), trust_policy: TRUST.into(), ..NewRole::default() };
    w.ids().create_role(&w.caller, role).await.map(|_| ()).map_err(failed)
});

scenario!(delete_role_is_all_or_nothing, "DeleteRole", people, no_inputs, |w, _i| {
    w.ids().delete_role(&w.caller, "idle").await.map_err(failed)
});

scenario!(delete_user_is_all_or_nothing, "DeleteUser", people, no_inputs, |w, _i| {
    w.ids().delete_user(&w.caller, "carol").await.map_err(failed)
});
