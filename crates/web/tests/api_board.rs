//! The board through the JSON API, on every configured backend.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use common::{backends, error_code, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn fan_posts_votes_comments_and_staff_triage() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("续航焦虑症").await;

        let (s, me) = app.get("/api/v1/me", Some(&fan)).await;
        assert_eq!((s, me["role"].as_str()), (200, Some("fan")));

        let (s, post) = app
            .post(
                "/api/v1/posts",
                Some(&fan),
                json!({"product": "xiaomi-su7", "kind": "idea", "title": "希望增加冬季续航预估", "body": "冬天**续航**掉得厉害，希望导航时给出预估。", "tags": ["续航", "#导航"]}),
            )
            .await;
        assert_eq!(s, 201, "{backend:?} {post}");
        let id = post["id"].as_i64().unwrap();
        assert_eq!(post["status"], "new");
        assert_eq!(post["votes"], 0);
        assert_eq!(post["tags"], json!(["导航", "续航"]));
        assert!(post["body_html"].as_str().unwrap().contains("<strong>续航</strong>"));

        // Search finds it by a two-character word, with a highlight.
        let (s, found) = app.get("/api/v1/posts?q=%E7%BB%AD%E8%88%AA", None).await;
        assert_eq!(s, 200);
        assert_eq!(found["items"][0]["id"], id, "{found}");
        assert!(found["items"][0]["highlight"]["snippet_html"].as_str().unwrap().contains("<mark>"));
        // Every word must match: 续航 with a word no post has finds nothing, unless the
        // caller asks for any word; a one-character word never matches on its own.
        let both = format!("/api/v1/posts?q={}", urlencode("续航 拖拉机"));
        let (s, none) = app.get(&both, None).await;
        assert_eq!((s, none["total"].as_u64()), (200, Some(0)), "{none}");
        let (_, any) = app.get(&format!("{both}&match=any"), None).await;
        assert_eq!(any["items"][0]["id"], id, "{any}");
        let (_, nonsense) =
            app.get(&format!("/api/v1/posts?q={}&match=any", urlencode("xyzzy不存在")), None).await;
        assert_eq!(nonsense["total"].as_u64(), Some(0), "不 alone matched: {nonsense}");

        // Voting is idempotent; unvoting too.
        for _ in 0..2 {
            let (s, v) = app.call(Method::PUT, &format!("/api/v1/posts/{id}/vote"), Some(&fan), None).await;
            assert_eq!((s, v["votes"].as_i64()), (200, Some(1)));
        }
        let (_, v) = app.call(Method::PUT, &format!("/api/v1/posts/{id}/vote"), Some(&staff), None).await;
        assert_eq!(v["votes"], 2);
        let (_, v) = app.call(Method::DELETE, &format!("/api/v1/posts/{id}/vote"), Some(&staff), None).await;
        assert_eq!(v["votes"], 1);
        let (_, got) = app.get(&format!("/api/v1/posts/{id}"), Some(&fan)).await;
        assert_eq!((got["votes"].as_i64(), got["voted"].as_bool()), (Some(1), Some(true)));

        // Staff replies are official.
        let (s, c) = app
            .post(
                &format!("/api/v1/posts/{id}/comments"),
                Some(&staff),
                json!({"body": "感谢反馈，已转交团队。"}),
            )
            .await;
        assert_eq!((s, c["official"].as_bool()), (201, Some(true)));
        let (_, c) =
            app.post(&format!("/api/v1/posts/{id}/comments"), Some(&fan), json!({"body": "+1"})).await;
        assert_eq!(c["official"], false);
        let (_, comments) = app.get(&format!("/api/v1/posts/{id}/comments"), None).await;
        assert_eq!(comments["items"].as_array().unwrap().len(), 2);

        // The workflow, with its public timeline.
        let (s, change) = app
            .post(
                &format!("/api/v1/posts/{id}/status"),
                Some(&staff),
                json!({"status": "planned", "note": "排入 1.2 版本"}),
            )
            .await;
        assert_eq!(s, 200, "{change}");
        assert_eq!((change["from"].as_str(), change["to"].as_str()), (Some("new"), Some("planned")));
        let (_, history) = app.get(&format!("/api/v1/posts/{id}/history"), None).await;
        assert_eq!(history["items"][0]["note"], "排入 1.2 版本");
        assert_eq!(history["items"][0]["by"], "staff_lead");
        let (_, roadmap) = app.get("/api/v1/products/xiaomi-su7/roadmap", None).await;
        assert_eq!(roadmap["planned"][0]["id"], id);

        // Filters and the listing shape.
        let (_, list) =
            app.get("/api/v1/posts?product=xiaomi-su7&status=planned&sort=top&limit=5", None).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        assert!(list["next_cursor"].is_null());
        let (_, list) = app.get("/api/v1/posts?tag=%E7%BB%AD%E8%88%AA", None).await;
        assert_eq!(list["items"][0]["id"], id);
        let (_, profile) = app.get("/api/v1/users/%E7%BB%AD%E8%88%AA%E7%84%A6%E8%99%91%E7%97%87", None).await;
        assert_eq!(profile["posts"][0]["id"], id);
    }
}

