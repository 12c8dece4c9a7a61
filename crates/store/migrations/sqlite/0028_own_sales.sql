-- canyu's own orders in the sales ledger, price protection (价保), give-backs of margin over
-- the pledge, and channel-scoped API tokens (issue #21).

-- Where a launch order is in the ledger: 0 not posted, 1 its sale posted (channel `online`),
-- 2 its sale reversed after a return. The sweep posts what is due; the ledger's unique key
-- (channel, external_id) keeps two nodes from posting twice.
ALTER TABLE launch_orders ADD COLUMN ledger INTEGER NOT NULL DEFAULT 0;
CREATE INDEX launch_orders_ledger ON launch_orders(ledger, state);
-- The launch order a ledger row of the own channel comes from (NULL: a reported sale).
ALTER TABLE sales ADD COLUMN order_id INTEGER REFERENCES orders(id);
CREATE INDEX sales_order ON sales(order_id);

-- Waves split their units across channels of the registry: the two fixed names waves could
-- use before it existed become channels, where a wave used them.
INSERT INTO channels (code, name, kind, fee_bps, created_at)
SELECT 'partners', '合作伙伴', 'partner_online', 0, 0
WHERE EXISTS (SELECT 1 FROM waves WHERE channels LIKE '%"partners"%')
  AND NOT EXISTS (SELECT 1 FROM channels WHERE code = 'partners');
INSERT INTO channels (code, name, kind, fee_bps, created_at)
SELECT 'offline', '线下门店', 'own_store', 0, 0
WHERE EXISTS (SELECT 1 FROM waves WHERE channels LIKE '%"offline"%')
  AND NOT EXISTS (SELECT 1 FROM channels WHERE code = 'offline');

-- Campaign SKUs refer to catalog SKUs by code: a campaign that declared a code the catalog
-- does not have yet made one (cost unknown until staff enter it).
INSERT INTO skus (product_id, code, name, tier, unit_cost_fen, created_at, updated_at)
SELECT c.product_id, cs.code, cs.name, 'mid', 0, c.created_at, c.created_at
FROM campaign_skus cs JOIN campaigns c ON c.id = cs.campaign_id
WHERE cs.id = (SELECT MIN(x.id) FROM campaign_skus x WHERE x.code = cs.code)
  AND NOT EXISTS (SELECT 1 FROM skus s WHERE s.code = cs.code);
INSERT INTO sku_costs (sku_id, unit_cost_fen, effective_at, changed_by, created_at)
SELECT s.id, s.unit_cost_fen, s.created_at, NULL, s.created_at FROM skus s
WHERE NOT EXISTS (SELECT 1 FROM sku_costs c WHERE c.sku_id = s.id);

-- When a price change's price protection was worked out (NULL: not yet; only drops on the
-- own channel need it).
ALTER TABLE sku_prices ADD COLUMN protected_at INTEGER;
CREATE INDEX sku_prices_protection ON sku_prices(protected_at, effective_at);
-- Price protection starts now: changes already in effect when this runs are not worked out
-- again (their buyers were never promised it); scheduled ones are, when their time comes.
UPDATE sku_prices SET protected_at = effective_at
WHERE effective_at <= (SELECT MAX(created_at) FROM sku_prices);

-- One price-protection credit per order: the difference between what the fan paid and the
-- lower price, times the quantity.
CREATE TABLE price_protections (
    order_id      INTEGER PRIMARY KEY REFERENCES orders(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    sku_price_id  INTEGER NOT NULL REFERENCES sku_prices(id),
    paid_fen      INTEGER NOT NULL,
    price_fen     INTEGER NOT NULL,
    quantity      INTEGER NOT NULL,
    credit_fen    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX price_protections_user ON price_protections(user_id, created_at);

-- Margin over the pledge given back to a period's own-channel buyers as points, once a period.
CREATE TABLE give_backs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    period_from  INTEGER NOT NULL,
    period_to    INTEGER NOT NULL,
    excess_fen   INTEGER NOT NULL,
    points       INTEGER NOT NULL,
    buyers       INTEGER NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    UNIQUE (period_from, period_to)
);

-- A token scoped to reporting one channel's sales (NULL: the user's own full token).
ALTER TABLE api_tokens ADD COLUMN channel_id INTEGER REFERENCES channels(id);

