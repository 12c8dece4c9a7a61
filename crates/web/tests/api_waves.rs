//! Waves and orders through the JSON API, on every configured backend: bad input, the
//! order rules, idempotent retries, and concurrent buyers through the real server.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_core::time::rfc3339;
use common::{backends, error_code, spawn_app, spawn_app_with, test_config};
use reqwest::Method;
use serde_json::{Value, json};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

fn now() -> i64 {
    canyu_app::now_millis()
}

fn wave_body(quantity: i64, start: i64, end: i64) -> Value {
    json!({"product": "xiaomi-su7", "sku": "SU7 Max", "quantity": quantity, "mode": "fcfs",
           "starts_at": rfc3339(start), "ends_at": rfc3339(end)})
}

async fn order(
    app: &common::TestApp,
    wave: i64,
    token: &str,
    key: &str,
    body: Option<&str>,
) -> (u16, Value, bool) {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/waves/{wave}/orders")))
        .bearer_auth(token)
        .header("accept-language", "en")
        .header("idempotency-key", key);
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b.to_string());
    }
    let res = req.send().await.expect("request");
    let replayed = res.headers().get("idempotent-replayed").is_some();
    let (status, body) = common::to_json(res).await;
    (status, body, replayed)
}

#[tokio::test]
async fn staff_release_a_wave_and_fans_order_by_the_rules() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("抢购粉").await;
        let other = app.register("另一个粉").await;
        let t = now();

        // Bad waves are refused with a code; fans may not create one.
        let (s, b) = app.post("/api/v1/waves", Some(&fan), wave_body(10, t, t + 60 * MIN)).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"), "{backend:?}");
        for (body, code) in [
            (wave_body(0, t, t + MIN), "invalid_wave_quantity"),
            (wave_body(10, t, t), "invalid_wave_window"),
            (
                json!({"product": "xiaomi-su7", "quantity": 5, "mode": "fcfs", "starts_at": "tomorrow", "ends_at": rfc3339(t)}),
                "invalid_time",
            ),
            (
                json!({"product": "xiaomi-su7", "quantity": 5, "mode": "raffle", "starts_at": rfc3339(t), "ends_at": rfc3339(t + MIN)}),
                "invalid_wave_mode",
            ),
            (
                json!({"product": "xiaomi-su7", "quantity": 5, "mode": "fcfs", "starts_at": rfc3339(t), "ends_at": rfc3339(t + MIN), "channels": {"online": 3}}),
                "invalid_channels",
            ),
            (
                json!({"product": "xiaomi-su7", "quantity": 5, "mode": "fcfs", "starts_at": rfc3339(t), "ends_at": rfc3339(t + MIN), "eligibility": "min_level"}),
                "invalid_eligibility",
            ),
        ] {
            let (s, b) = app.post("/api/v1/waves", Some(&staff), body).await;
            assert_eq!((s, error_code(&b)), (422, code), "{b}");
        }

        // A wave of 2 units, 1 per fan, open now.
        let (s, wave) = app.post("/api/v1/waves", Some(&staff), wave_body(2, t - MIN, t + 60 * MIN)).await;
        assert_eq!(s, 201, "{wave}");
        let id = wave["id"].as_i64().unwrap();
        assert_eq!(
            (wave["quantity"].as_i64(), wave["sold"].as_i64(), wave["remaining"].as_i64()),
            (Some(2), Some(0), Some(2))
        );

        // No key, a bad key, a non-object body: refused.
        let (s, b) = app.post(&format!("/api/v1/waves/{id}/orders"), Some(&fan), json!({})).await;
        assert_eq!((s, error_code(&b)), (400, "idempotency_key_required"));
        let (s, b, _) = order(&app, id, &fan, "has space", None).await;
        assert_eq!((s, error_code(&b)), (400, "invalid_idempotency_key"));
        // A key the client did send, in UTF-8: invalid, not "required".
        let res = app
            .client
            .post(app.url(&format!("/api/v1/waves/{id}/orders")))
            .bearer_auth(&fan)
            .header("idempotency-key", reqwest::header::HeaderValue::from_bytes("订单-1".as_bytes()).unwrap())
            .send()
            .await
            .unwrap();
        let (s, b) = common::to_json(res).await;
        assert_eq!((s, error_code(&b)), (400, "invalid_idempotency_key"));
        let (s, b, _) = order(&app, id, &fan, "k1", Some("[1]")).await;
        assert_eq!((s, error_code(&b)), (400, "invalid_json"));
        let (s, b, _) = order(&app, 999_999, &fan, "k1", None).await;
        assert_eq!((s, error_code(&b)), (404, "wave_not_found"));

        // The order; its retry returns the same order; another body with the key is refused.
        let (s, first, replayed) = order(&app, id, &fan, "k1", Some("{}")).await;
        assert_eq!((s, replayed), (201, false), "{first}");
        assert_eq!(first["seq"], 1);
        let (s, again, replayed) = order(&app, id, &fan, "k1", Some("{}")).await;
        assert_eq!((s, replayed, again["id"].clone()), (201, true, first["id"].clone()));
        let (s, b, _) = order(&app, id, &fan, "k1", Some(r#"{"note": "x"}"#)).await;
        assert_eq!((s, error_code(&b)), (422, "idempotency_key_reused"));
        // Over the per-fan limit.
        let (s, b, _) = order(&app, id, &fan, "k2", None).await;
        assert_eq!((s, error_code(&b)), (429, "order_limit_reached"));
        // The last unit, then sold out.
        let (s, _, _) = order(&app, id, &other, "k1", None).await;
        assert_eq!(s, 201);
        let late = app.register("晚到的粉").await;
        let (s, b, _) = order(&app, id, &late, "k1", None).await;
        assert_eq!((s, error_code(&b)), (409, "sold_out"));
        let (_, wave) = app.get(&format!("/api/v1/waves/{id}"), None).await;
        assert_eq!((wave["sold"].as_i64(), wave["remaining"].as_i64()), (Some(2), Some(0)), "{wave}");

        // Fans see their own orders; another fan's order does not exist for them; staff see it.
        let oid = first["id"].as_i64().unwrap();
        let (s, mine) = app.get(&format!("/api/v1/orders/{oid}"), Some(&fan)).await;
        assert_eq!((s, mine["wave"].as_i64()), (200, Some(id)));
        let (s, b) = app.get(&format!("/api/v1/orders/{oid}"), Some(&other)).await;
        assert_eq!((s, error_code(&b)), (404, "order_not_found"));
        let (s, _) = app.get(&format!("/api/v1/orders/{oid}"), Some(&staff)).await;
        assert_eq!(s, 200);
        let (_, list) = app.get("/api/v1/me/orders", Some(&fan)).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);

        // Before the start and after the end.
        let (_, soon) =
            app.post("/api/v1/waves", Some(&staff), wave_body(5, t + 60 * MIN, t + 120 * MIN)).await;
        let (s, b, _) = order(&app, soon["id"].as_i64().unwrap(), &fan, "k1", None).await;
        assert_eq!((s, error_code(&b)), (409, "wave_not_started"));
        let (_, past) =
            app.post("/api/v1/waves", Some(&staff), wave_body(5, t - 120 * MIN, t - 60 * MIN)).await;
        let (s, b, _) = order(&app, past["id"].as_i64().unwrap(), &fan, "k1", None).await;
        assert_eq!((s, error_code(&b)), (409, "wave_ended"));

        // Eligibility: a level-3 wave refuses a new fan, changing nothing.
        let mut body = wave_body(5, t - MIN, t + 60 * MIN);
        body["eligibility"] = json!("min_level");
        body["min_level"] = json!(3);
        let (_, gated) = app.post("/api/v1/waves", Some(&staff), body).await;
        let gid = gated["id"].as_i64().unwrap();
        let (s, b, _) = order(&app, gid, &late, "k1", None).await;
        assert_eq!((s, error_code(&b)), (403, "not_eligible"));
        let (_, gated) = app.get(&format!("/api/v1/waves/{gid}"), None).await;
        assert_eq!(gated["remaining"], 5);
        let (s, b) = app.call(Method::GET, "/api/v1/me/orders", None, None).await;
        assert_eq!((s, error_code(&b)), (401, "unauthenticated"));
    }
}

