//! Insights over HTTP on both backends: every number of a hand-made fixture, with its posts,
//! votes and comments seconds either side of China's midnight (one UTC day, two China days),
//! the co-creation funnel and days to ship, the k-anonymity floor in JSON and CSV, rollups
//! that come out the same however often and on however many nodes they run, and staff only.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_core::time::{Zone, parse_rfc3339};
use common::{TestApp, backends, error_code};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

/// Makes the server's clock read `at` (China time, RFC 3339) from now on.
fn clock_at(app: &TestApp, at: &str) {
    let target = parse_rfc3339(at).unwrap();
    app.clock_offset.store(target - canyu_app::now_millis(), Ordering::Relaxed);
}

fn clock_now(app: &TestApp) {
    app.clock_offset.store(0, Ordering::Relaxed);
}

async fn rebuild(app: &TestApp) {
    canyu_app::insights::rollup::rebuild(&app.state, |_, _| {}).await.unwrap();
}

/// `table`'s rows of the panel, each as its values.
fn rows<'a>(panel: &'a Value, table: &str) -> &'a Vec<Value> {
    let t = panel["tables"].as_array().unwrap().iter().find(|t| t["key"] == table);
    t.unwrap_or_else(|| panic!("no table {table} in {panel}"))["rows"].as_array().unwrap()
}

fn row<'a>(panel: &'a Value, table: &str, head: &str) -> &'a Vec<Value> {
    rows(panel, table)
        .iter()
        .find(|r| r[0] == head)
        .unwrap_or_else(|| panic!("no row {head} in {table}: {panel}"))
        .as_array()
        .unwrap()
}

