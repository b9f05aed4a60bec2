//! `CreateCustomKeyStore`, `ConnectCustomKeyStore`, `DisconnectCustomKeyStore`,
//! `DescribeCustomKeyStores`, `UpdateCustomKeyStore`, `DeleteCustomKeyStore` for stores of type
//! `AWS_CLOUDHSM`, and this node's live connections to their tokens.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use trent_crypto::{DataKey, SecretBytes, random_array};

use super::{
    ConnectionErrorCode, ConnectionState, CustomKeyStoreRecord, HsmClusters, HsmConnection, MAX_CUSTOM_KEY_STORES,
    password_wrap_aad,
};
use crate::identity::Caller;
use crate::ids::Scope;
use crate::kms::MissingStore;
use crate::kms::{Contended, Kms, KmsError, Limit, marker};
use crate::store::{CustomKeyStoreStore, StoreError};

/// `CreateCustomKeyStore` of type `AWS_CLOUDHSM`, its members checked against the model.
pub struct CreateCustomKeyStoreInput {
    /// `CustomKeyStoreName`.
    pub name: String,
    /// `CloudHsmClusterId`.
    pub cluster_id: String,
    /// `TrustAnchorCertificate` (PEM).
    pub trust_anchor: String,
    /// `KeyStorePassword`: the token's user PIN.
    pub password: SecretBytes,
}

/// `UpdateCustomKeyStore` of a store of type `AWS_CLOUDHSM`: what to change.
pub struct UpdateCustomKeyStoreInput {
    /// `CustomKeyStoreId`.
    pub id: String,
    /// `NewCustomKeyStoreName`.
    pub new_name: Option<String>,
    /// `KeyStorePassword`.
    pub password: Option<SecretBytes>,
    /// `CloudHsmClusterId`.
    pub cluster_id: Option<String>,
}

/// `DescribeCustomKeyStores`' filter: one store by id, or by name, or every store.
#[derive(Clone, Copy, Debug)]
pub enum CustomKeyStoreFilter<'a> {
    /// Every store of the caller's account and region.
    All,
    /// The store of this id.
    Id(&'a str),
    /// The store of this name.
    Name(&'a str),
}

/// One page of `DescribeCustomKeyStores`: each store with its connection state here.
#[derive(Debug)]
pub struct CustomKeyStorePage {
    /// The stores with `ConnectionState` and, for `FAILED`, `ConnectionErrorCode`.
    pub stores: Vec<(CustomKeyStoreRecord, ConnectionState, Option<ConnectionErrorCode>)>,
    /// Where the next page starts, if there is one.
    pub next_marker: Option<String>,
}

/// The custom key stores of a [`Kms`]: their table, the clusters the configuration names and
/// this node's connections.
pub(crate) struct CustomKeyStores {
    store: Arc<dyn CustomKeyStoreStore>,
    clusters: Arc<dyn HsmClusters>,
    /// This node's connection to each store whose row asks for one, made at the row's
    /// revision (a changed row is connected again).
    live: Mutex<HashMap<(Scope, String), (u64, Live)>>,
}

#[derive(Clone)]
enum Live {
    Connected(Arc<dyn HsmConnection>),
    Failed(ConnectionErrorCode),
}

impl std::fmt::Debug for CustomKeyStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomKeyStores").field("connections", &self.live.lock().len()).finish_non_exhaustive()
    }
}

impl CustomKeyStores {
    pub(crate) fn new(store: Arc<dyn CustomKeyStoreStore>, clusters: Arc<dyn HsmClusters>) -> Self {
        Self { store, clusters, live: Mutex::new(HashMap::new()) }
    }
}

fn not_found(id: &str) -> KmsError {
    KmsError::CustomKeyStoreNotFound(MissingStore::Id(id.to_owned()))
}

fn invalid_state(id: &str, state: ConnectionState) -> KmsError {
    KmsError::CustomKeyStoreInvalidState { id: id.to_owned(), state }
}

