-- Issue #17 item 5: look-alike handles. Each account keeps its handle's confusable skeleton
-- (canyu_core::user::handle_skeleton, UTS #39); a new handle whose skeleton is taken is
-- refused. NULL until `Store::migrate` fills it in for accounts made before this migration
-- (it is computed in Rust); two old accounts with one skeleton keep NULL for the later one.
ALTER TABLE users ADD COLUMN handle_skeleton TEXT;
CREATE UNIQUE INDEX users_handle_skeleton ON users (handle_skeleton);
