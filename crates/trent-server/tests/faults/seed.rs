//! Applying a seed file under write faults: the whole seed is stored, or nothing of it, and
//! applying it again after a failure completes it.

use std::path::Path;

use async_trait::async_trait;
use trent_core::{AccountId, IdentityStore, KeyId, KmsStore};

use super::sweep::{Scenario, sweep};
use super::world::{ACCOUNT, World};

const KEY: &str = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const OTHER: &str = "123456789012";

fn seed_text() -> String {
    format!(
        r#"
accounts:
  - id: "{OTHER}"
    name: seeded
  - id: "{ACCOUNT}"
    name: home
access_keys:
  - id: FOOBARKEY
    secret: FOOBARSECRET
    account: "{OTHER}"
  - id: READERKEY
    secret: READERSECRET
    account: "{ACCOUNT}"
    user: reader
    policy: '{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}}]}}'
keys:
  - id: {KEY}
    account: "{ACCOUNT}"
    description: seeded
    material: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    tags:
      team: core
aliases:
  - name: alias/seeded
    account: "{ACCOUNT}"
    target: {KEY}
"#
    )
}

async fn apply(w: &World, file: &Path) -> Result<(), String> {
    let seed = trent_server::seed::load(file).map_err(|e| e.to_string())?;
    trent_server::seed::apply(&w.state, &seed, file, false).await.map_err(|e| e.to_string())
}

/// Which of the seed's items the store holds.
async fn present(w: &World) -> Vec<bool> {
    let (home, other) = (AccountId::parse(ACCOUNT).expect("id"), AccountId::parse(OTHER).expect("id"));
    let key: KeyId = KEY.parse().expect("key id");
    vec![
        w.inner.get_account(&home).await.expect("account").is_some(),
        w.inner.get_account(&other).await.expect("account").is_some(),
        w.inner.get_user(&other, "admin").await.expect("user").is_some(),
        w.inner.get_user(&home, "reader").await.expect("user").is_some(),
        w.inner.get_access_key("FOOBARKEY").await.expect("access key").is_some(),
        w.inner.get_access_key("READERKEY").await.expect("access key").is_some(),
        w.inner.get_key(&w.scope, &key).await.expect("key").is_some(),
        !w.inner.list_tags(&w.scope, &key, None, 10).await.expect("tags").is_empty(),
        w.inner.get_alias(&w.scope, "alias/seeded").await.expect("alias").is_some(),
    ]
}

struct ApplySeed(tempfile::TempDir);

impl ApplySeed {
    fn file(&self) -> std::path::PathBuf {
        self.0.path().join("seed.yaml")
    }
}

#[async_trait]
impl Scenario for ApplySeed {
    fn name(&self) -> &'static str {
        "applying a seed"
    }
    async fn setup(&self, w: &World) {
        w.watch_key(KEY);
        w.watch_key("alias/seeded");
        w.watch_access_key("FOOBARKEY");
        w.watch_access_key("READERKEY");
    }
    async fn run(&self, w: &World) -> Result<(), String> {
        apply(w, &self.file()).await
    }
    async fn check(&self, w: &World, done: bool, context: &str) {
        let items = present(w).await;
        let whole = items.iter().all(|p| *p);
        assert!(whole || items.iter().all(|p| !p), "{context}: part of the seed is stored: {items:?}");
        assert!(!done || whole, "{context}: succeeded without the whole seed");
        if !done {
            apply(w, &self.file()).await.unwrap_or_else(|e| panic!("{context}: applying the seed again: {e}"));
            assert!(present(w).await.iter().all(|p| *p), "{context}: applying again completes the seed");
            w.check(&format!("{context}, then applied again")).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seed_is_stored_whole_or_not_at_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("seed.yaml"), seed_text()).expect("write seed");
    sweep(&ApplySeed(dir)).await;
}
