//! Launch campaigns on every configured backend: what is stored reads back, lanes never hand
//! out more places than they have under real concurrency, one reservation per fan, and wave
//! openings are announced once per lane.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use canyu_core::ErrorCode;
use canyu_core::campaign::{Lane, OrderLimits, OrderTerms, ReservationRules, Schedule, Sku};
use canyu_core::wave::{Eligibility, WaveRules};
use canyu_store::testing::{TestWorld, backends};
use canyu_store::{Campaign, NewCampaign, NotificationKind, ReserveOutcome, StoreError};
use std::collections::{BTreeMap, HashSet};

type World = TestWorld;

async fn world(backend: canyu_store::Backend, fans: usize) -> World {
    canyu_store::testing::world(backend, ("car", "xiaomi-su7", "Xiaomi SU7"), fans).await.unwrap()
}

fn skus() -> Vec<Sku> {
    vec![
        Sku::parse("su7", "SU7 标准版", 21_590_000, Some(500_000), Some(500_000)).unwrap(),
        Sku::parse("su7-max", "SU7 Max", 29_990_000, None, Some(500_000)).unwrap(),
    ]
}

async fn campaign(w: &World, fan_places: i64, general_places: Option<i64>) -> Campaign {
    let schedule = Schedule::parse(10, 20, 30, 1_000_000).unwrap();
    let reservations =
        ReservationRules::parse(&schedule, Some(5), Some(fan_places), Some(100), general_places, Some(10))
            .unwrap();
    let skus = skus();
    w.store
        .create_campaign(&NewCampaign {
            product_id: w.product,
            title: "小米 SU7 上市",
            schedule,
            reservations,
            terms: OrderTerms::parse(None, None, OrderLimits::default()).unwrap(),
            skus: &skus,
            created_by: w.staff,
            now: 1,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn campaigns_read_back_as_created() {
    for backend in backends() {
        let w = world(backend, 0).await;
        let c = campaign(&w, 5_000, None).await;
        assert_eq!(c.title, "小米 SU7 上市");
        assert_eq!(c.product_slug, "xiaomi-su7");
        assert_eq!(c.skus, skus(), "SKUs keep their order and prices ({backend:?})");
        assert_eq!(c.schedule.reserve_closes_at, 1_000_000);
        assert_eq!(c.reservations.fan_lane_places, 5_000);
        assert_eq!(c.reservations.general_places, None);
        assert_eq!(c.reservations.fan_lane_head_start_ms, 10 * 60_000);
        assert_eq!(c.terms.refund_window_ms, 7 * 86_400_000);
        assert_eq!(w.store.campaigns(10).await.unwrap().len(), 1);
        assert!(w.store.campaign(c.id + 1).await.unwrap().is_none());

        // Two SKUs with one code are refused, and nothing of the campaign is left behind.
        let twice = [skus()[0].clone(), skus()[0].clone()];
        let refused = w
            .store
            .create_campaign(&NewCampaign {
                product_id: w.product,
                title: "dup",
                schedule: c.schedule,
                reservations: c.reservations,
                terms: c.terms,
                skus: &twice,
                created_by: w.staff,
                now: 1,
            })
            .await;
        assert!(matches!(refused, Err(StoreError::Rejected(ErrorCode::InvalidSku))), "{refused:?}");
        assert_eq!(w.store.campaigns(10).await.unwrap().len(), 1, "rolled back ({backend:?})");
    }
}

/// 300 fans reserve at once for 40 fan-lane and 100 general places: exactly 140 get one,
/// places are 1..=n in each lane, and the counters equal the rows.
#[tokio::test]
async fn lanes_never_hand_out_more_places_than_they_have() {
    for backend in backends() {
        let w = world(backend, 300).await;
        let c = campaign(&w, 40, Some(100)).await;
        let mut tasks = Vec::new();
        for (i, &fan) in w.fans.iter().enumerate() {
            let store = w.store.clone();
            // Every other fan qualifies for the fan lane.
            let lanes: &'static [Lane] =
                if i % 2 == 0 { &[Lane::Fan, Lane::General] } else { &[Lane::General] };
            tasks.push(tokio::spawn(async move { store.reserve(c.id, fan, lanes, 100).await.unwrap() }));
        }
        let mut places: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        let mut full = 0;
        for t in tasks {
            match t.await.unwrap() {
                ReserveOutcome::Reserved(r) => places.entry(r.lane.as_str()).or_default().push(r.place),
                ReserveOutcome::Full => full += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        for (lane, want) in [("fan", 40), ("general", 100)] {
            let mut got = places.remove(lane).unwrap_or_default();
            got.sort_unstable();
            assert_eq!(got, (1..=want).collect::<Vec<_>>(), "{lane} lane places ({backend:?})");
        }
        assert_eq!(full, 160);
        let after = w.store.campaign(c.id).await.unwrap().unwrap();
        assert_eq!((after.fan_lane_taken, after.general_taken), (40, 100));
        assert_eq!(
            w.store.reservation_counts(c.id).await.unwrap(),
            (40, 100),
            "counters = rows ({backend:?})"
        );
    }
}

/// One fan pressing "reserve" ten times at once holds one place; the others see it.
#[tokio::test]
async fn one_reservation_per_fan_under_concurrency() {
    for backend in backends() {
        let w = world(backend, 1).await;
        let c = campaign(&w, 10, Some(10)).await;
        let fan = w.fans[0];
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let store = w.store.clone();
                tokio::spawn(async move { store.reserve(c.id, fan, &[Lane::Fan, Lane::General], 100).await })
            })
            .collect();
        let mut ids = HashSet::new();
        let mut new = 0;
        for t in tasks {
            match t.await.unwrap().unwrap() {
                ReserveOutcome::Reserved(r) => {
                    new += 1;
                    ids.insert(r.id);
                }
                ReserveOutcome::AlreadyReserved(r) => {
                    ids.insert(r.id);
                }
                ReserveOutcome::Full => panic!("full"),
            }
        }
        assert_eq!((new, ids.len()), (1, 1), "{backend:?}");
        let after = w.store.campaign(c.id).await.unwrap().unwrap();
        assert_eq!(after.reserved(), 1, "a losing attempt's counter move rolled back ({backend:?})");
        assert_eq!(w.store.reservation(c.id, fan).await.unwrap().map(|r| r.lane), Some(Lane::Fan));
    }
}

/// An hour's wave of 100 `su7` units for the campaign's reservation holders.
fn reservation_wave(starts: i64) -> WaveRules {
    WaveRules::parse(
        Some("su7"),
        100,
        "fcfs",
        None,
        starts,
        starts + 3_600_000,
        Eligibility::Reservation,
        BTreeMap::new(),
    )
    .unwrap()
}

/// The fan lane hears when the wave starts, the general lane after the head start; each
/// once, however often the sweep runs.
#[tokio::test]
async fn wave_openings_are_announced_once_per_lane() {
    for backend in backends() {
        let w = world(backend, 5).await;
        let c = campaign(&w, 2, None).await;
        for &fan in &w.fans {
            w.store.reserve(c.id, fan, &[Lane::Fan, Lane::General], 100).await.unwrap();
        }
        let starts = 2_000_000;
        let rules = reservation_wave(starts);
        let wave = w.store.create_campaign_wave(w.product, Some(c.id), &rules, w.staff, 1).await.unwrap();
        assert_eq!(wave.campaign_id, Some(c.id));
        assert_eq!(w.store.campaign_waves(c.id).await.unwrap().len(), 1);
        // A wave of no campaign is never announced.
        w.store.create_wave(w.product, &rules, w.staff, 1).await.unwrap();

        assert_eq!(w.store.announce_open_waves(starts - 1).await.unwrap(), 0);
        assert_eq!(w.store.announce_open_waves(starts).await.unwrap(), 2, "fan lane ({backend:?})");
        assert_eq!(w.store.announce_open_waves(starts + 1).await.unwrap(), 0);
        let general_opens = starts + 10 * 60_000;
        assert_eq!(w.store.announce_open_waves(general_opens).await.unwrap(), 3, "general lane");
        assert_eq!(w.store.announce_open_waves(general_opens + 1).await.unwrap(), 0);
        for &fan in &w.fans {
            let inbox = w.store.notifications(fan, None, 10).await.unwrap();
            assert_eq!(inbox.len(), 1, "told once ({backend:?})");
            assert_eq!(inbox[0].kind, NotificationKind::WaveOpen);
            assert_eq!(inbox[0].data["campaign"], c.id);
        }
    }
}

/// A reservation wave cancelled before it opens tells every reservation holder once, is
/// never announced as open, and a second cancellation changes nothing.
#[tokio::test]
async fn a_cancelled_wave_tells_its_reservation_holders_and_never_opens() {
    for backend in backends() {
        let w = world(backend, 3).await;
        let c = campaign(&w, 2, None).await;
        for &fan in &w.fans[..2] {
            w.store.reserve(c.id, fan, &[Lane::Fan, Lane::General], 100).await.unwrap();
        }
        let starts = 2_000_000;
        let rules = reservation_wave(starts);
        let wave = w.store.create_campaign_wave(w.product, Some(c.id), &rules, w.staff, 1).await.unwrap();
        assert!(!w.store.cancel_wave(wave.id, "x", starts).await.unwrap(), "too late at the start");
        assert!(w.store.cancel_wave(wave.id, "产能调整", starts - 1).await.unwrap());
        assert!(!w.store.cancel_wave(wave.id, "again", starts - 1).await.unwrap(), "once");
        let row = w.store.wave(wave.id).await.unwrap().unwrap();
        assert_eq!(row.cancelled.map(|c| (c.at, c.reason)), Some((starts - 1, "产能调整".to_string())));
        assert!(w.store.live_waves(0).await.unwrap().iter().all(|l| l.id != wave.id));
        assert_eq!(w.store.announce_open_waves(starts + 3_000_000).await.unwrap(), 0, "{backend:?}");
        for (i, &fan) in w.fans.iter().enumerate() {
            let inbox = w.store.notifications(fan, None, 10).await.unwrap();
            let told: Vec<_> = inbox.iter().filter(|n| n.kind == NotificationKind::WaveCancelled).collect();
            assert_eq!(told.len(), usize::from(i < 2), "fan {i} ({backend:?})");
            if let Some(n) = told.first() {
                assert_eq!(
                    (n.data["wave"].as_i64(), n.data["reason"].as_str()),
                    (Some(wave.id), Some("产能调整"))
                );
            }
        }
    }
}

/// The live counter reads tallies the writes keep instead of recounting every order. Orders
/// committed in concurrent batches, and moves racing each other (two tasks trying the same
/// move on every order: one wins, the loser must count nothing), leave the tallies equal to a
/// recount of the orders, on every backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn live_tallies_match_a_recount_under_concurrent_orders_and_moves() {
    use canyu_core::campaign::{OrderEvent, OrderKind, OrderState};
    use canyu_store::{LaunchRow, NewOrder, Transition};
    for backend in backends() {
        let w = world(backend, 40).await;
        let c = campaign(&w, 0, None).await;
        let rules = WaveRules::parse(
            Some("su7"),
            10_000,
            "fcfs",
            Some(100),
            0,
            10_000_000,
            Eligibility::Everyone,
            BTreeMap::new(),
        )
        .unwrap();
        let wave = w.store.create_campaign_wave(w.product, Some(c.id), &rules, w.staff, 1).await.unwrap();
        let campaign_id = c.id;
        let row = move |kind: OrderKind| LaunchRow {
            campaign_id,
            sku_code: "su7".into(),
            kind,
            amount_fen: 500_000,
            buyer_name: "车主".into(),
            hold_expires_at: 1_000_000,
            address_key: None,
            client_key: None,
            device_key: None,
            flags: String::new(),
        };
        // 8 writers, 10 batches of 5 orders each, minutes apart.
        let mut writers = tokio::task::JoinSet::new();
        for writer in 0..8i64 {
            let (store, fans) = (w.store.clone(), w.fans.clone());
            writers.spawn(async move {
                let mut ids = Vec::new();
                for batch in 0..10i64 {
                    let orders: Vec<NewOrder> = (0..5i64)
                        .map(|i| {
                            let seq = writer * 1_000 + batch * 10 + i + 1;
                            NewOrder {
                                wave_id: wave.id,
                                user_id: fans[(seq % 40) as usize],
                                seq,
                                lane: "general",
                                idempotency_key: format!("k{seq}"),
                                body_hash: String::new(),
                                created_at: batch * 60_000 + writer,
                            }
                        })
                        .collect();
                    let kinds = [OrderKind::Big, OrderKind::Small, OrderKind::Full];
                    let launches: Vec<_> =
                        (0..5).map(|i| Some(row(kinds[(i + batch as usize) % 3]))).collect();
                    ids.extend(store.insert_orders_with_terms(&orders, &[None; 5], &launches).await.unwrap());
                }
                ids
            });
        }
        let ids: Vec<i64> = writers.join_all().await.into_iter().flatten().collect();
        assert_eq!(ids.len(), 400);

        // Every order gets one of three moves, tried twice at once.
        let moves = [
            (OrderState::Deposited, OrderEvent::Pay),
            (OrderState::Cancelled, OrderEvent::Cancel),
            (OrderState::Expired, OrderEvent::Expire),
        ];
        let mut movers = tokio::task::JoinSet::new();
        for (i, &order_id) in ids.iter().enumerate() {
            for _ in 0..2 {
                let store = w.store.clone();
                let (to, event) = moves[i % 3];
                movers.spawn(async move {
                    let t = Transition {
                        order_id,
                        from: OrderState::AwaitingPayment,
                        to,
                        event,
                        actor_id: None,
                        now: 2_000_000,
                        refundable_until: None,
                    };
                    store.apply_launch_transition(&t).await.unwrap()
                });
            }
        }
        let moved = movers.join_all().await.into_iter().filter(|m| *m).count();
        assert_eq!(moved, 400, "one of each pair of moves won ({backend:?})");

        let sorted = |mut v: Vec<(OrderKind, OrderState, i64)>| {
            v.sort_by_key(|(k, s, _)| (k.as_str(), s.as_str()));
            v
        };
        let tallied = sorted(w.store.launch_counts(c.id).await.unwrap());
        assert_eq!(tallied, sorted(w.store.recount_launch_orders(c.id).await.unwrap()), "{backend:?}");
        assert_eq!(tallied.iter().map(|(_, _, n)| n).sum::<i64>(), 400);
        assert!(tallied.iter().all(|(_, s, _)| *s != OrderState::AwaitingPayment), "{tallied:?}");
        let minutes = w.store.launch_orders_per_minute(c.id, 0).await.unwrap();
        assert_eq!(minutes, (0..10).map(|m| (m * 60_000, 40)).collect::<Vec<_>>(), "{backend:?}");
    }
}

fn order(wave_id: i64, user_id: i64, seq: i64, key: &str) -> canyu_store::NewOrder {
    canyu_store::NewOrder {
        wave_id,
        user_id,
        seq,
        lane: "general",
        idempotency_key: key.to_string(),
        body_hash: "h".to_string(),
        created_at: 2_000_000 + seq,
    }
}

/// Every committed first-come order tells its buyer in the same transaction, by the SKU's
/// name (a campaign's SKU code is never shown) and, in a campaign's wave, its price; a batch
/// offered again by another writer tells nobody twice.
#[tokio::test]
async fn each_order_tells_its_buyer_once_by_sku_name() {
    for backend in backends() {
        let w = world(backend, 3).await;
        let c = campaign(&w, 2, None).await;
        let mut rules = reservation_wave(2_000_000);
        rules.eligibility = Eligibility::Everyone;
        let launch = w.store.create_campaign_wave(w.product, Some(c.id), &rules, w.staff, 1).await.unwrap();
        rules.sku = "首发 · 第一轮".into();
        let plain = w.store.create_wave(w.product, &rules, w.staff, 1).await.unwrap();

        let ids = w
            .store
            .insert_orders(&[order(launch.id, w.fans[0], 1, "a"), order(plain.id, w.fans[1], 1, "b")])
            .await
            .unwrap();
        let batch = [order(plain.id, w.fans[2], 2, "c"), order(plain.id, w.fans[1], 1, "b")];
        assert_eq!(w.store.insert_orders_if_absent(&batch, &[], &[]).await.unwrap(), 1, "{backend:?}");
        assert_eq!(w.store.insert_orders_if_absent(&batch, &[], &[]).await.unwrap(), 0);

        let inbox = |fan: i64| {
            let store = w.store.clone();
            async move { store.notifications(fan, None, 10).await.unwrap() }
        };
        let first = inbox(w.fans[0]).await;
        assert_eq!(first.len(), 1, "{backend:?}");
        assert_eq!(first[0].kind, NotificationKind::OrderPlaced);
        let d = &first[0].data;
        assert_eq!(
            (d["order"].as_i64(), d["sku"].as_str(), d["price_fen"].as_i64(), d["product_name"].as_str()),
            (Some(ids[0]), Some("SU7 标准版"), Some(21_590_000), Some("Xiaomi SU7")),
            "{d}"
        );
        let second = inbox(w.fans[1]).await;
        assert_eq!(second.len(), 1, "the re-offered order tells nobody again ({backend:?})");
        assert_eq!(
            (second[0].data["order"].as_i64(), second[0].data["sku"].as_str()),
            (Some(ids[1]), Some("首发 · 第一轮"))
        );
        assert!(second[0].data["price_fen"].is_null(), "a plain wave has no price");
        let third = inbox(w.fans[2]).await;
        assert_eq!((third.len(), third[0].kind), (1, NotificationKind::OrderPlaced), "{backend:?}");
    }
}
