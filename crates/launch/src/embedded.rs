//! The embedded stock engine (the default): the wave's book lives in this process, every
//! grant is decided under one short lock per wave, and grants are made durable by a single
//! writer task that commits whatever accumulated while the previous commit was on its way
//! to disk (group commit). A buyer is answered only after their order's batch committed.
//!
//! One canyu node serves a wave with this engine; several nodes need the Redis engine.
//! After a crash the book is rebuilt from the database, so granted-but-uncommitted units
//! (never acknowledged) simply return to stock.

use crate::engine::{
    EngineError, EngineFuture, OrderRequest, PlacedOrder, Placement, QuantitySet, StockCounters, StockEngine,
    WaveStock,
};
use canyu_store::{LaunchRow, NewOrder, Order, Store};
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// At most this many orders share one commit.
const MAX_BATCH: usize = 2_048;
/// Grants waiting for the writer; beyond this, buyers wait to be queued (back-pressure).
const QUEUE: usize = 65_536;

type Outcome = Option<Result<PlacedOrder, String>>;

enum KeyState {
    Committed {
        body_hash: String,
        order: PlacedOrder,
    },
    /// Granted, its commit on the way: retries wait for the same outcome.
    InFlight {
        body_hash: String,
        done: watch::Receiver<Outcome>,
    },
}

struct WaveBook {
    stock: WaveStock,
    /// Units of both lanes granted.
    taken: i64,
    /// Of `stock.quantity`, the F-code lane's units, and how many of them are granted.
    fcode_quantity: i64,
    fcode_taken: i64,
    /// F-codes that took a unit (committed or in flight).
    fcodes: HashSet<i64>,
    next_seq: i64,
    per_fan: HashMap<i64, i64>,
    /// Orders whose unit went back to stock. A release counts once however the database
    /// read of `open` and the release interleave.
    released: HashSet<i64>,
    keys: HashMap<(i64, String), KeyState>,
}

impl WaveBook {
    /// Gives a granted unit back (its commit failed).
    fn undo(&mut self, fan_id: i64, key: &str, fcode: Option<i64>) {
        self.taken -= 1;
        if let Some(fcode) = fcode {
            self.fcode_taken -= 1;
            self.fcodes.remove(&fcode);
        }
        if let Some(n) = self.per_fan.get_mut(&fan_id) {
            *n -= 1;
        }
        self.keys.remove(&(fan_id, key.to_string()));
    }
}

type Books = Mutex<HashMap<i64, Arc<Mutex<WaveBook>>>>;

struct Grant {
    order: NewOrder,
    fcode: Option<i64>,
    launch: Option<LaunchRow>,
    done: watch::Sender<Outcome>,
}

pub struct EmbeddedEngine {
    store: Store,
    books: Arc<Books>,
    grants: mpsc::Sender<Grant>,
    /// One gate per wave being loaded: the buyers who find a wave unopened wait for one
    /// load instead of each reading its orders (see [`EmbeddedEngine::open`]).
    opening: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    /// Books loaded from the database since the start.
    loads: std::sync::atomic::AtomicU64,
}

impl EmbeddedEngine {
    /// Starts the engine and its writer task (which ends when the engine is dropped).
    pub fn start(store: Store) -> Arc<EmbeddedEngine> {
        let books: Arc<Books> = Arc::default();
        let (grants, queue) = mpsc::channel(QUEUE);
        tokio::spawn(write_grants(store.clone(), books.clone(), queue));
        Arc::new(EmbeddedEngine {
            store,
            books,
            grants,
            opening: Mutex::default(),
            loads: Default::default(),
        })
    }

