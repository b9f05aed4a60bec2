//! Rows of the KMS tables: keys, backing keys, aliases, tags.

use sqlx::{Database, Encode, Type};
use trent_core::StoreError;
use trent_core::kms::{
    Alias, ImportedMaterial, KeyManager, KeyMaterialRecord, KeyMaterialState, KeyRecord, KeySpec, KeyState, KeyUsage,
    MultiRegionKeyType, Origin, RotationSettings, RotationType, Tag,
};
use trent_core::store::Fault;
use trent_crypto::{KeyMaterialId, MATERIAL_ID_LEN};

use super::{
    Query, boolean, enumeration, key_id_from_db, opt_ts_from_db, opt_ts_to_db, scope_from_db, ts_from_db, ts_to_db,
    unsigned,
};

/// A `kms_keys` row. Fields in [`KeyRow::COLUMNS`] order, which is also the order of the
/// numbered parameters `?1`..`?24` bound by [`KeyRow::bind`].
pub(crate) struct KeyRow {
    account_id: String,
    region: String,
    key_id: String,
    description: String,
    key_usage: String,
    key_spec: String,
    origin: String,
    key_state: String,
    created_at: i64,
    deletion_date: Option<i64>,
    pending_window_days: Option<i64>,
    rotation_enabled: i64,
    rotation_period_days: i64,
    next_rotation: Option<i64>,
    policy: String,
    multi_region: i64,
    revision: i64,
    key_manager: String,
    multi_region_replica: i64,
    /// The current imported material's id; with the next two, derived from
    /// `imported_materials` for the scheduler's index and never read back.
    imported_material_id: Option<Vec<u8>>,
    /// The earliest `ValidTo` of the imported materials present now.
    import_valid_to: Option<i64>,
    /// 1 while some imported material is present.
    import_present: i64,
    import_count: i64,
    /// Every imported material of the key, a JSON array of [`ImportedRow`]; NULL for none.
    imported_materials: Option<String>,
}

/// One imported key material as the `imported_materials` column holds it. Kept as one
/// column of the key row (not a table of its own) because it changes only together with the
/// key's state, under the key's revision.
#[derive(serde::Serialize, serde::Deserialize)]
struct ImportedRow {
    /// The material id, 64 lowercase hexadecimal digits.
    id: String,
    /// `CURRENT`, `NON_CURRENT` or `PENDING_ROTATION`.
    state: String,
    present: bool,
    /// Nanoseconds since the Unix epoch, as every timestamp column.
    valid_to: Option<i64>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    rotated_at: Option<i64>,
}

