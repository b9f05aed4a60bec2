-- Parameters per account, region and tier, kept by triggers on `ssm_parameters`, so that the
-- quota check of every new parameter (`count_by_tier`) reads two rows instead of counting up
-- to 110,000: populating an account of 100,000 parameters was quadratic in their number.
-- (`TRUNCATE`, which the development reset uses, fires no row trigger; it empties this table
-- in the same statement.)

CREATE TABLE ssm_parameter_counts (
    account_id TEXT   COLLATE "C" NOT NULL,
    region     TEXT   COLLATE "C" NOT NULL,
    tier       TEXT   NOT NULL,
    count      BIGINT NOT NULL CHECK (count >= 0),
    PRIMARY KEY (account_id, region, tier)
);

INSERT INTO ssm_parameter_counts (account_id, region, tier, count)
    SELECT account_id, region, tier, COUNT(*) FROM ssm_parameters GROUP BY account_id, region, tier;

CREATE FUNCTION ssm_parameter_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE ssm_parameter_counts SET count = count - 1
            WHERE account_id = OLD.account_id AND region = OLD.region AND tier = OLD.tier;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO ssm_parameter_counts (account_id, region, tier, count)
            VALUES (NEW.account_id, NEW.region, NEW.tier, 1)
            ON CONFLICT (account_id, region, tier) DO UPDATE SET count = ssm_parameter_counts.count + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ssm_parameter_counts_rows AFTER INSERT OR DELETE ON ssm_parameters
    FOR EACH ROW EXECUTE FUNCTION ssm_parameter_counts_follow();

CREATE TRIGGER ssm_parameter_counts_tier AFTER UPDATE OF account_id, region, tier ON ssm_parameters
    FOR EACH ROW
    WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id OR OLD.region IS DISTINCT FROM NEW.region
          OR OLD.tier IS DISTINCT FROM NEW.tier)
    EXECUTE FUNCTION ssm_parameter_counts_follow();
