-- Trent on PostgreSQL, version 7: one audit chain per node (see docs/audit-trail.md,
-- "Several nodes").
--
-- Append-only: never edit a released migration; add a new file instead.
-- Every node appends to its own chain, (node_id, seq) and (node_id, digest_seq), so group
-- commits of different nodes never touch the same row, and no lock is shared on the request
-- path. Rows written before this migration belong to the chain of node ''.
ALTER TABLE audit_events ADD COLUMN node_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey;
ALTER TABLE audit_events ADD PRIMARY KEY (node_id, seq);
DROP INDEX audit_events_by_time;
-- LookupEvents: one account and region, newest first by (event_time, node_id, seq): the
-- chains merged by time.
CREATE INDEX audit_events_by_time ON audit_events (account_id, region, event_time, node_id, seq);

ALTER TABLE audit_digests ADD COLUMN node_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE audit_digests DROP CONSTRAINT audit_digests_pkey;
ALTER TABLE audit_digests ADD PRIMARY KEY (node_id, digest_seq);

-- Each chain stays contiguous on its own.
CREATE OR REPLACE FUNCTION trent_audit_events_contiguous() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq <> 1 AND NOT EXISTS (
        SELECT 1 FROM audit_events WHERE node_id = NEW.node_id AND seq = NEW.seq - 1
    ) THEN
        RAISE EXCEPTION 'audit_events: seq does not continue the chain' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION trent_audit_digests_contiguous() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.digest_seq <> 1 AND NOT EXISTS (
        SELECT 1 FROM audit_digests WHERE node_id = NEW.node_id AND digest_seq = NEW.digest_seq - 1
    ) THEN
        RAISE EXCEPTION 'audit_digests: digest_seq does not continue the chain' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
