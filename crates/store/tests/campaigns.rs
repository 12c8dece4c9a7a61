//! Launch campaigns on every configured backend: what is stored reads back, lanes never hand
//! out more places than they have under real concurrency, one reservation per fan, and wave
//! openings are announced once per lane.

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
        let rules = WaveRules::parse(
            Some("su7"),
            100,
            "fcfs",
            None,
            starts,
            starts + 3_600_000,
            Eligibility::Reservation,
            BTreeMap::new(),
        )
        .unwrap();
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
