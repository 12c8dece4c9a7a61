//! Payment notifications: a provider reference belongs to one order (issue #17 item 7).
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_core::time::rfc3339;
use common::{backends, error_code};
use serde_json::{Value, json};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const SECRET: &str = "test-payment-secret-0123456789abcdef";

fn sign(body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn notify(app: &common::TestApp, order: i64, amount: i64, reference: &str) -> (u16, Value) {
    let body = json!({"order": order, "provider": "alipay", "provider_ref": reference, "amount_fen": amount})
        .to_string();
    let res = app
        .client
        .post(app.url("/api/v1/payments/notify"))
        .header("content-type", "application/json")
        .header("canyu-signature", sign(&body))
        .header("accept-language", "en")
        .body(body)
        .send()
        .await
        .unwrap();
    common::to_json(res).await
}

async fn place(app: &common::TestApp, wave: i64, token: &str, key: &str) -> i64 {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/waves/{wave}/orders")))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&json!({"kind": "big", "buyer_name": "张三"}))
        .send()
        .await
        .unwrap();
    let (s, order) = common::to_json(res).await;
    assert_eq!(s, 201, "{order}");
    order["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_payment_reference_reused_for_another_order_is_a_conflict() {
    for backend in backends() {
        let config = canyu_app::AppConfig {
            payment_secret: Some(SECRET.as_bytes().to_vec()),
            ..common::test_config()
        };
        let app = common::spawn_app_with(backend, config).await;
        let staff = app.seed_catalog().await;
        let a = app.register("付款甲").await;
        let b = app.register("付款乙").await;
        let t = canyu_app::now_millis();
        let (s, campaign) = app
            .post(
                "/api/v1/campaigns",
                Some(&staff),
                json!({
                    "product": "xiaomi-su7", "title": "小米 SU7 上市",
                    "teaser_at": rfc3339(t - 4 * HOUR), "reveal_at": rfc3339(t - 3 * HOUR),
                    "reservations_open_at": rfc3339(t - HOUR), "reservations_close_at": rfc3339(t + HOUR),
                    "fan_lane_places": 0, "fan_lane_head_start_minutes": 10, "one_per_address": false,
                    "skus": [{"code": "su7", "name": "SU7 标准版", "price_fen": 21_590_000,
                              "small_deposit_fen": 500_000, "big_deposit_fen": 500_000}]
                }),
            )
            .await;
        assert_eq!(s, 201, "{campaign}");
        let (s, w) = app
            .post(
                "/api/v1/waves",
                Some(&staff),
                json!({"product": "xiaomi-su7", "sku": "su7", "quantity": 5, "mode": "fcfs",
                       "starts_at": rfc3339(t - MIN), "ends_at": rfc3339(t + HOUR), "campaign": campaign["id"]}),
            )
            .await;
        assert_eq!(s, 201, "{w}");
        let wave = w["id"].as_i64().unwrap();
        let oa = place(&app, wave, &a, "pa").await;
        let ob = place(&app, wave, &b, "pb").await;

        let (s, r) = notify(&app, oa, 500_000, "REF-1").await;
        assert_eq!((s, r["status"].as_str()), (200, Some("recorded")), "{backend:?} {r}");
        // The same order's repeat stays an idempotent duplicate.
        let (s, r) = notify(&app, oa, 500_000, "REF-1").await;
        assert_eq!((s, r["status"].as_str()), (200, Some("duplicate")), "{backend:?} {r}");
        // Another order with that reference: a conflict, not a "duplicate" that leaves it unpaid.
        let (s, r) = notify(&app, ob, 500_000, "REF-1").await;
        assert_eq!((s, error_code(&r)), (409, "payment_ref_conflict"), "{backend:?} {r}");
        let (_, shown) = app.get(&format!("/api/v1/orders/{ob}"), Some(&b)).await;
        assert_eq!(shown["launch"]["state"], "awaiting_payment", "{backend:?}");
        // Its own reference pays it.
        let (s, r) = notify(&app, ob, 500_000, "REF-2").await;
        assert_eq!((s, r["status"].as_str()), (200, Some("recorded")), "{backend:?} {r}");
        let (_, shown) = app.get(&format!("/api/v1/orders/{ob}"), Some(&b)).await;
        assert_eq!(shown["launch"]["state"], "deposited", "{backend:?}");
        // A reference with NUL is refused before it reaches the database.
        let (s, r) = notify(&app, oa, 500_000, "REF\u{0}3").await;
        assert_eq!((s, error_code(&r)), (422, "control_character"), "{backend:?} {r}");
    }
}
