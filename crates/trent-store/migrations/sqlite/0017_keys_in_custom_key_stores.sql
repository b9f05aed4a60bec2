-- Trent SQLite schema, version 17: KMS keys in custom key stores (CreateKey with Origin
-- AWS_CLOUDHSM). Such a key has no backing-key rows: its material is an AES-256 key object
-- inside the store's PKCS#11 token, named here by its CKA_ID. Both columns are set at creation
-- and never change; NULL for every other key.
ALTER TABLE kms_keys ADD COLUMN custom_key_store_id TEXT;
ALTER TABLE kms_keys ADD COLUMN hsm_object_id BLOB
    CHECK ((custom_key_store_id IS NULL) = (hsm_object_id IS NULL));

-- DeleteCustomKeyStore asks whether a store still has keys.
CREATE INDEX kms_keys_by_custom_key_store ON kms_keys (account_id, region, custom_key_store_id)
    WHERE custom_key_store_id IS NOT NULL;
