-- Trent SQLite schema, version 21: `ListKeys` in the order the keys were stored (as
-- PostgreSQL's version 21).
--
-- `list_position` numbers a scope's keys in the order they were inserted: the store writes one
-- more than the scope's highest with each new key (SQLite has one writer, so no two keys of a
-- scope get the same). Keys that exist get their row id here, which is their insertion order
-- unless the file was vacuumed. `ListKeys` pages through the covering index below by position,
-- the order PostgreSQL's listing uses (see its version 21 for why), so that both backends list
-- alike.
ALTER TABLE kms_keys ADD COLUMN list_position INTEGER;

UPDATE kms_keys SET list_position = rowid;

CREATE INDEX kms_keys_listing ON kms_keys (account_id, region, list_position, key_id);
