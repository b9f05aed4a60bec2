//! Creating, describing, listing and describing-updating keys; loading keys for use.

use std::sync::Arc;

use trent_crypto::{
    KeyMaterial, KeyMaterialId, PrivateKeyKind, SYMMETRIC_KEY_LEN, derive_material_id, generate_private_key, random_vec,
};

use super::KeyAction;
use super::access::KeyCall;
use super::cache::{KeyExtras, LoadedKey};
use super::keyref::{self, Aliases};
use super::{
    GrantOperation, Invalid, KeyInput, KeyManager, KeyMaterialRecord, KeyRecord, KeySpec, KeyState, KeyUsage, Kms,
    KmsError, Limit, Malformed, Missing, MultiRegionKeyType, Origin, RotationSettings, Tag, Unsupported, marker,
    material_wrap_aad, tags,
};
use crate::identity::Caller;
use crate::ids::{KeyId, Scope};
use crate::policy::{Policy, PolicyKind};
use crate::store::NewKey;

/// A customer managed `SYMMETRIC_DEFAULT` key of origin `AWS_KMS`, enabled, created `now`,
/// without rotation, multi-Region or custom key store: the base that `CreateKey` varies.
pub(crate) fn new_symmetric_record(
    scope: &Scope,
    key_id: KeyId,
    description: String,
    policy: String,
    now: time::OffsetDateTime,
) -> KeyRecord {
    KeyRecord {
        scope: scope.clone(),
        key_id,
        description,
        usage: KeyUsage::EncryptDecrypt,
        spec: KeySpec::SymmetricDefault,
        origin: Origin::AwsKms,
        state: KeyState::Enabled,
        created_at: now,
        deletion_date: None,
        pending_window_days: None,
        rotation: RotationSettings::default(),
        policy,
        multi_region: None,
        manager: KeyManager::Customer,
        imported: Vec::new(),
        import_count: 0,
        hsm: None,
        revision: 1,
    }
}

/// New material of `spec`: a 256-bit key (symmetric), an HMAC key of the spec's length, or a
/// private key as PKCS#8 DER (asymmetric).
fn generate_material(spec: KeySpec) -> Result<KeyMaterial, KmsError> {
    Ok(match spec.private_key_kind() {
        Some(kind) => generate_private_key(kind)?,
        None => KeyMaterial::new(random_vec(spec.hmac_key_len().unwrap_or(SYMMETRIC_KEY_LEN))?),
    })
}

/// Runs `generate` (a private key's generation, and what goes with it) where it does not stall
/// other requests: on the runtime's blocking pool for an RSA key, whose generation takes a
/// random, long-tailed time (a second or more for RSA_4096 in a debug build under load, during
/// which an async worker would serve nothing else); inline for the other kinds, which take
/// microseconds (a hop to another thread would cost more than it saves).
///
/// # Errors
/// `generate`'s error; `Internal` if it panicked.
pub(crate) async fn off_worker_for<T: Send + 'static>(
    kind: PrivateKeyKind,
    generate: impl FnOnce() -> Result<T, KmsError> + Send + 'static,
) -> Result<T, KmsError> {
    match kind {
        PrivateKeyKind::Rsa { .. } => {
            tokio::task::spawn_blocking(generate).await.map_err(|e| KmsError::Internal(Box::new(e)))?
        }
        PrivateKeyKind::Ec(_) | PrivateKeyKind::Ed25519 | PrivateKeyKind::MlDsa(_) | PrivateKeyKind::MlKem(_) => {
            generate()
        }
    }
}

/// The key policy document size quota, in bytes (AWS KMS "Resource quotas": 32 KB, not
/// adjustable). The model allows 131,072 characters; past this quota AWS answers
/// `LimitExceededException`, and so does Trent.
pub const MAX_POLICY_BYTES: usize = 32_768;

