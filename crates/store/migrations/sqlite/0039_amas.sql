-- Ask-me-anything sessions (AMA): a host answers fans' questions live. Questions open before
-- the session so the best rise by votes; the host and staff answer, merge duplicates (votes
-- as a union) and hide off-topic ones; a question that is really feedback becomes a post.
CREATE TABLE amas (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    title             TEXT    NOT NULL,
    description       TEXT    NOT NULL DEFAULT '',
    host_id           INTEGER NOT NULL REFERENCES users(id),
    questions_open_at INTEGER NOT NULL,
    starts_at         INTEGER NOT NULL,
    ends_at           INTEGER NOT NULL,
    created_by        INTEGER NOT NULL REFERENCES users(id),
    created_at        INTEGER NOT NULL
);
-- The list of sessions: live and coming first, then the past ones, by start.
CREATE INDEX amas_starts ON amas(starts_at, id);

CREATE TABLE ama_questions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ama_id      INTEGER NOT NULL REFERENCES amas(id),
    author_id   INTEGER NOT NULL REFERENCES users(id),
    body        TEXT    NOT NULL,
    -- Denormalised count of ama_votes, moved in each vote's transaction.
    votes       INTEGER NOT NULL DEFAULT 0,
    -- open | answered | hidden | merged
    status      TEXT    NOT NULL DEFAULT 'open',
    merged_into INTEGER REFERENCES ama_questions(id),
    answer      TEXT,
    answered_by INTEGER REFERENCES users(id),
    answered_at INTEGER,
    -- The feedback post this question became, carrying its votes; who turned it into one
    -- (claimed first, so two staff at once make one post).
    posted_by   INTEGER REFERENCES users(id),
    post_id     INTEGER REFERENCES posts(id),
    created_at  INTEGER NOT NULL
);
-- Top questions of a session (the live page reads it every second), newest, the transcript.
CREATE INDEX ama_questions_top ON ama_questions(ama_id, votes, id);
CREATE INDEX ama_questions_answered ON ama_questions(ama_id, answered_at, id);
-- A fan's standing questions in a session are counted against the limit.
CREATE INDEX ama_questions_author ON ama_questions(ama_id, author_id);

CREATE TABLE ama_votes (
    question_id INTEGER NOT NULL REFERENCES ama_questions(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (question_id, user_id)
);
-- Which questions on a page a fan voted for.
CREATE INDEX ama_votes_user ON ama_votes(user_id, question_id);