    /// How many times a wave's book was loaded from the database: once per wave per start.
    pub fn loads(&self) -> u64 {
        self.loads.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn book(&self, wave_id: i64) -> Result<Arc<Mutex<WaveBook>>, EngineError> {
        self.books.lock().get(&wave_id).cloned().ok_or(EngineError::UnknownWave(wave_id))
    }

    async fn open(&self, stock: WaveStock) -> Result<(), EngineError> {
        if self.books.lock().contains_key(&stock.wave_id) {
            return Ok(());
        }
        // At a drop the first thousand buyers find the wave unopened together. Each loading
        // it read the wave's orders while the first ones to finish were selling: a thousand
        // ever-longer reads that took the first wave of a benchmark from 19,000 orders/s to
        // 2,000–5,000 (BENCHMARKS.md). One loads; the others wait and find the book.
        let gate = self.opening.lock().entry(stock.wave_id).or_default().clone();
        let _loading = gate.lock().await;
        if self.books.lock().contains_key(&stock.wave_id) {
            return Ok(());
        }
        let wave_id = stock.wave_id;
        self.load(stock).await?;
        // Waiters hold their own handle on the gate; later callers find the book.
        self.opening.lock().remove(&wave_id);
        Ok(())
    }

    /// Reads a wave's book from the database and installs it.
    async fn load(&self, stock: WaveStock) -> Result<(), EngineError> {
        self.loads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let orders =
            self.store.wave_orders(stock.wave_id).await.map_err(|e| EngineError::Storage(e.to_string()))?;
        let wave = self.store.wave(stock.wave_id).await.map_err(|e| EngineError::Storage(e.to_string()))?;
        let fcode_quantity = wave.map_or(0, |w| w.rules.fcode_quantity).clamp(0, stock.quantity);
        let fcodes: HashSet<i64> = self
            .store
            .used_fcodes(stock.wave_id)
            .await
            .map_err(|e| EngineError::Storage(e.to_string()))?
            .into_iter()
            .collect();
        // Released orders keep their idempotency key but no longer hold a unit.
        let held = || orders.iter().filter(|o| o.status == "placed");
        let mut book = WaveBook {
            taken: held().count() as i64,
            fcode_quantity,
            fcode_taken: held().filter(|o| o.lane == "fcode").count() as i64,
            fcodes,
            next_seq: orders.iter().map(|o| o.seq).max().unwrap_or(0) + 1,
            per_fan: HashMap::new(),
            released: orders.iter().filter(|o| o.status != "placed").map(|o| o.id).collect(),
            keys: HashMap::with_capacity(orders.len()),
            stock,
        };
        for o in orders {
            if o.status == "placed" {
                *book.per_fan.entry(o.user_id).or_default() += 1;
            }
            let order = PlacedOrder {
                order_id: o.id,
                wave_id: o.wave_id,
                fan_id: o.user_id,
                seq: o.seq,
                created_at_ms: o.created_at,
            };
            book.keys.insert(
                (o.user_id, o.idempotency_key),
                KeyState::Committed { body_hash: o.body_hash, order },
            );
        }
        self.books.lock().entry(book.stock.wave_id).or_insert_with(|| Arc::new(Mutex::new(book)));
        Ok(())
    }

    async fn take(&self, req: OrderRequest, fcode: Option<i64>) -> Result<Placement, EngineError> {
        let book = self.book(req.wave_id)?;
        let decided = decide(&mut book.lock(), &req, fcode);
        match decided {
            Decision::Answer(placement) => Ok(placement),
            Decision::AwaitRetry(done) => {
                wait(done).await.map(|order| Placement::Placed { order, replay: true })
            }
            Decision::Commit(done, grant) => {
                if self.grants.send(*grant).await.is_err() {
                    book.lock().undo(req.fan_id, &req.idempotency_key, fcode);
                    return Err(EngineError::Stopped);
                }
                wait(done).await.map(|order| Placement::Placed { order, replay: false })
            }
        }
    }
}

enum Decision {
    Answer(Placement),
    /// The same request is being committed: share its outcome.
    AwaitRetry(watch::Receiver<Outcome>),
    /// A unit was granted: commit it, then answer.
    Commit(watch::Receiver<Outcome>, Box<Grant>),
}

/// Everything the engine decides, under the wave's lock and without waiting for anything.
/// The idempotency record comes first, so a retry after the close still gets its order.
fn decide(b: &mut WaveBook, req: &OrderRequest, fcode: Option<i64>) -> Decision {
    match b.keys.get(&(req.fan_id, req.idempotency_key.clone())) {
        Some(KeyState::Committed { body_hash, .. }) | Some(KeyState::InFlight { body_hash, .. })
            if *body_hash != req.body_hash =>
        {
            return Decision::Answer(Placement::KeyReused);
        }
        Some(KeyState::Committed { order, .. }) => {
            return Decision::Answer(Placement::Placed { order: order.clone(), replay: true });
        }
        Some(KeyState::InFlight { done, .. }) => return Decision::AwaitRetry(done.clone()),
        None => {}
    }
    if req.now_ms < b.stock.starts_at_ms {
        return Decision::Answer(Placement::NotStarted);
    }
    if req.now_ms >= b.stock.ends_at_ms {
        return Decision::Answer(Placement::Ended);
    }
    if b.per_fan.get(&req.fan_id).copied().unwrap_or(0) >= b.stock.per_fan_limit {
        return Decision::Answer(Placement::LimitReached);
    }
    match fcode {
        Some(fcode) if b.fcodes.contains(&fcode) => return Decision::Answer(Placement::FCodeUsed),
        Some(_) if b.fcode_taken >= b.fcode_quantity => return Decision::Answer(Placement::SoldOut),
        Some(fcode) => {
            b.fcodes.insert(fcode);
            b.fcode_taken += 1;
        }
        // General orders never take the F-code lane's units.
        None if b.taken - b.fcode_taken >= b.stock.quantity - b.fcode_quantity => {
            return Decision::Answer(Placement::SoldOut);
        }
        None => {}
    }
    b.taken += 1;
    *b.per_fan.entry(req.fan_id).or_default() += 1;
    let seq = b.next_seq;
    b.next_seq += 1;
    let (tx, rx) = watch::channel(None);
    b.keys.insert(
        (req.fan_id, req.idempotency_key.clone()),
        KeyState::InFlight { body_hash: req.body_hash.clone(), done: rx.clone() },
    );
    let order = NewOrder {
        wave_id: req.wave_id,
        user_id: req.fan_id,
        seq,
        lane: if fcode.is_some() { "fcode" } else { "general" },
        idempotency_key: req.idempotency_key.clone(),
        body_hash: req.body_hash.clone(),
        created_at: req.now_ms,
    };
    Decision::Commit(rx, Box::new(Grant { order, fcode, launch: req.launch.clone(), done: tx }))
}

async fn wait(mut done: watch::Receiver<Outcome>) -> Result<PlacedOrder, EngineError> {
    let outcome = done.wait_for(Option::is_some).await.map_err(|_| EngineError::Stopped)?.clone();
    match outcome {
        Some(Ok(order)) => Ok(order),
        Some(Err(e)) => Err(EngineError::Storage(e)),
        None => Err(EngineError::Stopped),
    }
}

/// The single writer: commits every grant that queued up during the previous commit in one
/// transaction, then answers their buyers.
async fn write_grants(store: Store, books: Arc<Books>, mut queue: mpsc::Receiver<Grant>) {
    let mut batch: Vec<Grant> = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let orders: Vec<NewOrder> = batch.iter().map(|g| g.order.clone()).collect();
        let fcodes: Vec<Option<i64>> = batch.iter().map(|g| g.fcode).collect();
        let launches: Vec<Option<LaunchRow>> = batch.iter().map(|g| g.launch.clone()).collect();
        let result = store.insert_orders_with_terms(&orders, &fcodes, &launches).await;
        let books = books.lock().clone();
        match result {
            Ok(ids) => {
                for (grant, id) in batch.drain(..).zip(ids) {
                    let o = &grant.order;
                    let placed = PlacedOrder {
                        order_id: id,
                        wave_id: o.wave_id,
                        fan_id: o.user_id,
                        seq: o.seq,
                        created_at_ms: o.created_at,
                    };
                    if let Some(book) = books.get(&o.wave_id) {
                        book.lock().keys.insert(
                            (o.user_id, o.idempotency_key.clone()),
                            KeyState::Committed { body_hash: o.body_hash.clone(), order: placed.clone() },
                        );
                    }
                    let _ = grant.done.send(Some(Ok(placed)));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, orders = batch.len(), "order batch failed; units returned to stock");
                for grant in batch.drain(..) {
                    let o = &grant.order;
                    if let Some(book) = books.get(&o.wave_id) {
                        book.lock().undo(o.user_id, &o.idempotency_key, grant.fcode);
                    }
                    let _ = grant.done.send(Some(Err(e.to_string())));
                }
            }
        }
    }
}

