//! canyu's own orders in the one sales ledger, on every configured backend (issue #21):
//! campaign SKUs are catalog SKUs; paid and locked orders enter the ledger by themselves
//! (once, however many nodes post at once) and an after-sales return enters a reversing row;
//! a price drop on the own channel credits recent buyers once (价保), a scheduled one when it
//! takes effect; the margin over the pledge goes back to the period's buyers as points, once.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_app::pricing::ledger::{self, Posted};
use canyu_core::time::rfc3339;
use common::{TestApp, backends, error_code};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
const PRICE: i64 = 21_590_000;
const COST: i64 = 20_000_000;

async fn place(app: &TestApp, wave: i64, token: &str, kind: &str) -> i64 {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/waves/{wave}/orders")))
        .bearer_auth(token)
        .header("idempotency-key", format!("k-{kind}"))
        .json(&json!({"kind": kind, "buyer_name": "张三"}))
        .send()
        .await
        .unwrap();
    let (s, order) = common::to_json(res).await;
    assert_eq!(s, 201, "{order}");
    order["id"].as_i64().unwrap()
}

async fn pay(app: &TestApp, token: &str, order: i64) {
    let (s, r) = app.post(&format!("/api/v1/orders/{order}/simulated-payment"), Some(token), json!({})).await;
    assert_eq!(s, 200, "{r}");
}

async fn report(app: &TestApp, token: &str) -> Value {
    let (s, r) = app.get("/api/v1/pricing/margin", Some(token)).await;
    assert_eq!(s, 200, "{r}");
    r
}

async fn points(app: &TestApp, token: &str, handle: &str) -> Vec<Value> {
    let (s, r) = app.get(&format!("/api/v1/users/{handle}/points"), Some(token)).await;
    assert_eq!(s, 200, "{r}");
    r["items"].as_array().unwrap().iter().filter(|e| e["reason"] == "give_back").cloned().collect()
}

