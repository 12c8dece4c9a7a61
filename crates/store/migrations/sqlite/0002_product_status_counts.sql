-- Posts per product and status, kept in step with `posts` inside the same transactions, so
-- board headers and status filters never count a million rows per page view.
CREATE TABLE product_status_counts (
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    status     TEXT    NOT NULL,
    n          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (product_id, status)
);
INSERT INTO product_status_counts (product_id, status, n)
    SELECT product_id, status, COUNT(*) FROM posts GROUP BY product_id, status;
