-- Custom key stores of type AWS_CLOUDHSM (CreateCustomKeyStore). A store names a cluster (a
-- PKCS#11 token configured in trent.toml); its password, the token's user PIN, is stored
-- wrapped under the root key. Names and clusters are unique within an account and region, as
-- AWS requires.
CREATE TABLE kms_custom_key_stores (
    account_id        TEXT   COLLATE "C" NOT NULL,
    region            TEXT   COLLATE "C" NOT NULL,
    -- cks- and 17 hexadecimal digits.
    id                TEXT   COLLATE "C" NOT NULL,
    name              TEXT   COLLATE "C" NOT NULL,
    cluster_id        TEXT   COLLATE "C" NOT NULL,
    trust_anchor      TEXT   NOT NULL,
    -- KeyStorePassword wrapped under the root key (AES-256-GCM, the AAD naming the store).
    wrapped_password  BYTEA  NOT NULL,
    -- 1 between ConnectCustomKeyStore and DisconnectCustomKeyStore: every node connects.
    connect           BIGINT NOT NULL CHECK (connect IN (0, 1)),
    created_at        BIGINT NOT NULL,
    revision          BIGINT NOT NULL,
    PRIMARY KEY (account_id, region, id),
    UNIQUE (account_id, region, name),
    UNIQUE (account_id, region, cluster_id)
);
