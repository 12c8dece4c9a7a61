//! Channels and pricing through the JSON API, on every configured backend (issue #21): prices
//! keep the margin pledge unless an admin says why; the price history, the price now and the
//! 30-day lowest per channel; the sales ledger takes each row once (also when a batch is sent
//! twice at once) and rejects bad rows alone; the margin report adds up to the fen, with
//! channel fees and a cost change mid-period. Fans get 403 everywhere.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_core::time::rfc3339;
use common::{TestApp, backends, error_code, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

async fn sku(app: &TestApp, staff: &str, code: &str, cost: i64) {
    let (s, b) = app
        .post(
            "/api/v1/products/xiaomi-su7/skus",
            Some(staff),
            json!({"code": code, "name": "SU7 标准版", "tier": "mid", "unit_cost_fen": cost}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
}

async fn price(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    app.post("/api/v1/skus/SU7-STD/prices", Some(token), body).await
}

#[tokio::test]
async fn prices_keep_the_margin_pledge_and_their_history() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let admin = app.user_with_role("pricing_admin", canyu_core::Role::Admin).await;
        let fan = app.register("想看成本").await;

        // Fans: 403 on every staff path.
        for (method, path, body) in [
            (Method::GET, "/api/v1/channels", None),
            (Method::POST, "/api/v1/channels", Some(json!({"code": "x", "name": "x", "kind": "own_store"}))),
            (
                Method::POST,
                "/api/v1/products/xiaomi-su7/skus",
                Some(json!({"code": "x", "name": "x", "tier": "mid", "unit_cost_fen": 1})),
            ),
            (Method::GET, "/api/v1/pricing/margin", None),
            (Method::POST, "/api/v1/channels/online/sales", Some(json!([]))),
        ] {
            let (s, e) = app.call(method, path, Some(&fan), body).await;
            assert_eq!((s, error_code(&e)), (403, "forbidden"), "{path}");
        }

        let (_, list) = app.get("/api/v1/channels", Some(&staff)).await;
        assert_eq!(list["items"][0]["code"], "online", "canyu's own checkout is there from the start");
        assert_eq!(list["items"][0]["kind"], "own_online");
        let (s, jd) = app
            .post(
                "/api/v1/channels",
                Some(&staff),
                json!({"code": "jd", "name": "京东自营", "kind": "partner_online", "fee_bps": 500}),
            )
            .await;
        assert_eq!((s, jd["fee_bps"].as_i64()), (201, Some(500)), "{jd}");
        for (body, status, code) in [
            (json!({"code": "jd", "name": "again", "kind": "partner_online"}), 409, "channel_code_taken"),
            (json!({"code": "JD!", "name": "x", "kind": "partner_online"}), 422, "invalid_channel_code"),
            (json!({"code": "tmall", "name": "天猫", "kind": "marketplace"}), 422, "invalid_channel_kind"),
            (
                json!({"code": "tmall", "name": "天猫", "kind": "partner_online", "fee_bps": 6000}),
                422,
                "invalid_fee",
            ),
            (json!({"code": "tmall", "name": "", "kind": "partner_online"}), 422, "invalid_name"),
        ] {
            let (s, e) = app.post("/api/v1/channels", Some(&staff), body.clone()).await;
            assert_eq!((s, error_code(&e)), (status, code), "{body}");
        }
        assert_eq!(app.get("/api/v1/channels", Some(&staff)).await.1["items"].as_array().unwrap().len(), 2);

        // ¥1,999 on a ¥1,900 cost: 4.95 %, within the 5 % pledge.
        sku(&app, &staff, "SU7-STD", 190_000).await;
        let (s, e) = app
            .post(
                "/api/v1/products/xiaomi-su7/skus",
                Some(&staff),
                json!({"code": "SU7-STD", "name": "x", "tier": "mid", "unit_cost_fen": 1}),
            )
            .await;
        assert_eq!((s, error_code(&e)), (409, "sku_code_taken"));
        let (s, e) = app
            .post(
                "/api/v1/products/xiaomi-su7/skus",
                Some(&staff),
                json!({"code": "SU7-PRO", "name": "x", "tier": "pro", "unit_cost_fen": 1}),
            )
            .await;
        assert_eq!((s, error_code(&e)), (422, "invalid_tier"));
        let (s, p) =
            price(&app, &staff, json!({"channel": "online", "price_fen": 199_900, "reason": "首发价"})).await;
        assert_eq!((s, p["margin_bps"].as_i64()), (201, Some(495)), "{p}");
        // Through JD's 5 % the same price is a loss: allowed.
        let (s, p) =
            price(&app, &staff, json!({"channel": "jd", "price_fen": 199_900, "reason": "京东同价"})).await;
        assert_eq!((s, p["margin_bps"].as_i64()), (201, Some(-5)));

        // ¥2,100: 9.52 % — refused, saying the margin and the cap; staff cannot override.
        let (s, e) =
            price(&app, &staff, json!({"channel": "online", "price_fen": 210_000, "reason": "涨价"})).await;
        assert_eq!((s, error_code(&e)), (422, "margin_cap_exceeded"));
        let said = e["error"].to_string();
        assert!(said.contains("9.52%") && said.contains("5.00%"), "{e}");
        let over = json!({"channel": "online", "price_fen": 210_000, "reason": "涨价", "over_cap_reason": "限量配色，差额返还用户"});
        let (s, e) = price(&app, &staff, over.clone()).await;
        assert_eq!((s, error_code(&e)), (403, "forbidden"));
        let (s, p) = price(&app, &admin, over).await;
        assert_eq!(
            (s, &p["over_cap_reason"]),
            (201, &json!("限量配色，差额返还用户")),
            "an admin may, saying why"
        );
        for (body, status, code) in [
            (json!({"channel": "online", "price_fen": 0, "reason": "r"}), 422, "invalid_price"),
            (json!({"channel": "suning", "price_fen": 100, "reason": "r"}), 404, "channel_not_found"),
            (json!({"channel": "online", "price_fen": 199_900, "reason": " "}), 422, "invalid_price_reason"),
            (
                json!({"channel": "online", "price_fen": 199_900, "reason": "r", "effective_at": "tomorrow"}),
                422,
                "invalid_time",
            ),
        ] {
            let (s, e) = price(&app, &staff, body.clone()).await;
            assert_eq!((s, error_code(&e)), (status, code), "{body}");
        }
        let (s, e) = app
            .post(
                "/api/v1/skus/NOPE/prices",
                Some(&staff),
                json!({"channel": "online", "price_fen": 1, "reason": "r"}),
            )
            .await;
        assert_eq!((s, error_code(&e)), (404, "sku_not_found"));

        // A price drop scheduled an hour ahead: listed now, in force from its time.
        let at = canyu_app::now_millis() + HOUR;
        let (s, _) = price(&app, &staff, json!({"channel": "online", "price_fen": 189_900, "reason": "双十二", "effective_at": rfc3339(at)})).await;
        assert_eq!(s, 201);
        let (_, book) = app.get("/api/v1/skus/SU7-STD/prices", Some(&staff)).await;
        assert_eq!(book["history"].as_array().unwrap().len(), 4, "{book}");
        let online = |b: &Value| {
            b["current"].as_array().unwrap().iter().find(|c| c["channel"] == "online").cloned().unwrap()
        };
        assert_eq!(online(&book)["price_fen"], 210_000);
        assert_eq!(online(&book)["lowest_30d_fen"], 199_900);
        // Fans see the own store's price on the product page, and the 30-day low beside it.
        let board = app
            .client
            .get(app.url("/products/xiaomi-su7"))
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            board.contains("SU7 标准版") && board.contains("¥2,100") && board.contains("近 30 天最低 ¥1,999"),
            "{board}"
        );
        assert!(!board.contains("¥1,899"), "a scheduled price is not shown before its time");
        app.clock_offset.store(2 * HOUR, Ordering::Relaxed);
        let (_, book) = app.get("/api/v1/skus/SU7-STD/prices", Some(&staff)).await;
        assert_eq!(
            (&online(&book)["price_fen"], &online(&book)["lowest_30d_fen"]),
            (&json!(189_900), &json!(189_900))
        );
        // 31 days on, the older prices have left the window.
        app.clock_offset.store(31 * DAY, Ordering::Relaxed);
        let (_, book) = app.get("/api/v1/skus/SU7-STD/prices", Some(&staff)).await;
        assert_eq!(online(&book)["lowest_30d_fen"], 189_900);
        let (_, cost) = app
            .call(Method::PATCH, "/api/v1/skus/SU7-STD", Some(&staff), Some(json!({"unit_cost_fen": -1})))
            .await;
        assert_eq!(error_code(&cost), "invalid_cost");
    }
}