#[tokio::test]
async fn a_flood_from_one_fan_is_rate_limited() {
    let mut config = test_config();
    config.orders_per_minute = 5;
    let app = spawn_app_with(canyu_app::testing::store::Backend::Sqlite, config).await;
    let staff = app.seed_catalog().await;
    let fan = app.register("刷单的").await;
    let t = now();
    let (_, wave) = app.post("/api/v1/waves", Some(&staff), wave_body(100, t - MIN, t + 60 * MIN)).await;
    let id = wave["id"].as_i64().unwrap();
    let mut statuses = Vec::new();
    for i in 0..8 {
        let (s, b, _) = order(&app, id, &fan, &format!("k{i}"), None).await;
        let code = if s == 201 { String::new() } else { error_code(&b).to_string() };
        statuses.push((s, code));
    }
    assert_eq!(statuses[0].0, 201);
    assert!(
        statuses[1..5].iter().all(|(s, c)| (*s, c.as_str()) == (429, "order_limit_reached")),
        "{statuses:?}"
    );
    assert!(statuses[5..].iter().all(|(s, c)| (*s, c.as_str()) == (429, "rate_limited")), "{statuses:?}");
}

#[tokio::test]
async fn concurrent_buyers_through_the_server_never_oversell() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let t = now();
        let (_, wave) = app.post("/api/v1/waves", Some(&staff), wave_body(100, t - MIN, t + 60 * MIN)).await;
        let id = wave["id"].as_i64().unwrap();
        let mut tokens = Vec::new();
        for i in 0..300 {
            tokens.push(app.register(&format!("buyer{i}")).await);
        }
        let app = std::sync::Arc::new(app);
        let tasks: Vec<_> = tokens
            .into_iter()
            .map(|token| {
                let app = app.clone();
                tokio::spawn(async move {
                    // Each buyer sends its request twice at once (a double click): one order.
                    let (a, b) = tokio::join!(
                        order(&app, id, &token, "buy", None),
                        order(&app, id, &token, "buy", None)
                    );
                    (a.0, b.0, a.1["id"].clone(), b.1["id"].clone())
                })
            })
            .collect();
        let mut acked = std::collections::HashSet::new();
        let mut sold_out = 0;
        for t in tasks {
            let (sa, sb, ia, ib) = t.await.unwrap();
            match (sa, sb) {
                (201, 201) => {
                    assert_eq!(ia, ib, "a double click is one order");
                    acked.insert(ia.as_i64().unwrap());
                }
                (409, 409) => sold_out += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!((acked.len(), sold_out), (100, 200), "{backend:?}");
        let stored = app.store.wave_orders(id).await.unwrap();
        assert_eq!(stored.iter().map(|o| o.id).collect::<std::collections::HashSet<_>>(), acked);
        let (_, wave) = app.get(&format!("/api/v1/waves/{id}"), None).await;
        assert_eq!((wave["sold"].as_i64(), wave["remaining"].as_i64()), (Some(100), Some(0)));
    }
}

