//! The naive stock engine, kept as the benchmark baseline (`bench/drop.sh`): every order is
//! one database transaction that moves the wave's `sold` on its row
//! (`UPDATE waves SET sold = sold + 1 WHERE id = $1 AND sold < $2`), checks the idempotency
//! key and the fan's count under that row lock, inserts the order and commits
//! ([`Store::place_order_hot_row`]). It is correct — it passes the invariant suite — but
//! every order of a wave waits for the previous order's commit (and its fsync) on that one
//! row: throughput is bounded by commit latency, which is what group commit in the
//! [`embedded`](crate::embedded) engine removes. Do not serve real drops with it.

use crate::engine::{
    EngineError, EngineFuture, OrderRequest, PlacedOrder, Placement, QuantitySet, StockCounters, StockEngine,
    WaveStock,
};
use canyu_core::ErrorCode;
use canyu_store::{NewOrder, Order, Store};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;

pub struct HotRowEngine {
    store: Store,
    waves: Mutex<HashMap<i64, WaveStock>>,
    /// Orders hold it shared for their whole transaction, a quantity change alone: the bound
    /// an order checks `sold` against is then never one that changed under it.
    quantity_gate: tokio::sync::RwLock<()>,
}

impl HotRowEngine {
    pub fn start(store: Store) -> Arc<HotRowEngine> {
        Arc::new(HotRowEngine { store, waves: Mutex::default(), quantity_gate: tokio::sync::RwLock::new(()) })
    }

    fn stock(&self, wave_id: i64) -> Result<WaveStock, EngineError> {
        self.waves.lock().get(&wave_id).cloned().ok_or(EngineError::UnknownWave(wave_id))
    }

    async fn take(&self, req: OrderRequest) -> Result<Placement, EngineError> {
        let _quantity_fixed = self.quantity_gate.read().await;
        let stock = self.stock(req.wave_id)?;
        if req.now_ms < stock.starts_at_ms || req.now_ms >= stock.ends_at_ms {
            // Outside the window only a retry of a committed order gets an answer.
            let found = self
                .store
                .order_by_idempotency_key(req.wave_id, req.fan_id, &req.idempotency_key)
                .await
                .map_err(storage)?;
            return Ok(match found {
                Some(o) if o.body_hash != req.body_hash => Placement::KeyReused,
                Some(o) => Placement::Placed { order: placed(&o), replay: true },
                None if req.now_ms < stock.starts_at_ms => Placement::NotStarted,
                None => Placement::Ended,
            });
        }
        let launch = req.launch;
        let order = NewOrder {
            wave_id: req.wave_id,
            user_id: req.fan_id,
            seq: 0,
            lane: "general",
            idempotency_key: req.idempotency_key,
            body_hash: req.body_hash,
            created_at: req.now_ms,
        };
        let outcome = self
            .store
            .place_order_hot_row(&order, stock.quantity, stock.per_fan_limit, launch.as_ref())
            .await
            .map_err(storage)?;
        Ok(match outcome {
            Ok((o, replay)) => Placement::Placed { order: placed(&o), replay },
            Err(ErrorCode::SoldOut) => Placement::SoldOut,
            Err(ErrorCode::OrderLimitReached) => Placement::LimitReached,
            Err(ErrorCode::IdempotencyKeyReused) => Placement::KeyReused,
            Err(other) => return Err(EngineError::Storage(format!("unexpected refusal {other:?}"))),
        })
    }
}

fn placed(o: &Order) -> PlacedOrder {
    PlacedOrder {
        order_id: o.id,
        wave_id: o.wave_id,
        fan_id: o.user_id,
        seq: o.seq,
        created_at_ms: o.created_at,
    }
}

fn storage(e: canyu_store::StoreError) -> EngineError {
    EngineError::Storage(e.to_string())
}

impl StockEngine for HotRowEngine {
    fn open_wave(&self, wave: WaveStock) -> EngineFuture<'_, Result<(), EngineError>> {
        self.waves.lock().entry(wave.wave_id).or_insert(wave);
        Box::pin(async { Ok(()) })
    }

    fn place(&self, request: OrderRequest) -> EngineFuture<'_, Result<Placement, EngineError>> {
        Box::pin(self.take(request))
    }

    fn release(&self, order: &Order, now_ms: i64) -> EngineFuture<'_, Result<bool, EngineError>> {
        let order_id = order.id;
        Box::pin(
            async move { Ok(self.store.release_order(order_id, now_ms).await.map_err(storage)?.is_some()) },
        )
    }

    fn set_window(
        &self,
        wave_id: i64,
        starts_at_ms: i64,
        ends_at_ms: i64,
    ) -> EngineFuture<'_, Result<(), EngineError>> {
        if let Some(stock) = self.waves.lock().get_mut(&wave_id) {
            (stock.starts_at_ms, stock.ends_at_ms) = (starts_at_ms, ends_at_ms);
        }
        Box::pin(async { Ok(()) })
    }

    fn set_quantity(
        &self,
        wave_id: i64,
        was: i64,
        quantity: i64,
    ) -> EngineFuture<'_, Result<QuantitySet, EngineError>> {
        Box::pin(async move {
            let _alone = self.quantity_gate.write().await;
            match self.waves.lock().get(&wave_id) {
                None => return Ok(QuantitySet::Set),
                Some(stock) if stock.quantity != was => return Ok(QuantitySet::Changed),
                Some(_) => {}
            }
            let sold = self.store.wave(wave_id).await.map_err(storage)?.map_or(0, |w| w.sold);
            if sold > quantity {
                return Ok(QuantitySet::BelowTaken);
            }
            if let Some(stock) = self.waves.lock().get_mut(&wave_id) {
                stock.quantity = quantity;
            }
            Ok(QuantitySet::Set)
        })
    }

    fn counters(&self, wave_id: i64) -> EngineFuture<'_, Result<StockCounters, EngineError>> {
        Box::pin(async move {
            let stock = self.stock(wave_id)?;
            let wave =
                self.store.wave(wave_id).await.map_err(storage)?.ok_or(EngineError::UnknownWave(wave_id))?;
            Ok(StockCounters { quantity: stock.quantity, taken: wave.sold })
        })
    }

    fn name(&self) -> &'static str {
        "hotrow"
    }
}
