//! `/settings` and `/admin/catalog` through the whole router (middleware, CSRF and error
//! pages included), without a browser. Helpers come from `tests.rs`.

use super::tests::{App, esc};
use axum::http::StatusCode;
use canyu_core::Role;

#[tokio::test]
async fn fans_and_moderators_cannot_use_the_catalog_admin() {
    let app = App::new().await;
    let (_, fan) = app.user("fan_admin", Role::Fan).await;
    let (_, moderator) = app.user("mod_admin", Role::Moderator).await;
    let (_, staff) = app.user("staff_admin", Role::Staff).await;

    for cookie in [&fan, &moderator] {
        let page = app.get("/admin/catalog", Some(cookie), "zh-CN").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.html.contains("你没有权限执行此操作。"));
        let edit = app.get("/admin/catalog/products/xiaomi-su7", Some(cookie), "zh-CN").await;
        assert_eq!(edit.status, StatusCode::FORBIDDEN);
        // With a valid CSRF token: the role check refuses it, not the CSRF check.
        let csrf = app.csrf(cookie).await;
        let posts: [(&str, &[(&str, &str)]); 3] = [
            ("/admin/catalog/categories", &[("slug", "phone"), ("name_zh", "手机"), ("name_en", "Phones")]),
            ("/admin/catalog/products", &[("slug", "xiaomi-15"), ("name", "小米 15"), ("category", "car")]),
            ("/admin/catalog/products/xiaomi-su7", &[("name", "改名"), ("category", "car"), ("tagline", "")]),
        ];
        for (path, fields) in posts {
            let mut fields = fields.to_vec();
            fields.push(("csrf", csrf.as_str()));
            let refused = app.form(path, cookie, &fields).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
            assert!(refused.html.contains("data-error-code=\"forbidden\""), "{path}: {}", refused.html);
        }
        // The menu offers settings, not the catalog.
        let home = app.get("/", Some(cookie), "zh-CN").await;
        assert!(home.html.contains("href=\"/settings\"") && !home.html.contains("href=\"/admin/catalog\""));
    }
    assert_eq!(app.store.list_categories().await.unwrap().len(), 1);
    assert_eq!(app.store.list_products().await.unwrap().len(), 1);
    assert_eq!(app.store.product_by_slug("xiaomi-su7").await.unwrap().unwrap().name, "小米 SU7");

    let anon = app.get("/admin/catalog", None, "zh-CN").await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    assert_eq!(anon.location.as_deref(), Some("/login?next=%2Fadmin%2Fcatalog"));

    let home = app.get("/", Some(&staff), "zh-CN").await;
    assert!(home.html.contains("href=\"/admin/catalog\" data-testid=\"menu-catalog\""));
}

