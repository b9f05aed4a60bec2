-- Trent PostgreSQL schema, version 3: Secrets Manager secrets and their versions (SQLite's
-- version 6, the same columns). Labels and tags are JSON text columns of the secret, changed
-- with it under its revision; a version's value is stored only envelope-encrypted.

CREATE TABLE secrets (
    account_id       TEXT   COLLATE "C" NOT NULL,
    region           TEXT   COLLATE "C" NOT NULL,
    name             TEXT   COLLATE "C" NOT NULL,
    suffix           TEXT   NOT NULL,
    description      TEXT,
    kms_key_id       TEXT,
    created_at       BIGINT NOT NULL,
    last_changed_at  BIGINT NOT NULL,
    last_accessed_at BIGINT,
    deleted_at       BIGINT,
    deletion_date    BIGINT,
    tags             TEXT   NOT NULL,
    policy           TEXT,
    labels           TEXT   NOT NULL,
    revision         BIGINT NOT NULL,
    PRIMARY KEY (account_id, region, name),
    CHECK ((deleted_at IS NULL) = (deletion_date IS NULL))
);

CREATE INDEX secrets_deletion ON secrets (deletion_date) WHERE deletion_date IS NOT NULL;

CREATE TABLE secret_versions (
    account_id   TEXT   COLLATE "C" NOT NULL,
    region       TEXT   COLLATE "C" NOT NULL,
    name         TEXT   COLLATE "C" NOT NULL,
    version_id   TEXT   COLLATE "C" NOT NULL,
    created_at   BIGINT NOT NULL,
    kind         TEXT   NOT NULL CHECK (kind IN ('string', 'binary')),
    key_arn      TEXT   NOT NULL,
    wrapped_key  BYTEA  NOT NULL,
    ciphertext   BYTEA  NOT NULL,
    PRIMARY KEY (account_id, region, name, version_id),
    FOREIGN KEY (account_id, region, name) REFERENCES secrets (account_id, region, name) ON DELETE CASCADE
);
