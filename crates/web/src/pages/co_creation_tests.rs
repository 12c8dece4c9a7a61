//! Merging, the inbox, profiles' standing and the leaderboard through the whole router,
//! without a browser. Helpers come from `tests.rs`.

use super::tests::{App, esc};
use axum::http::StatusCode;
use canyu_core::Role;

#[tokio::test]
async fn moderators_merge_from_the_post_page_and_visitors_are_redirected() {
    let app = App::new().await;
    let (author, author_cookie) = app.user("作者_m", Role::Fan).await;
    let (_, fan_cookie) = app.user("路人_m", Role::Fan).await;
    let (_, moderator) = app.user("版主_m", Role::Moderator).await;
    let source = app.post(&author, "希望支持无线 CarPlay", "有线太麻烦").await;
    let target = app.post(&author, "建议加入 CarPlay", "苹果用户刚需").await;

    // Only moderators see the merge form, and a fan's POST is refused.
    let page = app.get(&format!("/posts/{source}"), Some(&moderator), "zh-CN").await;
    assert!(page.html.contains("data-testid=\"merge-form\""));
    let fan_page = app.get(&format!("/posts/{source}"), Some(&fan_cookie), "zh-CN").await;
    assert!(!fan_page.html.contains("data-testid=\"merge-form\""));
    let csrf = fan_page.csrf();
    let refused = app
        .form(
            &format!("/posts/{source}/merge"),
            &fan_cookie,
            &[("csrf", &csrf), ("into", &target.to_string())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // A bad target re-renders the form with the error and the draft.
    let csrf = page.csrf();
    let bad = app
        .form(
            &format!("/posts/{source}/merge"),
            &moderator,
            &[("csrf", &csrf), ("into", &source.to_string())],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.testid("merge-error").is_some_and(|e| e.contains("不能把帖子合并到它自己")), "{}", bad.html);
    let bad =
        app.form(&format!("/posts/{source}/merge"), &moderator, &[("csrf", &csrf), ("into", "abc")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let done = app
        .form(
            &format!("/posts/{source}/merge"),
            &moderator,
            &[("csrf", &csrf), ("into", &format!("#{target}"))],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location.as_deref(), Some(format!("/posts/{target}?from={source}").as_str()));

    // The merged post redirects; its own page (`?stay=1`) says where it went and takes no
    // votes or comments; the target lists it.
    let redirect = app.get(&format!("/posts/{source}"), None, "zh-CN").await;
    assert_eq!(redirect.status, StatusCode::SEE_OTHER);
    let landed = app.get(&format!("/posts/{target}?from={source}"), None, "zh-CN").await;
    assert!(landed.testid("merged-notice").is_some(), "{}", landed.html);
    assert!(landed.html.contains("data-testid=\"merged-here\""));
    let own = app.get(&format!("/posts/{source}?stay=1"), Some(&fan_cookie), "en").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.testid("merged-banner").is_some_and(|b| b.contains("merged into")));
    assert!(!own.html.contains("data-testid=\"comment-form\"") && !own.html.contains("data-vote "));

    // The author's inbox has it, with a count in the header; marking all read clears it.
    let inbox = app.get("/inbox", Some(&author_cookie), "zh-CN").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert_eq!(inbox.testid("inbox-count").as_deref(), Some("1"));
    assert!(inbox.html.contains(&esc("已合并到「建议加入 CarPlay」")), "{}", inbox.html);
    let csrf = inbox.csrf();
    let read = app.form("/inbox/read", &author_cookie, &[("csrf", &csrf)]).await;
    assert_eq!(read.status, StatusCode::SEE_OTHER);
    let inbox = app.get("/inbox", Some(&author_cookie), "zh-CN").await;
    assert!(inbox.testid("inbox-count").is_none());
    // Without CSRF nothing is marked; without a session the inbox asks to sign in.
    let anon = app.get("/inbox", None, "zh-CN").await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);

    // Undo from the merged post's page.
    let own = app.get(&format!("/posts/{source}?stay=1"), Some(&moderator), "zh-CN").await;
    assert!(own.html.contains("data-testid=\"unmerge-form\""));
    let undo = app.form(&format!("/posts/{source}/unmerge"), &moderator, &[("csrf", &own.csrf())]).await;
    assert_eq!(undo.status, StatusCode::SEE_OTHER);
    let back = app.get(&format!("/posts/{source}"), None, "zh-CN").await;
    assert_eq!(back.status, StatusCode::OK);
    assert!(back.testid("merged-banner").is_none());
}

#[tokio::test]
async fn profiles_show_points_level_badges_and_credited_features() {
    let app = App::new().await;
    let (fan, _) = app.user("共创者_p", Role::Fan).await;
    let (staff, _) = app.user("员工_p", Role::Staff).await;
    let id = app.post(&fan, "希望加入哨兵模式", "停车录像").await;
    app.state
        .store
        .change_status(id, staff.id, canyu_core::PostStatus::Shipped, None, 1)
        .await
        .expect("ship");

    let page = app.get("/users/%E5%85%B1%E5%88%9B%E8%80%85_p", None, "zh-CN").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.testid("points").as_deref(), Some("102"));
    assert!(page.testid("level").is_some_and(|l| l.contains("Lv2")));
    assert!(page.html.contains("data-badge=\"co_creator\""));
    assert!(page.html.contains("data-testid=\"credited\"") && page.html.contains("希望加入哨兵模式"));

    let board = app.get("/leaderboard?product=xiaomi-su7", None, "en").await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(board.html.contains("共创者_p") && board.html.contains("102 Points"), "{}", board.html);
    let missing = app.get("/leaderboard?product=nope", None, "en").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_new_post_form_has_the_similar_posts_box() {
    let app = App::new().await;
    let (_, cookie) = app.user("写帖子的人", Role::Fan).await;
    let page = app.get("/products/xiaomi-su7/new", Some(&cookie), "zh-CN").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("data-similar") && page.html.contains("相似的帖子"), "{}", page.html);
}
