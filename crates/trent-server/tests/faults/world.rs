//! The world a sweep runs one attempt in: a fresh in-memory SQLite store behind a
//! [`FaultyStore`], the server state over it (services with their caches, the seed applier),
//! a root caller, and the checks that hold after every attempt whatever its outcome.

use std::collections::BTreeSet;
use std::sync::Arc;

use parking_lot::Mutex;
use trent_core::audit::AuditSigner;
use trent_core::identity::{CallerIdentity, PolicyOwner};
use trent_core::kms::Kms;
use trent_core::secrets::Secrets;
use trent_core::{
    AccountId, Caller, Identities, IdentityStore, KeyId, KeyWrapper, KmsStore, ManualClock, Principal, PrincipalKind,
    Region, Scope, SharedClock, Store,
};
use trent_crypto::{Plaintext, RootKey};
use trent_server::{AppState, AuditLog, Authenticator, Config};
use trent_store::{SqliteAuditStore, SqliteStore};

use super::store::FaultyStore;

/// The account every caller of a sweep belongs to.
pub(crate) const ACCOUNT: &str = "111122223333";
/// The region of every sweep (the configuration's default region, which seeds use).
pub(crate) const REGION: &str = "us-east-1";
/// User names the checks look at: a user of that name that is gone must have left nothing.
pub(crate) const USERS: [&str; 5] = ["admin", "alice", "bob", "carol", "reader"];

pub(crate) struct World {
    pub(crate) state: Arc<AppState>,
    pub(crate) faulty: Arc<FaultyStore>,
    /// The store without faults: the truth the checks compare against.
    pub(crate) inner: Arc<SqliteStore>,
    pub(crate) wrapper: Arc<dyn KeyWrapper>,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) caller: Caller,
    pub(crate) scope: Scope,
    /// Key references (ids, aliases) whose answers the checks compare, cache against store.
    pub(crate) key_refs: Mutex<BTreeSet<String>>,
    /// Access key ids whose lookups the checks compare, cache against store.
    pub(crate) access_keys: Mutex<BTreeSet<String>>,
    _dir: tempfile::TempDir,
}

fn root_caller(account: &AccountId, region: &Region) -> Caller {
    Caller {
        principal: Principal { unique_id: account.to_string(), account: account.clone(), kind: PrincipalKind::Root },
        access_key_id: "AKIAROOTROOTROOTROOT".into(),
        region: region.clone(),
        source_ip: None,
        user_agent: Some("faults".into()),
        secure_transport: false,
        identity: Arc::new(CallerIdentity::root(account)),
        via_service: None,
        meter: Default::default(),
        on_behalf_log: None,
    }
}

