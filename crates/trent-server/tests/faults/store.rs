//! A store that fails every write after the first N, as redb's crash-testing backend fails
//! every I/O after a budget: the fault-injecting wrapper around the SQLite store that the
//! sweeps run every operation against. Reads always pass.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_trait::async_trait;
use time::OffsetDateTime;
use trent_core::identity::{Group, InlinePolicy, PolicyOwner, Role, SessionRecord, User};
use trent_core::kms::{Alias, CustomKeyStoreRecord, Grant, KeyMaterialRecord, KeyRecord, KeyUse, Tag};
use trent_core::secrets::{SecretRecord, VersionRecord};
use trent_core::store::{
    Batch, BatchStore, CustomKeyStoreStore, ResetStore, RewrapStore, Rewrapped, SecretChange, SecretsStore,
    WrappedColumn, WrappedRow, WrappedValue,
};
use trent_core::{
    AccessKeyRecord, AccessKeyStatus, Account, AccountId, IdentityStore, KeyId, KmsStore, ListedKey, MetaStore, Region,
    Scope, StoreError,
};
use trent_store::SqliteStore;

/// How a write past the budget fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// It is not performed and returns an error: a refused or rolled-back commit.
    Refuse,
    /// The first one is performed and still returns an error, as when a commit's
    /// acknowledgement is lost (a network database's connection dropping after `COMMIT`);
    /// every later one is refused.
    LoseAck,
}

/// No budget: every write passes.
const UNLIMITED: u64 = u64::MAX;

/// The SQLite store behind a write budget.
pub(crate) struct FaultyStore {
    inner: Arc<SqliteStore>,
    /// Writes still allowed; [`UNLIMITED`] when disarmed.
    budget: AtomicU64,
    /// Writes refused (or acknowledgements lost) since the last arming.
    failed: AtomicU64,
    /// Writes performed since the last arming.
    performed: AtomicU64,
    /// Whether the first failing write is performed ([`Fault::LoseAck`]).
    lose_ack: AtomicBool,
    /// Awaited by the next `get_secret` after it read and before it answers: another
    /// writer's change landing between a read and the next one.
    after_secret_read: parking_lot::Mutex<Option<Landing>>,
}

/// A change [`FaultyStore::after_next_secret_read`] lands.
type Landing = Pin<Box<dyn Future<Output = ()> + Send>>;

enum Admit {
    Yes,
    No,
    PerformThenFail,
}

fn injected() -> StoreError {
    StoreError::Unavailable(Box::new(std::io::Error::other("injected write fault")))
}

impl FaultyStore {
    pub(crate) fn new(inner: Arc<SqliteStore>) -> Self {
        Self {
            inner,
            budget: AtomicU64::new(UNLIMITED),
            failed: AtomicU64::new(0),
            performed: AtomicU64::new(0),
            lose_ack: AtomicBool::new(false),
            after_secret_read: parking_lot::Mutex::new(None),
        }
    }

    /// Lands `change` once, after the next read of a secret and before that read answers
    /// (with what it read before the change).
    pub(crate) fn after_next_secret_read(&self, change: impl Future<Output = ()> + Send + 'static) {
        *self.after_secret_read.lock() = Some(Box::pin(change));
    }

    /// From now on, `writes` writes pass and every later one fails as `fault` says.
    pub(crate) fn arm(&self, writes: u64, fault: Fault) {
        self.failed.store(0, Ordering::SeqCst);
        self.performed.store(0, Ordering::SeqCst);
        self.lose_ack.store(fault == Fault::LoseAck, Ordering::SeqCst);
        self.budget.store(writes, Ordering::SeqCst);
    }

    /// Every write passes again.
    pub(crate) fn disarm(&self) {
        self.budget.store(UNLIMITED, Ordering::SeqCst);
    }

    /// Writes that failed since the last arming.
    pub(crate) fn failed(&self) -> u64 {
        self.failed.load(Ordering::SeqCst)
    }

    /// Writes performed since the last arming (a lost acknowledgement counts).
    pub(crate) fn performed(&self) -> u64 {
        self.performed.load(Ordering::SeqCst)
    }

