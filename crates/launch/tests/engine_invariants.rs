//! The stock engine invariants with real concurrency, for every engine on every configured
//! database: no oversell, per-fan limits hold, idempotent retries make no duplicates, a
//! refusal changes nothing, and what was acknowledged is in the database.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use canyu_core::Role;
use canyu_core::wave::{Eligibility, WaveRules};
use canyu_launch::embedded::EmbeddedEngine;
use canyu_launch::engine::{OrderRequest, Placement, QuantitySet, StockEngine, WaveStock};
use canyu_launch::hotrow::HotRowEngine;
use canyu_launch::redis_engine::RedisStock;
use canyu_launch::redis_stock::RedisStockEngine;
use canyu_store::testing::{backends, fresh_store};
use canyu_store::{Backend, NewProduct, NewUser, Store};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

const START: i64 = 1_800_000_000_000;

struct World {
    store: Store,
    product: i64,
    fans: Vec<i64>,
}

async fn world(backend: Backend, fans: usize) -> World {
    let (store, _) = fresh_store(backend).await.unwrap();
    store.create_category("phone", "手机", "Phones").await.unwrap();
    let product = store
        .create_product(NewProduct {
            slug: "mi-14",
            name: "Xiaomi 14",
            category_slug: "phone",
            tagline: "",
            created_at: 1,
        })
        .await
        .unwrap()
        .id;
    let handles: Vec<String> = (0..fans).map(|i| format!("buyer{i}")).collect();
    let users: Vec<NewUser> = handles
        .iter()
        .map(|h| NewUser {
            handle: h,
            email: None,
            password_hash: "x",
            role: Role::Fan,
            bio: "",
            created_at: 1,
        })
        .collect();
    let fans = store.create_users_bulk(&users).await.unwrap();
    World { store, product, fans }
}

async fn wave(w: &World, quantity: i64, per_fan_limit: i64) -> WaveStock {
    let rules = WaveRules::parse(
        None,
        quantity,
        "fcfs",
        Some(per_fan_limit),
        START,
        START + 3_600_000,
        Eligibility::Everyone,
        BTreeMap::new(),
    )
    .unwrap();
    let created = w.store.create_wave(w.product, &rules, w.fans[0], 1).await.unwrap();
    WaveStock {
        wave_id: created.id,
        quantity,
        per_fan_limit,
        starts_at_ms: START,
        ends_at_ms: START + 3_600_000,
    }
}

fn request(wave: &WaveStock, fan: i64, key: &str, body: &str) -> OrderRequest {
    OrderRequest {
        wave_id: wave.wave_id,
        fan_id: fan,
        idempotency_key: key.to_string(),
        body_hash: body.to_string(),
        now_ms: START + 1,
        launch: None,
    }
}

