//! Launch campaigns through the JSON API, on every configured backend: bad input, the
//! phases (no price before the reveal, not even by API), reservations and their lanes, and
//! reservation-only waves where the fan lane orders first.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_core::points::Adjustment;
use canyu_core::time::rfc3339;
use common::{backends, error_code, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

fn now() -> i64 {
    canyu_app::now_millis()
}

/// Teaser in 1 h, reveal in 2 h, reservations from 3 h to 5 h (from `t`).
fn campaign_body(t: i64) -> Value {
    json!({
        "product": "xiaomi-su7", "title": "小米 SU7 上市",
        "teaser_at": rfc3339(t + HOUR), "reveal_at": rfc3339(t + 2 * HOUR),
        "reservations_open_at": rfc3339(t + 3 * HOUR), "reservations_close_at": rfc3339(t + 5 * HOUR),
        "fan_lane_places": 1, "fan_lane_min_points": 100, "fan_lane_head_start_minutes": 10,
        // These tests place orders without addresses; the rule has its own test.
        "one_per_address": false,
        "skus": [
            {"code": "su7", "name": "SU7 标准版", "price_fen": 21_590_000, "small_deposit_fen": 500_000, "big_deposit_fen": 500_000},
            {"code": "su7-max", "name": "SU7 Max", "price_fen": 29_990_000, "big_deposit_fen": 500_000}
        ]
    })
}

fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

/// A campaign whose price was revealed three hours before `t` (so its waves may sell now).
fn revealed_body(t: i64) -> Value {
    with(campaign_body(t - 4 * HOUR), "reveal_at", json!(rfc3339(t - 3 * HOUR)))
}

/// A first-come wave of the campaign's `su7`, open from a minute before `t` for an hour.
async fn open_campaign_wave(app: &common::TestApp, staff: &str, campaign: i64, quantity: i64, t: i64) -> i64 {
    let (s, w) = app
        .post(
            "/api/v1/waves",
            Some(staff),
            json!({"product": "xiaomi-su7", "sku": "su7", "quantity": quantity, "mode": "fcfs",
                   "starts_at": rfc3339(t - MIN), "ends_at": rfc3339(t + HOUR), "campaign": campaign}),
        )
        .await;
    assert_eq!(s, 201, "{w}");
    w["id"].as_i64().unwrap()
}

async fn give_points(app: &common::TestApp, handle: &str, points: i64) {
    let fan = app.store.user_by_handle(handle).await.unwrap().expect("fan").user.id;
    let adj = Adjustment::parse(points, "老粉").unwrap();
    app.store.adjust_points(fan, fan, &adj, "seed", 1).await.unwrap();
}

#[tokio::test]
async fn a_campaign_goes_from_teaser_to_reveal_to_reservations_to_its_waves() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let veteran = app.register("老米粉").await;
        give_points(&app, "老米粉", 150).await;
        let fan = app.register("新米粉").await;
        let bystander = app.register("路人").await;
        let t = now();
        let body = campaign_body(t);

        // Bad input: a clear code, nothing created.
        let (s, b) = app.post("/api/v1/campaigns", Some(&fan), body.clone()).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"), "{backend:?}");
        for (bad, code) in [
            (with(body.clone(), "reveal_at", json!(rfc3339(t))), "invalid_campaign_schedule"),
            (with(body.clone(), "reveal_at", json!("after lunch")), "invalid_time"),
            (with(body.clone(), "title", json!(" ")), "invalid_campaign_title"),
            (with(body.clone(), "skus", json!([])), "invalid_sku"),
            (
                with(
                    body.clone(),
                    "skus",
                    json!([{"code": "a", "name": "A", "price_fen": 100, "big_deposit_fen": 101}]),
                ),
                "invalid_price",
            ),
            (
                with(
                    body.clone(),
                    "skus",
                    json!([{"code": "a", "name": "A", "price_fen": 1}, {"code": "a", "name": "B", "price_fen": 1}]),
                ),
                "invalid_sku",
            ),
            (with(body.clone(), "refund_days", json!(31)), "invalid_order_terms"),
            (with(body.clone(), "fan_lane_places", json!(-1)), "invalid_reservation_rules"),
            (with(body.clone(), "product", json!("no-such-phone")), "unknown_product"),
        ] {
            let (s, b) = app.post("/api/v1/campaigns", Some(&staff), bad).await;
            assert_eq!((s, error_code(&b)), (422, code), "{b}");
        }
        let (s, b) = app.post("/api/v1/campaigns", Some(&staff), with(body.clone(), "price", json!(1))).await;
        assert_eq!((s, error_code(&b)), (400, "invalid_json"));
        assert!(app.store.campaigns(10).await.unwrap().is_empty(), "nothing was created");

        let (s, created) = app.post("/api/v1/campaigns", Some(&staff), body.clone()).await;
        assert_eq!(s, 201, "{created}");
        let id = created["id"].as_i64().unwrap();
        let path = format!("/api/v1/campaigns/{id}");
        assert_eq!(created["phase"], "hidden");
        assert_eq!(created["refund_days"], 7);
        assert_eq!(created["hold_minutes"], 15);

        // Hidden: only the people who run the product see it.
        let (s, b) = app.get(&path, Some(&fan)).await;
        assert_eq!((s, error_code(&b)), (404, "campaign_not_found"));
        let (s, _) = app.get(&path, None).await;
        assert_eq!(s, 404);

        // Teaser: public, counting down, and the price is nowhere in the answer, for anyone.
        app.clock_offset.store(HOUR, Ordering::Relaxed);
        for token in [None, Some(fan.as_str()), Some(staff.as_str())] {
            let res = app.client.get(app.url(&path)).bearer_auth(token.unwrap_or("")).send().await.unwrap();
            let text = res.text().await.unwrap();
            assert!(!text.contains("21590000") && !text.contains("500000"), "price leaked: {text}");
            let b: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(b["phase"], "teaser", "{b}");
            assert!(b["skus"][0].get("price_fen").is_none());
            assert_eq!(b["skus"][1]["name"], "SU7 Max");
        }
        let (s, b) = app.post(&format!("{path}/reservations"), Some(&fan), json!({})).await;
        assert_eq!((s, error_code(&b)), (409, "reservations_not_open"));

        // Reveal: prices and the deposits on offer.
        app.clock_offset.store(2 * HOUR, Ordering::Relaxed);
        let (_, b) = app.get(&path, None).await;
        assert_eq!(b["phase"], "revealed");
        assert_eq!(b["skus"][0]["price_fen"], 21_590_000);
        assert_eq!(b["skus"][0]["small_deposit_fen"], 500_000);
        assert!(b["skus"][1].get("small_deposit_fen").is_none(), "Max takes no small orders");

        // Reservations: the veteran takes the one fan-lane place, the others the general lane.
        app.clock_offset.store(3 * HOUR, Ordering::Relaxed);
        let (s, b) = app.post(&format!("{path}/reservations"), Some(&veteran), json!({})).await;
        assert_eq!(s, 201, "{b}");
        assert_eq!((b["lane"].as_str(), b["place"].as_i64()), (Some("fan"), Some(1)));
        let (s, b) = app.post(&format!("{path}/reservations"), Some(&fan), json!({})).await;
        assert_eq!((s, b["lane"].as_str(), b["place"].as_i64()), (201, Some("general"), Some(1)));
        let (s, again) = app.post(&format!("{path}/reservations"), Some(&fan), json!({})).await;
        assert_eq!((s, &again), (200, &b), "a second reservation answers with the first");
        // An account made after the teaser cannot reserve (scalpers' fresh accounts).
        let late = app.register("新注册").await;
        let res = app
            .client
            .post(app.url(&format!("{path}/reservations")))
            .bearer_auth(&late)
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap();
        let (s, b) = common::to_json(res).await;
        assert_eq!((s, error_code(&b)), (403, "account_too_new"));
        assert!(b["error"]["message"].as_str().unwrap().contains("注册"), "message in Chinese: {b}");
        let (_, b) = app.get(&path, Some(&fan)).await;
        assert_eq!(b["my_reservation"]["lane"], "general");
        assert_eq!(
            (b["fan_lane"]["taken"].as_i64(), b["general_lane"]["taken"].as_i64()),
            (Some(1), Some(1))
        );

        // A reservation-only wave needs its campaign, of the same product.
        let server_now = now() + 3 * HOUR;
        let wave = json!({"product": "xiaomi-su7", "sku": "su7", "quantity": 10, "mode": "fcfs",
            "starts_at": rfc3339(server_now - MIN), "ends_at": rfc3339(server_now + 5 * HOUR),
            "eligibility": "reservation", "campaign": id});
        let (s, b) =
            app.post("/api/v1/waves", Some(&staff), with(wave.clone(), "campaign", Value::Null)).await;
        assert_eq!((s, error_code(&b)), (422, "invalid_eligibility"));
        let (s, b) =
            app.post("/api/v1/waves", Some(&staff), with(wave.clone(), "campaign", json!(id + 100))).await;
        assert_eq!((s, error_code(&b)), (422, "invalid_campaign"));
        let (s, w) = app.post("/api/v1/waves", Some(&staff), wave).await;
        assert_eq!((s, w["campaign"].as_i64()), (201, Some(id)), "{w}");
        let orders = format!("/api/v1/waves/{}/orders", w["id"]);
        let order = |token: String, key: &'static str| {
            let req = app
                .client
                .request(Method::POST, app.url(&orders))
                .bearer_auth(token)
                .header("idempotency-key", key)
                .header("accept-language", "en")
                .json(&json!({"kind": "big", "buyer_name": "雷军"}));
            async move { common::to_json(req.send().await.unwrap()).await }
        };
        let (s, b) = order(bystander.clone(), "k1").await;
        assert_eq!((s, error_code(&b)), (403, "reservation_required"));
        let (s, b) = order(fan.clone(), "k2").await;
        assert_eq!((s, error_code(&b)), (409, "lane_not_open"), "the general lane waits 10 minutes");
        let (s, b) = order(veteran.clone(), "k3").await;
        assert_eq!(s, 201, "the fan lane orders first: {b}");
        app.clock_offset.store(3 * HOUR + 10 * MIN, Ordering::Relaxed);
        let (s, b) = order(fan.clone(), "k4").await;
        assert_eq!(s, 201, "then the general lane: {b}");
        let (_, b) = app.get(&path, None).await;
        assert_eq!(b["waves"][0]["eligibility"], "reservation");

        // After the window: closed, and the campaign is selling.
        app.clock_offset.store(5 * HOUR, Ordering::Relaxed);
        let (s, b) = app.post(&format!("{path}/reservations"), Some(&bystander), json!({})).await;
        assert_eq!((s, error_code(&b)), (409, "reservations_closed"));
        let (_, b) = app.get(&path, None).await;
        assert_eq!(b["phase"], "sales");
        assert_eq!(app.store.reservation_counts(id).await.unwrap(), (1, 1), "refusals took nothing");
    }
}

