-- Trent PostgreSQL schema, version 4: SSM Parameter Store (SQLite's version 7, the same
-- columns). ssm_parameters holds one row per parameter: its current version, its tier (for the
-- per-tier quotas) and the path it sits directly in (`parent`, NULL outside any hierarchy), so
-- that GetParametersByPath reads an index range: one level through (account_id, region,
-- parent, name), every level through the primary key's name range, in byte order (COLLATE
-- "C"). Versions, labels and tags hang off it and go with it. A SecureString's value is its KMS
-- ciphertext; plaintext never reaches a row.

CREATE TABLE ssm_parameters (
    account_id TEXT   COLLATE "C" NOT NULL,
    region     TEXT   COLLATE "C" NOT NULL,
    name       TEXT   COLLATE "C" NOT NULL,
    parent     TEXT   COLLATE "C",
    version    BIGINT NOT NULL CHECK (version >= 1),
    tier       TEXT   NOT NULL CHECK (tier IN ('Standard', 'Advanced')),
    PRIMARY KEY (account_id, region, name)
);

CREATE INDEX ssm_parameters_by_parent ON ssm_parameters (account_id, region, parent, name);
CREATE INDEX ssm_parameters_by_tier ON ssm_parameters (account_id, region, tier);

CREATE TABLE ssm_parameter_versions (
    account_id      TEXT   COLLATE "C" NOT NULL,
    region          TEXT   COLLATE "C" NOT NULL,
    name            TEXT   COLLATE "C" NOT NULL,
    version         BIGINT NOT NULL,
    param_type      TEXT   NOT NULL CHECK (param_type IN ('String', 'StringList', 'SecureString')),
    value           BYTEA  NOT NULL,
    key_id          TEXT,
    description     TEXT,
    allowed_pattern TEXT,
    tier            TEXT   NOT NULL CHECK (tier IN ('Standard', 'Advanced')),
    data_type       TEXT   NOT NULL,
    modified_at     BIGINT NOT NULL,
    modified_by     TEXT   NOT NULL,
    PRIMARY KEY (account_id, region, name, version),
    FOREIGN KEY (account_id, region, name) REFERENCES ssm_parameters (account_id, region, name) ON DELETE CASCADE
);

CREATE TABLE ssm_parameter_labels (
    account_id TEXT   COLLATE "C" NOT NULL,
    region     TEXT   COLLATE "C" NOT NULL,
    name       TEXT   COLLATE "C" NOT NULL,
    label      TEXT   COLLATE "C" NOT NULL,
    version    BIGINT NOT NULL,
    PRIMARY KEY (account_id, region, name, label),
    FOREIGN KEY (account_id, region, name, version)
        REFERENCES ssm_parameter_versions (account_id, region, name, version) ON DELETE CASCADE
);

CREATE INDEX ssm_parameter_labels_by_version ON ssm_parameter_labels (account_id, region, name, version);

CREATE TABLE ssm_parameter_tags (
    account_id TEXT COLLATE "C" NOT NULL,
    region     TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    tag_key    TEXT COLLATE "C" NOT NULL,
    tag_value  TEXT NOT NULL,
    PRIMARY KEY (account_id, region, name, tag_key),
    FOREIGN KEY (account_id, region, name) REFERENCES ssm_parameters (account_id, region, name) ON DELETE CASCADE
);

CREATE TABLE ssm_service_settings (
    account_id  TEXT   COLLATE "C" NOT NULL,
    region      TEXT   COLLATE "C" NOT NULL,
    setting_id  TEXT   COLLATE "C" NOT NULL,
    value       TEXT   NOT NULL,
    modified_at BIGINT NOT NULL,
    modified_by TEXT   NOT NULL,
    PRIMARY KEY (account_id, region, setting_id)
);
