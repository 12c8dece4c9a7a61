//! 人车家 ownership over HTTP on both backends: one owner per serial under real concurrency,
//! the cooling-off after a release (at once for the named fan), staff binding at a store,
//! serial formats, and owner chips and the owners' filter on the board.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use common::{TestApp, backends, error_code, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;

const DAY: i64 = 86_400_000;

async fn claim(app: &TestApp, token: &str, serial: &str) -> (u16, Value) {
    app.post("/api/v1/me/devices", Some(token), json!({"product": "xiaomi-su7", "serial": serial})).await
}

async fn release(app: &TestApp, token: &str, id: i64, body: Option<Value>) -> (u16, Value) {
    app.call(Method::POST, &format!("/api/v1/me/devices/{id}/release"), Some(token), body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_owner_per_serial_even_when_twenty_fans_claim_it_at_once() {
    for backend in backends() {
        let app = Arc::new(spawn_app(backend).await);
        app.seed_catalog().await;
        let mut tokens = Vec::new();
        for i in 0..20 {
            tokens.push(app.register(&format!("claimer_{i}")).await);
        }
        let barrier = Arc::new(tokio::sync::Barrier::new(tokens.len()));
        let mut tasks = Vec::new();
        for token in &tokens {
            let (app, token, barrier) = (app.clone(), token.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                claim(&app, &token, "SU7-20260001").await
            }));
        }
        let (mut won, mut refused) = (0, 0);
        for t in tasks {
            match t.await.unwrap() {
                (201, _) => won += 1,
                (409, body) => {
                    assert_eq!(error_code(&body), "serial_owned", "{backend:?}");
                    refused += 1;
                }
                other => panic!("{backend:?}: {other:?}"),
            }
        }
        assert_eq!((won, refused), (1, 19), "{backend:?}");
        let mut owners = 0;
        for token in &tokens {
            let (_, mine) = app.get("/api/v1/me/devices", Some(token)).await;
            owners += mine["items"].as_array().unwrap().len();
        }
        assert_eq!(owners, 1, "{backend:?}: exactly one fan owns it");
    }
}

