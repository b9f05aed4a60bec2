-- Trent SQLite schema, version 14: custom key stores of type AWS_CLOUDHSM
-- (CreateCustomKeyStore). A store names a cluster (a PKCS#11 token configured in trent.toml);
-- its password, the token's user PIN, is stored wrapped under the root key. Names and clusters
-- are unique within an account and region, as AWS requires.
CREATE TABLE kms_custom_key_stores (
    account_id        TEXT    NOT NULL,
    region            TEXT    NOT NULL,
    -- cks- and 17 hexadecimal digits.
    id                TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    cluster_id        TEXT    NOT NULL,
    trust_anchor      TEXT    NOT NULL,
    -- KeyStorePassword wrapped under the root key (AES-256-GCM, the AAD naming the store).
    wrapped_password  BLOB    NOT NULL,
    -- 1 between ConnectCustomKeyStore and DisconnectCustomKeyStore: every node connects.
    connect           INTEGER NOT NULL CHECK (connect IN (0, 1)),
    created_at        INTEGER NOT NULL,
    revision          INTEGER NOT NULL,
    PRIMARY KEY (account_id, region, id),
    UNIQUE (account_id, region, name),
    UNIQUE (account_id, region, cluster_id)
) STRICT;
