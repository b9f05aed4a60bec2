-- Trent SQLite schema, version 12: the last successful cryptographic operation of each key
-- (GetKeyLastUsage).
--
-- Each node keeps the latest use of every key in memory and writes it here in batches; a row
-- is replaced only by a later use, so several nodes flushing in any order keep the latest
-- (the maximum of the times). A row goes with its key (ON DELETE CASCADE).
CREATE TABLE kms_key_last_usage (
    account_id  TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    key_id      TEXT    NOT NULL,
    -- The AWS operation name (Encrypt, Sign, ...).
    operation   TEXT    NOT NULL,
    used_at     INTEGER NOT NULL,
    -- The CloudTrail eventID of the call in the key owner's trail, and its x-amzn-RequestId.
    event_id    TEXT    NOT NULL,
    request_id  TEXT    NOT NULL,
    PRIMARY KEY (account_id, region, key_id),
    FOREIGN KEY (account_id, region, key_id) REFERENCES kms_keys (account_id, region, key_id) ON DELETE CASCADE
) STRICT;

-- When this deployment began tracking key usage (one row, written once by the first node
-- that needs it): GetKeyLastUsage's TrackingStartDate for keys created before.
CREATE TABLE kms_usage_tracking (
    id          INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    started_at  INTEGER NOT NULL
) STRICT;