/// 40 fans reserve at once through the server for 10 fan-lane and 15 general places.
#[tokio::test]
async fn concurrent_reservations_fill_the_lanes_exactly() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let mut fans = Vec::new();
        for i in 0..40 {
            fans.push(app.register(&format!("fan{i}")).await);
        }
        let t = now() - 3 * HOUR - 30 * MIN;
        let body = with(
            with(with(campaign_body(t), "fan_lane_places", json!(10)), "fan_lane_min_points", json!(0)),
            "general_places",
            json!(15),
        );
        // Reservations opened half an hour ago; the fans registered before the cutoff.
        let body = with(body, "account_cutoff_at", json!(rfc3339(now() + MIN)));
        let (s, c) = app.post("/api/v1/campaigns", Some(&staff), body).await;
        assert_eq!(s, 201, "{c}");
        let path = format!("/api/v1/campaigns/{}/reservations", c["id"]);
        let tasks: Vec<_> = fans
            .iter()
            .map(|token| {
                let req = app.client.post(app.url(&path)).bearer_auth(token).header("accept-language", "en");
                tokio::spawn(async move { common::to_json(req.send().await.unwrap()).await })
            })
            .collect();
        let mut counts = std::collections::BTreeMap::new();
        for task in tasks {
            let (s, b) = task.await.unwrap();
            let outcome = match s {
                201 => b["lane"].as_str().unwrap().to_string(),
                409 => error_code(&b).to_string(),
                _ => panic!("{s} {b}"),
            };
            *counts.entry(outcome).or_insert(0) += 1;
        }
        let want: std::collections::BTreeMap<String, i32> =
            [("fan".into(), 10), ("general".into(), 15), ("reservations_full".into(), 15)].into();
        assert_eq!(counts, want, "{backend:?}");
        let id = c["id"].as_i64().unwrap();
        assert_eq!(app.store.reservation_counts(id).await.unwrap(), (10, 15));
    }
}

/// Mi 1's fan lane took fans with enough forum points or an F-code: a fan holding an unused
/// F-code for one of the campaign's waves takes a fan-lane place without the points. A code
/// of a wave outside the campaign does not count, nor does one already passed on.
#[tokio::test]
async fn an_fcode_of_the_campaign_stands_in_for_points_in_the_fan_lane() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let holder = app.register("持码粉").await;
        let outsider = app.register("别处的码").await;
        let giver = app.register("送码粉").await;
        let receiver = app.register("收码粉").await;
        // Reservations opened half an hour ago; everyone registered before the cutoff.
        let t = now() - 3 * HOUR - 30 * MIN;
        let body = with(campaign_body(t), "fan_lane_places", json!(5));
        let body = with(body, "account_cutoff_at", json!(rfc3339(now() + MIN)));
        let (s, c) = app.post("/api/v1/campaigns", Some(&staff), body).await;
        assert_eq!(s, 201, "{c}");
        let id = c["id"].as_i64().unwrap();
        let wave = |campaign: Value| {
            let staff = staff.clone();
            let app = &app;
            async move {
                let (s, w) = app
                    .post(
                        "/api/v1/waves",
                        Some(&staff),
                        json!({"product": "xiaomi-su7", "sku": "su7", "quantity": 10, "mode": "fcfs",
                               "starts_at": rfc3339(now() + 2 * HOUR), "ends_at": rfc3339(now() + 3 * HOUR),
                               "campaign": campaign}),
                    )
                    .await;
                assert_eq!(s, 201, "{w}");
                let (s, b) = app
                    .post(&format!("/api/v1/waves/{}/fcodes", w["id"]), Some(&staff), json!({"count": 2}))
                    .await;
                assert_eq!(s, 201, "{b}");
                b["codes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
            }
        };
        let campaign_codes = wave(json!(id)).await;
        let outside_codes = wave(Value::Null).await;
        for (fan, code) in
            [(&holder, &campaign_codes[0]), (&outsider, &outside_codes[0]), (&giver, &campaign_codes[1])]
        {
            let (s, b) = app.post("/api/v1/fcodes/redeem", Some(fan), json!({"code": code})).await;
            assert_eq!(s, 200, "{b}");
        }
        let (s, b) = app
            .post("/api/v1/fcodes/transfer", Some(&giver), json!({"code": campaign_codes[1], "to": "收码粉"}))
            .await;
        assert_eq!(s, 200, "{b}");

        let path = format!("/api/v1/campaigns/{id}/reservations");
        for (fan, lane) in [(&holder, "fan"), (&outsider, "general"), (&giver, "general"), (&receiver, "fan")]
        {
            let (s, b) = app.post(&path, Some(fan), json!({})).await;
            assert_eq!((s, b["lane"].as_str()), (201, Some(lane)), "{backend:?} {b}");
        }
        assert_eq!(app.store.reservation_counts(id).await.unwrap(), (2, 2));
        let page = app.client.get(app.url(&format!("/campaigns/{id}"))).header("accept-language", "zh-CN");
        let page = page.send().await.unwrap().text().await.unwrap();
        assert!(page.contains("或持有本次发布的 F 码"), "the page says an F-code admits to the fan lane");
    }
}

