//! 口碑 pages through the whole router: the link remembers its referrer, the sign-up form
//! makes the invitee, the fan's page lists them, staff alone review, and the poster carries
//! the handle and a QR code.

use super::tests::App;
use axum::http::StatusCode;
use canyu_core::Role;

/// `name=value` pairs of a response's `Set-Cookie`s, for the next request's `Cookie`.
fn cookie_header(set: &[String], extra: &str) -> String {
    set.iter().filter_map(|c| c.split(';').next()).chain([extra]).collect::<Vec<_>>().join("; ")
}

#[tokio::test]
async fn a_referral_link_leads_to_a_sign_up_the_referrer_sees() {
    let app = App::new().await;
    let (referrer, referrer_cookie) = app.user("口碑达人", Role::Fan).await;
    let code = canyu_app::referrals::code_of(&app.state, referrer.id).await.expect("code");

    assert_eq!(app.get("/r/ZZZZ2222", None, "zh-CN").await.status, StatusCode::NOT_FOUND);
    let landing = app.get(&format!("/r/{}", code.to_lowercase()), None, "zh-CN").await;
    assert_eq!(landing.status, StatusCode::OK);
    assert!(landing.html.contains("@口碑达人 邀请你加入"), "{}", landing.html);
    assert!(
        landing
            .cookies
            .iter()
            .any(|c| c.starts_with(&format!("canyu_ref={code};")) && c.contains("Max-Age=2592000"))
    );
    assert!(landing.cookies.iter().any(|c| c.starts_with("canyu_device=")));

    // The sign-up form names the referrer and makes the invitee.
    let cookie = cookie_header(&landing.cookies, "");
    let form = app.get("/register", Some(&cookie), "zh-CN").await;
    assert_eq!(form.testid("invited-by").map(|t| t.contains("@口碑达人")), Some(true));
    let cookie = cookie_header(&[landing.cookies.clone(), form.cookies.clone()].concat(), "");
    let done = app
        .form(
            "/register",
            &cookie,
            &[("csrf", &form.csrf()), ("handle", "新米粉"), ("password", "orange-umbrella-2026-米粉")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert!(done.cookies.iter().any(|c| c.starts_with("canyu_ref=;") && c.contains("Max-Age=0")));
    let invitee = app.store.user_by_handle("新米粉").await.expect("read").expect("made").user;
    let referral = app.store.referral_of_invitee(invitee.id).await.expect("read").expect("referred");
    assert_eq!((referral.referrer_id, referral.status.as_str()), (referrer.id, "pending"));

    let mine = app.get("/me/referral", Some(&referrer_cookie), "zh-CN").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.html.contains("data-handle=\"新米粉\"") && mine.html.contains("待达标"));
    assert_eq!(mine.testid("referral-invited").as_deref(), Some("1"));
    assert_eq!(app.get("/me/referral", None, "zh-CN").await.status, StatusCode::SEE_OTHER);

    // The poster: an SVG with the handle, Chinese text and the QR code's modules.
    let poster = app.get(&format!("/r/{code}/poster.svg"), None, "zh-CN").await;
    assert_eq!(poster.status, StatusCode::OK);
    assert!(
        poster.html.starts_with("<svg")
            && poster.html.contains("@口碑达人")
            && poster.html.contains("<path d=\"M")
    );
    assert!(poster.html.contains(&format!("/r/{code}</text>")));

    // Staff alone review; a fan is refused.
    assert_eq!(
        app.get("/admin/referrals", Some(&referrer_cookie), "zh-CN").await.status,
        StatusCode::FORBIDDEN
    );
    let (_, staff) = app.user("reviewer", Role::Staff).await;
    let admin = app.get("/admin/referrals?fan=口碑达人", Some(&staff), "zh-CN").await;
    assert_eq!(admin.status, StatusCode::OK);
    assert!(admin.html.contains("邀请管理") && admin.html.contains("data-testid=\"referral-tree\""));
    let csrf = app.csrf(&staff).await;
    let refused = app
        .form(
            &format!("/admin/referrals/{}/reject", referral.id),
            &staff,
            &[("csrf", &csrf), ("note", "刷号")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "a pending referral is not the queue's to decide");
    assert!(refused.html.contains("已经处理过了"));
    let kept = app.store.referral(referral.id).await.expect("read").expect("kept");
    assert_eq!(kept.status.as_str(), "pending");
}