#[tokio::test]
async fn a_draw_commits_first_freezes_entries_and_anyone_can_verify_it() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let t = now();
        let mut body = wave_body(3, t - MIN, t + 10 * MIN);
        body["mode"] = json!("draw");
        let (s, wave) = app.post("/api/v1/waves", Some(&staff), body).await;
        assert_eq!(s, 201, "{wave}");
        let id = wave["id"].as_i64().unwrap();
        let (_, before) = app.get(&format!("/api/v1/waves/{id}/draw"), None).await;
        assert_eq!(before["status"], "open", "{before}");
        let commitment = before["commitment"].as_str().unwrap().to_string();
        assert_eq!(commitment.len(), 64);
        assert!(before["published"].is_null(), "nothing but the commitment before the draw");

        let mut fans = Vec::new();
        for i in 0..6 {
            fans.push(app.register(&format!("抽签粉{i}")).await);
        }
        for fan in &fans {
            let (s, b) = app.post(&format!("/api/v1/waves/{id}/entries"), Some(fan), json!({})).await;
            assert_eq!(s, 201, "{b}");
        }
        let (s, b) = app.post(&format!("/api/v1/waves/{id}/entries"), Some(&fans[0]), json!({})).await;
        assert_eq!((s, error_code(&b)), (409, "already_entered"));
        let (s, b, _) = order(&app, id, &fans[0], "k", None).await;
        assert_eq!((s, error_code(&b)), (409, "wave_is_draw"));
        let (s, b) = app.post(&format!("/api/v1/waves/{id}/draw"), Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&b)), (409, "draw_not_closed"));
        let (s, b) = app.post(&format!("/api/v1/waves/{id}/draw"), Some(&fans[0]), json!({})).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));

        // After the close: no more entries; the draw is made once.
        app.clock_offset.store(11 * MIN, std::sync::atomic::Ordering::Relaxed);
        let late = app.register("迟到的抽签粉").await;
        let (s, b) = app.post(&format!("/api/v1/waves/{id}/entries"), Some(&late), json!({})).await;
        assert_eq!((s, error_code(&b)), (409, "wave_ended"));
        let (s, drawn) = app.post(&format!("/api/v1/waves/{id}/draw"), Some(&staff), json!({})).await;
        assert_eq!((s, drawn["status"].as_str()), (200, Some("drawn")), "{drawn}");
        let published: canyu_app::testing::launch::draw::PublishedDraw =
            serde_json::from_value(drawn["published"].clone()).expect("published draw");
        assert_eq!(published.commitment, commitment, "the seed is the one committed to");
        assert_eq!(published.entries.len(), 6);
        assert_eq!(published.winners.len(), 3);
        let winners =
            canyu_app::testing::launch::draw::verify(&published).expect("anyone can recompute the winners");
        assert_eq!(winners, published.winners);
        // The winners hold orders; drawing again changes nothing.
        let (_, again) = app.post(&format!("/api/v1/waves/{id}/draw"), Some(&staff), json!({})).await;
        assert_eq!(again["published"], drawn["published"]);
        let (_, w) = app.get(&format!("/api/v1/waves/{id}"), None).await;
        assert_eq!((w["sold"].as_i64(), w["remaining"].as_i64()), (Some(3), Some(0)), "{w}");
        let mut with_orders = 0;
        for fan in &fans {
            let (_, mine) = app.get("/api/v1/me/orders", Some(fan)).await;
            with_orders += mine["items"].as_array().unwrap().len();
        }
        assert_eq!(with_orders, 3);

        // Entering a first-come-first-served wave is refused.
        let (_, fcfs) =
            app.post("/api/v1/waves", Some(&staff), wave_body(3, t + 10 * MIN, t + 60 * MIN)).await;
        let (s, b) =
            app.post(&format!("/api/v1/waves/{}/entries", fcfs["id"]), Some(&fans[0]), json!({})).await;
        assert_eq!((s, error_code(&b)), (409, "wave_not_draw"));
    }
}

