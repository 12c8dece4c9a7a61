//! 口碑 referrals over HTTP on both backends: a referral vests once (however often and on
//! however many nodes the job runs) after the invitee's first order is past its return
//! window, never for a refund, within the referrer's monthly cap; the referrer's own device
//! or verified person earns nothing; a burst from one network waits for staff.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_core::time::rfc3339;
use common::{TestApp, backends, error_code};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
const ZHANG: &str = "11010519491231002X";

/// Signs up through the API, with a referral code and an app device id when given. Behind
/// the (trusted) proxy each fan comes from a network of their own, so no burst is seen.
async fn sign_up(app: &TestApp, handle: &str, code: Option<&str>, device: Option<&str>) -> (u16, Value) {
    let network = handle.chars().map(u32::from).sum::<u32>() % 250;
    let mut req = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .header("x-forwarded-for", format!("198.51.{network}.7"))
        .json(&json!({
            "handle": handle, "password": "orange-umbrella-2026-米粉", "referral_code": code
        }));
    if let Some(d) = device {
        req = req.header("x-device-id", d);
    }
    common::to_json(req.send().await.unwrap()).await
}

async fn token_of(app: &TestApp, handle: &str, code: Option<&str>, device: Option<&str>) -> String {
    let (s, r) = sign_up(app, handle, code, device).await;
    assert_eq!(s, 201, "{r}");
    r["token"].as_str().unwrap().to_string()
}

async fn order_paid(app: &TestApp, wave: i64, token: &str, kind: &str) -> i64 {
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
    let id = order["id"].as_i64().unwrap();
    let (s, r) = app.post(&format!("/api/v1/orders/{id}/simulated-payment"), Some(token), json!({})).await;
    assert_eq!(s, 200, "{r}");
    id
}

/// The referrer's invitees by handle: (status, reason).
async fn invitees(app: &TestApp, token: &str) -> Vec<(String, String, String)> {
    let (s, r) = app.get("/api/v1/me/referrals", Some(token)).await;
    assert_eq!(s, 200, "{r}");
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["handle"].as_str().unwrap().to_string(),
                i["status"].as_str().unwrap().to_string(),
                i["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn status_of<'a>(list: &'a [(String, String, String)], handle: &str) -> (&'a str, &'a str) {
    let found =
        list.iter().find(|(h, _, _)| h == handle).unwrap_or_else(|| panic!("{handle} not in {list:?}"));
    (found.1.as_str(), found.2.as_str())
}

async fn ledger(app: &TestApp, token: &str, handle: &str, reason: &str) -> Vec<i64> {
    let (s, r) = app.get(&format!("/api/v1/users/{handle}/points"), Some(token)).await;
    assert_eq!(s, 200, "{r}");
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["reason"] == reason)
        .map(|e| e["delta"].as_i64().unwrap())
        .collect()
}

