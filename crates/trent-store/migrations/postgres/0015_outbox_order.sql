-- Trent PostgreSQL schema, version 15: the event outbox read in an order that never goes back.
--
-- `seq` (an identity column) is taken when a row is inserted, not when its transaction
-- commits, so a reader following `seq > last` could pass an event whose transaction commits
-- late with a lower `seq`, and never see it. Each event now records the id of the transaction
-- that wrote it (`xid`, 64-bit, never wraps). Readers take only events whose transaction is
-- older than every transaction still in progress (`xid < pg_snapshot_xmin(pg_current_snapshot())`:
-- all of those have committed or rolled back, so nothing can join them later), in
-- (`xid`, `seq`) order, and follow a cursor of that pair. Rows written before this migration
-- take its own transaction's id: older than any later write.

ALTER TABLE event_outbox ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();

CREATE INDEX event_outbox_by_xid ON event_outbox (xid, seq);
