-- Trent SQLite schema, version 5: multi-Region keys.
--
-- `multi_region` (0 or 1) says whether a key is multi-Region; `multi_region_replica` whether
-- this copy is a replica (1) or the primary (0). Every key stored before this version is a
-- single-Region key (CreateKey refused MultiRegion), so the default 0 is right for all of them.

ALTER TABLE kms_keys ADD COLUMN multi_region_replica INTEGER NOT NULL DEFAULT 0
    CHECK (multi_region_replica IN (0, 1));