/// A certificate in PEM: what AWS accepts as a trust anchor.
fn is_pem_certificate(text: &str) -> bool {
    let t = text.trim();
    t.starts_with("-----BEGIN CERTIFICATE-----") && t.ends_with("-----END CERTIFICATE-----")
}

impl Kms {
    /// Serves custom key stores from `store`, over the clusters `clusters` names.
    #[must_use]
    pub fn with_custom_key_stores(
        mut self,
        store: Arc<dyn CustomKeyStoreStore>,
        clusters: Arc<dyn HsmClusters>,
    ) -> Self {
        self.custom_key_stores = Some(Arc::new(CustomKeyStores::new(store, clusters)));
        self
    }

    fn cks(&self) -> Option<&CustomKeyStores> {
        self.custom_key_stores.as_deref()
    }

    async fn stores_of(&self, scope: &Scope) -> Result<Vec<CustomKeyStoreRecord>, KmsError> {
        match self.cks() {
            Some(c) => Ok(c.store.custom_key_stores(scope).await?),
            None => Ok(Vec::new()),
        }
    }

    /// The custom key store `id` of `scope`.
    ///
    /// # Errors
    /// `CustomKeyStoreNotFound`.
    pub(crate) async fn custom_key_store(&self, scope: &Scope, id: &str) -> Result<CustomKeyStoreRecord, KmsError> {
        Ok(self.store_by_id(scope, id).await?.1)
    }

    async fn store_by_id(&self, scope: &Scope, id: &str) -> Result<(&CustomKeyStores, CustomKeyStoreRecord), KmsError> {
        let cks = self.cks().ok_or_else(|| not_found(id))?;
        let found = cks.store.custom_key_stores(scope).await?.into_iter().find(|s| s.id == id);
        Ok((cks, found.ok_or_else(|| not_found(id))?))
    }

    /// The store's connection state on this node, connecting it first if its row asks for a
    /// connection this node does not have yet.
    async fn connection(
        &self,
        cks: &CustomKeyStores,
        record: &CustomKeyStoreRecord,
    ) -> (ConnectionState, Option<ConnectionErrorCode>, Option<Arc<dyn HsmConnection>>) {
        let key = (record.scope.clone(), record.id.clone());
        if !record.connect {
            cks.live.lock().remove(&key);
            return (ConnectionState::Disconnected, None, None);
        }
        let known = cks.live.lock().get(&key).filter(|(rev, _)| *rev == record.revision).map(|(_, l)| l.clone());
        let live = match known {
            Some(live) => live,
            None => {
                let live = match self
                    .wrapper
                    .unwrap(&password_wrap_aad(&record.scope, &record.id), &record.wrapped_password)
                {
                    Ok(password) => match cks.clusters.connect(&record.cluster_id, &password).await {
                        Ok(conn) => Live::Connected(conn),
                        Err(code) => Live::Failed(code),
                    },
                    Err(e) => {
                        tracing::error!(error = %e, store = %record.id, "a custom key store's password does not unwrap");
                        Live::Failed(ConnectionErrorCode::InternalError)
                    }
                };
                match &live {
                    Live::Connected(_) => {
                        tracing::info!(store = %record.id, cluster = %record.cluster_id, "custom key store connected")
                    }
                    Live::Failed(code) => {
                        tracing::warn!(store = %record.id, cluster = %record.cluster_id, code = code.as_str(), "custom key store failed to connect")
                    }
                }
                cks.live.lock().insert(key, (record.revision, live.clone()));
                live
            }
        };
        match live {
            Live::Connected(conn) => (ConnectionState::Connected, None, Some(conn)),
            Live::Failed(code) => (ConnectionState::Failed, Some(code), None),
        }
    }

