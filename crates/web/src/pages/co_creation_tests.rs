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
    // Candidates are offered: the other CarPlay post, one click away.
    let candidates = page.html.split("data-testid=\"merge-candidates\"").nth(1).expect("merge candidates");
    assert!(candidates.contains(&format!("name=\"into\" value=\"{target}\"")), "{}", page.html);
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
    app.store.change_status(id, staff.id, canyu_core::PostStatus::Shipped, None, 1).await.expect("ship");

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

#[tokio::test]
async fn staff_build_and_publish_a_release_from_the_web() {
    let app = App::new().await;
    let (fan, _) = app.user("粉丝_r", Role::Fan).await;
    let (staff, staff_cookie) = app.user("员工_r", Role::Staff).await;
    let (_, outsider) = app.user("别组员工_r", Role::Staff).await;
    let (_, fan_cookie) = app.user("路人_r", Role::Fan).await;
    let product = app.store.product_by_slug("xiaomi-su7").await.expect("db").expect("product");
    app.store.add_product_manager(product.id, staff.id).await.expect("manager");
    let idea = app.post(&fan, "希望加入露营模式", "整晚空调").await;
    app.store.change_status(idea, staff.id, canyu_core::PostStatus::Planned, None, 1).await.expect("plan");

    for cookie in [&outsider, &fan_cookie] {
        let page = app.get("/products/xiaomi-su7/releases/new", Some(cookie), "zh-CN").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    let form = app.get("/products/xiaomi-su7/releases/new", Some(&staff_cookie), "zh-CN").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains(&format!("data-testid=\"release-post-{idea}\"")), "{}", form.html);
    let csrf = form.csrf();
    let idea_s = idea.to_string();
    let bad = app
        .form(
            "/products/xiaomi-su7/releases/new",
            &staff_cookie,
            &[("csrf", &csrf), ("version", "x y"), ("posts", &idea_s)],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("checked"), "the picked posts stay picked");
    let made = app
        .form(
            "/products/xiaomi-su7/releases/new",
            &staff_cookie,
            &[
                ("csrf", &csrf),
                ("version", "2.0.0"),
                ("channel", "stable"),
                ("planned_for", "2026-12-04"),
                ("notes", "露营更新"),
                ("posts", &idea_s),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    let release_url = made.location.expect("location");

    // The draft is hidden from fans; its manager publishes it.
    assert_eq!(app.get(&release_url, Some(&fan_cookie), "zh-CN").await.status, StatusCode::NOT_FOUND);
    let draft = app.get(&release_url, Some(&staff_cookie), "zh-CN").await;
    assert!(draft.html.contains("data-testid=\"publish-form\""));
    let done = app.form(&format!("{release_url}/publish"), &staff_cookie, &[("csrf", &draft.csrf())]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);

    let changelog = app.get("/products/xiaomi-su7/changelog", None, "zh-CN").await;
    assert_eq!(changelog.status, StatusCode::OK);
    assert!(
        changelog.html.contains("2.0.0") && changelog.html.contains("感谢 <a href=\"/users/"),
        "{}",
        changelog.html
    );
    assert_eq!(changelog.testid("fan-features").as_deref(), Some("1 项功能来自粉丝建议"));
    assert!(changelog.html.contains(&esc("露营更新")));
}

#[tokio::test]
async fn signed_unsubscribe_links_turn_email_off_without_a_session() {
    let app = App::new().await;
    let (fan, _) = app.user("退订者", Role::Fan).await;
    let path = super::unsubscribe::path(&app.state.link_secret(), fan.id);
    let page = app.get(&path, None, "zh-CN").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("data-testid=\"unsubscribe-submit\""));
    // A forged token is a missing page.
    let forged =
        app.get(&format!("/unsubscribe/{}/00000000000000000000000000000000", fan.id), None, "zh-CN").await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    // Mail clients POST with no cookie and no CSRF token (RFC 8058).
    let req = axum::http::Request::post(&path)
        .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
        .expect("request");
    let done = app.send(req).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    let recipient = app.store.email_recipient(fan.id).await.expect("db").expect("fan");
    assert!(!recipient.enabled);
}

#[tokio::test]
async fn the_demands_pages_list_the_weeks_top_demands() {
    let app = App::new().await;
    let (fan, _) = app.user("需求粉", Role::Fan).await;
    app.post(&fan, "希望增加冬季续航预估", "冬天续航掉得太快").await;
    canyu_app::demands::rebuild_all(&app.state).await.expect("rebuild");
    for path in ["/demands", "/products/xiaomi-su7/demands"] {
        let page = app.get(path, None, "zh-CN").await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.html.contains("data-testid=\"demand\""), "{path}");
        // Headlined by its best-backed post's title: a sentence, not word fragments.
        assert_eq!(page.testid("demand-headline").as_deref(), Some("希望增加冬季续航预估"), "{path}");
    }
    assert_eq!(app.get("/products/nope/demands", None, "zh-CN").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_beta_page_runs_applications_and_keeps_its_board_private() {
    let app = App::new().await;
    let (_, admin) = app.user("管理员_b", Role::Admin).await;
    let (_, fan) = app.user("内测粉_b", Role::Fan).await;
    let (_, outsider) = app.user("路人_b", Role::Fan).await;

    // No group: fans get a 404, the people who run the product get the settings form.
    assert_eq!(app.get("/products/xiaomi-su7/beta", Some(&fan), "zh-CN").await.status, StatusCode::NOT_FOUND);
    let page = app.get("/products/xiaomi-su7/beta", Some(&admin), "zh-CN").await;
    assert!(page.html.contains("data-testid=\"beta-settings-form\""), "{}", page.html);
    let csrf = page.csrf();
    let bad =
        app.form("/products/xiaomi-su7/beta/settings", &admin, &[("csrf", &csrf), ("seats", "0")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.testid("form-error").is_some_and(|e| e.contains("名额")), "{}", bad.html);
    let saved = app
        .form("/products/xiaomi-su7/beta/settings", &admin, &[("csrf", &csrf), ("seats", "5"), ("open", "1")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    // The people who run the product are not offered the application form for their own beta.
    let page = app.get("/products/xiaomi-su7/beta", Some(&admin), "zh-CN").await;
    assert!(page.testid("beta-team-note").is_some(), "{}", page.html);
    assert!(!page.html.contains("data-testid=\"beta-apply-form\""));
    // Nor are moderators and staff of other products: they see every beta board already.
    for (handle, role) in [("版主_b", Role::Moderator), ("别的产品员工_b", Role::Staff)] {
        let (_, team) = app.user(handle, role).await;
        let page = app.get("/products/xiaomi-su7/beta", Some(&team), "zh-CN").await;
        assert!(!page.html.contains("data-testid=\"beta-apply-form\""), "{role:?}: {}", page.html);
        let note = page.testid("beta-team-note").unwrap_or_default();
        assert!(note.contains("无需申请") && !note.contains("设置名额"), "{role:?}: {note}");
    }

    // A fan applies with a motivation; a fan's settings POST is refused.
    let page = app.get("/products/xiaomi-su7/beta", Some(&fan), "zh-CN").await;
    assert!(page.html.contains("data-testid=\"beta-apply-form\""));
    assert!(!page.html.contains("data-testid=\"beta-settings-form\""));
    let csrf = page.csrf();
    let refused =
        app.form("/products/xiaomi-su7/beta/settings", &fan, &[("csrf", &csrf), ("seats", "9")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let short =
        app.form("/products/xiaomi-su7/beta/apply", &fan, &[("csrf", &csrf), ("motivation", "想")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let applied = app
        .form(
            "/products/xiaomi-su7/beta/apply",
            &fan,
            &[("csrf", &csrf), ("motivation", "每天开车通勤，想测新功能")],
        )
        .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER);
    let page = app.get("/products/xiaomi-su7/beta", Some(&fan), "zh-CN").await;
    assert!(page.html.contains("data-status=\"pending\""), "{}", page.html);

    // The admin admits it from the list.
    let page = app.get("/products/xiaomi-su7/beta", Some(&admin), "zh-CN").await;
    assert!(page.html.contains("每天开车通勤，想测新功能"));
    let id = app.store.beta_memberships(1, None, 10).await.expect("db")[0].id;
    let csrf = page.csrf();
    let admitted = app
        .form(
            &format!("/products/xiaomi-su7/beta/applications/{id}/decide"),
            &admin,
            &[("csrf", &csrf), ("decision", "admit")],
        )
        .await;
    assert_eq!(admitted.status, StatusCode::SEE_OTHER);

    // The member posts on the beta board from the new-post form.
    let page = app.get("/products/xiaomi-su7/beta", Some(&fan), "zh-CN").await;
    assert!(page.html.contains("data-status=\"member\""), "{}", page.html);
    let form = app.get("/products/xiaomi-su7/new?board=beta", Some(&fan), "zh-CN").await;
    assert!(form.html.contains("data-testid=\"beta-board-banner\""));
    assert!(!form.html.contains("data-similar"), "public suggestions are off on the beta board");
    let csrf = form.csrf();
    let posted = app
        .form(
            "/products/xiaomi-su7/new",
            &fan,
            &[
                ("csrf", &csrf),
                ("product", "xiaomi-su7"),
                ("board", "beta"),
                ("kind", "bug"),
                ("title", "内测版导航卡顿"),
                ("body", "切换地图时卡一下"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.html);
    let url = posted.location.expect("location");
    assert_eq!(app.get(&url, Some(&fan), "zh-CN").await.status, StatusCode::OK);
    assert_eq!(app.get(&url, Some(&outsider), "zh-CN").await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&url, None, "zh-CN").await.status, StatusCode::FORBIDDEN);
    let page = app.get("/products/xiaomi-su7/beta", Some(&fan), "zh-CN").await;
    assert!(page.html.contains("内测版导航卡顿"));
    assert!(page.testid("beta-week").is_some_and(|w| w.contains("1/1")), "{}", page.html);
    let outsider_page = app.get("/products/xiaomi-su7/beta", Some(&outsider), "zh-CN").await;
    assert!(!outsider_page.html.contains("内测版导航卡顿"));
    let board = app.get("/products/xiaomi-su7", Some(&fan), "zh-CN").await;
    assert!(!board.html.contains("内测版导航卡顿"), "the public board never lists beta posts");

    // An outsider cannot post to the beta board.
    let csrf = outsider_page.csrf();
    let refused = app
        .form(
            "/products/xiaomi-su7/new",
            &outsider,
            &[("csrf", &csrf), ("board", "beta"), ("kind", "bug"), ("title", "偷偷发"), ("body", "正文")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Leaving shows the date the fan may apply again.
    let csrf = page.csrf();
    let left = app.form("/products/xiaomi-su7/beta/leave", &fan, &[("csrf", &csrf)]).await;
    assert_eq!(left.status, StatusCode::SEE_OTHER);
    let page = app.get("/products/xiaomi-su7/beta", Some(&fan), "zh-CN").await;
    assert!(page.html.contains("data-status=\"wait\""), "{}", page.html);
}

#[tokio::test]
async fn staff_release_a_wave_from_the_page_and_a_double_click_is_one_order() {
    let app = App::new().await;
    let (_, admin) = app.user("管理员_w", Role::Admin).await;
    let (_, fan) = app.user("抢购粉_w", Role::Fan).await;
    let (_, late) = app.user("晚到的_w", Role::Fan).await;

    let page = app.get("/products/xiaomi-su7/waves", Some(&admin), "zh-CN").await;
    assert!(page.html.contains("data-testid=\"wave-form\""));
    let fan_page = app.get("/products/xiaomi-su7/waves", Some(&fan), "zh-CN").await;
    assert!(!fan_page.html.contains("data-testid=\"wave-form\""));
    let csrf = page.csrf();
    // A start in China time a minute ago, open for an hour.
    let start = canyu_core::time::rfc3339(app.state.now() + 8 * 3_600_000 - 60_000);
    let local = &start[..16];
    let bad = app
        .form(
            "/products/xiaomi-su7/waves",
            &admin,
            &[
                ("csrf", &csrf),
                ("quantity", "0"),
                ("per_fan_limit", "1"),
                ("starts_at", local),
                ("minutes", "60"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let made = app
        .form(
            "/products/xiaomi-su7/waves",
            &admin,
            &[
                ("csrf", &csrf),
                ("sku", "Max 橄榄绿"),
                ("quantity", "1"),
                ("per_fan_limit", "1"),
                ("starts_at", local),
                ("minutes", "60"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    let url = made.location.expect("wave url");

    let wave = app.get(&url, Some(&fan), "zh-CN").await;
    assert_eq!(wave.testid("wave-remaining").as_deref(), Some("1"));
    let key = wave
        .html
        .split("name=\"key\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("key")
        .to_string();
    let csrf = wave.csrf();
    let first = app.form(&format!("{url}/buy"), &fan, &[("csrf", &csrf), ("key", &key)]).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.html);
    let again = app.form(&format!("{url}/buy"), &fan, &[("csrf", &csrf), ("key", &key)]).await;
    assert_eq!(again.location, first.location, "the same form submitted twice is one order");
    let done = app.get(first.location.as_deref().expect("location"), Some(&fan), "zh-CN").await;
    assert!(done.testid("wave-ordered").is_some_and(|t| t.contains("下单成功")), "{}", done.html);
    assert_eq!(done.testid("wave-remaining").as_deref(), Some("0"));

    let late_page = app.get(&url, Some(&late), "zh-CN").await;
    let key = late_page
        .html
        .split("name=\"key\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("key")
        .to_string();
    let sold_out =
        app.form(&format!("{url}/buy"), &late, &[("csrf", &late_page.csrf()), ("key", &key)]).await;
    assert_eq!(sold_out.status, StatusCode::CONFLICT);
    assert!(sold_out.testid("form-error").is_some_and(|e| e.contains("售罄")), "{}", sold_out.html);
}

#[tokio::test]
async fn a_draw_wave_page_shows_the_commitment_and_takes_one_entry() {
    let app = App::new().await;
    let (_, admin) = app.user("管理员_d", Role::Admin).await;
    let (_, fan) = app.user("抽签粉_d", Role::Fan).await;
    let page = app.get("/products/xiaomi-su7/waves", Some(&admin), "zh-CN").await;
    let start = canyu_core::time::rfc3339(app.state.now() + 8 * 3_600_000 - 60_000);
    let made = app
        .form(
            "/products/xiaomi-su7/waves",
            &admin,
            &[
                ("csrf", &page.csrf()),
                ("quantity", "2"),
                ("per_fan_limit", "1"),
                ("starts_at", &start[..16]),
                ("minutes", "30"),
                ("mode", "draw"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    let url = made.location.expect("wave url");
    let wave = app.get(&url, Some(&fan), "zh-CN").await;
    assert_eq!(wave.testid("draw-commitment").map(|c| c.len()), Some(64));
    assert!(!wave.html.contains("data-testid=\"buy-form\""));
    let entered = app.form(&format!("{url}/enter"), &fan, &[("csrf", &wave.csrf())]).await;
    assert_eq!(entered.status, StatusCode::SEE_OTHER);
    let wave = app.get(&url, Some(&fan), "zh-CN").await;
    assert!(wave.html.contains("data-testid=\"draw-entered\""));
    assert_eq!(wave.testid("draw-entries").as_deref(), Some("1"));
    let again = app.form(&format!("{url}/enter"), &fan, &[("csrf", &wave.csrf())]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn authors_edit_fans_report_and_moderators_settle_from_the_pages() {
    let app = App::new().await;
    let (author, author_cookie) = app.user("作者_e", Role::Fan).await;
    let (_, fan_cookie) = app.user("路人_e", Role::Fan).await;
    let (_, moderator) = app.user("版主_e", Role::Moderator).await;
    let id = app.post(&author, "小爱同学唤醒慢", "要喊两遍").await;

    // Only the author (and moderators) get the edit form.
    let refused = app.get(&format!("/posts/{id}/edit"), Some(&fan_cookie), "zh-CN").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let form = app.get(&format!("/posts/{id}/edit"), Some(&author_cookie), "zh-CN").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("小爱同学唤醒慢"));
    let csrf = form.csrf();
    let bad = app
        .form(
            &format!("/posts/{id}/edit"),
            &author_cookie,
            &[("csrf", &csrf), ("title", " "), ("body", "x"), ("tags", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.testid("edit-error").is_some_and(|e| e.contains("标题不能为空")), "{}", bad.html);
    let done = app
        .form(
            &format!("/posts/{id}/edit"),
            &author_cookie,
            &[
                ("csrf", &csrf),
                ("title", "小爱同学唤醒要喊两遍"),
                ("body", "在车里要喊两遍"),
                ("tags", "语音"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/posts/{id}"), None, "zh-CN").await;
    assert!(
        page.html.contains("小爱同学唤醒要喊两遍") && page.testid("post-edited").is_some(),
        "{}",
        page.html
    );

    // A fan reports it and is thanked; the moderators' queue lists it with the reason.
    let fan_page = app.get(&format!("/posts/{id}"), Some(&fan_cookie), "zh-CN").await;
    assert!(fan_page.html.contains("data-testid=\"report-form\""));
    assert!(!fan_page.html.contains("data-testid=\"moderation-card\""));
    let csrf = fan_page.csrf();
    let reported = app
        .form(
            &format!("/posts/{id}/report"),
            &fan_cookie,
            &[("csrf", &csrf), ("reason", "spam"), ("note", "")],
        )
        .await;
    assert_eq!(reported.location.as_deref(), Some(format!("/posts/{id}?reported=1").as_str()));
    let thanked = app.get(&format!("/posts/{id}?reported=1"), Some(&fan_cookie), "zh-CN").await;
    assert!(thanked.testid("report-thanks").is_some());
    assert_eq!(app.get("/moderation", Some(&fan_cookie), "zh-CN").await.status, StatusCode::FORBIDDEN);
    let queue = app.get("/moderation", Some(&moderator), "zh-CN").await;
    assert!(queue.html.contains("广告或刷屏 × 1"), "{}", queue.html);

    // Hidden from the queue: gone for visitors, explained to its author, in the log.
    let csrf = queue.csrf();
    let hidden = app
        .form(
            &format!("/posts/{id}/moderate"),
            &moderator,
            &[("csrf", &csrf), ("action", "hide"), ("note", "广告"), ("back", "queue")],
        )
        .await;
    assert_eq!(hidden.location.as_deref(), Some("/moderation"));
    assert!(app.get("/moderation", Some(&moderator), "zh-CN").await.testid("queue-empty").is_some());
    assert_eq!(app.get(&format!("/posts/{id}"), None, "zh-CN").await.status, StatusCode::NOT_FOUND);
    let mine = app.get(&format!("/posts/{id}"), Some(&author_cookie), "zh-CN").await;
    assert!(mine.testid("hidden-banner").is_some_and(|b| b.contains("广告")), "{}", mine.html);
    let log = app.get("/moderation/log", Some(&moderator), "zh-CN").await;
    assert!(log.html.contains("版主_e") && log.html.contains("隐藏"), "{}", log.html);
    let history = app.get(&format!("/posts/{id}/revisions"), Some(&moderator), "zh-CN").await;
    assert!(history.html.contains("小爱同学唤醒慢"), "{}", history.html);
}

#[tokio::test]
async fn replies_name_who_they_answer() {
    let app = App::new().await;
    let (author, _) = app.user("作者_r", Role::Fan).await;
    let (_, fan_cookie) = app.user("米粉_r", Role::Fan).await;
    let id = app.post(&author, "希望加入哨兵模式", "停车录像").await;
    let page = app.get(&format!("/posts/{id}"), Some(&fan_cookie), "zh-CN").await;
    let csrf = page.csrf();
    app.form(
        &format!("/posts/{id}/comments"),
        &fan_cookie,
        &[("csrf", &csrf), ("body", "同求"), ("reply_to", "")],
    )
    .await;
    let page = app.get(&format!("/posts/{id}"), Some(&fan_cookie), "zh-CN").await;
    let first = page
        .html
        .split("data-comment-id=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a comment")
        .to_string();
    let replying = app.get(&format!("/posts/{id}?reply={first}"), Some(&fan_cookie), "zh-CN").await;
    assert!(replying.testid("replying-to").is_some(), "{}", replying.html);
    assert!(replying.html.contains(&format!("<a href=\"#c{first}\">@米粉_r</a>")), "{}", replying.html);
    let replied = app
        .form(
            &format!("/posts/{id}/comments"),
            &fan_cookie,
            &[("csrf", &csrf), ("body", "加一"), ("reply_to", &first)],
        )
        .await;
    assert_eq!(replied.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/posts/{id}"), None, "zh-CN").await;
    assert!(page.html.contains("回复 @米粉_r"), "{}", page.html);
}