fn row(id: &str, sku: &str, quantity: i64, unit_price_fen: i64, sold_at: i64) -> Value {
    json!({"external_id": id, "sku": sku, "quantity": quantity, "unit_price_fen": unit_price_fen, "sold_at": rfc3339(sold_at)})
}

#[tokio::test]
async fn the_sales_ledger_takes_each_row_once_and_the_margin_report_adds_up_to_the_fen() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let (s, _) = app
            .post(
                "/api/v1/channels",
                Some(&staff),
                json!({"code": "jd", "name": "京东", "kind": "partner_online", "fee_bps": 500}),
            )
            .await;
        assert_eq!(s, 201);
        sku(&app, &staff, "SU7-STD", 100_000).await;
        let t0 = canyu_app::now_millis() - DAY;

        // Online: two units at ¥1,200; a duplicate in the batch; three bad rows rejected alone.
        let batch = json!([
            row("o-1", "SU7-STD", 2, 120_000, t0),
            row("o-1", "SU7-STD", 2, 120_000, t0),
            row("o-2", "NOPE", 1, 1, t0),
            row("o-3", "SU7-STD", 0, 1, t0),
            {"external_id": "o-4", "sku": "SU7-STD", "quantity": 1, "unit_price_fen": 1, "sold_at": "yesterday"},
        ]);
        let (s, out) = app.post("/api/v1/channels/online/sales", Some(&staff), batch.clone()).await;
        assert_eq!(s, 200, "{out}");
        assert_eq!((&out["inserted"], &out["duplicates"]), (&json!(1), &json!(1)), "{out}");
        let rejected: Vec<(i64, &str)> = out["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["index"].as_i64().unwrap(), r["code"].as_str().unwrap()))
            .collect();
        assert_eq!(rejected, [(2, "sku_not_found"), (3, "invalid_sales_row"), (4, "invalid_time")]);
        let (_, again) = app.post("/api/v1/channels/online/sales", Some(&staff), batch).await;
        assert_eq!(
            (&again["inserted"], &again["duplicates"]),
            (&json!(0), &json!(2)),
            "sent again: nothing changes"
        );
        // JD (5 % fee): one unit at ¥1,100.
        let (_, out) = app
            .post("/api/v1/channels/jd/sales", Some(&staff), json!([row("jd-1", "SU7-STD", 1, 110_000, t0)]))
            .await;
        assert_eq!(out["inserted"], 1);

        // The cost rises to ¥1,050 now; a sale after it costs the new amount, a sale JD reports
        // late but made before it keeps the old one.
        let (s, _) = app
            .call(
                Method::PATCH,
                "/api/v1/skus/SU7-STD",
                Some(&staff),
                Some(json!({"unit_cost_fen": 105_000})),
            )
            .await;
        assert_eq!(s, 200);
        let after = canyu_app::now_millis() + 1_000;
        app.post(
            "/api/v1/channels/online/sales",
            Some(&staff),
            json!([row("o-5", "SU7-STD", 1, 120_000, after)]),
        )
        .await;
        app.post("/api/v1/channels/jd/sales", Some(&staff), json!([row("jd-2", "SU7-STD", 1, 110_000, t0)]))
            .await;

        let (s, e) = app.post("/api/v1/channels/suning/sales", Some(&staff), json!([])).await;
        assert_eq!((s, error_code(&e)), (404, "channel_not_found"));
        let many: Vec<Value> = (0..10_001).map(|i| row(&format!("m-{i}"), "SU7-STD", 1, 1, t0)).collect();
        let (s, e) = app.post("/api/v1/channels/online/sales", Some(&staff), json!(many)).await;
        assert_eq!((s, error_code(&e)), (422, "too_many_sales_rows"));

        let from = rfc3339(t0 - HOUR);
        let to = rfc3339(after + HOUR);
        let (s, r) = app
            .get(
                &format!("/api/v1/pricing/margin?from={}&to={}", urlencode(&from), urlencode(&to)),
                Some(&staff),
            )
            .await;
        assert_eq!(s, 200, "{r}");
        // revenue 2×1200 + 1200 + 1100 + 1100 = ¥5,800; cost 2×1000 + 1050 + 1000 + 1000 = ¥5,050;
        // fees 5 % of ¥1,100 twice = ¥110; net ¥640 = 11.03 %; over the 5 % cap by 640 − 290 = ¥350.
        assert_eq!(
            (&r["revenue_fen"], &r["cost_fen"], &r["channel_fees_fen"], &r["net_fen"]),
            (&json!(580_000), &json!(505_000), &json!(11_000), &json!(64_000)),
            "{r}"
        );
        assert_eq!(
            (&r["net_margin_bps"], &r["cap_bps"], &r["excess_fen"]),
            (&json!(1103), &json!(500), &json!(35_000))
        );
        let jd = r["by_channel"].as_array().unwrap().iter().find(|c| c["key"] == "jd").unwrap();
        assert_eq!(
            (&jd["revenue_fen"], &jd["channel_fees_fen"], &jd["net_fen"], &jd["kind"]),
            (&json!(220_000), &json!(11_000), &json!(9_000), &json!("partner_online"))
        );
        assert_eq!(r["by_tier"][0]["key"], "mid");
        assert_eq!(r["by_product"][0]["quantity"], 5);
        // Two minutes around t0 (inside one hour, from the rows) and the hour-aligned day
        // around it (from the hourly rollup) see the same three sales.
        let hour_start = t0 - t0.rem_euclid(HOUR);
        for (a, b) in [(t0 - 60_000, t0 + 60_000), (hour_start - 12 * HOUR, hour_start + 12 * HOUR)] {
            let path = format!(
                "/api/v1/pricing/margin?from={}&to={}",
                urlencode(&rfc3339(a)),
                urlencode(&rfc3339(b))
            );
            let (_, r) = app.get(&path, Some(&staff)).await;
            assert_eq!(
                (&r["revenue_fen"], &r["cost_fen"], &r["channel_fees_fen"]),
                (&json!(460_000), &json!(400_000), &json!(11_000)),
                "{path}: {r}"
            );
        }
        let (s, e) = app
            .get(
                &format!("/api/v1/pricing/margin?from={}&to={}", urlencode(&to), urlencode(&from)),
                Some(&staff),
            )
            .await;
        assert_eq!((s, error_code(&e)), (422, "invalid_time"));
        // Default: this calendar year in the site's time zone.
        let (_, year) = app.get("/api/v1/pricing/margin", Some(&staff)).await;
        assert!(
            year["from"].as_str().unwrap().ends_with("-01-01T00:00:00+08:00")
                || year["from"].as_str().unwrap().contains("T16:00:00"),
            "{year}"
        );
    }
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn one_batch_sent_twice_at_once_is_recorded_once() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        sku(&app, &staff, "SU7-STD", 100_000).await;
        let t0 = canyu_app::now_millis() - HOUR;
        let rows: Vec<Value> = (0..300).map(|i| row(&format!("r-{i}"), "SU7-STD", 1, 120_000, t0)).collect();
        let body = json!(rows);
        let send = || {
            let (client, url, staff, body) =
                (app.client.clone(), app.url("/api/v1/channels/online/sales"), staff.clone(), body.clone());
            tokio::spawn(async move {
                let res = client.post(url).bearer_auth(staff).json(&body).send().await.unwrap();
                assert_eq!(res.status(), 200);
                res.json::<Value>().await.unwrap()
            })
        };
        let (a, b) = (send(), send());
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        let inserted = a["inserted"].as_i64().unwrap() + b["inserted"].as_i64().unwrap();
        let duplicates = a["duplicates"].as_i64().unwrap() + b["duplicates"].as_i64().unwrap();
        assert_eq!((inserted, duplicates), (300, 300), "{backend:?}: {a} {b}");
        assert_eq!(app.store.sales_count().await.unwrap(), 300);
    }
}