/// The inputs of `CreateKey`, decoded from the wire.
#[derive(Clone, Debug, Default)]
pub struct CreateKeyInput {
    /// `Description`.
    pub description: Option<String>,
    /// `KeyUsage`; defaults to `ENCRYPT_DECRYPT`.
    pub usage: Option<KeyUsage>,
    /// `KeySpec` (or the deprecated `CustomerMasterKeySpec`); defaults to `SYMMETRIC_DEFAULT`.
    pub spec: Option<KeySpec>,
    /// `Origin`; defaults to `AWS_KMS`.
    pub origin: Option<Origin>,
    /// `Policy`; defaults to the default key policy.
    pub policy: Option<String>,
    /// `Tags`.
    pub tags: Vec<Tag>,
    /// `MultiRegion`.
    pub multi_region: bool,
    /// `CustomKeyStoreId`.
    pub custom_key_store_id: Option<String>,
    /// `XksKeyId`.
    pub xks_key_id: Option<String>,
    /// `BypassPolicyLockoutSafetyCheck`.
    pub bypass_policy_lockout_safety_check: bool,
}

/// What `DescribeKey` and `CreateKey` return.
#[derive(Clone, Debug)]
pub struct KeyDescription {
    /// The key's metadata.
    pub record: KeyRecord,
    /// The backing key new ciphertexts use (`KeyMetadata` shows it for symmetric keys only).
    pub current_material: Option<KeyMaterialId>,
    /// For a multi-Region key, its primary and replicas.
    pub multi_region: Option<super::MultiRegionConfiguration>,
    /// For a key in a custom key store, the store and its cluster.
    pub custom_key_store: Option<super::StoreOfKey>,
}

/// One page of `ListKeys`.
#[derive(Clone, Debug)]
pub struct KeyPage {
    /// `(key id, key ARN)` pairs.
    pub keys: Vec<(KeyId, String)>,
    /// Marker for the next page, if there is one.
    pub next_marker: Option<String>,
}

/// The policy AWS attaches to a key created without one: the account may do everything,
/// which delegates the decision to its IAM policies.
pub fn default_key_policy(scope: &Scope) -> String {
    format!(
        concat!(
            "{{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {{\n",
            "    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n",
            "    \"Principal\" : {{\n      \"AWS\" : \"arn:{}:iam::{}:root\"\n    }},\n",
            "    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  }} ]\n}}"
        ),
        scope.region.partition(),
        scope.account
    )
}

/// Parses and validates a key policy document: `LimitExceeded` past the size quota (checked
/// before the policy engine reads a byte), `MalformedPolicy` with the engine's message for a
/// document that is not a valid key policy. The model's bounds are the wire's to check.
pub(crate) fn parse_key_policy(policy: &str) -> Result<Policy, KmsError> {
    if policy.len() > MAX_POLICY_BYTES {
        return Err(KmsError::LimitExceeded(Limit::KeyPolicySize { bytes: policy.len() }));
    }
    Policy::parse(policy, PolicyKind::Resource).map_err(|e| KmsError::MalformedPolicy(Malformed::Document(e)))
}

/// The lockout safety check: a new key policy must let `caller` put a key policy again.
pub(crate) fn lockout_error() -> KmsError {
    KmsError::MalformedPolicy(Malformed::Lockout)
}

pub(crate) fn not_found(arn: &str) -> KmsError {
    KmsError::NotFound(Missing::Key(arn.to_owned()))
}

