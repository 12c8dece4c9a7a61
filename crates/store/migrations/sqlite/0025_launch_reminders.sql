-- 提醒我: a fan asks to be told when a wave goes on sale or a campaign opens reservations.
-- target is 'wave:<id>' or 'campaign:<id>', so one fan asks once; sent_at is when the
-- reminder went out (once, whichever node's job got there first).
CREATE TABLE launch_reminders (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    wave_id     INTEGER REFERENCES waves(id),
    campaign_id INTEGER REFERENCES campaigns(id),
    target      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    UNIQUE (user_id, target)
);
CREATE INDEX launch_reminders_pending ON launch_reminders(sent_at, target);
