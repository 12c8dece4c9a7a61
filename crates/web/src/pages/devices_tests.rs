//! `/devices` and the owner chips on the board, through the whole router (CSRF, error pages),
//! without a browser. Helpers come from `tests.rs`.

use super::tests::App;
use axum::http::StatusCode;
use canyu_core::Role;

#[tokio::test]
async fn a_fan_binds_a_device_and_their_words_on_its_board_carry_an_owner_chip() {
    let app = App::new().await;
    let (owner, cookie) = app.user("su7_owner", Role::Fan).await;
    let (visitor, other) = app.user("su7_visitor", Role::Fan).await;
    let csrf = app.csrf(&cookie).await;

    let page = app.get("/devices", Some(&cookie), "zh-CN").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("还没有绑定设备。") && page.html.contains("<option value=\"xiaomi-su7\""));
    assert_eq!(app.get("/devices", None, "zh-CN").await.status, StatusCode::SEE_OTHER);

    // Refused input comes back with the reason and what was typed; nothing is bound.
    let bad = app
        .form(
            "/devices",
            &cookie,
            &[("csrf", &csrf), ("product", "xiaomi-su7"), ("serial", "序列号"), ("purchased_on", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("data-testid=\"form-error\"") && bad.html.contains("value=\"序列号\""));
    let future = app
        .form(
            "/devices",
            &cookie,
            &[
                ("csrf", &csrf),
                ("product", "xiaomi-su7"),
                ("serial", "SU7-0001"),
                ("purchased_on", "2099-01-01"),
            ],
        )
        .await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(future.html.contains("购买日期"));
    assert!(app.store.devices_of(owner.id).await.unwrap().is_empty());

    let made = app
        .form(
            "/devices",
            &cookie,
            &[
                ("csrf", &csrf),
                ("product", "xiaomi-su7"),
                ("serial", "su7 0001"),
                ("purchased_on", "2026-04-01"),
            ],
        )
        .await;
    assert_eq!(made.location.as_deref(), Some("/devices?done=claimed"));
    let page = app.get("/devices?done=claimed", Some(&cookie), "zh-CN").await;
    assert_eq!(page.testid("notice").as_deref(), Some("✓ 已绑定。"));
    assert_eq!(page.testid("device-serial").as_deref(), Some("SU70001"));
    let again = app
        .form(
            "/devices",
            &cookie,
            &[("csrf", &csrf), ("product", "xiaomi-su7"), ("serial", "SU70001"), ("purchased_on", "")],
        )
        .await;
    assert_eq!(again.location.as_deref(), Some("/devices?done=already"));
    let profile = app.get("/users/su7_owner", None, "zh-CN").await;
    assert!(profile.html.contains("<span class=\"badge badge-owner\">汽车</span>"), "{}", profile.html);
    assert!(!profile.html.contains("ecosystem-badge"), "a car alone is not the whole ecosystem");
    let other_csrf = app.csrf(&other).await;
    let taken = app
        .form(
            "/devices",
            &other,
            &[("csrf", &other_csrf), ("product", "xiaomi-su7"), ("serial", "SU70001"), ("purchased_on", "")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.html.contains("这个序列号已经绑定在一位米粉名下。"));

    // The owner's post and comment carry the chip on the board and the post's page; the
    // visitor's do not, and the serial never shows.
    let owned = app.post(&owner, "希望增加哨兵模式录像导出", "提车后最想要的功能").await;
    let asked = app.post(&visitor, "想了解冬季续航", "还没买").await;
    let auth = canyu_app::accounts::Auth { user: owner.clone(), via: canyu_app::accounts::AuthVia::Token };
    canyu_app::board::vote(&app.state, &auth, asked).await.unwrap();
    let board = app.get("/products/xiaomi-su7", None, "zh-CN").await;
    assert_eq!(board.html.matches("data-testid=\"owner-chip\"").count(), 1, "{}", board.html);
    assert!(board.html.contains(">车主 · 不到 1 个月</span>"));
    assert!(!board.html.contains("SU70001"));
    let only = app.get("/products/xiaomi-su7?owners=1", None, "zh-CN").await;
    assert!(only.html.contains("希望增加哨兵模式录像导出") && !only.html.contains("想了解冬季续航"));
    assert!(only.html.contains("aria-current=\"true\" data-testid=\"owners-filter\">只看车主</a>"));
    let post = app.get(&format!("/posts/{owned}"), None, "zh-CN").await;
    assert!(post.html.contains("data-testid=\"owner-chip\""));
    let post = app.get(&format!("/posts/{asked}"), None, "en").await;
    assert!(!post.html.contains("data-testid=\"owner-chip\""));
    assert_eq!(post.testid("owner-voters").as_deref(), Some("1 voter owns it"));

    // Releasing: naming oneself is refused beside that device; releasing empties the list.
    let device = app.store.devices_of(owner.id).await.unwrap()[0].id;
    let path = format!("/devices/{device}/release");
    let refused = app.form(&path, &cookie, &[("csrf", &csrf), ("next_owner", "su7_owner")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("data-testid=\"release-error\""));
    let not_theirs = app.form(&path, &other, &[("csrf", &other_csrf), ("next_owner", "")]).await;
    assert_eq!(not_theirs.status, StatusCode::NOT_FOUND);
    let done = app.form(&path, &cookie, &[("csrf", &csrf), ("next_owner", "su7_visitor")]).await;
    assert_eq!(done.location.as_deref(), Some("/devices?done=released"));
    assert!(app.store.devices_of(owner.id).await.unwrap().is_empty());
    let board = app.get("/products/xiaomi-su7", None, "zh-CN").await;
    assert!(!board.html.contains("data-testid=\"owner-chip\""), "no longer an owner");
}

#[tokio::test]
async fn staff_set_a_products_serial_format_on_its_catalog_page() {
    let app = App::new().await;
    let (_, admin) = app.user("catalog_admin", Role::Admin).await;
    let (_, fan) = app.user("serial_fan", Role::Fan).await;
    let csrf = app.csrf(&admin).await;
    let path = "/admin/catalog/products/xiaomi-su7/serial-pattern";

    let bad = app.form(path, &admin, &[("csrf", &csrf), ("pattern", "##")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.testid("serial-error").is_some() && bad.html.contains("value=\"##\""),
        "the typed format stays"
    );
    assert_eq!(app.store.serial_pattern(1).await.unwrap(), None, "nothing was saved");

    let saved = app.form(path, &admin, &[("csrf", &csrf), ("pattern", "su7-########")]).await;
    assert_eq!(saved.location.as_deref(), Some("/admin/catalog/products/xiaomi-su7?done=serial"));
    let page = app.get("/admin/catalog/products/xiaomi-su7?done=serial", Some(&admin), "zh-CN").await;
    assert!(page.html.contains("value=\"SU7-########\"") && page.html.contains("序列号格式已保存"));

    let fan_csrf = app.csrf(&fan).await;
    let refused = app.form(path, &fan, &[("csrf", &fan_csrf), ("pattern", "")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store.serial_pattern(1).await.unwrap().as_deref(), Some("SU7-########"));
}
