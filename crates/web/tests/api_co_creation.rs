//! Similar posts, merging, notifications and points through the JSON API, on every
//! configured backend.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use common::{backends, error_code, spawn_app};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn similar_posts_suggest_the_same_idea_in_other_words() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let _staff = app.seed_catalog().await;
        let fan = app.register("米粉甲").await;
        let winter = app
            .create_post(&fan, "冬天续航掉得太厉害", "零下五度开暖风，续航只剩一半，希望优化冬季续航。")
            .await;
        let _seats = app.create_post(&fan, "座椅通风噪音大", "开到三档通风的时候嗡嗡响。").await;

        let q = "/api/v1/posts/similar?product=xiaomi-su7&text=%E5%86%AC%E5%A4%A9%E7%BB%AD%E8%88%AA%E5%A4%AA%E5%B7%AE%E4%BA%86";
        let (s, body) = app.get(q, None).await;
        assert_eq!(s, 200, "{backend:?} {body}");
        let items = body["items"].as_array().unwrap();
        assert_eq!(items[0]["id"], winter, "{body}");
        let score = items[0]["score"].as_f64().unwrap();
        assert!(score > 0.15 && score <= 1.0, "{body}");
        assert!(items.iter().all(|i| i["title"] != "座椅通风噪音大"), "unrelated post suggested: {body}");
        assert_eq!(items[0]["url"], format!("/posts/{winter}"));

        // The exact title scores 1.
        let (_, exact) = app.get("/api/v1/posts/similar?text=%E5%86%AC%E5%A4%A9%E7%BB%AD%E8%88%AA%E6%8E%89%E5%BE%97%E5%A4%AA%E5%8E%89%E5%AE%B3", None).await;
        assert_eq!(exact["items"][0]["id"], winter);

        // Bad input: a clear 4xx with a code.
        for (path, status, code) in [
            ("/api/v1/posts/similar", 400, "invalid_query"),
            ("/api/v1/posts/similar?text=%20%20", 400, "invalid_query"),
            ("/api/v1/posts/similar?text=abc&limit=0", 400, "invalid_limit"),
            ("/api/v1/posts/similar?text=abc&limit=x", 400, "invalid_limit"),
            ("/api/v1/posts/similar?text=abc&product=nope", 422, "unknown_product"),
        ] {
            let (s, b) = app.get(path, None).await;
            assert_eq!((s, error_code(&b)), (status, code), "{path}");
        }
        let long = "续".repeat(2001);
        let (s, b) = app.get(&format!("/api/v1/posts/similar?text={long}"), None).await;
        assert_eq!((s, error_code(&b)), (400, "invalid_query"));
    }
}

