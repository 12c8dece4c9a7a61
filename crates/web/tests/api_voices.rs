//! Official voices over HTTP on both backends: only admins make an account official; follows
//! count once however many requests race; announcements reach the feed of every follower and
//! the inbox only of those who asked; the feed pages through announcements and posts without
//! repeating or losing one; a withdrawn announcement leaves every feed.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use common::{TestApp, backends, error_code};
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

async fn put(app: &TestApp, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    app.call(Method::PUT, path, Some(token), body).await
}

async fn delete(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    app.call(Method::DELETE, path, Some(token), None).await
}

async fn inbox_kinds(app: &TestApp, token: &str) -> Vec<String> {
    let (_, inbox) = app.get("/api/v1/me/notifications", Some(token)).await;
    inbox["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn official_voices_publish_to_their_followers() {
    for backend in backends() {
        let app = common::spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let admin = app.user_with_role("site_admin", canyu_core::Role::Admin).await;
        let founder = app.register("雷军").await;
        let (fan, listener) = (app.register("米粉小王").await, app.register("米粉小李").await);

        // Only an admin gives the badge, and only a real title.
        let (s, r) =
            put(&app, "/api/v1/users/雷军/official", &staff, Some(json!({"title": "小米集团创始人"}))).await;
        assert_eq!((s, error_code(&r)), (403, "forbidden"), "{r}");
        let res = app
            .client
            .put(app.url("/api/v1/users/雷军/official"))
            .bearer_auth(&admin)
            .header("accept-language", "zh-CN")
            .json(&json!({"title": "创"}))
            .send()
            .await
            .unwrap();
        let (s, r) = common::to_json(res).await;
        assert_eq!((s, error_code(&r)), (422, "invalid_official_title"), "{r}");
        assert!(r["error"]["message"].as_str().unwrap().contains("认证头衔"), "{r}");
        let (s, r) =
            put(&app, "/api/v1/users/雷军/official", &admin, Some(json!({"title": " 小米集团创始人 "})))
                .await;
        assert_eq!((s, r["official_title"].as_str()), (200, Some("小米集团创始人")), "{r}");
        let (s, r) =
            put(&app, "/api/v1/users/nobody_here/official", &admin, Some(json!({"title": "官方"}))).await;
        assert_eq!((s, error_code(&r)), (404, "user_not_found"), "{r}");

        // Follows: idempotent, self refused, the inbox only when asked.
        let (s, r) = put(&app, "/api/v1/users/雷军/follow", &fan, None).await;
        assert_eq!(
            (s, &r["followers"], &r["followed"], &r["inbox"]),
            (200, &json!(1), &json!(true), &json!(false))
        );
        let (s, r) = put(&app, "/api/v1/users/雷军/follow", &fan, None).await;
        assert_eq!((s, &r["followers"]), (200, &json!(1)), "following again counts once: {r}");
        let (s, r) = put(&app, "/api/v1/users/雷军/follow", &listener, Some(json!({"inbox": true}))).await;
        assert_eq!((s, &r["followers"], &r["inbox"]), (200, &json!(2), &json!(true)), "{r}");
        let (s, r) = put(&app, "/api/v1/users/雷军/follow", &founder, None).await;
        assert_eq!((s, error_code(&r)), (422, "cannot_follow_self"), "{r}");
        let (_, anon) = app.get("/api/v1/users/雷军/voice", None).await;
        assert_eq!((&anon["followers"], anon.get("followed")), (&json!(2), None), "{anon}");

        // Only official accounts publish.
        let (s, r) = app.post("/api/v1/announcements", Some(&fan), json!({"body": "我也想发动态"})).await;
        assert_eq!((s, error_code(&r)), (403, "not_official"), "{r}");
        let (s, r) = app.post("/api/v1/announcements", Some(&founder), json!({"body": "   "})).await;
        assert_eq!((s, error_code(&r)), (422, "announcement_empty"), "{r}");
        let mut published = Vec::new();
        for body in [
            "# 发布会\n\n周四晚上七点，**不见不散**。<script>alert(1)</script>",
            "感谢米粉的反馈。",
            "续航问题已经在修。",
        ] {
            let (s, r) = app.post("/api/v1/announcements", Some(&founder), json!({"body": body})).await;
            assert_eq!(s, 201, "{r}");
            assert_eq!(r["author_title"], json!("小米集团创始人"));
            published.push(r["id"].as_i64().unwrap());
        }
        let (_, first) = app.get(&format!("/api/v1/announcements/{}", published[0]), None).await;
        let html = first["body_html"].as_str().unwrap();
        assert!(html.contains("<strong>不见不散</strong>") && !html.contains("<script"), "{html}");
        // A post by the founder: the badge is on it, and it is in the feed too.
        let post = app.create_post(&founder, "SU7 的座椅通风", "夏天很需要").await;
        let (_, p) = app.get(&format!("/api/v1/posts/{post}"), None).await;
        assert_eq!(p["author"]["official_title"], json!("小米集团创始人"), "{p}");
        let other = app.create_post(&fan, "车机能不能加个小游戏", "等人的时候玩").await;
        let (_, p) = app.get(&format!("/api/v1/posts/{other}"), None).await;
        assert!(p["author"].get("official_title").is_none(), "{p}");

        assert!(
            inbox_kinds(&app, &listener).await.iter().filter(|k| *k == "voice.announcement").count() == 3
        );
        assert!(!inbox_kinds(&app, &fan).await.iter().any(|k| k == "voice.announcement"));

        // The feed, two at a time: the post, then the announcements newest first.
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/me/feed?limit=2&cursor={c}"),
                None => "/api/v1/me/feed?limit=2".into(),
            };
            let (s, page) = app.get(&path, Some(&fan)).await;
            assert_eq!(s, 200, "{page}");
            for item in page["items"].as_array().unwrap() {
                let id = match item["type"].as_str().unwrap() {
                    "post" => format!("p{}", item["post"]["id"]),
                    _ => format!("a{}", item["announcement"]["id"]),
                };
                seen.push(id);
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        let expected: Vec<String> = std::iter::once(format!("p{post}"))
            .chain(published.iter().rev().map(|a| format!("a{a}")))
            .collect();
        assert_eq!(seen, expected);
        let (s, r) = app.get("/api/v1/me/feed?cursor=abc", Some(&fan)).await;
        assert_eq!((s, error_code(&r)), (400, "invalid_cursor"), "{r}");
        let (s, r) = app.get("/api/v1/me/feed?limit=51", Some(&fan)).await;
        assert_eq!((s, error_code(&r)), (400, "invalid_limit"), "{r}");
        let (_, own) = app.get("/api/v1/users/雷军/announcements?limit=2", None).await;
        assert_eq!(own["items"].as_array().unwrap().len(), 2);
        assert!(own["next_cursor"].is_string(), "{own}");

        // Withdrawn: only its author or a moderator; gone from feeds, 404 for others.
        let gone = published[1];
        let (s, r) = delete(&app, &format!("/api/v1/announcements/{gone}"), &fan).await;
        assert_eq!((s, error_code(&r)), (403, "forbidden"), "{r}");
        let (s, _) = delete(&app, &format!("/api/v1/announcements/{gone}"), &founder).await;
        assert_eq!(s, 204);
        let (_, page) = app.get("/api/v1/me/feed", Some(&fan)).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 3, "{page}");
        let (s, r) = app.get(&format!("/api/v1/announcements/{gone}"), Some(&fan)).await;
        assert_eq!((s, error_code(&r)), (404, "announcement_not_found"), "{r}");
        let (s, r) = app.get(&format!("/api/v1/announcements/{gone}"), Some(&founder)).await;
        assert_eq!((s, r["removed_at"].is_string()), (200, true), "{r}");

        // Unfollowing empties the feed and the count; the title can be taken away.
        let (s, r) = delete(&app, "/api/v1/users/雷军/follow", &fan).await;
        assert_eq!((s, &r["followers"], &r["followed"]), (200, &json!(1), &json!(false)), "{r}");
        let (_, page) = app.get("/api/v1/me/feed", Some(&fan)).await;
        assert_eq!(page["items"], json!([]), "{page}");
        let (s, r) = delete(&app, "/api/v1/users/雷军/official", &admin).await;
        assert_eq!((s, &r["official_title"]), (200, &Value::Null), "{r}");
        let (s, r) = app.post("/api/v1/announcements", Some(&founder), json!({"body": "还能发吗？"})).await;
        assert_eq!((s, error_code(&r)), (403, "not_official"), "{r}");
    }
}

