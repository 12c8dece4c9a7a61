-- Images on posts and comments. A row per upload: owned by who sent it, unattached until a
-- post or comment takes it (unattached rows older than a day are removed with their files).
-- object_key is the content hash of the served image, so two rows may share one file.
CREATE TABLE media (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id     INTEGER NOT NULL REFERENCES users(id),
    object_key   TEXT NOT NULL,
    thumb_key    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    byte_size    INTEGER NOT NULL,
    post_id      INTEGER REFERENCES posts(id),
    comment_id   INTEGER REFERENCES comments(id),
    position     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);
CREATE INDEX media_post ON media(post_id, position);
CREATE INDEX media_comment ON media(comment_id, position);
CREATE INDEX media_unattached ON media(created_at) WHERE post_id IS NULL AND comment_id IS NULL;
CREATE INDEX media_object ON media(object_key);
