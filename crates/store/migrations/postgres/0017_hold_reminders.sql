-- When the fan was reminded that an unpaid hold is about to run out (once per order).
ALTER TABLE launch_orders ADD COLUMN reminded_at BIGINT;
