-- 人车家 ownership: the devices fans own. One row per device; its owner changes (claimed,
-- delivered from a launch order, bound at a store, handed on), and every change is logged.
-- "Owned device" throughout: the anti-scalper rules' browser device id is another thing.
ALTER TABLE products ADD COLUMN serial_pattern TEXT;

CREATE TABLE owned_devices (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id    INTEGER NOT NULL REFERENCES products(id),
    -- Normalised (upper case, no spaces); NULL for a device delivered from an order whose
    -- serial nobody entered. One owner at a time per serial: the unique index.
    serial        TEXT,
    -- The launch order it was delivered from: bound once, whichever node delivered it.
    order_id      INTEGER UNIQUE REFERENCES orders(id),
    -- NULL once released.
    owner_id      INTEGER REFERENCES users(id),
    owned_since   INTEGER,
    -- 'order' | 'claim' | 'store' | 'transfer': how the current (or last) owner got it.
    owned_via     TEXT    NOT NULL,
    purchased_at  INTEGER,
    released_at   INTEGER,
    -- The fan the last owner named: may claim it at once, without the cooling-off.
    next_owner_id INTEGER REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (product_id, serial)
);
CREATE INDEX owned_devices_owner ON owned_devices(owner_id, product_id);

CREATE TABLE owned_device_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id  INTEGER NOT NULL REFERENCES owned_devices(id),
    -- 'order' | 'claim' | 'store' | 'transfer' | 'release'
    change     TEXT    NOT NULL,
    from_user  INTEGER REFERENCES users(id),
    to_user    INTEGER REFERENCES users(id),
    actor_id   INTEGER REFERENCES users(id),
    at         INTEGER NOT NULL
);
CREATE INDEX owned_device_changes_device ON owned_device_changes(device_id, id);

-- "Owners of X also own Y": a job recomputes it from owned_devices (whole, in one
-- transaction); only pairs with enough shared owners are kept (canyu_core::ownership).
CREATE TABLE product_affinities (
    product_id    INTEGER NOT NULL REFERENCES products(id),
    other_id      INTEGER NOT NULL REFERENCES products(id),
    shared_owners INTEGER NOT NULL,
    support       REAL NOT NULL,
    confidence    REAL NOT NULL,
    lift          REAL NOT NULL,
    computed_at   INTEGER NOT NULL,
    PRIMARY KEY (product_id, other_id)
);

-- An event for the owners of one product only (车主专场): others may not take places.
ALTER TABLE events ADD COLUMN owners_of_product_id INTEGER REFERENCES products(id);