/// Sixty fans follow at once, each twice in parallel, then half unfollow at once: the count
/// is exact on both backends.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn followers_count_exactly_under_concurrent_follows() {
    for backend in backends() {
        let app = common::spawn_app(backend).await;
        let admin = app.user_with_role("site_admin", canyu_core::Role::Admin).await;
        let (s, r) =
            put(&app, "/api/v1/users/site_admin/official", &admin, Some(json!({"title": "官方客服"}))).await;
        assert_eq!(s, 200, "{r}");
        let fans: Vec<String> = join_all((0..60).map(|i| {
            let app = &app;
            async move { app.register(&format!("follower_{i:02}")).await }
        }))
        .await;
        let results = join_all(
            fans.iter().chain(fans.iter()).map(|t| put(&app, "/api/v1/users/site_admin/follow", t, None)),
        )
        .await;
        assert!(results.iter().all(|(s, _)| *s == 200), "{results:?}");
        let (_, voice) = app.get("/api/v1/users/site_admin/voice", None).await;
        assert_eq!(voice["followers"], json!(60), "{voice}");
        let results = join_all(
            fans.iter()
                .take(30)
                .chain(fans.iter().take(30))
                .map(|t| delete(&app, "/api/v1/users/site_admin/follow", t)),
        )
        .await;
        assert!(results.iter().all(|(s, _)| *s == 200), "{results:?}");
        let (_, voice) = app.get("/api/v1/users/site_admin/voice", None).await;
        assert_eq!(voice["followers"], json!(30), "{voice}");
    }
}
