//! The Redis stock engine ([`RedisStockEngine`]) beyond the shared invariant suite: several
//! nodes selling one wave, a node that crashed between the grant and the commit, restarts,
//! and Redis forgetting a wave. Needs `CANYU_TEST_REDIS_URL` (these tests say they skip
//! without it) and runs on every database of `backends()`. Each test uses its own random
//! key prefix, so tests run in parallel.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_core::Role;
use canyu_core::wave::{Eligibility, WaveRules};
use canyu_launch::engine::{EngineError, OrderRequest, Placement, StockEngine, WaveStock};
use canyu_launch::redis_engine::{self, PlaceOutcome, PlaceRequest, RedisStock, ReleaseOutcome};
use canyu_launch::redis_stock::RedisStockEngine;
use canyu_store::testing::{backends, fresh_store};
use canyu_store::{Backend, NewProduct, NewUser, Store};
use common::{random_prefix, redis_url};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

const START: i64 = 1_800_000_000_000;
const END: i64 = START + 3_600_000;

/// A connection under a fresh random prefix; pass the prefix to [`node`] for more nodes.
async fn redis(url: &str, prefix: &str) -> RedisStock {
    RedisStock::connect(url).await.expect("connect to redis").with_prefix(prefix).expect("prefix")
}

/// One canyu node: its own engine and Redis connection, the shared prefix and database.
async fn node(url: &str, prefix: &str, store: &Store) -> Arc<RedisStockEngine> {
    RedisStockEngine::start(store.clone(), redis(url, prefix).await)
}

struct World {
    store: Store,
    fans: Vec<i64>,
    stock: WaveStock,
}

async fn world(backend: Backend, fans: usize, quantity: i64, per_fan_limit: i64) -> World {
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
    let rules = WaveRules::parse(
        None,
        quantity,
        "fcfs",
        Some(per_fan_limit),
        START,
        END,
        Eligibility::Everyone,
        BTreeMap::new(),
    )
    .unwrap();
    let wave = store.create_wave(product, &rules, fans[0], 1).await.unwrap();
    let stock = WaveStock { wave_id: wave.id, quantity, per_fan_limit, starts_at_ms: START, ends_at_ms: END };
    World { store, fans, stock }
}

fn request(stock: &WaveStock, fan: i64, key: &str, body: &str) -> OrderRequest {
    OrderRequest {
        wave_id: stock.wave_id,
        fan_id: fan,
        idempotency_key: key.to_string(),
        body_hash: body.to_string(),
        now_ms: START + 1,
        launch: None,
    }
}

/// The script alone, as a node runs it just before dying: a grant with no database write.
async fn grant_without_commit(redis: &RedisStock, stock: &WaveStock, fan: i64, key: &str, body: &str) -> u64 {
    let outcome = redis
        .place(&PlaceRequest {
            wave_id: stock.wave_id,
            fan_id: fan,
            idempotency_key: key.to_string(),
            body_hash: body.to_string(),
            now_ms: START + 1,
            fcode_id: None,
            launch: None,
        })
        .await
        .unwrap();
    match outcome {
        PlaceOutcome::Placed { seq, replay: false } => seq,
        other => panic!("unexpected {other:?}"),
    }
}

