//! F-codes on every configured backend: the state machine (issued → bound → transferred →
//! used) with its refusals, single use under concurrency, awards by points, batch counts.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use canyu_core::ErrorCode;
use canyu_core::Millis;
use canyu_core::points::Adjustment;
use canyu_core::wave::{Eligibility, WaveRules};
use canyu_store::testing::backends;
use canyu_store::{NewOrder, Store, StoreError};
use std::collections::BTreeMap;

struct World {
    store: Store,
    wave: i64,
    other_wave: i64,
    staff: i64,
    fans: Vec<i64>,
}

async fn world(backend: canyu_store::Backend, fans: usize) -> World {
    let base = canyu_store::testing::world(backend, ("car", "xiaomi-su7", "Xiaomi SU7"), fans).await.unwrap();
    let (store, product, staff, ids) = (base.store, base.product, base.staff, base.fans);
    let rules =
        WaveRules::parse(None, 10, "fcfs", Some(5), 0, 3_600_000, Eligibility::FCode, BTreeMap::new())
            .unwrap()
            .with_fcode_quantity(4)
            .unwrap();
    let wave = store.create_wave(product, &rules, staff, 1).await.unwrap();
    assert_eq!(wave.rules.fcode_quantity, 4);
    let other_wave = store.create_wave(product, &rules, staff, 1).await.unwrap().id;
    World { store, wave: wave.id, other_wave, staff, fans: ids }
}

