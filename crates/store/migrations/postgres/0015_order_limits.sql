-- The anti-scalper rules a campaign may switch on (1 = on): one live order per fan account,
-- one per delivery address. Campaigns made before these existed keep neither.
ALTER TABLE campaigns ADD COLUMN one_per_person BIGINT NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN one_per_address BIGINT NOT NULL DEFAULT 0;
