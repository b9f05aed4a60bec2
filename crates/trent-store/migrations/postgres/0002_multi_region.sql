-- Trent PostgreSQL schema, version 2: multi-Region keys (SQLite's version 5).
--
-- `multi_region` (0 or 1) says whether a key is multi-Region; `multi_region_replica` whether
-- this copy is a replica (1) or the primary (0); every key stored before is single-Region.

ALTER TABLE kms_keys ADD COLUMN multi_region_replica BIGINT NOT NULL DEFAULT 0
    CHECK (multi_region_replica IN (0, 1));

-- key_copies: every region's copy of one key id in an account.
CREATE INDEX kms_keys_copies ON kms_keys (account_id, key_id, region);
