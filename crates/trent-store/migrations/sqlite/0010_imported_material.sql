-- Trent SQLite schema, version 10: imported key material (keys of origin EXTERNAL).
--
-- A key remembers the id of the material imported into it (only that material may be imported
-- again), when it expires (NULL: it does not) and whether it is in kms_key_materials now (0
-- after DeleteImportedKeyMaterial or expiry). The scheduler finds expired material through the
-- partial index, whose WHERE clause its query repeats literally.
ALTER TABLE kms_keys ADD COLUMN imported_material_id BLOB CHECK (imported_material_id IS NULL OR length(imported_material_id) = 32);
ALTER TABLE kms_keys ADD COLUMN import_valid_to INTEGER;
ALTER TABLE kms_keys ADD COLUMN import_present INTEGER NOT NULL DEFAULT 0 CHECK (import_present IN (0, 1));

CREATE INDEX kms_keys_import_expiry ON kms_keys (import_valid_to) WHERE import_present = 1;
