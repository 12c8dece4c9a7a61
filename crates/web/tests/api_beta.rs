//! The beta programme through the JSON API, on every configured backend: setting up a group,
//! applying, deciding, leaving, the members-only board and beta releases, the weekly judging
//! and bad input.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_core::beta::IsoWeek;
use common::{backends, error_code, spawn_app};
use reqwest::Method;
use serde_json::json;

const DAY_MS: i64 = 86_400_000;

#[tokio::test]
async fn a_beta_group_admits_applies_and_guards_its_board() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("内测粉").await;
        let outsider = app.register("路人").await;
        let other_staff = app.user_with_role("other_staff", canyu_core::Role::Staff).await;

        // No group yet.
        let (s, b) = app.get("/api/v1/products/xiaomi-su7/beta", Some(&fan)).await;
        assert_eq!((s, error_code(&b)), (404, "beta_not_found"), "{backend:?}");
        let (s, b) = app
            .post(
                "/api/v1/products/xiaomi-su7/beta/applications",
                Some(&fan),
                json!({"motivation": "想第一时间体验"}),
            )
            .await;
        assert_eq!((s, error_code(&b)), (404, "beta_not_found"));

        // Only the people who run the product configure it; bad settings change nothing.
        let put = async |token: &str, body: serde_json::Value| {
            app.call(Method::PUT, "/api/v1/products/xiaomi-su7/beta", Some(token), Some(body)).await
        };
        let (s, b) = put(&fan, json!({"seats": 2})).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));
        let (s, b) = put(&other_staff, json!({"seats": 2})).await;
        assert_eq!((s, error_code(&b)), (403, "not_product_manager"));
        for (body, code) in [
            (json!({"seats": 0}), "invalid_beta_seats"),
            (json!({"seats": 2, "min_level": 9}), "invalid_beta_level"),
            (json!({"seats": 2, "removal_cooldown_days": 400}), "invalid_beta_cooldown"),
        ] {
            let (s, b) = put(&staff, body).await;
            assert_eq!((s, error_code(&b)), (422, code));
        }
        let (s, b) = app.get("/api/v1/products/xiaomi-su7/beta", None).await;
        assert_eq!(s, 404, "{b}");
        let (s, group) = put(&staff, json!({"seats": 2, "min_level": 4})).await;
        assert_eq!(s, 200, "{group}");
        assert_eq!((group["seats"].as_i64(), group["free_seats"].as_i64()), (Some(2), Some(2)));
        assert_eq!(group["removal_cooldown_days"], 30);

        // A level-1 fan waits for review; bad motivations are refused.
        let apply = async |token: &str, motivation: &str| {
            app.post(
                "/api/v1/products/xiaomi-su7/beta/applications",
                Some(token),
                json!({ "motivation": motivation }),
            )
            .await
        };
        let (s, b) = apply(&fan, "想").await;
        assert_eq!((s, error_code(&b)), (422, "invalid_motivation"));
        let (s, application) = apply(&fan, "我每天通勤两小时，想帮忙测试车机新功能").await;
        assert_eq!(s, 201, "{application}");
        assert_eq!(application["status"], "pending");
        let (s, b) = apply(&fan, "我每天通勤两小时，想帮忙测试车机新功能").await;
        assert_eq!((s, error_code(&b)), (409, "beta_already_applied"));

        // Staff see and admit it; fans may not.
        let (s, b) =
            app.get("/api/v1/products/xiaomi-su7/beta/applications?status=pending", Some(&fan)).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));
        let (s, b) =
            app.get("/api/v1/products/xiaomi-su7/beta/applications?status=bogus", Some(&staff)).await;
        assert_eq!((s, error_code(&b)), (400, "invalid_beta_status"));
        let (_, pending) =
            app.get("/api/v1/products/xiaomi-su7/beta/applications?status=pending", Some(&staff)).await;
        assert_eq!(pending["items"].as_array().unwrap().len(), 1);
        let id = application["id"].as_i64().unwrap();
        let (s, b) = app.post(&format!("/api/v1/beta/applications/{id}/admit"), Some(&fan), json!({})).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));
        let (s, b) = app.post("/api/v1/beta/applications/999999/admit", Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&b)), (404, "beta_application_not_found"));
        let (s, admitted) =
            app.post(&format!("/api/v1/beta/applications/{id}/admit"), Some(&staff), json!({})).await;
        assert_eq!(s, 200, "{admitted}");
        assert_eq!(
            (admitted["status"].as_str(), admitted["decided_by"].as_str()),
            (Some("member"), Some("staff_lead"))
        );
        let (s, b) =
            app.post(&format!("/api/v1/beta/applications/{id}/reject"), Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&b)), (409, "beta_application_decided"));
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&fan)).await;
        assert_eq!(inbox["items"][0]["kind"], "beta.admitted", "{inbox}");
        assert_eq!(inbox["items"][0]["url"], "/products/xiaomi-su7/beta");

        // The member's status shows this week's duties.
        let (_, mine) = app.get("/api/v1/products/xiaomi-su7/beta", Some(&fan)).await;
        assert_eq!(mine["me"]["membership"]["status"], "member", "{mine}");
        assert_eq!(mine["me"]["this_week"]["done"], false);
        assert!(mine["me"]["can_apply_at"].is_null());

        // The beta board: members post; outsiders can neither post, list, read, vote nor comment.
        let beta_post = json!({"product": "xiaomi-su7", "kind": "bug", "title": "内测版蓝牙断连", "body": "升级后蓝牙偶尔断开", "beta": true});
        let (s, b) = app.post("/api/v1/posts", Some(&outsider), beta_post.clone()).await;
        assert_eq!((s, error_code(&b)), (403, "beta_members_only"));
        let (s, post) = app.post("/api/v1/posts", Some(&fan), beta_post).await;
        assert_eq!(s, 201, "{post}");
        let post_id = post["id"].as_i64().unwrap();
        let (s, _) = app.get(&format!("/api/v1/posts/{post_id}"), Some(&fan)).await;
        assert_eq!(s, 200);
        for token in [Some(outsider.as_str()), None] {
            let (s, b) = app.get(&format!("/api/v1/posts/{post_id}"), token).await;
            assert_eq!((s, error_code(&b)), (403, "beta_members_only"));
            let (s, b) = app.get(&format!("/api/v1/posts/{post_id}/comments"), token).await;
            assert_eq!((s, error_code(&b)), (403, "beta_members_only"));
            let (s, b) = app.get("/api/v1/posts?product=xiaomi-su7&board=beta", token).await;
            assert_eq!((s, error_code(&b)), (403, "beta_members_only"));
        }
        let (s, b) =
            app.call(Method::PUT, &format!("/api/v1/posts/{post_id}/vote"), Some(&outsider), None).await;
        assert_eq!((s, error_code(&b)), (403, "beta_members_only"));
        let (s, b) = app
            .post(&format!("/api/v1/posts/{post_id}/comments"), Some(&outsider), json!({"body": "看看"}))
            .await;
        assert_eq!((s, error_code(&b)), (403, "beta_members_only"));
        assert_eq!(app.store.post(post_id).await.unwrap().unwrap().votes, 0);
        // Public listings and search never show it; the member's beta listing does.
        let (_, public) = app.get("/api/v1/posts?product=xiaomi-su7", Some(&fan)).await;
        assert!(public["items"].as_array().unwrap().iter().all(|p| p["id"] != post_id), "{public}");
        let (_, board) = app.get("/api/v1/posts?product=xiaomi-su7&board=beta", Some(&fan)).await;
        assert_eq!(board["items"][0]["id"], post_id, "{board}");
        let (_, search) = app.get("/api/v1/posts?q=%E8%93%9D%E7%89%99", Some(&fan)).await;
        assert!(search["items"].as_array().unwrap().is_empty(), "{search}");
        for (path, code) in [
            ("/api/v1/posts?board=beta", "invalid_board"),
            ("/api/v1/posts?product=xiaomi-su7&board=secret", "invalid_board"),
        ] {
            let (s, b) = app.get(path, Some(&fan)).await;
            assert_eq!((s, error_code(&b)), (400, code));
        }
        // A beta post cannot be merged into a public one.
        let public_post = app.create_post(&outsider, "蓝牙断连", "偶尔断开").await;
        let (s, b) = app
            .post(&format!("/api/v1/posts/{post_id}/merge"), Some(&staff), json!({"into": public_post}))
            .await;
        assert_eq!((s, error_code(&b)), (422, "merge_across_boards"));

        // Beta releases: members and the team see them, others do not.
        let (s, release) = app
            .post(
                "/api/v1/releases",
                Some(&staff),
                json!({"product": "xiaomi-su7", "version": "1.9.0-beta.1", "channel": "beta", "notes": "内测版"}),
            )
            .await;
        assert_eq!(s, 201, "{release}");
        let rid = release["id"].as_i64().unwrap();
        // A beta release needs posts to publish; ship the beta bug in it.
        app.post(&format!("/api/v1/posts/{post_id}/status"), Some(&staff), json!({"status": "planned"}))
            .await;
        let (s, release) = app
            .post(
                "/api/v1/releases",
                Some(&staff),
                json!({"product": "xiaomi-su7", "version": "1.9.0-beta.2", "channel": "beta", "posts": [post_id]}),
            )
            .await;
        assert_eq!(s, 201, "{release}");
        let rid2 = release["id"].as_i64().unwrap();
        let (s, b) = app.post(&format!("/api/v1/releases/{rid2}/publish"), Some(&staff), json!({})).await;
        assert_eq!(s, 200, "{b}");
        let (s, _) = app.get(&format!("/api/v1/releases/{rid2}"), Some(&fan)).await;
        assert_eq!(s, 200);
        let (s, _) = app.get(&format!("/api/v1/releases/{rid2}"), Some(&outsider)).await;
        assert_eq!(s, 404);
        let (s, _) = app.get(&format!("/api/v1/releases/{rid}"), Some(&fan)).await;
        assert_eq!(s, 404, "a draft stays with the team");
        let (_, listed) = app.get("/api/v1/products/xiaomi-su7/releases", Some(&fan)).await;
        assert!(listed["items"].as_array().unwrap().iter().any(|r| r["id"] == rid2), "{listed}");
        let (_, listed) = app.get("/api/v1/products/xiaomi-su7/releases", None).await;
        assert!(listed["items"].as_array().unwrap().iter().all(|r| r["channel"] == "stable"), "{listed}");

        // Leaving: the seat frees up; reapplying waits the leave cooldown.
        let (s, b) =
            app.call(Method::DELETE, "/api/v1/products/xiaomi-su7/beta/membership", Some(&fan), None).await;
        assert_eq!((s, b["status"].as_str()), (200, Some("left")), "{b}");
        let (s, b) = app.get(&format!("/api/v1/posts/{post_id}"), Some(&fan)).await;
        assert_eq!((s, error_code(&b)), (403, "beta_members_only"));
        let (s, b) = apply(&fan, "我又想回来参加内测了").await;
        assert_eq!((s, error_code(&b)), (409, "beta_cooldown"));
        let (_, mine) = app.get("/api/v1/products/xiaomi-su7/beta", Some(&fan)).await;
        assert!(mine["me"]["can_apply_at"].as_str().is_some(), "{mine}");
        let (s, b) =
            app.call(Method::DELETE, "/api/v1/products/xiaomi-su7/beta/membership", Some(&fan), None).await;
        assert_eq!((s, error_code(&b)), (409, "beta_not_member"));
    }
}

