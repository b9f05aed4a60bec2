//! Secrets Manager writers decide on the secret as it is under its write lock: a resource
//! policy another writer puts after the writer first found the secret (while it waits for the
//! lock) is the one that allows or refuses it. Regression guard for authorizing a writer once:
//! the one check must be the one made on what is read under the lock, not on what was read to
//! find the lock.
//!
//! A purge (forced `DeleteSecret`, the end of a recovery window) removes only the revision it
//! checked: a write another node lands after the purge read the secret (a `RestoreSecret`, a
//! replica added) keeps the secret.

use std::future::Future;
use std::sync::Arc;

use trent_core::kms::Tag;
use trent_core::secrets::{
    BadRequest, CreateSecretInput, PutValueInput, ReplicaRegion, SecretValue, Secrets, SecretsError,
};
use trent_core::store::SecretsStore;
use trent_core::{Caller, Invalidation};

use super::world::World;

/// Refuses the writes below to everyone, the account's root user included.
const DENY_WRITES: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":["secretsmanager:PutSecretValue","secretsmanager:TagResource"],"Resource":"*"}]}"#;

/// The secret `app` with a value, on this node, not cached.
async fn app(w: &World) {
    let input = CreateSecretInput {
        name: "app".into(),
        value: Some(SecretValue::string("first")),
        ..CreateSecretInput::default()
    };
    w.state.secrets.create_secret(&w.caller, input).await.expect("create");
    w.state.secrets.apply_remote(&Invalidation::All);
}

/// The secret `app`, not cached, with a policy denying its writes set to land right after
/// the next read of it.
async fn app_denied_after_the_next_read(w: &World) {
    app(w).await;
    let (state, caller) = (w.state.clone(), w.caller.clone());
    w.faulty.after_next_secret_read(async move {
        state.secrets.put_resource_policy(&caller, "app", None, DENY_WRITES, false).await.expect("policy");
    });
}

#[tokio::test]
async fn a_policy_put_while_put_secret_value_waits_for_the_lock_refuses_it() {
    let w = World::new().await;
    app_denied_after_the_next_read(&w).await;
    let input =
        PutValueInput { secret_id: "app".into(), token: None, value: SecretValue::string("second"), stages: None };
    let put = w.state.secrets.put_secret_value(&w.caller, input).await;
    assert!(matches!(put, Err(SecretsError::AccessDenied { .. })), "{put:?}");
}

#[tokio::test]
async fn a_policy_put_while_tag_resource_waits_for_the_lock_refuses_it() {
    let w = World::new().await;
    app_denied_after_the_next_read(&w).await;
    let tag = Tag { key: "team".into(), value: "a".into() };
    let tagged = w.state.secrets.tag_resource(&w.caller, "app", &[tag]).await;
    assert!(matches!(tagged, Err(SecretsError::AccessDenied { .. })), "{tagged:?}");
    let stored = w.inner.get_secret(&w.scope, "app").await.expect("read").expect("app");
    assert!(stored.tags.is_empty() && stored.policy.is_some(), "{:?}", stored.tags);
}

/// Lands `write`, made by another node sharing the store (its own caches and write locks,
/// no invalidations to or from this one, as when they arrive late), right after this node's
/// next read of a secret.
fn on_another_node_after_the_next_read<W, F>(w: &World, write: W)
where
    W: FnOnce(Arc<Secrets>, Caller) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    let other = Arc::new(Secrets::new(w.inner.clone(), w.state.kms.clone(), w.state.clock.clone()));
    w.faulty.after_next_secret_read(write(other, w.caller.clone()));
}

#[tokio::test]
async fn a_restore_on_another_node_after_the_purge_read_the_secret_keeps_it() {
    let w = World::new().await;
    app(&w).await;
    w.state.secrets.delete_secret(&w.caller, "app", Some(7), false).await.expect("schedule");
    w.state.secrets.apply_remote(&Invalidation::All);
    w.clock.advance(time::Duration::days(8));
    on_another_node_after_the_next_read(&w, |other, caller| async move {
        other.restore_secret(&caller, "app").await.expect("restore on the other node");
    });

    assert_eq!(w.state.secrets.run_due_work().await.expect("purge pass"), 0);
    let kept = w.inner.get_secret(&w.scope, "app").await.expect("read").expect("app is kept");
    assert!(!kept.is_deleted(), "{:?}", kept.deletion_date);
    assert_eq!(w.inner.versions(&w.scope, "app").await.expect("versions").len(), 1);
    assert_eq!(w.state.secrets.run_due_work().await.expect("next pass"), 0, "restored: no longer due");
    assert!(w.inner.get_secret(&w.scope, "app").await.expect("read").is_some());
}

#[tokio::test]
async fn a_replica_added_on_another_node_after_a_forced_delete_read_the_secret_refuses_it() {
    let w = World::new().await;
    app(&w).await;
    on_another_node_after_the_next_read(&w, |other, caller| async move {
        let west = ReplicaRegion { region: "us-west-2".into(), kms_key_id: None };
        other.replicate_secret_to_regions(&caller, "app", &[west], false).await.expect("replicate on the other node");
    });

    let forced = w.state.secrets.delete_secret(&w.caller, "app", None, true).await;
    assert!(matches!(forced, Err(SecretsError::InvalidRequest(BadRequest::HasReplicas))), "{forced:?}");
    let primary = w.inner.get_secret(&w.scope, "app").await.expect("read").expect("the primary is kept");
    assert_eq!(primary.replicas.len(), 1);
}

#[tokio::test]
async fn a_forced_delete_overtaken_by_another_node_reads_again_and_deletes() {
    let w = World::new().await;
    app(&w).await;
    on_another_node_after_the_next_read(&w, |other, caller| async move {
        let tag = Tag { key: "team".into(), value: "a".into() };
        other.tag_resource(&caller, "app", &[tag]).await.expect("tag on the other node");
    });

    let forced = w.state.secrets.delete_secret(&w.caller, "app", None, true).await.expect("forced delete");
    assert_eq!(forced.name, "app");
    assert_eq!(w.inner.get_secret(&w.scope, "app").await.expect("read"), None);
    assert_eq!(w.inner.versions(&w.scope, "app").await.expect("versions"), vec![]);
}
