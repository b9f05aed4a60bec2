-- Trent PostgreSQL schema, version 20: why a cross-account replication link is Failed (as
-- SQLite's version 20).
--
-- `cross_account_replica_failure` (on a primary, of its link to its replica) and
-- `cross_account_primary_failure` (on a replica, of its link to its primary) name the reason
-- of a Failed link, which DescribeSecret words as its StatusMessage: replica-access,
-- primary-key, replica-key or replication-role. NULL when the link is not Failed, and on every
-- row written before (a link Failed under version 19 shows no StatusMessage until the next
-- attempt).

ALTER TABLE secrets ADD COLUMN cross_account_replica_failure TEXT;
ALTER TABLE secrets ADD COLUMN cross_account_primary_failure TEXT;