/// Staff end a wave on sale now (a pricing mistake, a payment outage) or give it longer:
/// orders stop at once, orders placed before stand and their retries replay, and bad or late
/// changes are refused and change nothing. Then, with 60 buyers ordering at once while the
/// wave is ended, no order is dated at or after the end and every 201 is an order.
#[tokio::test]
async fn staff_end_a_wave_early_or_give_it_longer() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("早到粉").await;
        let late = app.register("晚到粉").await;
        let stranger = app.user_with_role("别的员工", canyu_core::Role::Staff).await;
        let t = now();
        let (s, w) = app.post("/api/v1/waves", Some(&staff), wave_body(10, t - MIN, t + 60 * MIN)).await;
        assert_eq!(s, 201, "{w}");
        let id = w["id"].as_i64().unwrap();
        let path = format!("/api/v1/waves/{id}");
        let (s, first, _) = order(&app, id, &fan, "k1", None).await;
        assert_eq!(s, 201, "{first}");

        for (token, body, want) in [
            (&fan, json!({"ends_at": rfc3339(t + 120 * MIN)}), (403, "forbidden")),
            (&stranger, json!({"ends_at": rfc3339(t + 120 * MIN)}), (403, "not_product_manager")),
            (&staff, json!({"ends_at": rfc3339(t - 30 * MIN)}), (422, "wave_end_in_past")),
            (&staff, json!({"ends_at": "soon"}), (422, "invalid_time")),
            (&staff, json!({"ends_at": rfc3339(t + 91 * 86_400_000)}), (422, "invalid_wave_window")),
            (&staff, json!({"ends_at": rfc3339(t + 120 * MIN), "per_fan_limit": 5}), (400, "invalid_json")),
        ] {
            let (s, b) = app.call(Method::PATCH, &path, Some(token), Some(body)).await;
            assert_eq!((s, error_code(&b)), want, "{b}");
        }
        let (s, b) = app
            .call(
                Method::PATCH,
                "/api/v1/waves/999999",
                Some(&staff),
                Some(json!({"ends_at": rfc3339(t + 120 * MIN)})),
            )
            .await;
        assert_eq!((s, error_code(&b)), (404, "wave_not_found"));
        let (_, b) = app.get(&path, None).await;
        assert_eq!(b["ends_at"], rfc3339(t + 60 * MIN), "refusals changed nothing");

        // Longer.
        let (s, b) = app
            .call(Method::PATCH, &path, Some(&staff), Some(json!({"ends_at": rfc3339(t + 120 * MIN)})))
            .await;
        assert_eq!((s, b["ends_at"].as_str()), (200, Some(rfc3339(t + 120 * MIN).as_str())), "{b}");

        // A wave on sale keeps its start.
        let (s, b) =
            app.call(Method::PATCH, &path, Some(&staff), Some(json!({"starts_at": rfc3339(t + MIN)}))).await;
        assert_eq!((s, error_code(&b)), (409, "wave_already_started"));
        let (s, b) = app.call(Method::PATCH, &path, Some(&staff), Some(json!({}))).await;
        assert_eq!((s, error_code(&b)), (422, "invalid_wave_window"), "nothing to move");

        // Ended now: the next fan is refused, in Chinese too; the early fan's retry replays.
        let (s, b) = app.post(&format!("{path}/end"), Some(&staff), json!({})).await;
        assert_eq!(s, 200, "{b}");
        let ended = canyu_core::time::parse_rfc3339(b["ends_at"].as_str().unwrap()).unwrap();
        assert!(ended <= now(), "ended by now");
        let (s, b, _) = order(&app, id, &late, "k1", None).await;
        assert_eq!((s, error_code(&b)), (409, "wave_ended"));
        let res = app
            .client
            .post(app.url(&format!("{path}/orders")))
            .bearer_auth(&late)
            .header("accept-language", "zh-CN")
            .header("idempotency-key", "k2")
            .send()
            .await
            .unwrap();
        let (s, b) = common::to_json(res).await;
        assert_eq!((s, b["error"]["message"].as_str()), (409, Some("这一轮已经结束了。")));
        let (s, again, replayed) = order(&app, id, &fan, "k1", None).await;
        assert_eq!((s, replayed, &again["id"]), (201, true, &first["id"]));
        let (_, b) = app.get(&path, None).await;
        assert_eq!((b["sold"].as_i64(), b["remaining"].as_i64()), (Some(1), Some(9)), "{b}");

        // An ended wave stays ended.
        let (s, b) = app
            .call(Method::PATCH, &path, Some(&staff), Some(json!({"ends_at": rfc3339(now() + 60 * MIN)})))
            .await;
        assert_eq!((s, error_code(&b)), (409, "wave_ended"));
        let (s, b) = app.post(&format!("{path}/end"), Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&b)), (409, "wave_ended"));

        // Ended while 60 buyers order at once.
        let t = now();
        let (_, w) = app.post("/api/v1/waves", Some(&staff), wave_body(1_000, t - MIN, t + 60 * MIN)).await;
        let id = w["id"].as_i64().unwrap();
        let mut tokens = Vec::new();
        for i in 0..60 {
            tokens.push(app.register(&format!("rush{i}")).await);
        }
        let app = std::sync::Arc::new(app);
        let buyers: Vec<_> = tokens
            .into_iter()
            .enumerate()
            .map(|(i, token)| {
                let app = app.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(i as u64 * 2)).await;
                    let (s, b, _) = order(&app, id, &token, "buy", None).await;
                    let code = if s == 201 { String::new() } else { error_code(&b).to_string() };
                    (s, code, b["id"].as_i64())
                })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let (s, b) = app.post(&format!("/api/v1/waves/{id}/end"), Some(&staff), json!({})).await;
        assert_eq!(s, 200, "{b}");
        // The API shows whole seconds; the database has the millisecond the wave ended.
        let ends_at = app.store.wave(id).await.unwrap().expect("wave").rules.ends_at;
        let mut acked = std::collections::HashSet::new();
        for buyer in buyers {
            match buyer.await.unwrap() {
                (201, _, Some(order)) => assert!(acked.insert(order)),
                (409, code, _) => assert_eq!(code, "wave_ended"),
                other => panic!("{other:?}"),
            }
        }
        let stored = app.store.wave_orders(id).await.unwrap();
        assert_eq!(stored.iter().map(|o| o.id).collect::<std::collections::HashSet<_>>(), acked);
        let late: Vec<_> =
            stored.iter().filter(|o| o.created_at >= ends_at).map(|o| (o.id, o.created_at)).collect();
        assert!(late.is_empty(), "{backend:?}: orders at or after the end ({ends_at}): {late:?}");
        let (_, b) = app.get(&format!("/api/v1/waves/{id}"), None).await;
        assert_eq!(b["sold"].as_i64(), Some(acked.len() as i64), "{backend:?}");

        // A wave announced for an hour from now, moved half an hour earlier before it opens.
        let t = now();
        let (_, w) = app.post("/api/v1/waves", Some(&staff), wave_body(5, t + HOUR, t + 2 * HOUR)).await;
        let path = format!("/api/v1/waves/{}", w["id"]);
        let (s, b) = app.post(&format!("{path}/end"), Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&b)), (409, "wave_not_started"));
        let (s, b) =
            app.call(Method::PATCH, &path, Some(&staff), Some(json!({"starts_at": rfc3339(t - MIN)}))).await;
        assert_eq!((s, error_code(&b)), (422, "wave_start_in_past"));
        let (s, b) = app
            .call(Method::PATCH, &path, Some(&staff), Some(json!({"starts_at": rfc3339(t + 3 * HOUR)})))
            .await;
        assert_eq!((s, error_code(&b)), (422, "invalid_wave_window"), "not after its end");
        let moved = json!({"starts_at": rfc3339(t + HOUR / 2)});
        let (s, b) = app.call(Method::PATCH, &path, Some(&staff), Some(moved)).await;
        assert_eq!((s, b["starts_at"].as_str()), (200, Some(rfc3339(t + HOUR / 2).as_str())), "{b}");
        let buyer = app.register("准时粉").await;
        let id = w["id"].as_i64().unwrap();
        let (s, b, _) = order(&app, id, &buyer, "k", None).await;
        assert_eq!((s, error_code(&b)), (409, "wave_not_started"));
        app.clock_offset.store(HOUR / 2 + MIN, std::sync::atomic::Ordering::Relaxed);
        let (s, b, _) = order(&app, id, &buyer, "k", None).await;
        assert_eq!(s, 201, "open at the new start: {b}");
    }
}

