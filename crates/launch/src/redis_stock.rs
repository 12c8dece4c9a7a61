//! The Redis stock engine behind the [`StockEngine`] contract, for several canyu nodes
//! serving one wave. Redis decides who gets a unit (the atomic Lua script of
//! [`RedisStock::place`]); the database holds what was acknowledged.
//!
//! # How an order goes
//!
//! 1. The script checks the idempotency record, the window, the fan's count and the stock,
//!    and on a grant appends the order (`seq`, fan, key, body hash, time, lane) to the wave's
//!    Redis stream. The stream is the log of every grant, of every node.
//! 2. A fresh grant goes to this node's single writer task, which commits whatever queued up
//!    during its previous commit in one transaction ([`Store::insert_orders_if_absent`],
//!    group commit, fsynced), then answers each buyer with the database's order id. `Placed`
//!    is only ever returned for an order that is committed.
//! 3. A retry (the script says the key was granted before) looks the order up in the
//!    database by (wave, fan, key). If this node is committing it, the retry shares that
//!    commit's outcome; if another node is, the lookup is repeated for up to
//!    [`REPLAY_WAIT`]; if the order is still missing then, its node crashed (or its commit
//!    failed) after the grant, and the retrying node persists it from the stream itself
//!    (reconciliation, below) and answers it.
//!
//! # Durability and idempotency across nodes
//!
//! Every writer — each node's writer task, a node reconciling the stream — writes with
//! `INSERT … ON CONFLICT DO NOTHING` on `UNIQUE (wave_id, seq)` and
//! `UNIQUE (wave_id, user_id, idempotency_key)`, and then reads the rows back by `seq`. So
//! the same grant offered by two nodes at once is written exactly once, both see the same
//! order id, and `waves.sold` moves by the rows actually written (it stays the count of the
//! wave's orders). The database can only ever hold orders that are in the stream, and Redis
//! never grants more than `quantity` of them nor more than the per-fan limit to a fan: no
//! oversell, no fan over the limit, whatever crashes.
//!
//! **Reconciliation.** [`StockEngine::open_wave`] creates the wave in Redis if it is not
//! there (idempotent: a node joining a wave on sale changes nothing) and then reads the
//! wave's stream, writing every grant missing from the database. Those are grants whose
//! node died between the script and the commit: the fan never saw them acknowledged, but
//! they hold a unit, so they are **kept** as real orders — the fan finds them under
//! "my orders", and the fan's retry with the same key replays them (`replay: true`). Each
//! engine remembers how far it has reconciled a wave's stream (a cursor), so later passes
//! (on a replay that found nothing) only read new entries.
//!
//! **A failed commit does not give the unit back.** [`EngineError::Storage`] from
//! [`place`](StockEngine::place) means "not acknowledged", not "nothing granted": the grant
//! stays in the stream and is persisted by the fan's retry (same key) or the next
//! reconciliation. Giving the unit back in Redis ([`RedisStock::release`]) would be unsafe:
//! a commit that failed on the client side (connection lost during `COMMIT`) may have landed,
//! and another node reconciling the stream may write the grant at the same moment — either
//! way the database would hold an order whose unit Redis sells again. A grant that was
//! released by other means (a cancelled order) is never reconciled: before writing a missing
//! grant, the reconciler asks Redis whether its unit was released (see [`is_released`]).
//!
//! **Releasing an acknowledged order** (an unpaid hold, a refund, a cancelled scalper):
//! the database marks the order released first, then Redis gives the unit back. If Redis
//! fails in between, the unit stays held (undersold, never oversold) until the next
//! `open_wave`, which gives back in Redis every order the database holds as released.
//!
//! **Redis losing a wave.** If Redis forgot a wave (restarted without persistence, or
//! [`RedisStock::delete_wave`]) while the database holds its orders, re-creating it would
//! sell its stock a second time. `open_wave` therefore refuses (`Storage`) when the wave's
//! last `seq` in Redis is below the number of its orders in the database; the wave must then
//! be restored in Redis by an operator. Run Redis with `appendonly yes` for Redis engine
//! waves.
//!
//! A wave already in Redis keeps its settings: `open_wave` with another quantity or window
//! does not change them (`set_window` and `set_quantity` do, for every node). F-code orders
//! take the wave's F-code lane (`waves.fcode_quantity`, read when the wave is created in
//! Redis); the script keeps the set of codes that took a unit, so a code takes one unit
//! across all nodes, and the stream entry carries the code, so whichever writer commits the
//! order (its node, or a node reconciling the stream) marks the code used in that
//! transaction.