/// Every engine under test, on this world's database: the embedded engine, the hot-row
/// baseline, and the Redis engine when `CANYU_TEST_REDIS_URL` is set. Each Redis engine
/// gets its own random key prefix: wave ids restart at 1 in every fresh database, and tests
/// run in parallel.
fn engines(store: &Store) -> Vec<Arc<dyn StockEngine>> {
    // The hot-row engine is the benchmark's baseline: slow, but it must be just as correct.
    let mut engines: Vec<Arc<dyn StockEngine>> =
        vec![EmbeddedEngine::start(store.clone()), HotRowEngine::start(store.clone())];
    match std::env::var("CANYU_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => {
            // Connecting is async and the callers are not: every test here runs on the
            // multi-threaded runtime, where this thread may block.
            let redis = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(RedisStock::connect(&url))
            })
            .expect("connect to CANYU_TEST_REDIS_URL");
            let prefix = format!("canyu-test-{:016x}", rand::random::<u64>());
            let redis = redis.with_prefix(&prefix).expect("prefix");
            engines.push(RedisStockEngine::start(store.clone(), redis));
        }
        _ => eprintln!("note: CANYU_TEST_REDIS_URL is not set; skipping the Redis engine in this test"),
    }
    engines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_thousand_buyers_for_a_thousand_units_sell_exactly_a_thousand() {
    for backend in backends() {
        let w = world(backend, 5_000).await;
        for engine in engines(&w.store) {
            let stock = wave(&w, 1_000, 1).await;
            engine.open_wave(stock.clone()).await.unwrap();
            let tasks: Vec<_> = w
                .fans
                .iter()
                .map(|&fan| {
                    let engine = engine.clone();
                    let req = request(&stock, fan, &format!("k-{fan}"), "buy");
                    tokio::spawn(async move { engine.place(req).await })
                })
                .collect();
            let (mut placed, mut sold_out) = (Vec::new(), 0);
            for t in tasks {
                match t.await.unwrap().unwrap() {
                    Placement::Placed { order, replay: false } => placed.push(order),
                    Placement::SoldOut => sold_out += 1,
                    other => panic!("{}: unexpected {other:?}", engine.name()),
                }
            }
            assert_eq!((placed.len(), sold_out), (1_000, 4_000), "{} on {backend:?}", engine.name());
            // What was acknowledged is exactly what the database holds.
            let stored = w.store.wave_orders(stock.wave_id).await.unwrap();
            let acked: HashSet<i64> = placed.iter().map(|o| o.order_id).collect();
            let in_db: HashSet<i64> = stored.iter().map(|o| o.id).collect();
            assert_eq!(acked, in_db);
            assert_eq!(w.store.wave_order_counts(stock.wave_id).await.unwrap(), (1_000, 1_000));
            let seqs: HashSet<i64> = stored.iter().map(|o| o.seq).collect();
            assert_eq!(seqs.len(), 1_000, "sequence numbers are unique");
            let counters = engine.counters(stock.wave_id).await.unwrap();
            assert_eq!((counters.taken, counters.remaining()), (1_000, 0));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn per_fan_limits_hold_when_each_fan_tries_five_times_at_once() {
    for backend in backends() {
        let w = world(backend, 200).await;
        for engine in engines(&w.store) {
            let stock = wave(&w, 10_000, 2).await;
            engine.open_wave(stock.clone()).await.unwrap();
            let mut tasks = Vec::new();
            for &fan in &w.fans {
                for attempt in 0..5 {
                    let engine = engine.clone();
                    let req = request(&stock, fan, &format!("k-{fan}-{attempt}"), "buy");
                    tasks.push(tokio::spawn(async move { engine.place(req).await }));
                }
            }
            let mut per_fan: HashMap<i64, i64> = HashMap::new();
            for t in tasks {
                match t.await.unwrap().unwrap() {
                    Placement::Placed { order, .. } => *per_fan.entry(order.fan_id).or_default() += 1,
                    Placement::LimitReached => {}
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert!(per_fan.values().all(|&n| n == 2), "{per_fan:?}");
            assert_eq!(per_fan.len(), 200);
            let stored = w.store.wave_orders(stock.wave_id).await.unwrap();
            assert_eq!(stored.len(), 400, "{} on {backend:?}", engine.name());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_of_one_key_make_one_order() {
    for backend in backends() {
        let w = world(backend, 3).await;
        for engine in engines(&w.store) {
            let stock = wave(&w, 10, 3).await;
            engine.open_wave(stock.clone()).await.unwrap();
            let tasks: Vec<_> = (0..20)
                .map(|_| {
                    let engine = engine.clone();
                    let req = request(&stock, w.fans[1], "same-key", "buy one");
                    tokio::spawn(async move { engine.place(req).await })
                })
                .collect();
            let mut ids = HashSet::new();
            let mut fresh = 0;
            for t in tasks {
                match t.await.unwrap().unwrap() {
                    Placement::Placed { order, replay } => {
                        ids.insert(order.order_id);
                        fresh += usize::from(!replay);
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!((ids.len(), fresh), (1, 1), "{} on {backend:?}", engine.name());
            // Same key, another request: refused, nothing taken.
            let reused = engine.place(request(&stock, w.fans[1], "same-key", "buy two")).await.unwrap();
            assert_eq!(reused, Placement::KeyReused);
            // The same key belongs to the fan: another fan may use it.
            let other = engine.place(request(&stock, w.fans[2], "same-key", "buy one")).await.unwrap();
            assert!(matches!(other, Placement::Placed { replay: false, .. }));
            assert_eq!(w.store.wave_orders(stock.wave_id).await.unwrap().len(), 2);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_change_nothing_and_a_reopened_engine_resumes_from_the_database() {
    for backend in backends() {
        let w = world(backend, 4).await;
        let stock = wave(&w, 2, 1).await;
        {
            let engine = EmbeddedEngine::start(w.store.clone());
            engine.open_wave(stock.clone()).await.unwrap();
            let mut early = request(&stock, w.fans[0], "a", "buy");
            early.now_ms = START - 1;
            assert_eq!(engine.place(early).await.unwrap(), Placement::NotStarted);
            let mut late = request(&stock, w.fans[0], "a", "buy");
            late.now_ms = START + 3_600_000;
            assert_eq!(engine.place(late).await.unwrap(), Placement::Ended);
            assert_eq!(engine.counters(stock.wave_id).await.unwrap().taken, 0);
            assert!(matches!(
                engine.place(request(&stock, w.fans[0], "a", "buy")).await.unwrap(),
                Placement::Placed { .. }
            ));
            assert_eq!(
                engine.place(request(&stock, w.fans[0], "b", "buy")).await.unwrap(),
                Placement::LimitReached
            );
        }
        // A new engine (a restart) loads the book: the fan's retry is recognised, the limit
        // still holds, and one unit is left.
        let engine = EmbeddedEngine::start(w.store.clone());
        engine.open_wave(stock.clone()).await.unwrap();
        assert_eq!(engine.counters(stock.wave_id).await.unwrap().taken, 1);
        assert!(matches!(
            engine.place(request(&stock, w.fans[0], "a", "buy")).await.unwrap(),
            Placement::Placed { replay: true, .. }
        ));
        assert_eq!(
            engine.place(request(&stock, w.fans[0], "c", "buy")).await.unwrap(),
            Placement::LimitReached
        );
        assert!(matches!(
            engine.place(request(&stock, w.fans[1], "a", "buy")).await.unwrap(),
            Placement::Placed { .. }
        ));
        assert_eq!(engine.place(request(&stock, w.fans[2], "a", "buy")).await.unwrap(), Placement::SoldOut);
        // A retry after the wave ended still gets its order back.
        let mut after = request(&stock, w.fans[1], "a", "buy");
        after.now_ms = START + 7_200_000;
        assert!(matches!(engine.place(after).await.unwrap(), Placement::Placed { replay: true, .. }));
        assert_eq!(w.store.wave_order_counts(stock.wave_id).await.unwrap(), (2, 2));
    }
}

/// At a drop's start (and after a restart) every buyer finds the wave unopened and opens
/// it, as the web layer does on `UnknownWave`. The embedded engine loads the book once
/// however many arrive together, and the late openers neither lose nor double a unit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn buyers_opening_an_unopened_wave_together_load_it_once() {
    for backend in backends() {
        let w = world(backend, 1_000).await;
        let stock = wave(&w, 600, 1).await;
        // Orders from before a restart, which the book must count.
        let before = EmbeddedEngine::start(w.store.clone());
        before.open_wave(stock.clone()).await.unwrap();
        for &fan in &w.fans[..100] {
            let placed = before.place(request(&stock, fan, "first", "buy")).await.unwrap();
            assert!(matches!(placed, Placement::Placed { replay: false, .. }));
        }
        drop(before);
        let engine = EmbeddedEngine::start(w.store.clone());
        let tasks: Vec<_> = w
            .fans
            .iter()
            .map(|&fan| {
                let engine = engine.clone();
                let stock = stock.clone();
                tokio::spawn(async move {
                    let req = request(&stock, fan, "first", "buy");
                    match engine.place(req.clone()).await {
                        Err(canyu_launch::engine::EngineError::UnknownWave(_)) => {
                            engine.open_wave(stock).await.unwrap();
                            engine.place(req).await
                        }
                        other => other,
                    }
                })
            })
            .collect();
        let (mut fresh, mut replays, mut sold_out) = (0, 0, 0);
        for t in tasks {
            match t.await.unwrap().unwrap() {
                Placement::Placed { replay: false, .. } => fresh += 1,
                Placement::Placed { replay: true, .. } => replays += 1,
                Placement::SoldOut => sold_out += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!((fresh, replays, sold_out), (500, 100, 400), "{backend:?}");
        assert_eq!(engine.loads(), 1, "{backend:?}: the book is loaded once");
        assert_eq!(w.store.wave_order_counts(stock.wave_id).await.unwrap(), (600, 600));
        // Opening it again later reads nothing.
        engine.open_wave(stock.clone()).await.unwrap();
        assert_eq!(engine.loads(), 1);
    }
}

/// Released units go back on sale exactly once: 50 of 100 orders are released (each twice,
/// at once) while 200 more fans buy; 50 of them get a unit, the wave never holds more than
/// its quantity, and an engine opened afresh from the database agrees. Engines that cannot
/// return stock must say so and change nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn released_units_are_sold_again_exactly_once() {
    for backend in backends() {
        let w = world(backend, 300).await;
        for engine in engines(&w.store) {
            let stock = wave(&w, 100, 1).await;
            engine.open_wave(stock.clone()).await.unwrap();
            let mut first = Vec::new();
            for &fan in &w.fans[..100] {
                match engine.place(request(&stock, fan, "first", "buy")).await.unwrap() {
                    Placement::Placed { order, .. } => first.push(order.order_id),
                    other => panic!("{other:?}"),
                }
            }
            let to_release: Vec<_> = {
                let mut orders = Vec::new();
                for &id in &first[..50] {
                    orders.push(w.store.order(id).await.unwrap().unwrap());
                }
                orders
            };
            if let Err(e) = engine.release(&to_release[0], START + 1).await {
                // No release in this engine: refused, and nothing moved.
                assert!(matches!(e, canyu_launch::engine::EngineError::Storage(_)), "{}: {e}", engine.name());
                assert_eq!(w.store.wave_order_counts(stock.wave_id).await.unwrap(), (100, 100));
                eprintln!("note: the {} engine cannot return stock; skipped", engine.name());
                continue;
            }
            let mut tasks = Vec::new();
            for order in to_release.iter().chain(to_release.iter()) {
                let (engine, order) = (engine.clone(), order.clone());
                tasks.push(tokio::spawn(async move {
                    engine.release(&order, START + 2).await.unwrap();
                    None
                }));
            }
            for &fan in &w.fans[100..300] {
                let (engine, req) = (engine.clone(), request(&stock, fan, "second", "buy"));
                tasks.push(tokio::spawn(async move {
                    match engine.place(req).await.unwrap() {
                        Placement::Placed { order, .. } => Some(order.order_id),
                        Placement::SoldOut => None,
                        other => panic!("{other:?}"),
                    }
                }));
            }
            let mut second = 0;
            for t in tasks {
                second += i64::from(t.await.unwrap().is_some());
            }
            // Whatever the interleaving, never more than the released 50 were sold again.
            assert!(second <= 50, "{}: {second} sold again", engine.name());
            let (held, sold) = w.store.wave_order_counts(stock.wave_id).await.unwrap();
            assert_eq!((held, sold), (50 + second, 50 + second), "{} on {backend:?}", engine.name());
            // The units still free are sold now, and then the wave is sold out.
            let mut late = 0;
            for &fan in &w.fans[..50] {
                if let Placement::Placed { .. } =
                    engine.place(request(&stock, fan, "again", "buy")).await.unwrap()
                {
                    late += 1;
                }
            }
            assert_eq!(second + late, 50, "{}: released units are sold again", engine.name());
            assert_eq!(w.store.wave_order_counts(stock.wave_id).await.unwrap(), (100, 100));
            // A retry of a released order's key still answers with that order.
            match engine.place(request(&stock, to_release[0].user_id, "first", "buy")).await.unwrap() {
                Placement::Placed { order, replay: true } => assert_eq!(order.order_id, to_release[0].id),
                other => panic!("{other:?}"),
            }
            // A fresh engine reads the same book from the database.
            let fresh = EmbeddedEngine::start(w.store.clone());
            fresh.open_wave(stock.clone()).await.unwrap();
            assert_eq!(fresh.counters(stock.wave_id).await.unwrap().taken, 100);
        }
    }
}

/// Staff move a wave that has not started, end one early or give it longer: every engine
/// answers by the moved window from the moment `set_window` returns, a buyer's retry of an
/// order placed before still replays it, and moving the window of a wave the engine has not
/// opened is not an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_moved_window_opens_closes_or_extends_the_sale() {
    const HOUR: i64 = 3_600_000;
    for backend in backends() {
        let w = world(backend, 4).await;
        for engine in engines(&w.store) {
            let stock = wave(&w, 10, 1).await;
            engine.set_window(stock.wave_id, START, START + 2 * HOUR).await.expect("an unopened wave");
            engine.open_wave(stock.clone()).await.unwrap();

            // Moved an hour later before it started: not open yet, then open.
            engine.set_window(stock.wave_id, START + HOUR, START + 2 * HOUR).await.unwrap();
            let early = request(&stock, w.fans[3], "a", "buy");
            assert_eq!(engine.place(early).await.unwrap(), Placement::NotStarted, "{}", engine.name());
            let mut first = request(&stock, w.fans[0], "a", "buy");
            first.now_ms = START + HOUR;
            let placed = engine.place(first.clone()).await.unwrap();
            assert!(matches!(placed, Placement::Placed { replay: false, .. }), "{}", engine.name());

            // Longer: past the first end, still on sale.
            engine.set_window(stock.wave_id, START + HOUR, START + 3 * HOUR).await.unwrap();
            let mut later = request(&stock, w.fans[1], "a", "buy");
            later.now_ms = START + 5 * HOUR / 2;
            assert!(
                matches!(engine.place(later).await.unwrap(), Placement::Placed { .. }),
                "{}",
                engine.name()
            );

            // Ended now: nobody else buys, and nothing was taken by the refusal.
            let now = START + 5 * HOUR / 2 + 1;
            engine.set_window(stock.wave_id, START + HOUR, now).await.unwrap();
            let mut refused = request(&stock, w.fans[2], "a", "buy");
            refused.now_ms = now;
            assert_eq!(engine.place(refused).await.unwrap(), Placement::Ended, "{}", engine.name());
            assert_eq!(engine.counters(stock.wave_id).await.unwrap().taken, 2, "{}", engine.name());
            first.now_ms = now + 1;
            assert!(
                matches!(engine.place(first).await.unwrap(), Placement::Placed { replay: true, .. }),
                "{}",
                engine.name()
            );
        }
    }
}

/// Staff add stock to a wave on sale or take back units not sold: a quantity below what was
/// taken is refused and changes nothing, one that fits is sold to exactly; and a cut made
/// while 100 buyers order at once either lands before the wave reaches it (and the wave
/// sells exactly the cut quantity) or is refused (and it sells the old one), never more.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_quantity_is_sold_exactly_even_when_changed_during_the_rush() {
    for backend in backends() {
        let w = world(backend, 150).await;
        for engine in engines(&w.store) {
            let name = engine.name();
            let stock = wave(&w, 100, 1).await;
            let unopened = engine.set_quantity(stock.wave_id, 100, 5).await.expect("an unopened wave");
            assert_eq!(unopened, QuantitySet::Set, "{name}: left alone");
            engine.open_wave(stock.clone()).await.unwrap();
            for &fan in &w.fans[..40] {
                let placed = engine.place(request(&stock, fan, "k", "buy")).await.unwrap();
                assert!(matches!(placed, Placement::Placed { .. }), "{name}: {placed:?}");
            }
            let below = engine.set_quantity(stock.wave_id, 100, 39).await.unwrap();
            assert_eq!(below, QuantitySet::BelowTaken, "{name}: below the 40 taken");
            let stale = engine.set_quantity(stock.wave_id, 90, 80).await.unwrap();
            assert_eq!(stale, QuantitySet::Changed, "{name}: decided on a quantity it no longer has");
            assert_eq!(engine.counters(stock.wave_id).await.unwrap().quantity, 100, "{name}: unchanged");
            assert_eq!(
                engine.set_quantity(stock.wave_id, 100, 40).await.unwrap(),
                QuantitySet::Set,
                "{name}"
            );
            let refused = engine.place(request(&stock, w.fans[40], "k", "buy")).await.unwrap();
            assert_eq!(refused, Placement::SoldOut, "{name}");
            let more = engine.set_quantity(stock.wave_id, 40, 60).await.unwrap();
            assert_eq!(more, QuantitySet::Set, "{name}: more stock");

            let buyers: Vec<_> = w.fans[40..140]
                .iter()
                .map(|&fan| {
                    let engine = engine.clone();
                    let req = request(&stock, fan, "k", "buy");
                    tokio::spawn(async move { engine.place(req).await })
                })
                .collect();
            let cut = {
                let engine = engine.clone();
                tokio::spawn(async move {
                    tokio::task::yield_now().await;
                    engine.set_quantity(stock.wave_id, 60, 50).await
                })
            };
            let mut placed = 40;
            for b in buyers {
                match b.await.unwrap().unwrap() {
                    Placement::Placed { replay: false, .. } => placed += 1,
                    Placement::SoldOut => {}
                    other => panic!("{name}: unexpected {other:?}"),
                }
            }
            let expected = match cut.await.unwrap().unwrap() {
                QuantitySet::Set => 50,
                QuantitySet::BelowTaken => 60,
                QuantitySet::Changed => panic!("{name}: nobody else changed it"),
            };
            assert_eq!(placed, expected, "{name} on {backend:?}");
            let counters = engine.counters(stock.wave_id).await.unwrap();
            assert_eq!((counters.quantity, counters.taken), (expected, expected), "{name}");
            assert_eq!(
                w.store.wave_order_counts(stock.wave_id).await.unwrap(),
                (expected, expected),
                "{name}"
            );
        }
    }
}

/// The F-code lane on every engine that has one (the hot-row baseline refuses F-code
/// orders): 4 of a wave's 10 units are kept for codes. 30 buyers without a code get the 6
/// general units; 12 buyers with 6 codes (each code tried by two fans at once) get exactly
/// the 4 F-code units, no code takes two, and each used code is marked used with its order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_fcode_takes_one_unit_of_the_fcode_lane_and_never_general_stock() {
    for backend in backends() {
        let w = world(backend, 42).await;
        for engine in engines(&w.store) {
            let name = engine.name();
            let rules = WaveRules::parse(
                None,
                10,
                "fcfs",
                Some(1),
                START,
                START + 3_600_000,
                Eligibility::Everyone,
                BTreeMap::new(),
            )
            .unwrap()
            .with_fcode_quantity(4)
            .unwrap();
            let created = w.store.create_wave(w.product, &rules, w.fans[0], 1).await.unwrap();
            let stock = WaveStock {
                wave_id: created.id,
                quantity: 10,
                per_fan_limit: 1,
                starts_at_ms: START,
                ends_at_ms: START + 3_600_000,
            };
            let hashes: Vec<String> = (0..6).map(|i| format!("{name}-{}-code-{i}", created.id)).collect();
            w.store.create_fcode_batch(created.id, &hashes, w.fans[0], 1).await.unwrap();
            let mut codes = Vec::new();
            for h in &hashes {
                codes.push(w.store.fcode_by_hash(h).await.unwrap().expect("code").id);
            }
            engine.open_wave(stock.clone()).await.unwrap();
            if engine.place_fcode(request(&stock, w.fans[41], "probe", "f"), codes[0]).await.is_err() {
                assert_eq!(name, "hotrow", "only the baseline has no F-code lane");
                continue;
            }
            // The probe took a unit with code 0: three F-code units are left.
            let general: Vec<_> = w.fans[..30]
                .iter()
                .map(|&fan| {
                    let engine = engine.clone();
                    let req = request(&stock, fan, "g", "buy");
                    tokio::spawn(async move { engine.place(req).await })
                })
                .collect();
            let with_codes: Vec<_> = (0..12)
                .map(|i| {
                    let (engine, code) = (engine.clone(), codes[i % 6]);
                    let req = request(&stock, w.fans[30 + i % 11], &format!("f{i}"), "f");
                    tokio::spawn(async move { (code, engine.place_fcode(req, code).await) })
                })
                .collect();
            let mut general_placed = 0;
            for t in general {
                match t.await.unwrap().unwrap() {
                    Placement::Placed { .. } => general_placed += 1,
                    Placement::SoldOut => {}
                    other => panic!("{name}: unexpected {other:?}"),
                }
            }
            let mut used = vec![codes[0]];
            for t in with_codes {
                match t.await.unwrap() {
                    (code, Ok(Placement::Placed { replay: false, .. })) => used.push(code),
                    (_, Ok(Placement::SoldOut | Placement::FCodeUsed | Placement::LimitReached)) => {}
                    (_, other) => panic!("{name}: unexpected {other:?}"),
                }
            }
            assert_eq!(general_placed, 6, "{name} on {backend:?}: general buyers never take F-code units");
            assert_eq!(used.len(), 4, "{name} on {backend:?}: {used:?}");
            let distinct: HashSet<i64> = used.iter().copied().collect();
            assert_eq!(distinct.len(), 4, "{name}: a code took two units");
            assert_eq!(w.store.wave_order_counts(stock.wave_id).await.unwrap(), (10, 10), "{name}");
            let marked: HashSet<i64> =
                w.store.used_fcodes(stock.wave_id).await.unwrap().into_iter().collect();
            assert_eq!(marked, distinct, "{name}: the used codes are marked with their orders");
        }
    }
}
