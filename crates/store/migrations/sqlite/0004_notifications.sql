-- The in-app inbox. One row per fan and event: (user_id, event_key) is unique, so an
-- event that is recorded twice (a retry, a merge undone and redone) tells a fan once.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    event_key  TEXT    NOT NULL,
    post_id    INTEGER REFERENCES posts(id) ON DELETE CASCADE,
    actor_id   INTEGER REFERENCES users(id),
    -- JSON: what the message needs (titles, statuses, versions) as it was at the time.
    data       TEXT    NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    read_at    INTEGER,
    UNIQUE (user_id, event_key)
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
