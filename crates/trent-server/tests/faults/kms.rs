//! KMS operations under write faults: keys, aliases, grants, rotation, deletion (asked for
//! and carried out by the scheduler), tags, states, and the copies of a multi-Region key
//! (ReplicateKey and UpdatePrimaryRegion each one write).

use async_trait::async_trait;
use time::Duration;
use trent_core::kms::{
    CreateGrantInput, CreateKeyInput, GrantOperation, KeyState, MultiRegionKeyType, ReplicateKeyInput, Tag,
};
use trent_core::{KeyId, KmsStore, Region, Scope};

use super::sweep::{Scenario, failed, sweep};
use super::world::World;

const NEW_KEY: &str = "created by the sweep";

/// Two keys: `alias/app` names the first, which has a tag and a grant; `alias/two` names the
/// second.
async fn two_keys(w: &World) {
    for alias in ["alias/app", "alias/two"] {
        let key = w.kms().create_key(&w.caller, CreateKeyInput::default()).await.expect("create key");
        let id = key.record.key_id.to_string();
        w.kms().create_alias(&w.caller, alias, &id).await.expect("create alias");
        w.watch_key(&id);
        w.watch_key(alias);
    }
    w.watch_key("alias/new");
    let first = keys(w).await.first;
    let tags = vec![Tag { key: "owner".into(), value: "sweep".into() }];
    w.kms().tag_resource(&w.caller, &first, tags).await.expect("tag");
    let grant = CreateGrantInput {
        key_id: first,
        grantee_principal: "arn:aws:iam::111122223333:role/reader".into(),
        operations: vec![GrantOperation::Decrypt],
        ..CreateGrantInput::default()
    };
    w.kms().create_grant(&w.caller, grant).await.expect("grant");
}

/// The ids of the two keys of [`two_keys`], from the store.
struct Keys {
    first: String,
    second: String,
}

async fn keys(w: &World) -> Keys {
    let of = |alias: &'static str| async move {
        let alias = w.inner.get_alias(&w.scope, alias).await.expect("alias").expect("the alias exists");
        alias.target.to_string()
    };
    Keys { first: of("alias/app").await, second: of("alias/two").await }
}

struct CreateKey;