impl Kms {
    /// `CreateKey`: a key of any spec but SM2 (China Regions only), with fresh material;
    /// a multi-Region key (`mrk-` id) of any of those specs; a symmetric key of origin
    /// `AWS_CLOUDHSM` whose material is generated inside a connected custom key store's token.
    ///
    /// # Errors
    /// `Unsupported` for SM2 and origins this server does not offer yet (a key of origin
    /// `EXTERNAL` is created `PendingImport`, without material); `Validation` for a
    /// usage the spec does not allow; `Validation`,
    /// `Tag`, `LimitExceeded` and `MalformedPolicy` for bad input; for a custom key store,
    /// `Unsupported` for another origin, spec or a multi-Region key, `CustomKeyStoreNotFound`,
    /// `CustomKeyStoreInvalidState` unless connected, `CloudHsmClusterInvalidConfiguration`.
    pub async fn create_key(&self, caller: &Caller, input: CreateKeyInput) -> Result<KeyDescription, KmsError> {
        let scope = caller.scope();
        let spec = input.spec.unwrap_or(KeySpec::SymmetricDefault);
        let usage = input.usage.unwrap_or(KeyUsage::EncryptDecrypt);
        let origin = input.origin.unwrap_or(Origin::AwsKms);
        match &input.custom_key_store_id {
            Some(store_id) => {
                self.check_key_in_store(&scope, store_id, origin, spec, usage, input.multi_region).await?
            }
            None if origin == Origin::AwsCloudhsm => {
                return Err(KmsError::Unsupported(Unsupported::CloudHsmOriginWithoutStore));
            }
            None => {}
        }
        if input.xks_key_id.is_some() {
            return Err(KmsError::Validation(Invalid::Key(KeyInput::XksKeyId)));
        }
        if spec == KeySpec::Sm2 {
            return Err(KmsError::Unsupported(Unsupported::ChinaKeySpec(spec)));
        }
        if !spec.allows_usage(usage) {
            return Err(KmsError::Validation(Invalid::Key(KeyInput::UsageSpec { usage, spec })));
        }
        if !matches!(origin, Origin::AwsKms | Origin::External | Origin::AwsCloudhsm) {
            return Err(KmsError::Unsupported(Unsupported::Origin(origin)));
        }
        if origin == Origin::External && input.multi_region {
            return Err(KmsError::Unsupported(Unsupported::MultiRegionExternal));
        }
        let description = input.description.unwrap_or_default();
        tags::check_tags(&input.tags)?;
        let mut extra = vec![
            ("kms:KeySpec".to_owned(), vec![spec.as_str().to_owned()]),
            ("kms:KeyUsage".to_owned(), vec![usage.as_str().to_owned()]),
            ("kms:KeyOrigin".to_owned(), vec![origin.as_str().to_owned()]),
            ("kms:MultiRegion".to_owned(), vec![input.multi_region.to_string()]),
        ];
        extra.extend(tags::request_tag_keys(&input.tags));
        self.authorize_account(caller, "CreateKey", "*", &extra)?;
        let (policy_text, given_policy) = match input.policy {
            Some(p) => {
                let parsed = parse_key_policy(&p)?;
                (p, Some(parsed))
            }
            None => (default_key_policy(&scope), None),
        };
        let policy = policy_text;

        let key_id = if input.multi_region { KeyId::new_multi_region() } else { KeyId::new_random() };
        let mut record = KeyRecord {
            usage,
            spec,
            origin,
            state: if origin == Origin::External { KeyState::PendingImport } else { KeyState::Enabled },
            multi_region: input.multi_region.then_some(MultiRegionKeyType::Primary),
            ..new_symmetric_record(&scope, key_id, description, policy, self.clock.now())
        };
        if let Some(parsed) = &given_policy
            && !input.bypass_policy_lockout_safety_check
        {
            self.check_lockout(caller, &record, &input.tags, parsed)?;
        }
        let current = if let Some(store_id) = &input.custom_key_store_id {
            // The material is generated in the token; the row names it.
            self.generate_key_in_store(&mut record, store_id).await?;
            if let Err(e) = self.store.insert_key_without_material(&record, &input.tags).await {
                self.discard_key_in_store(&record).await;
                return Err(e.into());
            }
            None
        } else if origin == Origin::External {
            self.store.insert_key_without_material(&record, &input.tags).await?;
            None
        } else {
            let material = self.first_material(&record).await?;
            self.store.insert_key(&record, &material, &input.tags).await?;
            Some(material.material_id)
        };
        tracing::info!(key_id = %record.key_id, account = %scope.account, region = %scope.region, "key created");
        let multi_region = self.multi_region_configuration(&record).await?;
        let custom_key_store = self.store_view(&mut record).await?;
        Ok(KeyDescription { record, current_material: current, multi_region, custom_key_store })
    }

    /// A key as `CreateKey` with a description and nothing else makes it (symmetric, enabled,
    /// the default key policy, a fresh backing key wrapped under the root key), planned for a
    /// [`Batch`](crate::store::Batch) instead of stored: for filling an account with many keys
    /// at once (`trent admin fill`, the scale benchmark). Nothing is read from the store: a
    /// key id that exists already fails the batch's write.
    ///
    /// # Errors
    /// `Internal` if no random material could be made or it could not be wrapped.
    pub fn plan_key(&self, scope: &Scope, description: &str) -> Result<NewKey, KmsError> {
        let policy = default_key_policy(scope);
        let record = new_symmetric_record(scope, KeyId::new_random(), description.to_owned(), policy, self.clock.now());
        let material = self.new_material(&record, 0, None)?;
        Ok(NewKey { record, material, tags: Vec::new() })
    }