impl StockEngine for EmbeddedEngine {
    fn open_wave(&self, wave: WaveStock) -> EngineFuture<'_, Result<(), EngineError>> {
        Box::pin(self.open(wave))
    }

    fn place(&self, request: OrderRequest) -> EngineFuture<'_, Result<Placement, EngineError>> {
        Box::pin(self.take(request, None))
    }

    fn place_fcode(
        &self,
        request: OrderRequest,
        fcode_id: i64,
    ) -> EngineFuture<'_, Result<Placement, EngineError>> {
        Box::pin(self.take(request, Some(fcode_id)))
    }

    fn release(&self, order: &Order, now_ms: i64) -> EngineFuture<'_, Result<bool, EngineError>> {
        let (order_id, wave_id, fan_id, fcode_lane) =
            (order.id, order.wave_id, order.user_id, order.lane == "fcode");
        Box::pin(async move {
            let released = self
                .store
                .release_order(order_id, now_ms)
                .await
                .map_err(|e| EngineError::Storage(e.to_string()))?;
            if released.is_none() {
                return Ok(false);
            }
            // The database has let go first; only now may the book offer the unit again. A
            // book not loaded yet reads the released order from the database when it opens.
            if let Ok(book) = self.book(wave_id) {
                let mut b = book.lock();
                if !b.released.insert(order_id) {
                    // The book was loaded after the release and never counted the unit.
                    return Ok(true);
                }
                b.taken -= 1;
                if fcode_lane {
                    b.fcode_taken -= 1;
                }
                if let Some(n) = b.per_fan.get_mut(&fan_id) {
                    *n -= 1;
                }
            }
            Ok(true)
        })
    }

    fn set_window(
        &self,
        wave_id: i64,
        starts_at_ms: i64,
        ends_at_ms: i64,
    ) -> EngineFuture<'_, Result<(), EngineError>> {
        if let Ok(book) = self.book(wave_id) {
            let mut b = book.lock();
            (b.stock.starts_at_ms, b.stock.ends_at_ms) = (starts_at_ms, ends_at_ms);
        }
        Box::pin(async { Ok(()) })
    }

    fn set_quantity(
        &self,
        wave_id: i64,
        was: i64,
        quantity: i64,
    ) -> EngineFuture<'_, Result<QuantitySet, EngineError>> {
        let set = match self.book(wave_id) {
            Ok(book) => {
                let mut b = book.lock();
                if b.stock.quantity != was {
                    QuantitySet::Changed
                } else if quantity < b.fcode_quantity || quantity - b.fcode_quantity < b.taken - b.fcode_taken
                {
                    QuantitySet::BelowTaken
                } else {
                    b.stock.quantity = quantity;
                    QuantitySet::Set
                }
            }
            Err(_) => QuantitySet::Set,
        };
        Box::pin(async move { Ok(set) })
    }

    fn counters(&self, wave_id: i64) -> EngineFuture<'_, Result<StockCounters, EngineError>> {
        let result = self.book(wave_id).map(|book| {
            let b = book.lock();
            StockCounters { quantity: b.stock.quantity, taken: b.taken }
        });
        Box::pin(async move { result })
    }

    fn name(&self) -> &'static str {
        "embedded"
    }
}
