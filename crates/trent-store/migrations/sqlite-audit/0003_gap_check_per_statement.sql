-- Trent audit database, version 3: the events' gap check moves from a per-row trigger to one
-- check per group commit (see sqlite/audit/trail.rs and docs/adr/0005-audit-storage.md).
--
-- Append-only: never edit a released migration; add a new file instead.
-- A group commit's events are one contiguous run of seqs (the store refuses any other slice)
-- and the primary key refuses a seq written twice, so a gap can only open before a commit's
-- first event. The digest stored with the commit names that event (first_seq), so its trigger,
-- which runs once a commit, now also refuses a digest whose first event does not follow a
-- stored one; an append without a digest reads that one row itself. The events' trigger ran
-- for every row, with a second cursor open on the table being appended to (BENCHMARKS.md, "The
-- audit trail's gap check").
DROP TRIGGER audit_events_contiguous;
DROP TRIGGER audit_digests_contiguous;

CREATE TRIGGER audit_digests_contiguous BEFORE INSERT ON audit_digests
WHEN (NEW.digest_seq <> 1 AND NOT EXISTS (SELECT 1 FROM audit_digests WHERE digest_seq = NEW.digest_seq - 1))
  OR (NEW.first_seq <> 1 AND NOT EXISTS (SELECT 1 FROM audit_events WHERE seq = NEW.first_seq - 1))
BEGIN
    SELECT RAISE(ABORT, 'audit_digests: digest_seq or first_seq does not continue the chain');
END;