#[tokio::test]
async fn staff_merge_moves_votes_notifies_and_can_be_undone() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let author = app.register("作者").await;
        let voter = app.register("投票者").await;
        let both = app.register("两边都投").await;
        let source = app.create_post(&author, "希望支持 CarPlay", "想在车机上用 CarPlay。").await;
        let target = app.create_post(&both, "建议加入 CarPlay 支持", "苹果用户需要。").await;
        for (post, token) in [(source, &voter), (source, &both), (target, &both)] {
            let (s, _) =
                app.call(Method::PUT, &format!("/api/v1/posts/{post}/vote"), Some(token), None).await;
            assert_eq!(s, 200);
        }

        // Fans may not merge.
        let (s, b) =
            app.post(&format!("/api/v1/posts/{source}/merge"), Some(&author), json!({"into": target})).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));
        // Bad merges.
        for (into, status, code) in
            [(source, 422, "merge_into_self"), (999_999, 422, "merge_target_not_found")]
        {
            let (s, b) =
                app.post(&format!("/api/v1/posts/{source}/merge"), Some(&staff), json!({"into": into})).await;
            assert_eq!((s, error_code(&b)), (status, code), "{backend:?}");
        }
        let (s, b) =
            app.post(&format!("/api/v1/posts/{source}/merge"), Some(&staff), json!({"into": "x"})).await;
        assert_eq!((s, error_code(&b)), (400, "invalid_json"));

        let (s, m) =
            app.post(&format!("/api/v1/posts/{source}/merge"), Some(&staff), json!({"into": target})).await;
        assert_eq!(s, 200, "{m}");
        assert_eq!((m["moved_votes"].as_i64(), m["into_votes"].as_i64()), (Some(1), Some(2)), "{m}");
        let (_, merged) = app.get(&format!("/api/v1/posts/{source}"), None).await;
        assert_eq!(
            (merged["status"].as_str(), merged["merged_into"].as_i64()),
            (Some("duplicate"), Some(target))
        );
        // Merging again, or into the merged post, is refused.
        let (s, b) =
            app.post(&format!("/api/v1/posts/{source}/merge"), Some(&staff), json!({"into": target})).await;
        assert_eq!((s, error_code(&b)), (409, "post_already_merged"));
        let (s, b) =
            app.post(&format!("/api/v1/posts/{target}/merge"), Some(&staff), json!({"into": source})).await;
        assert_eq!((s, error_code(&b)), (409, "merge_target_merged"));
        // Votes on the merged post are refused; they belong to the target now.
        let (s, b) =
            app.call(Method::PUT, &format!("/api/v1/posts/{source}/vote"), Some(&author), None).await;
        assert_eq!((s, error_code(&b)), (409, "post_merged"));
        // It no longer comes up as a suggestion; the target does.
        let (_, sim) = app.get("/api/v1/posts/similar?text=CarPlay%20%E6%94%AF%E6%8C%81", None).await;
        let ids: Vec<i64> =
            sim["items"].as_array().unwrap().iter().filter_map(|i| i["id"].as_i64()).collect();
        assert_eq!(ids, vec![target], "{sim}");

        // The author and the other voter hear about it, in their language.
        for token in [&author, &voter] {
            let (s, inbox) = app.get("/api/v1/me/notifications", Some(token)).await;
            assert_eq!(s, 200);
            assert_eq!(inbox["unread"], 1, "{inbox}");
            assert_eq!(inbox["items"][0]["kind"], "post.merged");
            assert_eq!(inbox["items"][0]["url"], format!("/posts/{target}"));
            assert!(inbox["items"][0]["message"].as_str().unwrap().contains("merged into"), "{inbox}");
        }
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&author)).await;
        let id = inbox["items"][0]["id"].as_i64().unwrap();
        let (s, b) = app.post("/api/v1/me/notifications/read", Some(&voter), json!({"id": id})).await;
        assert_eq!((s, error_code(&b)), (404, "notification_not_found"));
        // `[null]` is not "mark all read": a body is an object, and nothing changes.
        for body in [json!([null]), json!([]), json!(null), json!(7)] {
            let (s, b) = app.post("/api/v1/me/notifications/read", Some(&author), body.clone()).await;
            assert_eq!((s, error_code(&b)), (400, "invalid_json"), "{body}");
        }
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&author)).await;
        assert_eq!(inbox["unread"], 1, "{inbox}");
        let (s, b) = app.post("/api/v1/me/notifications/read", Some(&author), json!({"id": id})).await;
        assert_eq!((s, b["unread"].as_i64()), (200, Some(0)));
        let (s, b) = app.get("/api/v1/me/notifications?limit=0", Some(&author)).await;
        assert_eq!((s, error_code(&b)), (400, "invalid_limit"));
        let (s, _) = app.get("/api/v1/me/notifications", None).await;
        assert_eq!(s, 401);

        // Undo.
        let (s, u) =
            app.call(Method::DELETE, &format!("/api/v1/posts/{source}/merge"), Some(&staff), None).await;
        assert_eq!(s, 200, "{u}");
        assert_eq!((u["status"].as_str(), u["from_votes"].as_i64()), (Some("new"), Some(1)));
        let (s, b) =
            app.call(Method::DELETE, &format!("/api/v1/posts/{source}/merge"), Some(&staff), None).await;
        assert_eq!((s, error_code(&b)), (409, "post_not_merged"));
        let (_, sim) = app.get("/api/v1/posts/similar?text=CarPlay%20%E6%94%AF%E6%8C%81", None).await;
        assert_eq!(sim["items"].as_array().unwrap().len(), 2, "back in the index: {sim}");
    }
}

