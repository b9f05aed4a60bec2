-- Trent PostgreSQL schema, version 19: cross-account replication of secrets (as SQLite's
-- version 19).
--
-- A primary names its one replica in another account (`cross_account_replica`, the replica's
-- ARN), the IAM role its association named (`cross_account_role`) and the replication status
-- (`cross_account_replica_status`); a replica names its primary in another account
-- (`cross_account_primary`, the primary's ARN) and its status (`cross_account_primary_status`).
-- Statuses are AWS's spelling: Pending, InProgress, InSync, Failed, Detached. All NULL for a
-- secret that takes no part in cross-account replication, as every row written before.

ALTER TABLE secrets ADD COLUMN cross_account_replica TEXT;
ALTER TABLE secrets ADD COLUMN cross_account_role TEXT;
ALTER TABLE secrets ADD COLUMN cross_account_replica_status TEXT;
ALTER TABLE secrets ADD COLUMN cross_account_primary TEXT;
ALTER TABLE secrets ADD COLUMN cross_account_primary_status TEXT;