use crate::engine::{
    EngineError, EngineFuture, OrderRequest, PlacedOrder, Placement, QuantitySet, StockCounters, StockEngine,
    WaveStock,
};
use crate::redis_engine::{self, Lane, PlaceOutcome, PlaceRequest, RedisStock, ReleaseOutcome, StreamOrder};
use canyu_store::{LaunchRow, NewOrder, Order, Store};
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// At most this many orders share one commit.
const MAX_BATCH: usize = 2_048;
/// Grants waiting for the writer; beyond this, buyers wait to be queued (back-pressure).
const QUEUE: usize = 65_536;
/// Released orders given back in Redis per script call when a wave opens.
const RELEASE_CHUNK: usize = 500;
/// Stream entries read per reconciliation step.
const RECONCILE_PAGE: usize = 1_000;
/// How long a retry waits for another node to commit the order it replays, before
/// persisting it from the stream itself.
pub const REPLAY_WAIT: Duration = Duration::from_secs(2);

type Outcome = Option<Result<PlacedOrder, String>>;
/// (wave, fan, idempotency key)
type InFlightKey = (i64, i64, String);
type InFlight = Mutex<HashMap<InFlightKey, watch::Receiver<Outcome>>>;

struct Grant {
    order: NewOrder,
    fcode: Option<i64>,
    launch: Option<LaunchRow>,
    done: watch::Sender<Outcome>,
}

/// A wave this engine serves, and how far its stream is known to be in the database.
#[derive(Default)]
struct OpenWave {
    /// The stream id up to which every grant is in the database.
    reconciled: tokio::sync::Mutex<Option<String>>,
    /// Set once this node has opened the wave (its settings in Redis, the loss check, the
    /// stream reconciled, releases finished). The buyers who arrive together at the start
    /// wait for the first opener instead of each reconciling again: one after the other,
    /// each reading what the others' orders had just added to the stream, they kept the
    /// first buyers waiting up to 10 s (seen in bench/drop.sh).
    opened: tokio::sync::OnceCell<()>,
}

pub struct RedisStockEngine {
    store: Store,
    redis: RedisStock,
    waves: Mutex<HashMap<i64, Arc<OpenWave>>>,
    in_flight: Arc<InFlight>,
    grants: mpsc::Sender<Grant>,
}

impl RedisStockEngine {
    /// Starts the engine and its writer task (which ends when the engine is dropped). All
    /// nodes serving a wave must use the same Redis and key prefix and the same database.
    pub fn start(store: Store, redis: RedisStock) -> Arc<RedisStockEngine> {
        let in_flight: Arc<InFlight> = Arc::default();
        let (grants, queue) = mpsc::channel(QUEUE);
        tokio::spawn(write_grants(store.clone(), in_flight.clone(), queue));
        Arc::new(RedisStockEngine { store, redis, waves: Mutex::default(), in_flight, grants })
    }

    /// The Redis handle the engine places orders through.
    pub fn redis(&self) -> &RedisStock {
        &self.redis
    }

    fn wave(&self, wave_id: i64) -> Result<Arc<OpenWave>, EngineError> {
        let wave = self.waves.lock().get(&wave_id).cloned();
        wave.filter(|w| w.opened.initialized()).ok_or(EngineError::UnknownWave(wave_id))
    }

