-- Trent audit database (audit.db), version 1: the audit trail, in a file of its own.
--
-- Append-only: never edit a released migration; add a new file instead.
-- The file is created with 64 KiB pages (set before WAL mode, see sqlite/audit/mod.rs):
-- a group commit appends a few dozen 1-2 KB records at the right edge of one table and one
-- index, and large pages turn that into a handful of WAL frames instead of hundreds.
-- Only what a group commit must write is stored (see docs/adr/0005-audit-storage.md): every
-- searchable member other than account, region and time is read from the record itself.

-- Named values of the trail: its signing key (the private half wrapped under the root key).
CREATE TABLE audit_meta (
    name  TEXT NOT NULL PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

-- Every recorded call as its canonical JSON (`record`, hashed verbatim) in a hash chain
-- (`prev_hash` -> `hash`, see docs/audit-trail.md). account_id, region and event_time are
-- copied from the record for the lookup index; `trent audit verify` checks them against it.
-- event_time is INTEGER unix *seconds*: CloudTrail's eventTime has whole seconds.
CREATE TABLE audit_events (
    -- Position in the chain: 1, 2, 3... (the rowid).
    seq        INTEGER NOT NULL PRIMARY KEY,
    prev_hash  BLOB    NOT NULL CHECK (length(prev_hash) = 32),
    hash       BLOB    NOT NULL CHECK (length(hash) = 32),
    event_time INTEGER NOT NULL,
    account_id TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    record     BLOB    NOT NULL
) STRICT;

-- LookupEvents is scoped to an account and a region and ordered by (event_time, seq)
-- descending; SQLite appends the rowid (seq) to the index, so a page is one backwards range
-- scan. Every other filter is applied to the records the scan reads.
CREATE INDEX audit_events_by_time ON audit_events (account_id, region, event_time);

-- Signed digests: one per group commit, chained by prev_digest_hash.
CREATE TABLE audit_digests (
    digest_seq       INTEGER NOT NULL PRIMARY KEY,
    first_seq        INTEGER NOT NULL CHECK (first_seq >= 1),
    last_seq         INTEGER NOT NULL,
    last_hash        BLOB    NOT NULL CHECK (length(last_hash) = 32),
    prev_digest_hash BLOB    NOT NULL CHECK (length(prev_digest_hash) = 32),
    -- Unix nanoseconds, exactly as signed.
    created_at       INTEGER NOT NULL,
    signature        BLOB    NOT NULL,
    CHECK (last_seq >= first_seq)
) STRICT;

-- Both chains stay contiguous: the primary keys refuse a seq written twice (a second writer
-- forking the chain), these refuse a gap. Each checks one row that the same commit or the one
-- before it just wrote, so it costs a lookup in a cached page, never a query of its own.
CREATE TRIGGER audit_events_contiguous BEFORE INSERT ON audit_events
WHEN NEW.seq <> 1 AND NOT EXISTS (SELECT 1 FROM audit_events WHERE seq = NEW.seq - 1)
BEGIN
    SELECT RAISE(ABORT, 'audit_events: seq does not continue the chain');
END;

CREATE TRIGGER audit_digests_contiguous BEFORE INSERT ON audit_digests
WHEN NEW.digest_seq <> 1 AND NOT EXISTS (SELECT 1 FROM audit_digests WHERE digest_seq = NEW.digest_seq - 1)
BEGIN
    SELECT RAISE(ABORT, 'audit_digests: digest_seq does not continue the chain');
END;
