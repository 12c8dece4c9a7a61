//! After a post is written: edits with history, deletes, hide/lock/pin, reports and the
//! queue, the audit log, replies and following — each permission checked on the server, on
//! every configured backend.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use common::{TestApp, backends, error_code, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    app.call(Method::PATCH, path, Some(token), Some(body)).await
}

async fn delete(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    app.call(Method::DELETE, path, Some(token), None).await
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect()
}

async fn kinds_of_inbox(app: &TestApp, token: &str) -> Vec<String> {
    let (_, inbox) = app.get("/api/v1/me/notifications", Some(token)).await;
    inbox["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn authors_edit_and_delete_their_own_posts_and_nobody_elses() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let author = app.register("作者").await;
        let other = app.register("路人").await;
        let id = app.create_post(&author, "冬季续航掉得厉害", "零下五度续航只剩一半。").await;
        let path = format!("/api/v1/posts/{id}");

        // Someone else: refused, nothing changes.
        let (s, b) = patch(&app, &path, &other, json!({ "title": "改掉别人的标题" })).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"), "{backend:?}");
        let (s, b) = delete(&app, &path, &other).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));
        // Bad input: refused with the rule, nothing changes.
        let (s, b) = patch(&app, &path, &author, json!({ "title": "  " })).await;
        assert_eq!((s, error_code(&b)), (422, "title_empty"));
        let (_, post) = app.get(&path, None).await;
        assert_eq!(post["title"], "冬季续航掉得厉害");
        assert!(post.get("edited_at").is_none(), "{post}");

        // The author edits; search follows the new words and forgets the old.
        let (s, post) =
            patch(&app, &path, &author, json!({ "title": "低温快充太慢", "tags": ["充电"] })).await;
        assert_eq!(s, 200, "{post}");
        assert_eq!(
            (post["title"].as_str(), post["body"].as_str()),
            (Some("低温快充太慢"), Some("零下五度续航只剩一半。"))
        );
        assert_eq!(post["tags"], json!(["充电"]));
        assert!(post["edited_at"].is_string(), "{post}");
        let (_, found) = app.get("/api/v1/posts?q=%E5%BF%AB%E5%85%85", None).await;
        assert_eq!(ids(&found), [id], "{found}");
        let (_, gone) = app.get("/api/v1/posts?q=%E5%86%AC%E5%AD%A3%E7%BB%AD%E8%88%AA", None).await;
        assert!(ids(&gone).is_empty(), "{gone}");

        // The history is the moderators': the old title is kept there.
        let revisions = format!("{path}/revisions");
        let (s, b) = app.get(&revisions, Some(&author)).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));
        let (s, history) = app.get(&revisions, Some(&staff)).await;
        assert_eq!(s, 200);
        assert_eq!(history["items"][0]["title"], "冬季续航掉得厉害", "{history}");
        assert_eq!(history["items"][0]["editor"], "作者");

        // A moderator's edit of someone else's post is in the audit log; the author's is not.
        let (s, _) = patch(&app, &path, &staff, json!({ "body": "零下五度快充只有 30 kW。" })).await;
        assert_eq!(s, 200);
        let (_, log) = app.get("/api/v1/moderation/log", Some(&staff)).await;
        let actions: Vec<&str> =
            log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["edit"], "{log}");

        // Deleted: gone from the board, search and anonymous readers; moderators still see it.
        let (s, _) = delete(&app, &path, &author).await;
        assert_eq!(s, 204);
        let (s, b) = app.get(&path, None).await;
        assert_eq!((s, error_code(&b)), (404, "post_not_found"));
        let (s, b) = app.get(&path, Some(&author)).await;
        assert_eq!((s, error_code(&b)), (404, "post_not_found"));
        let (_, as_staff) = app.get(&path, Some(&staff)).await;
        assert_eq!(as_staff["deleted"], true, "{as_staff}");
        let (_, board) = app.get("/api/v1/posts?product=xiaomi-su7", None).await;
        assert!(!ids(&board).contains(&id), "{board}");
        let (_, found) = app.get("/api/v1/posts?q=%E5%BF%AB%E5%85%85", None).await;
        assert!(ids(&found).is_empty(), "{found}");
        let (s, b) = app.call(Method::PUT, &format!("{path}/vote"), Some(&other), None).await;
        assert_eq!((s, error_code(&b)), (404, "post_not_found"));
        // Deleting twice is harmless.
        let (s, _) = delete(&app, &path, &staff).await;
        assert_eq!(s, 204);
    }
}