#[tokio::test]
async fn points_profiles_leaderboards_and_adjustments() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("共创者").await;
        let voter = app.register("支持者").await;
        let idea = app.create_post(&fan, "希望增加哨兵模式", "停车时录像。").await;
        app.call(Method::PUT, &format!("/api/v1/posts/{idea}/vote"), Some(&voter), None).await;
        let (s, _) = app
            .post(&format!("/api/v1/posts/{idea}/status"), Some(&staff), json!({"status": "shipped"}))
            .await;
        assert_eq!(s, 200);

        let (s, profile) = app.get("/api/v1/users/%E5%85%B1%E5%88%9B%E8%80%85", None).await;
        assert_eq!(s, 200);
        assert_eq!(profile["points"], 102, "{backend:?} {profile}");
        assert_eq!(profile["level"]["number"], 2);
        assert_eq!(profile["next_level"]["min_points"], 200);
        assert_eq!(profile["badges"][0]["code"], "co_creator");
        assert_eq!(profile["credited"][0]["post_id"], idea);

        let (s, board) = app.get("/api/v1/products/xiaomi-su7/leaderboard", None).await;
        assert_eq!(s, 200);
        assert_eq!(board["items"][0]["handle"], "共创者");
        assert_eq!(board["items"][1]["points"], 6, "{board}");
        let (s, _) = app.get("/api/v1/products/nope/leaderboard", None).await;
        assert_eq!(s, 404);

        // The ledger is the fan's (and staff's) to read.
        let ledger_path = "/api/v1/users/%E6%94%AF%E6%8C%81%E8%80%85/points";
        let (s, ledger) = app.get(ledger_path, Some(&voter)).await;
        assert_eq!(s, 200);
        let reasons: Vec<&str> =
            ledger["items"].as_array().unwrap().iter().filter_map(|e| e["reason"].as_str()).collect();
        assert_eq!(reasons, ["voted_post_shipped", "vote_cast"]);
        let (s, b) = app.get(ledger_path, Some(&fan)).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));

        // Adjustments: staff only, idempotent with a key, never below zero.
        let (s, b) = app.post(ledger_path, Some(&fan), json!({"delta": 5, "note": "x"})).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));
        for (body, status, code) in [
            (json!({"delta": 0, "note": "x"}), 422, "invalid_points_adjustment"),
            (json!({"delta": 5, "note": " "}), 422, "invalid_points_adjustment"),
            (json!({"delta": -7, "note": "too much"}), 409, "points_would_go_negative"),
            (json!({"delta": 5}), 400, "invalid_json"),
            (json!({"delta": 2.5, "note": "x"}), 400, "invalid_json"),
        ] {
            let (s, b) = app.post(ledger_path, Some(&staff), body).await;
            assert_eq!((s, error_code(&b)), (status, code), "{backend:?}");
        }
        for _ in 0..2 {
            let res = app
                .client
                .post(app.url(ledger_path))
                .bearer_auth(&staff)
                .header("idempotency-key", "bonus-1")
                .json(&json!({"delta": 10, "note": "活动奖励"}))
                .send()
                .await
                .unwrap();
            let (s, b) = common::to_json(res).await;
            assert_eq!((s, b["points"].as_i64()), (200, Some(16)), "{b}");
        }
        // JSON Schema counts 3.0 as an integer (a JavaScript client may send one): accepted as 3.
        let (s, b) =
            app.post(ledger_path, Some(&staff), json!({"delta": 3.0, "note": "整数的浮点写法"})).await;
        assert_eq!((s, b["points"].as_i64()), (200, Some(19)), "{backend:?}: {b}");
        let (s, b) = app.call(Method::DELETE, ledger_path, Some(&staff), None).await;
        assert_eq!((s, error_code(&b)), (405, "method_not_allowed"), "the ledger cannot be edited");
    }
}

