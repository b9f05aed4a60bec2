-- Trent SQLite schema, version 8: parameter policies and the event outbox.
--
-- A version's policies are a JSON array of {type, text, status} (the policy text as the caller
-- gave it, its type, and whether the scheduler applied it); the parameter row carries the
-- instant its policies next fall due, indexed so the scheduler finds due work without a scan.
--
-- event_outbox holds EventBridge-shaped events written in the same transaction as the change
-- they describe, in commit order (seq), until every sink has them. Nothing secret is in them.

ALTER TABLE ssm_parameter_versions ADD COLUMN policies TEXT NOT NULL DEFAULT '[]';
ALTER TABLE ssm_parameters ADD COLUMN policies_due INTEGER;

CREATE INDEX ssm_parameters_by_policies_due ON ssm_parameters (policies_due) WHERE policies_due IS NOT NULL;

CREATE TABLE event_outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    time        INTEGER NOT NULL,
    account_id  TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    detail_type TEXT    NOT NULL,
    resources   TEXT    NOT NULL,
    detail      TEXT    NOT NULL
) STRICT;
