-- Outgoing deliveries: email to fans and webhooks to the team's channels. Jobs are written
-- in the transaction of the change they report (an outbox), so a crash never loses one;
-- (channel, target, event) is unique, so an event is queued once per recipient.
ALTER TABLE users ADD COLUMN email_notifications INTEGER NOT NULL DEFAULT 1;

CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL: every product.
    product_id INTEGER REFERENCES products(id) ON DELETE CASCADE,
    url        TEXT    NOT NULL,
    format     TEXT    NOT NULL,
    secret     TEXT,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE delivery_jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- 'email' (target: a user) or 'webhook' (target: a webhook).
    channel         TEXT    NOT NULL,
    target_id       INTEGER NOT NULL,
    event_key       TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    post_id         INTEGER,
    -- JSON: what the message says, as it was when the event happened.
    payload         TEXT    NOT NULL,
    -- 'pending', 'done', 'dead' (gave up) or 'skipped' (nothing to send it with).
    state           TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    -- A worker holds the job until then; after a crash it becomes due again.
    locked_until    INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    done_at         INTEGER,
    UNIQUE (channel, target_id, event_key)
);
CREATE INDEX delivery_jobs_due ON delivery_jobs(state, next_attempt_at);
