//! Launches (饥饿营销) for canyu: stock engines and the parts of a drop.
//!
//! * [`engine`]: the stock engine contract; [`embedded`]: the default engine (in-process
//!   book, group commit to the database).
//! * [`claims`]: one order per person and per delivery address in a campaign.
//! * [`draw`]: provably fair draws — seed commitment, frozen entry list, deterministic
//!   shuffle, verification (the algorithm is specified in `docs/draw.md`).
//! * [`fcode`]: F-codes (F码), single-use purchase codes with a check symbol.
//! * [`redis_engine`]: the stock engine for several canyu nodes serving one wave, as one
//!   atomic Lua script in Redis.
//! * [`redis_stock`]: that script behind the [`engine::StockEngine`] contract — orders
//!   group-committed to the database before they are acknowledged, the wave's Redis stream
//!   reconciled into the database at start.

pub mod claims;
pub mod draw;
pub mod embedded;
pub mod engine;
pub mod fcode;
pub mod hotrow;
pub mod redis_engine;
pub mod redis_stock;
