//! The Redis stock engine against a real Redis, with real concurrency: many tokio tasks over
//! several connections, as several canyu nodes would be. Set `CANYU_TEST_REDIS_URL`
//! (`scripts/test.sh` does when Redis answers); without it these tests say they skip.
//! Each test works under its own random key prefix, so tests run in parallel.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_launch::redis_engine::{
    Lane, PlaceOutcome, PlaceRequest, RedisEngineError, RedisStock, ReleaseOutcome, WaveCounters, WaveOpened,
    WaveStock,
};
use common::{random_prefix, redis_url};
use std::collections::{HashMap, HashSet};
use tokio::task::JoinSet;

const NOW: i64 = 1_760_000_000_000;
const WAVE: i64 = 7;
/// Connections the concurrent tests spread their buyers over, like nodes of one site.
const NODES: usize = 6;

/// `NODES` independent connections sharing one random prefix.
async fn nodes(url: &str) -> Vec<RedisStock> {
    let prefix = random_prefix();
    let mut nodes = Vec::with_capacity(NODES);
    for _ in 0..NODES {
        let stock = RedisStock::connect(url).await.expect("connect to redis");
        nodes.push(stock.with_prefix(&prefix).expect("prefix"));
    }
    nodes
}

async fn one_node(url: &str) -> RedisStock {
    RedisStock::connect(url).await.expect("connect to redis").with_prefix(&random_prefix()).expect("prefix")
}

fn wave(quantity: u64, fcode_quantity: u64, per_fan_limit: u32) -> WaveStock {
    WaveStock {
        wave_id: WAVE,
        quantity,
        fcode_quantity,
        per_fan_limit,
        starts_at_ms: NOW - 60_000,
        ends_at_ms: NOW + 3_600_000,
    }
}

fn request(fan_id: i64, key: &str) -> PlaceRequest {
    PlaceRequest {
        wave_id: WAVE,
        fan_id,
        idempotency_key: key.to_string(),
        body_hash: format!("body-of-{fan_id}"),
        now_ms: NOW,
        fcode_id: None,
        launch: None,
    }
}

