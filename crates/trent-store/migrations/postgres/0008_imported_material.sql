-- Trent PostgreSQL schema, version 8: imported key material (keys of origin EXTERNAL), the
-- same columns as SQLite's version 10.
ALTER TABLE kms_keys ADD COLUMN imported_material_id BYTEA CHECK (imported_material_id IS NULL OR length(imported_material_id) = 32);
ALTER TABLE kms_keys ADD COLUMN import_valid_to BIGINT;
ALTER TABLE kms_keys ADD COLUMN import_present BIGINT NOT NULL DEFAULT 0 CHECK (import_present IN (0, 1));

CREATE INDEX kms_keys_import_expiry ON kms_keys (import_valid_to) WHERE import_present = 1;