const SECRET: &str = "test-payment-secret-0123456789abcdef";

fn sign(body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn notify(
    app: &common::TestApp,
    order: i64,
    amount: i64,
    reference: &str,
    signature: Option<String>,
) -> (u16, Value) {
    let body = json!({"order": order, "provider": "alipay", "provider_ref": reference, "amount_fen": amount})
        .to_string();
    let signature = signature.unwrap_or_else(|| sign(&body));
    let res = app
        .client
        .post(app.url("/api/v1/payments/notify"))
        .header("content-type", "application/json")
        .header("canyu-signature", signature)
        .header("accept-language", "en")
        .body(body)
        .send()
        .await
        .unwrap();
    common::to_json(res).await
}

async fn place(app: &common::TestApp, wave: i64, token: &str, key: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/waves/{wave}/orders")))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .header("accept-language", "en")
        .json(&body)
        .send()
        .await
        .unwrap();
    common::to_json(res).await
}

/// Deposits through their whole life: bad choices refused, a signed payment (bad signatures
/// and wrong amounts changing nothing), rename until lock, lock, refusals after lock, a
/// refund that puts the unit back on sale, an unpaid hold that expires, a big order that
/// locks by itself after 7 days, and the production queue by lock time.
#[tokio::test]
async fn deposit_orders_follow_the_state_machine() {
    for backend in backends() {
        let config = canyu_app::AppConfig {
            payment_secret: Some(SECRET.as_bytes().to_vec()),
            simulated_payments: true,
            ..common::test_config()
        };
        let app = common::spawn_app_with(backend, config).await;
        let staff = app.seed_catalog().await;
        let [a, b, c, d] = [
            app.register("车主甲").await,
            app.register("车主乙").await,
            app.register("车主丙").await,
            app.register("车主丁").await,
        ];
        let t = now();
        let body =
            with(with(revealed_body(t), "fan_lane_places", json!(0)), "fan_lane_min_points", Value::Null);
        let (s, c_body) = app.post("/api/v1/campaigns", Some(&staff), body).await;
        assert_eq!(s, 201, "{c_body}");
        let campaign = c_body["id"].as_i64().unwrap();
        let wave_body = json!({"product": "xiaomi-su7", "sku": "su7", "quantity": 3, "mode": "fcfs",
            "starts_at": rfc3339(t - MIN), "ends_at": rfc3339(t + 30 * 24 * HOUR), "campaign": campaign});
        let (s, b2) =
            app.post("/api/v1/waves", Some(&staff), with(wave_body.clone(), "sku", json!("su7-pro"))).await;
        assert_eq!((s, error_code(&b2)), (422, "invalid_sku"), "a campaign wave sells one of its SKUs");
        let (s, w) = app.post("/api/v1/waves", Some(&staff), wave_body).await;
        assert_eq!(s, 201, "{w}");
        let wave = w["id"].as_i64().unwrap();

        for (body, code) in [
            (json!({}), "order_kind_required"),
            (json!({"kind": "lease", "buyer_name": "张三"}), "invalid_order_kind"),
            (json!({"kind": "big", "buyer_name": "  "}), "invalid_buyer_name"),
        ] {
            let (s, r) = place(&app, wave, &a, "bad", body).await;
            assert_eq!((s, error_code(&r)), (422, code));
        }
        let (s, order) = place(&app, wave, &a, "a1", json!({"kind": "big", "buyer_name": "张三"})).await;
        assert_eq!(s, 201, "{order}");
        let oa = order["id"].as_i64().unwrap();
        assert_eq!(order["launch"]["state"], "awaiting_payment");
        assert_eq!(order["launch"]["amount_fen"], 500_000);
        let (s, again) = place(&app, wave, &a, "a1", json!({"kind": "big", "buyer_name": "张三"})).await;
        assert_eq!((s, again["id"].as_i64()), (201, Some(oa)), "a retry is the same order");

        // Payments: the signature and the amount are checked before anything changes.
        let (s, r) = notify(&app, oa, 500_000, "T1", Some("sha256=00".into())).await;
        assert_eq!((s, error_code(&r)), (401, "invalid_signature"));
        let (s, r) = notify(&app, oa, 400_000, "T1", None).await;
        assert_eq!((s, error_code(&r)), (422, "amount_mismatch"));
        let (_, shown) = app.get(&format!("/api/v1/orders/{oa}"), Some(&a)).await;
        assert_eq!(shown["launch"]["state"], "awaiting_payment", "refused notifications changed nothing");
        let (s, r) = notify(&app, oa, 500_000, "T1", None).await;
        assert_eq!((s, r["status"].as_str()), (200, Some("recorded")));
        let (s, r) = notify(&app, oa, 500_000, "T1", None).await;
        assert_eq!((s, r["status"].as_str()), (200, Some("duplicate")));
        let (_, shown) = app.get(&format!("/api/v1/orders/{oa}"), Some(&a)).await;
        assert_eq!(shown["launch"]["state"], "deposited");
        assert!(shown["launch"]["refundable_until"].is_string());

        // Rename until locked; only the buyer locks; after the lock no refund, no rename.
        let (s, r) = app
            .call(
                Method::PATCH,
                &format!("/api/v1/orders/{oa}"),
                Some(&a),
                Some(json!({"buyer_name": "张三丰"})),
            )
            .await;
        assert_eq!((s, r["buyer_name"].as_str()), (200, Some("张三丰")));
        let (s, r) = app.post(&format!("/api/v1/orders/{oa}/lock"), Some(&b), json!({})).await;
        assert_eq!((s, error_code(&r)), (404, "order_not_found"));
        let (s, r) = app.post(&format!("/api/v1/orders/{oa}/lock"), Some(&a), json!({})).await;
        assert_eq!((s, r["state"].as_str()), (200, Some("locked")));
        let (s, r) = app.post(&format!("/api/v1/orders/{oa}/refund"), Some(&a), json!({})).await;
        assert_eq!((s, error_code(&r)), (409, "order_locked"));
        let (s, r) = app
            .call(
                Method::PATCH,
                &format!("/api/v1/orders/{oa}"),
                Some(&a),
                Some(json!({"buyer_name": "李四"})),
            )
            .await;
        assert_eq!((s, error_code(&r)), (409, "order_locked"));

        // A small order, paid by the simulated provider, refunded: its unit goes back on sale.
        let (s, ob) = place(&app, wave, &b, "b1", json!({"kind": "small", "buyer_name": "李四"})).await;
        assert_eq!(s, 201, "{ob}");
        let ob = ob["id"].as_i64().unwrap();
        let (s, r) = app.post(&format!("/api/v1/orders/{ob}/simulated-payment"), Some(&b), json!({})).await;
        assert_eq!((s, r["state"].as_str()), (200, Some("deposited")));
        let (s, r) = app.post(&format!("/api/v1/orders/{ob}/refund"), Some(&b), json!({})).await;
        assert_eq!((s, r["state"].as_str()), (200, Some("refunded")));
        let (_, w) = app.get(&format!("/api/v1/waves/{wave}"), None).await;
        assert_eq!(w["remaining"], 2, "the refunded unit is back: {w}");

        // An unpaid hold expires after 15 minutes; a payment after that is refused.
        let (s, oc) = place(&app, wave, &c, "c1", json!({"kind": "big", "buyer_name": "王五"})).await;
        assert_eq!(s, 201, "{oc}");
        let oc = oc["id"].as_i64().unwrap();
        let (s, od) = place(&app, wave, &d, "d1", json!({"kind": "big", "buyer_name": "赵六"})).await;
        assert_eq!(s, 201, "{od}");
        let od = od["id"].as_i64().unwrap();
        let (s, r) = place(&app, wave, &b, "b2", json!({"kind": "big", "buyer_name": "李四"})).await;
        assert_eq!((s, error_code(&r)), (409, "sold_out"));
        let (s, _) = app.post(&format!("/api/v1/orders/{od}/simulated-payment"), Some(&d), json!({})).await;
        assert_eq!(s, 200);
        // Five minutes before the hold runs out the fan is reminded, once; the paid order is not.
        app.clock_offset.store(5 * MIN, Ordering::Relaxed);
        let swept = canyu_app::campaigns::launch_orders::sweep(&app.state).await.unwrap();
        assert_eq!(swept.reminded, 0, "not yet: {swept:?}");
        app.clock_offset.store(10 * MIN + 1_000, Ordering::Relaxed);
        for expected in [1, 0] {
            let swept = canyu_app::campaigns::launch_orders::sweep(&app.state).await.unwrap();
            assert_eq!((swept.reminded, swept.expired), (expected, 0), "{swept:?}");
        }
        let res = app
            .client
            .get(app.url("/api/v1/me/notifications"))
            .bearer_auth(&c)
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap();
        let (_, inbox) = common::to_json(res).await;
        let reminder = &inbox["items"][0];
        assert_eq!(reminder["kind"], "order.hold_expiring", "{inbox}");
        assert_eq!(reminder["url"], format!("/launch-orders/{oc}"));
        assert!(reminder["message"].as_str().unwrap().contains("5 分钟支付时间"), "{reminder}");
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&d)).await;
        assert!(
            inbox["items"].as_array().unwrap().iter().all(|n| n["kind"] != "order.hold_expiring"),
            "a paid order is not reminded: {inbox}"
        );
        app.clock_offset.store(15 * MIN, Ordering::Relaxed);
        let swept = canyu_app::campaigns::launch_orders::sweep(&app.state).await.unwrap();
        assert_eq!((swept.expired, swept.released), (1, 1), "{swept:?}");
        let (_, shown) = app.get(&format!("/api/v1/orders/{oc}"), Some(&c)).await;
        assert_eq!(
            (shown["status"].as_str(), shown["launch"]["state"].as_str()),
            (Some("released"), Some("expired"))
        );
        let (s, r) = notify(&app, oc, 500_000, "T2", None).await;
        assert_eq!((s, error_code(&r)), (409, "hold_expired"));
        let (s, r) = place(&app, wave, &b, "b3", json!({"kind": "big", "buyer_name": "李四"})).await;
        assert_eq!(s, 201, "the expired unit is sold again: {r}");

        // Seven days after payment the big order locks by itself; the queue is by lock time.
        app.clock_offset.store(7 * 24 * HOUR + MIN, Ordering::Relaxed);
        let swept = canyu_app::campaigns::launch_orders::sweep(&app.state).await.unwrap();
        // (B's new order, never paid, expired meanwhile.)
        assert_eq!((swept.locked, swept.expired, swept.released), (1, 1, 1), "{swept:?}");
        let (s, r) = app.post(&format!("/api/v1/orders/{od}/refund"), Some(&d), json!({})).await;
        assert_eq!((s, error_code(&r)), (409, "order_locked"));
        let (s, q) = app.get(&format!("/api/v1/campaigns/{campaign}/production"), Some(&staff)).await;
        assert_eq!(s, 200, "{q}");
        let queue: Vec<i64> =
            q["items"].as_array().unwrap().iter().map(|i| i["order"].as_i64().unwrap()).collect();
        assert_eq!(queue, vec![oa, od]);
        let (s, _) = app.get(&format!("/api/v1/campaigns/{campaign}/production"), Some(&a)).await;
        assert_eq!(s, 403);

        // Production: the queue is built and delivered in lock order, and the buyers are told.
        let advance = |stage: &str, count: i64| json!({"stage": stage, "count": count});
        for bad in [advance("shipped", 1), advance("delivered", 0)] {
            let (s, r) =
                app.post(&format!("/api/v1/campaigns/{campaign}/production"), Some(&staff), bad).await;
            assert_eq!((s, error_code(&r)), (422, "invalid_stage"));
        }
        let (s, _) = app
            .post(&format!("/api/v1/campaigns/{campaign}/production"), Some(&a), advance("in_production", 1))
            .await;
        assert_eq!(s, 403);
        let (s, r) = app
            .post(&format!("/api/v1/campaigns/{campaign}/production"), Some(&staff), advance("delivered", 5))
            .await;
        assert_eq!((s, r["orders"].clone()), (200, json!([])), "nothing is in production yet");
        let (_, r) = app
            .post(
                &format!("/api/v1/campaigns/{campaign}/production"),
                Some(&staff),
                advance("in_production", 1),
            )
            .await;
        assert_eq!(r["orders"], json!([oa]), "the first locked is built first");
        let (_, r) = app
            .post(&format!("/api/v1/campaigns/{campaign}/production"), Some(&staff), advance("delivered", 5))
            .await;
        assert_eq!(r["orders"], json!([oa]));
        let (_, q) = app.get(&format!("/api/v1/campaigns/{campaign}/production"), Some(&staff)).await;
        assert_eq!(
            (q["queued"].as_i64(), q["in_production"].as_i64(), q["delivered"].as_i64()),
            (Some(1), Some(0), Some(1)),
            "{q}"
        );
        assert_eq!(q["delivered_in_days"], 8, "first order to the latest delivery: {q}");
        assert_eq!(q["items"][0]["stage"], "delivered");
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&a)).await;
        assert!(inbox["items"][0]["message"].as_str().unwrap().contains("delivered"), "{inbox}");

        let (_, events) = app.get(&format!("/api/v1/orders/{oa}/events"), Some(&a)).await;
        let trail: Vec<&str> =
            events["items"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
        assert_eq!(trail, ["place", "pay", "lock", "in_production", "delivered"]);
        // 人车家: the delivered order is now the buyer's device, without a serial; D's (still
        // queued) is not yet anyone's.
        let (_, devices) = app.get("/api/v1/me/devices", Some(&a)).await;
        let items = devices["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{devices}");
        assert_eq!(
            (items[0]["owned_via"].as_str(), items[0].get("serial")),
            (Some("order"), None),
            "{devices}"
        );
        let (_, devices) = app.get("/api/v1/me/devices", Some(&d)).await;
        assert_eq!(devices["items"], json!([]));
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&d)).await;
        let kinds: Vec<&str> =
            inbox["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            ["order.state", "order.state", "order.placed"],
            "placed, paid, then locked: {inbox}"
        );
        let (held, sold) = app.store.wave_order_counts(wave).await.unwrap();
        assert_eq!((held, sold), (2, 2), "sold = the units the two locked orders hold");
    }
}