#[tokio::test]
async fn the_level_rule_admits_and_missed_duties_remove() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let keen = app.register("勤奋粉").await;
        let idle = app.register("潜水粉").await;
        // Level 2 needs 50 points: staff grant them.
        for handle in ["勤奋粉", "潜水粉"] {
            let path = format!("/api/v1/users/{}/points", urlencoding(handle));
            let (s, b) = app.post(&path, Some(&staff), json!({"delta": 60, "note": "早期贡献"})).await;
            assert_eq!(s, 200, "{b}");
        }
        let (s, _) = app
            .call(
                Method::PUT,
                "/api/v1/products/xiaomi-su7/beta",
                Some(&staff),
                Some(json!({"seats": 10, "min_level": 2})),
            )
            .await;
        assert_eq!(s, 200);
        // Join a week ago, so this week's duties are owed... by jumping the clock instead:
        // apply now, then judge the week after next.
        for token in [&keen, &idle] {
            let (s, b) = app
                .post(
                    "/api/v1/products/xiaomi-su7/beta/applications",
                    Some(token),
                    json!({"motivation": "等级够了，想参加内测"}),
                )
                .await;
            assert_eq!((s, b["status"].as_str()), (201, Some("member")), "{b}");
        }
        // Next week: keen files a bug and a suggestion on the beta board; idle does nothing.
        app.clock_offset.store(7 * DAY_MS, std::sync::atomic::Ordering::Relaxed);
        for kind in ["bug", "idea"] {
            let (s, b) = app
                .post(
                    "/api/v1/posts",
                    Some(&keen),
                    json!({"product": "xiaomi-su7", "kind": kind, "title": "内测反馈", "body": "详情", "beta": true}),
                )
                .await;
            assert_eq!(s, 201, "{b}");
        }
        let now = canyu_app::now_millis() + 7 * DAY_MS;
        let week = IsoWeek::of(now);
        let judged = app.store.judge_beta_duties(week, week.end_millis() + 1).await.unwrap();
        assert_eq!(judged[0].removed, vec!["潜水粉".to_string()]);
        let (_, me) = app.get("/api/v1/me", Some(&keen)).await;
        let (_, ledger) =
            app.get(&format!("/api/v1/users/{}/points", urlencoding("勤奋粉")), Some(&keen)).await;
        assert!(
            ledger["items"].as_array().unwrap().iter().any(|e| e["reason"] == "beta_duty_done"),
            "{ledger} {me}"
        );
        let (_, idle_status) = app.get("/api/v1/products/xiaomi-su7/beta", Some(&idle)).await;
        assert_eq!(idle_status["me"]["membership"]["status"], "removed", "{idle_status}");
        assert_eq!(idle_status["me"]["membership"]["end_note"], format!("missed_duties:{}", week.key()));
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&idle)).await;
        assert_eq!(inbox["items"][0]["kind"], "beta.removed", "{inbox}");
    }
}

fn urlencoding(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}
