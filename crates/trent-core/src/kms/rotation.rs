//! Rotation: automatic (on a period) and on demand. Rotation adds a backing key and keeps
//! every earlier one, so every earlier ciphertext still decrypts and new ciphertexts use the
//! newest. A symmetric key of imported material rotates on demand only, to material imported
//! for it beforehand (see [`super::imported`]).

use time::{Duration, OffsetDateTime};
use trent_crypto::KeyMaterialId;

use super::KeyAction;
use super::imported::{self, MaterialChange};
use super::keyref::{self, Aliases};
use super::lifecycle::refuse_pending_deletion;
use super::{
    Contended, KeyMaterialState, KeyRecord, KeySpec, KeyState, Kms, KmsError, Limit, MAX_ON_DEMAND_ROTATIONS,
    MultiRegionKeyType, Origin, RotationType, Unsupported, marker,
};
use crate::identity::Caller;
use crate::ids::{KeyId, Scope};
use crate::store::StoreError;

/// Shortest and longest automatic-rotation period, in days.
pub const ROTATION_PERIOD_DAYS: std::ops::RangeInclusive<u32> = 90..=2560;

/// What `GetKeyRotationStatus` returns.
#[derive(Clone, Debug)]
pub struct RotationStatus {
    /// ARN of the key.
    pub key_arn: String,
    /// Whether automatic rotation is on (always false while pending deletion).
    pub enabled: bool,
    /// The period, when enabled.
    pub period_days: Option<u32>,
    /// The next automatic rotation, when enabled.
    pub next_rotation: Option<OffsetDateTime>,
}

/// One entry of `ListKeyRotations`.
#[derive(Clone, Debug)]
pub struct RotationEntry {
    /// The backing key.
    pub material_id: KeyMaterialId,
    /// When it became current by rotation; `None` for the original material and material
    /// pending rotation.
    pub rotation_date: Option<OffsetDateTime>,
    /// How it was added; `None` as for `rotation_date`.
    pub rotation_type: Option<RotationType>,
    /// Current, non-current, or (imported) pending rotation.
    pub state: KeyMaterialState,
    /// For a key of imported material, how this material stands.
    pub import: Option<ImportDetails>,
}

/// The import fields of a `ListKeyRotations` entry (symmetric keys of origin `EXTERNAL`).
#[derive(Clone, Debug)]
pub struct ImportDetails {
    /// Whether the material is imported now (`IMPORTED`) or not (`PENDING_IMPORT`).
    pub present: bool,
    /// When it expires; `None` when it does not.
    pub valid_to: Option<OffsetDateTime>,
    /// `KeyMaterialDescription`.
    pub description: Option<String>,
}

/// One page of `ListKeyRotations`.
#[derive(Clone, Debug)]
pub struct RotationPage {
    /// ARN of the key.
    pub key_arn: String,
    /// The entries, oldest first.
    pub entries: Vec<RotationEntry>,
    /// Marker for the next page, if there is one.
    pub next_marker: Option<String>,
}

/// Rotation is for symmetric keys with Trent-generated material.
fn check_rotatable(rec: &KeyRecord) -> Result<(), KmsError> {
    if rec.spec != KeySpec::SymmetricDefault || rec.origin != Origin::AwsKms {
        return Err(KmsError::Unsupported(Unsupported::NotRotatable {
            key_arn: rec.arn(),
            spec: rec.spec,
            origin: rec.origin,
        }));
    }
    Ok(())
}

/// A multi-Region replica rotates with its primary; its rotation is not managed on its own.
fn refuse_replica(rec: &KeyRecord) -> Result<(), KmsError> {
    if rec.multi_region == Some(MultiRegionKeyType::Replica) {
        return Err(KmsError::Unsupported(Unsupported::ReplicaRotation { key_arn: rec.arn() }));
    }
    Ok(())
}

/// Management of rotation needs an enabled key (a disabled one answers `DisabledException`).
fn check_rotation_state(rec: &KeyRecord) -> Result<(), KmsError> {
    refuse_pending_deletion(rec)?;
    if rec.state == KeyState::Disabled {
        return Err(KmsError::Disabled { key_arn: rec.arn() });
    }
    Ok(())
}

