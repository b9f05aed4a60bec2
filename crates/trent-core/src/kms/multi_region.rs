//! Multi-Region keys: `ReplicateKey`, `UpdatePrimaryRegion`, the `MultiRegionConfiguration`
//! of `DescribeKey`, and keeping replicas in step with their primary.
//!
//! A multi-Region key is one key id (`mrk-...`) with a copy in each region it was replicated
//! to, all in one account. The copies share the key material (so a ciphertext of one decrypts
//! with any other), the key spec, usage and origin, and the rotation settings; each has its
//! own policy, description, tags, aliases, grants and state (AWS's "shared properties").
//! Only the regions this deployment hosts can hold a replica.

use time::Duration;
use trent_crypto::KeyMaterial;

use super::KeyAction;
use super::access::KeyCall;
use super::keyref::{self, Aliases};
use super::keys::{default_key_policy, not_found, parse_key_policy};
use super::lifecycle::refuse_pending_deletion;
use super::{
    Contended, KeyDescription, KeyMaterialRecord, KeyRecord, KeyState, Kms, KmsError, MultiRegionKeyType, Tag,
    Unsupported, material_wrap_aad, tags,
};
use super::{Existing, Invalid, RegionInput};
use crate::identity::Caller;
use crate::ids::{AccountId, KeyId, Region, Scope};
use crate::store::StoreError;

/// The regions a deployment hosts, for `ReplicateKey` and `UpdatePrimaryRegion`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum HostedRegions {
    /// Every region (a deployment that serves whatever region a request is signed for).
    #[default]
    Any,
    /// Exactly these.
    List(Vec<Region>),
}

impl HostedRegions {
    fn hosts(&self, region: &Region) -> bool {
        match self {
            Self::Any => true,
            Self::List(list) => list.contains(region),
        }
    }
}

/// One copy of a multi-Region key: its ARN and region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionalKey {
    /// The copy's key ARN.
    pub arn: String,
    /// Its region.
    pub region: Region,
}

/// `MultiRegionConfiguration`: the copy's role, the primary, and every replica (the copy
/// itself included when it is a replica, as AWS lists them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiRegionConfiguration {
    /// `PRIMARY` or `REPLICA`.
    pub key_type: MultiRegionKeyType,
    /// The primary key; `None` only while a promotion is half written.
    pub primary: Option<RegionalKey>,
    /// The replicas, by region.
    pub replicas: Vec<RegionalKey>,
}

/// The inputs of `ReplicateKey`, decoded from the wire.
#[derive(Clone, Debug, Default)]
pub struct ReplicateKeyInput {
    /// `KeyId`: the primary key's id or ARN.
    pub key_id: String,
    /// `ReplicaRegion`.
    pub replica_region: String,
    /// `Policy`; defaults to the default key policy.
    pub policy: Option<String>,
    /// `BypassPolicyLockoutSafetyCheck`.
    pub bypass_policy_lockout_safety_check: bool,
    /// `Description`.
    pub description: Option<String>,
    /// `Tags`.
    pub tags: Vec<Tag>,
}

/// What `ReplicateKey` returns.
#[derive(Clone, Debug)]
pub struct Replicated {
    /// The replica's metadata.
    pub replica: KeyDescription,
    /// The replica's key policy.
    pub policy: String,
    /// The replica's tags.
    pub tags: Vec<Tag>,
}

/// The copy a multi-Region operation starts from must be the primary.
fn require_primary(rec: &KeyRecord) -> Result<(), KmsError> {
    match rec.multi_region {
        Some(MultiRegionKeyType::Primary) => Ok(()),
        Some(MultiRegionKeyType::Replica) => Err(KmsError::Unsupported(Unsupported::NotPrimary { key_arn: rec.arn() })),
        None => Err(KmsError::Unsupported(Unsupported::NotMultiRegion { key_arn: rec.arn() })),
    }
}

impl Kms {
    /// The regions `ReplicateKey` and `UpdatePrimaryRegion` may name (every region unless set).
    pub fn with_hosted_regions(mut self, hosted: HostedRegions) -> Self {
        self.hosted = hosted;
        self
    }

    /// Whether this deployment hosts `region` (where multi-Region keys and secret replicas may live).
    pub fn hosts_region(&self, region: &Region) -> bool {
        self.hosted.hosts(region)
    }

    fn parse_region(&self, field: &'static str, region: &str) -> Result<Region, KmsError> {
        let parsed = Region::parse(region)
            .map_err(|_| super::error::validation::pattern(field, region, "^([a-z]+-){2,3}\\d+$"))?;
        if !self.hosted.hosts(&parsed) {
            return Err(KmsError::Unsupported(Unsupported::RegionNotHosted(parsed)));
        }
        Ok(parsed)
    }

