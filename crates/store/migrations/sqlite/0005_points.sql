-- Fan points: an append-only ledger. A balance is the sum of a fan's entries; users.points
-- caches it and is changed only in the transaction that appends the entry. Each award has a
-- key (reason, ref_key) unique per fan, so an event can never pay twice.
CREATE TABLE points_ledger (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    product_id INTEGER REFERENCES products(id),
    delta      INTEGER NOT NULL,
    reason     TEXT    NOT NULL,
    ref_key    TEXT    NOT NULL,
    note       TEXT,
    actor_id   INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, reason, ref_key)
);
CREATE INDEX points_ledger_user ON points_ledger(user_id, id);
CREATE INDEX points_ledger_daily ON points_ledger(user_id, reason, created_at);
CREATE INDEX points_ledger_product ON points_ledger(product_id, user_id);

ALTER TABLE users ADD COLUMN points INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER points_ledger_append_only BEFORE UPDATE ON points_ledger
BEGIN
    SELECT RAISE(ABORT, 'points_ledger is append-only');
END;