#[tokio::test]
async fn a_released_device_cools_off_except_for_the_fan_its_owner_named() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let a = app.register("owner_a").await;
        let b = app.register("owner_b").await;
        let c = app.register("owner_c").await;

        // The product's serial format: set by its staff, refused from a fan, checked on claims.
        let (s, r) = app
            .call(
                Method::PUT,
                "/api/v1/products/xiaomi-su7/serial-pattern",
                Some(&a),
                Some(json!({"pattern": "SU7-########"})),
            )
            .await;
        assert_eq!((s, error_code(&r)), (403, "forbidden"));
        let (s, r) = app
            .call(
                Method::PUT,
                "/api/v1/products/xiaomi-su7/serial-pattern",
                Some(&staff),
                Some(json!({"pattern": "SU7-(.*)"})),
            )
            .await;
        assert_eq!((s, error_code(&r)), (422, "invalid_serial_pattern"));
        let (s, r) = app
            .call(
                Method::PUT,
                "/api/v1/products/xiaomi-su7/serial-pattern",
                Some(&staff),
                Some(json!({"pattern": "su7-########"})),
            )
            .await;
        assert_eq!((s, r["pattern"].as_str()), (200, Some("SU7-########")));
        let (_, r) = app.get("/api/v1/products/xiaomi-su7/serial-pattern", None).await;
        assert_eq!(r["pattern"], "SU7-########");
        for bad in ["SU7-2026", "XM15-20260001", "su7 2026 00o1"] {
            let (s, r) = claim(&app, &a, bad).await;
            assert_eq!((s, error_code(&r)), (422, "invalid_serial"), "{bad}");
        }
        let (s, r) = app
            .post(
                "/api/v1/me/devices",
                Some(&a),
                json!({"product": "xiaomi-su7", "serial": "SU7-20260002", "purchased_on": "2099-01-01"}),
            )
            .await;
        assert_eq!((s, error_code(&r)), (422, "invalid_purchase_date"));
        let (_, mine) = app.get("/api/v1/me/devices", Some(&a)).await;
        assert_eq!(mine["items"], json!([]), "refusals bound nothing");

        // A claims (typed loosely), a repeat answers 200 with the same device, B is refused.
        let (s, dev) = app
            .post(
                "/api/v1/me/devices",
                Some(&a),
                json!({"product": "xiaomi-su7", "serial": "su7-2026 0002", "purchased_on": "2026-03-28"}),
            )
            .await;
        assert_eq!(s, 201, "{dev}");
        assert_eq!(
            (dev["serial"].as_str(), dev["owned_via"].as_str()),
            (Some("SU7-20260002"), Some("claim"))
        );
        assert_eq!(dev["purchased_on"], "2026-03-28");
        let id = dev["id"].as_i64().unwrap();
        let (s, again) = claim(&app, &a, "SU7-20260002").await;
        assert_eq!((s, again["id"].as_i64()), (200, Some(id)));
        let (s, r) = claim(&app, &b, "SU7-20260002").await;
        assert_eq!((s, error_code(&r)), (409, "serial_owned"));

        // Only the owner releases it; naming oneself is refused; naming B lets B claim at once.
        let (s, r) = release(&app, &b, id, None).await;
        assert_eq!((s, error_code(&r)), (404, "device_not_found"));
        let (s, r) = release(&app, &a, id, Some(json!({"next_owner": "owner_a"}))).await;
        assert_eq!((s, error_code(&r)), (422, "device_self_transfer"));
        let (s, r) = release(&app, &a, id, Some(json!({"next_owner": "nobody_here"}))).await;
        assert_eq!((s, error_code(&r)), (404, "user_not_found"));
        let (s, r) = release(&app, &a, id, Some(json!({"next_owner": "owner_b"}))).await;
        assert_eq!((s, r["next_owner"].as_str()), (200, Some("owner_b")), "{r}");
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&b)).await;
        let told = &inbox["items"][0];
        assert_eq!(
            (told["kind"].as_str(), told["url"].as_str()),
            (Some("device.handed_on"), Some("/devices")),
            "{inbox}"
        );
        assert!(told["message"].as_str().unwrap().contains("owner_a"), "{told}");
        assert!(!inbox.to_string().contains("SU7-20260002"), "the notice carries no serial");
        let (s, r) = claim(&app, &c, "SU7-20260002").await;
        assert_eq!((s, error_code(&r)), (409, "serial_cooling_off"), "C was not named");
        let (s, r) = claim(&app, &b, "SU7-20260002").await;
        assert_eq!((s, r["owned_via"].as_str(), r["id"].as_i64()), (201, Some("transfer"), Some(id)), "{r}");
        let (_, mine) = app.get("/api/v1/me/devices", Some(&a)).await;
        assert_eq!(mine["items"], json!([]), "A no longer owns it");

        // B lets it go without naming anyone (no body at all): C waits out the cooling-off.
        let (s, _) = release(&app, &b, id, None).await;
        assert_eq!(s, 200);
        app.clock_offset.store(7 * DAY - 60_000, Ordering::Relaxed);
        let (s, r) = claim(&app, &c, "SU7-20260002").await;
        assert_eq!((s, error_code(&r)), (409, "serial_cooling_off"));
        app.clock_offset.store(7 * DAY, Ordering::Relaxed);
        let (s, r) = claim(&app, &c, "SU7-20260002").await;
        assert_eq!((s, r["owned_via"].as_str()), (201, Some("claim")), "{r}");

        // Staff bind a serial to a fan at a store; a fan may not; someone else's serial stays theirs.
        let (s, r) = app
            .post(
                "/api/v1/users/owner_a/devices",
                Some(&b),
                json!({"product": "xiaomi-su7", "serial": "SU7-20260003"}),
            )
            .await;
        assert_eq!((s, error_code(&r)), (403, "forbidden"));
        let (s, r) = app
            .post(
                "/api/v1/users/owner_a/devices",
                Some(&staff),
                json!({"product": "xiaomi-su7", "serial": "SU7-20260003"}),
            )
            .await;
        assert_eq!((s, r["owned_via"].as_str()), (201, Some("store")), "{r}");
        let (s, r) = app
            .post(
                "/api/v1/users/owner_a/devices",
                Some(&staff),
                json!({"product": "xiaomi-su7", "serial": "SU7-20260002"}),
            )
            .await;
        assert_eq!((s, error_code(&r)), (409, "serial_owned"), "C owns it");
    }
}

