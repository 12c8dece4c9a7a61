-- Staff changes to a wave (its window, its quantity) take a short lease on the wave, so two
-- nodes sharing one Redis engine never interleave the engine's and the database's steps of
-- two changes. NULL: no change in progress; else when the lease runs out (unix ms), so a
-- node that died mid-change holds it only briefly.
ALTER TABLE waves ADD COLUMN change_lease_until BIGINT;