    /// The lockout safety check of a new key (`CreateKey`, `ReplicateKey`): its given policy
    /// must let `caller` put a key policy afterwards.
    pub(crate) fn check_lockout(
        &self,
        caller: &Caller,
        record: &KeyRecord,
        tags: &[Tag],
        policy: &Policy,
    ) -> Result<(), KmsError> {
        let extras =
            KeyExtras { tags: tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect(), ..KeyExtras::default() };
        let proposed = LoadedKey::new(record.clone(), Vec::new(), extras);
        self.decide_on_key(caller, &proposed, policy, &KeyCall::new(KeyAction::PutKeyPolicy))
            .map_err(|_| lockout_error())
    }

    /// Generates, identifies and wraps new material for `record`: a 256-bit key (symmetric),
    /// an HMAC key of the spec's length, or a private key as PKCS#8 DER (asymmetric). Every
    /// kind is wrapped under the root key the same way (`docs/key-hierarchy.md`).
    pub(crate) fn new_material(
        &self,
        record: &KeyRecord,
        seq: u32,
        rotation_type: Option<super::RotationType>,
    ) -> Result<KeyMaterialRecord, KmsError> {
        Ok(self.fresh_material(record, seq, rotation_type)?.1)
    }

    /// [`Kms::new_material`], keeping the unwrapped backing key (for a multi-Region key's
    /// replicas).
    pub(crate) fn fresh_material(
        &self,
        record: &KeyRecord,
        seq: u32,
        rotation_type: Option<super::RotationType>,
    ) -> Result<(KeyMaterial, KeyMaterialRecord), KmsError> {
        let material = generate_material(record.spec)?;
        let wrapped = self.wrap_material(record, &material, seq, rotation_type)?;
        Ok((material, wrapped))
    }

    /// The first material of a new key (`CreateKey`), as [`Kms::new_material`] makes it but
    /// generated off the runtime's workers when it is an RSA key (see [`off_worker_for`]).
    async fn first_material(&self, record: &KeyRecord) -> Result<KeyMaterialRecord, KmsError> {
        let spec = record.spec;
        let material = match spec.private_key_kind() {
            Some(kind) => off_worker_for(kind, move || generate_material(spec)).await?,
            None => generate_material(spec)?,
        };
        self.wrap_material(record, &material, 0, None)
    }

    /// Identifies and wraps `material` of `record` under the root key.
    fn wrap_material(
        &self,
        record: &KeyRecord,
        material: &KeyMaterial,
        seq: u32,
        rotation_type: Option<super::RotationType>,
    ) -> Result<KeyMaterialRecord, KmsError> {
        let material_id = derive_material_id(material);
        let wrapped = self.wrapper.wrap(&material_wrap_aad(&record.arn(), &material_id), material.expose_secret())?;
        Ok(KeyMaterialRecord { material_id, seq, created_at: self.clock.now(), rotation_type, wrapped })
    }