impl World {
    pub(crate) async fn new() -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        let inner = Arc::new(SqliteStore::open_in_memory().await.expect("store"));
        let faulty = Arc::new(FaultyStore::new(inner.clone()));
        let wrapper: Arc<dyn KeyWrapper> = Arc::new(RootKey::generate().expect("root key").0);
        let clock = Arc::new(ManualClock::starting_now());
        let shared: SharedClock = clock.clone();
        let trail = Arc::new(SqliteAuditStore::open_in_memory().await.expect("trail"));
        let audit = AuditLog::start(trail, AuditSigner::ephemeral().expect("signer"), shared.clone())
            .await
            .expect("audit writer");
        let store: Arc<dyn Store> = faulty.clone();
        let kms = Arc::new(Kms::new(faulty.clone(), wrapper.clone(), shared.clone()));
        let state = Arc::new(AppState {
            secrets: Secrets::new(faulty.clone(), kms.clone(), shared.clone()),
            kms,
            params: trent_core::params::Params::new(inner.clone(), shared.clone()),
            events: inner.clone(),
            delivery: Arc::new(trent_server::events::Delivery::new(
                inner.clone(),
                shared.clone(),
                trent_server::events::EventSettings::default(),
            )),
            identities: Identities::new(faulty.clone(), wrapper.clone(), shared.clone()),
            auth: Authenticator::default(),
            clock: shared,
            config: Config::for_data_dir(dir.path()),
            audit,
            store,
            reset_lock: tokio::sync::Mutex::new(()),
            tls: None,
            quotas: trent_server::quota::RequestQuotas::new(None),
            readiness: trent_server::Readiness::Store,
            cluster: None,
            metrics: Default::default(),
            root: None,
        });
        let account = AccountId::parse(ACCOUNT).expect("account");
        let region = Region::parse(REGION).expect("region");
        let caller = root_caller(&account, &region);
        World {
            state,
            faulty,
            inner,
            wrapper,
            clock,
            scope: caller.scope(),
            caller,
            key_refs: Mutex::new(BTreeSet::new()),
            access_keys: Mutex::new(BTreeSet::new()),
            _dir: dir,
        }
    }

    pub(crate) fn kms(&self) -> &Kms {
        &self.state.kms
    }

    pub(crate) fn ids(&self) -> &Identities {
        &self.state.identities
    }

    pub(crate) fn account(&self) -> AccountId {
        self.scope.account.clone()
    }

    /// Remembers a key reference (key id or alias name) for the cache checks.
    pub(crate) fn watch_key(&self, key_ref: impl Into<String>) {
        self.key_refs.lock().insert(key_ref.into());
    }

    /// Remembers an access key id for the cache checks.
    pub(crate) fn watch_access_key(&self, id: impl Into<String>) {
        self.access_keys.lock().insert(id.into());
    }

    /// Every key reference and access key id the checks look at: the watched ones and
    /// everything the store holds.
    async fn references(&self) -> (Vec<String>, Vec<String>) {
        let mut keys = self.key_refs.lock().clone();
        for listed in self.inner.list_key_ids(&self.scope, None, 1000).await.expect("keys") {
            keys.insert(listed.key_id.to_string());
        }
        for a in self.inner.list_aliases(&self.scope, None, None, 1000).await.expect("aliases") {
            keys.insert(a.name);
        }
        let mut access = self.access_keys.lock().clone();
        let owners = std::iter::once(None).chain(USERS.iter().map(|u| Some(*u)));
        for owner in owners {
            for k in self.inner.list_access_keys(&self.account(), owner).await.expect("access keys") {
                access.insert(k.access_key_id);
            }
        }
        (keys.into_iter().collect(), access.into_iter().collect())
    }

    /// Fills the caches with everything the checks will look at, so that a stale entry would
    /// show. Run before the faulty operation.
    pub(crate) async fn warm(&self) {
        let (keys, access) = self.references().await;
        for k in &keys {
            let _ = encrypt(self.kms(), &self.caller, k).await;
        }
        for id in &access {
            let _ = lookup(self.ids(), id).await;
        }
    }

    /// Every key the store holds in `scope`, whole.
    pub(crate) async fn stored_keys(&self, scope: &Scope) -> Vec<trent_core::kms::KeyRecord> {
        let mut keys = Vec::new();
        for listed in self.inner.list_key_ids(scope, None, 1000).await.expect("keys") {
            keys.extend(self.inner.get_key(scope, &listed.key_id).await.expect("key"));
        }
        keys
    }

    /// What must hold after every attempt, failed or not: nothing half-created is stored, and
    /// the services answer as services with empty caches over the same store do.
    pub(crate) async fn check(&self, context: &str) {
        let (account, scope) = (self.account(), &self.scope);
        for id in self.inner.list_key_ids(scope, None, 1000).await.expect("keys").into_iter().map(|k| k.key_id) {
            let seqs: Vec<u32> =
                self.inner.materials(scope, &id).await.expect("materials").iter().map(|m| m.seq).collect();
            let expected: Vec<u32> = (0..seqs.len() as u32).collect();
            assert!(!seqs.is_empty() && seqs == expected, "{context}: key {id} has materials {seqs:?}");
        }
        let watched: Vec<KeyId> = self.key_refs.lock().iter().filter_map(|r| r.parse().ok()).collect();
        for gone in watched {
            if self.inner.get_key(scope, &gone).await.expect("key").is_some() {
                continue;
            }
            let materials = self.inner.materials(scope, &gone).await.expect("materials").len();
            let tags = self.inner.list_tags(scope, &gone, None, 100).await.expect("tags").len();
            let grants = self.inner.grants(scope, &gone).await.expect("grants").len();
            let aliases = self.inner.list_aliases(scope, Some(&gone), None, 100).await.expect("aliases").len();
            assert_eq!(
                (materials, tags, grants, aliases),
                (0, 0, 0, 0),
                "{context}: the missing key {gone} left materials, tags, grants or aliases"
            );
        }
        for alias in self.inner.list_aliases(scope, None, None, 1000).await.expect("aliases") {
            let target = self.inner.get_key(scope, &alias.target).await.expect("alias target");
            assert!(target.is_some(), "{context}: {} names the missing key {}", alias.name, alias.target);
        }
        for name in USERS {
            if self.inner.get_user(&account, name).await.expect("user").is_some() {
                continue;
            }
            let keys = self.inner.list_access_keys(&account, Some(name)).await.expect("access keys");
            let owner = PolicyOwner::User(name.to_owned());
            let policies = self.inner.list_policies(&account, &owner).await.expect("policies");
            let groups = self.inner.groups_of_user(&account, name).await.expect("groups");
            assert!(
                keys.is_empty() && policies.is_empty() && groups.is_empty(),
                "{context}: the missing user {name} left {} access keys, {} policies, {} groups",
                keys.len(),
                policies.len(),
                groups.len()
            );
        }
        let shared: SharedClock = self.clock.clone();
        let fresh_kms = Kms::new(self.inner.clone(), self.wrapper.clone(), shared.clone());
        let fresh_ids = Identities::new(self.inner.clone(), self.wrapper.clone(), shared);
        let (keys, access) = self.references().await;
        for k in &keys {
            let (cached, stored) =
                (encrypt(self.kms(), &self.caller, k).await, encrypt(&fresh_kms, &self.caller, k).await);
            assert_eq!(cached, stored, "{context}: Encrypt with {k} from the cache, and from the store");
        }
        for id in &access {
            let (cached, stored) = (lookup(self.ids(), id).await, lookup(&fresh_ids, id).await);
            assert_eq!(cached, stored, "{context}: credentials {id} from the cache, and from the store");
        }
    }
}

/// `Encrypt` with `key_ref`, summed up: the key and backing key used, or the error.
async fn encrypt(kms: &Kms, caller: &Caller, key_ref: &str) -> String {
    let plaintext = Plaintext::from_slice(b"probe");
    match kms.encrypt(caller, key_ref, &plaintext, &Default::default(), None, false).await {
        Ok(out) => format!("{} {:?}", out.key_arn, out.material_id),
        Err(e) => format!("{e:?}"),
    }
}

/// An access key lookup, summed up: whose it is and what policies and tags it carries.
async fn lookup(ids: &Identities, access_key_id: &str) -> String {
    match ids.access_key(access_key_id).await {
        Ok(Some(k)) => format!("{:?} {:?} {:?}", k.principal, k.identity.policies, k.identity.principal_tags),
        Ok(None) => "none".to_owned(),
        Err(e) => format!("{e:?}"),
    }
}