#[tokio::test]
async fn cursor_pagination_visits_every_post_once() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        app.seed_catalog().await;
        let fan = app.register("fan_pages").await;
        let mut ids = Vec::new();
        for i in 0..7 {
            ids.push(app.create_post(&fan, &format!("建议 {i}"), "正文").await);
        }
        for sort in ["hot", "new", "top"] {
            let mut seen = Vec::new();
            let mut cursor = String::new();
            loop {
                let (s, page) =
                    app.get(&format!("/api/v1/posts?sort={sort}&limit=3&cursor={cursor}"), None).await;
                assert_eq!(s, 200, "{page}");
                seen.extend(page["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()));
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = c.to_string(),
                    None => break,
                }
            }
            seen.sort();
            assert_eq!(seen, ids, "{backend:?} {sort}");
        }
    }
}

#[tokio::test]
async fn bad_input_gets_a_specific_error_and_changes_nothing() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("careful_fan").await;
        let id = app.create_post(&fan, "一个正常的帖子", "正文").await;
        let before = app.post_count().await;
        let post = |title: String, body: String, product: &str, kind: &str| json!({"product": product, "kind": kind, "title": title, "body": body});
        let cases = [
            (post(String::new(), "b".into(), "xiaomi-su7", "idea"), 422, "title_empty"),
            (post("   ".into(), "b".into(), "xiaomi-su7", "idea"), 422, "title_empty"),
            (post("长".repeat(121), "b".into(), "xiaomi-su7", "idea"), 422, "title_too_long"),
            (post("t".into(), String::new(), "xiaomi-su7", "idea"), 422, "body_empty"),
            (post("t".into(), "字".repeat(20_001), "xiaomi-su7", "idea"), 422, "body_too_long"),
            (post("t".into(), "b".into(), "no-such-product", "idea"), 422, "unknown_product"),
            (post("t".into(), "b".into(), "xiaomi-su7", "rant"), 422, "invalid_kind"),
            (json!({"product": "xiaomi-su7", "kind": "idea", "title": "t"}), 400, "invalid_json"),
            (
                json!({"product": "xiaomi-su7", "kind": "idea", "title": "t", "body": "b", "tags": ["<b>"]}),
                422,
                "invalid_tag",
            ),
        ];
        for (body, status, code) in cases {
            let (s, b) = app.post("/api/v1/posts", Some(&fan), body).await;
            assert_eq!((s, error_code(&b)), (status, code), "{backend:?}");
        }
        // Malformed JSON and a wrong content type.
        let res = app
            .client
            .post(app.url("/api/v1/posts"))
            .bearer_auth(&fan)
            .header("content-type", "application/json")
            .body("{\"title\":")
            .send()
            .await
            .unwrap();
        let (s, b) = common::to_json(res).await;
        assert_eq!((s, error_code(&b)), (400, "invalid_json"));
        let res = app
            .client
            .post(app.url("/api/v1/posts"))
            .bearer_auth(&fan)
            .header("content-type", "text/plain")
            .body("hi")
            .send()
            .await
            .unwrap();
        let (s, b) = common::to_json(res).await;
        assert_eq!((s, error_code(&b)), (415, "unsupported_media_type"));
        // Not signed in; a forged token.
        let (s, b) = app.post("/api/v1/posts", None, json!({})).await;
        assert_eq!((s, error_code(&b)), (401, "unauthenticated"));
        let (s, b) = app.post("/api/v1/posts", Some("cy_forged"), json!({})).await;
        assert_eq!((s, error_code(&b)), (401, "token_invalid"));

        // Status: unknown status, an invalid transition, a fan acting as staff.
        let (s, b) =
            app.post(&format!("/api/v1/posts/{id}/status"), Some(&staff), json!({"status": "done"})).await;
        assert_eq!((s, error_code(&b)), (422, "invalid_status"));
        let (s, _) =
            app.post(&format!("/api/v1/posts/{id}/status"), Some(&staff), json!({"status": "shipped"})).await;
        assert_eq!(s, 200);
        let (s, b) =
            app.post(&format!("/api/v1/posts/{id}/status"), Some(&staff), json!({"status": "new"})).await;
        assert_eq!((s, error_code(&b)), (409, "invalid_transition"));
        let (s, b) =
            app.post(&format!("/api/v1/posts/{id}/status"), Some(&fan), json!({"status": "declined"})).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));
        let (s, b) = app
            .post("/api/v1/products", Some(&fan), json!({"slug": "x-1", "name": "X", "category": "car"}))
            .await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));
        let (_, history) = app.get(&format!("/api/v1/posts/{id}/history"), None).await;
        assert_eq!(history["items"].as_array().unwrap().len(), 1, "refused changes left no trace");

        // Votes and comments on missing posts.
        for path in ["/api/v1/posts/999999/vote", "/api/v1/posts/abc/vote"] {
            let (s, b) = app.call(Method::PUT, path, Some(&fan), None).await;
            assert_eq!((s, error_code(&b)), (404, "post_not_found"));
        }
        let (s, b) = app.post("/api/v1/posts/999999/comments", Some(&fan), json!({"body": "hi"})).await;
        assert_eq!((s, error_code(&b)), (404, "post_not_found"));
        let (s, b) =
            app.post(&format!("/api/v1/posts/{id}/comments"), Some(&fan), json!({"body": " "})).await;
        assert_eq!((s, error_code(&b)), (422, "comment_empty"));

        // Listing parameters.
        for (q, code) in [
            ("sort=best", "invalid_sort"),
            ("limit=0", "invalid_limit"),
            ("limit=x", "invalid_limit"),
            ("cursor=zz", "invalid_cursor"),
            ("status=done", "invalid_status"),
            ("product=nope", "unknown_product"),
            ("q=%E7%BB%AD%E8%88%AA&sort=best", "invalid_sort"),
            ("q=%E7%BB%AD%E8%88%AA&match=some", "invalid_query"),
        ] {
            let (s, b) = app.get(&format!("/api/v1/posts?{q}"), None).await;
            assert!((400..500).contains(&s), "{q}: {s}");
            assert_eq!(error_code(&b), code, "{q}");
        }
        assert_eq!(app.post_count().await, before, "{backend:?}: refused requests created nothing");
        let (_, got) = app.get(&format!("/api/v1/posts/{id}"), None).await;
        assert_eq!((got["votes"].as_i64(), got["comments"].as_i64()), (Some(0), Some(0)));
    }
}