    /// Every stored copy of a multi-Region key.
    pub(crate) async fn copies(&self, account: &AccountId, id: &KeyId) -> Result<Vec<KeyRecord>, KmsError> {
        let all = self.store.key_copies(account, id).await?;
        Ok(all.into_iter().filter(|c| c.multi_region.is_some()).collect())
    }

    /// The `MultiRegionConfiguration` of a key; `None` for a single-Region key.
    pub(crate) async fn multi_region_configuration(
        &self,
        rec: &KeyRecord,
    ) -> Result<Option<MultiRegionConfiguration>, KmsError> {
        let Some(key_type) = rec.multi_region else { return Ok(None) };
        let mut config = MultiRegionConfiguration { key_type, primary: None, replicas: Vec::new() };
        for copy in self.copies(&rec.scope.account, &rec.key_id).await? {
            let at = RegionalKey { arn: copy.arn(), region: copy.scope.region.clone() };
            match copy.multi_region {
                Some(MultiRegionKeyType::Primary) => config.primary = Some(at),
                Some(MultiRegionKeyType::Replica) => config.replicas.push(at),
                None => {}
            }
        }
        Ok(Some(config))
    }

    /// `ReplicateKey`: a copy of a multi-Region primary key in another hosted region, with the
    /// same key id and material and its own policy, description and tags. Called in the
    /// primary's region; not across accounts.
    ///
    /// # Errors
    /// `NotFound`/`AccessDenied` for the primary; `Unsupported` for a key that is not a
    /// multi-Region primary or a region this deployment does not host; `Validation` for the
    /// primary's own region; `AlreadyExists` if the region has a replica; `MalformedPolicy`,
    /// `Tag`, `InvalidState`.
    pub async fn replicate_key(&self, caller: &Caller, input: ReplicateKeyInput) -> Result<Replicated, KmsError> {
        let r = keyref::parse(caller, &input.key_id, Aliases::Refused)?;
        // `kms:ReplicaRegion` lets a policy say where a key may be replicated.
        let mut call = KeyCall::new(KeyAction::ReplicateKey);
        call.extra.push(("kms:ReplicaRegion".to_owned(), vec![input.replica_region.clone()]));
        let primary = self.resolve_key(caller, r, call).await?;
        let rec = &primary.record;
        require_primary(rec)?;
        refuse_pending_deletion(rec)?;
        let region = self.parse_region("replicaRegion", &input.replica_region)?;
        if region == rec.scope.region {
            return Err(KmsError::Validation(Invalid::Region(RegionInput::ReplicaInPrimary {
                region,
                key_arn: rec.arn(),
            })));
        }
        tags::check_tags(&input.tags)?;
        let mut extra = vec![
            ("kms:KeySpec".to_owned(), vec![rec.spec.as_str().to_owned()]),
            ("kms:KeyUsage".to_owned(), vec![rec.usage.as_str().to_owned()]),
            ("kms:KeyOrigin".to_owned(), vec![rec.origin.as_str().to_owned()]),
            ("kms:MultiRegion".to_owned(), vec!["true".to_owned()]),
            ("kms:ReplicaRegion".to_owned(), vec![region.to_string()]),
        ];
        extra.extend(tags::request_tag_keys(&input.tags));
        // AWS asks kms:CreateKey in the replica region (an IAM policy) besides kms:ReplicateKey
        // on the primary.
        let mut in_replica_region = caller.clone();
        in_replica_region.region = region.clone();
        self.authorize_account(&in_replica_region, "CreateKey", "*", &extra)?;
        let scope = Scope::new(rec.scope.account.clone(), region);
        if let Some(existing) = self.store.get_key(&scope, &rec.key_id).await? {
            return Err(KmsError::AlreadyExists(Existing::Replica { key_arn: existing.arn() }));
        }
        let (policy, given) = match input.policy {
            Some(p) => {
                let parsed = parse_key_policy(&p)?;
                (p, Some(parsed))
            }
            None => (default_key_policy(&scope), None),
        };
        let now = self.clock.now();
        let replica = KeyRecord {
            scope: scope.clone(),
            key_id: rec.key_id,
            description: input.description.unwrap_or_default(),
            usage: rec.usage,
            spec: rec.spec,
            origin: rec.origin,
            // AWS shows a replica `Creating` until its backing keys reach it; here they arrive
            // with it, in the same transaction, so it is usable at once.
            state: KeyState::Enabled,
            created_at: now,
            deletion_date: None,
            pending_window_days: None,
            rotation: rec.rotation.clone(),
            policy: policy.clone(),
            multi_region: Some(MultiRegionKeyType::Replica),
            manager: rec.manager,
            imported: Vec::new(),
            import_count: 0,
            hsm: None,
            revision: 1,
        };
        if let Some(parsed) = &given
            && !input.bypass_policy_lockout_safety_check
        {
            self.check_lockout(caller, &replica, &input.tags, parsed)?;
        }
        let materials = self.store.materials(&rec.scope, &rec.key_id).await?;
        let mut copies = Vec::with_capacity(materials.len());
        for m in &materials {
            let plain = primary.material(&m.material_id).ok_or_else(|| {
                KmsError::Internal(
                    format!("backing key {} of {} is not loaded", m.material_id.to_hex(), rec.arn()).into(),
                )
            })?;
            copies.push(self.rewrap(&replica, plain, m)?);
        }
        let Some((first, later)) = copies.split_first() else {
            return Err(KmsError::Internal("key has no backing key".into()));
        };
        let current = materials.last().map(|m| m.material_id);
        // One write: the replica with every backing key and its tags, or nothing.
        match self.store.insert_key_copy(&replica, first, later, &input.tags).await {
            Ok(()) => {}
            Err(StoreError::AlreadyExists) => {
                return Err(KmsError::AlreadyExists(Existing::Replica { key_arn: replica.arn() }));
            }
            Err(e) => return Err(e.into()),
        }
        self.cache.invalidate_key(&scope, &replica.key_id);
        tracing::info!(key_id = %replica.key_id, region = %scope.region, "multi-Region key replicated");
        let multi_region = self.multi_region_configuration(&replica).await?;
        Ok(Replicated {
            replica: KeyDescription {
                record: replica,
                current_material: current,
                multi_region,
                custom_key_store: None,
            },
            policy,
            tags: input.tags,
        })
    }

