-- Staff may withdraw a wave before it starts (nothing sold, no entries yet). The row stays
-- so links and the history keep working; NULL: not cancelled, else when (unix ms), and the
-- reason fans are shown (may be empty).
ALTER TABLE waves ADD COLUMN cancelled_at INTEGER;
ALTER TABLE waves ADD COLUMN cancel_reason TEXT;
