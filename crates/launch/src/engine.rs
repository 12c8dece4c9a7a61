//! The stock engine contract: who gets a unit of a first-come-first-served wave. Every
//! engine promises the same things, checked by one invariant suite
//! (`crates/launch/tests/engine_invariants.rs`):
//!
//! * sold never exceeds the wave's quantity, and no fan holds more than the per-fan limit;
//! * a retry with the same idempotency key and the same request gets the same order back
//!   and never a second one; the same key with another request is refused;
//! * `Placed` is returned only once the order is committed in the database, so an
//!   acknowledged order survives a crash (kill -9) of the process;
//! * a refusal changes nothing.

use canyu_store::{LaunchRow, Order};
use std::future::Future;
use std::pin::Pin;

/// A boxed future, so engines can sit behind `Arc<dyn StockEngine>`.
pub type EngineFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What an engine needs to know of a wave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaveStock {
    pub wave_id: i64,
    /// Units sold through the engine.
    pub quantity: i64,
    pub per_fan_limit: i64,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRequest {
    pub wave_id: i64,
    pub fan_id: i64,
    pub idempotency_key: String,
    /// SHA-256 (hex) of the request, so a reused key with another request is told apart.
    pub body_hash: String,
    pub now_ms: i64,
    /// For an order in a launch campaign's wave: its deposit terms, committed with the order.
    /// Engines that cannot write them refuse with `Storage`.
    pub launch: Option<LaunchRow>,
}

/// An order as acknowledged: committed in the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacedOrder {
    pub order_id: i64,
    pub wave_id: i64,
    pub fan_id: i64,
    /// 1, 2, … in the order the engine granted units.
    pub seq: i64,
    pub created_at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    Placed {
        order: PlacedOrder,
        replay: bool,
    },
    SoldOut,
    LimitReached,
    KeyReused,
    NotStarted,
    Ended,
    /// The F-code was used by another order (or is being used right now).
    FCodeUsed,
}

/// What [`StockEngine::set_quantity`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantitySet {
    Set,
    /// More general units are taken than the new quantity leaves them: nothing changed.
    BelowTaken,
    /// The engine's quantity is no longer the one the change was decided on: nothing changed.
    Changed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StockCounters {
    pub quantity: i64,
    /// Units granted, including orders whose commit is in flight.
    pub taken: i64,
}

impl StockCounters {
    pub fn remaining(&self) -> i64 {
        (self.quantity - self.taken).max(0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("wave {0} is not open in this engine")]
    UnknownWave(i64),
    /// The database refused or could not be reached: the order was not acknowledged. The
    /// embedded engine returned the unit to stock; the Redis engine keeps the grant, which
    /// the fan's retry (or the next `open_wave`) makes durable, because across nodes a
    /// release could race a commit that did land.
    #[error("storage: {0}")]
    Storage(String),
    #[error("engine stopped")]
    Stopped,
}

pub trait StockEngine: Send + Sync {
    /// Starts serving a wave: loads what was already sold from the database. Opening a wave
    /// that is open already changes nothing. At a drop's start every buyer finds the wave
    /// unopened and calls this at once: an engine opens it once and has the others wait
    /// (each loading it again cost seconds at the first wave of a benchmark).
    fn open_wave(&self, wave: WaveStock) -> EngineFuture<'_, Result<(), EngineError>>;

    /// Tries to take a unit for the fan.
    fn place(&self, request: OrderRequest) -> EngineFuture<'_, Result<Placement, EngineError>>;

    /// Tries to take a unit of the wave's F-code lane (`waves.fcode_quantity`, which the
    /// engine reads when it opens the wave) for the fan, with F-code `fcode_id`, which the
    /// caller checked is bound to the fan and belongs to the wave. The general stock is not
    /// a fallback: an empty lane is `SoldOut`. A code takes at most one unit: a second order
    /// with it is `FCodeUsed` (a retry of the same request replays its order), and the code
    /// is marked used in the transaction that commits the order. Engines without an F-code
    /// lane refuse with `Storage` (the default).
    fn place_fcode(
        &self,
        request: OrderRequest,
        fcode_id: i64,
    ) -> EngineFuture<'_, Result<Placement, EngineError>> {
        let _ = (request, fcode_id);
        Box::pin(async move {
            Err(EngineError::Storage(format!("the {} engine has no F-code lane", self.name())))
        })
    }

    /// Gives an acknowledged order's unit back to its wave (an unpaid cart hold ran out, a
    /// deposit was refunded, staff cancelled a scalper's order). The order is marked released
    /// in the database before the unit is offered again, so stock is never oversold; a
    /// second release of the same order changes nothing (`false`). Its idempotency key keeps
    /// answering with the released order. Engines that cannot return stock refuse with
    /// `Storage` (the default).
    fn release(&self, order: &Order, now_ms: i64) -> EngineFuture<'_, Result<bool, EngineError>> {
        let _ = (order, now_ms);
        Box::pin(async move {
            Err(EngineError::Storage(format!("the {} engine cannot return stock", self.name())))
        })
    }

    /// Moves an open wave's sale window (staff ending a wave early, giving it longer, or
    /// moving one that has not started). From then on the engine answers `NotStarted`
    /// before `starts_at_ms` and `Ended` at and after `ends_at_ms`. A wave the engine has not
    /// opened is left alone; callers open it first, so that an open racing the change with
    /// the old window cannot land after it.
    fn set_window(
        &self,
        wave_id: i64,
        starts_at_ms: i64,
        ends_at_ms: i64,
    ) -> EngineFuture<'_, Result<(), EngineError>>;

    /// Sets how many units an open wave sells through the engine (staff adding stock, or
    /// taking back units not sold), the F-code lane keeping its units, if the engine's
    /// quantity is still `was` (the one the change was decided on: with several nodes, two
    /// staff changing one wave must not both win). The checks and the change are one step
    /// against concurrent orders. A wave the engine has not opened is left alone (`Set`);
    /// callers open it first.
    fn set_quantity(
        &self,
        wave_id: i64,
        was: i64,
        quantity: i64,
    ) -> EngineFuture<'_, Result<QuantitySet, EngineError>>;

    /// The wave's counters as the engine sees them (approximate under load is fine).
    fn counters(&self, wave_id: i64) -> EngineFuture<'_, Result<StockCounters, EngineError>>;

    /// A short name for logs and benchmarks.
    fn name(&self) -> &'static str;
}
