-- Parameters per account, region and tier, kept by triggers on `ssm_parameters`, so that the
-- quota check of every new parameter (`count_by_tier`) reads two rows instead of counting up
-- to 110,000: populating an account of 100,000 parameters was quadratic in their number.

CREATE TABLE ssm_parameter_counts (
    account_id TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    tier       TEXT    NOT NULL,
    count      INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (account_id, region, tier)
) STRICT, WITHOUT ROWID;

INSERT INTO ssm_parameter_counts (account_id, region, tier, count)
    SELECT account_id, region, tier, COUNT(*) FROM ssm_parameters GROUP BY account_id, region, tier;

CREATE TRIGGER ssm_parameter_counts_insert AFTER INSERT ON ssm_parameters
BEGIN
    INSERT OR IGNORE INTO ssm_parameter_counts (account_id, region, tier, count)
        VALUES (NEW.account_id, NEW.region, NEW.tier, 0);
    UPDATE ssm_parameter_counts SET count = count + 1
        WHERE account_id = NEW.account_id AND region = NEW.region AND tier = NEW.tier;
END;

CREATE TRIGGER ssm_parameter_counts_delete AFTER DELETE ON ssm_parameters
BEGIN
    UPDATE ssm_parameter_counts SET count = count - 1
        WHERE account_id = OLD.account_id AND region = OLD.region AND tier = OLD.tier;
END;

CREATE TRIGGER ssm_parameter_counts_tier AFTER UPDATE OF account_id, region, tier ON ssm_parameters
    WHEN OLD.account_id IS NOT NEW.account_id OR OLD.region IS NOT NEW.region OR OLD.tier IS NOT NEW.tier
BEGIN
    UPDATE ssm_parameter_counts SET count = count - 1
        WHERE account_id = OLD.account_id AND region = OLD.region AND tier = OLD.tier;
    INSERT OR IGNORE INTO ssm_parameter_counts (account_id, region, tier, count)
        VALUES (NEW.account_id, NEW.region, NEW.tier, 0);
    UPDATE ssm_parameter_counts SET count = count + 1
        WHERE account_id = NEW.account_id AND region = NEW.region AND tier = NEW.tier;
END;
