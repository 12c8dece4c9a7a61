-- Fan events: the 米粉节 fan festival and 同城会 city meetups, city clubs and their organisers,
-- places with a waitlist and offers, attendance prompts, check-ins and no-shows.
CREATE TABLE clubs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    city        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    UNIQUE (city, name)
);

CREATE TABLE club_organisers (
    club_id      INTEGER NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    appointed_by INTEGER REFERENCES users(id),
    appointed_at INTEGER NOT NULL,
    PRIMARY KEY (club_id, user_id)
);

CREATE TABLE club_members (
    club_id   INTEGER NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (club_id, user_id)
);
CREATE INDEX club_members_user ON club_members(user_id);

CREATE TABLE events (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    title              TEXT    NOT NULL,
    -- 'festival' or 'meetup'.
    kind               TEXT    NOT NULL,
    city               TEXT    NOT NULL,
    venue              TEXT    NOT NULL,
    starts_at          INTEGER NOT NULL,
    ends_at            INTEGER NOT NULL,
    -- The venue's IANA zone: pages and calendars show the event's times in it.
    time_zone          TEXT    NOT NULL,
    capacity           INTEGER NOT NULL,
    rsvp_opens_at      INTEGER NOT NULL,
    rsvp_closes_at     INTEGER NOT NULL,
    max_guests         INTEGER NOT NULL,
    priority_min_level INTEGER,
    priority_hours     INTEGER NOT NULL,
    offer_hours        INTEGER NOT NULL,
    club_id            INTEGER REFERENCES clubs(id),
    description        TEXT    NOT NULL,
    -- Places held by confirmed and offered units (people, guests included), kept in the
    -- transaction that changes them: never above capacity.
    held               INTEGER NOT NULL DEFAULT 0,
    -- Of those, people in offered places; and units on the waitlist; and people checked in.
    offered            INTEGER NOT NULL DEFAULT 0,
    waiting            INTEGER NOT NULL DEFAULT 0,
    checked_in         INTEGER NOT NULL DEFAULT 0,
    -- Ed25519 ticket key: the seed signs (server only), the public key goes to scanners.
    ticket_seed        TEXT    NOT NULL,
    ticket_public_key  TEXT    NOT NULL,
    -- The once-only jobs: attendance asked, no-shows recorded.
    attendance_asked_at INTEGER,
    no_shows_at        INTEGER,
    created_by         INTEGER REFERENCES users(id),
    created_at         INTEGER NOT NULL
);
CREATE INDEX events_starts ON events(starts_at);
CREATE INDEX events_city ON events(city, starts_at);
CREATE INDEX events_club ON events(club_id, starts_at);

-- One row per place taken; a new row when a fan takes a place again after giving one up.
CREATE TABLE event_rsvps (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id                INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id                 INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    guests                  INTEGER NOT NULL,
    -- 'confirmed', 'offered', 'waitlisted' (live); 'cancelled', 'left', 'declined',
    -- 'expired', 'released', 'removed' (ended).
    status                  TEXT    NOT NULL,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    offer_expires_at        INTEGER,
    confirmed_at            INTEGER,
    attendance_asked_at     INTEGER,
    attendance_confirmed_at INTEGER,
    checked_in_at           INTEGER,
    no_show                 INTEGER NOT NULL DEFAULT 0
);
-- One live place per fan and event, whatever races.
CREATE UNIQUE INDEX event_rsvps_live ON event_rsvps(event_id, user_id)
    WHERE status IN ('confirmed', 'offered', 'waitlisted');
-- The waitlist in arrival order (ids are handed out under the event's lock).
CREATE INDEX event_rsvps_queue ON event_rsvps(event_id, status, id);
CREATE INDEX event_rsvps_user ON event_rsvps(user_id, no_show);
CREATE INDEX event_rsvps_offers ON event_rsvps(status, offer_expires_at);

-- Every change of a place, by whom and why: staff see the reason for any manual one.
CREATE TABLE event_place_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    rsvp_id     INTEGER NOT NULL REFERENCES event_rsvps(id) ON DELETE CASCADE,
    from_status TEXT,
    to_status   TEXT    NOT NULL,
    -- NULL: the fan or a rule (the reason names it); a user: a manual change by the team.
    actor_id    INTEGER REFERENCES users(id),
    reason      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX event_place_changes_event ON event_place_changes(event_id, id);

-- Scans at the door. The nonce is the scanner's own id for one scan: an upload repeated
-- after a lost answer finds its row and is counted once.
CREATE TABLE event_checkins (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    rsvp_id     INTEGER NOT NULL REFERENCES event_rsvps(id) ON DELETE CASCADE,
    nonce       TEXT    NOT NULL,
    door        TEXT    NOT NULL,
    scanned_at  INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    scanned_by  INTEGER REFERENCES users(id),
    -- 'checked_in', or 'duplicate' for a ticket already in (another door: a conflict).
    outcome     TEXT    NOT NULL,
    UNIQUE (event_id, nonce)
);
CREATE INDEX event_checkins_rsvp ON event_checkins(rsvp_id);
