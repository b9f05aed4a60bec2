-- Trent PostgreSQL schema, version 17: failed secret replicas found through an index (as
-- SQLite's version 18).
--
-- `replica_retry_at` is the earliest retry time (nanoseconds since the epoch, as every
-- timestamp column) of a primary's `Failed` replicas, NULL when none has failed and for a
-- replica secret. The store writes it with `replicas` on every write of the row; the
-- scheduler's pass reads only the rows whose time has come, through the partial index, instead
-- of scanning every secret's `replicas` JSON.
--
-- Rows written before this version get it from their `replicas` here. A `Failed` replica
-- without a retry time (written before background retries) counts as due at once (0), as the
-- scheduler has always treated it.
ALTER TABLE secrets ADD COLUMN replica_retry_at BIGINT;

UPDATE secrets SET replica_retry_at = (
    SELECT MIN(COALESCE((r ->> 'retry_at')::BIGINT, 0))
    FROM jsonb_array_elements(secrets.replicas::jsonb) AS r
    WHERE r ->> 'status' = 'Failed'
)
WHERE primary_region IS NULL;

CREATE INDEX secrets_by_replica_retry ON secrets (replica_retry_at) WHERE replica_retry_at IS NOT NULL;
