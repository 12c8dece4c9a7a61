-- Official voices (人设营销): an admin marks an account official with a title shown beside its
-- handle wherever it appears; anyone follows anyone (followers counted on the account, kept in
-- the transaction that follows or unfollows); official accounts publish announcements (动态)
-- that reach their followers' feed and, for followers who asked, their inbox.
ALTER TABLE users ADD COLUMN official_title TEXT;
ALTER TABLE users ADD COLUMN followers INTEGER NOT NULL DEFAULT 0;

CREATE TABLE user_follows (
    follower_id INTEGER NOT NULL REFERENCES users(id),
    followee_id INTEGER NOT NULL REFERENCES users(id),
    -- 1: the follower also wants each announcement in the inbox.
    inbox       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
-- Publishing tells the followers who asked for the inbox, read by followee.
CREATE INDEX user_follows_followee ON user_follows(followee_id, inbox);

CREATE TABLE announcements (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id  INTEGER NOT NULL REFERENCES users(id),
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    -- Withdrawn by its author or removed by a moderator: gone from every feed.
    removed_at INTEGER
);
-- A profile lists its announcements newest first; a feed merges its followees' the same way.
CREATE INDEX announcements_author ON announcements(author_id, created_at, id);
-- Images of an announcement, as posts and comments have theirs.
ALTER TABLE media ADD COLUMN announcement_id INTEGER REFERENCES announcements(id);
CREATE INDEX media_announcement ON media(announcement_id, position);