/// Staff add stock to a wave on sale or take back units not sold. Refusals change nothing
/// (not even the other half of a combined change); a cut made while 30 buyers order at once
/// is sold to exactly or refused; the new quantity survives a restart; a split wave moves
/// its online units; a draw's number of winners is fixed once entries open.
#[tokio::test]
async fn staff_add_stock_to_a_wave_or_take_back_units_not_sold() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fans: Vec<String> = {
            let mut fans = Vec::new();
            for i in 0..36 {
                fans.push(app.register(&format!("加货粉{i}")).await);
            }
            fans
        };
        let t = now();
        let (s, w) = app.post("/api/v1/waves", Some(&staff), wave_body(3, t - MIN, t + 60 * MIN)).await;
        assert_eq!(s, 201, "{w}");
        let path = format!("/api/v1/waves/{}", w["id"]);
        let id = w["id"].as_i64().unwrap();
        for fan in &fans[..2] {
            assert_eq!(order(&app, id, fan, "k", None).await.0, 201);
        }
        let patch = |body: Value| app.call(Method::PATCH, &path, Some(&staff), Some(body));
        for (token, body, want) in [
            (&fans[0], json!({"quantity": 10}), (403, "forbidden")),
            (&staff, json!({"quantity": 0}), (422, "invalid_wave_quantity")),
            (&staff, json!({"quantity": "many"}), (400, "invalid_json")),
            (&staff, json!({"quantity": 1}), (409, "quantity_below_sold")),
            (&staff, json!({"quantity": 1, "ends_at": rfc3339(t + 120 * MIN)}), (409, "quantity_below_sold")),
            (&staff, json!({"quantity": 9, "ends_at": rfc3339(t - 5 * MIN)}), (422, "wave_end_in_past")),
        ] {
            let (s, b) = app.call(Method::PATCH, &path, Some(token), Some(body)).await;
            assert_eq!((s, error_code(&b)), want, "{backend:?}: {b}");
        }
        let (_, b) = app.get(&path, None).await;
        assert_eq!((&b["quantity"], &b["sold"]), (&json!(3), &json!(2)), "{b}");
        assert_eq!(b["ends_at"], rfc3339(t + 60 * MIN), "the refused window half changed nothing");

        // Down to what was sold: sold out. Then more stock, with a longer window at once.
        let (s, b) = patch(json!({"quantity": 2})).await;
        assert_eq!((s, &b["quantity"], &b["remaining"]), (200, &json!(2), &json!(0)), "{b}");
        let (s, b, _) = order(&app, id, &fans[2], "k", None).await;
        assert_eq!((s, error_code(&b)), (409, "sold_out"));
        let (s, b) = patch(json!({"quantity": 20, "ends_at": rfc3339(t + 120 * MIN)})).await;
        assert_eq!((s, &b["quantity"], &b["remaining"]), (200, &json!(20), &json!(18)), "{b}");
        assert_eq!(b["ends_at"], rfc3339(t + 120 * MIN));

        // Thirty buyers at once while staff cut the wave to 10.
        let rush = common::orders_at_once(&[&app], id, fans[2..32].to_vec(), "rush", None);
        let (cut, _) = patch(json!({"quantity": 10})).await;
        let statuses: Vec<u16> = rush.join_all().await.into_iter().map(|(s, _)| s).collect();
        let placed = 2 + statuses.iter().filter(|s| **s == 201).count() as i64;
        assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
        let expected = match cut {
            200 => 10,
            409 => 20,
            other => panic!("{backend:?}: the cut answered {other}"),
        };
        assert_eq!(placed, expected, "{backend:?}: sold exactly the quantity in force");
        let (_, b) = app.get(&path, None).await;
        assert_eq!((b["quantity"].as_i64(), b["sold"].as_i64()), (Some(expected), Some(expected)), "{b}");

        // The quantity is the database's after a restart; more stock sells again.
        let app = app.restarted().await;
        let (s, b) =
            app.call(Method::PATCH, &path, Some(&staff), Some(json!({"quantity": expected + 1}))).await;
        assert_eq!((s, &b["remaining"]), (200, &json!(1)), "{b}");
        assert_eq!(order(&app, id, &fans[32], "k", None).await.0, 201);
        assert_eq!(order(&app, id, &fans[33], "k", None).await.0, 409);

        // A wave split across channels of the registry: added and taken-back units are online units.
        let split = with_channels(wave_body(10, t - MIN, t + 60 * MIN), json!({"online": 6, "offline": 4}));
        let (s, b) = app.post("/api/v1/waves", Some(&staff), split.clone()).await;
        assert_eq!((s, error_code(&b)), (422, "invalid_channels"), "no channel `offline` yet");
        let (s, b) = app
            .post(
                "/api/v1/channels",
                Some(&staff),
                json!({"code": "offline", "name": "小米之家", "kind": "own_store", "city": "北京"}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        let (s, w) = app.post("/api/v1/waves", Some(&staff), split).await;
        assert_eq!(s, 201, "{w}");
        let (s, b) = set_quantity(&app, &staff, &w, 3).await;
        assert_eq!((s, error_code(&b)), (422, "quantity_below_other_channels"));
        let (s, b) = set_quantity(&app, &staff, &w, 15).await;
        assert_eq!(
            (s, &b["channels"], &b["remaining"]),
            (200, &json!({"offline": 4, "online": 11}), &json!(11))
        );

        // A draw that opened for entries keeps its number of winners; one not open yet may change.
        let mut draw = wave_body(5, t - MIN, t + 60 * MIN);
        draw["mode"] = json!("draw");
        let (s, w) = app.post("/api/v1/waves", Some(&staff), draw.clone()).await;
        assert_eq!(s, 201, "{w}");
        let (s, b) = set_quantity(&app, &staff, &w, 50).await;
        assert_eq!((s, error_code(&b)), (409, "draw_quantity_fixed"));
        draw["starts_at"] = json!(rfc3339(t + 30 * MIN));
        let (_, w) = app.post("/api/v1/waves", Some(&staff), draw).await;
        let (s, b) = set_quantity(&app, &staff, &w, 50).await;
        assert_eq!((s, &b["quantity"]), (200, &json!(50)), "{b}");

        // An ended wave keeps its quantity.
        let (s, _) = app.post(&format!("{path}/end"), Some(&staff), json!({})).await;
        assert_eq!(s, 200);
        // The recorded end may be the next millisecond (it follows orders of this one).
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let (s, b) = app.call(Method::PATCH, &path, Some(&staff), Some(json!({"quantity": 100}))).await;
        assert_eq!((s, error_code(&b)), (409, "wave_ended"));
    }
}

