//! F-codes through the JSON API on every configured backend: batches shown once, redeeming,
//! passing on once, ordering from the F-code lane (usable when general stock is sold out),
//! single use under 20 concurrent orders, `fcode` eligibility, awards by points.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_core::time::rfc3339;
use common::{backends, error_code, spawn_app};
use serde_json::{Value, json};

const MIN: i64 = 60_000;

async fn order(app: &common::TestApp, wave: i64, token: &str, key: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/waves/{wave}/orders")))
        .bearer_auth(token)
        .header("accept-language", "en")
        .header("idempotency-key", key)
        .json(&body)
        .send()
        .await
        .expect("request");
    common::to_json(res).await
}

async fn wave(app: &common::TestApp, staff: &str, extra: Value) -> i64 {
    let t = canyu_app::now_millis();
    let mut body = json!({"product": "xiaomi-su7", "quantity": 3, "mode": "fcfs", "per_fan_limit": 100,
        "starts_at": rfc3339(t - MIN), "ends_at": rfc3339(t + 60 * MIN)});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (s, b) = app.post("/api/v1/waves", Some(staff), body).await;
    assert_eq!(s, 201, "{b}");
    b["id"].as_i64().unwrap()
}

async fn codes(app: &common::TestApp, staff: &str, wave: i64, count: i64) -> Vec<String> {
    let (s, b) =
        app.post(&format!("/api/v1/waves/{wave}/fcodes"), Some(staff), json!({"count": count})).await;
    assert_eq!(s, 201, "{b}");
    b["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn codes_are_redeemed_passed_on_once_and_used_once() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let (a, b, c) =
            (app.register("fan_a").await, app.register("fan_b").await, app.register("fan_c").await);

        // Bad input on wave creation and generation.
        let (s, e) = app
            .post(
                "/api/v1/waves",
                Some(&staff),
                json!({"product": "xiaomi-su7", "quantity": 3, "mode": "fcfs", "fcode_quantity": 4,
                   "starts_at": rfc3339(0), "ends_at": rfc3339(MIN)}),
            )
            .await;
        assert_eq!((s, error_code(&e)), (422, "invalid_fcode_quantity"));
        let id = wave(&app, &staff, json!({"fcode_quantity": 1})).await;
        let (s, w) = app.get(&format!("/api/v1/waves/{id}"), None).await;
        assert_eq!((s, w["fcode_quantity"].as_i64()), (200, Some(1)));
        for count in [0, 10_001] {
            let (s, e) =
                app.post(&format!("/api/v1/waves/{id}/fcodes"), Some(&staff), json!({"count": count})).await;
            assert_eq!((s, error_code(&e)), (422, "invalid_fcode_count"));
        }
        let (s, e) = app.post(&format!("/api/v1/waves/{id}/fcodes"), Some(&a), json!({"count": 1})).await;
        assert_eq!((s, error_code(&e)), (403, "forbidden"));
        let (s, e) = app.post("/api/v1/waves/999999/fcodes", Some(&staff), json!({"count": 1})).await;
        assert_eq!((s, error_code(&e)), (404, "wave_not_found"));

        let batch = codes(&app, &staff, id, 3).await;
        assert_eq!(batch.len(), 3);
        assert!(batch.iter().all(|c| c.len() == 15 && c.matches('-').count() == 2), "{batch:?}");
        let (s, list) = app.get(&format!("/api/v1/waves/{id}/fcodes"), Some(&staff)).await;
        assert_eq!((s, list[0]["count"].as_i64(), list[0]["issued_bound"].as_i64()), (200, Some(3), Some(0)));
        assert!(!list.to_string().contains(&batch[0]), "plaintext is shown once only");
        let (s, _) = app.get(&format!("/api/v1/waves/{id}/fcodes"), Some(&a)).await;
        assert_eq!(s, 403);

        // Typos are told apart before any lookup; unknown codes are 404.
        let mut typo = batch[0].clone().into_bytes();
        typo[0] = if typo[0] == b'2' { b'3' } else { b'2' };
        for (code, expect) in [
            ("!!!!-AAAA-BBBBB".to_string(), (422, "fcode_invalid_symbol")),
            ("ABCD".to_string(), (422, "fcode_wrong_length")),
            (String::from_utf8(typo).unwrap(), (422, "fcode_typo")),
        ] {
            let (s, e) = app.post("/api/v1/fcodes/redeem", Some(&a), json!({"code": code})).await;
            assert_eq!((s, error_code(&e)), expect, "{code}");
        }
        let unknown = canyu_app::testing::launch::fcode::FCode::generate(&mut rand::rng()).to_string();
        let (s, e) = app.post("/api/v1/fcodes/redeem", Some(&a), json!({"code": unknown})).await;
        assert_eq!((s, error_code(&e)), (404, "fcode_not_found"));

        // An unredeemed code cannot order; redeemed (typed loosely) it is a's.
        let (s, e) = order(&app, id, &a, "o1", json!({"fcode": batch[0]})).await;
        assert_eq!((s, error_code(&e)), (409, "fcode_not_redeemed"));
        let loose = batch[0].to_lowercase().replace('-', " ");
        let (s, r) = app.post("/api/v1/fcodes/redeem", Some(&a), json!({"code": loose})).await;
        assert_eq!((s, r["status"].as_str(), r["transferable"].as_bool()), (200, Some("bound"), Some(true)));
        let (s, e) = app.post("/api/v1/fcodes/redeem", Some(&b), json!({"code": batch[0]})).await;
        assert_eq!((s, error_code(&e)), (409, "fcode_already_redeemed"));

        // Passing on: not to oneself, not someone else's, once.
        let (s, e) =
            app.post("/api/v1/fcodes/transfer", Some(&a), json!({"code": batch[0], "to": "fan_a"})).await;
        assert_eq!((s, error_code(&e)), (422, "fcode_self_transfer"));
        let (s, e) =
            app.post("/api/v1/fcodes/transfer", Some(&c), json!({"code": batch[0], "to": "fan_b"})).await;
        assert_eq!((s, error_code(&e)), (403, "fcode_not_yours"));
        let (s, e) =
            app.post("/api/v1/fcodes/transfer", Some(&a), json!({"code": batch[0], "to": "nobody"})).await;
        assert_eq!((s, error_code(&e)), (404, "user_not_found"));
        let (s, r) =
            app.post("/api/v1/fcodes/transfer", Some(&a), json!({"code": batch[0], "to": "fan_b"})).await;
        assert_eq!(
            (s, r["status"].as_str(), r["transferable"].as_bool()),
            (200, Some("transferred"), Some(false))
        );
        let (s, e) =
            app.post("/api/v1/fcodes/transfer", Some(&b), json!({"code": batch[0], "to": "fan_c"})).await;
        assert_eq!((s, error_code(&e)), (409, "fcode_already_transferred"));
        let (s, e) = order(&app, id, &a, "o1", json!({"fcode": batch[0]})).await;
        assert_eq!((s, error_code(&e)), (403, "fcode_not_yours"));

        // General stock (2 units) sells out; the F-code lane (1 unit) is still there for b.
        for (fan, key) in [(&c, "g1"), (&a, "g2")] {
            let (s, r) = order(&app, id, fan, key, json!({})).await;
            assert_eq!(s, 201, "{r}");
        }
        let (s, e) = order(&app, id, &c, "g3", json!({})).await;
        assert_eq!((s, error_code(&e)), (409, "sold_out"));
        let (s, first) = order(&app, id, &b, "f1", json!({"fcode": batch[0]})).await;
        assert_eq!(s, 201, "{first}");
        let (s, again) = order(&app, id, &b, "f1", json!({"fcode": batch[0]})).await;
        assert_eq!((s, again["id"].clone()), (201, first["id"].clone()), "a retry replays");
        let (s, e) = order(&app, id, &b, "f2", json!({"fcode": batch[0]})).await;
        assert_eq!((s, error_code(&e)), (409, "fcode_used"));
        let (s, e) =
            app.post("/api/v1/fcodes/transfer", Some(&b), json!({"code": batch[0], "to": "fan_c"})).await;
        assert_eq!((s, error_code(&e)), (409, "fcode_used"));
        // Another code, but the lane is empty: sold out, not general stock.
        app.post("/api/v1/fcodes/redeem", Some(&c), json!({"code": batch[1]})).await;
        let (s, e) = order(&app, id, &c, "f3", json!({"fcode": batch[1]})).await;
        assert_eq!((s, error_code(&e)), (409, "sold_out"));
        // A code of another wave.
        let other = wave(&app, &staff, json!({"fcode_quantity": 1})).await;
        let (s, e) = order(&app, other, &c, "f4", json!({"fcode": batch[1]})).await;
        assert_eq!((s, error_code(&e)), (422, "fcode_wrong_wave"));

        let (_, list) = app.get(&format!("/api/v1/waves/{id}/fcodes"), Some(&staff)).await;
        assert_eq!(
            (list[0]["issued_bound"].as_i64(), list[0]["transferred"].as_i64(), list[0]["used"].as_i64()),
            (Some(2), Some(1), Some(1))
        );
        let (_, w) = app.get(&format!("/api/v1/waves/{id}"), None).await;
        assert_eq!((w["sold"].as_i64(), w["remaining"].as_i64()), (Some(3), Some(0)));
    }
}

