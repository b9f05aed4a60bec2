-- Trent PostgreSQL schema, version 21: `ListKeys` in the order the keys were stored (as
-- SQLite's version 21).
--
-- `list_position` numbers the keys in the order they were inserted (an identity column: rows
-- that exist get theirs here, in the table's order). `ListKeys` pages through the covering
-- index below by position instead of through the primary key by key id. Key ids are random, so
-- a page of 100 neighbouring ids points at rows spread over the whole table, and the
-- index-only scan's visibility-map checks of those rows touched 85 buffers a page on a
-- million-key account against 5 on a thousand-key one (BENCHMARKS.md, "ListKeys reads only the
-- key ids"); neighbouring positions are rows stored together, so a page costs the same on
-- both.
ALTER TABLE kms_keys ADD COLUMN list_position BIGINT GENERATED ALWAYS AS IDENTITY;

CREATE INDEX kms_keys_listing ON kms_keys (account_id, region, list_position) INCLUDE (key_id);
