-- The device an order came from (SHA-256 of the browser's device cookie or an app's
-- X-Device-Id), so that one device ordering for several accounts in a campaign is flagged
-- for staff review.
ALTER TABLE launch_orders ADD COLUMN device_key TEXT;
CREATE INDEX launch_orders_device ON launch_orders(campaign_id, device_key);
