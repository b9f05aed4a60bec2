-- Trent SQLite schema, version 8: a secret's rotation configuration and progress
-- (RotateSecret's function and rules, the last rotation, the rotation in progress and its next
-- step), as one JSON column changed with the secret under its revision. NULL: never configured.

ALTER TABLE secrets ADD COLUMN rotation TEXT;

CREATE INDEX secrets_rotation ON secrets (account_id) WHERE rotation IS NOT NULL;
