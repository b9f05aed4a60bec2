-- Trent PostgreSQL schema, version 13: rotation of imported key material and single-use import
-- tokens, the same columns and conversion as SQLite's version 15 (which explains them).
ALTER TABLE kms_keys ADD COLUMN import_count BIGINT NOT NULL DEFAULT 0 CHECK (import_count >= 0);
ALTER TABLE kms_keys ADD COLUMN imported_materials TEXT
    CHECK (imported_materials IS NULL OR imported_materials::jsonb IS NOT NULL);

UPDATE kms_keys SET
    imported_materials = jsonb_build_array(jsonb_build_object(
        'id', encode(imported_material_id, 'hex'),
        'state', 'CURRENT',
        'present', import_present = 1,
        'valid_to', import_valid_to))::text,
    import_count = 1
WHERE imported_material_id IS NOT NULL;
