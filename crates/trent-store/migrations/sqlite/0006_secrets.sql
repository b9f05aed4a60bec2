-- Trent SQLite schema, version 6: Secrets Manager secrets and their versions.
--
-- A secret is named uniquely in its account and region. Its staging labels (JSON object,
-- label -> version id) and tags (JSON array of [key, value] pairs, in order) are columns of
-- the secret: they change with it, under its revision. A version's value is stored only
-- envelope-encrypted: the data key as KMS encrypted it, and the value sealed with that key.

CREATE TABLE secrets (
    account_id       TEXT    NOT NULL,
    region           TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    suffix           TEXT    NOT NULL,
    description      TEXT,
    kms_key_id       TEXT,
    created_at       INTEGER NOT NULL,
    last_changed_at  INTEGER NOT NULL,
    last_accessed_at INTEGER,
    deleted_at       INTEGER,
    deletion_date    INTEGER,
    tags             TEXT    NOT NULL,
    policy           TEXT,
    labels           TEXT    NOT NULL,
    revision         INTEGER NOT NULL,
    PRIMARY KEY (account_id, region, name),
    CHECK ((deleted_at IS NULL) = (deletion_date IS NULL))
) STRICT;

CREATE INDEX secrets_deletion ON secrets (deletion_date) WHERE deletion_date IS NOT NULL;

CREATE TABLE secret_versions (
    account_id   TEXT    NOT NULL,
    region       TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    version_id   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('string', 'binary')),
    key_arn      TEXT    NOT NULL,
    wrapped_key  BLOB    NOT NULL,
    ciphertext   BLOB    NOT NULL,
    PRIMARY KEY (account_id, region, name, version_id),
    FOREIGN KEY (account_id, region, name) REFERENCES secrets (account_id, region, name) ON DELETE CASCADE
) STRICT;