/// Reads server-sent events until one `snapshot` arrives; returns its data.
async fn next_snapshot(res: &mut reqwest::Response, buffer: &mut String) -> Value {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if frame.lines().any(|l| l == "event: snapshot") {
                let data: String =
                    frame.lines().filter_map(|l| l.strip_prefix("data: ")).collect::<Vec<_>>().join("\n");
                return serde_json::from_str(&data).expect("snapshot json");
            }
            continue;
        }
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), res.chunk())
            .await
            .expect("a snapshot within 10 s")
            .expect("stream")
            .expect("stream still open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// The live counter streams snapshots of the campaign's orders and stock, follows new orders,
/// has the campaign's visibility, and stops its producer when the last viewer leaves.
#[tokio::test]
async fn the_live_counter_streams_orders_and_stock() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fans =
            [app.register("直播粉1").await, app.register("直播粉2").await, app.register("直播粉3").await];
        let t = now();
        let body = revealed_body(t);
        let (_, c) = app.post("/api/v1/campaigns", Some(&staff), body).await;
        let campaign = c["id"].as_i64().unwrap();
        let wave = open_campaign_wave(&app, &staff, campaign, 10, t).await;
        let mut placed = Vec::new();
        for (i, (fan, kind)) in fans.iter().zip(["big", "big", "small"]).enumerate().take(2) {
            let (s, r) =
                place(&app, wave, fan, &format!("k{i}"), json!({"kind": kind, "buyer_name": "观众"})).await;
            assert_eq!(s, 201, "{r}");
            placed.push(r["id"].as_i64().unwrap());
        }
        // The first order is paid, locked and delivered (the big screen shows deliveries).
        use canyu_core::campaign::{OrderEvent, OrderState, Stage};
        for (from, to, event) in [
            (OrderState::AwaitingPayment, OrderState::Deposited, OrderEvent::Pay),
            (OrderState::Deposited, OrderState::Locked, OrderEvent::Lock),
        ] {
            let t = canyu_app::testing::store::Transition {
                order_id: placed[0],
                from,
                to,
                event,
                actor_id: None,
                now: now(),
                refundable_until: None,
            };
            assert!(app.store.apply_launch_transition(&t).await.unwrap());
        }
        let staff_id = app.store.user_by_handle("staff_lead").await.unwrap().expect("staff").user.id;
        for (from, to) in [(Stage::Queued, Stage::InProduction), (Stage::InProduction, Stage::Delivered)] {
            app.store.advance_production(campaign, from, to, 10, staff_id, now()).await.unwrap();
        }

        let mut res =
            app.client.get(app.url(&format!("/api/v1/campaigns/{campaign}/live"))).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        let mut buffer = String::new();
        let first = next_snapshot(&mut res, &mut buffer).await;
        assert_eq!(first["orders"]["total"], 2, "{first}");
        assert_eq!(first["orders"]["by_kind"]["big"], 2);
        assert_eq!(first["orders"]["by_state"]["awaiting_payment"], 1);
        assert_eq!(first["orders"]["by_state"]["locked"], 1);
        assert_eq!(
            first["production"],
            json!({"queued": 0, "in_production": 0, "delivered": 1, "delivered_in_days": 1}),
            "{first}"
        );
        assert_eq!(first["waves"][0]["remaining"], 8);
        assert!(!first.to_string().contains("21590000"), "no price in the stream");
        assert_eq!(app.state.live().watched(), 1);

        // A new order shows up in a later snapshot.
        let (s, _) = place(&app, wave, &fans[2], "k2", json!({"kind": "small", "buyer_name": "观众"})).await;
        assert_eq!(s, 201);
        let mut latest = next_snapshot(&mut res, &mut buffer).await;
        for _ in 0..10 {
            if latest["orders"]["total"] == 3 {
                break;
            }
            latest = next_snapshot(&mut res, &mut buffer).await;
        }
        assert_eq!(
            (latest["orders"]["total"].as_i64(), latest["orders"]["by_kind"]["small"].as_i64()),
            (Some(3), Some(1))
        );
        assert_eq!(latest["waves"][0]["remaining"], 7);
        assert!(latest["at"].as_i64().unwrap() >= first["at"].as_i64().unwrap());

        // More viewers than delivery groups: each is handed the same snapshots, and one
        // producer serves them all.
        let url = app.url(&format!("/api/v1/campaigns/{campaign}/live"));
        let crowd: Vec<_> = (0..40)
            .map(|_| {
                let req = app.client.get(&url);
                tokio::spawn(async move {
                    let mut res = req.send().await.unwrap();
                    let mut buffer = String::new();
                    let first = next_snapshot(&mut res, &mut buffer).await;
                    let next = next_snapshot(&mut res, &mut buffer).await;
                    (first["orders"]["total"].as_i64(), next["at"].as_i64() > first["at"].as_i64(), res)
                })
            })
            .collect();
        let mut viewers = Vec::new();
        for viewer in crowd {
            let (total, moved_on, res) = viewer.await.unwrap();
            assert_eq!((total, moved_on), (Some(3), true), "every viewer follows the snapshots");
            viewers.push(res);
        }
        assert_eq!(app.state.live().watched(), 1, "one producer for 41 viewers");

        // The last viewer leaves: the producer stops.
        drop(viewers);
        drop(res);
        for _ in 0..50 {
            if app.state.live().watched() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(app.state.live().watched(), 0, "the producer stopped");

        // A campaign before its teaser has no public live counter either.
        let hidden = campaign_body(t);
        let (_, h) = app.post("/api/v1/campaigns", Some(&staff), hidden).await;
        let (s, b) = app.get(&format!("/api/v1/campaigns/{}/live", h["id"]), None).await;
        assert_eq!((s, error_code(&b)), (404, "campaign_not_found"));
    }
}