/// A campaign wave on sale now, with full purchases and big deposits.
async fn wave_on_sale(app: &TestApp, staff: &str) -> i64 {
    let t = canyu_app::now_millis();
    let (s, r) = app
        .post(
            "/api/v1/campaigns",
            Some(staff),
            json!({
                "product": "xiaomi-su7", "title": "小米 SU7 上市",
                "teaser_at": rfc3339(t - 4 * HOUR), "reveal_at": rfc3339(t - 3 * HOUR),
                "reservations_open_at": rfc3339(t - HOUR), "reservations_close_at": rfc3339(t + HOUR),
                "one_per_address": false,
                "skus": [{"code": "su7", "name": "SU7 标准版", "price_fen": 21_590_000, "big_deposit_fen": 500_000}]
            }),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let campaign = r["id"].as_i64().unwrap();
    let (s, w) = app
        .post(
            "/api/v1/waves",
            Some(staff),
            json!({"product": "xiaomi-su7", "sku": "su7", "quantity": 20, "mode": "fcfs",
                   "starts_at": rfc3339(t - MIN), "ends_at": rfc3339(t + 30 * DAY), "campaign": campaign}),
        )
        .await;
    assert_eq!(s, 201, "{w}");
    w["id"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_referral_vests_once_after_the_return_window_and_never_for_a_refund_or_the_referrer_himself() {
    for backend in backends() {
        let config = canyu_app::AppConfig {
            simulated_payments: true,
            referral_monthly_cap: 1,
            referral_fan_lane: true,
            referral_beta_priority: true,
            trust_forwarded_for: true,
            ..common::test_config()
        };
        let app = common::spawn_app_with(backend, config).await;
        let staff = app.seed_catalog().await;
        let wave = wave_on_sale(&app, &staff).await;

        // A's code and link; the same on every ask.
        let a = token_of(&app, "推荐人甲", None, Some("device-of-a-0001")).await;
        let (s, mine) = app.get("/api/v1/me/referral", Some(&a)).await;
        assert_eq!(s, 200, "{mine}");
        let code = mine["code"].as_str().unwrap().to_string();
        assert_eq!(code.len(), 8);
        assert!(mine["link"].as_str().unwrap().ends_with(&format!("/r/{code}")), "{mine}");
        assert_eq!((mine["invited"].as_i64(), mine["rewarded_points"].as_i64()), (Some(0), Some(0)));
        let (_, again) = app.get("/api/v1/me/referral", Some(&a)).await;
        assert_eq!(again["code"], mine["code"]);

        // A code nobody has: refused, and no account is made.
        let (s, r) = sign_up(&app, "无码者", Some("ZZZZ2222"), None).await;
        assert_eq!((s, error_code(&r)), (422, "referral_code_unknown"), "{backend:?}");
        let (s, _) = sign_up(&app, "无码者", None, None).await;
        assert_eq!(s, 201, "{backend:?}: the refused sign-up left nothing behind");

        // B and F join with the code (typed in lower case); C too, and refunds; D is A on A's phone.
        let b = token_of(&app, "受邀乙", Some(&code.to_lowercase()), Some("device-of-b-0001")).await;
        let f = token_of(&app, "受邀己", Some(&code), None).await;
        let c = token_of(&app, "受邀丙", Some(&code), None).await;
        let (s, _) = sign_up(&app, "小号丁", Some(&code), Some("device-of-a-0001")).await;
        assert_eq!(s, 201);
        let list = invitees(&app, &a).await;
        assert_eq!(list.len(), 4, "{list:?}");
        assert_eq!(status_of(&list, "受邀乙"), ("pending", ""));
        assert_eq!(status_of(&list, "小号丁"), ("rejected", "same_device"), "{backend:?}");

        // E verifies as the same person as A: joins pending, refused when it would vest.
        let e = token_of(&app, "同人戊", Some(&code), None).await;
        for token in [&a, &e] {
            let (s, r) = app
                .post("/api/v1/me/identity", Some(token), json!({"real_name": "张三", "id_number": ZHANG}))
                .await;
            assert_eq!(s, 201, "{r}");
        }

        order_paid(&app, wave, &b, "full").await;
        order_paid(&app, wave, &f, "full").await;
        order_paid(&app, wave, &e, "full").await;
        let refunded = order_paid(&app, wave, &c, "big").await;
        let (s, r) = app.post(&format!("/api/v1/orders/{refunded}/refund"), Some(&c), json!({})).await;
        assert_eq!(s, 200, "{r}");

        // Inside the 7-day window nothing vests but the refund's rejection.
        canyu_app::referrals::vest(&app.state).await.unwrap();
        let list = invitees(&app, &a).await;
        assert_eq!(status_of(&list, "受邀乙"), ("pending", ""), "{backend:?}");
        assert_eq!(status_of(&list, "受邀丙"), ("rejected", "refunded"), "{backend:?}");

        // Past the window, the job runs at once here and on another node, twice each.
        let other = app.another_node().await;
        for node in [&app, &other] {
            node.clock_offset.store(7 * DAY + MIN, Ordering::Relaxed);
        }
        let runs: Vec<_> = [&app, &other, &app, &other]
            .into_iter()
            .map(|node| {
                let state = node.state.clone();
                tokio::spawn(async move { canyu_app::referrals::vest(&state).await })
            })
            .collect();
        for run in runs {
            run.await.unwrap().unwrap();
        }
        let list = invitees(&app, &a).await;
        assert_eq!(status_of(&list, "同人戊"), ("rejected", "same_person"), "{backend:?}");
        let paid: Vec<_> = ["受邀乙", "受邀己"].iter().map(|h| status_of(&list, h).0.to_string()).collect();
        let mut sorted = paid.clone();
        sorted.sort();
        assert_eq!(sorted, ["qualified", "rewarded"], "{backend:?}: a cap of 1 a month pays one of the two");
        assert_eq!(
            ledger(&app, &staff, "推荐人甲", "referral_rewarded").await,
            [50],
            "{backend:?}: paid once"
        );
        let welcomed = if paid[0] == "rewarded" { "受邀乙" } else { "受邀己" };
        assert_eq!(ledger(&app, &staff, welcomed, "referral_welcome").await, [20]);
        let (_, mine) = app.get("/api/v1/me/referral", Some(&a)).await;
        assert_eq!(
            (mine["invited"].as_i64(), mine["qualified"].as_i64(), mine["rewarded_points"].as_i64()),
            (Some(5), Some(2), Some(50)),
            "{backend:?}: {mine}"
        );

        // Next month the cap has room again: the waiting one is paid, still once.
        for node in [&app, &other] {
            node.clock_offset.store(40 * DAY, Ordering::Relaxed);
        }
        canyu_app::referrals::vest(&app.state).await.unwrap();
        canyu_app::referrals::vest(&other.state).await.unwrap();
        assert_eq!(ledger(&app, &staff, "推荐人甲", "referral_rewarded").await, [50, 50], "{backend:?}");
        let list = invitees(&app, &a).await;
        assert_eq!((status_of(&list, "受邀乙").0, status_of(&list, "受邀己").0), ("rewarded", "rewarded"));

        // The perks beyond points: the rewarded referrer reserves in the fan lane and joins a
        // beta group as they apply; their invitee, with no rewarded referral, does neither.
        let t = canyu_app::now_millis() + 40 * DAY;
        let (s, r) = app
            .post(
                "/api/v1/campaigns",
                Some(&staff),
                json!({
                    "product": "xiaomi-su7", "title": "小米 SU7 Ultra 预约",
                    "teaser_at": rfc3339(t - 4 * HOUR), "reveal_at": rfc3339(t - 3 * HOUR),
                    "reservations_open_at": rfc3339(t - HOUR), "reservations_close_at": rfc3339(t + HOUR),
                    "fan_lane_places": 10, "fan_lane_min_points": 100_000, "one_per_address": false,
                    "skus": [{"code": "su7-ultra", "name": "SU7 Ultra", "price_fen": 52_990_000}]
                }),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        let reserve = format!("/api/v1/campaigns/{}/reservations", r["id"]);
        let (s, lane) = app.post(&reserve, Some(&a), json!({})).await;
        assert_eq!((s, lane["lane"].as_str()), (201, Some("fan")), "{backend:?}: {lane}");
        let (s, lane) = app.post(&reserve, Some(&b), json!({})).await;
        assert_eq!((s, lane["lane"].as_str()), (201, Some("general")), "{backend:?}: {lane}");
        let (s, r) = app
            .call(
                reqwest::Method::PUT,
                "/api/v1/products/xiaomi-su7/beta",
                Some(&staff),
                Some(json!({"seats": 10, "min_level": 6})),
            )
            .await;
        assert_eq!(s, 200, "{r}");
        let apply = json!({"motivation": "我带了两位朋友入坑，也想参与内测"});
        let (_, m) = app.post("/api/v1/products/xiaomi-su7/beta/applications", Some(&a), apply.clone()).await;
        assert_eq!(m["status"], "member", "{backend:?}: priority admits at once: {m}");
        let (_, m) = app.post("/api/v1/products/xiaomi-su7/beta/applications", Some(&b), apply).await;
        assert_eq!(m["status"], "pending", "{backend:?}: {m}");

        // The referrer heard of each sign-up and each reward.
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&a)).await;
        let kinds: Vec<&str> =
            inbox["items"].as_array().unwrap().iter().filter_map(|n| n["kind"].as_str()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == "referral.joined").count(), 5, "{kinds:?}");
        assert_eq!(kinds.iter().filter(|k| **k == "referral.rewarded").count(), 2, "{kinds:?}");
    }
}

#[tokio::test]
async fn a_burst_of_sign_ups_from_one_network_waits_for_staff() {
    for backend in backends() {
        let config = canyu_app::AppConfig { simulated_payments: true, ..common::test_config() };
        let app = common::spawn_app_with(backend, config).await;
        let staff = app.seed_catalog().await;
        let wave = wave_on_sale(&app, &staff).await;
        let a = token_of(&app, "referrer_a", None, None).await;
        let (_, mine) = app.get("/api/v1/me/referral", Some(&a)).await;
        let code = mine["code"].as_str().unwrap().to_string();
        // Without a trusted proxy every request here comes from 127.0.0.1: one network. Two
        // are fine, the third makes a burst and the whole burst is held.
        let first = token_of(&app, "burst_1", Some(&code), None).await;
        token_of(&app, "burst_2", Some(&code), None).await;
        let (s, r) = app.get("/api/v1/me/referrals", Some(&a)).await;
        assert_eq!(s, 200);
        assert!(r["items"].as_array().unwrap().iter().all(|i| i["under_review"] == false), "{r}");
        token_of(&app, "burst_3", Some(&code), None).await;
        let (_, r) = app.get("/api/v1/me/referrals", Some(&a)).await;
        for i in r["items"].as_array().unwrap() {
            assert_eq!(
                (i["status"].as_str(), i["under_review"].as_bool()),
                (Some("pending"), Some(true)),
                "{r}"
            );
        }

        // Fans may not review; staff see the queue with the network.
        let (s, r) = app.get("/api/v1/referrals/flagged", Some(&a)).await;
        assert_eq!((s, error_code(&r)), (403, "forbidden"));
        let (s, q) = app.get("/api/v1/referrals/flagged", Some(&staff)).await;
        assert_eq!(s, 200, "{q}");
        let held = q["held"].as_array().unwrap();
        assert_eq!(held.len(), 3, "{backend:?}: {q}");
        assert_eq!(held[0]["network"], "127.0.0.0/24");
        let ids: Vec<i64> = held.iter().map(|h| h["id"].as_i64().unwrap()).collect();

        // burst_1 buys while held; approved, the order counts: rewarded after its window.
        order_paid(&app, wave, &first, "full").await;
        let (s, r) =
            app.post(&format!("/api/v1/referrals/{}/approve", ids[0]), Some(&staff), json!({})).await;
        assert_eq!(
            (s, r["status"].as_str(), r["invitee"].as_str()),
            (200, Some("pending"), Some("burst_1")),
            "{r}"
        );
        app.clock_offset.store(7 * DAY + MIN, Ordering::Relaxed);
        canyu_app::referrals::vest(&app.state).await.unwrap();
        let (_, r) = app.get("/api/v1/me/referrals", Some(&a)).await;
        let burst_1 =
            r["items"].as_array().unwrap().iter().find(|i| i["handle"] == "burst_1").unwrap().clone();
        assert_eq!(burst_1["status"], "rewarded", "{backend:?}: {r}");
        app.clock_offset.store(0, Ordering::Relaxed);
        let (s, r) = app.post(&format!("/api/v1/referrals/{}/reject", ids[1]), Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&r)), (422, "referral_note_required"));
        let (s, r) = app
            .post(
                &format!("/api/v1/referrals/{}/reject", ids[1]),
                Some(&staff),
                json!({"note": "同一网吧批量注册"}),
            )
            .await;
        assert_eq!(
            (s, r["reason"].as_str(), r["note"].as_str()),
            (200, Some("staff_rejected"), Some("同一网吧批量注册"))
        );
        let (s, r) =
            app.post(&format!("/api/v1/referrals/{}/approve", ids[1]), Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&r)), (409, "referral_decided"));
        let (s, r) = app.post("/api/v1/referrals/999999/approve", Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&r)), (404, "referral_not_found"));

        // The tree and the month's numbers.
        let x = token_of(&app, "burst_x", Some(&code), Some("device-x-0001")).await;
        let (_, x_referral) = app.get("/api/v1/me/referral", Some(&x)).await;
        token_of(&app, "second_level", x_referral["code"].as_str(), None).await;
        let (s, tree) = app.get("/api/v1/referrals/tree/referrer_a", Some(&staff)).await;
        assert_eq!(s, 200, "{tree}");
        let nodes = tree["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 5, "{tree}");
        let deep = nodes.iter().find(|n| n["handle"] == "second_level").unwrap();
        assert_eq!((deep["depth"].as_i64(), deep["referrer"].as_str()), (Some(2), Some("burst_x")));
        let (s, stats) = app.get("/api/v1/referrals/stats?months=2", Some(&staff)).await;
        assert_eq!(s, 200, "{stats}");
        let months = stats["months"].as_array().unwrap();
        assert_eq!(months.len(), 2);
        assert_eq!(months[1]["referred"], 5, "{stats}");
        assert!(months[1]["new_fans"].as_i64().unwrap() >= 6, "{stats}");
        assert_eq!(stats["top_referrers"][0]["handle"], "referrer_a");
        let (s, r) = app.get("/api/v1/referrals/stats?months=99", Some(&staff)).await;
        assert_eq!((s, error_code(&r)), (400, "invalid_query"));
    }
}
