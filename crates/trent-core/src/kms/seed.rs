//! Keys and aliases with fixed ids and material, from a seed file: a ciphertext or signature
//! made in one test run stays valid in the next. Seeding is idempotent: an item that exists
//! with the same content is left alone; one that exists with other content is an error.
//!
//! Seeding only plans: each item is checked against the store and added to a [`Batch`] that
//! the caller writes at once with the rest of the seed (then calls [`Kms::invalidate_cache`]).

use trent_crypto::{KeyMaterial, PrivateKeyKind, SYMMETRIC_KEY_LEN, derive_material_id, pkcs8_kind};

use super::keys::{default_key_policy, new_symmetric_record, parse_key_policy};
use super::{
    Alias, Existing, Invalid, KeyInput, KeyMaterialRecord, KeyRecord, KeySpec, KeyState, KeyUsage, Kms, KmsError,
    RotationSettings, Tag, material_wrap_aad,
};
use crate::ids::{KeyId, Scope};
use crate::store::{Batch, NewKey};

/// A key to seed.
#[derive(Debug)]
pub struct SeedKey {
    /// Account and region.
    pub scope: Scope,
    /// The fixed key id.
    pub key_id: KeyId,
    /// Description.
    pub description: String,
    /// Key spec.
    pub spec: KeySpec,
    /// Key usage.
    pub usage: KeyUsage,
    /// Key policy; the default key policy when `None`.
    pub policy: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// `false` seeds a disabled key.
    pub enabled: bool,
    /// Automatic rotation period in days, if rotation is on.
    pub rotation_period_days: Option<u32>,
    /// The key material: 32 bytes (symmetric), the HMAC key, or PKCS#8 DER (asymmetric).
    pub material: KeyMaterial,
}

/// What seeding an item did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seeded {
    /// It will be created (it is in the batch).
    Created,
    /// It existed already, with the same content.
    AlreadyPresent,
}

/// The HMAC key lengths AWS accepts for imported material, per spec.
fn hmac_range(spec: KeySpec) -> Option<std::ops::RangeInclusive<usize>> {
    match spec {
        KeySpec::Hmac224 => Some(28..=64),
        KeySpec::Hmac256 => Some(32..=64),
        KeySpec::Hmac384 => Some(48..=128),
        KeySpec::Hmac512 => Some(64..=128),
        _ => None,
    }
}

/// Why key material does not fit a key spec. Its `Display` is the fault as the seed file's
/// error and `IncorrectKeyMaterialException` state it; never the material.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MaterialFault {
    /// Symmetric material of another length than 32 bytes.
    #[error("SYMMETRIC_DEFAULT material must be {SYMMETRIC_KEY_LEN} bytes, not {len}")]
    SymmetricLength {
        /// The material's length.
        len: usize,
    },
    /// HMAC material outside the spec's lengths.
    #[error("{} material must be {min} to {max} bytes, not {len}", spec.as_str())]
    HmacLength {
        /// The spec.
        spec: KeySpec,
        /// The shortest length.
        min: usize,
        /// The longest length.
        max: usize,
        /// The material's length.
        len: usize,
    },
    /// Asymmetric material that is no PKCS#8 private key.
    #[error("{} material must be a private key in PEM", spec.as_str())]
    NotPrivateKey {
        /// The spec.
        spec: KeySpec,
    },
    /// A spec whose material cannot be seeded.
    #[error("seeding {} keys is not supported yet", spec.as_str())]
    Unseedable {
        /// The spec.
        spec: KeySpec,
    },
    /// A private key of another kind than the spec's.
    #[error("the PEM holds a {kind:?} key, not a {} key", spec.as_str())]
    OtherKind {
        /// The key's kind.
        kind: PrivateKeyKind,
        /// The spec.
        spec: KeySpec,
    },
}

/// Checks that `material` is valid key material of `spec`.
///
/// # Errors
/// The mismatch (length, key kind, curve or size).
pub fn check_seed_material(spec: KeySpec, material: &[u8]) -> Result<(), MaterialFault> {
    let len = material.len();
    if spec == KeySpec::SymmetricDefault {
        return (len == SYMMETRIC_KEY_LEN).then_some(()).ok_or(MaterialFault::SymmetricLength { len });
    }
    if let Some(range) = hmac_range(spec) {
        let (min, max) = (*range.start(), *range.end());
        return range.contains(&len).then_some(()).ok_or(MaterialFault::HmacLength { spec, min, max, len });
    }
    let kind = pkcs8_kind(material).map_err(|_| MaterialFault::NotPrivateKey { spec })?;
    let expected = spec.private_key_kind().ok_or(MaterialFault::Unseedable { spec })?;
    (kind == expected).then_some(()).ok_or(MaterialFault::OtherKind { kind, spec })
}

