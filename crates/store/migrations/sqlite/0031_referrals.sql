-- 口碑 (word of mouth): referral codes, the referrals they brought, and the browser and app
-- devices accounts use, which the referral rules compare (canyu_core::referral).

-- One code per fan, made the first time they ask for it.
CREATE TABLE referral_codes (
    user_id    INTEGER NOT NULL PRIMARY KEY REFERENCES users(id),
    code       TEXT   NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- The devices an account signed up or signed in from: SHA-256 of the browser's device cookie
-- or of an app's X-Device-Id, never the id itself.
CREATE TABLE account_devices (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    device_key TEXT   NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (user_id, device_key)
);
CREATE INDEX account_devices_key ON account_devices(device_key);

-- One row per invitee: an account joins by one referral at most, so a reward can never be
-- paid twice for one fan (the unique invitee), and the status moves only forward by
-- conditional updates that any node may race on.
CREATE TABLE referrals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    referrer_id  INTEGER NOT NULL REFERENCES users(id),
    invitee_id   INTEGER NOT NULL UNIQUE REFERENCES users(id),
    -- 'pending' | 'held' | 'qualified' | 'rewarded' | 'rejected'
    status       TEXT   NOT NULL,
    -- Why it was rejected: 'same_device' | 'same_person' | 'same_address' | 'refunded' |
    -- 'staff_rejected'.
    reason       TEXT,
    -- Staff's words when they approved or rejected a held referral.
    note         TEXT   NOT NULL DEFAULT '',
    reviewed_by  INTEGER REFERENCES users(id),
    -- The sign-up's network (/24 or /64, canyu_core::referral::network_of) and device digest.
    network      TEXT,
    device_key   TEXT,
    -- The order that qualified it, if one did.
    order_id     INTEGER,
    -- When the vesting job should look at this pending referral again: set by the invitee's
    -- order moving (paid: the end of its return window; locked, refunded, returned: at once),
    -- so a round reads only what is due, not every invitee who never ordered.
    due_at       INTEGER,
    created_at   INTEGER NOT NULL,
    qualified_at INTEGER,
    rewarded_at  INTEGER,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX referrals_referrer ON referrals(referrer_id, id);
CREATE INDEX referrals_status ON referrals(status, id);
CREATE INDEX referrals_due ON referrals(status, due_at);
CREATE INDEX referrals_burst ON referrals(referrer_id, network, created_at);
CREATE INDEX referrals_rewarded ON referrals(referrer_id, rewarded_at);
