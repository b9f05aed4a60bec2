-- Trent SQLite schema, version 1.
--
-- Append-only: never edit a released migration; add 0002_*.sql instead.
-- Conventions: timestamps are INTEGER unix nanoseconds (UTC); booleans are INTEGER 0/1;
-- enums are TEXT in their AWS spelling; key ids are TEXT, the lower-case hyphenated UUID
-- (its text order equals the UUID byte order). Every KMS row carries account_id and region:
-- the same key id in two regions is two keys.

CREATE TABLE accounts (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE access_keys (
    access_key_id       TEXT    NOT NULL PRIMARY KEY,
    account_id          TEXT    NOT NULL,
    -- 'Root' or 'User'; principal_name is the user name, NULL for the root.
    principal_kind      TEXT    NOT NULL CHECK (principal_kind IN ('Root', 'User')),
    principal_name      TEXT,
    principal_unique_id TEXT    NOT NULL,
    -- The secret access key wrapped under the root key; opaque to the store.
    secret_wrapped      BLOB    NOT NULL,
    status              TEXT    NOT NULL,
    created_at          INTEGER NOT NULL,
    CHECK ((principal_kind = 'Root') = (principal_name IS NULL))
) STRICT;

CREATE TABLE kms_keys (
    account_id           TEXT    NOT NULL,
    region               TEXT    NOT NULL,
    key_id               TEXT    NOT NULL,
    description          TEXT    NOT NULL,
    key_usage            TEXT    NOT NULL,
    key_spec             TEXT    NOT NULL,
    origin               TEXT    NOT NULL,
    key_state            TEXT    NOT NULL,
    created_at           INTEGER NOT NULL,
    deletion_date        INTEGER,
    pending_window_days  INTEGER,
    rotation_enabled     INTEGER NOT NULL CHECK (rotation_enabled IN (0, 1)),
    rotation_period_days INTEGER NOT NULL,
    next_rotation        INTEGER,
    policy               TEXT    NOT NULL,
    multi_region         INTEGER NOT NULL CHECK (multi_region IN (0, 1)),
    -- Optimistic-concurrency token: updates are conditional on it.
    revision             INTEGER NOT NULL,
    PRIMARY KEY (account_id, region, key_id)
) STRICT;

-- keys_due: partial indexes whose WHERE clauses the scheduler's query repeats literally.
CREATE INDEX kms_keys_deletion_due ON kms_keys (deletion_date)
    WHERE key_state = 'PendingDeletion';
CREATE INDEX kms_keys_rotation_due ON kms_keys (next_rotation)
    WHERE rotation_enabled = 1 AND key_state = 'Enabled';

CREATE TABLE kms_key_materials (
    account_id    TEXT    NOT NULL,
    region        TEXT    NOT NULL,
    key_id        TEXT    NOT NULL,
    -- 0 for the original material, then 1, 2, ... per rotation.
    seq           INTEGER NOT NULL CHECK (seq >= 0),
    material_id   BLOB    NOT NULL CHECK (length(material_id) = 32),
    created_at    INTEGER NOT NULL,
    -- NULL for the original material, else 'AUTOMATIC' or 'ON_DEMAND'.
    rotation_type TEXT,
    -- The backing key wrapped under the root key; opaque to the store.
    wrapped       BLOB    NOT NULL,
    PRIMARY KEY (account_id, region, key_id, seq),
    FOREIGN KEY (account_id, region, key_id) REFERENCES kms_keys (account_id, region, key_id)
) STRICT;

CREATE TABLE kms_aliases (
    account_id    TEXT    NOT NULL,
    region        TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    target_key_id TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (account_id, region, name),
    FOREIGN KEY (account_id, region, target_key_id) REFERENCES kms_keys (account_id, region, key_id)
) STRICT;

-- Aliases of one key, by name (ListAliases with KeyId, delete_key, the foreign key check).
CREATE INDEX kms_aliases_by_key ON kms_aliases (account_id, region, target_key_id, name);

CREATE TABLE kms_key_tags (
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    tag_key    TEXT NOT NULL,
    tag_value  TEXT NOT NULL,
    PRIMARY KEY (account_id, region, key_id, tag_key),
    FOREIGN KEY (account_id, region, key_id) REFERENCES kms_keys (account_id, region, key_id)
) STRICT;

CREATE TABLE meta (
    name  TEXT NOT NULL PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;