/// Orders are flagged, never refused, for a fresh account, a burst from one client address
/// and a delivery address another fan ordered to; staff list the flagged orders and cancel
/// them in bulk (unpaid cancelled, deposits refunded, locked ones left), and the units go
/// back on sale.
#[tokio::test]
async fn flagged_orders_are_reviewed_and_cancelled_in_bulk() {
    for backend in backends() {
        let config = canyu_app::AppConfig { simulated_payments: true, ..common::test_config() };
        let app = common::spawn_app_with(backend, config).await;
        let staff = app.seed_catalog().await;
        // Accounts made long before the campaign, and one made after its teaser.
        let a = app.user_with_role("老车主甲", canyu_core::Role::Fan).await;
        let b = app.user_with_role("老车主乙", canyu_core::Role::Fan).await;
        let d = app.user_with_role("老车主丁", canyu_core::Role::Fan).await;
        let c = app.register("新注册丙").await;
        let t = now();
        let body = revealed_body(t);
        let (_, cb) = app.post("/api/v1/campaigns", Some(&staff), body).await;
        let campaign = cb["id"].as_i64().unwrap();
        let wave = open_campaign_wave(&app, &staff, campaign, 4, t).await;
        let body = |address: &str| json!({"kind": "big", "buyer_name": "车主", "address": address});
        let (s, r) = place(&app, wave, &a, "a", body("x")).await;
        assert_eq!((s, error_code(&r)), (422, "invalid_address"));
        let (_, oa) = place(&app, wave, &a, "a", body("北京市海淀区 清河路 1 号")).await;
        let (_, ob) = place(&app, wave, &b, "b", body("北京市 海淀区清河路1号")).await;
        let (_, oc) = place(&app, wave, &c, "c", body("上海市浦东新区 1 号")).await;
        let (_, od) = place(&app, wave, &d, "d", body("广州市天河区 2 号")).await;
        let [oa, ob, oc, od] = [&oa, &ob, &oc, &od].map(|o| o["id"].as_i64().expect("placed"));

        let (s, r) = app.get(&format!("/api/v1/campaigns/{campaign}/flagged"), Some(&a)).await;
        assert_eq!((s, error_code(&r)), (403, "forbidden"));
        let (s, f) = app.get(&format!("/api/v1/campaigns/{campaign}/flagged"), Some(&staff)).await;
        assert_eq!(s, 200, "{f}");
        let flagged: Vec<(i64, Vec<&str>)> = f["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["order"].as_i64().unwrap(),
                    i["flags"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect(),
                )
            })
            .collect();
        assert_eq!(
            flagged,
            vec![(ob, vec!["shared_address"]), (oc, vec!["fresh_account"]), (od, vec!["ip_burst"])],
            "{backend:?}"
        );

        // B paid the deposit, A paid and locked; staff cancel B, C, D and (by mistake) A.
        for (token, id) in [(&b, ob), (&a, oa)] {
            let (s, _) =
                app.post(&format!("/api/v1/orders/{id}/simulated-payment"), Some(token), json!({})).await;
            assert_eq!(s, 200);
        }
        app.post(&format!("/api/v1/orders/{oa}/lock"), Some(&a), json!({})).await;
        let (s, r) = app
            .post(
                &format!("/api/v1/campaigns/{campaign}/cancellations"),
                Some(&staff),
                json!({"orders": [ob, oc, od, oa, 999]}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
        assert_eq!(r["cancelled"], json!([oc, od]));
        assert_eq!(r["refunded"], json!([ob]));
        assert_eq!(r["skipped"], json!([oa, 999]));
        let (_, w) = app.get(&format!("/api/v1/waves/{wave}"), None).await;
        assert_eq!(w["remaining"], 3, "three units back on sale: {w}");
        let (_, events) = app.get(&format!("/api/v1/orders/{oc}/events"), Some(&c)).await;
        assert_eq!(events["items"][1]["event"], "cancel");
        let (_, f) = app.get(&format!("/api/v1/campaigns/{campaign}/flagged"), Some(&staff)).await;
        assert!(f["items"].as_array().unwrap().is_empty(), "nothing left to review: {f}");
    }
}

/// The one-per-person and one-per-address rules (on unless switched off): refused orders
/// take no stock, a retry is not a second order, a cancelled order frees its person and
/// address, concurrent orders to one address make exactly one order, and the rules hold
/// after a restart (they are rebuilt from the database).
#[tokio::test]
async fn one_order_per_person_and_per_address_in_a_campaign() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let t = now();
        let body = revealed_body(t);
        let body = with(with(body, "one_per_address", Value::Null), "fan_lane_places", json!(0));
        let (s, c) = app.post("/api/v1/campaigns", Some(&staff), body).await;
        assert_eq!(s, 201, "{c}");
        assert_eq!((&c["one_per_person"], &c["one_per_address"]), (&json!(true), &json!(true)), "{c}");
        let campaign = c["id"].as_i64().unwrap();
        let mut waves = Vec::new();
        for _ in 0..2 {
            waves.push(open_campaign_wave(&app, &staff, campaign, 30, t).await);
        }
        let remaining = |wave: i64| {
            let app = &app;
            async move { app.get(&format!("/api/v1/waves/{wave}"), None).await.1["remaining"].as_i64().unwrap() }
        };
        let order = |address: &str| json!({"kind": "small", "buyer_name": "车主", "address": address});
        let a = app.register("车主甲").await;
        let b = app.register("车主乙").await;

        let res = app
            .client
            .post(app.url(&format!("/api/v1/waves/{}/orders", waves[0])))
            .bearer_auth(&a)
            .header("idempotency-key", "no-address")
            .header("accept-language", "zh-CN")
            .json(&json!({"kind": "small", "buyer_name": "车主"}))
            .send()
            .await
            .unwrap();
        let (s, r) = common::to_json(res).await;
        assert_eq!((s, error_code(&r)), (422, "address_required"));
        assert!(r["error"]["message"].as_str().unwrap().contains("收货地址"), "in Chinese: {r}");

        let (s, first) = place(&app, waves[0], &a, "a1", order("北京市海淀区清河路 1 号")).await;
        assert_eq!(s, 201, "{first}");
        let (s, again) = place(&app, waves[0], &a, "a1", order("北京市海淀区清河路 1 号")).await;
        assert_eq!((s, &again["id"]), (201, &first["id"]), "a retry is the same order: {again}");
        let (s, r) = place(&app, waves[1], &a, "a2", order("上海市浦东新区 9 号")).await;
        assert_eq!((s, error_code(&r)), (409, "already_ordered_in_campaign"), "another wave, same person");
        let (s, r) = place(&app, waves[0], &b, "b1", order("北京市 海淀区 清河路1号")).await;
        assert_eq!((s, error_code(&r)), (409, "address_taken"), "the same address, written differently");
        assert_eq!(
            (remaining(waves[0]).await, remaining(waves[1]).await),
            (29, 30),
            "refusals took no stock"
        );

        // Twenty fans send orders to one address at once: one order.
        let mut fans = Vec::new();
        for i in 0..20 {
            fans.push(app.register(&format!("黄牛{i}")).await);
        }
        let body = Some(order("广州市天河区 体育西路 2 号"));
        let results = common::orders_at_once(&[&app], waves[0], fans, "s", body).join_all().await;
        let placed = results.iter().filter(|(s, _)| *s == 201).count();
        let taken = results.iter().filter(|(s, r)| *s == 409 && error_code(r) == "address_taken").count();
        assert_eq!((placed, taken), (1, 19), "{backend:?}: {results:?}");
        assert_eq!(remaining(waves[0]).await, 28);

        // A cancels: the person and the address are free again.
        let first_id = first["id"].as_i64().unwrap();
        let (s, r) = app.post(&format!("/api/v1/orders/{first_id}/cancel"), Some(&a), json!({})).await;
        assert_eq!(s, 200, "{r}");
        let (s, r) = place(&app, waves[0], &b, "b2", order("北京市海淀区清河路1号")).await;
        assert_eq!(s, 201, "the address is free: {r}");
        let (s, r) = place(&app, waves[0], &a, "a1", order("北京市海淀区清河路 1 号")).await;
        assert_eq!((s, &r["id"]), (201, &first["id"]), "a late retry shows the cancelled order: {r}");
        let (s, r) = place(&app, waves[1], &a, "a3", order("深圳市南山区 科技园 3 号")).await;
        assert_eq!(s, 201, "the person is free: {r}");

        // After a restart the rules are rebuilt from the orders in the database.
        let app = app.restarted().await;
        let (s, r) = place(&app, waves[1], &a, "a4", order("杭州市西湖区 5 号")).await;
        assert_eq!((s, error_code(&r)), (409, "already_ordered_in_campaign"), "{backend:?}");
        let c2 = app.register("车主丙").await;
        let (s, r) = place(&app, waves[1], &c2, "c1", order("深圳市南山区科技园3号")).await;
        assert_eq!((s, error_code(&r)), (409, "address_taken"), "{backend:?}");
        let (s, r) = place(&app, waves[1], &c2, "c2", order("成都市高新区 天府大道 6 号")).await;
        assert_eq!(s, 201, "{r}");
    }
}