    /// Opens the wave on this node once; later calls (and callers waiting on the first)
    /// return when it is open. A failed opening is tried again by the next call.
    async fn open(&self, stock: WaveStock) -> Result<(), EngineError> {
        let wave = self.waves.lock().entry(stock.wave_id).or_default().clone();
        wave.opened.get_or_try_init(|| self.open_once(stock, &wave)).await?;
        Ok(())
    }

    async fn open_once(&self, stock: WaveStock, wave: &OpenWave) -> Result<(), EngineError> {
        let wave_id = stock.wave_id;
        let quantity = u64::try_from(stock.quantity).map_err(|_| invalid("a negative quantity"))?;
        let fcode_quantity =
            self.store.wave(wave_id).await.map_err(store_err)?.map_or(0, |w| w.rules.fcode_quantity);
        let settings = redis_engine::WaveStock {
            wave_id,
            quantity,
            fcode_quantity: u64::try_from(fcode_quantity).unwrap_or(0).min(quantity),
            per_fan_limit: u32::try_from(stock.per_fan_limit)
                .map_err(|_| invalid("a per-fan limit out of range"))?,
            starts_at_ms: stock.starts_at_ms,
            ends_at_ms: stock.ends_at_ms,
        };
        self.redis.open_wave(&settings).await.map_err(redis_err)?;
        // The database first: every order there was numbered in Redis before it was written,
        // and Redis's count only grows, so read in this order the count there is never below
        // the rows here unless Redis lost them. Read the other way round, orders placed
        // through a concurrent opener between the two reads looked like a loss (seen at the
        // start of a drop: 503s for a few hundred buyers).
        let (orders, _) = self.store.wave_order_counts(wave_id).await.map_err(store_err)?;
        let placed = self.redis.counters(wave_id).await.map_err(redis_err)?.placed;
        if i64::try_from(placed).unwrap_or(i64::MAX) < orders {
            return Err(EngineError::Storage(format!(
                "redis has lost wave {wave_id}: its last order number there is {placed}, the database \
                 holds {orders} orders; restore the wave in redis before selling it again"
            )));
        }
        let written = self.reconcile(wave_id, wave).await?;
        if written > 0 {
            tracing::warn!(wave_id, orders = written, "reconciled granted orders missing from the database");
        }
        // A release whose Redis half failed (the database let go, Redis still held the
        // unit) is finished here; releasing twice in Redis changes nothing.
        // In chunks: a few round trips however many holds expired in the wave.
        let released: Vec<(u64, i64)> = self
            .store
            .released_orders(wave_id)
            .await
            .map_err(store_err)?
            .iter()
            .map(|o| (u64::try_from(o.seq).unwrap_or(0), o.user_id))
            .collect();
        for chunk in released.chunks(RELEASE_CHUNK) {
            let given_back = self.redis.release_many(wave_id, chunk).await.map_err(redis_err)?;
            if given_back > 0 {
                tracing::warn!(
                    wave_id,
                    orders = given_back,
                    "gave back in redis the units of orders released before"
                );
            }
        }
        Ok(())
    }

