-- Real-name verification (实名认证): one row per verified account, never changed. The
-- identity number itself is not stored: person_key is a slow keyed digest of it (the same
-- for every account verified as one person), id_hint its last four characters.
CREATE TABLE identities (
    user_id     INTEGER NOT NULL PRIMARY KEY REFERENCES users(id),
    real_name   TEXT NOT NULL,
    person_key  TEXT NOT NULL,
    id_hint     TEXT NOT NULL,
    verified_at INTEGER NOT NULL
);
CREATE INDEX identities_person ON identities(person_key);

-- A campaign may take orders only from verified accounts (1 = yes); its buyer is then the
-- verified person.
ALTER TABLE campaigns ADD COLUMN require_verified INTEGER NOT NULL DEFAULT 0;