/// `PATCH /api/v1/waves/{id}` `{quantity}` for the wave `wave` (as the API answered it).
async fn set_quantity(app: &common::TestApp, staff: &str, wave: &Value, quantity: i64) -> (u16, Value) {
    let path = format!("/api/v1/waves/{}", wave["id"]);
    app.call(Method::PATCH, &path, Some(staff), Some(json!({"quantity": quantity}))).await
}

fn with_channels(mut body: Value, channels: Value) -> Value {
    body["channels"] = channels;
    body
}

/// Two staff on two nodes of a Redis-engine site change one wave's quantity at the same
/// moment, again and again: each answer is 200 or 409 `wave_changed_meanwhile`, and the
/// engine never sells more than the database records.
#[tokio::test]
async fn quantity_changes_racing_on_two_nodes_never_leave_the_engine_above_the_database() {
    for backend in backends() {
        let Some(a) = common::spawn_app_on_redis(backend).await else { return };
        let staff = a.seed_catalog().await;
        let b = a.another_node().await;
        let t = now();
        let (s, w) = a.post("/api/v1/waves", Some(&staff), wave_body(20, t - MIN, t + 60 * MIN)).await;
        assert_eq!(s, 201, "{w}");
        let id = w["id"].as_i64().unwrap();
        let path = format!("/api/v1/waves/{id}");
        // A fan orders through each node, so both serve the wave.
        for (i, node) in [&a, &b].into_iter().enumerate() {
            let fan = node.register(&format!("两地买家{i}")).await;
            assert_eq!(order(node, id, &fan, "k", None).await.0, 201);
        }
        for round in 0..10i64 {
            let (first, second) = tokio::join!(
                a.call(Method::PATCH, &path, Some(&staff), Some(json!({"quantity": 10 + round}))),
                b.call(Method::PATCH, &path, Some(&staff), Some(json!({"quantity": 40 + round}))),
            );
            for (s, body) in [&first, &second] {
                assert!(
                    *s == 200 || (*s == 409 && error_code(body) == "wave_changed_meanwhile"),
                    "{backend:?} round {round}: {s} {body}"
                );
            }
            let recorded = a.store.wave(id).await.unwrap().expect("wave").rules.quantity;
            let selling = canyu_app::sales::waves::engine_counters(&a.state, id).await.unwrap().quantity;
            assert!(selling <= recorded, "{backend:?} round {round}: engine {selling} > database {recorded}");
        }
        // Settled: one more change from either node lands, and the engine agrees.
        let (s, body) = b.call(Method::PATCH, &path, Some(&staff), Some(json!({"quantity": 3}))).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(canyu_app::sales::waves::engine_counters(&a.state, id).await.unwrap().quantity, 3);
    }
}

