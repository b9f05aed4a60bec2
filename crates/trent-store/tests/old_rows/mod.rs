//! Rows as an earlier Trent wrote them, for the upgrade tests of both backends (the SQL is the
//! same on SQLite and PostgreSQL).

/// A `kms_keys` row of schema versions 16 to 20 (SQLite's and PostgreSQL's alike): every
/// column of that time: a `SYMMETRIC_DEFAULT` key in `111122223333`/`us-east-1` at revision 4,
/// rotating every 90 days next at `next_rotation` when given, else not rotating.
pub(crate) fn key_row(id: &str, description: &str, created_at: i64, next_rotation: Option<i64>) -> String {
    let (enabled, period, next) = match next_rotation {
        Some(at) => (1, 90, at.to_string()),
        None => (0, 365, "NULL".to_owned()),
    };
    format!(
        "INSERT INTO kms_keys (account_id, region, key_id, description, key_usage, key_spec, origin, key_state, \
         created_at, deletion_date, pending_window_days, rotation_enabled, rotation_period_days, next_rotation, \
         policy, multi_region, revision, key_manager, multi_region_replica, imported_material_id, \
         import_valid_to, import_present, import_count, imported_materials, custom_key_store_id, hsm_object_id) \
         VALUES ('111122223333', 'us-east-1', '{id}', '{description}', 'ENCRYPT_DECRYPT', 'SYMMETRIC_DEFAULT', \
         'AWS_KMS', 'Enabled', {created_at}, NULL, NULL, {enabled}, {period}, {next}, '{{}}', 0, 4, 'CUSTOMER', 0, \
         NULL, NULL, 0, 0, NULL, NULL, NULL)"
    )
}