#[tokio::test]
async fn the_release_train_ships_fans_posts_and_credits_them() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await; // staff_lead created the product: manages it
        let other_staff = app.user_with_role("other_staff", canyu_core::Role::Staff).await;
        let fan = app.register("提建议的粉丝").await;
        let voter = app.register("投票的粉丝").await;
        let idea = app.create_post(&fan, "希望加入哨兵模式", "停车时录像。").await;
        let staff_idea = app.create_post(&staff, "官方计划：OTA 加速", "下载更快。").await;
        let unplanned = app.create_post(&fan, "还没排期", "…").await;
        app.call(Method::PUT, &format!("/api/v1/posts/{idea}/vote"), Some(&voter), None).await;
        for p in [idea, staff_idea] {
            let (s, _) = app
                .post(&format!("/api/v1/posts/{p}/status"), Some(&staff), json!({"status": "planned"}))
                .await;
            assert_eq!(s, 200);
        }

        // Bad input: each refused with its code, nothing created.
        let base = json!({"product": "xiaomi-su7", "version": "1.0.0", "channel": "stable", "posts": [idea]});
        let with = |k: &str, v: serde_json::Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        for (body, token, status, code) in [
            (with("version", json!("1 0")), &staff, 422, "invalid_version"),
            (with("channel", json!("nightly")), &staff, 422, "invalid_channel"),
            (with("planned_for", json!("2026-02-30")), &staff, 422, "invalid_date"),
            (with("product", json!("nope")), &staff, 422, "unknown_product"),
            (with("posts", json!([unplanned])), &staff, 422, "release_post_invalid"),
            (base.clone(), &other_staff, 403, "not_product_manager"),
            (base.clone(), &fan, 403, "forbidden"),
        ] {
            let (s, b) = app.post("/api/v1/releases", Some(token), body).await;
            assert_eq!((s, error_code(&b)), (status, code), "{backend:?} {b}");
        }
        let (_, list) = app.get("/api/v1/products/xiaomi-su7/releases", Some(&staff)).await;
        assert!(list["items"].as_array().unwrap().is_empty(), "{list}");

        // An empty draft cannot be published.
        let (s, empty) = app.post("/api/v1/releases", Some(&staff), with("posts", json!([]))).await;
        assert_eq!(s, 201, "{empty}");
        assert_eq!(empty["planned_for"].as_str().map(str::len), Some(10), "defaults to the next train day");
        let (s, b) =
            app.post(&format!("/api/v1/releases/{}/publish", empty["id"]), Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&b)), (422, "release_empty"));

        let body = json!({"product": "xiaomi-su7", "version": "1.1.0", "channel": "stable", "planned_for": "2026-12-04",
            "notes": "冬季 OTA **更新**", "posts": [idea, staff_idea]});
        let (s, draft) = app.post("/api/v1/releases", Some(&staff), body).await;
        assert_eq!(s, 201, "{draft}");
        let id = draft["id"].as_i64().unwrap();
        // Drafts are not public.
        let (s, _) = app.get(&format!("/api/v1/releases/{id}"), None).await;
        assert_eq!(s, 404);
        let (s, b) = app.post(&format!("/api/v1/releases/{id}/publish"), Some(&other_staff), json!({})).await;
        assert_eq!((s, error_code(&b)), (403, "not_product_manager"));

        let (s, published) =
            app.post(&format!("/api/v1/releases/{id}/publish"), Some(&staff), json!({})).await;
        assert_eq!(s, 200, "{published}");
        assert_eq!(published["status"], "published");
        let html = published["notes_html"].as_str().unwrap();
        assert!(html.contains("<strong>更新</strong>") && html.contains("@提建议的粉丝"), "{html}");
        let credits: Vec<&str> =
            published["posts"].as_array().unwrap().iter().filter_map(|p| p["credit"].as_str()).collect();
        assert_eq!(credits, ["Thanks to @提建议的粉丝 for the idea"], "the team's own post is not credited");
        let (s, b) = app.post(&format!("/api/v1/releases/{id}/publish"), Some(&staff), json!({})).await;
        assert_eq!((s, error_code(&b)), (409, "release_already_published"));

        // Shipped, told, paid, counted.
        let (_, post) = app.get(&format!("/api/v1/posts/{idea}"), None).await;
        assert_eq!(post["status"], "shipped");
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&voter)).await;
        assert_eq!(inbox["items"][0]["kind"], "post.shipped", "{inbox}");
        assert!(inbox["items"][0]["message"].as_str().unwrap().contains("1.1.0"));
        let (_, profile) =
            app.get("/api/v1/users/%E6%8F%90%E5%BB%BA%E8%AE%AE%E7%9A%84%E7%B2%89%E4%B8%9D", None).await;
        assert_eq!(profile["credited"][0]["post_id"], idea, "{profile}");
        let (_, list) = app.get("/api/v1/products/xiaomi-su7/releases", None).await;
        assert_eq!(list["fan_features"], 1, "{list}");
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "the public sees the published release only");
        let (s, _) = app.get(&format!("/api/v1/releases/{id}"), None).await;
        assert_eq!(s, 200);

        // The Atom feed.
        let res = app.client.get(app.url("/products/xiaomi-su7/changelog.atom")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/atom+xml"));
        let xml = res.text().await.unwrap();
        assert!(
            xml.contains("<title>小米 SU7 1.1.0</title>")
                && xml.contains("<contributor><name>提建议的粉丝</name>"),
            "{xml}"
        );
        assert!(xml.contains(&format!("<id>{}/releases/{id}</id>", app.base)), "{xml}");
    }
}