#[tokio::test]
async fn staff_cancel_a_wave_before_it_starts_and_it_never_sells() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("撤销粉").await;
        let holder = app.register("持码粉").await;
        let t = now();
        let (s, w) = app.post("/api/v1/waves", Some(&staff), wave_body(5, t + 10 * MIN, t + 70 * MIN)).await;
        assert_eq!(s, 201, "{w}");
        let id = w["id"].as_i64().unwrap();
        let (path, cancel) = (format!("/api/v1/waves/{id}"), format!("/api/v1/waves/{id}/cancel"));
        let (s, b) = app.post(&format!("{path}/fcodes"), Some(&staff), json!({"count": 2})).await;
        assert_eq!(s, 201, "{b}");
        let (held, code) = (b["codes"][0].as_str().unwrap(), b["codes"][1].as_str().unwrap().to_string());
        let (s, b) = app.post("/api/v1/fcodes/redeem", Some(&holder), json!({"code": held})).await;
        assert_eq!(s, 200, "{b}");

        // Refusals change nothing.
        let long = "因".repeat(201);
        for (token, body, want) in [
            (&fan, json!({}), (403, "forbidden")),
            (&staff, json!({"reason": long}), (422, "invalid_cancel_reason")),
            // A control character is refused before the reason is read, as in every JSON body.
            (&staff, json!({"reason": "a\u{7}b"}), (422, "control_character")),
            (&staff, json!({"why": "x"}), (400, "invalid_json")),
        ] {
            let (s, b) = app.post(&cancel, Some(token), body).await;
            assert_eq!((s, error_code(&b)), want, "{backend:?}: {b}");
        }
        let (s, b) = app.post("/api/v1/waves/999999/cancel", Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&b)), (404, "wave_not_found"));
        let (_, b) = app.get(&path, None).await;
        assert_eq!((&b["status"], &b["cancelled_at"]), (&json!("scheduled"), &Value::Null), "{b}");

        // A wave on sale is ended, not cancelled: its orders stand.
        let (_, live) = app.post("/api/v1/waves", Some(&staff), wave_body(5, t - MIN, t + 60 * MIN)).await;
        let live_id = live["id"].as_i64().unwrap();
        assert_eq!(order(&app, live_id, &fan, "k", None).await.0, 201);
        let (s, b) = app.post(&format!("/api/v1/waves/{live_id}/cancel"), Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&b)), (409, "cancel_after_start"));

        let (s, b) = app.post(&cancel, Some(&staff), json!({"reason": "供货调整，改期另行通知"})).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(
            (&b["status"], &b["cancel_reason"]),
            (&json!("cancelled"), &json!("供货调整，改期另行通知"))
        );
        assert!(b["cancelled_at"].is_string(), "{b}");
        for (method, url, body, want) in [
            (Method::POST, cancel.clone(), json!({}), (409, "wave_cancelled")),
            (Method::PATCH, path.clone(), json!({"quantity": 10}), (409, "wave_cancelled")),
            (Method::PATCH, path.clone(), json!({"ends_at": rfc3339(t + 80 * MIN)}), (409, "wave_cancelled")),
            (Method::POST, format!("{path}/fcodes"), json!({"count": 1}), (409, "wave_cancelled")),
        ] {
            let (s, b) = app.call(method, &url, Some(&staff), Some(body)).await;
            assert_eq!((s, error_code(&b)), want, "{backend:?} {url}: {b}");
        }
        let (s, b) = app.post("/api/v1/fcodes/redeem", Some(&fan), json!({"code": code})).await;
        assert_eq!((s, error_code(&b)), (409, "wave_cancelled"), "{b}");
        // The fan holding a code is told, with the reason and a link to the wave; others are not.
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&holder)).await;
        let told: Vec<&Value> =
            inbox["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "wave.cancelled").collect();
        assert_eq!(told.len(), 1, "{backend:?}: {inbox}");
        assert_eq!(told[0]["url"], format!("/waves/{id}"));
        assert!(told[0]["message"].as_str().unwrap().contains("改期另行通知"), "{}", told[0]);
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&fan)).await;
        assert!(!inbox.to_string().contains("wave.cancelled"), "{inbox}");

        // When its start comes it does not open, also after a restart (the engine reloads
        // it from the database).
        app.clock_offset.store(15 * MIN, std::sync::atomic::Ordering::Relaxed);
        let (s, b, _) = order(&app, id, &fan, "k", None).await;
        assert_eq!((s, error_code(&b)), (409, "wave_cancelled"), "{b}");
        let app = app.restarted().await;
        let (s, b, _) = order(&app, id, &fan, "k2", None).await;
        assert_eq!((s, error_code(&b)), (409, "wave_cancelled"), "{b}");
        assert_eq!(app.store.wave(id).await.unwrap().expect("wave").sold, 0);
        let (_, b) = app.get(&path, None).await;
        assert_eq!((&b["status"], &b["sold"]), (&json!("cancelled"), &json!(0)), "{b}");

        // A draw cancelled before it opens takes no entries and is never drawn.
        let t = now() + 15 * MIN;
        let mut body = wave_body(3, t + 10 * MIN, t + 20 * MIN);
        body["mode"] = json!("draw");
        let (_, draw) = app.post("/api/v1/waves", Some(&staff), body).await;
        let draw_id = draw["id"].as_i64().unwrap();
        let (s, b) = app.post(&format!("/api/v1/waves/{draw_id}/cancel"), Some(&staff), json!({})).await;
        assert_eq!((s, &b["cancel_reason"]), (200, &json!("")), "{b}");
        app.clock_offset.store(40 * MIN, std::sync::atomic::Ordering::Relaxed);
        let (s, b) = app.post(&format!("/api/v1/waves/{draw_id}/entries"), Some(&fan), json!({})).await;
        assert_eq!((s, error_code(&b)), (409, "wave_cancelled"), "{b}");
        app.clock_offset.store(60 * MIN, std::sync::atomic::Ordering::Relaxed);
        assert!(app.store.draws_due(app.state.now()).await.unwrap().is_empty());
        let (s, b) = app.post(&format!("/api/v1/waves/{draw_id}/draw"), Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&b)), (409, "wave_cancelled"), "{b}");
    }
}

