-- The live counter's numbers, kept by the writes that change them instead of recounted from
-- every order each second: launch orders by kind and state, and orders placed per minute.
-- Each is split over 8 shards (by order id) so concurrent transactions on PostgreSQL rarely
-- wait on one counter row; readers sum the shards.
CREATE TABLE launch_tallies (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    kind        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    shard       INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, kind, state, shard)
);
INSERT INTO launch_tallies (campaign_id, kind, state, shard, n)
    SELECT campaign_id, kind, state, order_id % 8, COUNT(*) FROM launch_orders
    GROUP BY campaign_id, kind, state, order_id % 8;

-- minute: created_at / 60000 (minutes since the epoch).
CREATE TABLE launch_minutes (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    minute      INTEGER NOT NULL,
    shard       INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, minute, shard)
);
INSERT INTO launch_minutes (campaign_id, minute, shard, n)
    SELECT campaign_id, created_at / 60000, order_id % 8, COUNT(*) FROM launch_orders
    GROUP BY campaign_id, created_at / 60000, order_id % 8;