async fn set_status(app: &TestApp, staff: &str, post: i64, status: &str) {
    let (s, r) =
        app.post(&format!("/api/v1/posts/{post}/status"), Some(staff), json!({"status": status})).await;
    assert_eq!(s, 200, "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn panels_count_the_fixture_by_china_days_and_hide_small_groups() {
    for backend in backends() {
        let app = common::spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        // Twelve fans: ten say female and 25-34, two male; one says nothing.
        let mut fans = Vec::new();
        for i in 0..13 {
            let token = app.register(&format!("fan_{i:02}")).await;
            let body = match i {
                0..10 => json!({"gender": "female", "age_band": "25_34", "city_tier": "new_tier1"}),
                10 | 11 => json!({"gender": "male", "age_band": "18_24"}),
                _ => json!({}),
            };
            let (s, r) =
                app.call(reqwest::Method::PUT, "/api/v1/me/demographics", Some(&token), Some(body)).await;
            assert_eq!(s, 200, "{r}");
            fans.push(token);
        }
        let (s, r) = app.get("/api/v1/me/demographics", Some(&fans[10])).await;
        assert_eq!((s, r["gender"].as_str(), r["city_tier"].as_str()), (200, Some("male"), None), "{r}");
        let (s, r) = app
            .call(
                reqwest::Method::PUT,
                "/api/v1/me/demographics",
                Some(&fans[0]),
                Some(json!({"gender": "woman"})),
            )
            .await;
        assert_eq!((s, error_code(&r)), (422, "invalid_profile"), "{r}");

        // 2026-11-10 23:59:58 and 2026-11-11 00:00:02 in China: the same UTC day (15:59 and
        // 16:00 UTC), two China days.
        clock_at(&app, "2026-11-10T23:59:58+08:00");
        let late = app.create_post(&fans[0], "续航焦虑", "希望电量显示更准确").await;
        clock_at(&app, "2026-11-11T00:00:02+08:00");
        let early = app.create_post(&fans[1], "后排出风口", "后排希望有独立空调").await;
        let (s, r) =
            app.call(reqwest::Method::PUT, &format!("/api/v1/posts/{late}/vote"), Some(&fans[2]), None).await;
        assert!(s == 200 || s == 204, "{s} {r}");
        let (s, r) = app
            .post(&format!("/api/v1/posts/{early}/comments"), Some(&fans[0]), json!({"body": "同意"}))
            .await;
        assert_eq!(s, 201, "{r}");
        // The late post goes all the way within the next day; the early one is acknowledged.
        clock_at(&app, "2026-11-11T10:00:00+08:00");
        set_status(&app, &staff, late, "acknowledged").await;
        set_status(&app, &staff, late, "planned").await;
        set_status(&app, &staff, late, "shipped").await;
        set_status(&app, &staff, early, "acknowledged").await;
        clock_now(&app);
        rebuild(&app).await;

        let q = "from=2026-11-10&to=2026-11-11";
        let (s, board) = app.get(&format!("/api/v1/insights/board?{q}"), Some(&staff)).await;
        assert_eq!(s, 200, "{board}");
        assert_eq!((board["from"].as_str(), board["to"].as_str()), (Some("2026-11-10"), Some("2026-11-11")));
        assert_eq!(board["time_zone"], "Asia/Shanghai");
        // day, posts, votes, comments, new fans, active fans
        assert_eq!(
            row(&board, "activity", "2026-11-10")[1..],
            [json!(1), json!(0), json!(0), json!(0), json!(1)]
        );
        assert_eq!(
            row(&board, "activity", "2026-11-11")[1..],
            [json!(1), json!(1), json!(1), json!(0), json!(3)]
        );
        let (_, weekly) =
            app.get(&format!("/api/v1/insights/board?{q}&granularity=week"), Some(&staff)).await;
        // Monday 2026-11-09's week, clipped to the range: four distinct fans were active.
        assert_eq!(rows(&weekly, "activity").len(), 1, "{weekly}");
        assert_eq!(row(&weekly, "activity", "2026-11-10")[1..4], [json!(2), json!(1), json!(1)]);

        let (s, co) = app.get(&format!("/api/v1/insights/co-creation?{q}"), Some(&staff)).await;
        assert_eq!(s, 200, "{co}");
        let funnel: Vec<Value> = rows(&co, "funnel").iter().map(|r| r[1].clone()).collect();
        assert_eq!(funnel, [json!(2), json!(2), json!(1), json!(1)], "{co}");
        let planned = &rows(&co, "funnel")[2];
        assert_eq!((planned[2].as_f64(), planned[3].as_f64()), (Some(0.5), Some(0.5)), "{planned:?}");
        // Shipped 10 hours after it was posted: the 0-7 days bucket, on the day it shipped.
        assert_eq!(rows(&co, "days_to_ship")[0][1], 1, "{co}");
        let on_day_one: Vec<Value> = rows(&co, "funnel_over_time").iter().map(|r| r[4].clone()).collect();
        assert_eq!(on_day_one, [json!(1), json!(0)], "funnel by day posted: {co}");
        // The early post alone: filtered to one day.
        let (_, second_day) =
            app.get("/api/v1/insights/co-creation?from=2026-11-11&to=2026-11-11", Some(&staff)).await;
        let funnel: Vec<Value> = rows(&second_day, "funnel").iter().map(|r| r[1].clone()).collect();
        assert_eq!(funnel, [json!(1), json!(1), json!(0), json!(0)], "{second_day}");

        let (s, users) = app.get("/api/v1/insights/users", Some(&staff)).await;
        assert_eq!(s, 200, "{users}");
        let gender = rows(&users, "gender");
        assert_eq!(gender[0][1], 10, "female: {users}");
        assert_eq!(gender[1][1], "<10", "male: {users}");
        assert_eq!(gender[1][2], "<10", "a share would give the hidden count away");
        assert_eq!(gender[3][1], "<10", "not said");
        assert_eq!(rows(&users, "gender_age")[2][1], 10, "female 25-34");
        let res = app
            .client
            .get(app.url("/api/v1/insights/users?format=csv&table=gender"))
            .bearer_auth(&staff)
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = res.text().await.unwrap();
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[0], "自填,粉丝,占填写者", "{csv}");
        assert_eq!(lines[1], "女,10,0.8333", "{csv}");
        assert_eq!(lines[2], "男,<10,<10", "{csv}");
        assert!(!csv.contains(",2,"), "the hidden count leaked: {csv}");

        // The same numbers however often, and on however many nodes, the rollup runs.
        let other = app.another_node().await;
        let (a, b) = tokio::join!(
            canyu_app::insights::rollup::roll(&app.state),
            canyu_app::insights::rollup::roll(&other.state)
        );
        a.unwrap();
        b.unwrap();
        let (_, again) = app.get(&format!("/api/v1/insights/board?{q}"), Some(&staff)).await;
        assert_eq!(again["tables"], board["tables"]);
    }
}