impl Kms {
    /// `EnableKeyRotation` with a period of 90..=2560 days (default 365). The first automatic
    /// rotation happens one period from now.
    ///
    /// # Errors
    /// `Disabled`, `InvalidState`, `Unsupported` from the key.
    pub async fn enable_key_rotation(
        &self,
        caller: &Caller,
        key_id: &str,
        period_days: Option<u32>,
    ) -> Result<(), KmsError> {
        // The wire holds `period_days` within the model's bounds, which are ROTATION_PERIOD_DAYS.
        let days = period_days.unwrap_or(super::DEFAULT_ROTATION_PERIOD_DAYS);
        let rec = self
            .mutate_key(caller, key_id, KeyAction::EnableKeyRotation, |rec, now| {
                check_rotatable(rec)?;
                refuse_replica(rec)?;
                check_rotation_state(rec)?;
                rec.rotation.enabled = true;
                rec.rotation.period_days = days;
                rec.rotation.next_rotation = Some(now + Duration::days(days.into()));
                Ok(())
            })
            .await?;
        self.sync_replicas(&rec, None).await
    }

    /// `DisableKeyRotation`; the period is remembered.
    ///
    /// # Errors
    /// `Disabled`, `InvalidState`, `Unsupported` from the key.
    pub async fn disable_key_rotation(&self, caller: &Caller, key_id: &str) -> Result<(), KmsError> {
        let rec = self
            .mutate_key(caller, key_id, KeyAction::DisableKeyRotation, |rec, _| {
                check_rotatable(rec)?;
                refuse_replica(rec)?;
                check_rotation_state(rec)?;
                rec.rotation.enabled = false;
                rec.rotation.next_rotation = None;
                Ok(())
            })
            .await?;
        self.sync_replicas(&rec, None).await
    }

