-- The insights rollup recomputes the days that late-reported sales (a partner's report, a
-- refund) and referrals that changed status count on: it finds them by when they were written.
CREATE INDEX sales_created ON sales(created_at);
CREATE INDEX referrals_updated ON referrals(updated_at);