#[tokio::test]
async fn errors_speak_the_request_language() {
    let app = spawn_app(canyu_app::testing::store::Backend::Sqlite).await;
    let zh = app
        .client
        .get(app.url("/api/v1/posts/424242"))
        .header("accept-language", "zh-CN,zh;q=0.9")
        .send()
        .await
        .unwrap();
    let (s, b) = common::to_json(zh).await;
    assert_eq!((s, b["error"]["message"].as_str()), (404, Some("帖子不存在。")));
    let en = app
        .client
        .get(app.url("/api/v1/posts/424242"))
        .header("accept-language", "en-US")
        .send()
        .await
        .unwrap();
    let (_, b) = common::to_json(en).await;
    assert_eq!(b["error"]["message"], "No such post.");
    let none = app.client.get(app.url("/api/v1/posts/424242")).send().await.unwrap();
    let (_, b) = common::to_json(none).await;
    assert_eq!(b["error"]["message"], "帖子不存在。", "Chinese is the default");
    let unknown = app.client.get(app.url("/api/v1/nothing-here")).send().await.unwrap();
    let (s, b) = common::to_json(unknown).await;
    assert_eq!((s, error_code(&b)), (404, "not_found"));
}

#[tokio::test]
async fn tokens_expire_and_can_be_revoked() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let token = app.register("token_owner").await;
        let (s, created) = app.post("/api/v1/me/tokens", Some(&token), json!({"name": "CI bot"})).await;
        assert_eq!(s, 201, "{created}");
        let bot = created["token"].as_str().unwrap().to_string();
        let (_, list) = app.get("/api/v1/me/tokens", Some(&bot)).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 2);
        let (s, _) = app
            .call(Method::DELETE, &format!("/api/v1/me/tokens/{}", created["id"]), Some(&token), None)
            .await;
        assert_eq!(s, 204);
        let (s, b) = app.get("/api/v1/me", Some(&bot)).await;
        assert_eq!((s, error_code(&b)), (401, "token_invalid"));
        let (s, b) = app.call(Method::DELETE, "/api/v1/me/tokens/999", Some(&token), None).await;
        assert_eq!((s, error_code(&b)), (404, "token_not_found"));

        // API logins issue named tokens, listed (to be revoked) with the rest; a bad name is
        // refused before the password is even checked.
        let login = |name: Option<&str>| {
            let mut body = json!({"handle": "token_owner", "password": "fan-password-1"});
            if let Some(name) = name {
                body["token_name"] = json!(name);
            }
            body
        };
        let (s, b) = app.post("/api/v1/auth/login", None, login(Some("小明的手机"))).await;
        assert_eq!(s, 200, "{b}");
        let (s, _) = app.post("/api/v1/auth/login", None, login(None)).await;
        assert_eq!(s, 200);
        let (s, b) = app.post("/api/v1/auth/login", None, login(Some(&"长".repeat(61)))).await;
        assert_eq!((s, error_code(&b)), (422, "invalid_name"));
        let (_, list) = app.get("/api/v1/me/tokens", Some(&token)).await;
        let names: Vec<&str> =
            list["items"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names[..2], ["login", "小明的手机"], "{backend:?}: newest first: {list}");
        assert_eq!(names.len(), 4, "{backend:?}: registration, CI bot (revoked), two logins: {list}");

        // 91 days later the 90-day token has expired.
        app.clock_offset.store(91 * 86_400_000, std::sync::atomic::Ordering::Relaxed);
        let (s, b) = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!((s, error_code(&b)), (401, "token_expired"));
    }
}