    /// `DescribeKey`: accepts key id, key ARN, alias name or alias ARN.
    ///
    /// # Errors
    /// `NotFound` if nothing by that name exists.
    pub async fn describe_key(&self, caller: &Caller, key_id: &str) -> Result<KeyDescription, KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Allowed)?;
        let key = self
            .resolve_key(caller, r, KeyCall::new(KeyAction::DescribeKey).granted(GrantOperation::DescribeKey))
            .await?;
        let (scope, id) = (key.record.scope.clone(), key.record.key_id);
        let mut record = self.record(&scope, &id).await?;
        let custom_key_store = self.store_view(&mut record).await?;
        // An imported key's current material is named by its record, even while deleted.
        let current_material = match record.current_import() {
            Some(m) => Some(m.material_id),
            None => self.store.materials(&scope, &id).await?.last().map(|m| m.material_id),
        };
        let multi_region = self.multi_region_configuration(&record).await?;
        Ok(KeyDescription { record, current_material, multi_region, custom_key_store })
    }

    /// `ListKeys`: the keys of the caller's account in the request's region.
    ///
    /// # Errors
    /// `InvalidMarker` for a marker this server did not issue.
    pub async fn list_keys(
        &self,
        caller: &Caller,
        limit: Option<u32>,
        marker: Option<&str>,
    ) -> Result<KeyPage, KmsError> {
        let scope = caller.scope();
        self.authorize_account(caller, "ListKeys", "*", &[])?;
        let limit = marker::limit(limit, 100);
        // The marker carries the listing position of the last key answered (the store lists keys
        // in the order they were stored).
        let after = match marker {
            Some(m) => Some(marker::decode("keys", m)?.parse::<u64>().map_err(|_| KmsError::InvalidMarker)?),
            None => None,
        };
        let mut listed = self.store.list_key_ids(&scope, after, limit + 1).await?;
        let more = listed.len() > limit as usize;
        listed.truncate(limit as usize);
        let next_marker =
            more.then(|| listed.last().map(|k| marker::encode("keys", &k.position.to_string()))).flatten();
        Ok(KeyPage { keys: listed.into_iter().map(|k| (k.key_id, scope.key_arn(k.key_id))).collect(), next_marker })
    }

    /// `UpdateKeyDescription`.
    ///
    /// # Errors
    /// `NotFound`, or `InvalidState` while the key is pending deletion.
    pub async fn update_key_description(
        &self,
        caller: &Caller,
        key_id: &str,
        description: String,
    ) -> Result<(), KmsError> {
        self.mutate_key(caller, key_id, KeyAction::UpdateKeyDescription, move |rec, _| {
            super::lifecycle::refuse_pending_deletion(rec)?;
            rec.description = description.clone();
            Ok(())
        })
        .await
        .map(|_| ())
    }

    /// Resolves a key reference and checks the caller may perform `action` on it.
    pub(crate) async fn resolve_authorized(
        &self,
        caller: &Caller,
        r: keyref::KeyRef,
        action: KeyAction,
    ) -> Result<(Scope, KeyId), KmsError> {
        let key = self.resolve_key(caller, r, KeyCall::new(action)).await?;
        Ok((key.record.scope.clone(), key.record.key_id))
    }

    /// Resolves a key reference (through aliases), loads the key and authorizes `call` on it.
    pub(crate) async fn resolve_key(
        &self,
        caller: &Caller,
        r: keyref::KeyRef,
        call: KeyCall<'_>,
    ) -> Result<Arc<LoadedKey>, KmsError> {
        let alias = match &r {
            keyref::KeyRef::Alias(_, name) => Some(name.clone()),
            keyref::KeyRef::Key(..) => None,
        };
        let (scope, id) = self.resolve(r).await?;
        let key = self.loaded(&scope, &id).await?;
        self.charge_key_use(caller, &key, call.action)?;
        let call = KeyCall { request_alias: alias.as_deref(), ..call };
        self.authorize_key(caller, &key, &call)?;
        Ok(key)
    }

    /// Reads a key's metadata from the store.
    pub(crate) async fn record(&self, scope: &Scope, id: &KeyId) -> Result<KeyRecord, KmsError> {
        self.store.get_key(scope, id).await?.ok_or_else(|| not_found(&scope.key_arn(id)))
    }

    /// A key with its unwrapped backing keys, from the cache or the store.
    pub(crate) async fn loaded(&self, scope: &Scope, id: &KeyId) -> Result<Arc<LoadedKey>, KmsError> {
        if let Some(k) = self.cache.key(scope, id) {
            return Ok(k);
        }
        let epoch = self.cache.epoch();
        // Before the rows: a change landing in between leaves the stamp behind the rows.
        let stamp = self.store.key_stamp(scope, id).await?;
        let record = self.record(scope, id).await?;
        let arn = record.arn();
        let mut materials = Vec::new();
        for m in self.store.materials(scope, id).await? {
            let secret = self
                .wrapper
                .unwrap(&material_wrap_aad(&arn, &m.material_id), &m.wrapped)
                .map_err(|e| KmsError::Internal(Box::new(e)))?;
            materials.push((m.material_id, KeyMaterial::from_slice(secret.expose_secret())));
        }
        let extras = KeyExtras {
            grants: self.store.grants(scope, id).await?,
            tags: self.store.list_tags(scope, id, None, 1000).await?.into_iter().map(|t| (t.key, t.value)).collect(),
            aliases: self.store.list_aliases(scope, Some(id), None, 1000).await?.into_iter().map(|a| a.name).collect(),
        };
        let loaded = Arc::new(LoadedKey::new(record, materials, extras).stamped(stamp));
        self.cache.insert_key(scope, loaded.clone(), epoch);
        Ok(loaded)
    }
}
