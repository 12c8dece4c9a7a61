-- Launch orders: the deposit terms of an order placed in a campaign's wave (小定 / 大定), and
-- their life (awaiting_payment -> deposited -> locked, or refunded / expired / cancelled).
-- The unit of stock is the wave order's; an order that lets go of it is marked released
-- (`orders.status = 'released'`, `waves.sold` moved back in the same transaction).
CREATE TABLE launch_orders (
    order_id         INTEGER PRIMARY KEY REFERENCES orders(id),
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id),
    user_id          INTEGER NOT NULL REFERENCES users(id),
    sku_code         TEXT    NOT NULL,
    -- 'full' (pay the price within the cart hold), 'small' (小定) or 'big' (大定).
    kind             TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    amount_fen       INTEGER NOT NULL,
    buyer_name       TEXT    NOT NULL,
    hold_expires_at  INTEGER NOT NULL,
    paid_at          INTEGER,
    refundable_until INTEGER,
    locked_at        INTEGER,
    -- Anti-scalper signals: SHA-256 of the normalised delivery address and of the client's
    -- address (never the addresses themselves), and the flags raised when the order was placed
    -- (comma-separated: fresh_account, ip_burst, shared_address).
    address_key      TEXT,
    client_key       TEXT,
    flags            TEXT    NOT NULL DEFAULT '',
    -- After the lock: '' (queued for production), 'in_production' or 'delivered'.
    stage            TEXT    NOT NULL DEFAULT '',
    in_production_at INTEGER,
    delivered_at     INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX launch_orders_hold ON launch_orders(state, hold_expires_at);
CREATE INDEX launch_orders_refund ON launch_orders(state, refundable_until);
-- The sweep retries releases of recently closed orders only.
CREATE INDEX launch_orders_closed ON launch_orders(state, updated_at);
CREATE INDEX launch_orders_queue ON launch_orders(campaign_id, locked_at);
CREATE INDEX launch_orders_user ON launch_orders(user_id, order_id);
-- The live counter reads a campaign's orders by time.
CREATE INDEX launch_orders_campaign ON launch_orders(campaign_id, created_at);
-- Covers the live counter's count by kind and state (no table reads).
CREATE INDEX launch_orders_kinds ON launch_orders(campaign_id, kind, state);
CREATE INDEX launch_orders_address ON launch_orders(campaign_id, address_key);

-- Every transition, in order: what happened, from which state to which, who did it.
CREATE TABLE launch_order_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id   INTEGER NOT NULL REFERENCES launch_orders(order_id),
    event      TEXT    NOT NULL,
    from_state TEXT    NOT NULL,
    to_state   TEXT    NOT NULL,
    -- NULL: the system (a sweep) or the payment provider.
    actor_id   INTEGER REFERENCES users(id),
    at         INTEGER NOT NULL
);
CREATE INDEX launch_order_events_order ON launch_order_events(order_id, id);

-- Payments as the provider notified them; one row per provider reference, so a repeated
-- notification is recognised.
CREATE TABLE payments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id     INTEGER NOT NULL REFERENCES orders(id),
    provider     TEXT    NOT NULL,
    provider_ref TEXT    NOT NULL,
    amount_fen   INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    UNIQUE (provider, provider_ref)
);

ALTER TABLE orders ADD COLUMN released_at INTEGER;
