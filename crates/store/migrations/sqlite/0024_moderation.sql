-- Posts and comments live on after they are written: their authors edit and delete them,
-- moderators hide, lock and pin them, fans report them and follow them. Times are unix ms;
-- NULL means "not so".

-- edited_at: last edit; deleted_at: withdrawn by its author or a moderator (kept for the
-- audit trail, shown to moderators only); hidden_at: hidden by a moderator (its author still
-- sees it, with the reason); locked_at: no new comments or edits but by moderators;
-- pinned_at: shown first on its product's board.
ALTER TABLE posts ADD COLUMN edited_at INTEGER;
ALTER TABLE posts ADD COLUMN deleted_at INTEGER;
ALTER TABLE posts ADD COLUMN hidden_at INTEGER;
ALTER TABLE posts ADD COLUMN hidden_reason TEXT;
ALTER TABLE posts ADD COLUMN locked_at INTEGER;
ALTER TABLE posts ADD COLUMN pinned_at INTEGER;
CREATE INDEX posts_pinned ON posts(product_id, pinned_at) WHERE pinned_at IS NOT NULL;

-- parent_id: the comment this one replies to (same post).
ALTER TABLE comments ADD COLUMN parent_id INTEGER REFERENCES comments(id);
ALTER TABLE comments ADD COLUMN edited_at INTEGER;
ALTER TABLE comments ADD COLUMN deleted_at INTEGER;
ALTER TABLE comments ADD COLUMN hidden_at INTEGER;

-- What a post or comment said before each edit (title only for posts): the history
-- moderators read.
CREATE TABLE revisions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    comment_id INTEGER REFERENCES comments(id) ON DELETE CASCADE,
    editor_id  INTEGER NOT NULL REFERENCES users(id),
    title      TEXT,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX revisions_post ON revisions(post_id, id);

-- A fan's report of a post or comment. target is 'post:<id>' or 'comment:<id>', so one fan
-- reports one thing once. resolution: 'hidden' or 'dismissed', with who and when.
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id     INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    comment_id  INTEGER REFERENCES comments(id) ON DELETE CASCADE,
    target      TEXT NOT NULL,
    reporter_id INTEGER NOT NULL REFERENCES users(id),
    reason      TEXT NOT NULL,
    note        TEXT,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by INTEGER REFERENCES users(id),
    resolution  TEXT,
    UNIQUE (reporter_id, target)
);
CREATE INDEX reports_open ON reports(resolved_at, target);

-- Every moderator action, for the audit log: hide, unhide, lock, unlock, pin, unpin,
-- delete (by a moderator), dismiss (reports), edit (someone else's post or comment).
CREATE TABLE moderation_actions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id   INTEGER NOT NULL REFERENCES users(id),
    action     TEXT NOT NULL,
    post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    comment_id INTEGER REFERENCES comments(id) ON DELETE CASCADE,
    note       TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX moderation_actions_time ON moderation_actions(id);

-- Following a post: following = 1 hears of its comments and status changes; 0 mutes what
-- the author or a voter would hear by default.
CREATE TABLE post_follows (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    following  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