#[tokio::test]
async fn moderators_hide_lock_and_pin_and_fans_cannot() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let author = app.register("作者").await;
        let fan = app.register("米粉").await;
        let id = app.create_post(&author, "加微信领优惠券", "广告内容").await;
        let path = format!("/api/v1/posts/{id}");
        let moderate = format!("{path}/moderation");

        let (s, b) = app.post(&moderate, Some(&fan), json!({ "action": "hide" })).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"), "{backend:?}");
        let (s, b) = app.post(&moderate, Some(&staff), json!({ "action": "explode" })).await;
        assert_eq!((s, error_code(&b)), (422, "invalid_moderation_action"));

        let (s, post) = app.post(&moderate, Some(&staff), json!({ "action": "hide", "note": "广告" })).await;
        assert_eq!((s, &post["hidden"]), (200, &json!(true)), "{post}");
        // Hidden: its author sees it with the reason, everyone else is told it does not exist.
        let (s, b) = app.get(&path, Some(&fan)).await;
        assert_eq!((s, error_code(&b)), (404, "post_not_found"));
        let (s, mine) = app.get(&path, Some(&author)).await;
        assert_eq!((s, mine["hidden_reason"].as_str()), (200, Some("广告")));
        let (s, b) = app.post(&format!("{path}/comments"), Some(&author), json!({ "body": "为什么" })).await;
        assert_eq!((s, error_code(&b)), (409, "post_hidden"));
        let (_, board) = app.get("/api/v1/posts?product=xiaomi-su7", None).await;
        assert!(!ids(&board).contains(&id));
        // Hiding twice logs once; unhiding brings it back.
        app.post(&moderate, Some(&staff), json!({ "action": "hide" })).await;
        let (s, post) = app.post(&moderate, Some(&staff), json!({ "action": "unhide" })).await;
        assert_eq!((s, &post["hidden"]), (200, &json!(false)));
        let (_, board) = app.get("/api/v1/posts?product=xiaomi-su7", None).await;
        assert!(ids(&board).contains(&id));

        // Locked: fans' comments and the author's edits are refused; moderators still answer.
        let (s, post) = app.post(&moderate, Some(&staff), json!({ "action": "lock" })).await;
        assert_eq!((s, &post["locked"]), (200, &json!(true)));
        let (s, b) = app.post(&format!("{path}/comments"), Some(&fan), json!({ "body": "顶" })).await;
        assert_eq!((s, error_code(&b)), (409, "post_locked"));
        let (s, b) = patch(&app, &path, &author, json!({ "body": "改一下" })).await;
        assert_eq!((s, error_code(&b)), (409, "post_locked"));
        let (s, _) = app
            .post(&format!("{path}/comments"), Some(&staff), json!({ "body": "已锁定：请勿发广告。" }))
            .await;
        assert_eq!(s, 201);

        let (s, post) = app.post(&moderate, Some(&staff), json!({ "action": "pin" })).await;
        assert_eq!((s, &post["pinned"]), (200, &json!(true)));

        let (_, log) = app.get("/api/v1/moderation/log", Some(&staff)).await;
        let actions: Vec<&str> =
            log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["pin", "lock", "unhide", "hide"], "{log}");
        assert_eq!(log["items"][3]["note"], "广告");
        let (s, b) = app.get("/api/v1/moderation/log", Some(&fan)).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));
    }
}

