-- The weekly digest of a product's feedback (canyu_app::insights::digest): one row per product
-- and week, its content as JSON as it was when made. The unique key is what makes the digest
-- go out once however many nodes (or restarts) reach Monday 09:00: the row, its inbox entries
-- and its outbox jobs are written in one transaction, and only by whoever inserted the row.
CREATE TABLE insight_digests (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id INTEGER NOT NULL REFERENCES products(id),
    week_start INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    body       TEXT    NOT NULL,
    UNIQUE (product_id, week_start)
);
CREATE INDEX insight_digests_week ON insight_digests(week_start DESC, id DESC);
