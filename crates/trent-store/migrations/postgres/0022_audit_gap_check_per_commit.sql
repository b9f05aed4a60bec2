-- Trent PostgreSQL schema, version 22: the audit events' gap check moves from a per-row trigger
-- to the digests' trigger, which runs once a group commit (see postgres/audit.rs and
-- docs/adr/0005-audit-storage.md, third addendum).
--
-- Append-only: never edit a released migration; add a new file instead.
-- A group commit's events are one contiguous run of seqs of one node's chain (the store refuses
-- any other batch) and the primary key refuses a seq written twice, so a gap can only open
-- before a commit's first event. The digest stored with the commit names that event
-- (first_seq), so its trigger now also refuses a digest whose first event does not follow a
-- stored event of its node; an append without such a digest reads that row itself. The
-- per-row trigger doubled the cost of inserting an event row (BENCHMARKS.md, "The audit trail's
-- gap check"). A node still running the code of version 21 always sends a digest naming its
-- first event, so its commits are checked the same way.
DROP TRIGGER audit_events_contiguous ON audit_events;
DROP FUNCTION trent_audit_events_contiguous();

CREATE OR REPLACE FUNCTION trent_audit_digests_contiguous() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.digest_seq <> 1 AND NOT EXISTS (
        SELECT 1 FROM audit_digests WHERE node_id = NEW.node_id AND digest_seq = NEW.digest_seq - 1
    ) THEN
        RAISE EXCEPTION 'audit_digests: digest_seq does not continue the chain' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.first_seq <> 1 AND NOT EXISTS (
        SELECT 1 FROM audit_events WHERE node_id = NEW.node_id AND seq = NEW.first_seq - 1
    ) THEN
        RAISE EXCEPTION 'audit_digests: first_seq does not continue the chain' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
