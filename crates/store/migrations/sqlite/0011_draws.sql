-- Provably fair draws: before the window opens the wave publishes the SHA-256 of a secret
-- seed; fans enter (one entry each); at the close the entry list is frozen, its hash
-- published, winners drawn from the seed and the seed revealed (docs/draw.md).
ALTER TABLE waves ADD COLUMN draw_commitment TEXT;
-- Secret until drawn_at is set; never served before.
ALTER TABLE waves ADD COLUMN draw_seed TEXT;
ALTER TABLE waves ADD COLUMN draw_entries_hash TEXT;
ALTER TABLE waves ADD COLUMN drawn_at INTEGER;

CREATE TABLE draw_entries (
    wave_id    INTEGER NOT NULL REFERENCES waves(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    -- The entry as published: the fan's handle.
    entry      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (wave_id, user_id)
);
