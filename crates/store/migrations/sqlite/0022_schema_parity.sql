-- Schema parity (issue #16, tests/schema_parity.rs): on SQLite a PRIMARY KEY column that is
-- not the rowid (here two TEXT keys) accepts NULL unless it is declared NOT NULL, which 0001
-- did not do; PostgreSQL's primary keys are always NOT NULL. SQLite cannot add NOT NULL to a
-- column in place, so both tables are rebuilt (nothing references them, no trigger or view
-- names them). A row with a NULL key could never be found (`key = $1` is never true for
-- NULL), so such rows are not copied.

CREATE TABLE sessions_new (
    token_hash TEXT    NOT NULL PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
INSERT INTO sessions_new (token_hash, user_id, csrf_token, created_at, expires_at)
    SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM sessions
    WHERE token_hash IS NOT NULL;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE instance_meta_new (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO instance_meta_new (key, value)
    SELECT key, value FROM instance_meta WHERE key IS NOT NULL;
DROP TABLE instance_meta;
ALTER TABLE instance_meta_new RENAME TO instance_meta;