/// With the Redis engine, a node whose cached row still shows the wave as scheduled does
/// not sell it either: the cancellation reached the engine every node shares.
#[tokio::test]
async fn a_wave_cancelled_on_one_node_is_not_sold_by_another() {
    for backend in backends() {
        let Some(a) = common::spawn_app_on_redis(backend).await else { return };
        let staff = a.seed_catalog().await;
        let b = a.another_node().await;
        let t = now();
        let (s, w) = a.post("/api/v1/waves", Some(&staff), wave_body(50, t + 10 * MIN, t + 60 * MIN)).await;
        assert_eq!(s, 201, "{w}");
        let id = w["id"].as_i64().unwrap();
        let fan = b.register("另一节点的粉").await;
        // Node b reads (and caches) the wave and opens it in the engine.
        let (s, body, _) = order(&b, id, &fan, "early", None).await;
        assert_eq!((s, error_code(&body)), (409, "wave_not_started"));
        let (s, body) = a.post(&format!("/api/v1/waves/{id}/cancel"), Some(&staff), json!({})).await;
        assert_eq!(s, 200, "{body}");
        for node in [&a, &b] {
            node.clock_offset.store(15 * MIN, std::sync::atomic::Ordering::Relaxed);
        }
        let buyers = {
            let mut buyers = Vec::new();
            for i in 0..10 {
                buyers.push(b.register(&format!("抢购{i}")).await);
            }
            buyers
        };
        let answers = common::orders_at_once(&[&a, &b], id, buyers, "rush", None).join_all().await;
        // Node b's copy of the wave predates the cancellation; the engine's refusal makes it
        // read the wave again, so its buyers are told the same as node a's.
        assert!(
            answers.iter().all(|(s, body)| (*s, error_code(body)) == (409, "wave_cancelled")),
            "{backend:?}: {answers:?}"
        );
        assert_eq!(a.store.wave(id).await.unwrap().expect("wave").sold, 0);
    }
}

async fn inbox(app: &common::TestApp, token: &str) -> Vec<Value> {
    let (s, b) = app.get("/api/v1/me/notifications", Some(token)).await;
    assert_eq!(s, 200, "{b}");
    b["items"].as_array().unwrap().clone()
}

/// A first-come order tells its buyer once (a replay tells nobody again), by product and
/// SKU name, linking to their orders; a draw entry says when it is drawn on the site's
/// clock, and the draw tells each entrant whether they won.
#[tokio::test]
async fn orders_and_draw_entries_and_results_reach_the_inbox() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("收件箱粉").await;
        let t = now();
        let (_, wave) = app.post("/api/v1/waves", Some(&staff), wave_body(5, t - MIN, t + HOUR)).await;
        let id = wave["id"].as_i64().unwrap();
        let (s, placed, _) = order(&app, id, &fan, "k1", Some("{}")).await;
        assert_eq!(s, 201, "{placed}");
        let (s, _, replayed) = order(&app, id, &fan, "k1", Some("{}")).await;
        assert_eq!((s, replayed), (201, true));
        let items = inbox(&app, &fan).await;
        assert_eq!(items.len(), 1, "told once ({backend:?}): {items:?}");
        let n = &items[0];
        assert_eq!((n["kind"].as_str(), n["url"].as_str()), (Some("order.placed"), Some("/orders")));
        let oid = placed["id"].as_i64().unwrap();
        assert_eq!(n["message"], format!("Order #{oid} placed: 小米 SU7 SU7 Max."), "{n}");
        assert_eq!(n["data"]["order"], oid);

        let mut body = wave_body(1, t - MIN, t + 10 * MIN);
        body["mode"] = json!("draw");
        let (_, draw) = app.post("/api/v1/waves", Some(&staff), body).await;
        let draw_id = draw["id"].as_i64().unwrap();
        let rival = app.register("对手粉").await;
        for token in [&fan, &rival] {
            let (s, b) = app.post(&format!("/api/v1/waves/{draw_id}/entries"), Some(token), json!({})).await;
            assert_eq!(s, 201, "{b}");
        }
        let entered = inbox(&app, &rival).await;
        assert_eq!(entered.len(), 1, "{entered:?}");
        let when = canyu_core::time::Zone::china().datetime(t + 10 * MIN);
        assert_eq!(entered[0]["kind"], "draw.entered");
        assert_eq!(
            entered[0]["message"],
            format!("You entered the “小米 SU7 SU7 Max” draw; it is drawn at {when} China time."),
        );
        app.clock_offset.store(11 * MIN, std::sync::atomic::Ordering::Relaxed);
        let (s, b) = app.post(&format!("/api/v1/waves/{draw_id}/draw"), Some(&staff), json!({})).await;
        assert_eq!(s, 200, "{b}");
        let (s, _) = app.post(&format!("/api/v1/waves/{draw_id}/draw"), Some(&staff), json!({})).await;
        assert_eq!(s, 200);
        let mut results = Vec::new();
        for token in [&fan, &rival] {
            let items = inbox(&app, token).await;
            let told: Vec<&Value> = items.iter().filter(|n| n["data"]["wave"] == draw_id).collect();
            assert_eq!(told.len(), 2, "the entry and the result, once ({backend:?}): {told:?}");
            results.push(told[0]["kind"].as_str().unwrap().to_string());
            if told[0]["kind"] == "draw.won" {
                let (_, mine) = app.get("/api/v1/me/orders", Some(token)).await;
                let won = mine["items"].as_array().unwrap().iter().find(|o| o["wave"] == draw_id).cloned();
                assert_eq!(told[0]["data"]["order"], won.unwrap()["id"]);
            }
        }
        results.sort();
        assert_eq!(results, ["draw.lost", "draw.won"], "{backend:?}");
    }
}