#[tokio::test]
async fn reports_gather_in_the_queue_until_a_moderator_settles_them() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let author = app.register("作者").await;
        let a = app.register("米粉甲").await;
        let b = app.register("米粉乙").await;
        let id = app.create_post(&author, "你们都是水军", "骂人的话").await;
        let (_, comment) =
            app.post(&format!("/api/v1/posts/{id}/comments"), Some(&a), json!({ "body": "理性讨论" })).await;
        let comment_id = comment["id"].as_i64().unwrap();

        let report = |reason: &str| json!({ "post_id": id, "reason": reason, "note": "人身攻击" });
        let (s, first) = app.post("/api/v1/reports", Some(&a), report("abuse")).await;
        assert_eq!(s, 201, "{backend:?} {first}");
        // The same fan again: nothing new.
        let (s, again) = app.post("/api/v1/reports", Some(&a), report("spam")).await;
        assert_eq!((s, &again["id"], &again["created"]), (200, &first["id"], &json!(false)));
        let (s, _) = app.post("/api/v1/reports", Some(&b), report("abuse")).await;
        assert_eq!(s, 201);
        for (token, body, status, code) in [
            (&author, report("abuse"), 422, "cannot_report_own"),
            (&b, report("boring"), 422, "invalid_report_reason"),
            (
                &b,
                json!({ "post_id": id, "reason": "abuse", "note": "长".repeat(501) }),
                422,
                "report_note_too_long",
            ),
            (&b, json!({ "post_id": 999_999, "reason": "spam" }), 404, "post_not_found"),
            (&b, json!({ "post_id": id, "comment_id": 999_999, "reason": "spam" }), 404, "comment_not_found"),
        ] {
            let (s, e) = app.post("/api/v1/reports", Some(token), body).await;
            assert_eq!((s, error_code(&e)), (status, code));
        }
        let (s, _) = app
            .post(
                "/api/v1/reports",
                Some(&b),
                json!({ "post_id": id, "comment_id": comment_id, "reason": "other" }),
            )
            .await;
        assert_eq!(s, 201);

        let (s, e) = app.get("/api/v1/moderation/reports", Some(&a)).await;
        assert_eq!((s, error_code(&e)), (403, "forbidden"));
        let (_, queue) = app.get("/api/v1/moderation/reports", Some(&staff)).await;
        let items = queue["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{queue}");
        assert_eq!(
            (items[0]["target"].as_str(), items[0]["reports"].as_i64()),
            (Some(format!("post:{id}").as_str()), Some(2))
        );
        assert_eq!(items[0]["reasons"][0]["reason"], "abuse");
        assert_eq!(items[0]["reasons"][0]["count"], 2);
        assert_eq!(items[0]["notes"][0], "人身攻击");

        // Hiding settles the post's reports; the comment's are dismissed.
        app.post(&format!("/api/v1/posts/{id}/moderation"), Some(&staff), json!({ "action": "hide" })).await;
        let (s, closed) = app
            .post(
                "/api/v1/moderation/reports/dismiss",
                Some(&staff),
                json!({ "target": format!("comment:{comment_id}") }),
            )
            .await;
        assert_eq!((s, closed["closed"].as_i64()), (200, Some(1)));
        let (_, queue) = app.get("/api/v1/moderation/reports", Some(&staff)).await;
        assert!(queue["items"].as_array().unwrap().is_empty(), "{queue}");
        let (s, e) = app
            .post(
                "/api/v1/moderation/reports/dismiss",
                Some(&staff),
                json!({ "target": format!("comment:{comment_id}") }),
            )
            .await;
        assert_eq!((s, error_code(&e)), (404, "report_not_found"));
    }
}