fn refused<T: std::fmt::Debug>(r: Result<T, StoreError>) -> ErrorCode {
    match r {
        Err(StoreError::Rejected(code)) => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn order(wave: i64, fan: i64, seq: i64, key: &str, now: Millis) -> NewOrder {
    NewOrder {
        wave_id: wave,
        user_id: fan,
        seq,
        lane: "fcode",
        idempotency_key: key.into(),
        body_hash: "h".into(),
        created_at: now,
    }
}

#[tokio::test]
async fn the_state_machine_refuses_everything_off_its_path() {
    for backend in backends() {
        let w = world(backend, 3).await;
        let (a, b, c) = (w.fans[0], w.fans[1], w.fans[2]);
        let hashes: Vec<String> = (0..3).map(|i| format!("hash-{i}")).collect();
        let batch = w.store.create_fcode_batch(w.wave, &hashes, w.staff, 10).await.unwrap();

        assert_eq!(refused(w.store.redeem_fcode("nope", a, 11).await), ErrorCode::FCodeNotFound);
        // Issued codes are nobody's: they cannot be passed on.
        assert_eq!(refused(w.store.transfer_fcode("hash-0", a, b, 11).await), ErrorCode::FCodeNotYours);
        let code = w.store.redeem_fcode("hash-0", a, 12).await.unwrap();
        assert!(code.usable_by(a) && !code.usable_by(b));
        assert_eq!(refused(w.store.redeem_fcode("hash-0", a, 13).await), ErrorCode::FCodeAlreadyRedeemed);
        assert_eq!(refused(w.store.redeem_fcode("hash-0", b, 13).await), ErrorCode::FCodeAlreadyRedeemed);
        assert_eq!(w.store.usable_fcode(w.wave, a).await.unwrap().map(|c| c.id), Some(code.id));
        assert_eq!(w.store.usable_fcode(w.other_wave, a).await.unwrap(), None);

        // Passed on once: b owns it and may not pass it again; a no longer owns it.
        assert_eq!(refused(w.store.transfer_fcode("hash-0", a, a, 14).await), ErrorCode::FCodeSelfTransfer);
        assert_eq!(refused(w.store.transfer_fcode("hash-0", c, b, 14).await), ErrorCode::FCodeNotYours);
        let moved = w.store.transfer_fcode("hash-0", a, b, 14).await.unwrap();
        assert_eq!(
            (moved.owner_id, moved.transferred_from, moved.status.as_str()),
            (Some(b), Some(a), "transferred")
        );
        assert_eq!(
            refused(w.store.transfer_fcode("hash-0", b, c, 15).await),
            ErrorCode::FCodeAlreadyTransferred
        );
        assert_eq!(refused(w.store.transfer_fcode("hash-0", a, c, 15).await), ErrorCode::FCodeNotYours);
        assert!(w.store.usable_fcode(w.wave, a).await.unwrap().is_none());

        // Used with an order, in the order's transaction: no longer usable nor transferable.
        let ids = w
            .store
            .insert_orders_using_fcodes(&[order(w.wave, b, 1, "k", 20)], &[Some(code.id)])
            .await
            .unwrap();
        let used = w.store.fcode_by_hash("hash-0").await.unwrap().unwrap();
        assert_eq!((used.status.as_str(), used.order_id), ("used", Some(ids[0])));
        assert!(!used.usable_by(b));
        assert_eq!(w.store.used_fcodes(w.wave).await.unwrap(), vec![code.id]);
        // A second order with the code cannot be written, whoever writes it.
        let again =
            w.store.insert_orders_using_fcodes(&[order(w.wave, b, 2, "k2", 21)], &[Some(code.id)]).await;
        assert!(again.is_err(), "{backend:?}: a code took two units");
        assert_eq!(w.store.wave_order_counts(w.wave).await.unwrap(), (1, 1));
        // A used code of a bound fan cannot be passed on either.
        w.store.redeem_fcode("hash-1", c, 22).await.unwrap();
        let c_code = w.store.fcode_by_hash("hash-1").await.unwrap().unwrap();
        w.store
            .insert_orders_using_fcodes(&[order(w.wave, c, 3, "k", 23)], &[Some(c_code.id)])
            .await
            .unwrap();
        assert_eq!(refused(w.store.transfer_fcode("hash-1", c, a, 24).await), ErrorCode::FCodeUsed);

        let batches = w.store.fcode_batches(w.wave).await.unwrap();
        assert_eq!(batches.len(), 1);
        let s = &batches[0];
        assert_eq!(
            (s.id, s.source.as_str(), s.count, s.bound, s.transferred, s.used),
            (batch, "staff", 3, 2, 1, 2)
        );
    }
}

#[tokio::test]
async fn a_code_is_redeemed_once_under_concurrency() {
    for backend in backends() {
        let w = world(backend, 20).await;
        w.store.create_fcode_batch(w.wave, &["hot".to_string()], w.staff, 10).await.unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for &fan in &w.fans {
            let store = w.store.clone();
            tasks.spawn(async move { store.redeem_fcode("hot", fan, 11).await });
        }
        let (mut won, mut lost) = (0, 0);
        while let Some(r) = tasks.join_next().await {
            match r.unwrap() {
                Ok(_) => won += 1,
                Err(StoreError::Rejected(ErrorCode::FCodeAlreadyRedeemed)) => lost += 1,
                Err(e) => panic!("{backend:?}: {e}"),
            }
        }
        assert_eq!((won, lost), (1, 19), "{backend:?}");

        // The winner passes it on to many fans at once: one transfer lands.
        let owner = w.store.fcode_by_hash("hot").await.unwrap().unwrap().owner_id.unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for &fan in w.fans.iter().filter(|&&f| f != owner) {
            let store = w.store.clone();
            tasks.spawn(async move { store.transfer_fcode("hot", owner, fan, 12).await.is_ok() });
        }
        let mut moved = 0;
        while let Some(r) = tasks.join_next().await {
            moved += i32::from(r.unwrap());
        }
        assert_eq!(moved, 1, "{backend:?}");
    }
}

#[tokio::test]
async fn awards_bind_one_code_per_fan_above_the_threshold_once() {
    for backend in backends() {
        let w = world(backend, 4).await;
        for (i, &fan) in w.fans.iter().enumerate() {
            let adj = Adjustment::parse(100 * (i as i64 + 1), "活动").unwrap();
            w.store.adjust_points(fan, w.staff, &adj, "seed", 5).await.unwrap();
        }
        // Fan 3 (400 points) already holds a redeemed code for the wave: skipped.
        w.store.create_fcode_batch(w.wave, &["mine".to_string()], w.staff, 6).await.unwrap();
        w.store.redeem_fcode("mine", w.fans[3], 7).await.unwrap();

        let candidates = w.store.fcode_award_candidates(w.wave, 200, 100).await.unwrap();
        assert_eq!(candidates, vec![w.fans[2], w.fans[1]], "most points first, holders skipped");
        let awards: Vec<(String, i64)> = candidates.iter().map(|&f| (format!("award-{f}"), f)).collect();
        assert_eq!(w.store.award_fcodes(w.wave, 200, &awards, w.staff, 8).await.unwrap(), 2);
        // Running the rule again (even with stale candidates) awards nobody twice.
        let again: Vec<(String, i64)> = candidates.iter().map(|&f| (format!("again-{f}"), f)).collect();
        assert_eq!(w.store.award_fcodes(w.wave, 200, &again, w.staff, 9).await.unwrap(), 0);
        assert!(w.store.fcode_award_candidates(w.wave, 200, 100).await.unwrap().is_empty());
        let code = w.store.usable_fcode(w.wave, w.fans[2]).await.unwrap().expect("awarded");
        assert_eq!(code.status, "bound");
        // Awards are per wave.
        assert_eq!(w.store.fcode_award_candidates(w.other_wave, 200, 100).await.unwrap().len(), 3);
        let batches = w.store.fcode_batches(w.wave).await.unwrap();
        assert_eq!(
            batches.iter().map(|b| (b.source.as_str(), b.count, b.bound)).collect::<Vec<_>>(),
            vec![("award", 0, 0), ("award", 2, 2), ("staff", 1, 1)]
        );
    }
}

/// A code of a cancelled wave is refused in the redemption's own statement (whatever a node
/// cached of the wave), and stays as it was.
#[tokio::test]
async fn a_cancelled_waves_codes_are_refused_not_bound() {
    for backend in backends() {
        let w = world(backend, 1).await;
        let product = w.store.wave(w.wave).await.unwrap().unwrap().product_id;
        let rules = WaveRules::parse(
            None,
            10,
            "fcfs",
            Some(1),
            1_000,
            3_600_000,
            Eligibility::FCode,
            BTreeMap::new(),
        )
        .unwrap();
        let later = w.store.create_wave(product, &rules, w.staff, 1).await.unwrap().id;
        w.store
            .create_fcode_batch(later, &["late-0".to_string(), "late-1".to_string()], w.staff, 10)
            .await
            .unwrap();
        w.store.redeem_fcode("late-1", w.fans[0], 15).await.unwrap();
        assert!(w.store.cancel_wave(later, "", 20).await.unwrap());
        assert_eq!(refused(w.store.redeem_fcode("late-0", w.fans[0], 30).await), ErrorCode::WaveCancelled);
        let code = w.store.fcode_by_hash("late-0").await.unwrap().unwrap();
        assert_eq!((code.status.as_str(), code.owner_id), ("issued", None), "{backend:?}");
        // Trying again a code bound before the cancellation: told the wave was cancelled too.
        assert_eq!(refused(w.store.redeem_fcode("late-1", w.fans[0], 31).await), ErrorCode::WaveCancelled);
    }
}
