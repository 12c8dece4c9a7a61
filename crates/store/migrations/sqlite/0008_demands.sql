-- Demands: groups of open posts asking for the same thing, recomputed in the background
-- from the posts and votes (a projection: safe to drop and rebuild at any time).
CREATE TABLE demands (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id  INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    -- JSON array of the label's keywords, best first.
    keywords    TEXT    NOT NULL,
    -- Distinct fans behind it: authors and voters of its posts.
    fans        INTEGER NOT NULL,
    -- Of those, the ones who posted or voted in the 7 days before computed_at.
    fans_week   INTEGER NOT NULL,
    votes       INTEGER NOT NULL,
    computed_at INTEGER NOT NULL
);
CREATE INDEX demands_product ON demands(product_id, fans_week DESC, fans DESC);
CREATE INDEX demands_week ON demands(fans_week DESC, fans DESC);

CREATE TABLE demand_posts (
    demand_id INTEGER NOT NULL REFERENCES demands(id) ON DELETE CASCADE,
    post_id   INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    PRIMARY KEY (demand_id, post_id)
);
