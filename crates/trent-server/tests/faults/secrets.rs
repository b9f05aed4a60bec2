//! Secrets Manager writers decide on the secret as it is under its write lock: a resource
//! policy another writer puts after the writer first found the secret (while it waits for the
//! lock) is the one that allows or refuses it. Regression guard for authorizing a writer once:
//! the one check must be the one made on what is read under the lock, not on what was read to
//! find the lock.

use trent_core::Invalidation;
use trent_core::kms::Tag;
use trent_core::secrets::{CreateSecretInput, PutValueInput, SecretValue, SecretsError};
use trent_core::store::SecretsStore;

use super::world::World;

/// Refuses the writes below to everyone, the account's root user included.
const DENY_WRITES: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":["secretsmanager:PutSecretValue","secretsmanager:TagResource"],"Resource":"*"}]}"#;

/// The secret `app`, not cached, with a policy denying its writes set to land right after
/// the next read of it.
async fn app_denied_after_the_next_read(w: &World) {
    let input = CreateSecretInput {
        name: "app".into(),
        value: Some(SecretValue::string("first")),
        ..CreateSecretInput::default()
    };
    w.state.secrets.create_secret(&w.caller, input).await.expect("create");
    w.state.secrets.apply_remote(&Invalidation::All);
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
