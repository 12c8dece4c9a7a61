-- F-codes (F码): single-use purchase codes for a wave, using the wave's own allocation
-- (waves.fcode_quantity). Only SHA-256 of a code is stored (like API tokens).
--
-- A code's life: 'issued' (unbound) -> 'bound' (redeemed by a fan, owner_id set)
-- -> optionally 'transferred' (passed once to another fan, the new owner) -> 'used' (an
-- order took a unit with it). Nothing goes back; everything else is refused.
CREATE TABLE fcode_batches (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    wave_id     INTEGER NOT NULL REFERENCES waves(id),
    -- 'staff' (generated, plaintext handed out once) or 'award' (bound by a points rule).
    source      TEXT    NOT NULL,
    count       INTEGER NOT NULL,
    min_points  INTEGER,
    created_by  INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX fcode_batches_wave ON fcode_batches(wave_id, id);

CREATE TABLE fcodes (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    wave_id          INTEGER NOT NULL REFERENCES waves(id),
    batch_id         INTEGER NOT NULL REFERENCES fcode_batches(id),
    storage_hash     TEXT    NOT NULL UNIQUE,
    status           TEXT    NOT NULL DEFAULT 'issued',
    owner_id         INTEGER REFERENCES users(id),
    -- The fan a points rule bound the code to: at most one awarded code per fan and wave.
    awarded_to       INTEGER REFERENCES users(id),
    transferred_from INTEGER REFERENCES users(id),
    bound_at         INTEGER,
    transferred_at   INTEGER,
    used_at          INTEGER,
    order_id         INTEGER,
    created_at       INTEGER NOT NULL
);
CREATE INDEX fcodes_batch ON fcodes(batch_id, status);
CREATE INDEX fcodes_owner ON fcodes(owner_id, wave_id);
CREATE UNIQUE INDEX fcodes_awarded ON fcodes(wave_id, awarded_to);

-- The code an order used. Unique: whatever races, a code takes at most one unit.
ALTER TABLE orders ADD COLUMN fcode_id INTEGER REFERENCES fcodes(id);
CREATE UNIQUE INDEX orders_fcode ON orders(fcode_id);
