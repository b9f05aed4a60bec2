-- Trent PostgreSQL schema, version 5: parameter policies and the event outbox (SQLite's
-- version 8, the same columns). A version's policies are a JSON array of {type, text,
-- status}; the parameter row carries the instant its policies next fall due, indexed for the
-- scheduler. event_outbox holds EventBridge-shaped events written in the same transaction as
-- the change they describe, until every sink has them. Nothing secret is in them.

ALTER TABLE ssm_parameter_versions ADD COLUMN policies TEXT NOT NULL DEFAULT '[]';
ALTER TABLE ssm_parameters ADD COLUMN policies_due BIGINT;

CREATE INDEX ssm_parameters_by_policies_due ON ssm_parameters (policies_due) WHERE policies_due IS NOT NULL;

CREATE TABLE event_outbox (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          TEXT   NOT NULL UNIQUE,
    time        BIGINT NOT NULL,
    account_id  TEXT   NOT NULL,
    region      TEXT   NOT NULL,
    source      TEXT   NOT NULL,
    detail_type TEXT   NOT NULL,
    resources   TEXT   NOT NULL,
    detail      TEXT   NOT NULL
);
