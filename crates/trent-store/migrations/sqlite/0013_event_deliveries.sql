-- Event delivery: which configured sink has which outbox event. The delivery worker marks an
-- event delivered to a sink only after the sink acknowledged it (a 2xx answer, a JetStream
-- ack, an fsync), and trims events every configured sink has once they are older than the
-- retention setting. A sink's name is its key: renaming a sink delivers everything again.

CREATE TABLE event_deliveries (
    sink         TEXT    NOT NULL,
    seq          INTEGER NOT NULL,
    delivered_at INTEGER NOT NULL,
    PRIMARY KEY (sink, seq)
) STRICT, WITHOUT ROWID;

CREATE INDEX event_deliveries_by_seq ON event_deliveries (seq);
CREATE INDEX event_outbox_by_time ON event_outbox (time);