#[tokio::test]
async fn replies_edits_deletes_and_follows_of_comments() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let author = app.register("作者").await;
        let asker = app.register("提问的人").await;
        let replier = app.register("热心米粉").await;
        let watcher = app.register("围观群众").await;
        let id = app.create_post(&author, "哨兵模式耗电", "停一晚掉 10%。").await;
        let comments = format!("/api/v1/posts/{id}/comments");

        // The watcher follows; the author mutes the post.
        let (s, f) = app.call(Method::PUT, &format!("/api/v1/posts/{id}/follow"), Some(&watcher), None).await;
        assert_eq!((s, &f["following"]), (200, &json!(true)), "{backend:?}");
        let (s, f) = delete(&app, &format!("/api/v1/posts/{id}/follow"), &author).await;
        assert_eq!((s, &f["following"]), (200, &json!(false)));

        let (_, question) = app.post(&comments, Some(&asker), json!({ "body": "是开了哨兵吗？" })).await;
        let qid = question["id"].as_i64().unwrap();
        let (s, reply) =
            app.post(&comments, Some(&replier), json!({ "body": "开了，停车场里", "reply_to": qid })).await;
        assert_eq!((s, reply["reply_to"].as_i64()), (201, Some(qid)), "{reply}");
        let (s, e) = app.post(&comments, Some(&replier), json!({ "body": "x", "reply_to": 999_999 })).await;
        assert_eq!((s, error_code(&e)), (404, "comment_not_found"));

        assert_eq!(kinds_of_inbox(&app, &asker).await, ["comment.reply"]);
        assert_eq!(kinds_of_inbox(&app, &watcher).await, ["comment.new", "comment.new"]);
        assert!(kinds_of_inbox(&app, &author).await.is_empty(), "a muted post stays quiet");

        // Comments: their authors edit and delete; others may not; moderators may.
        let reply_path = format!("/api/v1/comments/{}", reply["id"]);
        let (s, e) = patch(&app, &reply_path, &asker, json!({ "body": "篡改" })).await;
        assert_eq!((s, error_code(&e)), (403, "forbidden"));
        let (s, edited) = patch(&app, &reply_path, &replier, json!({ "body": "开了，地下停车场" })).await;
        assert_eq!((s, edited["body"].as_str()), (200, Some("开了，地下停车场")));
        assert!(edited["edited_at"].is_string());
        let (s, e) = delete(&app, &reply_path, &asker).await;
        assert_eq!((s, error_code(&e)), (403, "forbidden"));
        let (s, _) = delete(&app, &reply_path, &replier).await;
        assert_eq!(s, 204);
        let (s, e) = patch(&app, &reply_path, &replier, json!({ "body": "再改" })).await;
        assert_eq!((s, error_code(&e)), (404, "comment_not_found"));

        // A withdrawn comment keeps its place, without its text (moderators still read it).
        let (_, list) = app.get(&comments, None).await;
        let gone = &list["items"][1];
        assert_eq!((gone["deleted"].as_bool(), gone["body"].as_str()), (Some(true), Some("")), "{list}");
        let (_, list) = app.get(&comments, Some(&staff)).await;
        assert_eq!(list["items"][1]["body"], "开了，地下停车场");
        let (_, post) = app.get(&format!("/api/v1/posts/{id}"), None).await;
        assert_eq!(post["comments"], 1, "{post}");

        // A moderator hides a comment: its author still reads it, others do not.
        let (s, hidden) = app
            .post(&format!("/api/v1/comments/{qid}/moderation"), Some(&staff), json!({ "action": "hide" }))
            .await;
        assert_eq!((s, &hidden["hidden"]), (200, &json!(true)));
        let (_, list) = app.get(&comments, Some(&watcher)).await;
        assert_eq!(list["items"][0]["body"], "");
        let (_, list) = app.get(&comments, Some(&asker)).await;
        assert_eq!(list["items"][0]["body"], "是开了哨兵吗？");
        let (s, e) = app
            .post(&format!("/api/v1/comments/{qid}/moderation"), Some(&staff), json!({ "action": "pin" }))
            .await;
        assert_eq!((s, error_code(&e)), (422, "invalid_moderation_action"));
    }
}
