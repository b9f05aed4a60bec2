-- Trent PostgreSQL schema, version 5: a secret's rotation configuration and progress as one
-- JSON text column (SQLite's version 8). NULL: never configured.

ALTER TABLE secrets ADD COLUMN rotation TEXT;

CREATE INDEX secrets_rotation ON secrets (account_id) WHERE rotation IS NOT NULL;
