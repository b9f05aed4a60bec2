-- Trent audit database, version 2: the node column of the per-node chains
-- (see docs/audit-trail.md, "Several nodes").
--
-- Append-only: never edit a released migration; add a new file instead.
-- SQLite serves one node, so its trail stays one chain: the node id is '' on every row and
-- the primary keys stay `seq` and `digest_seq` (a second writer on the file still fails with a
-- conflict). The column exists so that both backends read the same rows; adding it with a
-- constant default rewrites nothing.
ALTER TABLE audit_events ADD COLUMN node_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_digests ADD COLUMN node_id TEXT NOT NULL DEFAULT '';