    fn admit(&self) -> Admit {
        let spent = self.budget.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| match b {
            UNLIMITED => Some(b),
            0 => None,
            n => Some(n - 1),
        });
        if spent.is_ok() {
            return Admit::Yes;
        }
        let earlier_failures = self.failed.fetch_add(1, Ordering::SeqCst);
        if earlier_failures == 0 && self.lose_ack.load(Ordering::SeqCst) { Admit::PerformThenFail } else { Admit::No }
    }

    /// Runs `write` if the budget allows it (or, for a lost acknowledgement, runs it and fails).
    async fn write<T>(&self, write: impl Future<Output = Result<T, StoreError>>) -> Result<T, StoreError> {
        match self.admit() {
            Admit::Yes => {
                self.performed.fetch_add(1, Ordering::SeqCst);
                write.await
            }
            Admit::No => Err(injected()),
            Admit::PerformThenFail => {
                self.performed.fetch_add(1, Ordering::SeqCst);
                let _ = write.await;
                Err(injected())
            }
        }
    }
}

#[async_trait]
impl KmsStore for FaultyStore {
    async fn insert_key(&self, key: &KeyRecord, material: &KeyMaterialRecord, tags: &[Tag]) -> Result<(), StoreError> {
        self.write(self.inner.insert_key(key, material, tags)).await
    }
    async fn insert_key_without_material(&self, key: &KeyRecord, tags: &[Tag]) -> Result<(), StoreError> {
        self.write(self.inner.insert_key_without_material(key, tags)).await
    }
    async fn remove_material(
        &self,
        key: &KeyRecord,
        expected_revision: u64,
        material_id: &trent_crypto::KeyMaterialId,
    ) -> Result<(), StoreError> {
        self.write(self.inner.remove_material(key, expected_revision, material_id)).await
    }
    async fn insert_key_copy(
        &self,
        key: &KeyRecord,
        first: &KeyMaterialRecord,
        later: &[KeyMaterialRecord],
        tags: &[Tag],
    ) -> Result<(), StoreError> {
        self.write(self.inner.insert_key_copy(key, first, later, tags)).await
    }
    async fn get_key(&self, scope: &Scope, key_id: &KeyId) -> Result<Option<KeyRecord>, StoreError> {
        self.inner.get_key(scope, key_id).await
    }
    async fn key_copies(&self, account: &AccountId, key_id: &KeyId) -> Result<Vec<KeyRecord>, StoreError> {
        self.inner.key_copies(account, key_id).await
    }
    async fn list_key_ids(&self, scope: &Scope, after: Option<u64>, limit: u32) -> Result<Vec<ListedKey>, StoreError> {
        self.inner.list_key_ids(scope, after, limit).await
    }
    async fn update_key(&self, key: &KeyRecord, expected_revision: u64) -> Result<(), StoreError> {
        self.write(self.inner.update_key(key, expected_revision)).await
    }
    async fn add_material(
        &self,
        key: &KeyRecord,
        expected_revision: u64,
        material: &KeyMaterialRecord,
    ) -> Result<(), StoreError> {
        self.write(self.inner.add_material(key, expected_revision, material)).await
    }
    async fn update_keys(&self, keys: &[(KeyRecord, u64)]) -> Result<(), StoreError> {
        self.write(self.inner.update_keys(keys)).await
    }
    async fn materials(&self, scope: &Scope, key_id: &KeyId) -> Result<Vec<KeyMaterialRecord>, StoreError> {
        self.inner.materials(scope, key_id).await
    }
    async fn delete_key(&self, scope: &Scope, key_id: &KeyId) -> Result<(), StoreError> {
        self.write(self.inner.delete_key(scope, key_id)).await
    }
    async fn keys_due(&self, now: OffsetDateTime) -> Result<Vec<(Scope, KeyId)>, StoreError> {
        self.inner.keys_due(now).await
    }
    // Key usage is written by a background task on its own schedule: not counted against the
    // write budget, so the budget stays a count of the writes of the calls a test makes.
    async fn record_key_usage(&self, uses: &[KeyUse]) -> Result<(), StoreError> {
        self.inner.record_key_usage(uses).await
    }
    async fn key_last_usage(&self, scope: &Scope, key_id: &KeyId) -> Result<Option<KeyUse>, StoreError> {
        self.inner.key_last_usage(scope, key_id).await
    }
    async fn usage_tracking_start(&self, now: OffsetDateTime) -> Result<OffsetDateTime, StoreError> {
        self.inner.usage_tracking_start(now).await
    }
    async fn insert_alias(&self, scope: &Scope, alias: &Alias) -> Result<(), StoreError> {
        self.write(self.inner.insert_alias(scope, alias)).await
    }
    async fn update_alias(&self, scope: &Scope, alias: &Alias) -> Result<(), StoreError> {
        self.write(self.inner.update_alias(scope, alias)).await
    }
    async fn delete_alias(&self, scope: &Scope, name: &str) -> Result<(), StoreError> {
        self.write(self.inner.delete_alias(scope, name)).await
    }
    async fn get_alias(&self, scope: &Scope, name: &str) -> Result<Option<Alias>, StoreError> {
        self.inner.get_alias(scope, name).await
    }
    async fn list_aliases(
        &self,
        scope: &Scope,
        key_id: Option<&KeyId>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Alias>, StoreError> {
        self.inner.list_aliases(scope, key_id, after, limit).await
    }
    async fn put_tags(&self, scope: &Scope, key_id: &KeyId, tags: &[Tag]) -> Result<(), StoreError> {
        self.write(self.inner.put_tags(scope, key_id, tags)).await
    }
    async fn remove_tags(&self, scope: &Scope, key_id: &KeyId, tag_keys: &[String]) -> Result<(), StoreError> {
        self.write(self.inner.remove_tags(scope, key_id, tag_keys)).await
    }
    async fn list_tags(
        &self,
        scope: &Scope,
        key_id: &KeyId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Tag>, StoreError> {
        self.inner.list_tags(scope, key_id, after, limit).await
    }
    async fn insert_grant(&self, scope: &Scope, grant: &Grant) -> Result<(), StoreError> {
        self.write(self.inner.insert_grant(scope, grant)).await
    }
    async fn grants(&self, scope: &Scope, key_id: &KeyId) -> Result<Vec<Grant>, StoreError> {
        self.inner.grants(scope, key_id).await
    }
    async fn list_retirable_grants(
        &self,
        region: &Region,
        retiring_principal: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(Scope, Grant)>, StoreError> {
        self.inner.list_retirable_grants(region, retiring_principal, after, limit).await
    }
    async fn delete_grant(&self, scope: &Scope, key_id: &KeyId, grant_id: &str) -> Result<(), StoreError> {
        self.write(self.inner.delete_grant(scope, key_id, grant_id)).await
    }
}

#[async_trait]
impl IdentityStore for FaultyStore {
    async fn insert_account(&self, account: &Account) -> Result<(), StoreError> {
        self.write(self.inner.insert_account(account)).await
    }
    async fn get_account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        self.inner.get_account(id).await
    }
    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.inner.list_accounts().await
    }
    async fn insert_access_key(&self, key: &AccessKeyRecord) -> Result<(), StoreError> {
        self.write(self.inner.insert_access_key(key)).await
    }
    async fn insert_user_access_key(&self, key: &AccessKeyRecord, max_per_user: u32) -> Result<(), StoreError> {
        self.write(self.inner.insert_user_access_key(key, max_per_user)).await
    }
    async fn get_access_key(&self, access_key_id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
        self.inner.get_access_key(access_key_id).await
    }
    async fn list_access_keys(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<Vec<AccessKeyRecord>, StoreError> {
        self.inner.list_access_keys(account, user).await
    }
    async fn update_access_key_status(
        &self,
        account: &AccountId,
        user: Option<&str>,
        access_key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), StoreError> {
        self.write(self.inner.update_access_key_status(account, user, access_key_id, status)).await
    }
    async fn delete_access_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        access_key_id: &str,
    ) -> Result<(), StoreError> {
        self.write(self.inner.delete_access_key(account, user, access_key_id)).await
    }
    async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        self.write(self.inner.insert_user(user)).await
    }
    async fn get_user(&self, account: &AccountId, name: &str) -> Result<Option<User>, StoreError> {
        self.inner.get_user(account, name).await
    }
    async fn list_users(
        &self,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<User>, StoreError> {
        self.inner.list_users(account, path_prefix, after, limit).await
    }
    async fn delete_user(&self, account: &AccountId, name: &str) -> Result<(), StoreError> {
        self.write(self.inner.delete_user(account, name)).await
    }
    async fn insert_group(&self, group: &Group) -> Result<(), StoreError> {
        self.write(self.inner.insert_group(group)).await
    }
    async fn get_group(&self, account: &AccountId, name: &str) -> Result<Option<Group>, StoreError> {
        self.inner.get_group(account, name).await
    }
    async fn add_user_to_group(&self, account: &AccountId, group: &str, user: &str) -> Result<(), StoreError> {
        self.write(self.inner.add_user_to_group(account, group, user)).await
    }
    async fn remove_user_from_group(&self, account: &AccountId, group: &str, user: &str) -> Result<(), StoreError> {
        self.write(self.inner.remove_user_from_group(account, group, user)).await
    }
    async fn groups_of_user(&self, account: &AccountId, user: &str) -> Result<Vec<Group>, StoreError> {
        self.inner.groups_of_user(account, user).await
    }
    async fn members_of_group(&self, account: &AccountId, group: &str) -> Result<Vec<String>, StoreError> {
        self.inner.members_of_group(account, group).await
    }
    async fn insert_role(&self, role: &Role) -> Result<(), StoreError> {
        self.write(self.inner.insert_role(role)).await
    }
    async fn get_role(&self, account: &AccountId, name: &str) -> Result<Option<Role>, StoreError> {
        self.inner.get_role(account, name).await
    }
    async fn list_roles(
        &self,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Role>, StoreError> {
        self.inner.list_roles(account, path_prefix, after, limit).await
    }
    async fn update_role(&self, current: &Role, updated: &Role) -> Result<(), StoreError> {
        self.write(self.inner.update_role(current, updated)).await
    }
    async fn delete_role(&self, account: &AccountId, name: &str) -> Result<(), StoreError> {
        self.write(self.inner.delete_role(account, name)).await
    }
    async fn put_policy(&self, account: &AccountId, policy: &InlinePolicy) -> Result<(), StoreError> {
        self.write(self.inner.put_policy(account, policy)).await
    }
    async fn get_policy(
        &self,
        account: &AccountId,
        owner: &PolicyOwner,
        name: &str,
    ) -> Result<Option<InlinePolicy>, StoreError> {
        self.inner.get_policy(account, owner, name).await
    }
    async fn delete_policy(&self, account: &AccountId, owner: &PolicyOwner, name: &str) -> Result<(), StoreError> {
        self.write(self.inner.delete_policy(account, owner, name)).await
    }
    async fn list_policies(&self, account: &AccountId, owner: &PolicyOwner) -> Result<Vec<InlinePolicy>, StoreError> {
        self.inner.list_policies(account, owner).await
    }
    async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        self.write(self.inner.insert_session(session)).await
    }
    async fn get_session(&self, access_key_id: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.inner.get_session(access_key_id).await
    }
    async fn delete_sessions_expired_before(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        self.write(self.inner.delete_sessions_expired_before(before)).await
    }
}

#[async_trait]
impl BatchStore for FaultyStore {
    async fn apply_batch(&self, batch: &Batch) -> Result<(), StoreError> {
        self.write(self.inner.apply_batch(batch)).await
    }
}

#[async_trait]
impl CustomKeyStoreStore for FaultyStore {
    async fn insert_custom_key_store(&self, store: &CustomKeyStoreRecord) -> Result<(), StoreError> {
        self.write(self.inner.insert_custom_key_store(store)).await
    }
    async fn custom_key_stores(&self, scope: &Scope) -> Result<Vec<CustomKeyStoreRecord>, StoreError> {
        self.inner.custom_key_stores(scope).await
    }
    async fn update_custom_key_store(
        &self,
        store: &CustomKeyStoreRecord,
        expected_revision: u64,
    ) -> Result<(), StoreError> {
        self.write(self.inner.update_custom_key_store(store, expected_revision)).await
    }
    async fn custom_key_store_key_count(&self, scope: &Scope, id: &str) -> Result<u64, StoreError> {
        self.inner.custom_key_store_key_count(scope, id).await
    }
    async fn delete_custom_key_store(&self, scope: &Scope, id: &str) -> Result<(), StoreError> {
        self.write(self.inner.delete_custom_key_store(scope, id)).await
    }
}

#[async_trait]
impl MetaStore for FaultyStore {
    async fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get_meta(name).await
    }
    async fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        self.write(self.inner.put_meta(name, value)).await
    }
}