#[tokio::test]
async fn owners_words_carry_an_owner_chip_and_the_board_filters_to_owners() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        app.seed_catalog().await;
        let owner = app.register("chip_owner").await;
        let visitor = app.register("chip_visitor").await;
        let (s, _) = claim(&app, &owner, "SU7-OWNER-0001").await;
        assert_eq!(s, 201);
        let (_, profile) = app.get("/api/v1/users/chip_owner", None).await;
        assert_eq!(
            (profile["owns"].clone(), profile["whole_ecosystem"].clone()),
            (json!(["car"]), json!(false))
        );
        let owned = app.create_post(&owner, "希望增加哨兵模式录像导出", "车主的真实需求").await;
        let other = app.create_post(&visitor, "想了解续航表现", "还没买，先问问").await;

        let (_, post) = app.get(&format!("/api/v1/posts/{owned}"), None).await;
        assert!(post["author"]["owner_since"].is_string(), "{post}");
        assert!(!post.to_string().contains("SU7-OWNER-0001"), "never the serial");
        let (_, post) = app.get(&format!("/api/v1/posts/{other}"), None).await;
        assert!(post["author"].get("owner_since").is_none(), "{post}");

        let (s, r) = app
            .post(
                &format!("/api/v1/posts/{other}/comments"),
                Some(&owner),
                json!({"body": "提车三个月，续航很稳"}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        assert!(r["author"]["owner_since"].is_string(), "a comment on the product's board carries it: {r}");

        let (_, page) = app.get("/api/v1/posts?product=xiaomi-su7&owners=true", None).await;
        let ids: Vec<i64> =
            page["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, vec![owned], "{backend:?}");
        let (_, page) = app.get("/api/v1/posts?product=xiaomi-su7", None).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 2, "{page}");
        for bad in ["/api/v1/posts?owners=maybe", "/api/v1/posts?owners=true&q=续航"] {
            let (s, r) = app.get(bad, None).await;
            assert_eq!((s, error_code(&r)), (400, "invalid_query"), "{bad}");
        }
    }
}

#[tokio::test]
async fn owners_of_one_product_also_own_another_only_where_enough_fans_share_it() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let (s, _) = app
            .post(
                "/api/v1/categories",
                Some(&staff),
                json!({"slug": "phone", "name_zh": "手机", "name_en": "Phones"}),
            )
            .await;
        assert_eq!(s, 201);
        let (s, _) = app
            .post(
                "/api/v1/products",
                Some(&staff),
                json!({"slug": "xiaomi-15", "name": "小米 15", "category": "phone"}),
            )
            .await;
        assert_eq!(s, 201);
        // 25 car owners, 8 of whom own the phone too; 4 more own only the phone.
        for i in 0..29 {
            let fan = app.register(&format!("eco_fan_{i}")).await;
            if i < 25 {
                assert_eq!(claim(&app, &fan, &format!("SU7-ECO-{i:04}")).await.0, 201);
            }
            if i >= 17 {
                let (s, r) = app
                    .post(
                        "/api/v1/me/devices",
                        Some(&fan),
                        json!({"product": "xiaomi-15", "serial": format!("X15-{i:06}")}),
                    )
                    .await;
                assert_eq!(s, 201, "{r}");
            }
        }
        // Twice, as two nodes would: the same lines.
        for _ in 0..2 {
            assert_eq!(canyu_app::ownership::refresh_affinities(&app.state).await.unwrap(), 1, "{backend:?}");
        }
        let (s, r) = app.get("/api/v1/products/xiaomi-su7/also-owned", None).await;
        assert_eq!(s, 200);
        let line = &r["items"][0];
        assert_eq!(
            (line["product"].as_str(), line["shared_owners"].as_i64()),
            (Some("xiaomi-15"), Some(8)),
            "{r}"
        );
        assert!((line["confidence"].as_f64().unwrap() - 8.0 / 25.0).abs() < 1e-9);
        assert!((line["support"].as_f64().unwrap() - 8.0 / 29.0).abs() < 1e-9);
        assert!((line["lift"].as_f64().unwrap() - (8.0 / 25.0) / (12.0 / 29.0)).abs() < 1e-9);
        // Twelve phone owners are too few to speak for.
        let (_, r) = app.get("/api/v1/products/xiaomi-15/also-owned", None).await;
        assert_eq!(r["items"], json!([]), "{backend:?}");
        let (s, _) = app.get("/api/v1/products/no-such-product/also-owned", None).await;
        assert_eq!(s, 404);
        let board = app
            .client
            .get(app.url("/products/xiaomi-su7"))
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap();
        let html = board.text().await.unwrap();
        assert!(
            html.contains("车主还拥有：") && html.contains(">小米 15</a> <span class=\"muted\">32% · "),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn an_owners_event_takes_only_owners_of_its_product() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let at = |offset: i64| canyu_core::time::rfc3339(canyu_app::now_millis() + offset);
        let hour = 3_600_000;
        let mut body = json!({
            "title": "上海同城会 · SU7 车主夜跑", "kind": "meetup", "city": "上海", "venue": "滨江大道",
            "starts_at": at(72 * hour), "ends_at": at(75 * hour), "capacity": 20,
            "rsvp_opens_at": at(-hour), "rsvp_closes_at": at(70 * hour), "owners_of": "no-such-product",
        });
        let (s, r) = app.post("/api/v1/events", Some(&staff), body.clone()).await;
        assert_eq!((s, error_code(&r)), (422, "unknown_product"));
        body["owners_of"] = json!("xiaomi-su7");
        let (s, event) = app.post("/api/v1/events", Some(&staff), body).await;
        assert_eq!((s, event["owners_of"].as_str()), (201, Some("xiaomi-su7")), "{event}");
        let rsvps = format!("/api/v1/events/{}/rsvps", event["id"]);

        let walker = app.register("night_walker").await;
        let (s, r) = app.post(&rsvps, Some(&walker), json!({})).await;
        assert_eq!((s, error_code(&r)), (403, "owners_only"), "{backend:?}");
        let (_, shown) = app.get(&format!("/api/v1/events/{}", event["id"]), None).await;
        assert_eq!(shown["free"], 20, "a refusal takes nothing");
        assert_eq!(claim(&app, &walker, "SU7-NIGHT-0001").await.0, 201);
        let (s, r) = app.post(&rsvps, Some(&walker), json!({})).await;
        assert_eq!((s, r["status"].as_str()), (201, Some("confirmed")), "{r}");
    }
}