    /// A backing key of one copy, wrapped for another copy (the wrapping names the copy's ARN).
    fn rewrap(
        &self,
        copy: &KeyRecord,
        material: &KeyMaterial,
        like: &KeyMaterialRecord,
    ) -> Result<KeyMaterialRecord, KmsError> {
        let wrapped =
            self.wrapper.wrap(&material_wrap_aad(&copy.arn(), &like.material_id), material.expose_secret())?;
        Ok(KeyMaterialRecord { wrapped, ..like.clone() })
    }

    /// `UpdatePrimaryRegion`: the replica in `primary_region` becomes the primary and the
    /// primary a replica. Called in the primary's region; not across accounts. Both copies
    /// must allow `kms:UpdatePrimaryRegion`.
    ///
    /// # Errors
    /// `NotFound` for the key or for a replica in that region; `Unsupported` for a key that
    /// is not a multi-Region primary; `InvalidState` for a copy pending deletion.
    pub async fn update_primary_region(
        &self,
        caller: &Caller,
        key_id: &str,
        primary_region: &str,
    ) -> Result<(), KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        // `kms:PrimaryRegion` lets a policy say where the primary may move.
        let call = || {
            let mut call = KeyCall::new(KeyAction::UpdatePrimaryRegion);
            call.extra.push(("kms:PrimaryRegion".to_owned(), vec![primary_region.to_owned()]));
            call
        };
        let primary = self.resolve_key(caller, r, call()).await?;
        let rec = primary.record.clone();
        require_primary(&rec)?;
        refuse_pending_deletion(&rec)?;
        let region = self.parse_region("primaryRegion", primary_region)?;
        if region == rec.scope.region {
            return Err(KmsError::Validation(Invalid::Region(RegionInput::AlreadyPrimary {
                key_arn: rec.arn(),
                region,
            })));
        }
        let scope = Scope::new(rec.scope.account.clone(), region);
        let replica = self.loaded(&scope, &rec.key_id).await?;
        if replica.record.multi_region != Some(MultiRegionKeyType::Replica) {
            return Err(not_found(&replica.arn));
        }
        self.authorize_key(caller, &replica, &call())?;
        refuse_pending_deletion(&replica.record)?;
        self.swap_roles(&scope, &rec.scope, &rec.key_id).await?;
        tracing::info!(key_id = %rec.key_id, region = %scope.region, "multi-Region primary moved");
        Ok(())
    }

    /// The copy in `to` becomes the primary and the one in `from` a replica, in one write: a
    /// failure leaves the roles as they were, never two primaries or none.
    async fn swap_roles(&self, to: &Scope, from: &Scope, id: &KeyId) -> Result<(), KmsError> {
        for _ in 0..8 {
            let (mut new_primary, mut old_primary) = (self.record(to, id).await?, self.record(from, id).await?);
            if new_primary.multi_region != Some(MultiRegionKeyType::Replica)
                || old_primary.multi_region != Some(MultiRegionKeyType::Primary)
            {
                return Err(KmsError::Conflict(Contended::PrimaryRegion));
            }
            let expected = (new_primary.revision, old_primary.revision);
            new_primary.multi_region = Some(MultiRegionKeyType::Primary);
            new_primary.revision = expected.0 + 1;
            old_primary.multi_region = Some(MultiRegionKeyType::Replica);
            old_primary.revision = expected.1 + 1;
            let named = old_primary.arn();
            let written = self.store.update_keys(&[(new_primary, expected.0), (old_primary, expected.1)]).await;
            self.cache.invalidate_key(to, id);
            self.cache.invalidate_key(from, id);
            match written {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(not_found(&named)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(KmsError::Conflict(Contended::Key))
    }

    /// Read-modify-write of one copy, without authorization (the caller authorized the call
    /// on the copy it named).
    async fn update_copy(&self, scope: &Scope, id: &KeyId, f: impl Fn(&mut KeyRecord)) -> Result<(), KmsError> {
        for _ in 0..8 {
            let mut rec = self.record(scope, id).await?;
            let expected = rec.revision;
            f(&mut rec);
            rec.revision = expected + 1;
            let written = self.store.update_key(&rec, expected).await;
            self.cache.invalidate_key(scope, id);
            match written {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(not_found(&rec.arn())),
                Err(e) => return Err(e.into()),
            }
        }
        Err(KmsError::Conflict(Contended::Key))
    }

    /// After a primary changed its rotation settings or gained a backing key: every replica
    /// takes the same settings and, rewrapped for it, the same backing key.
    pub(crate) async fn sync_replicas(
        &self,
        primary: &KeyRecord,
        added: Option<(&KeyMaterial, &KeyMaterialRecord)>,
    ) -> Result<(), KmsError> {
        if primary.multi_region != Some(MultiRegionKeyType::Primary) {
            return Ok(());
        }
        for copy in self.copies(&primary.scope.account, &primary.key_id).await? {
            if copy.multi_region != Some(MultiRegionKeyType::Replica) {
                continue;
            }
            let (scope, id) = (copy.scope.clone(), copy.key_id);
            match added {
                None => self.update_copy(&scope, &id, |rec| rec.rotation = primary.rotation.clone()).await?,
                Some((material, like)) => self.add_replica_material(&scope, &id, primary, material, like).await?,
            }
        }
        Ok(())
    }

    async fn add_replica_material(
        &self,
        scope: &Scope,
        id: &KeyId,
        primary: &KeyRecord,
        material: &KeyMaterial,
        like: &KeyMaterialRecord,
    ) -> Result<(), KmsError> {
        for _ in 0..8 {
            let mut rec = self.record(scope, id).await?;
            if self.store.materials(scope, id).await?.iter().any(|m| m.material_id == like.material_id) {
                return Ok(());
            }
            let copy = self.rewrap(&rec, material, like)?;
            let expected = rec.revision;
            rec.revision += 1;
            rec.rotation = primary.rotation.clone();
            let written = self.store.add_material(&rec, expected, &copy).await;
            self.cache.invalidate_key(scope, id);
            match written {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(KmsError::Conflict(Contended::Key))
    }

    /// Whether a primary being deleted must first wait for its replicas.
    pub(crate) async fn has_replicas(&self, rec: &KeyRecord) -> Result<bool, KmsError> {
        if rec.multi_region != Some(MultiRegionKeyType::Primary) {
            return Ok(false);
        }
        let copies = self.copies(&rec.scope.account, &rec.key_id).await?;
        Ok(copies.iter().any(|c| c.multi_region == Some(MultiRegionKeyType::Replica)))
    }

    /// After a replica was destroyed: a primary in `PendingReplicaDeletion` whose last replica
    /// is gone starts its own waiting period.
    pub(crate) async fn release_primary(&self, account: &AccountId, id: &KeyId) -> Result<(), KmsError> {
        let copies = self.copies(account, id).await?;
        if copies.iter().any(|c| c.multi_region == Some(MultiRegionKeyType::Replica)) {
            return Ok(());
        }
        let Some(primary) = copies.iter().find(|c| c.state == KeyState::PendingReplicaDeletion) else {
            return Ok(());
        };
        let now = self.clock.now();
        self.update_copy(&primary.scope, id, |rec| {
            if rec.state == KeyState::PendingReplicaDeletion {
                let days = rec.pending_window_days.unwrap_or(super::DEFAULT_PENDING_WINDOW_DAYS);
                rec.state = KeyState::PendingDeletion;
                rec.deletion_date = Some(now + Duration::days(days.into()));
            }
        })
        .await
    }
}
