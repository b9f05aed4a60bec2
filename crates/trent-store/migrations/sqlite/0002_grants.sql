-- KMS grants: permission for a grantee principal to use one key for some operations.
CREATE TABLE kms_grants (
    account_id          TEXT    NOT NULL,
    region              TEXT    NOT NULL,
    key_id              TEXT    NOT NULL,
    grant_id            TEXT    NOT NULL,
    name                TEXT,
    grantee_principal   TEXT    NOT NULL,
    retiring_principal  TEXT,
    issuing_account     TEXT    NOT NULL,
    -- GrantOperation names joined by ','.
    operations          TEXT    NOT NULL,
    -- NULL, or {"subset": {...}} / {"equals": {...}} as JSON.
    constraints         TEXT,
    created_at          INTEGER NOT NULL,
    PRIMARY KEY (account_id, region, key_id, grant_id),
    FOREIGN KEY (account_id, region, key_id) REFERENCES kms_keys (account_id, region, key_id)
) STRICT;

CREATE INDEX kms_grants_by_retiring_principal ON kms_grants (region, retiring_principal, grant_id)
    WHERE retiring_principal IS NOT NULL;