/// One device ordering for several accounts in a campaign (a scalper's phone or browser) is
/// flagged for review, never refused; a malformed `X-Device-Id` is refused and takes no stock.
#[tokio::test]
async fn one_device_ordering_for_several_accounts_is_flagged() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fans = [
            app.user_with_role("设备甲", canyu_core::Role::Fan).await,
            app.user_with_role("设备乙", canyu_core::Role::Fan).await,
            app.user_with_role("设备丙", canyu_core::Role::Fan).await,
        ];
        let t = now();
        let body = revealed_body(t);
        let (_, c) =
            app.post("/api/v1/campaigns", Some(&staff), with(body, "fan_lane_places", json!(0))).await;
        let campaign = c["id"].as_i64().unwrap();
        let wave = open_campaign_wave(&app, &staff, campaign, 10, t).await;
        let order = |token: &str, key: &str, device: &str| {
            app.client
                .post(app.url(&format!("/api/v1/waves/{wave}/orders")))
                .bearer_auth(token)
                .header("accept-language", "en")
                .header("idempotency-key", key)
                .header("x-device-id", device)
                .json(&json!({"kind": "big", "buyer_name": "车主"}))
                .send()
        };
        for bad in ["short", "has space in it"] {
            let (s, b) = common::to_json(order(&fans[0], "bad", bad).await.unwrap()).await;
            assert_eq!((s, error_code(&b)), (400, "invalid_device_id"), "{b}");
        }
        let (_, w) = app.get(&format!("/api/v1/waves/{wave}"), None).await;
        assert_eq!(w["remaining"], 10, "refusals took no stock");
        let mut placed = Vec::new();
        for (fan, device) in [(&fans[0], "phone-0001"), (&fans[1], "phone-0001"), (&fans[2], "phone-0002")] {
            let (s, b) = common::to_json(order(fan, "k", device).await.unwrap()).await;
            assert_eq!(s, 201, "{b}");
            placed.push(b["id"].as_i64().unwrap());
        }
        let (s, again) = common::to_json(order(&fans[1], "k", "phone-0001").await.unwrap()).await;
        assert_eq!((s, again["id"].as_i64()), (201, Some(placed[1])), "a retry is the same order");
        let (_, f) = app.get(&format!("/api/v1/campaigns/{campaign}/flagged"), Some(&staff)).await;
        let flagged: Vec<(i64, Value)> = f["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["order"].as_i64().unwrap(), i["flags"].clone()))
            .collect();
        assert_eq!(flagged, vec![(placed[1], json!(["shared_device"]))], "{backend:?}: {f}");
    }
}

