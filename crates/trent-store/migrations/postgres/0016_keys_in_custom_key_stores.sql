-- Trent PostgreSQL schema, version 15: KMS keys in custom key stores, the same columns as
-- SQLite's version 17 (which explains them).
ALTER TABLE kms_keys ADD COLUMN custom_key_store_id TEXT;
ALTER TABLE kms_keys ADD COLUMN hsm_object_id BYTEA
    CHECK ((custom_key_store_id IS NULL) = (hsm_object_id IS NULL));

CREATE INDEX kms_keys_by_custom_key_store ON kms_keys (account_id, region, custom_key_store_id)
    WHERE custom_key_store_id IS NOT NULL;