#[tokio::test]
async fn twenty_concurrent_orders_with_one_code_make_one_order() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("fan_hot").await;
        let id =
            wave(&app, &staff, json!({"quantity": 50, "fcode_quantity": 30, "eligibility": "fcode"})).await;
        let code = codes(&app, &staff, id, 1).await.remove(0);

        // An fcode wave admits only holders of a code for it.
        let (s, e) = order(&app, id, &fan, "none", json!({})).await;
        assert_eq!((s, error_code(&e)), (403, "fcode_required"));
        let (s, _) = app.post("/api/v1/fcodes/redeem", Some(&fan), json!({"code": code})).await;
        assert_eq!(s, 200);

        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..20 {
            let (client, url, fan, code) = (
                app.client.clone(),
                app.url(&format!("/api/v1/waves/{id}/orders")),
                fan.clone(),
                code.clone(),
            );
            tasks.spawn(async move {
                let res = client
                    .post(url)
                    .bearer_auth(fan)
                    .header("idempotency-key", format!("k{i}"))
                    .json(&json!({"fcode": code}))
                    .send()
                    .await
                    .expect("request");
                common::to_json(res).await
            });
        }
        let (mut placed, mut used) = (0, 0);
        while let Some(r) = tasks.join_next().await {
            let (s, b) = r.unwrap();
            match s {
                201 => placed += 1,
                409 if error_code(&b) == "fcode_used" => used += 1,
                _ => panic!("{backend:?}: unexpected {s} {b}"),
            }
        }
        assert_eq!((placed, used), (1, 19), "{backend:?}");
        let (orders, sold) = app.store.wave_order_counts(id).await.unwrap();
        assert_eq!((orders, sold), (1, 1));
        // The code is used: the fan no longer holds one, so the fcode wave refuses a plain order.
        let (s, e) = order(&app, id, &fan, "after", json!({})).await;
        assert_eq!((s, error_code(&e)), (403, "fcode_required"));
    }
}