#[tokio::test]
async fn waves_and_beta_groups_for_owners_only_refuse_everyone_else() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let (s, r) = app
            .post(
                "/api/v1/products",
                Some(&staff),
                json!({"slug": "xiaomi-yu7", "name": "小米 YU7", "category": "car"}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        let owner = app.register("su7_first_in_line").await;
        let stranger = app.register("no_su7_yet").await;
        assert_eq!(claim(&app, &owner, "SU7-77770001").await.0, 201);

        // A YU7 wave for SU7 owners: the rule is named and checked.
        let t = canyu_app::now_millis();
        let wave = |eligibility: &str, owners_of: Option<&str>| {
            json!({"product": "xiaomi-yu7", "quantity": 10, "mode": "fcfs", "eligibility": eligibility,
                   "owners_of": owners_of, "starts_at": canyu_core::time::rfc3339(t - 60_000),
                   "ends_at": canyu_core::time::rfc3339(t + DAY)})
        };
        let (s, r) = app.post("/api/v1/waves", Some(&staff), wave("owners_of", Some("xiaomi-x99"))).await;
        assert_eq!((s, error_code(&r)), (422, "unknown_product"), "{backend:?}");
        let (s, r) = app.post("/api/v1/waves", Some(&staff), wave("everyone", Some("xiaomi-su7"))).await;
        assert_eq!((s, error_code(&r)), (422, "invalid_eligibility"));
        let (s, r) = app.post("/api/v1/waves", Some(&staff), wave("owners_of", None)).await;
        assert_eq!((s, error_code(&r)), (422, "invalid_eligibility"));
        let (s, w) = app.post("/api/v1/waves", Some(&staff), wave("owners_of", Some("xiaomi-su7"))).await;
        assert_eq!(s, 201, "{w}");
        assert_eq!(
            (w["eligibility"].as_str(), w["owners_of"].as_str()),
            (Some("owners_of"), Some("xiaomi-su7"))
        );
        let id = w["id"].as_i64().unwrap();
        let order = |token: String, key: &'static str| {
            let app = &app;
            async move {
                let res = app
                    .client
                    .post(app.url(&format!("/api/v1/waves/{id}/orders")))
                    .bearer_auth(token)
                    .header("idempotency-key", key)
                    .send()
                    .await
                    .unwrap();
                common::to_json(res).await
            }
        };
        let (s, r) = order(stranger.clone(), "k-stranger").await;
        assert_eq!((s, error_code(&r)), (403, "owners_only"), "{backend:?}");
        let (s, r) = order(owner.clone(), "k-owner").await;
        assert_eq!(s, 201, "{backend:?}: {r}");

        // A YU7 beta group for SU7 owners.
        let (s, g) = app
            .call(
                Method::PUT,
                "/api/v1/products/xiaomi-yu7/beta",
                Some(&staff),
                Some(json!({"seats": 10, "owners_of": "xiaomi-su7"})),
            )
            .await;
        assert_eq!((s, g["owners_of"].as_str()), (200, Some("xiaomi-su7")), "{g}");
        let (s, r) = app
            .call(
                Method::PUT,
                "/api/v1/products/xiaomi-yu7/beta",
                Some(&staff),
                Some(json!({"seats": 10, "owners_of": "nope"})),
            )
            .await;
        assert_eq!((s, error_code(&r)), (422, "unknown_product"));
        let apply = json!({"motivation": "每天通勤 80 公里，想帮忙测试续航"});
        let (s, r) =
            app.post("/api/v1/products/xiaomi-yu7/beta/applications", Some(&stranger), apply.clone()).await;
        assert_eq!((s, error_code(&r)), (403, "owners_only"), "{backend:?}");
        let (s, r) = app.post("/api/v1/products/xiaomi-yu7/beta/applications", Some(&owner), apply).await;
        assert!(s == 201 || s == 200, "{backend:?}: {s} {r}");
        let (_, shown) = app.get("/api/v1/products/xiaomi-yu7/beta", None).await;
        assert_eq!(shown["owners_of"], "xiaomi-su7");
    }
}