/// Real-name verification through the API, and a campaign that takes only verified
/// accounts: the buyer is the verified person, and accounts verified as one person share
/// one order, also when they order at once and after a restart.
#[tokio::test]
async fn a_verified_person_orders_once_however_many_accounts_they_hold() {
    const ZHANG: &str = "11010519491231002X";
    const LI: &str = "440524198001010013";
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let t = now();
        let verify = |token: &str, name: &str, number: &str| {
            let (app, token) = (&app, token.to_string());
            let body = json!({"real_name": name, "id_number": number});
            async move {
                let res = app
                    .client
                    .post(app.url("/api/v1/me/identity"))
                    .bearer_auth(token)
                    .header("accept-language", "zh-CN")
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                common::to_json(res).await
            }
        };

        // Bad input: clear refusals in the request's language, nothing recorded.
        let x = app.register("实名_x").await;
        let (s, r) =
            app.post("/api/v1/me/identity", None, json!({"real_name": "张三", "id_number": ZHANG})).await;
        assert_eq!((s, error_code(&r)), (401, "unauthenticated"));
        let (s, r) = verify(&x, "张三", "110105194912310021").await;
        assert_eq!((s, error_code(&r)), (422, "invalid_id_number"));
        assert!(r["error"]["message"].as_str().unwrap().contains("身份证"), "{r}");
        let (s, r) = verify(&x, "张3", ZHANG).await;
        assert_eq!((s, error_code(&r)), (422, "invalid_real_name"));
        let (s, r) = app.post("/api/v1/me/identity", Some(&x), json!({"real_name": "张三"})).await;
        assert_eq!((s, error_code(&r)), (400, "invalid_json"));
        for _ in 0..3 {
            assert_eq!(verify(&x, "张三", "110105194912310021").await.0, 422);
        }
        let (s, r) = verify(&x, "张三", ZHANG).await;
        assert_eq!((s, error_code(&r)), (429, "rate_limited"), "five tries a minute");
        let (s, r) = app.get("/api/v1/me/identity", Some(&x)).await;
        assert_eq!((s, &r["verified"]), (200, &json!(false)), "{r}");

        // Two accounts of 张三, one of 李四, one never verified.
        let a = app.register("张三_a").await;
        let b = app.register("张三_b").await;
        let li = app.register("李四").await;
        let plain = app.register("未实名").await;
        let (s, r) = verify(&a, " 张三 ", ZHANG).await;
        assert_eq!(s, 201, "{r}");
        assert_eq!((&r["real_name"], &r["id_number"]), (&json!("张三"), &json!("**************002X")));
        assert!(!r.to_string().contains("19491231"), "the number is never shown back: {r}");
        let (s, r) = verify(&a, "李四", LI).await;
        assert_eq!((s, error_code(&r)), (409, "already_verified"));
        let (_, r) = app.get("/api/v1/me/identity", Some(&a)).await;
        assert_eq!((&r["verified"], &r["real_name"]), (&json!(true), &json!("张三")), "unchanged: {r}");
        assert_eq!(verify(&b, "张三", "110105 19491231 002x").await.0, 201);
        assert_eq!(verify(&li, "李四", LI).await.0, 201);

        let body = with(revealed_body(t), "verified_only", json!(true));
        let (s, c) =
            app.post("/api/v1/campaigns", Some(&staff), with(body, "fan_lane_places", json!(0))).await;
        assert_eq!((s, &c["verified_only"], &c["one_per_person"]), (201, &json!(true), &json!(true)), "{c}");
        let campaign = c["id"].as_i64().unwrap();
        let wave = open_campaign_wave(&app, &staff, campaign, 50, t).await;
        let remaining = || async {
            app.get(&format!("/api/v1/waves/{wave}"), None).await.1["remaining"].as_i64().unwrap()
        };

        let (s, r) = place(&app, wave, &plain, "p1", json!({"kind": "small", "buyer_name": "某人"})).await;
        assert_eq!((s, error_code(&r)), (403, "verification_required"), "{r}");
        let (s, r) = place(&app, wave, &a, "a1", json!({"kind": "small", "buyer_name": "王五"})).await;
        assert_eq!((s, error_code(&r)), (422, "buyer_not_verified_person"), "{r}");
        let (s, first) = place(&app, wave, &a, "a2", json!({"kind": "small"})).await;
        assert_eq!((s, &first["launch"]["buyer_name"]), (201, &json!("张三")), "{first}");
        let (s, r) = place(&app, wave, &b, "b1", json!({"kind": "small", "buyer_name": "张三"})).await;
        assert_eq!((s, error_code(&r)), (409, "person_already_ordered"), "another account, same person: {r}");
        let (s, r) = place(&app, wave, &li, "l1", json!({"kind": "small", "buyer_name": "李四"})).await;
        assert_eq!(s, 201, "another person: {r}");
        assert_eq!(remaining().await, 48, "refusals took no stock");
        let first_id = first["id"].as_i64().unwrap();
        let (s, r) = app
            .call(
                Method::PATCH,
                &format!("/api/v1/orders/{first_id}"),
                Some(&a),
                Some(json!({"buyer_name": "王五"})),
            )
            .await;
        assert_eq!((s, error_code(&r)), (422, "buyer_not_verified_person"), "{r}");

        // Eight accounts of one person order at once: one order.
        let mut tokens = Vec::new();
        for i in 0..8 {
            let token = app.register(&format!("赵六_{i}")).await;
            assert_eq!(verify(&token, "赵六", "110101199003070054").await.0, 201);
            tokens.push(token);
        }
        let small = Some(json!({"kind": "small"}));
        let results = common::orders_at_once(&[&app], wave, tokens, "z", small).join_all().await;
        let placed = results.iter().filter(|(s, _)| *s == 201).count();
        let refused =
            results.iter().filter(|(s, r)| *s == 409 && error_code(r) == "person_already_ordered").count();
        assert_eq!((placed, refused), (1, 7), "{backend:?}: {results:?}");
        assert_eq!(remaining().await, 47);

        // 张三 cancels on one account; the other may order, and after a restart the rule is
        // rebuilt from the database.
        let (s, r) = app.post(&format!("/api/v1/orders/{first_id}/cancel"), Some(&a), json!({})).await;
        assert_eq!(s, 200, "{r}");
        let (s, r) = place(&app, wave, &b, "b2", json!({"kind": "big"})).await;
        assert_eq!((s, &r["launch"]["buyer_name"]), (201, &json!("张三")), "the person is free: {r}");
        let app = app.restarted().await;
        let (s, r) = place(&app, wave, &a, "a3", json!({"kind": "small"})).await;
        assert_eq!((s, error_code(&r)), (409, "person_already_ordered"), "{backend:?}: {r}");
    }
}