impl Kms {
    /// Plans seeding a key with fixed id and material (idempotently): checks it and adds it
    /// to `batch` unless it is stored already with the same material.
    ///
    /// # Errors
    /// `Validation` for material that does not fit the spec or a usage the spec does not
    /// allow; `MalformedPolicy`; `AlreadyExists` if the key id exists (or is planned) with
    /// other material.
    pub async fn plan_seed_key(&self, seed: SeedKey, batch: &mut Batch) -> Result<Seeded, KmsError> {
        check_seed_material(seed.spec, seed.material.expose_secret())
            .map_err(|fault| KmsError::Validation(Invalid::Key(KeyInput::SeedMaterial(fault))))?;
        if !seed.spec.allows_usage(seed.usage) {
            return Err(KmsError::Validation(Invalid::Key(KeyInput::UsageSpec { usage: seed.usage, spec: seed.spec })));
        }
        let material_id = derive_material_id(&seed.material);
        if let Some(p) = &seed.policy {
            parse_key_policy(p)?;
        }
        let arn = seed.scope.key_arn(seed.key_id);
        if batch.creates_key(&seed.scope, &seed.key_id) {
            return Err(KmsError::AlreadyExists(Existing::SeededTwice { key_arn: arn }));
        }
        if self.store.get_key(&seed.scope, &seed.key_id).await?.is_some() {
            let first = self.store.materials(&seed.scope, &seed.key_id).await?.into_iter().next();
            return match first {
                Some(m) if m.material_id == material_id => Ok(Seeded::AlreadyPresent),
                _ => Err(KmsError::AlreadyExists(Existing::SeededOtherMaterial { key_arn: arn })),
            };
        }
        let policy = seed.policy.unwrap_or_else(|| default_key_policy(&seed.scope));
        let now = self.clock.now();
        let rotation = match seed.rotation_period_days {
            Some(days) => RotationSettings {
                enabled: true,
                period_days: days,
                next_rotation: Some(now + time::Duration::days(days.into())),
            },
            None => RotationSettings::default(),
        };
        let record = KeyRecord {
            usage: seed.usage,
            spec: seed.spec,
            state: if seed.enabled { KeyState::Enabled } else { KeyState::Disabled },
            rotation,
            ..new_symmetric_record(&seed.scope, seed.key_id, seed.description, policy, now)
        };
        let wrapped =
            self.wrapper.wrap(&material_wrap_aad(&record.arn(), &material_id), seed.material.expose_secret())?;
        let material = KeyMaterialRecord { material_id, seq: 0, created_at: now, rotation_type: None, wrapped };
        batch.keys.push(NewKey { record, material, tags: seed.tags });
        Ok(Seeded::Created)
    }

    /// Whether a key exists (for checking a seed before applying it).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn key_exists(&self, scope: &Scope, key_id: &KeyId) -> Result<bool, KmsError> {
        Ok(self.store.get_key(scope, key_id).await?.is_some())
    }

    /// The key an alias names, if it exists (for checking a seed before applying it).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn aliased_key(&self, scope: &Scope, name: &str) -> Result<Option<KeyId>, KmsError> {
        Ok(self.store.get_alias(scope, name).await?.map(|a| a.target))
    }

    /// Plans seeding an alias (idempotently): adds it to `batch` unless it is stored or planned
    /// already, naming the same key.
    ///
    /// # Errors
    /// `NotFound` if the target key is neither stored nor planned; `AlreadyExists` if the alias
    /// names another key.
    pub async fn plan_seed_alias(
        &self,
        scope: &Scope,
        name: &str,
        target: KeyId,
        batch: &mut Batch,
    ) -> Result<Seeded, KmsError> {
        let planned = batch.aliases.iter().find(|(s, a)| s == scope && a.name == name).map(|(_, a)| a.target);
        let existing = match planned {
            Some(t) => Some(t),
            None => self.store.get_alias(scope, name).await?.map(|a| a.target),
        };
        if let Some(existing) = existing {
            return if existing == target {
                Ok(Seeded::AlreadyPresent)
            } else {
                Err(KmsError::AlreadyExists(Existing::SeededAlias { scope: scope.clone(), name: name.to_owned() }))
            };
        }
        if !batch.creates_key(scope, &target) {
            self.record(scope, &target).await?;
        }
        let now = self.clock.now();
        batch.aliases.push((scope.clone(), Alias { name: name.to_owned(), target, created_at: now, updated_at: now }));
        Ok(Seeded::Created)
    }
}
