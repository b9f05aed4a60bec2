-- Trent PostgreSQL schema, version 9: multi-Region secrets (as SQLite's version 11).
--
-- A replica secret names the region of its primary (`primary_region`, NULL for a primary or a
-- standalone secret). A primary lists its replicas in `replicas`, a JSON array of objects
-- {"region", "kms_key_id", "status", "failure"}, changed with the secret under its revision.

ALTER TABLE secrets ADD COLUMN primary_region TEXT;
ALTER TABLE secrets ADD COLUMN replicas TEXT NOT NULL DEFAULT '[]';