#[async_trait]
impl Scenario for CreateKey {
    fn name(&self) -> &'static str {
        "CreateKey with tags"
    }
    async fn setup(&self, w: &World) {
        two_keys(w).await;
    }
    async fn run(&self, w: &World) -> Result<(), String> {
        let tags = vec![Tag { key: "team".into(), value: "core".into() }, Tag { key: "env".into(), value: "t".into() }];
        let input = CreateKeyInput { description: Some(NEW_KEY.into()), tags, ..CreateKeyInput::default() };
        w.kms().create_key(&w.caller, input).await.map(|_| ()).map_err(failed)
    }
    async fn check(&self, w: &World, done: bool, context: &str) {
        let keys = w.stored_keys(&w.scope).await;
        let new: Vec<KeyId> = keys.iter().filter(|k| k.description == NEW_KEY).map(|k| k.key_id).collect();
        assert!(new.len() <= 1 && (!done || new.len() == 1), "{context}: {} new keys", new.len());
        for id in new {
            let tags = w.inner.list_tags(&w.scope, &id, None, 10).await.expect("tags");
            assert_eq!(tags.len(), 2, "{context}: a new key without its tags");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_key_leaves_no_key_without_material_or_tags() {
    sweep(&CreateKey).await;
}

scenario!(create_alias_is_all_or_nothing, "CreateAlias", two_keys, keys, |w, k| {
    w.kms().create_alias(&w.caller, "alias/new", &k.second).await.map_err(failed)
});

scenario!(update_alias_is_all_or_nothing, "UpdateAlias", two_keys, keys, |w, k| {
    w.kms().update_alias(&w.caller, "alias/app", &k.second).await.map_err(failed)
});

scenario!(delete_alias_is_all_or_nothing, "DeleteAlias", two_keys, keys, |w, k| {
    w.kms().delete_alias(&w.caller, "alias/app").await.map_err(failed)
});

scenario!(create_grant_is_all_or_nothing, "CreateGrant", two_keys, keys, |w, k| {
    let input = CreateGrantInput {
        key_id: k.first.clone(),
        grantee_principal: "arn:aws:iam::111122223333:role/app".into(),
        operations: vec![GrantOperation::Encrypt, GrantOperation::Decrypt],
        name: Some("app".into()),
        ..CreateGrantInput::default()
    };
    w.kms().create_grant(&w.caller, input).await.map(|_| ()).map_err(failed)
});

scenario!(revoke_grant_is_all_or_nothing, "RevokeGrant", two_keys, keys, |w, k| {
    let id: KeyId = k.first.parse().expect("key id");
    let grant = w.inner.grants(&w.scope, &id).await.expect("grants").pop().expect("a grant");
    w.kms().revoke_grant(&w.caller, &k.first, &grant.grant_id, false).await.map_err(failed)
}, setup {
    let input = CreateGrantInput {
        key_id: k.first.clone(),
        grantee_principal: "arn:aws:iam::111122223333:role/app".into(),
        operations: vec![GrantOperation::Decrypt],
        ..CreateGrantInput::default()
    };
    w.kms().create_grant(&w.caller, input).await.expect("grant");
});

scenario!(rotate_on_demand_is_all_or_nothing, "RotateKeyOnDemand", two_keys, keys, |w, k| {
    w.kms().rotate_key_on_demand(&w.caller, &k.first).await.map(|_| ()).map_err(failed)
});

scenario!(schedule_key_deletion_is_all_or_nothing, "ScheduleKeyDeletion", two_keys, keys, |w, k| {
    w.kms().schedule_key_deletion(&w.caller, &k.first, Some(7)).await.map(|_| ()).map_err(failed)
});

scenario!(the_scheduler_destroys_a_key_and_its_aliases_at_once, "the scheduler's deletion", two_keys, keys, |w, k| {
    let done = w.kms().run_due_work().await.map_err(failed)?;
    if done.deleted == 1 { Ok(()) } else { Err(format!("nothing deleted: {done:?}")) }
}, setup {
    w.kms().schedule_key_deletion(&w.caller, &k.first, Some(7)).await.expect("schedule");
    w.clock.advance(Duration::days(8));
});

scenario!(the_scheduler_rotates_a_key_at_once, "the scheduler's rotation", two_keys, keys, |w, k| {
    let done = w.kms().run_due_work().await.map_err(failed)?;
    if done.rotated == 1 { Ok(()) } else { Err(format!("nothing rotated: {done:?}")) }
}, setup {
    w.kms().enable_key_rotation(&w.caller, &k.first, Some(90)).await.expect("enable rotation");
    w.clock.advance(Duration::days(91));
});

scenario!(tag_resource_is_all_or_nothing, "TagResource", two_keys, keys, |w, k| {
    let tags = vec![Tag { key: "team".into(), value: "core".into() }, Tag { key: "cost".into(), value: "1".into() }];
    w.kms().tag_resource(&w.caller, &k.first, tags).await.map_err(failed)
});

scenario!(disable_key_is_all_or_nothing, "DisableKey", two_keys, keys, |w, k| {
    w.kms().disable_key(&w.caller, &k.first).await.map_err(failed)
});

/// The region multi-Region keys are replicated to.
const WEST: &str = "eu-west-1";
const MRK: &str = "the sweep's multi-Region key";

/// A multi-Region primary key in the sweep's region with two backing keys (a replica must
/// receive both).
async fn multi_region_key(w: &World) {
    let input = CreateKeyInput { multi_region: true, description: Some(MRK.into()), ..CreateKeyInput::default() };
    let id = w.kms().create_key(&w.caller, input).await.expect("create key").record.key_id.to_string();
    w.kms().rotate_key_on_demand(&w.caller, &id).await.expect("rotate");
    w.watch_key(&id);
}

/// The multi-Region key's id, and the scope of its copy in [`WEST`].
struct Mrk {
    id: KeyId,
    west: Scope,
}

async fn mrk(w: &World) -> Mrk {
    let keys = w.stored_keys(&w.scope).await;
    let id = keys.iter().find(|k| k.description == MRK).expect("the multi-Region key").key_id;
    Mrk { id, west: Scope::new(w.account(), Region::parse(WEST).expect("region")) }
}

fn replicate(id: &KeyId) -> ReplicateKeyInput {
    ReplicateKeyInput {
        key_id: id.to_string(),
        replica_region: WEST.into(),
        tags: vec![Tag { key: "copy".into(), value: "west".into() }],
        ..ReplicateKeyInput::default()
    }
}

struct ReplicateKey;

#[async_trait]
impl Scenario for ReplicateKey {
    fn name(&self) -> &'static str {
        "ReplicateKey"
    }
    async fn setup(&self, w: &World) {
        multi_region_key(w).await;
    }
    async fn run(&self, w: &World) -> Result<(), String> {
        let k = mrk(w).await;
        w.kms().replicate_key(&w.caller, replicate(&k.id)).await.map(|_| ()).map_err(failed)
    }
    async fn check(&self, w: &World, done: bool, context: &str) {
        let k = mrk(w).await;
        let replica = w.inner.get_key(&k.west, &k.id).await.expect("replica");
        let seqs: Vec<u32> =
            w.inner.materials(&k.west, &k.id).await.expect("materials").iter().map(|m| m.seq).collect();
        let tags = w.inner.list_tags(&k.west, &k.id, None, 10).await.expect("tags").len();
        match replica {
            Some(r) => {
                assert_eq!(r.state, KeyState::Enabled, "{context}: a replica left {:?}", r.state);
                assert_eq!((seqs, tags), (vec![0, 1], 1), "{context}: a replica without its backing keys or tags");
            }
            None => {
                assert!(!done, "{context}: ReplicateKey succeeded without a replica");
                assert_eq!((seqs.len(), tags), (0, 0), "{context}: backing keys or tags of a missing replica");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicate_key_is_all_or_nothing() {
    sweep(&ReplicateKey).await;
}

struct UpdatePrimaryRegion;

#[async_trait]
impl Scenario for UpdatePrimaryRegion {
    fn name(&self) -> &'static str {
        "UpdatePrimaryRegion"
    }
    async fn setup(&self, w: &World) {
        multi_region_key(w).await;
        let k = mrk(w).await;
        w.kms().replicate_key(&w.caller, replicate(&k.id)).await.expect("replicate");
    }
    async fn run(&self, w: &World) -> Result<(), String> {
        let k = mrk(w).await;
        w.kms().update_primary_region(&w.caller, &k.id.to_string(), WEST).await.map_err(failed)
    }
    async fn check(&self, w: &World, done: bool, context: &str) {
        let k = mrk(w).await;
        let copies = w.inner.key_copies(&w.account(), &k.id).await.expect("copies");
        let primaries: Vec<&str> = copies
            .iter()
            .filter(|c| c.multi_region == Some(MultiRegionKeyType::Primary))
            .map(|c| c.scope.region.as_str())
            .collect();
        let expected = if done { WEST } else { primaries.first().copied().unwrap_or("none") };
        assert_eq!(primaries, vec![expected], "{context}: the primaries of a two-copy key");
        assert_eq!(copies.len(), 2, "{context}: copies");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_primary_region_is_all_or_nothing() {
    sweep(&UpdatePrimaryRegion).await;
}
