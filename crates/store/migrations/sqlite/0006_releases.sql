-- The weekly release train. Staff manage the products they are assigned to; releases
-- collect planned posts and, when published, ship them and credit their fans.
CREATE TABLE product_managers (
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, user_id)
);
CREATE INDEX product_managers_user ON product_managers(user_id);
-- Staff could run every product before managers existed: keep it so.
INSERT INTO product_managers (product_id, user_id)
    SELECT p.id, u.id FROM products p, users u WHERE u.role IN ('staff', 'admin');

CREATE TABLE releases (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id   INTEGER NOT NULL REFERENCES products(id),
    version      TEXT    NOT NULL,
    channel      TEXT    NOT NULL,
    -- YYYY-MM-DD in China Standard Time.
    planned_for  TEXT    NOT NULL,
    notes        TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL DEFAULT 'draft',
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    published_by INTEGER REFERENCES users(id),
    published_at INTEGER,
    UNIQUE (product_id, channel, version)
);
CREATE INDEX releases_product ON releases(product_id, status, published_at);

CREATE TABLE release_posts (
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    PRIMARY KEY (release_id, post_id)
);
CREATE INDEX release_posts_post ON release_posts(post_id);
