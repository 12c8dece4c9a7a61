-- Channels, catalog SKUs, prices per channel with their history, and one sales ledger for
-- every channel (issue #21). Money in fen, margins and fees in basis points.
CREATE TABLE channels (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    city        TEXT,
    fee_bps     INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
-- canyu's own checkout, present from the start.
INSERT INTO channels (code, name, kind, fee_bps, created_at) VALUES ('online', '官方商城', 'own_online', 0, 0);

CREATE TABLE skus (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id     INTEGER NOT NULL REFERENCES products(id),
    code           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    tier           TEXT NOT NULL,
    unit_cost_fen  INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX skus_product ON skus(product_id);

-- Every unit cost a SKU has had, from when: a sale is costed at its time.
CREATE TABLE sku_costs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    sku_id         INTEGER NOT NULL REFERENCES skus(id),
    unit_cost_fen  INTEGER NOT NULL,
    effective_at   INTEGER NOT NULL,
    changed_by     INTEGER REFERENCES users(id),
    created_at     INTEGER NOT NULL
);
CREATE INDEX sku_costs_sku ON sku_costs(sku_id, effective_at);

-- Every accepted price of a SKU on a channel; the current one is the latest effective.
CREATE TABLE sku_prices (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    sku_id           INTEGER NOT NULL REFERENCES skus(id),
    channel_id       INTEGER NOT NULL REFERENCES channels(id),
    price_fen        INTEGER NOT NULL,
    effective_at     INTEGER NOT NULL,
    reason           TEXT NOT NULL,
    over_cap_reason  TEXT,
    margin_bps       INTEGER NOT NULL,
    created_by       INTEGER NOT NULL REFERENCES users(id),
    created_at       INTEGER NOT NULL
);
CREATE INDEX sku_prices_sku ON sku_prices(sku_id, channel_id, effective_at);

-- One row per reported sale, idempotent by (channel, external_id). Cost and fee are fixed
-- when the row goes in (the cost in force at sold_at, the channel's fee), so a later change
-- never rewrites a past period.
CREATE TABLE sales (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id      INTEGER NOT NULL REFERENCES channels(id),
    external_id     TEXT NOT NULL,
    sku_id          INTEGER NOT NULL REFERENCES skus(id),
    quantity        INTEGER NOT NULL,
    unit_price_fen  INTEGER NOT NULL,
    unit_cost_fen   INTEGER NOT NULL,
    fee_fen         INTEGER NOT NULL,
    sold_at         INTEGER NOT NULL,
    city            TEXT,
    created_at      INTEGER NOT NULL,
    UNIQUE (channel_id, external_id)
);
CREATE INDEX sales_sold_at ON sales(sold_at);

-- The ledger summed per hour, channel and SKU, kept in the transaction that records the
-- sales: the margin report reads these (a year is at most 8,784 hours a channel and SKU)
-- and only the partial hours at a period's edges from `sales`.
CREATE TABLE sales_hourly (
    hour         INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL REFERENCES channels(id),
    sku_id       INTEGER NOT NULL REFERENCES skus(id),
    quantity     INTEGER NOT NULL,
    revenue_fen  INTEGER NOT NULL,
    cost_fen     INTEGER NOT NULL,
    fee_fen      INTEGER NOT NULL,
    PRIMARY KEY (hour, channel_id, sku_id)
);