fn imported_to_db(materials: &[ImportedMaterial]) -> Result<Option<String>, StoreError> {
    if materials.is_empty() {
        return Ok(None);
    }
    let rows = materials
        .iter()
        .map(|m| {
            Ok(ImportedRow {
                id: m.material_id.to_hex(),
                state: m.state.as_str().to_owned(),
                present: m.present,
                valid_to: opt_ts_to_db(m.valid_to)?,
                description: m.description.clone(),
                rotated_at: opt_ts_to_db(m.rotated_at)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    serde_json::to_string(&rows)
        .map(Some)
        .map_err(|e| StoreError::corrupt_because("kms_keys.imported_materials", Fault::Undecodable, e))
}

fn imported_from_db(json: Option<&str>) -> Result<Vec<ImportedMaterial>, StoreError> {
    let Some(json) = json else { return Ok(Vec::new()) };
    let rows: Vec<ImportedRow> = serde_json::from_str(json)
        .map_err(|e| StoreError::corrupt_because("kms_keys.imported_materials", Fault::Undecodable, e))?;
    rows.into_iter()
        .map(|r| {
            Ok(ImportedMaterial {
                material_id: KeyMaterialId::from_hex(&r.id)
                    .ok_or_else(|| StoreError::corrupt("kms_keys.imported_materials", Fault::Unknown(r.id.clone())))?,
                state: enumeration("imported_materials.state", &r.state, KeyMaterialState::parse)?,
                valid_to: opt_ts_from_db(r.valid_to)?,
                present: r.present,
                description: r.description,
                rotated_at: opt_ts_from_db(r.rotated_at)?,
            })
        })
        .collect()
}

impl KeyRow {
    /// The columns, in parameter order.
    pub(crate) const COLUMNS: &'static str = "account_id, region, key_id, description, key_usage, key_spec, origin, \
         key_state, created_at, deletion_date, pending_window_days, rotation_enabled, rotation_period_days, \
         next_rotation, policy, multi_region, revision, key_manager, multi_region_replica, imported_material_id, \
         import_valid_to, import_present, import_count, imported_materials";

    /// Binds every column as parameters `?1`..`?24`.
    pub(crate) fn bind<'q, DB: Database>(self, q: Query<'q, DB>) -> Query<'q, DB>
    where
        String: Encode<'q, DB> + Type<DB>,
        i64: Encode<'q, DB> + Type<DB>,
        Vec<u8>: Encode<'q, DB> + Type<DB>,
        Option<String>: Encode<'q, DB> + Type<DB>,
        Option<i64>: Encode<'q, DB> + Type<DB>,
        Option<Vec<u8>>: Encode<'q, DB> + Type<DB>,
    {
        q.bind(self.account_id)
            .bind(self.region)
            .bind(self.key_id)
            .bind(self.description)
            .bind(self.key_usage)
            .bind(self.key_spec)
            .bind(self.origin)
            .bind(self.key_state)
            .bind(self.created_at)
            .bind(self.deletion_date)
            .bind(self.pending_window_days)
            .bind(self.rotation_enabled)
            .bind(self.rotation_period_days)
            .bind(self.next_rotation)
            .bind(self.policy)
            .bind(self.multi_region)
            .bind(self.revision)
            .bind(self.key_manager)
            .bind(self.multi_region_replica)
            .bind(self.imported_material_id)
            .bind(self.import_valid_to)
            .bind(self.import_present)
            .bind(self.import_count)
            .bind(self.imported_materials)
    }
}

impl TryFrom<&KeyRecord> for KeyRow {
    type Error = StoreError;

    fn try_from(k: &KeyRecord) -> Result<Self, StoreError> {
        Ok(Self {
            account_id: k.scope.account.as_str().to_owned(),
            region: k.scope.region.as_str().to_owned(),
            key_id: k.key_id.to_string(),
            description: k.description.clone(),
            key_usage: k.usage.as_str().to_owned(),
            key_spec: k.spec.as_str().to_owned(),
            origin: k.origin.as_str().to_owned(),
            key_state: k.state.as_str().to_owned(),
            created_at: ts_to_db(k.created_at)?,
            deletion_date: opt_ts_to_db(k.deletion_date)?,
            pending_window_days: k.pending_window_days.map(i64::from),
            rotation_enabled: i64::from(k.rotation.enabled),
            rotation_period_days: i64::from(k.rotation.period_days),
            next_rotation: opt_ts_to_db(k.rotation.next_rotation)?,
            policy: k.policy.clone(),
            multi_region: i64::from(k.multi_region.is_some()),
            multi_region_replica: i64::from(k.multi_region == Some(MultiRegionKeyType::Replica)),
            revision: i64::try_from(k.revision)
                .map_err(|_| StoreError::corrupt("kms_keys.revision", Fault::OutOfRange(i128::from(k.revision))))?,
            key_manager: k.manager.as_str().to_owned(),
            imported_material_id: k.current_import().map(|i| i.material_id.0.to_vec()),
            import_valid_to: opt_ts_to_db(k.imported.iter().filter(|i| i.present).filter_map(|i| i.valid_to).min())?,
            import_present: i64::from(k.imported.iter().any(|i| i.present)),
            import_count: i64::try_from(k.import_count).map_err(|_| {
                StoreError::corrupt("kms_keys.import_count", Fault::OutOfRange(i128::from(k.import_count)))
            })?,
            imported_materials: imported_to_db(&k.imported)?,
        })
    }
}

from_any_row!(KeyRow, |row| {
    Ok(Self {
        account_id: row.try_get("account_id")?,
        region: row.try_get("region")?,
        key_id: row.try_get("key_id")?,
        description: row.try_get("description")?,
        key_usage: row.try_get("key_usage")?,
        key_spec: row.try_get("key_spec")?,
        origin: row.try_get("origin")?,
        key_state: row.try_get("key_state")?,
        created_at: row.try_get("created_at")?,
        deletion_date: row.try_get("deletion_date")?,
        pending_window_days: row.try_get("pending_window_days")?,
        rotation_enabled: row.try_get("rotation_enabled")?,
        rotation_period_days: row.try_get("rotation_period_days")?,
        next_rotation: row.try_get("next_rotation")?,
        policy: row.try_get("policy")?,
        multi_region: row.try_get("multi_region")?,
        revision: row.try_get("revision")?,
        key_manager: row.try_get("key_manager")?,
        multi_region_replica: row.try_get("multi_region_replica")?,
        imported_material_id: row.try_get("imported_material_id")?,
        import_valid_to: row.try_get("import_valid_to")?,
        import_present: row.try_get("import_present")?,
        import_count: row.try_get("import_count")?,
        imported_materials: row.try_get("imported_materials")?,
    })
});

impl TryFrom<KeyRow> for KeyRecord {
    type Error = StoreError;

    fn try_from(r: KeyRow) -> Result<Self, StoreError> {
        Ok(Self {
            scope: scope_from_db(&r.account_id, &r.region)?,
            key_id: key_id_from_db(&r.key_id)?,
            description: r.description,
            usage: enumeration("key_usage", &r.key_usage, KeyUsage::parse)?,
            spec: enumeration("key_spec", &r.key_spec, KeySpec::parse)?,
            origin: enumeration("origin", &r.origin, Origin::parse)?,
            state: enumeration("key_state", &r.key_state, KeyState::parse)?,
            created_at: ts_from_db(r.created_at)?,
            deletion_date: opt_ts_from_db(r.deletion_date)?,
            pending_window_days: r.pending_window_days.map(|n| unsigned("pending_window_days", n)).transpose()?,
            rotation: RotationSettings {
                enabled: boolean("rotation_enabled", r.rotation_enabled)?,
                period_days: unsigned("rotation_period_days", r.rotation_period_days)?,
                next_rotation: opt_ts_from_db(r.next_rotation)?,
            },
            policy: r.policy,
            multi_region: match (
                boolean("multi_region", r.multi_region)?,
                boolean("multi_region_replica", r.multi_region_replica)?,
            ) {
                (false, false) => None,
                (true, false) => Some(MultiRegionKeyType::Primary),
                (true, true) => Some(MultiRegionKeyType::Replica),
                (false, true) => {
                    return Err(StoreError::corrupt(
                        "kms_keys.multi_region_replica",
                        Fault::Inconsistent("a single-Region key is marked as a replica"),
                    ));
                }
            },
            revision: unsigned("revision", r.revision)?,
            manager: enumeration("key_manager", &r.key_manager, KeyManager::parse)?,
            imported: imported_from_db(r.imported_materials.as_deref())?,
            import_count: unsigned("import_count", r.import_count)?,
        })
    }
}

/// A material id column: exactly [`MATERIAL_ID_LEN`] bytes.
fn material_id_from_db(bytes: &[u8]) -> Result<KeyMaterialId, StoreError> {
    let id: [u8; MATERIAL_ID_LEN] = bytes.try_into().map_err(|_| {
        StoreError::corrupt(
            "kms_key_materials.material_id",
            Fault::Length { found: bytes.len(), expected: MATERIAL_ID_LEN },
        )
    })?;
    Ok(KeyMaterialId(id))
}

/// A `kms_key_materials` row, without the key it belongs to (the caller binds that).
pub(crate) struct MaterialRow {
    pub(crate) seq: i64,
    pub(crate) material_id: Vec<u8>,
    pub(crate) created_at: i64,
    pub(crate) rotation_type: Option<String>,
    pub(crate) wrapped: Vec<u8>,
}

impl MaterialRow {
    /// The columns after the key's `account_id, region, key_id`.
    pub(crate) const COLUMNS: &'static str = "seq, material_id, created_at, rotation_type, wrapped";
}

impl TryFrom<&KeyMaterialRecord> for MaterialRow {
    type Error = StoreError;

    fn try_from(m: &KeyMaterialRecord) -> Result<Self, StoreError> {
        Ok(Self {
            seq: i64::from(m.seq),
            material_id: m.material_id.0.to_vec(),
            created_at: ts_to_db(m.created_at)?,
            rotation_type: m.rotation_type.map(|r| r.as_str().to_owned()),
            wrapped: m.wrapped.clone(),
        })
    }
}

from_any_row!(MaterialRow, |row| {
    Ok(Self {
        seq: row.try_get("seq")?,
        material_id: row.try_get("material_id")?,
        created_at: row.try_get("created_at")?,
        rotation_type: row.try_get("rotation_type")?,
        wrapped: row.try_get("wrapped")?,
    })
});

impl TryFrom<MaterialRow> for KeyMaterialRecord {
    type Error = StoreError;

    fn try_from(r: MaterialRow) -> Result<Self, StoreError> {
        Ok(Self {
            material_id: material_id_from_db(&r.material_id)?,
            seq: unsigned("seq", r.seq)?,
            created_at: ts_from_db(r.created_at)?,
            rotation_type: r
                .rotation_type
                .map(|t| enumeration("rotation_type", &t, RotationType::parse))
                .transpose()?,
            wrapped: r.wrapped,
        })
    }
}

/// A `kms_aliases` row, without its scope (the caller binds that).
pub(crate) struct AliasRow {
    pub(crate) name: String,
    pub(crate) target_key_id: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

impl AliasRow {
    /// The columns after `account_id, region`.
    pub(crate) const COLUMNS: &'static str = "name, target_key_id, created_at, updated_at";
}

impl TryFrom<&Alias> for AliasRow {
    type Error = StoreError;

    fn try_from(a: &Alias) -> Result<Self, StoreError> {
        Ok(Self {
            name: a.name.clone(),
            target_key_id: a.target.to_string(),
            created_at: ts_to_db(a.created_at)?,
            updated_at: ts_to_db(a.updated_at)?,
        })
    }
}

from_any_row!(AliasRow, |row| {
    Ok(Self {
        name: row.try_get("name")?,
        target_key_id: row.try_get("target_key_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
});

impl TryFrom<AliasRow> for Alias {
    type Error = StoreError;

    fn try_from(r: AliasRow) -> Result<Self, StoreError> {
        Ok(Self {
            name: r.name,
            target: key_id_from_db(&r.target_key_id)?,
            created_at: ts_from_db(r.created_at)?,
            updated_at: ts_from_db(r.updated_at)?,
        })
    }
}

/// A `kms_key_tags` row, without its key (the caller binds that).
pub(crate) struct TagRow {
    pub(crate) tag_key: String,
    pub(crate) tag_value: String,
}

from_any_row!(TagRow, |row| { Ok(Self { tag_key: row.try_get("tag_key")?, tag_value: row.try_get("tag_value")? }) });

impl From<TagRow> for Tag {
    fn from(r: TagRow) -> Self {
        Self { key: r.tag_key, value: r.tag_value }
    }
}
