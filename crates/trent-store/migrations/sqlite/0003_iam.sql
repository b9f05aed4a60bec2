-- IAM users, groups, roles and their inline policies; STS sessions.
--
-- IAM is global per account: no region column. Names of users, groups and roles are unique
-- per account regardless of case, as in IAM, hence COLLATE NOCASE on the name columns (which
-- also makes every lookup and ORDER BY on them case-insensitive). Tags are JSON arrays of
-- [key, value] pairs, in the order given. Policy documents are stored as written.

CREATE TABLE iam_users (
    account_id  TEXT    NOT NULL,
    name        TEXT    NOT NULL COLLATE NOCASE,
    path        TEXT    NOT NULL,
    user_id     TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    tags        TEXT    NOT NULL,
    PRIMARY KEY (account_id, name)
) STRICT;

CREATE TABLE iam_groups (
    account_id  TEXT    NOT NULL,
    name        TEXT    NOT NULL COLLATE NOCASE,
    path        TEXT    NOT NULL,
    group_id    TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, name)
) STRICT;

CREATE TABLE iam_group_members (
    account_id  TEXT NOT NULL,
    group_name  TEXT NOT NULL COLLATE NOCASE,
    user_name   TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (account_id, group_name, user_name),
    FOREIGN KEY (account_id, group_name) REFERENCES iam_groups (account_id, name),
    FOREIGN KEY (account_id, user_name) REFERENCES iam_users (account_id, name)
) STRICT;

-- The groups of one user (its identity policies, DeleteUser's conflict check).
CREATE INDEX iam_group_members_by_user ON iam_group_members (account_id, user_name, group_name);

CREATE TABLE iam_roles (
    account_id           TEXT    NOT NULL,
    name                 TEXT    NOT NULL COLLATE NOCASE,
    path                 TEXT    NOT NULL,
    role_id              TEXT    NOT NULL UNIQUE,
    trust_policy         TEXT    NOT NULL,
    description          TEXT,
    max_session_duration INTEGER NOT NULL CHECK (max_session_duration BETWEEN 3600 AND 43200),
    created_at           INTEGER NOT NULL,
    tags                 TEXT    NOT NULL,
    PRIMARY KEY (account_id, name)
) STRICT;

-- Inline policies of users, groups and roles. The owner is checked to exist when a policy is
-- put (one transaction), and an owner with policies cannot be deleted.
CREATE TABLE iam_inline_policies (
    account_id   TEXT NOT NULL,
    owner_kind   TEXT NOT NULL CHECK (owner_kind IN ('User', 'Group', 'Role')),
    owner_name   TEXT NOT NULL COLLATE NOCASE,
    policy_name  TEXT NOT NULL,
    document     TEXT NOT NULL,
    PRIMARY KEY (account_id, owner_kind, owner_name, policy_name)
) STRICT;

-- The access keys of one principal (ListAccessKeys, the two-keys quota, DeleteUser).
CREATE INDEX access_keys_by_principal ON access_keys (account_id, principal_kind, principal_name COLLATE NOCASE);

CREATE TABLE sts_sessions (
    access_key_id   TEXT    NOT NULL PRIMARY KEY,
    account_id      TEXT    NOT NULL,
    role_name       TEXT    NOT NULL,
    role_path       TEXT    NOT NULL,
    role_id         TEXT    NOT NULL,
    session_name    TEXT    NOT NULL,
    -- The secret access key wrapped under the root key; opaque to the store.
    secret_wrapped  BLOB    NOT NULL,
    -- SHA-256 of the session token: the token itself is never stored.
    token_hash      BLOB    NOT NULL CHECK (length(token_hash) = 32),
    session_policy  TEXT,
    tags            TEXT    NOT NULL,
    source_arn      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX sts_sessions_by_expiry ON sts_sessions (expires_at);

-- Before this version, IAM users existed only as the principals of their access keys (the
-- first-start administrator `admin`), with full access because nothing was enforced. Give
-- each of them a user row and the AdministratorAccess inline policy the first start now
-- creates, so that upgrading keeps every existing administrator's access.
INSERT OR IGNORE INTO iam_users (account_id, name, path, user_id, created_at, tags)
SELECT account_id, principal_name, '/', principal_unique_id, MIN(created_at), '[]'
FROM access_keys
WHERE principal_kind = 'User'
GROUP BY account_id, principal_name;

INSERT OR IGNORE INTO iam_inline_policies (account_id, owner_kind, owner_name, policy_name, document)
SELECT account_id, 'User', name, 'AdministratorAccess',
       '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
FROM iam_users;