    /// `GetKeyRotationStatus`.
    ///
    /// # Errors
    /// `NotFound`, `Unsupported` for keys that cannot rotate.
    pub async fn get_key_rotation_status(&self, caller: &Caller, key_id: &str) -> Result<RotationStatus, KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let (scope, id) = self.resolve_authorized(caller, r, KeyAction::GetKeyRotationStatus).await?;
        let rec = self.record(&scope, &id).await?;
        check_rotatable(&rec)?;
        let enabled = rec.rotation.enabled && rec.state != KeyState::PendingDeletion;
        Ok(RotationStatus {
            key_arn: rec.arn(),
            enabled,
            period_days: enabled.then_some(rec.rotation.period_days),
            next_rotation: if enabled { rec.rotation.next_rotation } else { None },
        })
    }

    /// `RotateKeyOnDemand`: adds a backing key now; the automatic schedule is unchanged. A
    /// symmetric key of imported material instead makes its material pending rotation
    /// current. Returns the key ARN.
    ///
    /// # Errors
    /// `Disabled`, `InvalidState`, `Unsupported`; `LimitExceeded` after 25 on-demand
    /// rotations; `NoPendingRotation` for an imported key without material pending rotation.
    pub async fn rotate_key_on_demand(&self, caller: &Caller, key_id: &str) -> Result<String, KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let (scope, id) = self.resolve_authorized(caller, r, KeyAction::RotateKeyOnDemand).await?;
        let rec = self.record(&scope, &id).await?;
        if rec.origin == Origin::External && rec.spec == KeySpec::SymmetricDefault {
            let now = self.clock.now();
            self.change_materials(&scope, &id, None, |rec| {
                check_rotation_state(rec)?;
                imported::apply_rotation(rec, now)?;
                Ok((MaterialChange::Nothing, ()))
            })
            .await?;
            tracing::info!(key_id = %id, rotation = RotationType::OnDemand.as_str(), "imported key rotated");
        } else {
            self.rotate(&scope, &id, RotationType::OnDemand).await?;
        }
        Ok(scope.key_arn(id))
    }

    /// Adds a backing key to a key (on demand or by the scheduler), retrying on conflicts.
    /// An automatic rotation is re-checked on every attempt and skipped (`None`) when it is no
    /// longer due, so two overlapping scheduler passes rotate a key once.
    pub(crate) async fn rotate(
        &self,
        scope: &Scope,
        id: &KeyId,
        kind: RotationType,
    ) -> Result<Option<KeyRecord>, KmsError> {
        for _ in 0..8 {
            let mut rec = self.record(scope, id).await?;
            if kind == RotationType::Automatic && rec.multi_region == Some(MultiRegionKeyType::Replica) {
                // A replica gains its primary's backing keys when the primary rotates.
                return Ok(None);
            }
            if kind == RotationType::Automatic {
                let now = self.clock.now();
                let due = rec.state == KeyState::Enabled
                    && rec.rotation.enabled
                    && rec.rotation.next_rotation.is_some_and(|n| n <= now);
                if !due {
                    return Ok(None);
                }
            }
            check_rotatable(&rec)?;
            refuse_replica(&rec)?;
            check_rotation_state(&rec)?;
            let materials = self.store.materials(scope, id).await?;
            if kind == RotationType::OnDemand
                && materials.iter().filter(|m| m.rotation_type == Some(RotationType::OnDemand)).count()
                    >= MAX_ON_DEMAND_ROTATIONS
            {
                return Err(KmsError::LimitExceeded(Limit::OnDemandRotations { key_arn: rec.arn() }));
            }
            let seq = materials.last().map_or(0, |m| m.seq + 1);
            let (plain, material) = self.fresh_material(&rec, seq, Some(kind))?;
            let expected = rec.revision;
            rec.revision += 1;
            if kind == RotationType::Automatic {
                let now = self.clock.now();
                let period = Duration::days(rec.rotation.period_days.into());
                let next = rec.rotation.next_rotation.map_or(now + period, |n| n + period);
                rec.rotation.next_rotation = Some(if next <= now { now + period } else { next });
            }
            let written = self.store.add_material(&rec, expected, &material).await;
            // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
            self.cache.invalidate_key(scope, id);
            match written {
                Ok(()) => {
                    tracing::info!(key_id = %id, rotation = kind.as_str(), "key rotated");
                    self.sync_replicas(&rec, Some((&plain, &material))).await?;
                    return Ok(Some(rec));
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(KmsError::Conflict(Contended::Key))
    }

    /// `ListKeyRotations`: the rotations of a key, or with `include_original` every backing key
    /// (for a key of imported material, every material it has, pending rotation included).
    ///
    /// # Errors
    /// `NotFound`, `Unsupported`, `InvalidMarker`.
    pub async fn list_key_rotations(
        &self,
        caller: &Caller,
        key_id: &str,
        include_original: bool,
        limit: Option<u32>,
        marker: Option<&str>,
    ) -> Result<RotationPage, KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let (scope, id) = self.resolve_authorized(caller, r, KeyAction::ListKeyRotations).await?;
        let rec = self.record(&scope, &id).await?;
        let imported = rec.origin == Origin::External && rec.spec == KeySpec::SymmetricDefault;
        if !imported {
            check_rotatable(&rec)?;
        }
        let limit = marker::limit(limit, 100) as usize;
        let after: Option<u32> =
            marker.map(|m| marker::decode("rotations", m)?.parse().map_err(|_| KmsError::InvalidMarker)).transpose()?;
        let all: Vec<(u32, RotationEntry)> = if imported {
            imported_entries(&rec)
        } else {
            let materials = self.store.materials(&scope, &id).await?;
            let current_seq = materials.last().map(|m| m.seq);
            materials
                .into_iter()
                .map(|m| {
                    let entry = RotationEntry {
                        material_id: m.material_id,
                        rotation_date: m.rotation_type.map(|_| m.created_at),
                        rotation_type: m.rotation_type,
                        state: if Some(m.seq) == current_seq {
                            KeyMaterialState::Current
                        } else {
                            KeyMaterialState::NonCurrent
                        },
                        import: None,
                    };
                    (m.seq, entry)
                })
                .collect()
        };
        let mut entries: Vec<(u32, RotationEntry)> = all
            .into_iter()
            .filter(|(_, e)| include_original || e.rotation_type.is_some())
            .filter(|(seq, _)| after.is_none_or(|a| *seq > a))
            .collect();
        let more = entries.len() > limit;
        entries.truncate(limit);
        let next_marker =
            more.then(|| entries.last().map(|(seq, _)| marker::encode("rotations", &seq.to_string()))).flatten();
        Ok(RotationPage { key_arn: rec.arn(), entries: entries.into_iter().map(|(_, e)| e).collect(), next_marker })
    }
}

/// The `ListKeyRotations` entries of a key of imported material, by position in its list:
/// every material it has, with rotation fields only on those made current by rotation.
fn imported_entries(rec: &KeyRecord) -> Vec<(u32, RotationEntry)> {
    rec.imported
        .iter()
        .zip(0u32..)
        .map(|(m, position)| {
            let entry = RotationEntry {
                material_id: m.material_id,
                rotation_date: m.rotated_at,
                rotation_type: m.rotated_at.map(|_| RotationType::OnDemand),
                state: m.state,
                import: Some(ImportDetails {
                    present: m.present,
                    valid_to: m.valid_to,
                    description: m.description.clone(),
                }),
            };
            (position, entry)
        })
        .collect()
}
