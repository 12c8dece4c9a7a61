//! 提醒我 through the JSON API, on every configured backend: fans ask to be reminded of a
//! wave or a campaign before it starts, the job tells each of them once a few minutes ahead,
//! and nothing is sent for a wave withdrawn in the meantime.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_core::time::rfc3339;
use common::{TestApp, backends, error_code, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

async fn reminders_in_inbox(app: &TestApp, token: &str) -> Vec<Value> {
    let (_, inbox) = app.get("/api/v1/me/notifications", Some(token)).await;
    inbox["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "launch.reminder").cloned().collect()
}

#[tokio::test]
async fn fans_are_reminded_once_a_few_minutes_before_a_wave_or_reservations_open() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("等开售").await;
        let other = app.register("不等了").await;
        let t = canyu_app::now_millis();
        let wave_body = |start: i64| {
            json!({"product": "xiaomi-su7", "sku": "SU7 Max", "quantity": 10, "mode": "fcfs",
                   "starts_at": rfc3339(start), "ends_at": rfc3339(start + HOUR)})
        };
        let (s, wave) = app.post("/api/v1/waves", Some(&staff), wave_body(t + HOUR)).await;
        assert_eq!(s, 201, "{backend:?} {wave}");
        let wave = wave["id"].as_i64().unwrap();
        let (_, withdrawn) = app.post("/api/v1/waves", Some(&staff), wave_body(t + HOUR)).await;
        let withdrawn = withdrawn["id"].as_i64().unwrap();
        let (s, started) = app.post("/api/v1/waves", Some(&staff), wave_body(t - MIN)).await;
        assert_eq!(s, 201);
        let started = started["id"].as_i64().unwrap();

        let remind = |id: i64| format!("/api/v1/waves/{id}/reminder");
        for _ in 0..2 {
            let (s, r) = app.call(Method::PUT, &remind(wave), Some(&fan), None).await;
            assert_eq!((s, &r["reminding"]), (200, &json!(true)), "idempotent");
        }
        app.call(Method::PUT, &remind(withdrawn), Some(&fan), None).await;
        app.call(Method::PUT, &remind(wave), Some(&other), None).await;
        let (s, r) = app.call(Method::DELETE, &remind(wave), Some(&other), None).await;
        assert_eq!((s, &r["reminding"]), (200, &json!(false)));
        // Bad requests change nothing.
        for (path, status, code) in [
            (remind(started), 409, "reminder_too_late"),
            (remind(999_999), 404, "wave_not_found"),
            ("/api/v1/waves/abc/reminder".to_string(), 404, "wave_not_found"),
        ] {
            let (s, e) = app.call(Method::PUT, &path, Some(&fan), None).await;
            assert_eq!((s, error_code(&e)), (status, code), "{path}");
        }
        let (s, e) = app.call(Method::PUT, &remind(wave), None, None).await;
        assert_eq!((s, error_code(&e)), (401, "unauthenticated"));
        let (s, _) = app
            .post(
                &format!("/api/v1/waves/{withdrawn}/cancel"),
                Some(&staff),
                json!({ "reason": "调整发售计划" }),
            )
            .await;
        assert_eq!(s, 200);

        // A campaign's reminder waits for its reservations.
        let campaign = json!({
            "product": "xiaomi-su7", "title": "小米 SU7 上市",
            "teaser_at": rfc3339(t), "reveal_at": rfc3339(t + HOUR),
            "reservations_open_at": rfc3339(t + 3 * HOUR), "reservations_close_at": rfc3339(t + 5 * HOUR),
            "fan_lane_places": 1, "fan_lane_min_points": 100, "fan_lane_head_start_minutes": 10,
            "skus": [{"code": "su7", "name": "SU7 标准版", "price_fen": 21_590_000, "small_deposit_fen": 500_000}]
        });
        let (s, c) = app.post("/api/v1/campaigns", Some(&staff), campaign).await;
        assert_eq!(s, 201, "{c}");
        let campaign = c["id"].as_i64().unwrap();
        let (s, r) =
            app.call(Method::PUT, &format!("/api/v1/campaigns/{campaign}/reminder"), Some(&fan), None).await;
        assert_eq!((s, &r["reminding"]), (200, &json!(true)));

        // Too early: nothing goes out.
        assert_eq!(canyu_app::sales::reminders::send_due(&app.state).await.unwrap(), 0);
        // Five minutes before the wave: its reminder, once, however often the job runs
        // (the withdrawn wave's is never sent).
        app.clock_offset.store(HOUR - 4 * MIN, Ordering::Relaxed);
        assert_eq!(canyu_app::sales::reminders::send_due(&app.state).await.unwrap(), 1);
        assert_eq!(canyu_app::sales::reminders::send_due(&app.state).await.unwrap(), 0);
        let got = reminders_in_inbox(&app, &fan).await;
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0]["url"], format!("/waves/{wave}"), "{got:?}");
        assert!(got[0]["message"].as_str().unwrap().contains("SU7 Max"), "{got:?}");
        assert!(reminders_in_inbox(&app, &other).await.is_empty());
        // After it went out the wave's page no longer counts the fan as waiting.
        let (_, r) = app.call(Method::DELETE, &remind(wave), Some(&fan), None).await;
        assert_eq!(r["reminding"], false);

        app.clock_offset.store(3 * HOUR, Ordering::Relaxed);
        assert_eq!(canyu_app::sales::reminders::send_due(&app.state).await.unwrap(), 1);
        let got = reminders_in_inbox(&app, &fan).await;
        assert_eq!(got.len(), 2);
        assert_eq!(got[0]["url"], format!("/campaigns/{campaign}"));
        let (s, e) =
            app.call(Method::PUT, &format!("/api/v1/campaigns/{campaign}/reminder"), Some(&fan), None).await;
        assert_eq!((s, error_code(&e)), (409, "reminder_too_late"));
    }
}