#[tokio::test]
async fn awards_by_points_are_idempotent_and_usable() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let rich = app.register("fan_rich").await;
        app.register("fan_poor").await;
        let rich_id = app.store.user_by_handle("fan_rich").await.unwrap().unwrap().user.id;
        let staff_id = app.store.user_by_handle("staff_lead").await.unwrap().unwrap().user.id;
        let adj = canyu_core::points::Adjustment::parse(500, "活动").unwrap();
        app.store.adjust_points(rich_id, staff_id, &adj, "seed", 1).await.unwrap();
        let id = wave(&app, &staff, json!({"fcode_quantity": 1, "eligibility": "fcode"})).await;

        for body in [json!({"min_points": -1}), json!({"min_points": 1, "max": 0})] {
            let (s, e) = app.post(&format!("/api/v1/waves/{id}/fcodes/award"), Some(&staff), body).await;
            assert_eq!((s, error_code(&e)), (422, "invalid_award_rule"));
        }
        let (s, e) = app
            .post(&format!("/api/v1/waves/{id}/fcodes/award"), Some(&rich), json!({"min_points": 100}))
            .await;
        assert_eq!(s, 403, "{e}");
        let (s, r) = app
            .post(&format!("/api/v1/waves/{id}/fcodes/award"), Some(&staff), json!({"min_points": 100}))
            .await;
        assert_eq!((s, r["awarded"].as_i64()), (200, Some(1)));
        let (_, r) = app
            .post(&format!("/api/v1/waves/{id}/fcodes/award"), Some(&staff), json!({"min_points": 100}))
            .await;
        assert_eq!(r["awarded"].as_i64(), Some(0), "idempotent");

        // The fan never saw the code: `use_fcode` orders with the one they hold.
        let (s, o) = order(&app, id, &rich, "a1", json!({"use_fcode": true})).await;
        assert_eq!(s, 201, "{o}");
        let (s, e) = order(&app, id, &rich, "a2", json!({"use_fcode": true})).await;
        assert_eq!((s, error_code(&e)), (404, "fcode_not_found"));
    }
}
