//! The key materials of a key of origin `EXTERNAL` and how they change: an import (new
//! material, or material the key had before), a deletion or expiry, and the on-demand
//! rotation that makes material pending rotation current.
//!
//! The rules are pure functions over a [`KeyRecord`] (unit-tested below); [`Kms`] applies
//! them under the key's revision together with the one backing-key row each change adds or
//! removes. A symmetric key may hold several materials (AWS's rotation of imported keys);
//! every other spec holds one. The key is usable only while every material it is bound to is
//! imported: deleting or expiring any of them makes it `PendingImport`.

use time::OffsetDateTime;
use trent_crypto::KeyMaterialId;

use super::import::ImportType;
use super::{
    Contended, ImportInput, ImportedMaterial, Invalid, KeyMaterialRecord, KeyMaterialState, KeyRecord, KeySpec,
    KeyState, Kms, KmsError, Limit, MAX_ON_DEMAND_ROTATIONS, Mismatch, Unsupported,
};
use crate::ids::{KeyId, Scope};
use crate::store::StoreError;

/// What an import asks for, once its material is unwrapped and checked.
pub(crate) struct Import {
    /// The id of the unwrapped material.
    pub(crate) material_id: KeyMaterialId,
    /// `ImportType`; the default depends on whether the key had material.
    pub(crate) import_type: Option<ImportType>,
    /// The expiry: `None` when the material does not expire.
    pub(crate) valid_to: Option<OffsetDateTime>,
    /// `KeyMaterialDescription`; `None` keeps the one given before.
    pub(crate) description: Option<String>,
}

/// The backing-key row a change of a key's materials writes with the key row.
pub(crate) enum MaterialChange {
    /// None: the material's row is there already, or nothing is stored.
    Nothing,
    /// Store the material again (or for the first time), at this position of the key's list.
    Insert(u32),
    /// Delete the material's row.
    Remove(KeyMaterialId),
}

/// Applies `import` to `rec` (whose state it also makes `Enabled` once every material it is
/// bound to is back): the row to write, or why the import is refused.
pub(crate) fn apply_import(rec: &mut KeyRecord, import: Import) -> Result<MaterialChange, KmsError> {
    let arn = rec.arn();
    let first = rec.imported.is_empty();
    let kind =
        import.import_type.unwrap_or(if first { ImportType::NewKeyMaterial } else { ImportType::ExistingKeyMaterial });
    let change = match kind {
        ImportType::NewKeyMaterial => {
            if rec.imported.iter().any(|m| m.material_id == import.material_id) {
                return Err(KmsError::IncorrectKeyMaterial(Mismatch::AlreadyAssociated { key_arn: arn }));
            }
            if let Some(pending) = rec.imported.iter().find(|m| m.state == KeyMaterialState::PendingRotation) {
                return Err(KmsError::RotationPending {
                    key_id: rec.key_id.to_string(),
                    new: import.material_id.to_hex(),
                    pending: pending.material_id.to_hex(),
                });
            }
            if !first && rec.spec != KeySpec::SymmetricDefault {
                return Err(KmsError::Unsupported(Unsupported::NewMaterialNotSymmetric {
                    key_arn: arn.clone(),
                    spec: rec.spec,
                }));
            }
            let position =
                u32::try_from(rec.imported.len()).map_err(|_| KmsError::Internal("too many key materials".into()))?;
            rec.imported.push(ImportedMaterial {
                material_id: import.material_id,
                state: if first { KeyMaterialState::Current } else { KeyMaterialState::PendingRotation },
                valid_to: import.valid_to,
                present: true,
                description: import.description,
                rotated_at: None,
            });
            MaterialChange::Insert(position)
        }
        ImportType::ExistingKeyMaterial => {
            let Some((position, m)) =
                rec.imported.iter_mut().enumerate().find(|(_, m)| m.material_id == import.material_id)
            else {
                return Err(KmsError::IncorrectKeyMaterial(if first {
                    Mismatch::NothingToReimport { key_arn: arn }
                } else {
                    Mismatch::NotPreviouslyImported { key_arn: arn }
                }));
            };
            let change = if m.present {
                MaterialChange::Nothing
            } else {
                MaterialChange::Insert(u32::try_from(position).map_err(|_| KmsError::Internal("position".into()))?)
            };
            m.present = true;
            m.valid_to = import.valid_to;
            if import.description.is_some() {
                m.description = import.description;
            }
            change
        }
    };
    if rec.state == KeyState::PendingImport && rec.import_complete() {
        rec.state = KeyState::Enabled;
    }
    rec.import_count += 1;
    Ok(change)
}