/// `/metrics` counts requests by route pattern and status, and says how many API token uses
/// wait to be written (the drop benchmark waits for none before measuring `/healthz`).
#[tokio::test]
async fn metrics_count_requests_by_route_and_the_token_uses_waiting() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let fan = app.register("metered").await;
        for _ in 0..3 {
            assert_eq!(app.get("/api/v1/me", Some(&fan)).await.0, 200);
        }
        assert_eq!(app.get("/api/v1/posts/999999", Some(&fan)).await.0, 404);
        let metrics = || async {
            app.client.get(app.url("/metrics")).send().await.expect("metrics").text().await.expect("text")
        };
        let text = metrics().await;
        assert!(
            text.contains("canyu_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"200\"} 3"),
            "{text}"
        );
        assert!(
            text.contains(
                "canyu_http_requests_total{method=\"GET\",route=\"/api/v1/posts/{id}\",status=\"404\"} 1"
            ),
            "{text}"
        );
        assert!(!text.contains("/posts/999999"), "raw paths are not labels");
        assert!(
            text.contains("\ncanyu_token_uses_waiting 1\n"),
            "{backend:?}: one token, used four times: {text}"
        );
        app.state.flush_token_uses().await;
        assert!(metrics().await.contains("\ncanyu_token_uses_waiting 0\n"), "{backend:?}");
    }
}

