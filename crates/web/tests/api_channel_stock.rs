//! Channel stock through the JSON API, on every configured backend (issue #21): allocations
//! per channel with sell-through from the ledger, transfers of unsold units (refused beyond
//! what is left, never overselling when two race), and a scheduled transfer that returns
//! unsold partner stock to `online` at its time, once however many nodes run it.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_core::time::rfc3339;
use common::{TestApp, backends, error_code};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

const DAY: i64 = 86_400_000;

fn channel<'a>(stock: &'a Value, code: &str) -> &'a Value {
    stock["channels"].as_array().unwrap().iter().find(|c| c["channel"] == code).unwrap_or(&Value::Null)
}

async fn stock(app: &TestApp, token: &str) -> Value {
    let (s, b) = app.get("/api/v1/skus/SU7-STD/allocations", Some(token)).await;
    assert_eq!(s, 200, "{b}");
    b
}

#[tokio::test]
async fn allocations_transfers_and_sell_through_per_channel() {
    for backend in backends() {
        let app = common::spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("看库存").await;
        for (code, kind) in [("jd", "partner_online"), ("mi-home", "own_store")] {
            let (s, b) = app
                .post("/api/v1/channels", Some(&staff), json!({"code": code, "name": code, "kind": kind}))
                .await;
            assert_eq!(s, 201, "{b}");
        }
        let (s, b) = app
            .post(
                "/api/v1/products/xiaomi-su7/skus",
                Some(&staff),
                json!({"code": "SU7-STD", "name": "SU7 标准版", "tier": "mid", "unit_cost_fen": 20_000_000}),
            )
            .await;
        assert_eq!(s, 201, "{b}");

        let put =
            |body: Value| app.call(Method::PUT, "/api/v1/skus/SU7-STD/allocations", Some(&staff), Some(body));
        for (body, status, code) in [
            (json!({"allocations": {"online": -1}}), 422, "invalid_units"),
            (json!({"allocations": {}}), 422, "invalid_units"),
            (json!({"allocations": {"taobao": 5}}), 404, "channel_not_found"),
        ] {
            let (s, e) = put(body.clone()).await;
            assert_eq!((s, error_code(&e)), (status, code), "{body}");
        }
        let (s, e) = app
            .call(
                Method::PUT,
                "/api/v1/skus/SU7-STD/allocations",
                Some(&fan),
                Some(json!({"allocations": {"jd": 1}})),
            )
            .await;
        assert_eq!((s, error_code(&e)), (403, "forbidden"));
        assert!(
            stock(&app, &staff).await["channels"].as_array().unwrap().is_empty(),
            "refusals changed nothing"
        );
        let (s, b) =
            put(json!({"allocations": {"online": 500, "jd": 300, "mi-home": 200}, "reason": "首批"})).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(channel(&b, "jd")["allocated"], 300);

        // JD reports 120 sold: sell-through 40 %, 180 left; its allocation cannot go below 120.
        let rows: Vec<Value> = (0..4)
            .map(|i| {
                json!({"external_id": format!("JD-{i}"), "sku": "SU7-STD", "quantity": 30,
                             "unit_price_fen": 21_590_000, "sold_at": "2026-11-11T00:00:00+08:00"})
            })
            .collect();
        let (s, r) = app.post("/api/v1/channels/jd/sales", Some(&staff), json!(rows)).await;
        assert_eq!((s, r["inserted"].as_i64()), (200, Some(4)), "{r}");
        let b = stock(&app, &staff).await;
        let jd = channel(&b, "jd");
        assert_eq!(
            (jd["sold"].as_i64(), jd["remaining"].as_i64(), jd["sell_through_bps"].as_i64()),
            (Some(120), Some(180), Some(4_000)),
            "{b}"
        );
        let (s, e) = put(json!({"allocations": {"jd": 119}})).await;
        assert_eq!((s, error_code(&e)), (409, "allocation_below_sold"));

        // Transfers now: refused beyond what is left; two at once never move more than that.
        let transfer = |body: Value| app.post("/api/v1/skus/SU7-STD/transfers", Some(&staff), body);
        for (body, status, code) in [
            (json!({"from": "jd", "to": "jd", "units": 1}), 422, "invalid_transfer"),
            (json!({"from": "jd", "to": "online", "units": 0}), 422, "invalid_units"),
            (json!({"from": "jd", "to": "online"}), 422, "invalid_units"),
            (json!({"from": "jd", "to": "online", "units": 181}), 409, "transfer_exceeds_stock"),
        ] {
            let (s, e) = transfer(body.clone()).await;
            assert_eq!((s, error_code(&e)), (status, code), "{body}");
        }
        let (a, b2) = tokio::join!(
            transfer(json!({"from": "mi-home", "to": "online", "units": 150, "reason": "门店调回"})),
            transfer(json!({"from": "mi-home", "to": "jd", "units": 150, "reason": "支援京东"}))
        );
        let moved: Vec<u16> = [a.0, b2.0].into_iter().filter(|s| *s == 201).collect();
        assert_eq!(moved.len(), 1, "200 units cannot move 150 twice: {a:?} {b2:?}");
        let b = stock(&app, &staff).await;
        let total: i64 =
            b["channels"].as_array().unwrap().iter().map(|c| c["allocated"].as_i64().unwrap()).sum();
        assert_eq!(total, 1_000, "transfers move units, never make them: {b}");
        assert_eq!(channel(&b, "mi-home")["allocated"], 50);

        // After 双十一, JD's unsold units return to online at a time: all of them, once.
        let t = canyu_app::now_millis();
        let (s, planned) = transfer(
            json!({"from": "jd", "to": "online", "at": rfc3339(t + DAY), "reason": "活动结束，未售退回"}),
        )
        .await;
        assert_eq!(
            (s, planned["done_at"].is_null(), planned["units"].is_null()),
            (201, true, true),
            "{planned}"
        );
        assert_eq!(canyu_app::pricing::stock::run_due_transfers(&app.state).await.unwrap(), 0, "not yet");
        let other = app.another_node().await;
        app.clock_offset.store(DAY + 1_000, Ordering::Relaxed);
        other.clock_offset.store(DAY + 1_000, Ordering::Relaxed);
        let (x, y) = tokio::join!(
            canyu_app::pricing::stock::run_due_transfers(&app.state),
            canyu_app::pricing::stock::run_due_transfers(&other.state)
        );
        assert_eq!(x.unwrap() + y.unwrap(), 1, "once");
        let b = stock(&app, &staff).await;
        let jd = channel(&b, "jd");
        assert_eq!((jd["allocated"].as_i64(), jd["remaining"].as_i64()), (Some(120), Some(0)), "{b}");
        let log = &b["transfers"][0];
        assert_eq!(
            (log["kind"].as_str(), log["from"].as_str(), log["to"].as_str()),
            (Some("transfer"), Some("jd"), Some("online"))
        );
        let online = channel(&b, "online")["allocated"].as_i64().unwrap();
        let expected_online = if a.0 == 201 { 500 + 150 } else { 500 } + jd_left_before(&b2, &a);
        assert_eq!((online, log["moved"].as_i64()), (expected_online, Some(jd_left_before(&b2, &a))), "{b}");
    }
}

/// What JD had left when the scheduled transfer ran: 180, and 150 more if the race sent the
/// store's units to JD.
fn jd_left_before(to_jd: &(u16, Value), _to_online: &(u16, Value)) -> i64 {
    if to_jd.0 == 201 { 330 } else { 180 }
}
