-- The beta programme: per product a group with limited seats, applications, members held to
-- weekly duties, and a members-only board (posts with beta = 1).
CREATE TABLE beta_groups (
    product_id            INTEGER PRIMARY KEY REFERENCES products(id) ON DELETE CASCADE,
    seats                 INTEGER NOT NULL,
    -- Fans at this level or above are admitted as they apply, while seats last.
    min_level             INTEGER,
    removal_cooldown_days INTEGER NOT NULL DEFAULT 30,
    leave_cooldown_days   INTEGER NOT NULL DEFAULT 14,
    open                  INTEGER NOT NULL DEFAULT 1,
    -- The last ISO week ('2026-W48') whose duties were judged: the weekly job runs once.
    judged_week           TEXT,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);

-- One row per application; it becomes the membership when admitted. History stays, so
-- cooldowns and the "beta veteran" badge can be computed from it.
CREATE TABLE beta_memberships (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id  INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- 'pending', 'member', 'rejected', 'left' or 'removed'.
    status      TEXT    NOT NULL,
    motivation  TEXT    NOT NULL,
    applied_at  INTEGER NOT NULL,
    -- NULL with a decided_at: the level rule admitted the fan.
    decided_by  INTEGER REFERENCES users(id),
    decided_at  INTEGER,
    joined_at   INTEGER,
    ended_at    INTEGER,
    end_note    TEXT
);
-- At most one live application or membership per fan and product, whatever races.
CREATE UNIQUE INDEX beta_memberships_live ON beta_memberships(product_id, user_id)
    WHERE status IN ('pending', 'member');
CREATE INDEX beta_memberships_product ON beta_memberships(product_id, status, applied_at);
CREATE INDEX beta_memberships_user ON beta_memberships(user_id, applied_at);

-- Each judged week of each member: what they posted and whether it was enough.
CREATE TABLE beta_duty_weeks (
    product_id  INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    week        TEXT    NOT NULL,
    bugs        INTEGER NOT NULL,
    suggestions INTEGER NOT NULL,
    done        INTEGER NOT NULL,
    judged_at   INTEGER NOT NULL,
    PRIMARY KEY (product_id, user_id, week)
);

ALTER TABLE posts ADD COLUMN beta INTEGER NOT NULL DEFAULT 0;
CREATE INDEX posts_beta_author ON posts(product_id, beta, author_id, created_at);