    /// `CreateCustomKeyStore` of type `AWS_CLOUDHSM`: the new store's id. The password is
    /// stored wrapped under the root key and checked when the store is connected, as AWS does.
    ///
    /// # Errors
    /// `CloudHsmClusterNotFound` for a cluster the configuration does not name,
    /// `IncorrectTrustAnchor`, `CustomKeyStoreNameInUse`, `CloudHsmClusterInUse`,
    /// `LimitExceeded` past [`MAX_CUSTOM_KEY_STORES`].
    pub async fn create_custom_key_store(
        &self,
        caller: &Caller,
        input: CreateCustomKeyStoreInput,
    ) -> Result<String, KmsError> {
        let scope = caller.scope();
        self.authorize_account(caller, "CreateCustomKeyStore", "*", &[])?;
        let cluster = self.cks().and_then(|c| c.clusters.cluster(&input.cluster_id));
        let (Some(cks), Some(cluster)) = (self.cks(), cluster) else {
            return Err(KmsError::CloudHsmClusterNotFound { cluster_id: input.cluster_id });
        };
        let anchor_fits = match &cluster.trust_anchor {
            Some(expected) => expected.trim() == input.trust_anchor.trim(),
            None => is_pem_certificate(&input.trust_anchor),
        };
        if !anchor_fits {
            return Err(KmsError::IncorrectTrustAnchor { cluster_id: input.cluster_id });
        }
        let existing = cks.store.custom_key_stores(&scope).await?;
        check_unique(&existing, None, Some(&input.name), Some(&input.cluster_id))?;
        if existing.len() >= MAX_CUSTOM_KEY_STORES {
            return Err(KmsError::LimitExceeded(Limit::CustomKeyStores));
        }
        let digits = random_array::<9>()?;
        let hex: String = digits.iter().map(|b| format!("{b:02x}")).collect();
        let id = format!("cks-{}", &hex[..17]);
        let wrapped_password = self.wrapper.wrap(&password_wrap_aad(&scope, &id), input.password.expose_secret())?;
        let record = CustomKeyStoreRecord {
            scope,
            id: id.clone(),
            name: input.name,
            cluster_id: input.cluster_id,
            trust_anchor: input.trust_anchor,
            wrapped_password,
            connect: false,
            created_at: self.clock.now(),
            revision: 1,
        };
        match cks.store.insert_custom_key_store(&record).await {
            Ok(()) => Ok(id),
            // Another call took the name or the cluster between the check and the insert.
            Err(StoreError::AlreadyExists) => {
                let existing = cks.store.custom_key_stores(&record.scope).await?;
                check_unique(&existing, None, Some(&record.name), Some(&record.cluster_id))?;
                Err(KmsError::Conflict(Contended::CustomKeyStore))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `ConnectCustomKeyStore`: asks for the store to be connected and connects it on this
    /// node; a failed connection shows as `FAILED` with its code in `DescribeCustomKeyStores`.
    ///
    /// # Errors
    /// `CustomKeyStoreNotFound`, `CustomKeyStoreInvalidState` for a store in state `FAILED`.
    pub async fn connect_custom_key_store(&self, caller: &Caller, id: &str) -> Result<(), KmsError> {
        let scope = caller.scope();
        self.authorize_account(caller, "ConnectCustomKeyStore", "*", &[])?;
        let (cks, record) = self.store_by_id(&scope, id).await?;
        match self.connection(cks, &record).await.0 {
            ConnectionState::Connected => return Ok(()),
            ConnectionState::Disconnected => {}
            state => return Err(invalid_state(id, state)),
        }
        let mut next = record.clone();
        next.connect = true;
        next.revision += 1;
        self.update_store_row(cks, &next, record.revision).await?;
        self.connection(cks, &next).await;
        Ok(())
    }

    /// `DisconnectCustomKeyStore`.
    ///
    /// # Errors
    /// `CustomKeyStoreNotFound`, `CustomKeyStoreInvalidState` for a disconnected store.
    pub async fn disconnect_custom_key_store(&self, caller: &Caller, id: &str) -> Result<(), KmsError> {
        let scope = caller.scope();
        self.authorize_account(caller, "DisconnectCustomKeyStore", "*", &[])?;
        let (cks, record) = self.store_by_id(&scope, id).await?;
        if !record.connect {
            return Err(invalid_state(id, ConnectionState::Disconnected));
        }
        let mut next = record.clone();
        next.connect = false;
        next.revision += 1;
        self.update_store_row(cks, &next, record.revision).await?;
        cks.live.lock().remove(&(scope, record.id));
        Ok(())
    }

    /// `DescribeCustomKeyStores`: the caller's stores ordered by id, at most `limit` (default
    /// 1000) after `marker`.
    ///
    /// # Errors
    /// `CustomKeyStoreNotFound` when the id or name filter finds nothing, `InvalidMarker`.
    pub async fn describe_custom_key_stores(
        &self,
        caller: &Caller,
        filter: CustomKeyStoreFilter<'_>,
        limit: Option<u32>,
        marker: Option<&str>,
    ) -> Result<CustomKeyStorePage, KmsError> {
        let scope = caller.scope();
        self.authorize_account(caller, "DescribeCustomKeyStores", "*", &[])?;
        let all = self.stores_of(&scope).await?;
        let mut chosen: Vec<CustomKeyStoreRecord> = match filter {
            CustomKeyStoreFilter::All => all,
            CustomKeyStoreFilter::Id(id) => {
                vec![all.into_iter().find(|s| s.id == id).ok_or_else(|| not_found(id))?]
            }
            CustomKeyStoreFilter::Name(name) => vec![
                all.into_iter()
                    .find(|s| s.name == name)
                    .ok_or_else(|| KmsError::CustomKeyStoreNotFound(MissingStore::Name(name.to_owned())))?,
            ],
        };
        if let Some(m) = marker {
            let after = marker::decode("custom-key-stores", m)?;
            chosen.retain(|s| s.id > after);
        }
        let limit = marker::limit(limit, 1000) as usize;
        let more = chosen.len() > limit;
        chosen.truncate(limit);
        let next_marker = more.then(|| chosen.last().map(|s| marker::encode("custom-key-stores", &s.id))).flatten();
        let mut stores = Vec::with_capacity(chosen.len());
        for record in chosen {
            let (state, code) = match self.cks() {
                Some(cks) => {
                    let (state, code, _) = self.connection(cks, &record).await;
                    (state, code)
                }
                None => (ConnectionState::Disconnected, None),
            };
            stores.push((record, state, code));
        }
        Ok(CustomKeyStorePage { stores, next_marker })
    }

    /// `UpdateCustomKeyStore`: a new name in state `CONNECTED` or `DISCONNECTED`; a new password
    /// or cluster only while `DISCONNECTED`, the cluster one of the same token.
    ///
    /// # Errors
    /// `CustomKeyStoreNotFound`, `CustomKeyStoreInvalidState`, `CustomKeyStoreNameInUse`,
    /// `CloudHsmClusterNotFound`, `CloudHsmClusterNotRelated`, `CloudHsmClusterInUse`.
    pub async fn update_custom_key_store(
        &self,
        caller: &Caller,
        input: UpdateCustomKeyStoreInput,
    ) -> Result<(), KmsError> {
        let scope = caller.scope();
        self.authorize_account(caller, "UpdateCustomKeyStore", "*", &[])?;
        let (cks, record) = self.store_by_id(&scope, &input.id).await?;
        let (state, _, _) = self.connection(cks, &record).await;
        let only_name = input.password.is_none() && input.cluster_id.is_none();
        let allowed = state == ConnectionState::Disconnected || (only_name && state == ConnectionState::Connected);
        if !allowed {
            return Err(invalid_state(&input.id, state));
        }
        let mut next = record.clone();
        if let Some(cluster_id) = input.cluster_id.filter(|c| *c != record.cluster_id) {
            let Some(cluster) = cks.clusters.cluster(&cluster_id) else {
                return Err(KmsError::CloudHsmClusterNotFound { cluster_id });
            };
            let related = cks.clusters.cluster(&record.cluster_id).is_some_and(|old| old.token == cluster.token);
            if !related {
                return Err(KmsError::CloudHsmClusterNotRelated { cluster_id });
            }
            next.cluster_id = cluster_id;
        }
        if let Some(name) = input.new_name {
            next.name = name;
        }
        let existing = cks.store.custom_key_stores(&scope).await?;
        check_unique(&existing, Some(&record.id), Some(&next.name), Some(&next.cluster_id))?;
        if let Some(password) = input.password {
            next.wrapped_password =
                self.wrapper.wrap(&password_wrap_aad(&scope, &record.id), password.expose_secret())?;
        }
        next.revision += 1;
        self.update_store_row(cks, &next, record.revision).await
    }

    /// `DeleteCustomKeyStore` of a disconnected store.
    ///
    /// # Errors
    /// `CustomKeyStoreNotFound`, `CustomKeyStoreInvalidState` unless it is disconnected.
    pub async fn delete_custom_key_store(&self, caller: &Caller, id: &str) -> Result<(), KmsError> {
        let scope = caller.scope();
        self.authorize_account(caller, "DeleteCustomKeyStore", "*", &[])?;
        let (cks, record) = self.store_by_id(&scope, id).await?;
        let (state, _, _) = self.connection(cks, &record).await;
        if state != ConnectionState::Disconnected {
            return Err(invalid_state(id, state));
        }
        match cks.store.delete_custom_key_store(&scope, id).await {
            Ok(()) => Ok(()),
            Err(StoreError::NotFound) => Err(not_found(id)),
            Err(e) => Err(e.into()),
        }
    }

    /// `GenerateRandom` with `CustomKeyStoreId`: `n` bytes from the store's HSM.
    ///
    /// # Errors
    /// `CustomKeyStoreNotFound`, `CustomKeyStoreInvalidState` unless the store is connected,
    /// `Internal` when the HSM fails.
    pub async fn generate_random_in_store(&self, caller: &Caller, id: &str, n: u32) -> Result<DataKey, KmsError> {
        let scope = caller.scope();
        self.authorize_account(caller, "GenerateRandom", "*", &[])?;
        let n = crate::kms::crypto::check_random_len(n)?;
        let (cks, record) = self.store_by_id(&scope, id).await?;
        match self.connection(cks, &record).await {
            (_, _, Some(conn)) => {
                let bytes = conn.random(n).await.map_err(|e| KmsError::Internal(Box::new(e)))?;
                Ok(DataKey::new(bytes.expose_secret().to_vec()))
            }
            (state, _, None) => Err(invalid_state(id, state)),
        }
    }

    async fn update_store_row(
        &self,
        cks: &CustomKeyStores,
        next: &CustomKeyStoreRecord,
        expected: u64,
    ) -> Result<(), KmsError> {
        match cks.store.update_custom_key_store(next, expected).await {
            Ok(()) => Ok(()),
            Err(StoreError::NotFound) => Err(not_found(&next.id)),
            Err(StoreError::Conflict | StoreError::AlreadyExists) => Err(KmsError::Conflict(Contended::CustomKeyStore)),
            Err(e) => Err(e.into()),
        }
    }
}

/// `CustomKeyStoreNameInUse` or `CloudHsmClusterInUse` if another store of `existing` (not
/// `except`) has the name or the cluster.
fn check_unique(
    existing: &[CustomKeyStoreRecord],
    except: Option<&str>,
    name: Option<&str>,
    cluster_id: Option<&str>,
) -> Result<(), KmsError> {
    for other in existing.iter().filter(|s| Some(s.id.as_str()) != except) {
        if name == Some(other.name.as_str()) {
            return Err(KmsError::CustomKeyStoreNameInUse { name: other.name.clone() });
        }
        if cluster_id == Some(other.cluster_id.as_str()) {
            return Err(KmsError::CloudHsmClusterInUse { cluster_id: other.cluster_id.clone() });
        }
    }
    Ok(())
}