/// Deletes the material `material_id` names (the current one when `None`) from `rec`: material
/// pending rotation is forgotten; material the key is bound to is kept as not imported, and
/// the key becomes `PendingImport` (a key pending deletion stays so). The deleted material's
/// id (`None` for a key that never had material) and the row to delete.
pub(crate) fn apply_deletion(
    rec: &mut KeyRecord,
    material_id: Option<KeyMaterialId>,
) -> Result<(Option<KeyMaterialId>, MaterialChange), KmsError> {
    let target = match material_id {
        Some(given) => rec.imported.iter().position(|m| m.material_id == given).ok_or_else(|| {
            KmsError::Validation(Invalid::Import(ImportInput::MaterialIdUnknown {
                material_id: given.to_hex(),
                key_arn: rec.arn(),
            }))
        })?,
        None => match rec.imported.iter().position(|m| m.state == KeyMaterialState::Current) {
            Some(i) => i,
            None => return Ok((None, MaterialChange::Nothing)),
        },
    };
    let id = rec.imported[target].material_id;
    if rec.imported[target].state == KeyMaterialState::PendingRotation {
        rec.imported.remove(target);
        return Ok((Some(id), MaterialChange::Remove(id)));
    }
    rec.imported[target].present = false;
    if matches!(rec.state, KeyState::Enabled | KeyState::Disabled) {
        rec.state = KeyState::PendingImport;
    }
    Ok((Some(id), MaterialChange::Remove(id)))
}

/// The materials of `rec` whose `ValidTo` has passed at `now`, still imported.
pub(crate) fn expired(rec: &KeyRecord, now: OffsetDateTime) -> Vec<KeyMaterialId> {
    rec.imported.iter().filter(|m| m.present && m.valid_to.is_some_and(|t| t <= now)).map(|m| m.material_id).collect()
}

/// `RotateKeyOnDemand` of a key of imported material: the material pending rotation becomes
/// current and the current one non-current.
pub(crate) fn apply_rotation(rec: &mut KeyRecord, now: OffsetDateTime) -> Result<(), KmsError> {
    let Some(pending) = rec.imported.iter().position(|m| m.state == KeyMaterialState::PendingRotation) else {
        return Err(KmsError::NoPendingRotation { key_arn: rec.arn() });
    };
    if rec.imported.iter().filter(|m| m.rotated_at.is_some()).count() >= MAX_ON_DEMAND_ROTATIONS {
        return Err(KmsError::LimitExceeded(Limit::OnDemandRotations { key_arn: rec.arn() }));
    }
    for m in rec.imported.iter_mut().filter(|m| m.state == KeyMaterialState::Current) {
        m.state = KeyMaterialState::NonCurrent;
    }
    let m = &mut rec.imported[pending];
    m.state = KeyMaterialState::Current;
    m.rotated_at = Some(now);
    Ok(())
}