    /// Writes every grant of the wave's stream that the database is missing (past this
    /// engine's cursor), and returns how many were written.
    async fn reconcile(&self, wave_id: i64, wave: &OpenWave) -> Result<u64, EngineError> {
        let mut cursor = wave.reconciled.lock().await;
        let mut written = 0;
        loop {
            let page = self
                .redis
                .read_orders(wave_id, cursor.as_deref(), RECONCILE_PAGE)
                .await
                .map_err(redis_err)?;
            let Some(last) = page.last() else { break };
            let last = last.stream_id.clone();
            let seqs: Vec<i64> = page.iter().map(|o| seq_of(o.seq)).collect();
            let present: HashSet<i64> = self
                .store
                .wave_orders_with_seqs(wave_id, &seqs)
                .await
                .map_err(store_err)?
                .into_iter()
                .map(|o| o.seq)
                .collect();
            let (mut missing, mut fcodes, mut launches) = (Vec::new(), Vec::new(), Vec::new());
            for o in page.into_iter().filter(|o| !present.contains(&seq_of(o.seq))) {
                if !is_released(&self.redis, wave_id, o.seq).await? {
                    fcodes.push(o.fcode_id);
                    launches.push(match &o.launch {
                        None => None,
                        Some(text) => Some(LaunchRow::from_json(text).ok_or_else(|| {
                            EngineError::Storage(format!(
                                "wave {wave_id}: order {} has unreadable launch terms",
                                o.seq
                            ))
                        })?),
                    });
                    missing.push(new_order(wave_id, o));
                }
            }
            written +=
                self.store.insert_orders_if_absent(&missing, &fcodes, &launches).await.map_err(store_err)?;
            *cursor = Some(last);
        }
        Ok(written)
    }

    async fn take(&self, req: OrderRequest, fcode: Option<i64>) -> Result<Placement, EngineError> {
        let wave = self.wave(req.wave_id)?;
        let outcome = self
            .redis
            .place(&PlaceRequest {
                wave_id: req.wave_id,
                fan_id: req.fan_id,
                idempotency_key: req.idempotency_key.clone(),
                body_hash: req.body_hash.clone(),
                now_ms: req.now_ms,
                fcode_id: fcode,
                launch: req.launch.as_ref().map(LaunchRow::to_json),
            })
            .await
            .map_err(redis_err)?;
        let seq = match outcome {
            PlaceOutcome::Placed { seq, replay: true } => return self.replay(&req, &wave, seq_of(seq)).await,
            PlaceOutcome::Placed { seq, replay: false } => seq_of(seq),
            PlaceOutcome::SoldOut => return Ok(Placement::SoldOut),
            PlaceOutcome::LimitReached => return Ok(Placement::LimitReached),
            PlaceOutcome::KeyReused => return Ok(Placement::KeyReused),
            PlaceOutcome::NotOpen => return Ok(Placement::NotStarted),
            PlaceOutcome::Closed => return Ok(Placement::Ended),
            PlaceOutcome::FCodeUsed => return Ok(Placement::FCodeUsed),
        };
        let (done, rx) = watch::channel(None);
        let key = (req.wave_id, req.fan_id, req.idempotency_key.clone());
        self.in_flight.lock().insert(key.clone(), rx.clone());
        let order = NewOrder {
            wave_id: req.wave_id,
            user_id: req.fan_id,
            seq,
            lane: if fcode.is_some() { "fcode" } else { "general" },
            idempotency_key: req.idempotency_key,
            body_hash: req.body_hash,
            created_at: req.now_ms,
        };
        if self.grants.send(Grant { order, fcode, launch: req.launch, done }).await.is_err() {
            // The grant stays in the stream: the fan's retry or the next start persists it.
            self.in_flight.lock().remove(&key);
            return Err(EngineError::Stopped);
        }
        wait(rx).await.map(|order| Placement::Placed { order, replay: false })
    }

