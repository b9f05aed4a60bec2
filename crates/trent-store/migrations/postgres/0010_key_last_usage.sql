-- Trent PostgreSQL schema, version 10: the last successful cryptographic operation of each
-- key (GetKeyLastUsage), the same tables as SQLite's version 12.
CREATE TABLE kms_key_last_usage (
    account_id  TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    key_id      TEXT    NOT NULL,
    operation   TEXT    NOT NULL,
    used_at     BIGINT  NOT NULL,
    event_id    TEXT    NOT NULL,
    request_id  TEXT    NOT NULL,
    PRIMARY KEY (account_id, region, key_id),
    FOREIGN KEY (account_id, region, key_id) REFERENCES kms_keys (account_id, region, key_id) ON DELETE CASCADE
);

CREATE TABLE kms_usage_tracking (
    id          BIGINT  NOT NULL PRIMARY KEY CHECK (id = 1),
    started_at  BIGINT  NOT NULL
);
