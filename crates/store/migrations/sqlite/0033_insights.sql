-- Insights: rollups the dashboards read instead of scanning posts, votes and orders, and the
-- optional things fans say about themselves (canyu_core::profile).

-- One count per metric, product and local day (the site's zone, kept in instance_meta under
-- insights.zone; a change of zone rebuilds). product_id 0 is the whole site. Metrics are named
-- in canyu_core::insight::metric; week and cohort metrics are keyed by the week's Monday.
CREATE TABLE insight_days (
    metric     TEXT   NOT NULL,
    product_id INTEGER NOT NULL,
    day        INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (metric, product_id, day)
) WITHOUT ROWID;

-- Who was active (posted, voted or commented) on which local day: DAU/WAU/MAU, lifecycles and
-- cohort retention are counted from it, never from the votes themselves.
CREATE TABLE fan_days (
    day     INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (day, user_id)
) WITHOUT ROWID;

-- Counts about fans as they are now (levels, the self-declared fields and their cross-tab),
-- replaced whole by the insights job.
CREATE TABLE insight_snapshot (
    dimension TEXT   NOT NULL,
    value     TEXT   NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (dimension, value)
) WITHOUT ROWID;

ALTER TABLE users ADD COLUMN gender TEXT;
ALTER TABLE users ADD COLUMN age_band TEXT;
ALTER TABLE users ADD COLUMN city_tier TEXT;

-- The rollup job reads a day's activity by time.
CREATE INDEX votes_created ON votes(created_at);
CREATE INDEX comments_created ON comments(created_at);
CREATE INDEX posts_created ON posts(created_at);
CREATE INDEX users_created ON users(created_at);
CREATE INDEX status_changes_created ON status_changes(created_at);
-- The launch panel's flag rate reads only the flagged orders.
CREATE INDEX launch_orders_flagged ON launch_orders(campaign_id) WHERE flags <> '';