impl Kms {
    /// Read-modify-write of an `EXTERNAL` key's materials: `f` edits a fresh copy of the
    /// record and names the backing-key row to write; the store applies both under the key's
    /// revision, retrying on conflicts. `material` is the wrapped material an insert stores.
    pub(crate) async fn change_materials<F, T>(
        &self,
        scope: &Scope,
        id: &KeyId,
        material: Option<&KeyMaterialRecord>,
        f: F,
    ) -> Result<(KeyRecord, T), KmsError>
    where
        F: Fn(&mut KeyRecord) -> Result<(MaterialChange, T), KmsError> + Send,
        T: Send,
    {
        for _ in 0..8 {
            let mut rec = self.record(scope, id).await?;
            let expected = rec.revision;
            let (change, out) = f(&mut rec)?;
            rec.revision = expected + 1;
            let written = match change {
                MaterialChange::Nothing => self.store.update_key(&rec, expected).await,
                MaterialChange::Insert(seq) => {
                    let material =
                        material.ok_or_else(|| KmsError::Internal("an import without its material".into()))?.clone();
                    self.store.add_material(&rec, expected, &KeyMaterialRecord { seq, ..material }).await
                }
                MaterialChange::Remove(material_id) => self.store.remove_material(&rec, expected, &material_id).await,
            };
            // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
            self.cache.invalidate_key(scope, id);
            match written {
                Ok(()) => return Ok((rec, out)),
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(super::keys::not_found(&rec.arn())),
                Err(e) => return Err(e.into()),
            }
        }
        Err(KmsError::Conflict(Contended::Key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AccountId, Region};
    use crate::kms::{KeyManager, KeyUsage, Origin, RotationSettings};

    fn external(spec: KeySpec) -> KeyRecord {
        KeyRecord {
            scope: Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap()),
            key_id: KeyId::new_random(),
            description: String::new(),
            usage: if spec == KeySpec::SymmetricDefault { KeyUsage::EncryptDecrypt } else { KeyUsage::SignVerify },
            spec,
            origin: Origin::External,
            state: KeyState::PendingImport,
            created_at: OffsetDateTime::UNIX_EPOCH,
            deletion_date: None,
            pending_window_days: None,
            rotation: RotationSettings::default(),
            policy: String::new(),
            multi_region: None,
            manager: KeyManager::Customer,
            imported: Vec::new(),
            import_count: 0,
            hsm: None,
            revision: 1,
        }
    }

    fn id(n: u8) -> KeyMaterialId {
        KeyMaterialId([n; 32])
    }

    fn import(n: u8, import_type: Option<ImportType>) -> Import {
        Import { material_id: id(n), import_type, valid_to: None, description: None }
    }

    fn states(rec: &KeyRecord) -> Vec<(u8, KeyMaterialState, bool)> {
        rec.imported.iter().map(|m| (m.material_id.0[0], m.state, m.present)).collect()
    }

    #[test]
    fn new_material_waits_for_rotation_and_rotation_makes_it_current() {
        use KeyMaterialState::*;
        let mut rec = external(KeySpec::SymmetricDefault);
        assert!(matches!(apply_import(&mut rec, import(1, None)), Ok(MaterialChange::Insert(0))));
        assert_eq!((rec.state, rec.import_count), (KeyState::Enabled, 1));
        assert!(matches!(
            apply_rotation(&mut rec, OffsetDateTime::UNIX_EPOCH),
            Err(KmsError::NoPendingRotation { .. })
        ));
        // Without ImportType, a key that has material takes only that material again.
        assert!(matches!(apply_import(&mut rec, import(2, None)), Err(KmsError::IncorrectKeyMaterial(_))));
        assert!(matches!(
            apply_import(&mut rec, import(2, Some(ImportType::NewKeyMaterial))),
            Ok(MaterialChange::Insert(1))
        ));
        assert_eq!(states(&rec), vec![(1, Current, true), (2, PendingRotation, true)]);
        let third = apply_import(&mut rec, import(3, Some(ImportType::NewKeyMaterial)));
        assert!(matches!(third, Err(KmsError::RotationPending { .. })), "one material pending at a time");
        let again = apply_import(&mut rec, import(1, Some(ImportType::NewKeyMaterial)));
        assert!(matches!(again, Err(KmsError::IncorrectKeyMaterial(_))), "not new to this key");
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(1);
        apply_rotation(&mut rec, now).unwrap();
        assert_eq!(states(&rec), vec![(1, NonCurrent, true), (2, Current, true)]);
        assert_eq!(rec.imported[1].rotated_at, Some(now));
        assert_eq!(rec.current_import().map(|m| m.material_id), Some(id(2)));
    }

    #[test]
    fn deleting_bound_material_makes_the_key_pending_import_until_it_returns() {
        use KeyMaterialState::*;
        let mut rec = external(KeySpec::SymmetricDefault);
        apply_import(&mut rec, import(1, None)).unwrap();
        apply_import(&mut rec, import(2, Some(ImportType::NewKeyMaterial))).unwrap();
        apply_rotation(&mut rec, OffsetDateTime::UNIX_EPOCH).unwrap();
        // The non-current material goes: the key is unusable, though its current one is there.
        let (gone, change) = apply_deletion(&mut rec, Some(id(1))).unwrap();
        assert!(gone == Some(id(1)) && matches!(change, MaterialChange::Remove(m) if m == id(1)));
        assert_eq!(
            (rec.state, states(&rec)),
            (KeyState::PendingImport, vec![(1, NonCurrent, false), (2, Current, true)])
        );
        let back = Import { description: Some("first".into()), ..import(1, Some(ImportType::ExistingKeyMaterial)) };
        assert!(matches!(apply_import(&mut rec, back), Ok(MaterialChange::Insert(0))));
        assert_eq!(rec.state, KeyState::Enabled);
        assert_eq!(rec.imported[0].description.as_deref(), Some("first"));
        // Importing present material again changes only its expiry and description.
        let later = Some(OffsetDateTime::UNIX_EPOCH + time::Duration::days(9));
        assert!(matches!(
            apply_import(&mut rec, Import { valid_to: later, ..import(1, None) }),
            Ok(MaterialChange::Nothing)
        ));
        assert_eq!((rec.imported[0].valid_to, rec.imported[0].description.as_deref()), (later, Some("first")));
        // Deleting without an id deletes the current material.
        assert_eq!(apply_deletion(&mut rec, None).unwrap().0, Some(id(2)));
        assert!(matches!(apply_deletion(&mut rec, Some(id(9))), Err(KmsError::Validation(_))));
    }

    #[test]
    fn material_pending_rotation_is_forgotten_when_deleted_and_the_key_stays_usable() {
        let mut rec = external(KeySpec::SymmetricDefault);
        apply_import(&mut rec, import(1, None)).unwrap();
        apply_import(&mut rec, import(2, Some(ImportType::NewKeyMaterial))).unwrap();
        let (gone, _) = apply_deletion(&mut rec, Some(id(2))).unwrap();
        assert_eq!((gone, rec.state, rec.imported.len()), (Some(id(2)), KeyState::Enabled, 1));
        // Another material can take its place.
        assert!(matches!(
            apply_import(&mut rec, import(3, Some(ImportType::NewKeyMaterial))),
            Ok(MaterialChange::Insert(1))
        ));
    }

    #[test]
    fn other_specs_hold_one_material_and_expiry_finds_what_is_due() {
        let mut rec = external(KeySpec::EccNistP256);
        let due = OffsetDateTime::UNIX_EPOCH + time::Duration::days(2);
        apply_import(&mut rec, Import { valid_to: Some(due), ..import(1, None) }).unwrap();
        apply_deletion(&mut rec, None).unwrap();
        let other = apply_import(&mut rec, import(2, Some(ImportType::NewKeyMaterial)));
        assert!(matches!(other, Err(KmsError::Unsupported(Unsupported::NewMaterialNotSymmetric { .. }))));
        apply_import(&mut rec, Import { valid_to: Some(due), ..import(1, None) }).unwrap();
        assert!(expired(&rec, due - time::Duration::seconds(1)).is_empty());
        assert_eq!(expired(&rec, due), vec![id(1)]);
        assert_eq!(rec.import_valid_to(), Some(due));
    }
}