    /// The order a retry refers to: shared from this node's commit in flight, found in the
    /// database (perhaps after another node's commit landed), or persisted from the stream.
    async fn replay(&self, req: &OrderRequest, wave: &OpenWave, seq: i64) -> Result<Placement, EngineError> {
        let key = (req.wave_id, req.fan_id, req.idempotency_key.clone());
        let deadline = tokio::time::Instant::now() + REPLAY_WAIT;
        let mut pause = Duration::from_millis(5);
        loop {
            let pending = self.in_flight.lock().get(&key).cloned();
            if let Some(done) = pending {
                match wait(done.clone()).await {
                    Ok(order) => return Ok(Placement::Placed { order, replay: true }),
                    // The request that took the grant was dropped before its commit was
                    // queued: forget it, the order is then persisted from the stream below.
                    Err(EngineError::Stopped) => {
                        let mut in_flight = self.in_flight.lock();
                        if in_flight.get(&key).is_some_and(|d| d.same_channel(&done)) {
                            in_flight.remove(&key);
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            if let Some(order) = self.committed(req, seq).await? {
                return Ok(Placement::Placed { order, replay: true });
            }
            if tokio::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(100));
        }
        // No node committed it in time: its node is gone or its commit failed.
        self.reconcile(req.wave_id, wave).await?;
        match self.committed(req, seq).await? {
            Some(order) => Ok(Placement::Placed { order, replay: true }),
            None => Err(EngineError::Storage(format!(
                "order {seq} of wave {} was granted in redis but is neither in the database nor in \
                 the wave's stream",
                req.wave_id
            ))),
        }
    }

    async fn committed(&self, req: &OrderRequest, seq: i64) -> Result<Option<PlacedOrder>, EngineError> {
        let found = self
            .store
            .order_by_idempotency_key(req.wave_id, req.fan_id, &req.idempotency_key)
            .await
            .map_err(store_err)?;
        match found {
            Some(o) if o.seq != seq => Err(EngineError::Storage(format!(
                "wave {}: redis granted this key order {seq}, the database holds it as order {}",
                req.wave_id, o.seq
            ))),
            Some(o) => Ok(Some(placed(&o))),
            None => Ok(None),
        }
    }
}

/// Whether the unit of order `seq` was given back in Redis. Asked through
/// [`RedisStock::release`] on behalf of fan `-1`, which owns no order: the release script
/// reports an order released before it compares owners, and changes nothing for a
/// non-owner, so this only reads.
async fn is_released(redis: &RedisStock, wave_id: i64, seq: u64) -> Result<bool, EngineError> {
    Ok(redis.release(wave_id, -1, seq).await.map_err(redis_err)? == ReleaseOutcome::AlreadyReleased)
}

fn seq_of(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

fn new_order(wave_id: i64, o: StreamOrder) -> NewOrder {
    NewOrder {
        wave_id,
        user_id: o.fan_id,
        seq: seq_of(o.seq),
        lane: match o.lane {
            Lane::General => "general",
            Lane::FCode => "fcode",
        },
        idempotency_key: o.idempotency_key,
        body_hash: o.body_hash,
        created_at: o.at_ms,
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

fn redis_err(e: redis_engine::RedisEngineError) -> EngineError {
    match e {
        redis_engine::RedisEngineError::UnknownWave(id) => EngineError::UnknownWave(id),
        e => EngineError::Storage(e.to_string()),
    }
}

fn store_err(e: canyu_store::StoreError) -> EngineError {
    EngineError::Storage(e.to_string())
}

fn invalid(what: &str) -> EngineError {
    EngineError::Storage(format!("invalid wave: {what}"))
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
/// transaction, reads the rows back (another node may have written some of them first),
/// then answers their buyers.
async fn write_grants(store: Store, in_flight: Arc<InFlight>, mut queue: mpsc::Receiver<Grant>) {
    let mut batch: Vec<Grant> = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let orders: Vec<NewOrder> = batch.iter().map(|g| g.order.clone()).collect();
        let fcodes: Vec<Option<i64>> = batch.iter().map(|g| g.fcode).collect();
        let launches: Vec<Option<LaunchRow>> = batch.iter().map(|g| g.launch.clone()).collect();
        let result = commit(&store, &orders, &fcodes, &launches).await;
        if let Err(e) = &result {
            tracing::error!(error = %e, orders = batch.len(), "order batch failed; the grants stay in redis");
        }
        for grant in batch.drain(..) {
            let o = &grant.order;
            let outcome = match &result {
                Ok(rows) => match rows.get(&(o.wave_id, o.seq)) {
                    Some(row) if row.user_id == o.user_id && row.idempotency_key == o.idempotency_key => {
                        Ok(placed(row))
                    }
                    Some(_) => Err(format!(
                        "wave {}: order {} in the database belongs to another request",
                        o.wave_id, o.seq
                    )),
                    None => Err(format!("wave {}: order {} was not written", o.wave_id, o.seq)),
                },
                Err(e) => Err(e.to_string()),
            };
            in_flight.lock().remove(&(o.wave_id, o.user_id, o.idempotency_key.clone()));
            let _ = grant.done.send(Some(outcome));
        }
    }
}

/// Writes a batch (skipping orders already written) and returns its rows by (wave, seq).
async fn commit(
    store: &Store,
    orders: &[NewOrder],
    fcodes: &[Option<i64>],
    launches: &[Option<LaunchRow>],
) -> Result<HashMap<(i64, i64), Order>, canyu_store::StoreError> {
    store.insert_orders_if_absent(orders, fcodes, launches).await?;
    let mut per_wave: HashMap<i64, Vec<i64>> = HashMap::new();
    for o in orders {
        per_wave.entry(o.wave_id).or_default().push(o.seq);
    }
    let mut rows = HashMap::with_capacity(orders.len());
    for (wave_id, seqs) in per_wave {
        for row in store.wave_orders_with_seqs(wave_id, &seqs).await? {
            rows.insert((row.wave_id, row.seq), row);
        }
    }
    Ok(rows)
}

impl StockEngine for RedisStockEngine {
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
        let (order_id, wave_id, fan_id) = (order.id, order.wave_id, order.user_id);
        let seq = u64::try_from(order.seq).unwrap_or(0);
        Box::pin(async move {
            // The database lets go first: Redis may sell the unit again only once no count
            // there holds it. If Redis then fails, the unit stays held (never oversold) until
            // the next `open_wave` gives it back.
            if self.store.release_order(order_id, now_ms).await.map_err(store_err)?.is_none() {
                return Ok(false);
            }
            match self.redis.release(wave_id, fan_id, seq).await.map_err(redis_err)? {
                ReleaseOutcome::Released | ReleaseOutcome::AlreadyReleased => Ok(true),
                other => Err(EngineError::Storage(format!(
                    "wave {wave_id}: order {seq} released in the database, redis answered {other:?}"
                ))),
            }
        })
    }

    fn set_window(
        &self,
        wave_id: i64,
        starts_at_ms: i64,
        ends_at_ms: i64,
    ) -> EngineFuture<'_, Result<(), EngineError>> {
        // Redis holds the window every node reads, whether or not this node opened the wave.
        Box::pin(async move {
            self.redis.set_window(wave_id, starts_at_ms, ends_at_ms).await.map(drop).map_err(redis_err)
        })
    }

    fn set_quantity(
        &self,
        wave_id: i64,
        was: i64,
        quantity: i64,
    ) -> EngineFuture<'_, Result<QuantitySet, EngineError>> {
        // Like the window, the quantity every node sells from lives in Redis.
        Box::pin(async move {
            let unsigned =
                |n: i64| u64::try_from(n).map_err(|_| EngineError::Storage("negative quantity".into()));
            let answer = self
                .redis
                .set_quantity(wave_id, unsigned(was)?, unsigned(quantity)?)
                .await
                .map_err(redis_err)?;
            Ok(match answer {
                1 | -1 => QuantitySet::Set,
                0 => QuantitySet::BelowTaken,
                _ => QuantitySet::Changed,
            })
        })
    }

    fn counters(&self, wave_id: i64) -> EngineFuture<'_, Result<StockCounters, EngineError>> {
        Box::pin(async move {
            self.wave(wave_id)?;
            let c = self.redis.counters(wave_id).await.map_err(redis_err)?;
            Ok(StockCounters { quantity: seq_of(c.quantity), taken: seq_of(c.sold) })
        })
    }

    fn name(&self) -> &'static str {
        "redis"
    }
}