fn redis_wave(stock: &WaveStock) -> redis_engine::WaveStock {
    redis_engine::WaveStock {
        wave_id: stock.wave_id,
        quantity: stock.quantity as u64,
        fcode_quantity: 0,
        per_fan_limit: stock.per_fan_limit as u32,
        starts_at_ms: stock.starts_at_ms,
        ends_at_ms: stock.ends_at_ms,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_whose_node_died_before_the_commit_is_reconciled_at_open_and_replayed() {
    let Some(url) = redis_url() else { return };
    for backend in backends() {
        let w = world(backend, 3, 5, 1).await;
        let prefix = random_prefix();
        // The first node opened the wave, granted fan 1's order in Redis, and died.
        let first = redis(&url, &prefix).await;
        first.open_wave(&redis_wave(&w.stock)).await.unwrap();
        let seq = grant_without_commit(&first, &w.stock, w.fans[1], "k-1", "buy").await;
        assert_eq!(w.store.wave_order_counts(w.stock.wave_id).await.unwrap(), (0, 0));

        // A node starting on the wave writes the grant to the database.
        let engine = node(&url, &prefix, &w.store).await;
        engine.open_wave(w.stock.clone()).await.unwrap();
        let stored = w.store.wave_orders(w.stock.wave_id).await.unwrap();
        assert_eq!(stored.len(), 1, "on {backend:?}");
        let o = &stored[0];
        assert_eq!(
            (o.user_id, o.seq, o.idempotency_key.as_str(), o.body_hash.as_str()),
            (w.fans[1], seq as i64, "k-1", "buy")
        );
        assert_eq!((o.lane.as_str(), o.created_at), ("general", START + 1));
        assert_eq!(w.store.wave_order_counts(w.stock.wave_id).await.unwrap(), (1, 1));

        // Opening again (or on another node) writes nothing twice.
        engine.open_wave(w.stock.clone()).await.unwrap();
        node(&url, &prefix, &w.store).await.open_wave(w.stock.clone()).await.unwrap();
        assert_eq!(w.store.wave_order_counts(w.stock.wave_id).await.unwrap(), (1, 1));

        // The fan's retry gets that order back; the limit counts it; another body is refused.
        match engine.place(request(&w.stock, w.fans[1], "k-1", "buy")).await.unwrap() {
            Placement::Placed { order, replay: true } => {
                assert_eq!((order.order_id, order.seq, order.fan_id), (o.id, o.seq, w.fans[1]))
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            engine.place(request(&w.stock, w.fans[1], "k-2", "buy")).await.unwrap(),
            Placement::LimitReached
        );
        assert_eq!(
            engine.place(request(&w.stock, w.fans[1], "k-1", "other")).await.unwrap(),
            Placement::KeyReused
        );
        assert_eq!(engine.counters(w.stock.wave_id).await.unwrap().taken, 1);
        first.delete_wave(w.stock.wave_id).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_whose_grant_no_node_committed_is_persisted_by_the_retrying_node() {
    let Some(url) = redis_url() else { return };
    for backend in backends() {
        let w = world(backend, 2, 5, 1).await;
        let prefix = random_prefix();
        let engine = node(&url, &prefix, &w.store).await;
        engine.open_wave(w.stock.clone()).await.unwrap();
        // Another node granted this order after our open, then died before its commit.
        let seq = grant_without_commit(engine.redis(), &w.stock, w.fans[1], "k", "buy").await;
        let started = std::time::Instant::now();
        match engine.place(request(&w.stock, w.fans[1], "k", "buy")).await.unwrap() {
            Placement::Placed { order, replay: true } => assert_eq!(order.seq, seq as i64),
            other => panic!("unexpected {other:?}"),
        }
        // It first gave the other node time to commit.
        assert!(started.elapsed() >= canyu_launch::redis_stock::REPLAY_WAIT);
        assert_eq!(w.store.wave_order_counts(w.stock.wave_id).await.unwrap(), (1, 1), "on {backend:?}");
        // From now on a retry is answered from the database at once.
        let started = std::time::Instant::now();
        assert!(matches!(
            engine.place(request(&w.stock, w.fans[1], "k", "buy")).await.unwrap(),
            Placement::Placed { replay: true, .. }
        ));
        assert!(started.elapsed() < canyu_launch::redis_stock::REPLAY_WAIT);
        engine.redis().delete_wave(w.stock.wave_id).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_released_grant_is_not_reconciled() {
    let Some(url) = redis_url() else { return };
    for backend in backends() {
        let w = world(backend, 3, 5, 1).await;
        let prefix = random_prefix();
        let first = redis(&url, &prefix).await;
        first.open_wave(&redis_wave(&w.stock)).await.unwrap();
        let kept = grant_without_commit(&first, &w.stock, w.fans[1], "a", "buy").await;
        let given_back = grant_without_commit(&first, &w.stock, w.fans[2], "b", "buy").await;
        assert_eq!(
            first.release(w.stock.wave_id, w.fans[2], given_back).await.unwrap(),
            ReleaseOutcome::Released
        );
        let engine = node(&url, &prefix, &w.store).await;
        engine.open_wave(w.stock.clone()).await.unwrap();
        let seqs: Vec<i64> =
            w.store.wave_orders(w.stock.wave_id).await.unwrap().iter().map(|o| o.seq).collect();
        assert_eq!(seqs, vec![kept as i64], "on {backend:?}");
        // Asking Redis whether a unit was released changed nothing.
        let counters = first.counters(w.stock.wave_id).await.unwrap();
        assert_eq!((counters.sold, counters.placed), (1, 2));
        first.delete_wave(w.stock.wave_id).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_nodes_sell_one_wave_exactly_and_retries_across_nodes_make_no_duplicates() {
    let Some(url) = redis_url() else { return };
    for backend in backends() {
        let w = world(backend, 1_500, 500, 1).await;
        let prefix = random_prefix();
        let mut nodes = Vec::new();
        for _ in 0..3 {
            let n = node(&url, &prefix, &w.store).await;
            n.open_wave(w.stock.clone()).await.unwrap();
            nodes.push(n);
        }
        // Every fan sends the same request twice, to two different nodes, at once.
        let mut tasks = Vec::new();
        for (i, &fan) in w.fans.iter().enumerate() {
            for copy in 0..2 {
                let engine = nodes[(i + copy) % nodes.len()].clone();
                let req = request(&w.stock, fan, &format!("k-{fan}"), "buy");
                tasks.push(tokio::spawn(async move { engine.place(req).await }));
            }
        }
        let mut per_fan: HashMap<i64, HashSet<i64>> = HashMap::new();
        let (mut fresh, mut sold_out) = (0, 0);
        for t in tasks {
            match t.await.unwrap().unwrap() {
                Placement::Placed { order, replay } => {
                    per_fan.entry(order.fan_id).or_default().insert(order.order_id);
                    fresh += usize::from(!replay);
                }
                Placement::SoldOut => sold_out += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(fresh, 500, "on {backend:?}");
        assert_eq!(per_fan.len(), 500);
        assert!(per_fan.values().all(|ids| ids.len() == 1), "a fan's two requests got one order");
        assert_eq!(sold_out, 2 * 1_500 - 2 * 500);
        let acked: HashSet<i64> = per_fan.values().flatten().copied().collect();
        let stored: HashSet<i64> =
            w.store.wave_orders(w.stock.wave_id).await.unwrap().iter().map(|o| o.id).collect();
        assert_eq!(acked, stored);
        assert_eq!(w.store.wave_order_counts(w.stock.wave_id).await.unwrap(), (500, 500));
        for n in &nodes {
            let c = n.counters(w.stock.wave_id).await.unwrap();
            assert_eq!((c.taken, c.remaining()), (500, 0));
        }
        nodes[0].redis().delete_wave(w.stock.wave_id).await.unwrap();
    }
}

/// What the order endpoint does: place, and on an unknown wave open it and place again. At
/// the start of a drop hundreds of buyers do this at once on every node, so openers race
/// each other and the first orders' commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buyers_who_open_the_wave_at_once_are_all_served() {
    let Some(url) = redis_url() else { return };
    for backend in backends() {
        let w = world(backend, 600, 200, 1).await;
        let prefix = random_prefix();
        let nodes = [node(&url, &prefix, &w.store).await, node(&url, &prefix, &w.store).await];
        let mut tasks = Vec::new();
        for (i, &fan) in w.fans.iter().enumerate() {
            let engine = nodes[i % 2].clone();
            let (stock, req) = (w.stock.clone(), request(&w.stock, fan, &format!("k-{fan}"), "buy"));
            tasks.push(tokio::spawn(async move {
                match engine.place(req.clone()).await {
                    Err(EngineError::UnknownWave(_)) => {
                        engine.open_wave(stock).await?;
                        engine.place(req).await
                    }
                    other => other,
                }
            }));
        }
        let (mut placed, mut sold_out) = (0, 0);
        for t in tasks {
            match t.await.unwrap() {
                Ok(Placement::Placed { .. }) => placed += 1,
                Ok(Placement::SoldOut) => sold_out += 1,
                other => panic!("on {backend:?}: {other:?}"),
            }
        }
        assert_eq!((placed, sold_out), (200, 400), "on {backend:?}");
        assert_eq!(w.store.wave_order_counts(w.stock.wave_id).await.unwrap(), (200, 200));
        nodes[0].redis().delete_wave(w.stock.wave_id).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_change_nothing_and_a_restarted_node_resumes_from_redis_and_the_database() {
    let Some(url) = redis_url() else { return };
    for backend in backends() {
        let w = world(backend, 4, 2, 1).await;
        let stock = &w.stock;
        let prefix = random_prefix();
        {
            let engine = node(&url, &prefix, &w.store).await;
            assert!(matches!(
                engine.place(request(stock, w.fans[0], "a", "buy")).await,
                Err(EngineError::UnknownWave(_))
            ));
            engine.open_wave(stock.clone()).await.unwrap();
            let mut early = request(stock, w.fans[0], "a", "buy");
            early.now_ms = START - 1;
            assert_eq!(engine.place(early).await.unwrap(), Placement::NotStarted);
            let mut late = request(stock, w.fans[0], "a", "buy");
            late.now_ms = END;
            assert_eq!(engine.place(late).await.unwrap(), Placement::Ended);
            assert_eq!(engine.counters(stock.wave_id).await.unwrap().taken, 0);
            assert!(matches!(
                engine.place(request(stock, w.fans[0], "a", "buy")).await.unwrap(),
                Placement::Placed { replay: false, .. }
            ));
            assert_eq!(
                engine.place(request(stock, w.fans[0], "b", "buy")).await.unwrap(),
                Placement::LimitReached
            );
        }
        let engine = node(&url, &prefix, &w.store).await;
        engine.open_wave(stock.clone()).await.unwrap();
        assert_eq!(engine.counters(stock.wave_id).await.unwrap().taken, 1);
        assert!(matches!(
            engine.place(request(stock, w.fans[0], "a", "buy")).await.unwrap(),
            Placement::Placed { replay: true, .. }
        ));
        assert_eq!(
            engine.place(request(stock, w.fans[0], "c", "buy")).await.unwrap(),
            Placement::LimitReached
        );
        assert!(matches!(
            engine.place(request(stock, w.fans[1], "a", "buy")).await.unwrap(),
            Placement::Placed { replay: false, .. }
        ));
        assert_eq!(engine.place(request(stock, w.fans[2], "a", "buy")).await.unwrap(), Placement::SoldOut);
        // A retry after the wave ended still gets its order back.
        let mut after = request(stock, w.fans[1], "a", "buy");
        after.now_ms = END + 3_600_000;
        assert!(matches!(engine.place(after).await.unwrap(), Placement::Placed { replay: true, .. }));
        assert_eq!(w.store.wave_order_counts(stock.wave_id).await.unwrap(), (2, 2), "on {backend:?}");
        engine.redis().delete_wave(stock.wave_id).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wave_redis_forgot_is_not_sold_again() {
    let Some(url) = redis_url() else { return };
    for backend in backends() {
        let w = world(backend, 3, 2, 1).await;
        let prefix = random_prefix();
        let engine = node(&url, &prefix, &w.store).await;
        engine.open_wave(w.stock.clone()).await.unwrap();
        assert!(matches!(
            engine.place(request(&w.stock, w.fans[1], "a", "buy")).await.unwrap(),
            Placement::Placed { .. }
        ));
        // Redis restarted without persistence: the wave's keys are gone.
        engine.redis().delete_wave(w.stock.wave_id).await.unwrap();
        let restarted = node(&url, &prefix, &w.store).await;
        let refused = restarted.open_wave(w.stock.clone()).await;
        assert!(matches!(refused, Err(EngineError::Storage(ref e)) if e.contains("lost")), "{refused:?}");
        assert_eq!(w.store.wave_order_counts(w.stock.wave_id).await.unwrap(), (1, 1), "on {backend:?}");
        restarted.redis().delete_wave(w.stock.wave_id).await.unwrap();
    }
}

#[tokio::test]
async fn store_writes_offered_orders_once_and_keeps_sold_equal_to_the_orders() {
    for backend in backends() {
        let w = world(backend, 3, 10, 2).await;
        let order = |fan: i64, seq: i64, key: &str| canyu_store::NewOrder {
            wave_id: w.stock.wave_id,
            user_id: fan,
            seq,
            lane: "general",
            idempotency_key: key.to_string(),
            body_hash: "h".to_string(),
            created_at: START,
        };
        let first = [order(w.fans[0], 1, "a"), order(w.fans[1], 2, "a")];
        assert_eq!(w.store.insert_orders_if_absent(&first, &[], &[]).await.unwrap(), 2);
        // Offered again with a new one, and with one clashing on the idempotency key only
        // and one on the seq only: only the new one is written.
        let again = [
            order(w.fans[1], 2, "a"),
            order(w.fans[2], 3, "a"),
            order(w.fans[0], 4, "a"),
            order(w.fans[2], 1, "b"),
            order(w.fans[2], 3, "a"),
        ];
        assert_eq!(w.store.insert_orders_if_absent(&again, &[], &[]).await.unwrap(), 1, "on {backend:?}");
        assert_eq!(w.store.insert_orders_if_absent(&[], &[], &[]).await.unwrap(), 0);
        assert_eq!(w.store.wave_order_counts(w.stock.wave_id).await.unwrap(), (3, 3));
        let found = w.store.wave_orders_with_seqs(w.stock.wave_id, &[3, 1, 9]).await.unwrap();
        assert_eq!(
            found.iter().map(|o| (o.seq, o.user_id)).collect::<Vec<_>>(),
            vec![(1, w.fans[0]), (3, w.fans[2])]
        );
        let by_key = w.store.order_by_idempotency_key(w.stock.wave_id, w.fans[2], "a").await.unwrap();
        assert_eq!(by_key.map(|o| o.seq), Some(3));
        assert!(w.store.order_by_idempotency_key(w.stock.wave_id, w.fans[2], "b").await.unwrap().is_none());
    }
}

/// An F-code order granted in Redis by a node that died before its commit is written by the
/// node that reconciles the stream, with its code marked used in the same transaction; the
/// code stays spent in Redis for every node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconciled_fcode_order_marks_its_code_used() {
    let Some(url) = redis_url() else { return };
    for backend in backends() {
        let w = world(backend, 3, 5, 1).await;
        let product = w.store.product_by_slug("mi-14").await.unwrap().expect("product").id;
        let rules =
            WaveRules::parse(None, 5, "fcfs", Some(1), START, END, Eligibility::Everyone, BTreeMap::new())
                .unwrap()
                .with_fcode_quantity(2)
                .unwrap();
        let wave = w.store.create_wave(product, &rules, w.fans[0], 1).await.unwrap();
        let stock = WaveStock { wave_id: wave.id, ..w.stock.clone() };
        w.store.create_fcode_batch(wave.id, &["code-1".to_string()], w.fans[0], 1).await.unwrap();
        let code = w.store.fcode_by_hash("code-1").await.unwrap().expect("code").id;
        let prefix = random_prefix();
        let first = redis(&url, &prefix).await;
        first.open_wave(&redis_engine::WaveStock { fcode_quantity: 2, ..redis_wave(&stock) }).await.unwrap();
        let granted = first
            .place(&PlaceRequest {
                wave_id: wave.id,
                fan_id: w.fans[1],
                idempotency_key: "k".into(),
                body_hash: "f".into(),
                now_ms: START + 1,
                fcode_id: Some(code),
                launch: None,
            })
            .await
            .unwrap();
        assert!(matches!(granted, PlaceOutcome::Placed { replay: false, .. }), "{granted:?}");

        let engine = node(&url, &prefix, &w.store).await;
        engine.open_wave(stock.clone()).await.unwrap();
        let stored = w.store.wave_orders(wave.id).await.unwrap();
        assert_eq!(stored.iter().map(|o| o.lane.as_str()).collect::<Vec<_>>(), ["fcode"], "on {backend:?}");
        assert_eq!(w.store.used_fcodes(wave.id).await.unwrap(), vec![code], "on {backend:?}");
        let again = engine.place_fcode(request(&stock, w.fans[2], "k", "f"), code).await.unwrap();
        assert_eq!(again, Placement::FCodeUsed);
        first.delete_wave(wave.id).await.unwrap();
    }
}

/// Releases whose Redis half never happened (their node died between the database and
/// Redis) hold their units until the next node opens the wave, which gives them back in one
/// batch; a unit released properly before is not given back twice, and each unit then sells
/// once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn releases_that_missed_redis_are_finished_when_a_node_opens_the_wave() {
    let Some(url) = redis_url() else { return };
    for backend in backends() {
        let w = world(backend, 7, 3, 1).await;
        let prefix = random_prefix();
        let engine = node(&url, &prefix, &w.store).await;
        engine.open_wave(w.stock.clone()).await.unwrap();
        let mut orders = Vec::new();
        for &fan in &w.fans[1..4] {
            match engine.place(request(&w.stock, fan, "k", "buy")).await.unwrap() {
                Placement::Placed { order, .. } => {
                    orders.push(w.store.order(order.order_id).await.unwrap().unwrap())
                }
                other => panic!("{other:?}"),
            }
        }
        // One released properly; two released in the database only, as by a node that died
        // before reaching Redis.
        assert!(engine.release(&orders[0], START + 2).await.unwrap());
        for o in &orders[1..] {
            assert!(w.store.release_order(o.id, START + 2).await.unwrap().is_some());
        }
        let freed = engine.place(request(&w.stock, w.fans[4], "k", "buy")).await.unwrap();
        assert!(matches!(freed, Placement::Placed { .. }), "the properly released unit: {freed:?}");
        let held = engine.place(request(&w.stock, w.fans[5], "k", "buy")).await.unwrap();
        assert_eq!(held, Placement::SoldOut, "the other two are held, never oversold");

        let next = node(&url, &prefix, &w.store).await;
        next.open_wave(w.stock.clone()).await.unwrap();
        // Opening again gives nothing back twice.
        node(&url, &prefix, &w.store).await.open_wave(w.stock.clone()).await.unwrap();
        let mut sold_again = 0;
        for &fan in &[w.fans[5], w.fans[6], w.fans[0]] {
            if let Placement::Placed { .. } = next.place(request(&w.stock, fan, "k2", "buy")).await.unwrap() {
                sold_again += 1;
            }
        }
        assert_eq!(sold_again, 2, "on {backend:?}");
        assert_eq!(w.store.wave_order_counts(w.stock.wave_id).await.unwrap(), (3, 3));
        redis(&url, &prefix).await.delete_wave(w.stock.wave_id).await.unwrap();
    }
}
