-- Merging a post into another (duplicates). The source keeps its votes and comments and
-- points at the target; the votes copied onto the target are recorded so that undoing the
-- merge removes exactly those, and nothing a fan did on the target since.
ALTER TABLE posts ADD COLUMN merged_into INTEGER REFERENCES posts(id);
CREATE INDEX posts_merged_into ON posts(merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE post_merges (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id   INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    target_id   INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    actor_id    INTEGER NOT NULL REFERENCES users(id),
    -- The source's status before the merge, restored by an undo.
    from_status TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    undone_at   INTEGER,
    undone_by   INTEGER REFERENCES users(id)
);
CREATE INDEX post_merges_source ON post_merges(source_id, id);
CREATE INDEX post_merges_target ON post_merges(target_id, id);

CREATE TABLE post_merge_votes (
    merge_id   INTEGER NOT NULL REFERENCES post_merges(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (merge_id, user_id)
);