#[tokio::test]
async fn staff_create_a_category_and_a_product_that_appear_on_the_home_page() {
    let app = App::new().await;
    let (_, staff) = app.user("staff_cat", Role::Staff).await;
    let page = app.get("/admin/catalog", Some(&staff), "zh-CN").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("data-testid=\"catalog-product\" data-slug=\"xiaomi-su7\""));
    assert!(page.html.contains("data-testid=\"catalog-category\" data-slug=\"car\""));
    let csrf = page.csrf();

    let made = app
        .form(
            "/admin/catalog/categories",
            &staff,
            &[("csrf", &csrf), ("slug", "wearable"), ("name_zh", "穿戴"), ("name_en", "Wearables")],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    assert_eq!(made.location.as_deref(), Some("/admin/catalog?done=category_created"));
    let back = app.get("/admin/catalog?done=category_created", Some(&staff), "zh-CN").await;
    assert_eq!(back.testid("notice").as_deref(), Some("✓ 品类已创建。"));
    assert!(back.html.contains("<option value=\"wearable\">穿戴 (wearable)</option>"));

    let made = app
        .form(
            "/admin/catalog/products",
            &staff,
            &[
                ("csrf", &csrf),
                ("slug", "xiaomi-watch-s4"),
                ("name", "小米手表 S4"),
                ("category", "wearable"),
                ("tagline", "<b>百变</b>表圈"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let to = made.location.expect("location");
    assert_eq!(to, "/admin/catalog?done=product_created&slug=xiaomi-watch-s4");
    let back = app.get(&to, Some(&staff), "zh-CN").await;
    assert!(back.html.contains("产品已创建。"));
    assert!(
        back.html.contains("href=\"/products/xiaomi-watch-s4\">查看版块：小米手表 S4 →</a>"),
        "{}",
        back.html
    );

    // On the home page at once (the cache was cleared), in both languages, escaped.
    let home = app.get("/", None, "zh-CN").await;
    assert!(home.html.contains("data-category=\"wearable\"") && home.html.contains(">穿戴</h3>"));
    assert!(home.html.contains("小米手表 S4") && home.html.contains(&esc("<b>百变</b>表圈")));
    assert!(!home.html.contains("<b>百变"));
    assert!(app.get("/", None, "en").await.html.contains(">Wearables</h3>"));
    assert_eq!(app.get("/products/xiaomi-watch-s4", None, "zh-CN").await.status, StatusCode::OK);

    // Editing: the form shows the stored values; saving changes them.
    let edit = app.get("/admin/catalog/products/xiaomi-watch-s4", Some(&staff), "zh-CN").await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.html.contains("value=\"小米手表 S4\"") && edit.html.contains(&esc("<b>百变</b>表圈")));
    assert!(edit.html.contains("<option value=\"wearable\" selected>"));
    let saved = app
        .form(
            "/admin/catalog/products/xiaomi-watch-s4",
            &staff,
            &[("csrf", &csrf), ("name", "小米手表 S4 Sport"), ("category", "car"), ("tagline", "")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.location.as_deref(), Some("/admin/catalog?done=product_updated&slug=xiaomi-watch-s4"));
    let p = app.store.product_by_slug("xiaomi-watch-s4").await.unwrap().unwrap();
    assert_eq!(
        (p.name.as_str(), p.category_slug.as_str(), p.tagline.as_str()),
        ("小米手表 S4 Sport", "car", "")
    );
    let home = app.get("/", None, "zh-CN").await;
    assert!(home.html.contains("小米手表 S4 Sport"));

    let en = app.get("/admin/catalog?done=product_updated&slug=xiaomi-watch-s4", Some(&staff), "en").await;
    assert!(en.html.contains("Product updated.") && en.html.contains("Product catalog"));
    assert!(en.html.contains("<option value=\"car\">Cars (car)</option>"));
    assert_eq!(
        app.get("/admin/catalog/products/nope", Some(&staff), "zh-CN").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn invalid_catalog_input_comes_back_with_the_reason_and_changes_nothing() {
    let app = App::new().await;
    let (staff_user, staff) = app.user("staff_bad", Role::Staff).await;
    let csrf = app.csrf(&staff).await;

    let refused = app
        .form(
            "/admin/catalog/products",
            &staff,
            &[
                ("csrf", &csrf),
                ("slug", "Xiaomi 15!"),
                ("name", "小米 15 <i>"),
                ("category", "car"),
                ("tagline", "徕卡光学"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("标识须为 2 到 40 位小写字母、数字或连字符。"), "{}", refused.html);
    assert!(refused.html.contains("value=\"Xiaomi 15!\"") && refused.html.contains(&esc("小米 15 <i>")));
    assert!(
        refused.html.contains("value=\"徕卡光学\"")
            && refused.html.contains("<option value=\"car\" selected>")
    );
    assert_eq!(app.store.list_products().await.unwrap().len(), 1);

    let refused = app
        .form(
            "/admin/catalog/categories",
            &staff,
            &[("csrf", &csrf), ("slug", "智能家居"), ("name_zh", "智能家居"), ("name_en", "Smart home")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("标识须为 2 到 40 位小写字母、数字或连字符。"));
    assert!(refused.html.contains("value=\"Smart home\""));
    assert_eq!(app.store.list_categories().await.unwrap().len(), 1);

    // A slug in use: 409, with the reason.
    let taken = app
        .form(
            "/admin/catalog/products",
            &staff,
            &[("csrf", &csrf), ("slug", "xiaomi-su7"), ("name", "又一个"), ("category", "car")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.html.contains("该标识已被使用。"));

    // Staff who do not run the product may not edit it (issue #17): refused, unchanged.
    let refused = app
        .form(
            "/admin/catalog/products/xiaomi-su7",
            &staff,
            &[("csrf", &csrf), ("name", "被改名"), ("category", "car"), ("tagline", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.html);
    let su7 = app.store.product_by_slug("xiaomi-su7").await.unwrap().unwrap();
    assert_eq!(su7.name, "小米 SU7");
    // Once made one of its managers, the same staff member may.
    app.store.add_product_manager(su7.id, staff_user.id).await.unwrap();

    // The tagline is named as the culprit, not the name.
    let long = "长".repeat(141);
    let refused = app
        .form(
            "/admin/catalog/products/xiaomi-su7",
            &staff,
            &[("csrf", &csrf), ("name", "小米 SU7 Ultra"), ("category", "car"), ("tagline", &long)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("一句话介绍最多 140 字"), "{}", refused.html);
    assert!(refused.html.contains("value=\"小米 SU7 Ultra\""));
    let refused = app
        .form(
            "/admin/catalog/products/xiaomi-su7",
            &staff,
            &[("csrf", &csrf), ("name", "  "), ("category", "boat"), ("tagline", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("名称须为 1 到 60 个字。"));
    let refused = app
        .form(
            "/admin/catalog/products/xiaomi-su7",
            &staff,
            &[("csrf", &csrf), ("name", "小米 SU7"), ("category", "boat"), ("tagline", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("没有这个品类。"));
    let p = app.store.product_by_slug("xiaomi-su7").await.unwrap().unwrap();
    assert_eq!((p.name.as_str(), p.tagline.as_str()), ("小米 SU7", "C 级高性能生态科技轿车"));
}

#[tokio::test]
async fn a_fan_edits_their_bio_and_the_profile_shows_it_escaped() {
    let app = App::new().await;
    let (fan, cookie) = app.user("bio_fan", Role::Fan).await;
    let page = app.get("/settings", Some(&cookie), "zh-CN").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("data-testid=\"bio-form\"") && page.html.contains("href=\"/users/bio_fan\""));
    let csrf = page.csrf();

    // Browsers send textarea line breaks as CRLF.
    let bio = "<script>alert(1)</script>米粉\r\n第二行";
    let saved = app.form("/settings/bio", &cookie, &[("csrf", &csrf), ("bio", bio)]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.location.as_deref(), Some("/settings?done=bio_saved"));
    let stored = app.store.user_by_id(fan.id).await.unwrap().unwrap().bio;
    assert_eq!(stored, "<script>alert(1)</script>米粉\n第二行");

    let profile = app.get("/users/bio_fan", None, "zh-CN").await;
    assert!(profile.html.contains(&esc("<script>alert(1)</script>米粉\n第二行")), "{}", profile.html);
    assert!(!profile.html.contains("<script>alert"));
    let settings = app.get("/settings?done=bio_saved", Some(&cookie), "zh-CN").await;
    assert_eq!(settings.testid("notice").as_deref(), Some("✓ 简介已保存。"));
    assert!(settings.html.contains(&format!("{}</textarea>", esc(&stored))));

    // Too long: refused with the reason, what was typed kept, nothing changed.
    let long = "长".repeat(301);
    let refused = app.form("/settings/bio", &cookie, &[("csrf", &csrf), ("bio", &long)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("简介最多 300 字"));
    assert!(refused.html.contains(&format!("{long}</textarea>")));
    assert_eq!(app.store.user_by_id(fan.id).await.unwrap().unwrap().bio, stored);
    // 300 characters are fine.
    let ok = app.form("/settings/bio", &cookie, &[("csrf", &csrf), ("bio", &"长".repeat(300))]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);

    // Without the CSRF token nothing happens; signed out, the page asks to sign in.
    let forged = app.form("/settings/bio", &cookie, &[("bio", "hacked")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let anon = app.get("/settings", None, "zh-CN").await;
    assert_eq!(anon.location.as_deref(), Some("/login?next=%2Fsettings"));
}

#[tokio::test]
async fn a_token_secret_is_shown_once_works_as_bearer_and_stops_when_revoked() {
    let app = App::new().await;
    let (fan, cookie) = app.user("token_fan", Role::Fan).await;
    let (_, other_cookie) = app.user("other_fan", Role::Fan).await;
    let csrf = app.csrf(&cookie).await;
    assert!(app.get("/settings", Some(&cookie), "zh-CN").await.html.contains("还没有访问令牌。"));

    let empty = app.form("/settings/tokens", &cookie, &[("csrf", &csrf), ("name", "  ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.html.contains("名称须为 1 到 60 个字。"));
    assert!(app.store.list_api_tokens(fan.id).await.unwrap().is_empty());

    let created = app.form("/settings/tokens", &cookie, &[("csrf", &csrf), ("name", "CI <机器人>")]).await;
    assert_eq!(created.status, StatusCode::OK);
    let secret = created.testid("token-secret").expect("secret shown");
    assert!(secret.starts_with("cy_") && secret.len() > 40, "{secret}");
    assert!(created.html.contains("请现在复制并妥善保存"));
    assert!(created.html.contains(&esc("CI <机器人>")) && !created.html.contains("CI <机器人>"));
    let tokens = app.store.list_api_tokens(fan.id).await.unwrap();
    assert_eq!(tokens.len(), 1);
    let id = tokens[0].id;
    assert!(created.html.contains(&format!("data-token-id=\"{id}\" data-state=\"active\"")));

    // Never again: the listing has the record, not the secret.
    let later = app.get("/settings", Some(&cookie), "zh-CN").await;
    assert!(!later.html.contains(&secret) && !later.html.contains("data-testid=\"token-secret\""));
    assert!(later.html.contains(&format!("data-token-id=\"{id}\" data-state=\"active\"")));
    assert!(later.html.contains("从未使用"));

    let me = app.bearer_get("/api/v1/me", &secret).await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(me.html.contains("\"handle\":\"token_fan\""), "{}", me.html);
    // Uses are buffered and written every few seconds; write them now.
    app.state.flush_token_uses().await;
    assert!(!app.get("/settings", Some(&cookie), "zh-CN").await.html.contains("从未使用"), "last use shown");

    // Someone else cannot revoke it.
    let other_csrf = app.csrf(&other_cookie).await;
    let refused =
        app.form(&format!("/settings/tokens/{id}/revoke"), &other_cookie, &[("csrf", &other_csrf)]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(refused.html.contains("没有这个访问令牌。"));
    assert_eq!(app.bearer_get("/api/v1/me", &secret).await.status, StatusCode::OK);

    let revoked = app.form(&format!("/settings/tokens/{id}/revoke"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(revoked.location.as_deref(), Some("/settings?done=token_revoked"));
    let me = app.bearer_get("/api/v1/me", &secret).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert!(me.html.contains("token_invalid"));
    let page = app.get("/settings?done=token_revoked", Some(&cookie), "zh-CN").await;
    assert!(page.html.contains(&format!("data-token-id=\"{id}\" data-state=\"revoked\"")));
    assert!(page.html.contains("令牌已撤销") && !page.html.contains("data-testid=\"token-revoke\""));
}