/// Every order in the stream, paging the way the persister does.
async fn all_orders(stock: &RedisStock) -> Vec<canyu_launch::redis_engine::StreamOrder> {
    let mut orders = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = stock.read_orders(WAVE, after.as_deref(), 333).await.expect("read orders");
        let Some(last) = page.last() else { break };
        after = Some(last.stream_id.clone());
        orders.extend(page);
    }
    orders
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_thousand_buyers_for_a_thousand_units_sell_exactly_a_thousand() {
    let Some(url) = redis_url() else { return };
    let nodes = nodes(&url).await;
    assert_eq!(nodes[0].open_wave(&wave(1_000, 0, 1)).await.unwrap(), WaveOpened::Created);

    let mut buyers = JoinSet::new();
    for fan in 0..5_000i64 {
        let node = nodes[fan as usize % NODES].clone();
        buyers.spawn(async move { (fan, node.place(&request(fan, &format!("buy-{fan}"))).await) });
    }
    let mut placed = HashMap::new();
    let mut sold_out = 0;
    while let Some(joined) = buyers.join_next().await {
        let (fan, outcome) = joined.expect("task");
        match outcome.expect("place") {
            PlaceOutcome::Placed { seq, replay: false } => {
                placed.insert(fan, seq);
            }
            PlaceOutcome::SoldOut => sold_out += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(placed.len(), 1_000);
    assert_eq!(sold_out, 4_000);
    let seqs: HashSet<u64> = placed.values().copied().collect();
    assert_eq!(seqs, (1..=1_000).collect(), "order numbers are 1..=1000 without gaps or repeats");

    let counters = nodes[1].counters(WAVE).await.unwrap();
    assert_eq!(
        counters,
        WaveCounters {
            quantity: 1_000,
            remaining: 0,
            sold: 1_000,
            fcode_quantity: 0,
            fcode_remaining: 0,
            fcode_sold: 0,
            placed: 1_000
        }
    );
    let orders = all_orders(&nodes[2]).await;
    assert_eq!(orders.len(), 1_000, "the stream holds exactly the placed orders");
    for order in &orders {
        assert_eq!(placed.get(&order.fan_id), Some(&order.seq), "stream entry matches the reply");
        assert_eq!(order.idempotency_key, format!("buy-{}", order.fan_id));
        assert_eq!(order.body_hash, format!("body-of-{}", order.fan_id));
        assert_eq!((order.at_ms, order.lane), (NOW, Lane::General));
    }
    nodes[0].delete_wave(WAVE).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn per_fan_limit_holds_when_each_fan_tries_five_times_at_once() {
    let Some(url) = redis_url() else { return };
    let nodes = nodes(&url).await;
    nodes[0].open_wave(&wave(10_000, 0, 2)).await.unwrap();

    let mut attempts = JoinSet::new();
    for fan in 0..300i64 {
        for attempt in 0..5 {
            let node = nodes[(fan as usize + attempt) % NODES].clone();
            attempts.spawn(async move { (fan, node.place(&request(fan, &format!("try-{attempt}"))).await) });
        }
    }
    let mut per_fan: HashMap<i64, u32> = HashMap::new();
    let mut limited = 0;
    while let Some(joined) = attempts.join_next().await {
        let (fan, outcome) = joined.expect("task");
        match outcome.expect("place") {
            PlaceOutcome::Placed { replay: false, .. } => *per_fan.entry(fan).or_default() += 1,
            PlaceOutcome::LimitReached => limited += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(per_fan.len(), 300);
    assert!(per_fan.values().all(|&n| n == 2), "{per_fan:?}");
    assert_eq!(limited, 300 * 3);
    assert_eq!(nodes[0].counters(WAVE).await.unwrap().sold, 600);
    assert_eq!(all_orders(&nodes[0]).await.len(), 600);
    nodes[0].delete_wave(WAVE).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_of_one_key_make_one_order() {
    let Some(url) = redis_url() else { return };
    let nodes = nodes(&url).await;
    nodes[0].open_wave(&wave(100, 0, 5)).await.unwrap();

    let mut retries = JoinSet::new();
    for attempt in 0..20 {
        let node = nodes[attempt % NODES].clone();
        retries.spawn(async move { node.place(&request(42, "the-one-key")).await });
    }
    let mut seqs = HashSet::new();
    let mut first_times = 0;
    while let Some(joined) = retries.join_next().await {
        match joined.expect("task").expect("place") {
            PlaceOutcome::Placed { seq, replay } => {
                seqs.insert(seq);
                first_times += usize::from(!replay);
            }
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(seqs.len(), 1, "every retry gets the same order");
    assert_eq!(first_times, 1, "exactly one request placed it; the others are replays");
    assert_eq!(nodes[0].counters(WAVE).await.unwrap().sold, 1);
    assert_eq!(all_orders(&nodes[0]).await.len(), 1);

    // The same key with another body is a different request wearing a used key.
    let mut other_body = request(42, "the-one-key");
    other_body.body_hash = "another body".into();
    assert_eq!(nodes[1].place(&other_body).await.unwrap(), PlaceOutcome::KeyReused);
    // Keys are per fan: another fan may use the same string.
    assert!(matches!(
        nodes[1].place(&request(43, "the-one-key")).await.unwrap(),
        PlaceOutcome::Placed { replay: false, .. }
    ));
    assert_eq!(nodes[0].counters(WAVE).await.unwrap().sold, 2);
    nodes[0].delete_wave(WAVE).await.unwrap();
}

#[tokio::test]
async fn orders_outside_the_window_are_refused_and_touch_nothing() {
    let Some(url) = redis_url() else { return };
    let stock = one_node(&url).await;
    let wave = wave(10, 0, 1);
    stock.open_wave(&wave).await.unwrap();
    let before = stock.counters(WAVE).await.unwrap();

    let early = PlaceRequest { now_ms: wave.starts_at_ms - 1, ..request(1, "early") };
    assert_eq!(stock.place(&early).await.unwrap(), PlaceOutcome::NotOpen);
    let late = PlaceRequest { now_ms: wave.ends_at_ms, ..request(1, "late") };
    assert_eq!(stock.place(&late).await.unwrap(), PlaceOutcome::Closed);
    let much_later = PlaceRequest { now_ms: wave.ends_at_ms + 86_400_000, ..request(1, "later") };
    assert_eq!(stock.place(&much_later).await.unwrap(), PlaceOutcome::Closed);
    assert_eq!(stock.counters(WAVE).await.unwrap(), before);
    assert!(all_orders(&stock).await.is_empty());

    // The window is [start, end): the first millisecond sells, and a refused key is not burnt.
    let at_start = PlaceRequest { now_ms: wave.starts_at_ms, ..request(1, "early") };
    assert_eq!(stock.place(&at_start).await.unwrap(), PlaceOutcome::Placed { seq: 1, replay: false });
    // A retry after the end still gets its order back.
    let retry_after_end = PlaceRequest { now_ms: wave.ends_at_ms + 5, ..request(1, "early") };
    assert_eq!(stock.place(&retry_after_end).await.unwrap(), PlaceOutcome::Placed { seq: 1, replay: true });
    stock.delete_wave(WAVE).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fcode_lane_sells_after_general_stock_is_gone() {
    let Some(url) = redis_url() else { return };
    let nodes = nodes(&url).await;
    // 100 units, 20 of them kept for F-codes.
    nodes[0].open_wave(&wave(100, 20, 1)).await.unwrap();

    let mut buyers = JoinSet::new();
    for fan in 0..500i64 {
        let node = nodes[fan as usize % NODES].clone();
        buyers.spawn(async move { node.place(&request(fan, "general")).await });
    }
    let mut general = 0;
    while let Some(joined) = buyers.join_next().await {
        if let PlaceOutcome::Placed { .. } = joined.expect("task").expect("place") {
            general += 1;
        }
    }
    assert_eq!(general, 80, "general buyers cannot take F-code units");
    let counters = nodes[0].counters(WAVE).await.unwrap();
    assert_eq!((counters.remaining, counters.fcode_remaining, counters.sold), (20, 20, 80));

    let mut fcode_buyers = JoinSet::new();
    for fan in 1_000..1_030i64 {
        let node = nodes[fan as usize % NODES].clone();
        fcode_buyers.spawn(async move {
            node.place(&PlaceRequest { fcode_id: Some(fan), ..request(fan, "with-fcode") }).await
        });
    }
    let mut with_fcode = 0;
    let mut sold_out = 0;
    while let Some(joined) = fcode_buyers.join_next().await {
        match joined.expect("task").expect("place") {
            PlaceOutcome::Placed { .. } => with_fcode += 1,
            PlaceOutcome::SoldOut => sold_out += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!((with_fcode, sold_out), (20, 10));
    let counters = nodes[0].counters(WAVE).await.unwrap();
    assert_eq!(
        counters,
        WaveCounters {
            quantity: 100,
            remaining: 0,
            sold: 100,
            fcode_quantity: 20,
            fcode_remaining: 0,
            fcode_sold: 20,
            placed: 100
        }
    );
    let orders = all_orders(&nodes[0]).await;
    assert_eq!(orders.iter().filter(|o| o.lane == Lane::FCode).count(), 20);
    assert!(orders.iter().filter(|o| o.lane == Lane::FCode).all(|o| o.fan_id >= 1_000));
    nodes[0].delete_wave(WAVE).await.unwrap();
}

#[tokio::test]
async fn an_fcode_takes_one_unit_of_its_lane_and_never_general_stock() {
    let Some(url) = redis_url() else { return };
    let stock = one_node(&url).await;
    stock.open_wave(&wave(3, 1, 1)).await.unwrap();
    let fcode = |fan, code| PlaceRequest { fcode_id: Some(code), ..request(fan, "f") };
    assert!(matches!(stock.place(&fcode(1, 11)).await.unwrap(), PlaceOutcome::Placed { replay: false, .. }));
    assert!(matches!(stock.place(&fcode(1, 11)).await.unwrap(), PlaceOutcome::Placed { replay: true, .. }));
    assert_eq!(stock.place(&fcode(2, 11)).await.unwrap(), PlaceOutcome::FCodeUsed, "one unit per code");
    assert_eq!(stock.place(&fcode(2, 12)).await.unwrap(), PlaceOutcome::SoldOut, "no fallback to general");
    assert!(matches!(stock.place(&request(3, "g")).await.unwrap(), PlaceOutcome::Placed { .. }));
    assert!(matches!(stock.place(&request(4, "g")).await.unwrap(), PlaceOutcome::Placed { .. }));
    assert_eq!(stock.place(&request(5, "g")).await.unwrap(), PlaceOutcome::SoldOut);
    let orders = all_orders(&stock).await;
    let lanes: Vec<(Lane, Option<i64>)> = orders.iter().map(|o| (o.lane, o.fcode_id)).collect();
    assert_eq!(lanes, [(Lane::FCode, Some(11)), (Lane::General, None), (Lane::General, None)]);
    stock.delete_wave(WAVE).await.unwrap();
}

#[tokio::test]
async fn opening_is_idempotent_and_reset_only_on_request() {
    let Some(url) = redis_url() else { return };
    let stock = one_node(&url).await;
    assert_eq!(stock.open_wave(&wave(5, 0, 1)).await.unwrap(), WaveOpened::Created);
    stock.place(&request(1, "k")).await.unwrap();
    // Another node starting up opens the same wave: sales in progress are kept.
    assert_eq!(stock.open_wave(&wave(50, 0, 1)).await.unwrap(), WaveOpened::AlreadyOpen);
    let counters = stock.counters(WAVE).await.unwrap();
    assert_eq!((counters.quantity, counters.sold, counters.remaining), (5, 1, 4));

    assert_eq!(stock.reset_wave(&wave(50, 0, 1)).await.unwrap(), WaveOpened::Created);
    let counters = stock.counters(WAVE).await.unwrap();
    assert_eq!((counters.quantity, counters.sold, counters.remaining, counters.placed), (50, 0, 50, 0));
    assert!(all_orders(&stock).await.is_empty());
    // The idempotency record went with the reset: the key places a fresh order.
    assert_eq!(stock.place(&request(1, "k")).await.unwrap(), PlaceOutcome::Placed { seq: 1, replay: false });

    assert!(matches!(
        stock.open_wave(&WaveStock { fcode_quantity: 51, ..wave(50, 0, 1) }).await,
        Err(RedisEngineError::InvalidWave(_))
    ));
    stock.delete_wave(WAVE).await.unwrap();
    assert!(matches!(stock.counters(WAVE).await, Err(RedisEngineError::UnknownWave(WAVE))));
    assert!(matches!(stock.place(&request(1, "x")).await, Err(RedisEngineError::UnknownWave(WAVE))));
}

#[tokio::test]
async fn release_gives_a_unit_back_once() {
    let Some(url) = redis_url() else { return };
    let stock = one_node(&url).await;
    stock.open_wave(&wave(2, 1, 1)).await.unwrap();
    let PlaceOutcome::Placed { seq: first, .. } = stock.place(&request(1, "a")).await.unwrap() else {
        panic!("first order")
    };
    let fcode = PlaceRequest { fcode_id: Some(7), ..request(2, "b") };
    let PlaceOutcome::Placed { seq: second, .. } = stock.place(&fcode).await.unwrap() else {
        panic!("second order")
    };
    assert_eq!(stock.place(&request(3, "c")).await.unwrap(), PlaceOutcome::SoldOut);
    assert_eq!(stock.place(&request(1, "again")).await.unwrap(), PlaceOutcome::LimitReached);

    assert_eq!(stock.release(WAVE, 2, first).await.unwrap(), ReleaseOutcome::NotOwner);
    assert_eq!(stock.release(WAVE, 1, 99).await.unwrap(), ReleaseOutcome::UnknownOrder);
    assert_eq!(stock.release(WAVE, 1, first).await.unwrap(), ReleaseOutcome::Released);
    assert_eq!(stock.release(WAVE, 1, first).await.unwrap(), ReleaseOutcome::AlreadyReleased);
    assert_eq!(stock.release(WAVE, 2, second).await.unwrap(), ReleaseOutcome::Released);
    let counters = stock.counters(WAVE).await.unwrap();
    assert_eq!((counters.sold, counters.remaining, counters.fcode_remaining, counters.placed), (0, 2, 1, 2));

    // The released general unit sells again, and its fan may buy again.
    assert_eq!(
        stock.place(&request(1, "again")).await.unwrap(),
        PlaceOutcome::Placed { seq: 3, replay: false }
    );
    assert_eq!(
        stock.place(&request(3, "c2")).await.unwrap(),
        PlaceOutcome::SoldOut,
        "F-code unit stays kept"
    );
    stock.delete_wave(WAVE).await.unwrap();
}

#[tokio::test]
async fn read_orders_pages_after_a_stream_id() {
    let Some(url) = redis_url() else { return };
    let stock = one_node(&url).await;
    stock.open_wave(&wave(10, 0, 1)).await.unwrap();
    for fan in 0..5 {
        stock.place(&request(fan, "k")).await.unwrap();
    }
    let first = stock.read_orders(WAVE, None, 2).await.unwrap();
    assert_eq!(first.iter().map(|o| o.seq).collect::<Vec<_>>(), [1, 2]);
    let rest = stock.read_orders(WAVE, Some(&first[1].stream_id), 10).await.unwrap();
    assert_eq!(rest.iter().map(|o| o.seq).collect::<Vec<_>>(), [3, 4, 5]);
    assert!(stock.read_orders(WAVE, Some(&rest[2].stream_id), 10).await.unwrap().is_empty());
    assert!(stock.orders_stream_key(WAVE).ends_with(":wave:{7}:orders"));
    stock.delete_wave(WAVE).await.unwrap();
}

#[tokio::test]
async fn prefixes_must_be_plain() {
    let Some(url) = redis_url() else { return };
    let stock = RedisStock::connect(&url).await.unwrap();
    assert_eq!(stock.prefix(), "canyu");
    assert_eq!(stock.orders_stream_key(3), "canyu:wave:{3}:orders");
    for bad in ["", "a{b", "a}b", "a b"] {
        assert!(matches!(stock.clone().with_prefix(bad), Err(RedisEngineError::InvalidPrefix(_))));
    }
}
