-- Trent PostgreSQL schema, version 1: everything the SQLite schema (main database versions
-- 1-4, audit database version 1) holds, in one schema.
--
-- Append-only: never edit a released migration; add 0002_*.sql instead. The numbering is this
-- backend's own; it does not follow SQLite's.
-- Conventions, the same values as SQLite stores so that both backends share their row code
-- (docs/adr/0009-postgresql-backend.md): timestamps are BIGINT unix nanoseconds (UTC);
-- booleans are BIGINT 0/1; enums are TEXT in their AWS spelling; key ids are TEXT, the
-- lower-case hyphenated UUID; opaque bytes are BYTEA. Every text column that is ordered or
-- paged on uses COLLATE "C" (byte order, as SQLite's BINARY and Rust's str), so the order
-- does not depend on the database's locale.

CREATE TABLE accounts (
    id          TEXT   COLLATE "C" NOT NULL PRIMARY KEY,
    name        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE meta (
    name  TEXT  NOT NULL PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE kms_keys (
    account_id           TEXT   COLLATE "C" NOT NULL,
    region               TEXT   COLLATE "C" NOT NULL,
    key_id               TEXT   COLLATE "C" NOT NULL,
    description          TEXT   NOT NULL,
    key_usage            TEXT   NOT NULL,
    key_spec             TEXT   NOT NULL,
    origin               TEXT   NOT NULL,
    key_state            TEXT   NOT NULL,
    created_at           BIGINT NOT NULL,
    deletion_date        BIGINT,
    pending_window_days  BIGINT,
    rotation_enabled     BIGINT NOT NULL CHECK (rotation_enabled IN (0, 1)),
    rotation_period_days BIGINT NOT NULL,
    next_rotation        BIGINT,
    policy               TEXT   NOT NULL,
    multi_region         BIGINT NOT NULL CHECK (multi_region IN (0, 1)),
    -- Optimistic-concurrency token: updates are conditional on it.
    revision             BIGINT NOT NULL,
    key_manager          TEXT   NOT NULL CHECK (key_manager IN ('AWS', 'CUSTOMER')),
    PRIMARY KEY (account_id, region, key_id)
);

-- keys_due: partial indexes whose WHERE clauses the scheduler's query repeats literally.
CREATE INDEX kms_keys_deletion_due ON kms_keys (deletion_date)
    WHERE key_state = 'PendingDeletion';
CREATE INDEX kms_keys_rotation_due ON kms_keys (next_rotation)
    WHERE rotation_enabled = 1 AND key_state = 'Enabled';

CREATE TABLE kms_key_materials (
    account_id    TEXT   COLLATE "C" NOT NULL,
    region        TEXT   COLLATE "C" NOT NULL,
    key_id        TEXT   COLLATE "C" NOT NULL,
    -- 0 for the original material, then 1, 2, ... per rotation.
    seq           BIGINT NOT NULL CHECK (seq >= 0),
    material_id   BYTEA  NOT NULL CHECK (length(material_id) = 32),
    created_at    BIGINT NOT NULL,
    -- NULL for the original material, else 'AUTOMATIC' or 'ON_DEMAND'.
    rotation_type TEXT,
    -- The backing key wrapped under the root key; opaque to the store.
    wrapped       BYTEA  NOT NULL,
    PRIMARY KEY (account_id, region, key_id, seq),
    FOREIGN KEY (account_id, region, key_id) REFERENCES kms_keys (account_id, region, key_id)
);

CREATE TABLE kms_aliases (
    account_id    TEXT   COLLATE "C" NOT NULL,
    region        TEXT   COLLATE "C" NOT NULL,
    name          TEXT   COLLATE "C" NOT NULL,
    target_key_id TEXT   COLLATE "C" NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (account_id, region, name),
    FOREIGN KEY (account_id, region, target_key_id) REFERENCES kms_keys (account_id, region, key_id)
);

-- Aliases of one key, by name (ListAliases with KeyId, delete_key, the foreign key check).
CREATE INDEX kms_aliases_by_key ON kms_aliases (account_id, region, target_key_id, name);

CREATE TABLE kms_key_tags (
    account_id TEXT COLLATE "C" NOT NULL,
    region     TEXT COLLATE "C" NOT NULL,
    key_id     TEXT COLLATE "C" NOT NULL,
    tag_key    TEXT COLLATE "C" NOT NULL,
    tag_value  TEXT NOT NULL,
    PRIMARY KEY (account_id, region, key_id, tag_key),
    FOREIGN KEY (account_id, region, key_id) REFERENCES kms_keys (account_id, region, key_id)
);

-- KMS grants: permission for a grantee principal to use one key for some operations.
CREATE TABLE kms_grants (
    account_id          TEXT   COLLATE "C" NOT NULL,
    region              TEXT   COLLATE "C" NOT NULL,
    key_id              TEXT   COLLATE "C" NOT NULL,
    grant_id            TEXT   COLLATE "C" NOT NULL,
    name                TEXT,
    grantee_principal   TEXT   NOT NULL,
    retiring_principal  TEXT,
    issuing_account     TEXT   NOT NULL,
    -- GrantOperation names joined by ','.
    operations          TEXT   NOT NULL,
    -- NULL, or {"subset": {...}} / {"equals": {...}} as JSON text, kept verbatim.
    constraints         TEXT,
    created_at          BIGINT NOT NULL,
    PRIMARY KEY (account_id, region, key_id, grant_id),
    FOREIGN KEY (account_id, region, key_id) REFERENCES kms_keys (account_id, region, key_id)
);

CREATE INDEX kms_grants_by_retiring_principal ON kms_grants (region, retiring_principal, grant_id)
    WHERE retiring_principal IS NOT NULL;

-- IAM is global per account: no region column. Names of users, groups and roles are unique
-- per account regardless of case, as in IAM: SQLite says COLLATE NOCASE, here a unique index
-- on lower(name) refuses a second spelling and every lookup compares lower(name) = lower($n)
-- (IAM names are ASCII, where lower() is SQLite's NOCASE folding). Rows that refer to a name
-- (members, policy owners) store the spelling of the row they refer to, looked up in the same
-- transaction, so their foreign keys can compare exactly.

CREATE TABLE access_keys (
    access_key_id       TEXT   COLLATE "C" NOT NULL PRIMARY KEY,
    account_id          TEXT   COLLATE "C" NOT NULL,
    -- 'Root' or 'User'; principal_name is the user name, NULL for the root.
    principal_kind      TEXT   NOT NULL CHECK (principal_kind IN ('Root', 'User')),
    principal_name      TEXT   COLLATE "C",
    principal_unique_id TEXT   NOT NULL,
    -- The secret access key wrapped under the root key; opaque to the store.
    secret_wrapped      BYTEA  NOT NULL,
    status              TEXT   NOT NULL,
    created_at          BIGINT NOT NULL,
    CHECK ((principal_kind = 'Root') = (principal_name IS NULL))
);

-- The access keys of one principal (ListAccessKeys, the two-keys quota, DeleteUser).
CREATE INDEX access_keys_by_principal ON access_keys (account_id, principal_kind, lower(principal_name));

CREATE TABLE iam_users (
    account_id  TEXT   COLLATE "C" NOT NULL,
    name        TEXT   COLLATE "C" NOT NULL,
    path        TEXT   COLLATE "C" NOT NULL,
    user_id     TEXT   NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    tags        TEXT   NOT NULL,
    PRIMARY KEY (account_id, name)
);
CREATE UNIQUE INDEX iam_users_name_ci ON iam_users (account_id, lower(name));

CREATE TABLE iam_groups (
    account_id  TEXT   COLLATE "C" NOT NULL,
    name        TEXT   COLLATE "C" NOT NULL,
    path        TEXT   COLLATE "C" NOT NULL,
    group_id    TEXT   NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, name)
);
CREATE UNIQUE INDEX iam_groups_name_ci ON iam_groups (account_id, lower(name));

CREATE TABLE iam_group_members (
    account_id  TEXT COLLATE "C" NOT NULL,
    group_name  TEXT COLLATE "C" NOT NULL,
    user_name   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, group_name, user_name),
    FOREIGN KEY (account_id, group_name) REFERENCES iam_groups (account_id, name),
    FOREIGN KEY (account_id, user_name) REFERENCES iam_users (account_id, name)
);

-- The groups of one user (its identity policies, DeleteUser's conflict check).
CREATE INDEX iam_group_members_by_user ON iam_group_members (account_id, lower(user_name), group_name);

CREATE TABLE iam_roles (
    account_id           TEXT   COLLATE "C" NOT NULL,
    name                 TEXT   COLLATE "C" NOT NULL,
    path                 TEXT   COLLATE "C" NOT NULL,
    role_id              TEXT   NOT NULL UNIQUE,
    trust_policy         TEXT   NOT NULL,
    description          TEXT,
    max_session_duration BIGINT NOT NULL CHECK (max_session_duration BETWEEN 3600 AND 43200),
    created_at           BIGINT NOT NULL,
    tags                 TEXT   NOT NULL,
    PRIMARY KEY (account_id, name)
);
CREATE UNIQUE INDEX iam_roles_name_ci ON iam_roles (account_id, lower(name));

-- Inline policies of users, groups and roles. The owner is checked to exist when a policy is
-- put (one transaction), and an owner with policies cannot be deleted.
CREATE TABLE iam_inline_policies (
    account_id   TEXT COLLATE "C" NOT NULL,
    owner_kind   TEXT NOT NULL CHECK (owner_kind IN ('User', 'Group', 'Role')),
    owner_name   TEXT COLLATE "C" NOT NULL,
    policy_name  TEXT COLLATE "C" NOT NULL,
    document     TEXT NOT NULL,
    PRIMARY KEY (account_id, owner_kind, owner_name, policy_name)
);

CREATE TABLE sts_sessions (
    access_key_id   TEXT   COLLATE "C" NOT NULL PRIMARY KEY,
    account_id      TEXT   NOT NULL,
    role_name       TEXT   NOT NULL,
    role_path       TEXT   NOT NULL,
    role_id         TEXT   NOT NULL,
    session_name    TEXT   NOT NULL,
    -- The secret access key wrapped under the root key; opaque to the store.
    secret_wrapped  BYTEA  NOT NULL,
    -- SHA-256 of the session token: the token itself is never stored.
    token_hash      BYTEA  NOT NULL CHECK (length(token_hash) = 32),
    session_policy  TEXT,
    tags            TEXT   NOT NULL,
    source_arn      TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);

CREATE INDEX sts_sessions_by_expiry ON sts_sessions (expires_at);

-- The audit trail (see migrations/sqlite-audit/0001_trail.sql and docs/audit-trail.md): named
-- values of the trail (its wrapped signing key), the chained events, the signed digests.
CREATE TABLE audit_meta (
    name  TEXT  NOT NULL PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE audit_events (
    seq        BIGINT NOT NULL PRIMARY KEY,
    prev_hash  BYTEA  NOT NULL CHECK (length(prev_hash) = 32),
    hash       BYTEA  NOT NULL CHECK (length(hash) = 32),
    -- Unix seconds, as CloudTrail's eventTime.
    event_time BIGINT NOT NULL,
    account_id TEXT   COLLATE "C" NOT NULL,
    region     TEXT   COLLATE "C" NOT NULL,
    record     BYTEA  NOT NULL
);

-- LookupEvents: one account and region, newest first by (event_time, seq).
CREATE INDEX audit_events_by_time ON audit_events (account_id, region, event_time, seq);

CREATE TABLE audit_digests (
    digest_seq       BIGINT NOT NULL PRIMARY KEY,
    first_seq        BIGINT NOT NULL CHECK (first_seq >= 1),
    last_seq         BIGINT NOT NULL,
    last_hash        BYTEA  NOT NULL CHECK (length(last_hash) = 32),
    prev_digest_hash BYTEA  NOT NULL CHECK (length(prev_digest_hash) = 32),
    -- Unix nanoseconds, exactly as signed.
    created_at       BIGINT NOT NULL,
    signature        BYTEA  NOT NULL,
    CHECK (last_seq >= first_seq)
);

-- Both chains stay contiguous: the primary keys refuse a seq written twice, these triggers a
-- gap, with SQLSTATE 23514 (check_violation), which the store reads as a conflict.
CREATE FUNCTION trent_audit_events_contiguous() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq <> 1 AND NOT EXISTS (SELECT 1 FROM audit_events WHERE seq = NEW.seq - 1) THEN
        RAISE EXCEPTION 'audit_events: seq does not continue the chain' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER audit_events_contiguous BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION trent_audit_events_contiguous();

CREATE FUNCTION trent_audit_digests_contiguous() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.digest_seq <> 1 AND NOT EXISTS (SELECT 1 FROM audit_digests WHERE digest_seq = NEW.digest_seq - 1) THEN
        RAISE EXCEPTION 'audit_digests: digest_seq does not continue the chain' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER audit_digests_contiguous BEFORE INSERT ON audit_digests
    FOR EACH ROW EXECUTE FUNCTION trent_audit_digests_contiguous();