-- Channel stock: the units of a SKU each channel has been given to sell (what it has left is
-- this less what the ledger says it sold).
CREATE TABLE sku_allocations (
    sku_id      INTEGER NOT NULL REFERENCES skus(id),
    channel_id  INTEGER NOT NULL REFERENCES channels(id),
    units       INTEGER NOT NULL,
    updated_by  INTEGER NOT NULL REFERENCES users(id),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (sku_id, channel_id)
);

-- Every change to allocations: 'set' by staff (to_channel's new units; moved the change), or
-- a 'transfer' of unsold units between channels, now or scheduled (due_at; units NULL: all the
-- source has left at that time). done_at is set when it happened, moved to what moved.
CREATE TABLE stock_transfers (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    sku_id           INTEGER NOT NULL REFERENCES skus(id),
    kind             TEXT NOT NULL,
    from_channel_id  INTEGER REFERENCES channels(id),
    to_channel_id    INTEGER NOT NULL REFERENCES channels(id),
    units            INTEGER,
    moved            INTEGER,
    reason           TEXT NOT NULL,
    due_at           INTEGER NOT NULL,
    done_at          INTEGER,
    created_by       INTEGER NOT NULL REFERENCES users(id),
    created_at       INTEGER NOT NULL
);
CREATE INDEX stock_transfers_due ON stock_transfers(done_at, due_at);
CREATE INDEX stock_transfers_sku ON stock_transfers(sku_id, id);

-- The margin report reads a year of the hourly rollup by hour: clustered on its key, SQLite
-- reads that range in order instead of looking up every row through a separate index.
CREATE TABLE sales_hourly_clustered (
    hour         INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL REFERENCES channels(id),
    sku_id       INTEGER NOT NULL REFERENCES skus(id),
    quantity     INTEGER NOT NULL,
    revenue_fen  INTEGER NOT NULL,
    cost_fen     INTEGER NOT NULL,
    fee_fen      INTEGER NOT NULL,
    PRIMARY KEY (hour, channel_id, sku_id)
) WITHOUT ROWID;
INSERT INTO sales_hourly_clustered SELECT hour, channel_id, sku_id, quantity, revenue_fen, cost_fen, fee_fen FROM sales_hourly;
DROP TABLE sales_hourly;
ALTER TABLE sales_hourly_clustered RENAME TO sales_hourly;
-- What a channel sold of a SKU (channel stock) is read by SKU and channel.
CREATE INDEX sales_hourly_sku ON sales_hourly(sku_id, channel_id);

-- The ledger summed per day (UTC), channel and SKU, kept with the hourly rollup: a year of the
-- margin report reads ~365 rows a channel and SKU from here, the hours around its edges from
-- sales_hourly and the minutes at the very edges from sales.
CREATE TABLE sales_daily (
    day          INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL REFERENCES channels(id),
    sku_id       INTEGER NOT NULL REFERENCES skus(id),
    quantity     INTEGER NOT NULL,
    revenue_fen  INTEGER NOT NULL,
    cost_fen     INTEGER NOT NULL,
    fee_fen      INTEGER NOT NULL,
    PRIMARY KEY (day, channel_id, sku_id)
) WITHOUT ROWID;
INSERT INTO sales_daily (day, channel_id, sku_id, quantity, revenue_fen, cost_fen, fee_fen)
SELECT hour - (hour % 86400000), channel_id, sku_id, SUM(quantity), SUM(revenue_fen), SUM(cost_fen), SUM(fee_fen)
FROM sales_hourly GROUP BY hour - (hour % 86400000), channel_id, sku_id;