#[tokio::test]
async fn rollups_follow_new_activity_and_refuse_bad_filters() {
    for backend in backends() {
        let app = common::spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("fan_today").await;
        canyu_app::insights::rollup::roll(&app.state).await.unwrap();
        let today = Zone::china().date(canyu_app::now_millis());
        let q = format!("from={today}&to={today}");
        let (_, before) = app.get(&format!("/api/v1/insights/board?{q}"), Some(&staff)).await;
        assert_eq!(row(&before, "activity", &today)[1], 0, "{before}");
        let post = app.create_post(&fan, "今天的想法", "今天写的").await;
        let (s, _) =
            app.call(reqwest::Method::PUT, &format!("/api/v1/posts/{post}/vote"), Some(&staff), None).await;
        assert!(s == 200 || s == 204);
        canyu_app::insights::rollup::roll(&app.state).await.unwrap();
        let (_, after) = app.get(&format!("/api/v1/insights/board?{q}"), Some(&staff)).await;
        assert_eq!(row(&after, "activity", &today)[1..3], [json!(1), json!(1)], "{after}");

        // Staff only, and bad filters are refused with their codes.
        let (s, r) = app.get("/api/v1/insights/board", Some(&fan)).await;
        assert_eq!((s, error_code(&r)), (403, "forbidden"), "{r}");
        let (s, _) = app.get("/api/v1/insights/board", None).await;
        assert_eq!(s, 401);
        for (path, status, code) in [
            ("/api/v1/insights/sales", 404, "not_found"),
            ("/api/v1/insights/board?from=2026-12-08&to=2026-12-01", 400, "invalid_insight_range"),
            ("/api/v1/insights/board?from=2024-01-01&to=2026-12-01", 400, "invalid_insight_range"),
            ("/api/v1/insights/board?from=2026-02-30", 400, "invalid_insight_range"),
            ("/api/v1/insights/board?granularity=hour", 400, "invalid_granularity"),
            ("/api/v1/insights/board?product=no-such-car", 422, "unknown_product"),
            ("/api/v1/insights/board?format=xlsx", 400, "invalid_query"),
            ("/api/v1/insights/board?format=csv&table=nope", 404, "not_found"),
            ("/api/v1/insights/launch?campaign=abc", 400, "invalid_query"),
            ("/api/v1/insights/launch?campaign=999999", 404, "campaign_not_found"),
        ] {
            let (s, r) = app.get(path, Some(&staff)).await;
            assert_eq!((s, error_code(&r)), (status, code), "{path}: {r}");
        }
        // The pages and their CSV alike.
        for path in ["/insights", "/insights/users", "/insights/board/csv"] {
            let res = app.client.get(app.url(path)).bearer_auth(&fan).send().await.unwrap();
            assert_eq!(res.status(), 403, "{path}");
        }
        let res = app.client.get(app.url("/insights/launch")).bearer_auth(&staff).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
}

/// The launch panel of a small first-come launch: three orders for a wave of three, per minute
/// and per second of its busiest minute, the funnel, and when the wave sold out.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_launch_panel_counts_orders_per_second_and_the_sell_out() {
    use canyu_core::time::rfc3339;
    const MIN: i64 = 60_000;
    const HOUR: i64 = 60 * MIN;
    for backend in backends() {
        let app = common::spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let t = canyu_app::now_millis();
        let (s, c) = app
            .post(
                "/api/v1/campaigns",
                Some(&staff),
                json!({
                    "product": "xiaomi-su7", "title": "小米 SU7 上市",
                    "teaser_at": rfc3339(t - 5 * HOUR), "reveal_at": rfc3339(t - 3 * HOUR),
                    "reservations_open_at": rfc3339(t - HOUR), "reservations_close_at": rfc3339(t + HOUR),
                    "fan_lane_places": 0, "one_per_address": false,
                    "skus": [{"code": "su7", "name": "SU7 标准版", "price_fen": 21_590_000, "big_deposit_fen": 500_000}]
                }),
            )
            .await;
        assert_eq!(s, 201, "{c}");
        let campaign = c["id"].as_i64().unwrap();
        let starts_at = (t / 1000) * 1000 - MIN;
        let (s, w) = app
            .post(
                "/api/v1/waves",
                Some(&staff),
                json!({"product": "xiaomi-su7", "sku": "su7", "quantity": 3, "mode": "fcfs",
                       "starts_at": rfc3339(starts_at), "ends_at": rfc3339(t + HOUR), "campaign": campaign}),
            )
            .await;
        assert_eq!(s, 201, "{w}");
        let wave = w["id"].as_i64().unwrap();
        for i in 0..3 {
            let fan = app.register(&format!("launch_fan_{i}")).await;
            let res = app
                .client
                .post(app.url(&format!("/api/v1/waves/{wave}/orders")))
                .bearer_auth(&fan)
                .header("idempotency-key", format!("k{i}"))
                .json(&json!({"kind": "big", "buyer_name": "张三"}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
        }
        let placed = canyu_app::now_millis();

        let (s, p) = app.get(&format!("/api/v1/insights/launch?campaign={campaign}"), Some(&staff)).await;
        assert_eq!(s, 200, "{p}");
        let per_minute: i64 = rows(&p, "orders_per_minute").iter().map(|r| r[2].as_i64().unwrap()).sum();
        assert_eq!(per_minute, 3, "{p}");
        // The busiest minute, second by second: sixty rows adding up to that minute's orders.
        let busiest = rows(&p, "orders_per_minute").iter().map(|r| r[2].as_i64().unwrap()).max().unwrap();
        let seconds = rows(&p, "orders_per_second");
        assert_eq!(seconds.len(), 60);
        assert_eq!(seconds.iter().map(|r| r[1].as_i64().unwrap()).sum::<i64>(), busiest, "{p}");
        let peak = seconds.iter().map(|r| r[1].as_i64().unwrap()).max().unwrap();
        assert!(
            p["notes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n.as_str().unwrap().ends_with(&format!(" {peak} orders/s"))),
            "{p}"
        );
        // Reserved none, ordered three, none paid yet.
        let funnel: Vec<i64> = rows(&p, "funnel").iter().map(|r| r[1].as_i64().unwrap()).collect();
        assert_eq!(funnel, vec![0, 3, 0, 0], "{p}");
        // The wave sold out when its third order went: a minute after it opened, give or take
        // the seconds the orders took.
        let w = &rows(&p, "waves")[0];
        assert_eq!((w[2].as_i64(), w[3].as_i64(), w[5].as_str()), (Some(3), Some(3), Some("yes")), "{p}");
        let after = w[6].as_i64().unwrap();
        assert!((60..=(placed - starts_at) / 1000).contains(&after), "{after} s: {p}");
    }
}

/// The channel, event, referral and ecosystem panels of a hand-made fixture: two channels'
/// sales, two events (one full with a waitlist), three invited sign-ups, and who owns a car
/// and a phone (a group under ten shown as "<10").
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_reach_panels_count_sales_events_referrals_and_owners() {
    use canyu_core::time::rfc3339;
    const HOUR: i64 = 3_600_000;
    for backend in backends() {
        let app = common::spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let zone = Zone::china();
        let now = canyu_app::now_millis();

        // Channels: two units online at ¥1,200, one on JD at ¥1,100, yesterday.
        let (s, r) = app
            .post(
                "/api/v1/channels",
                Some(&staff),
                json!({"code": "jd", "name": "京东", "kind": "partner_online"}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        let (s, r) = app
            .post(
                "/api/v1/products/xiaomi-su7/skus",
                Some(&staff),
                json!({"code": "SU7-STD", "name": "SU7 标准版", "tier": "mid", "unit_cost_fen": 100_000}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        let yesterday = now - 24 * HOUR;
        for (channel, id, quantity, price) in [("online", "o-1", 2, 120_000), ("jd", "jd-1", 1, 110_000)] {
            let (s, r) = app
                .post(
                    &format!("/api/v1/channels/{channel}/sales"),
                    Some(&staff),
                    json!([{"external_id": id, "sku": "SU7-STD", "quantity": quantity, "unit_price_fen": price, "sold_at": rfc3339(yesterday)}]),
                )
                .await;
            assert_eq!((s, &r["inserted"]), (200, &json!(1)), "{r}");
        }
        // The panel reads the day rollup: nothing until the insights job has run.
        let (_, p) = app.get("/api/v1/insights/channels", Some(&staff)).await;
        assert_eq!(rows(&p, "by_channel").len(), 0, "{p}");
        rebuild(&app).await;
        let (s, p) = app.get("/api/v1/insights/channels", Some(&staff)).await;
        assert_eq!(s, 200, "{p}");
        assert_eq!(row(&p, "by_channel", "官方商城")[1..3], [json!(2), json!("2400.00")], "{p}");
        assert_eq!(row(&p, "by_channel", "京东")[1..4], [json!(1), json!("1100.00"), json!(0.3143)], "{p}");
        // own_online, partner_online: the day of the sales (China time).
        assert_eq!(row(&p, "units_by_kind", &zone.date(yesterday))[1..], [json!(2), json!(1)], "{p}");
        let (_, filtered) = app.get("/api/v1/insights/channels?product=xiaomi-su7", Some(&staff)).await;
        assert_eq!(rows(&filtered, "by_channel").len(), 2);
        let (s, r) = app
            .post(
                "/api/v1/products",
                Some(&staff),
                json!({"slug": "redmi-k80", "name": "Redmi K80", "category": "car"}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        let (_, other) = app.get("/api/v1/insights/channels?product=redmi-k80", Some(&staff)).await;
        assert_eq!(rows(&other, "by_channel").len(), 0, "another product sold nothing: {other}");

        // JD reports a sale of ten days ago after the job ran: the next round counts it on the
        // day it was made.
        let ten_days_ago = now - 240 * HOUR;
        let (s, r) = app
            .post(
                "/api/v1/channels/jd/sales",
                Some(&staff),
                json!([{"external_id": "jd-late", "sku": "SU7-STD", "quantity": 3, "unit_price_fen": 110_000, "sold_at": rfc3339(ten_days_ago)}]),
            )
            .await;
        assert_eq!((s, &r["inserted"]), (200, &json!(1)), "{r}");
        canyu_app::insights::rollup::roll(&app.state).await.unwrap();
        let q = format!("from={}&to={}", zone.date(now - 20 * 24 * HOUR), zone.date(now));
        let (_, p) = app.get(&format!("/api/v1/insights/channels?{q}"), Some(&staff)).await;
        assert_eq!(row(&p, "by_channel", "京东")[1..3], [json!(4), json!("4400.00")], "{p}");
        assert_eq!(row(&p, "units_by_kind", &zone.date(ten_days_ago))[1..], [json!(0), json!(3)], "{p}");
        assert_eq!(row(&p, "units_by_kind", &zone.date(yesterday))[1..], [json!(2), json!(1)], "{p}");

        // Events: Beijing with three places taken of five, Shanghai full with one waiting.
        let mut fans = Vec::new();
        for i in 0..12 {
            fans.push(app.register(&format!("reach_fan_{i:02}")).await);
        }
        let event = |title: &str, city: &str, capacity: i64| {
            json!({"title": title, "kind": "meetup", "city": city, "venue": "小米之家",
                   "starts_at": rfc3339(now + 72 * HOUR), "ends_at": rfc3339(now + 75 * HOUR),
                   "capacity": capacity, "rsvp_opens_at": rfc3339(now - HOUR),
                   "rsvp_closes_at": rfc3339(now + 71 * HOUR), "max_guests": 0})
        };
        let mut ids = Vec::new();
        for (title, city, capacity) in [("北京米粉见面会", "北京", 5), ("上海米粉见面会", "上海", 1)]
        {
            let (s, e) = app.post("/api/v1/events", Some(&staff), event(title, city, capacity)).await;
            assert_eq!(s, 201, "{e}");
            ids.push(e["id"].as_i64().unwrap());
        }
        for (event, fans) in [(ids[0], &fans[0..3]), (ids[1], &fans[3..5])] {
            for fan in fans {
                let (s, r) =
                    app.post(&format!("/api/v1/events/{event}/rsvps"), Some(fan), json!({"guests": 0})).await;
                assert!(s == 200 || s == 201, "{s} {r}");
            }
        }
        let q = format!("from={}&to={}", zone.date(now - 24 * HOUR), zone.date(now + 96 * HOUR));
        let (s, p) = app.get(&format!("/api/v1/insights/events?{q}"), Some(&staff)).await;
        assert_eq!(s, 200, "{p}");
        // capacity, held, waiting, checked in, no-shows; turnout only once it started.
        assert_eq!(
            row(&p, "events", "北京米粉见面会")[3..9],
            [json!(5), json!(3), json!(0), json!(0), json!(0), json!(null)]
        );
        assert_eq!(
            row(&p, "events", "上海米粉见面会")[3..8],
            [json!(1), json!(1), json!(1), json!(0), json!(0)]
        );
        assert_eq!(row(&p, "by_city", "上海")[1..], [json!(1), json!(1), json!(0)]);

        // Referrals: three fans sign up with the first fan's code today.
        let (_, mine) = app.get("/api/v1/me/referral", Some(&fans[0])).await;
        let code = mine["code"].as_str().unwrap().to_string();
        for i in 0..3 {
            let res = app
                .client
                .post(app.url("/api/v1/auth/register"))
                .json(&json!({"handle": format!("invited_{i}"), "password": "orange-umbrella-2026-米粉", "referral_code": code}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
        }
        rebuild(&app).await;
        let today = zone.date(now);
        let (_, p) = app.get("/api/v1/insights/referrals", Some(&staff)).await;
        let r = row(&p, "referrals", &today).clone();
        let (_, board) = app.get("/api/v1/insights/board", Some(&staff)).await;
        let new_fans = row(&board, "activity", &today)[4].as_i64().unwrap();
        assert_eq!(r[1..5], [json!(new_fans), json!(3), json!(0), json!(0)], "{p}");
        let expected_share = (3.0 / new_fans as f64 * 10_000.0).round() / 10_000.0;
        assert_eq!(r[5].as_f64(), Some(expected_share), "{p}");
        // The third sign-up from one network waits for review; staff reject it, and the next
        // round counts it on the day it was made.
        let (_, flagged) = app.get("/api/v1/referrals/flagged", Some(&staff)).await;
        let held = flagged["held"][0]["id"].as_i64().unwrap_or_else(|| panic!("{flagged}"));
        let (s, r) = app
            .post(
                &format!("/api/v1/referrals/{held}/reject"),
                Some(&staff),
                json!({"note": "同一网络批量注册"}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
        canyu_app::insights::rollup::roll(&app.state).await.unwrap();
        let (_, p) = app.get("/api/v1/insights/referrals", Some(&staff)).await;
        assert_eq!(row(&p, "referrals", &today)[2..5], [json!(3), json!(0), json!(1)], "{p}");

        // 人车家: eleven fans own the car, ten of them a phone too.
        let (s, r) = app
            .post(
                "/api/v1/categories",
                Some(&staff),
                json!({"slug": "phone", "name_zh": "手机", "name_en": "Phones"}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        let (s, r) = app
            .post(
                "/api/v1/products",
                Some(&staff),
                json!({"slug": "xiaomi-15", "name": "小米 15", "category": "phone"}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        for (i, fan) in fans.iter().take(11).enumerate() {
            let (s, r) = app
                .post(
                    "/api/v1/me/devices",
                    Some(fan),
                    json!({"product": "xiaomi-su7", "serial": format!("LSU7TEST{i:09}")}),
                )
                .await;
            assert_eq!(s, 201, "{r}");
            if i < 10 {
                let (s, r) = app
                    .post(
                        "/api/v1/me/devices",
                        Some(fan),
                        json!({"product": "xiaomi-15", "serial": format!("P15TEST{i:09}")}),
                    )
                    .await;
                assert_eq!(s, 201, "{r}");
            }
        }
        let (_, p) = app.get("/api/v1/insights/ecosystem", Some(&staff)).await;
        assert_eq!(row(&p, "breadth", "1")[1..], [json!("<10"), json!(null)], "the share would tell: {p}");
        assert_eq!(row(&p, "breadth", "2")[1..], [json!(10), json!(0.9091)], "{p}");
        assert_eq!(rows(&p, "combinations")[0], json!(["Cars + Phones", 10]), "{p}");
        assert_eq!(row(&p, "combinations", "Cars")[1], json!("<10"), "{p}");
        let (s, csv) = {
            let res = app
                .client
                .get(app.url("/api/v1/insights/ecosystem?format=csv&table=combinations"))
                .bearer_auth(&staff)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        };
        assert_eq!(s, 200);
        assert!(csv.contains("<10") && !csv.contains(",1\r\n"), "{csv}");
        let (s, r) = app.get("/api/v1/insights/ecosystem", Some(&fans[0])).await;
        assert_eq!((s, error_code(&r)), (403, "forbidden"));
    }
}