/// Campaign orders on the Redis engine, served by two nodes of one site: deposit terms are
/// written with each order, one order per person and per address holds across the nodes
/// (also for fans ordering at once through both), and an order that lets go gives its unit
/// and its claims back for every node.
#[tokio::test]
async fn campaign_orders_on_the_redis_engine_hold_their_rules_across_nodes() {
    for backend in backends() {
        let Some(a_node) = common::spawn_app_on_redis(backend).await else { return };
        let staff = a_node.seed_catalog().await;
        let t = now();
        let body = with(with(revealed_body(t), "one_per_address", Value::Null), "fan_lane_places", json!(0));
        let (s, c) = a_node.post("/api/v1/campaigns", Some(&staff), body).await;
        assert_eq!(s, 201, "{c}");
        let wave = open_campaign_wave(&a_node, &staff, c["id"].as_i64().unwrap(), 3, t).await;
        let b_node = a_node.another_node().await;
        let order = |address: &str| json!({"kind": "small", "buyer_name": "车主", "address": address});
        let a = a_node.register("两地_甲").await;
        let b = a_node.register("两地_乙").await;

        let (s, first) = place(&a_node, wave, &a, "a1", order("北京市海淀区清河路 1 号")).await;
        assert_eq!(s, 201, "{backend:?}: {first}");
        assert_eq!(
            (&first["launch"]["kind"], &first["launch"]["state"]),
            (&json!("small"), &json!("awaiting_payment"))
        );
        let (s, r) = place(&b_node, wave, &a, "a2", order("上海市浦东新区 9 号")).await;
        assert_eq!((s, error_code(&r)), (409, "already_ordered_in_campaign"), "the other node knows: {r}");
        let (s, r) = place(&b_node, wave, &b, "b1", order("北京市 海淀区 清河路1号")).await;
        assert_eq!((s, error_code(&r)), (409, "address_taken"), "{r}");

        // Ten fans send orders to one address at once, half through each node: one order.
        let mut fans = Vec::new();
        for i in 0..10 {
            fans.push(a_node.register(&format!("两地_丙{i}")).await);
        }
        let body = Some(order("广州市天河区 体育西路 2 号"));
        let results = common::orders_at_once(&[&a_node, &b_node], wave, fans, "s", body).join_all().await;
        let placed = results.iter().filter(|(s, _)| *s == 201).count();
        assert_eq!(placed, 1, "{backend:?}: {results:?}");
        let (_, w) = b_node.get(&format!("/api/v1/waves/{wave}"), None).await;
        assert_eq!((&w["sold"], &w["remaining"]), (&json!(2), &json!(1)), "{w}");

        // The order was written with its terms by whichever writer wrote it.
        let first_id = first["id"].as_i64().unwrap();
        let (s, shown) = b_node.get(&format!("/api/v1/orders/{first_id}"), Some(&a)).await;
        assert_eq!((s, &shown["launch"]["buyer_name"]), (200, &json!("车主")), "{shown}");

        // A cancels through node B: the unit and the claims come back for both nodes.
        let (s, r) = b_node.post(&format!("/api/v1/orders/{first_id}/cancel"), Some(&a), json!({})).await;
        assert_eq!(s, 200, "{r}");
        let (s, r) = place(&a_node, wave, &b, "b2", order("北京市海淀区清河路1号")).await;
        assert_eq!(s, 201, "the address is free on the other node: {r}");
        let (s, r) = place(&b_node, wave, &a, "a3", order("深圳市南山区 科技园 3 号")).await;
        assert_eq!(s, 201, "the person is free: {r}");
        let late = a_node.register("两地_丁").await;
        let (s, r) = place(&b_node, wave, &late, "d1", order("成都市高新区 天府大道 6 号")).await;
        assert_eq!((s, error_code(&r)), (409, "sold_out"), "{r}");
        let (held, sold) = a_node.store.wave_order_counts(wave).await.unwrap();
        assert_eq!((held, sold), (3, 3), "{backend:?}");

        // A node started now finds the claims in Redis.
        let c_node = b_node.another_node().await;
        let (s, r) = place(&c_node, wave, &b, "b3", order("杭州市西湖区 5 号")).await;
        assert_eq!((s, error_code(&r)), (409, "already_ordered_in_campaign"), "{r}");
    }
}
