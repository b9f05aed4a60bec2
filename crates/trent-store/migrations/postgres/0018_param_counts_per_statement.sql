-- Filling an account with 110,000 parameters (500 per transaction, `trent admin fill` and the
-- quota test) slowed to 30 parameters/s on PostgreSQL, for two reasons fixed here.
--
-- 1. `ssm_parameters_by_tier`, unused since 0012 keeps the counts, is dropped. On a table
-- without statistics (never analyzed: autovacuum off, as on the test machine, or not yet
-- after a bulk load) the planner took it for the foreign-key check of each new version,
-- (account, region) in the index and the name as a filter: every check read the whole
-- account's parameters, 12.6 ms each at 56,000 parameters, 0.16 ms without the index.
--
-- 2. The tier counts of `ssm_parameters` follow each INSERT and DELETE statement instead of
-- each row: one update of a count row per statement and tier, from the statement's transition
-- table.
--
-- Per row, a statement or transaction creating many parameters (`trent admin fill`, 500 per
-- transaction) updated the same count row once per parameter. Each update leaves a row version
-- that no later update of the same transaction can prune, and the versions of that one row
-- fill new pages for as long as nothing vacuums the table: measured on the test machine's
-- PostgreSQL 15 (autovacuum off), 500-row INSERTs went from 50 to 240 ms over an account's
-- first 10,500 parameters while the count table grew to 550 KB for its one row; per
-- statement, 50,000 rows in one INSERT took 1.1 s. A request creates or deletes one parameter
-- per statement, for which this is the same single update.
-- A tier change is an UPDATE of one row and keeps its row trigger (a transition table cannot
-- go with the trigger's column list).

DROP INDEX ssm_parameters_by_tier;

DROP TRIGGER ssm_parameter_counts_rows ON ssm_parameters;

CREATE FUNCTION ssm_parameter_counts_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Grouped, so that no count row is touched twice by the statement; in key order, so that
    -- two statements of several scopes lock their count rows in the same order.
    INSERT INTO ssm_parameter_counts AS c (account_id, region, tier, count)
        SELECT account_id, region, tier, COUNT(*) FROM added
            GROUP BY account_id, region, tier ORDER BY account_id, region, tier
        ON CONFLICT (account_id, region, tier) DO UPDATE SET count = c.count + excluded.count;
    RETURN NULL;
END
$$;

CREATE FUNCTION ssm_parameter_counts_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ssm_parameter_counts AS c SET count = c.count - r.n
        FROM (SELECT account_id, region, tier, COUNT(*) AS n FROM removed GROUP BY account_id, region, tier) AS r
        WHERE c.account_id = r.account_id AND c.region = r.region AND c.tier = r.tier;
    RETURN NULL;
END
$$;

CREATE TRIGGER ssm_parameter_counts_added AFTER INSERT ON ssm_parameters
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION ssm_parameter_counts_added();

CREATE TRIGGER ssm_parameter_counts_removed AFTER DELETE ON ssm_parameters
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION ssm_parameter_counts_removed();
