-- Launch campaigns: a product's teaser, price reveal and reservation window, ahead of its
-- waves. The lane counters are moved in the same transaction as the reservation rows they
-- count, so places are never handed out twice, whatever races.
CREATE TABLE campaigns (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id             INTEGER NOT NULL REFERENCES products(id),
    title                  TEXT    NOT NULL,
    teaser_at              INTEGER NOT NULL,
    reveal_at              INTEGER NOT NULL,
    reserve_opens_at       INTEGER NOT NULL,
    reserve_closes_at      INTEGER NOT NULL,
    -- Only accounts created before this may reserve.
    account_cutoff_at      INTEGER NOT NULL,
    fan_lane_places        INTEGER NOT NULL DEFAULT 0,
    fan_lane_min_points    INTEGER NOT NULL DEFAULT 0,
    -- NULL: unlimited.
    general_places         INTEGER,
    fan_lane_head_start_ms INTEGER NOT NULL DEFAULT 0,
    hold_ms                INTEGER NOT NULL,
    refund_window_ms       INTEGER NOT NULL,
    fan_lane_taken         INTEGER NOT NULL DEFAULT 0,
    general_taken          INTEGER NOT NULL DEFAULT 0,
    created_by             INTEGER NOT NULL REFERENCES users(id),
    created_at             INTEGER NOT NULL
);
CREATE INDEX campaigns_product ON campaigns(product_id, teaser_at);

-- Prices and deposits in fen (分). A deposit of 0: that kind of order is not offered.
CREATE TABLE campaign_skus (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id       INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    code              TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    price_fen         INTEGER NOT NULL,
    small_deposit_fen INTEGER NOT NULL DEFAULT 0,
    big_deposit_fen   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (campaign_id, code)
);

-- One reservation per fan and campaign; `place` is the fan's number within the lane.
CREATE TABLE reservations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    -- 'fan' or 'general'.
    lane        TEXT    NOT NULL,
    place       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (campaign_id, user_id),
    UNIQUE (campaign_id, lane, place)
);
CREATE INDEX reservations_user ON reservations(user_id, id);

-- A wave of a campaign; with eligibility 'reservation' only its reservation holders buy.
ALTER TABLE waves ADD COLUMN campaign_id INTEGER REFERENCES campaigns(id);
-- Lanes whose holders were told the wave opened: bit 1 the fan lane, bit 2 the general lane.
ALTER TABLE waves ADD COLUMN announced_lanes INTEGER NOT NULL DEFAULT 0;
CREATE INDEX waves_campaign ON waves(campaign_id);