/// Only the people who run a product rename it: staff of other products are refused and the
/// product is unchanged; its manager and admins may (issue #17).
#[tokio::test]
async fn only_a_products_managers_change_it() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let manager = app.seed_catalog().await;
        let other_staff = app.user_with_role("staff_other", canyu_core::Role::Staff).await;
        let admin = app.user_with_role("site_admin", canyu_core::Role::Admin).await;
        let fan = app.register("普通粉丝").await;
        let rename = |name: &str| Some(json!({"name": name}));
        for (token, expected) in [(&fan, (403, "forbidden")), (&other_staff, (403, "not_product_manager"))] {
            let (s, b) =
                app.call(Method::PATCH, "/api/v1/products/xiaomi-su7", Some(token), rename("被改名")).await;
            assert_eq!((s, error_code(&b)), expected, "{backend:?}");
        }
        let (_, product) = app.get("/api/v1/products/xiaomi-su7", None).await;
        assert_eq!(product["name"], "小米 SU7", "{backend:?}: unchanged");
        // A product named by the path that does not exist is 404, as every missing path is.
        let (s, b) = app.call(Method::PATCH, "/api/v1/products/nope", Some(&other_staff), rename("x")).await;
        assert_eq!((s, error_code(&b)), (404, "not_found"), "{backend:?}");
        for (method, path) in [
            (Method::GET, "/api/v1/products/nope/beta"),
            (Method::GET, "/api/v1/products/nope/beta/applications"),
            (Method::POST, "/api/v1/products/nope/demands/rebuild"),
            (Method::DELETE, "/api/v1/products/nope/beta/membership"),
        ] {
            let (s, b) = app.call(method.clone(), path, Some(&admin), None).await;
            assert_eq!((s, error_code(&b)), (404, "not_found"), "{backend:?}: {method} {path}");
        }
        for (token, name) in [(&manager, "小米 SU7 Pro"), (&admin, "小米 SU7 Ultra")] {
            let (s, b) =
                app.call(Method::PATCH, "/api/v1/products/xiaomi-su7", Some(token), rename(name)).await;
            assert_eq!((s, b["name"].as_str()), (200, Some(name)), "{backend:?}: {b}");
        }
    }
}

#[tokio::test]
async fn search_keeps_the_boards_sort_and_filters() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("搜索的人").await;
        let voters: Vec<String> = {
            let mut v = Vec::new();
            for i in 0..3 {
                v.push(app.register(&format!("投票者{i}")).await);
            }
            v
        };
        // Three posts about 续航; the best text match has the fewest votes.
        let exact = app.create_post(&fan, "续航续航：冬季续航", "续航掉得太快，续航预估不准。").await;
        let popular = app.create_post(&fan, "高速上的续航", "高速一百二跑不到标称。").await;
        let bug = app
            .post(
                "/api/v1/posts",
                Some(&fan),
                json!({"product": "xiaomi-su7", "kind": "bug", "title": "续航显示跳变", "body": "仪表续航数字忽高忽低。", "tags": ["仪表"]}),
            )
            .await
            .1["id"]
            .as_i64()
            .unwrap();
        let _other = app.create_post(&fan, "座椅通风噪音", "三档嗡嗡响。").await;
        for v in &voters {
            app.call(Method::PUT, &format!("/api/v1/posts/{popular}/vote"), Some(v), None).await;
        }
        app.call(Method::PUT, &format!("/api/v1/posts/{bug}/vote"), Some(&voters[0]), None).await;
        app.post(&format!("/api/v1/posts/{popular}/status"), Some(&staff), json!({"status": "planned"}))
            .await;

        let ids = |page: &Value| -> Vec<i64> {
            page["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect()
        };
        let q = "/api/v1/posts?product=xiaomi-su7&q=%E7%BB%AD%E8%88%AA";
        let (_, relevance) = app.get(q, None).await;
        assert_eq!(ids(&relevance)[0], exact, "{backend:?} {relevance}");
        assert_eq!(relevance["total"], 3);
        let (_, top) = app.get(&format!("{q}&sort=top"), None).await;
        assert_eq!(ids(&top), [popular, bug, exact], "{top}");
        assert!(top["items"][0]["highlight"]["title_html"].as_str().unwrap().contains("<mark>"), "{top}");
        let (_, planned) = app.get(&format!("{q}&status=planned"), None).await;
        assert_eq!((ids(&planned), planned["total"].as_u64()), (vec![popular], Some(1)));
        let (_, bugs) = app.get(&format!("{q}&kind=bug"), None).await;
        assert_eq!(ids(&bugs), [bug]);
        let (_, tagged) = app.get(&format!("{q}&tag=%E4%BB%AA%E8%A1%A8"), None).await;
        assert_eq!(ids(&tagged), [bug]);
        // Pages of a sorted search continue where the last ended.
        let (_, first) = app.get(&format!("{q}&sort=top&limit=2"), None).await;
        assert_eq!(ids(&first), [popular, bug]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let (_, second) = app.get(&format!("{q}&sort=top&limit=2&cursor={cursor}"), None).await;
        assert_eq!(ids(&second), [exact]);
        assert!(second["next_cursor"].is_null());
    }
}
