-- The drop engine: waves of limited stock and the orders that took it. `waves.sold` is
-- moved in the same transaction as the orders it counts, so after any crash
-- sold = COUNT(orders) <= quantity.
CREATE TABLE waves (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id     INTEGER NOT NULL REFERENCES products(id),
    sku            TEXT    NOT NULL DEFAULT '',
    quantity       INTEGER NOT NULL,
    -- Of the quantity, units kept for F-code holders.
    fcode_quantity INTEGER NOT NULL DEFAULT 0,
    -- 'fcfs' or 'draw'.
    mode           TEXT    NOT NULL,
    per_fan_limit  INTEGER NOT NULL DEFAULT 1,
    starts_at      INTEGER NOT NULL,
    ends_at        INTEGER NOT NULL,
    -- 'everyone', 'min_level', 'beta' (members of the product's beta group) or 'fcode'.
    eligibility    TEXT    NOT NULL DEFAULT 'everyone',
    min_level      INTEGER,
    -- JSON object: sales channel -> units, e.g. {"online": 700, "partners": 300}; '{}' = one pool.
    channels       TEXT    NOT NULL DEFAULT '{}',
    sold           INTEGER NOT NULL DEFAULT 0,
    created_by     INTEGER NOT NULL REFERENCES users(id),
    created_at     INTEGER NOT NULL
);
CREATE INDEX waves_product ON waves(product_id, starts_at);

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    wave_id         INTEGER NOT NULL REFERENCES waves(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    -- The engine's sequence number within the wave: the order of acknowledgement.
    seq             INTEGER NOT NULL,
    -- 'general' or 'fcode'.
    lane            TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    -- SHA-256 (hex) of what was asked, so a reused key with another request is refused.
    body_hash       TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'placed',
    created_at      INTEGER NOT NULL,
    UNIQUE (wave_id, seq),
    UNIQUE (wave_id, user_id, idempotency_key)
);
CREATE INDEX orders_user ON orders(user_id, id);