#[async_trait]
impl RewrapStore for FaultyStore {
    async fn wrapped_after(
        &self,
        column: WrappedColumn,
        after: Option<&WrappedRow>,
        limit: u32,
    ) -> Result<Vec<WrappedValue>, StoreError> {
        self.inner.wrapped_after(column, after, limit).await
    }
    async fn replace_wrapped(&self, values: &[Rewrapped]) -> Result<u64, StoreError> {
        self.write(self.inner.replace_wrapped(values)).await
    }
    async fn insert_meta_if_absent(&self, name: &str, value: &[u8]) -> Result<bool, StoreError> {
        self.write(self.inner.insert_meta_if_absent(name, value)).await
    }
    async fn finish_meta(&self, values: &[(&str, &[u8])], remove: &str) -> Result<(), StoreError> {
        self.write(self.inner.finish_meta(values, remove)).await
    }
}

#[async_trait]
impl ResetStore for FaultyStore {
    async fn wipe(&self) -> Result<(), StoreError> {
        self.write(self.inner.wipe()).await
    }
}

#[async_trait]
impl SecretsStore for FaultyStore {
    async fn insert_secret(&self, secret: &SecretRecord, version: Option<&VersionRecord>) -> Result<(), StoreError> {
        self.write(self.inner.insert_secret(secret, version)).await
    }
    async fn get_secret(&self, scope: &Scope, name: &str) -> Result<Option<SecretRecord>, StoreError> {
        let read = self.inner.get_secret(scope, name).await;
        let landing = self.after_secret_read.lock().take();
        if let Some(change) = landing {
            change.await;
        }
        read
    }
    async fn list_secrets(&self, scope: &Scope) -> Result<Vec<SecretRecord>, StoreError> {
        self.inner.list_secrets(scope).await
    }
    async fn update_secret(&self, change: SecretChange<'_>) -> Result<(), StoreError> {
        self.write(self.inner.update_secret(change)).await
    }
    async fn touch_secret(&self, scope: &Scope, name: &str, day: OffsetDateTime) -> Result<(), StoreError> {
        self.write(self.inner.touch_secret(scope, name, day)).await
    }
    async fn get_version(
        &self,
        scope: &Scope,
        name: &str,
        version_id: &str,
    ) -> Result<Option<VersionRecord>, StoreError> {
        self.inner.get_version(scope, name, version_id).await
    }
    async fn versions(&self, scope: &Scope, name: &str) -> Result<Vec<VersionRecord>, StoreError> {
        self.inner.versions(scope, name).await
    }
    async fn delete_secret(&self, scope: &Scope, name: &str, expected_revision: Option<u64>) -> Result<(), StoreError> {
        self.write(self.inner.delete_secret(scope, name, expected_revision)).await
    }
    async fn rotating_secrets(&self) -> Result<Vec<(Scope, String)>, StoreError> {
        self.inner.rotating_secrets().await
    }
    async fn secrets_with_replicas_due(&self, now: OffsetDateTime) -> Result<Vec<(Scope, String)>, StoreError> {
        self.inner.secrets_with_replicas_due(now).await
    }

    async fn secrets_due(&self, now: OffsetDateTime) -> Result<Vec<(Scope, String)>, StoreError> {
        self.inner.secrets_due(now).await
    }
}