#[tokio::test]
async fn webhooks_take_only_http_addresses_from_the_products_managers() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let other = app.user_with_role("webhook_outsider", canyu_core::Role::Staff).await;
        let fan = app.register("想加webhook的粉丝").await;
        let hook = |url: &str, format: &str| json!({"product": "xiaomi-su7", "url": url, "format": format, "secret": "k"});
        for (body, token, status, code) in [
            (hook("ftp://example.com/x", "generic"), &staff, 422, "invalid_webhook_url"),
            (hook("javascript:alert(1)", "generic"), &staff, 422, "invalid_webhook_url"),
            (hook("https://user:pw@example.com/x", "generic"), &staff, 422, "invalid_webhook_url"),
            (hook("https://example.com/x", "slack"), &staff, 422, "invalid_webhook_format"),
            (hook("https://example.com/x", "feishu"), &other, 403, "not_product_manager"),
            (hook("https://example.com/x", "feishu"), &fan, 403, "forbidden"),
            (json!({"url": "https://example.com/x", "format": "generic"}), &staff, 403, "forbidden"),
            // The server's own network is off limits (SSRF), however it is written.
            (hook("http://127.0.0.1:9000/hook", "generic"), &staff, 422, "webhook_private_address"),
            (
                hook("http://169.254.169.254/latest/meta-data", "generic"),
                &staff,
                422,
                "webhook_private_address",
            ),
            (hook("http://localhost:6379/", "generic"), &staff, 422, "webhook_private_address"),
            (hook("http://[::1]/x", "generic"), &staff, 422, "webhook_private_address"),
            (hook("http://10.0.0.8/x", "feishu"), &staff, 422, "webhook_private_address"),
            (hook("http://0x7f000001/x", "generic"), &staff, 422, "webhook_private_address"),
        ] {
            let (s, b) = app.post("/api/v1/webhooks", Some(token), body).await;
            assert_eq!((s, error_code(&b)), (status, code), "{backend:?}");
        }
        let (s, list) = app.get("/api/v1/webhooks", Some(&staff)).await;
        assert_eq!((s, list["items"].as_array().map(Vec::len)), (200, Some(0)), "nothing was added");
        let (s, made) = app
            .post(
                "/api/v1/webhooks",
                Some(&staff),
                hook("https://open.feishu.cn/open-apis/bot/v2/hook/secret-token", "feishu"),
            )
            .await;
        assert_eq!(s, 201, "{made}");
        assert_eq!(made["url"], "https://open.feishu.cn/…", "the robot token is not shown back");
        let (_, list) = app.get("/api/v1/webhooks", Some(&staff)).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        let (_, list) = app.get("/api/v1/webhooks", Some(&other)).await;
        assert!(list["items"].as_array().unwrap().is_empty());
        let id = made["id"].as_i64().unwrap();
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/webhooks/{id}"), Some(&other), None).await;
        assert_eq!(s, 403);
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/webhooks/{id}"), Some(&staff), None).await;
        assert_eq!(s, 204);
        let (s, b) = app.call(Method::DELETE, &format!("/api/v1/webhooks/{id}"), Some(&staff), None).await;
        assert_eq!((s, error_code(&b)), (404, "webhook_not_found"));

        // Fans set their notification email; a bad one changes nothing.
        let (s, b) = app
            .call(Method::PATCH, "/api/v1/me", Some(&fan), Some(json!({"email": "not-an-email", "bio": "x"})))
            .await;
        assert_eq!((s, error_code(&b)), (422, "invalid_email"));
        let (_, me) = app.get("/api/v1/me", Some(&fan)).await;
        assert_eq!(me["bio"], "", "nothing changed: {me}");
        let (s, _) = app
            .call(
                Method::PATCH,
                "/api/v1/me",
                Some(&fan),
                Some(json!({"email": "fan@example.com", "email_notifications": false})),
            )
            .await;
        assert_eq!(s, 200);
        let recipient = app.store.email_recipient(me["id"].as_i64().unwrap()).await.unwrap().unwrap();
        assert_eq!((recipient.email.as_deref(), recipient.enabled), (Some("fan@example.com"), false));
    }
}

