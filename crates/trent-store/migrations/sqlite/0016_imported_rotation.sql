-- Trent SQLite schema, version 15: rotation of imported key material and single-use import
-- tokens (keys of origin EXTERNAL).
--
-- imported_materials holds every key material associated with a key, in import order, as a
-- JSON array of {"id", "state", "present", "valid_to", "description", "rotated_at"} (see
-- ImportedRow in src/sqlite/rows/kms.rs); it changes only together with the key row, under its
-- revision. The columns of version 10 become derived from it for the scheduler's partial
-- index: imported_material_id is the current material, import_valid_to the earliest ValidTo
-- of the materials present, import_present whether any is present.
--
-- import_count counts successful imports; an import token is good only at the count it was
-- issued at, so each token imports once.
ALTER TABLE kms_keys ADD COLUMN import_count INTEGER NOT NULL DEFAULT 0 CHECK (import_count >= 0);
ALTER TABLE kms_keys ADD COLUMN imported_materials TEXT
    CHECK (imported_materials IS NULL OR json_valid(imported_materials));

-- A key imported before this version has one material, current.
UPDATE kms_keys SET
    imported_materials = json_array(json_object(
        'id', lower(hex(imported_material_id)),
        'state', 'CURRENT',
        'present', CASE import_present WHEN 1 THEN json('true') ELSE json('false') END,
        'valid_to', import_valid_to)),
    import_count = 1
WHERE imported_material_id IS NOT NULL;