#[tokio::test]
async fn own_orders_enter_the_ledger_and_price_drops_and_excess_go_back_to_buyers() {
    for backend in backends() {
        let config = canyu_app::AppConfig { simulated_payments: true, ..common::test_config() };
        let app = common::spawn_app_with(backend, config).await;
        let staff = app.seed_catalog().await;
        let admin = app.user_with_role("ledger_admin", canyu_core::Role::Admin).await;
        let [a, b, c, d] = [
            app.register("买家甲").await,
            app.register("买家乙").await,
            app.register("买家丙").await,
            app.register("买家丁").await,
        ];

        // The catalog knows `su7` with its cost; the campaign declares it and a new `su7-max`.
        let (s, r) = app
            .post(
                "/api/v1/products/xiaomi-su7/skus",
                Some(&staff),
                json!({"code": "su7", "name": "SU7 标准版", "tier": "mid", "unit_cost_fen": COST}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        let t = canyu_app::now_millis();
        let campaign_body = json!({
            "product": "xiaomi-su7", "title": "小米 SU7 上市",
            "teaser_at": rfc3339(t - 4 * HOUR), "reveal_at": rfc3339(t - 3 * HOUR),
            "reservations_open_at": rfc3339(t - HOUR), "reservations_close_at": rfc3339(t + HOUR),
            "one_per_address": false,
            "skus": [
                {"code": "su7", "name": "SU7 标准版", "price_fen": PRICE, "big_deposit_fen": 500_000},
                {"code": "su7-max", "name": "SU7 Max", "price_fen": 29_990_000}
            ]
        });
        let (s, r) = app.post("/api/v1/campaigns", Some(&staff), campaign_body.clone()).await;
        assert_eq!(s, 201, "{r}");
        let campaign = r["id"].as_i64().unwrap();
        let (s, max) = app.get("/api/v1/skus/su7-max/prices", Some(&staff)).await;
        assert_eq!(
            (s, max["sku"]["tier"].as_str()),
            (200, Some("mid")),
            "the campaign made the catalog SKU: {max}"
        );
        assert_eq!(max["sku"]["unit_cost_fen"], 0, "its cost is unknown until staff enter it");
        // A code another product's line uses is not the campaign's to take.
        let (s, r) = app
            .post(
                "/api/v1/products",
                Some(&staff),
                json!({"slug": "xiaomi-yu7", "name": "小米 YU7", "category": "car"}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        let mut other = campaign_body.clone();
        other["product"] = json!("xiaomi-yu7");
        let (s, r) = app.post("/api/v1/campaigns", Some(&staff), other).await;
        assert_eq!((s, error_code(&r)), (409, "sku_code_taken"));

        let (s, w) = app
            .post(
                "/api/v1/waves",
                Some(&staff),
                json!({"product": "xiaomi-su7", "sku": "su7", "quantity": 10, "mode": "fcfs",
                       "starts_at": rfc3339(t - MIN), "ends_at": rfc3339(t + 30 * DAY), "campaign": campaign}),
            )
            .await;
        assert_eq!(s, 201, "{w}");
        let wave = w["id"].as_i64().unwrap();
        let oa = place(&app, wave, &a, "full").await;
        let ob = place(&app, wave, &b, "full").await;
        let oc = place(&app, wave, &c, "full").await;
        let od = place(&app, wave, &d, "big").await;
        pay(&app, &a, oa).await;
        pay(&app, &b, ob).await;
        pay(&app, &d, od).await;

        // Paid in full: sold. A paid deposit is not a sale until it locks; an unpaid hold never is.
        let posted = ledger::post_own_orders(&app.state).await.unwrap();
        assert_eq!(posted, Posted { sales: 2, reversals: 0 });
        let (s, r) = app.post(&format!("/api/v1/orders/{od}/lock"), Some(&d), json!({})).await;
        assert_eq!(s, 200, "{r}");
        // Two nodes posting at once write each row once.
        let other_node = app.another_node().await;
        let (x, y) =
            tokio::join!(ledger::post_own_orders(&app.state), ledger::post_own_orders(&other_node.state));
        assert_eq!(x.unwrap().sales + y.unwrap().sales, 1, "the locked deposit order, once");
        assert_eq!(ledger::post_own_orders(&app.state).await.unwrap(), Posted::default());
        let r = report(&app, &staff).await;
        assert_eq!(
            (r["revenue_fen"].as_i64(), r["cost_fen"].as_i64()),
            (Some(3 * PRICE), Some(3 * COST)),
            "{r}"
        );
        assert_eq!(r["by_channel"][0]["key"], "online");
        assert_eq!(r["by_channel"][0]["quantity"], 3);

        // After-sales takes back a sold order: staff only, sold orders only.
        let (s, e) = app.post(&format!("/api/v1/orders/{oa}/return"), Some(&a), json!({})).await;
        assert_eq!((s, error_code(&e)), (403, "forbidden"), "the buyer asks after-sales");
        let (s, e) = app.post(&format!("/api/v1/orders/{oc}/return"), Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&e)), (409, "invalid_order_transition"), "an unpaid order was never sold");
        let (s, r) = app.post(&format!("/api/v1/orders/{oa}/return"), Some(&staff), json!({})).await;
        assert_eq!((s, r["state"].as_str()), (200, Some("returned")), "{r}");
        let (s, e) = app.post(&format!("/api/v1/orders/{oa}/return"), Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&e)), (409, "invalid_order_transition"));
        assert_eq!(ledger::post_own_orders(&app.state).await.unwrap(), Posted { sales: 0, reversals: 1 });
        assert_eq!(ledger::post_own_orders(&app.state).await.unwrap(), Posted::default());
        let r = report(&app, &staff).await;
        assert_eq!(
            (r["revenue_fen"].as_i64(), r["cost_fen"].as_i64(), r["by_channel"][0]["quantity"].as_i64()),
            (Some(2 * PRICE), Some(2 * COST), Some(2)),
            "the return nets out: {r}"
        );
        // Nobody else writes rows under canyu's own ids.
        let (s, r) = app
            .post(
                "/api/v1/channels/online/sales",
                Some(&staff),
                json!([{"external_id": "canyu:order:999", "sku": "su7", "quantity": 1,
                        "unit_price_fen": 1, "sold_at": rfc3339(t)}]),
            )
            .await;
        assert_eq!((s, r["rejected"][0]["code"].as_str()), (200, Some("invalid_sales_row")), "{r}");

        // 价保: a drop scheduled for tomorrow credits nothing today, then once when it takes effect.
        let (s, r) = app
            .post(
                "/api/v1/skus/su7/prices",
                Some(&staff),
                json!({"channel": "online", "price_fen": 20_990_000, "reason": "双十二", "effective_at": rfc3339(t + DAY)}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        assert!(ledger::protect_prices(&app.state).await.unwrap().is_empty(), "not yet in effect");
        app.clock_offset.store(DAY + MIN, Ordering::Relaxed);
        other_node.clock_offset.store(DAY + MIN, Ordering::Relaxed);
        let (x, y) =
            tokio::join!(ledger::protect_prices(&app.state), ledger::protect_prices(&other_node.state));
        let mut credited: Vec<(i64, i64)> =
            x.unwrap().iter().chain(y.unwrap().iter()).map(|c| (c.order_id, c.credit_fen)).collect();
        credited.sort();
        assert_eq!(
            credited,
            [(ob, 600_000), (od, 600_000)],
            "the returned order gets nothing; each credit once"
        );
        let (_, shown) = app.get(&format!("/api/v1/orders/{ob}"), Some(&b)).await;
        assert_eq!(shown["price_protection"]["credit_fen"], 600_000, "{shown}");
        assert_eq!(shown["price_protection"]["price_fen"], 20_990_000);
        let (_, shown) = app.get(&format!("/api/v1/orders/{oa}"), Some(&a)).await;
        assert!(shown.get("price_protection").is_none(), "{shown}");
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&b)).await;
        let told = inbox["items"].as_array().unwrap().iter().find(|n| n["kind"] == "order.price_protected");
        assert!(told.is_some_and(|n| n["message"].as_str().unwrap().contains("¥6,000")), "{inbox}");
        // A further drop credits the same orders no more.
        let (s, r) = app
            .post(
                "/api/v1/skus/su7/prices",
                Some(&staff),
                json!({"channel": "online", "price_fen": 20_500_000, "reason": "清库存"}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        assert!(ledger::protect_prices(&app.state).await.unwrap().is_empty(), "one credit per order");

        // Net 2 × (21,590,000 − 20,000,000) = 3,180,000 fen against a 5 % cap of 2,159,000:
        // 1,021,000 fen over, 10,210 points, split between the two remaining buyers by what they paid.
        let r = report(&app, &staff).await;
        assert_eq!(r["excess_fen"], 1_021_000, "{r}");
        for token in [&b, &staff] {
            let (s, e) = app.post("/api/v1/pricing/give-backs", Some(token), json!({})).await;
            assert_eq!((s, error_code(&e)), (403, "forbidden"), "admins only");
        }
        let (s, g) = app.post("/api/v1/pricing/give-backs", Some(&admin), json!({})).await;
        assert_eq!((s, g["points"].as_i64(), g["buyers"].as_i64()), (201, Some(10_210), Some(2)), "{g}");
        assert_eq!(g["excess_fen"], 1_021_000);
        for handle in ["买家乙", "买家丁"] {
            let given = points(&app, &admin, handle).await;
            assert_eq!(given.len(), 1, "{given:?}");
            assert_eq!(given[0]["delta"], 5_105);
        }
        assert!(points(&app, &admin, "买家甲").await.is_empty(), "a returned order's buyer paid nothing net");
        let (s, e) = app.post("/api/v1/pricing/give-backs", Some(&admin), json!({})).await;
        assert_eq!((s, error_code(&e)), (409, "give_back_exists"));
        let (s, e) = app
            .post(
                "/api/v1/pricing/give-backs",
                Some(&admin),
                json!({"from": rfc3339(t - DAY), "to": rfc3339(t + 2 * DAY)}),
            )
            .await;
        assert_eq!((s, error_code(&e)), (409, "give_back_overlaps"));
        let (s, e) = app
            .post(
                "/api/v1/pricing/give-backs",
                Some(&admin),
                json!({"from": "2020-01-01T00:00:00+08:00", "to": "2021-01-01T00:00:00+08:00"}),
            )
            .await;
        assert_eq!((s, error_code(&e)), (409, "no_excess_to_give_back"));
        let (s, list) = app.get("/api/v1/pricing/give-backs", Some(&staff)).await;
        assert_eq!((s, list["items"].as_array().map(Vec::len)), (200, Some(1)), "{list}");
    }
}

/// A channel's own system reports its sales with a token that opens nothing else.
#[tokio::test]
async fn a_channel_token_reports_its_own_sales_and_nothing_else() {
    for backend in backends() {
        let app = common::spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("想要令牌").await;
        let (s, r) = app
            .post(
                "/api/v1/channels",
                Some(&staff),
                json!({"code": "jd", "name": "京东自营", "kind": "partner_online"}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        let (s, r) = app
            .post(
                "/api/v1/products/xiaomi-su7/skus",
                Some(&staff),
                json!({"code": "SU7-STD", "name": "SU7 标准版", "tier": "mid", "unit_cost_fen": COST}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        let (s, e) = app.post("/api/v1/channels/jd/tokens", Some(&fan), json!({})).await;
        assert_eq!((s, error_code(&e)), (403, "forbidden"));
        let (s, e) = app.post("/api/v1/channels/nope/tokens", Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&e)), (404, "channel_not_found"));
        let (s, issued) = app.post("/api/v1/channels/jd/tokens", Some(&staff), json!({})).await;
        assert_eq!((s, issued["name"].as_str()), (201, Some("jd sales")), "{issued}");
        let token = issued["token"].as_str().unwrap().to_string();

        let rows = json!([{"external_id": "JD-1", "sku": "SU7-STD", "quantity": 1, "unit_price_fen": PRICE,
                           "sold_at": "2026-11-11T00:00:05+08:00", "city": "北京"}]);
        let (s, r) = app.post("/api/v1/channels/jd/sales", Some(&token), rows.clone()).await;
        assert_eq!((s, r["inserted"].as_i64()), (200, Some(1)), "{r}");
        for (method, path, body) in [
            (reqwest::Method::POST, "/api/v1/channels/online/sales", Some(rows.clone())),
            (reqwest::Method::GET, "/api/v1/channels", None),
            (reqwest::Method::GET, "/api/v1/me", None),
            (reqwest::Method::GET, "/api/v1/pricing/margin", None),
            (reqwest::Method::POST, "/api/v1/channels/jd/tokens", Some(json!({}))),
        ] {
            let (s, e) = app.call(method, path, Some(&token), body).await;
            assert_eq!((s, error_code(&e)), (403, "channel_token_scope"), "{path}");
        }
        let (_, r) = app.get("/api/v1/pricing/margin", Some(&staff)).await;
        assert_eq!(r["revenue_fen"].as_i64(), Some(PRICE), "only the channel's own report went in: {r}");

        // Its issuer revokes it like any of their tokens.
        let id = issued["id"].as_i64().unwrap();
        let (s, _) =
            app.call(reqwest::Method::DELETE, &format!("/api/v1/me/tokens/{id}"), Some(&staff), None).await;
        assert_eq!(s, 204);
        let (s, e) = app.post("/api/v1/channels/jd/sales", Some(&token), rows).await;
        assert_eq!((s, error_code(&e)), (401, "token_invalid"));
    }
}