#[tokio::test]
async fn demands_group_posts_asking_for_the_same_thing_and_count_distinct_fans() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let a = app.register("冬天用车的人").await;
        let b = app.register("北方车主").await;
        let c = app.register("座椅党").await;
        let winter1 =
            app.create_post(&a, "希望增加冬季续航预估", "冬天续航掉得太快，希望能预估冬季续航").await;
        let winter2 =
            app.create_post(&b, "冬季续航预估能不能加上", "冬天续航掉得太快了，希望预估冬季续航").await;
        let seats = app.create_post(&c, "座椅通风噪音太大", "开三档嗡嗡响").await;
        // b also votes for a's post (counted once), c votes for the winter demand too.
        for (post, token) in [(winter1, &b), (winter2, &c), (seats, &a)] {
            app.call(Method::PUT, &format!("/api/v1/posts/{post}/vote"), Some(token), None).await;
        }
        // Fans may not force a rebuild; staff may.
        let (s, b_) = app.post("/api/v1/products/xiaomi-su7/demands/rebuild", Some(&a), json!({})).await;
        assert_eq!((s, error_code(&b_)), (403, "forbidden"));
        let (s, rebuilt) =
            app.post("/api/v1/products/xiaomi-su7/demands/rebuild", Some(&staff), json!({})).await;
        assert_eq!(s, 200, "{rebuilt}");

        let (s, list) = app.get("/api/v1/products/xiaomi-su7/demands", None).await;
        assert_eq!(s, 200);
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{backend:?} {list}");
        let top = &items[0];
        let mut ids: Vec<i64> =
            top["posts"].as_array().unwrap().iter().filter_map(|p| p["id"].as_i64()).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![winter1, winter2], "{top}");
        assert_eq!(top["fans"], 3, "authors a, b and voter c, each once: {top}");
        assert_eq!(top["fans_this_week"], 3);
        assert_eq!(top["keywords"][0], "续航", "{top}");
        assert_eq!(items[1]["fans"], 2, "seats: author c and voter a");

        let (s, all) = app.get("/api/v1/demands?limit=1", None).await;
        assert_eq!((s, all["items"].as_array().unwrap().len()), (200, 1));
        let (s, b_) = app.get("/api/v1/demands?limit=0", None).await;
        assert_eq!((s, error_code(&b_)), (400, "invalid_limit"));
        let (s, _) = app.get("/api/v1/products/nope/demands", None).await;
        assert_eq!(s, 404);

        // Merged and closed posts leave their demand at the next rebuild.
        app.post(&format!("/api/v1/posts/{winter2}/merge"), Some(&staff), json!({"into": winter1})).await;
        app.post("/api/v1/products/xiaomi-su7/demands/rebuild", Some(&staff), json!({})).await;
        let (_, list) = app.get("/api/v1/products/xiaomi-su7/demands", None).await;
        let top = &list["items"][0];
        assert_eq!(top["posts"].as_array().unwrap().len(), 1, "{list}");
        assert_eq!(top["fans"], 3, "the merge moved c's vote onto winter1: {top}");
    }
}

/// An operator whose receiver lives on their own network allows private addresses.
#[tokio::test]
async fn private_webhook_addresses_are_allowed_by_the_setting() {
    for backend in backends() {
        let app = common::spawn_app_with(
            backend,
            canyu_app::AppConfig { webhooks_allow_private: true, ..common::test_config() },
        )
        .await;
        let staff = app.seed_catalog().await;
        let (s, b) = app
            .post(
                "/api/v1/webhooks",
                Some(&staff),
                json!({"product": "xiaomi-su7", "url": "http://10.0.0.8:8080/hook", "format": "generic"}),
            )
            .await;
        assert_eq!(s, 201, "{backend:?}: {b}");
    }
}
