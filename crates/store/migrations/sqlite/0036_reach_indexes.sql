-- The insights panels of referrals and events read ranges of these (canyu_store::insights).
CREATE INDEX referrals_created ON referrals(created_at);
CREATE INDEX event_rsvps_no_show ON event_rsvps(event_id) WHERE no_show = 1;
