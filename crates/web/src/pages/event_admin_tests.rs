//! `/events/new` and `/admin/clubs` through the whole router (middleware, CSRF, error pages),
//! without a browser. Helpers come from `tests.rs`.

use super::tests::App;
use axum::http::StatusCode;
use canyu_core::Role;

/// The event form's fields, times as a `datetime-local` input sends them.
fn event_fields<'a>(csrf: &'a str, club: &'a str, title: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("title", title),
        ("kind", "meetup"),
        ("club", club),
        ("city", "成都"),
        ("venue", "小米之家 成都太古里店"),
        ("time_zone", "Asia/Shanghai"),
        ("starts_at", "2030-06-20T19:00"),
        ("ends_at", "2030-06-20T21:30"),
        ("rsvp_opens_at", "2030-06-01T10:00"),
        ("rsvp_closes_at", "2030-06-19T22:00"),
        ("capacity", "40"),
        ("max_guests", "1"),
        ("priority_min_level", "3"),
        ("priority_hours", "12"),
        ("offer_hours", "24"),
        ("description", "聊聊 HyperOS 新版本"),
    ]
}

async fn events_count(app: &App) -> usize {
    app.store.upcoming_events(0, None, None, None, 1000).await.expect("events").len()
}

#[tokio::test]
async fn staff_run_clubs_and_organisers_create_their_clubs_events_from_a_phone_form() {
    let app = App::new().await;
    let (_, staff) = app.user("staff_clubs", Role::Staff).await;
    let (_, organiser) = app.user("chengdu_mi", Role::Fan).await;
    let (_, fan) = app.user("plain_fan", Role::Fan).await;
    let csrf = app.csrf(&staff).await;

    // Staff create a club; the page lists it with a link to its events form.
    let made = app
        .form("/admin/clubs", &staff, &[("csrf", &csrf), ("city", "成都"), ("name", "成都米粉同城会")])
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let to = made.location.expect("location");
    assert!(to.starts_with("/admin/clubs?done=club_created#club-"), "{to}");
    let club = to.rsplit('-').next().expect("id").to_string();
    let page = app.get(&to, Some(&staff), "zh-CN").await;
    assert_eq!(page.testid("notice").as_deref(), Some("✓ 同城会已创建。"));
    assert!(page.html.contains("成都米粉同城会") && page.html.contains("还没有组织者"));

    // The same name in the same city is refused, with the form kept.
    let again = app
        .form("/admin/clubs", &staff, &[("csrf", &csrf), ("city", "成都"), ("name", "成都米粉同城会")])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.html.contains("data-testid=\"form-error\""), "{}", again.html);

    // Appointing someone who does not exist says so next to that club; nothing changes.
    let path = format!("/admin/clubs/{club}/organisers");
    let nobody = app.form(&path, &staff, &[("csrf", &csrf), ("handle", "no_such_fan")]).await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
    assert!(
        nobody.html.contains("data-testid=\"organiser-error\"")
            && nobody.html.contains("value=\"no_such_fan\"")
    );
    let appointed = app.form(&path, &staff, &[("csrf", &csrf), ("handle", "@chengdu_mi")]).await;
    assert_eq!(appointed.status, StatusCode::SEE_OTHER);
    let page = app.get("/admin/clubs", Some(&staff), "zh-CN").await;
    assert!(page.html.contains("href=\"/users/chengdu_mi\""));

    // Fans cannot open or use the clubs' admin page, nor the event form.
    let fan_csrf = app.csrf(&fan).await;
    assert_eq!(app.get("/admin/clubs", Some(&fan), "zh-CN").await.status, StatusCode::FORBIDDEN);
    let refused = app.form(&path, &fan, &[("csrf", &fan_csrf), ("handle", "plain_fan")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/events/new", Some(&fan), "zh-CN").await.status, StatusCode::FORBIDDEN);
    let refused = app.form("/events/new", &fan, &event_fields(&fan_csrf, &club, "路人发起")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!app.get("/events", Some(&fan), "zh-CN").await.html.contains("data-testid=\"new-event\""));
    assert_eq!(events_count(&app).await, 0);

    // The organiser is offered the form, with their one club chosen and no "no club" option.
    let list = app.get("/events", Some(&organiser), "zh-CN").await;
    assert!(list.html.contains("data-testid=\"new-event\""));
    let form = app.get("/events/new", Some(&organiser), "zh-CN").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains(&format!("<option value=\"{club}\" selected>成都 · 成都米粉同城会</option>")));
    assert!(!form.html.contains("不属于同城会"));
    assert!(form.html.contains("<option value=\"Asia/Shanghai\" selected>北京时间 · Asia/Shanghai</option>"));
    let org_csrf = form.csrf();

    // Bad input comes back with the reason and what was typed; nothing is created.
    let mut bad = event_fields(&org_csrf, &club, "成都同城会 · 六月");
    bad.retain(|(k, _)| *k != "ends_at");
    bad.push(("ends_at", "2030-06-20T18:00"));
    let refused = app.form("/events/new", &organiser, &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("data-testid=\"form-error\"")
            && refused.html.contains("value=\"2030-06-20T18:00\"")
    );
    let mut words = event_fields(&org_csrf, &club, "成都同城会 · 六月");
    words.retain(|(k, _)| *k != "capacity");
    words.push(("capacity", "四十"));
    let refused = app.form("/events/new", &organiser, &words).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("请填写整数。"));
    // Another club's event, or an official one, is not theirs to create.
    let refused = app.form("/events/new", &organiser, &event_fields(&org_csrf, "", "官方活动")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(events_count(&app).await, 0);

    // The form as sent creates the event, its times read in the venue's zone.
    let made =
        app.form("/events/new", &organiser, &event_fields(&org_csrf, &club, "成都同城会 · 六月")).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    let id: i64 = made.location.expect("location").trim_start_matches("/events/").parse().expect("id");
    let event = app.store.event(id).await.expect("db").expect("event");
    assert_eq!(event.starts_at, canyu_core::time::parse_rfc3339("2030-06-20T19:00:00+08:00").expect("time"));
    assert_eq!(event.club_id, Some(club.parse::<i64>().expect("club id")));
    assert_eq!((event.capacity, event.max_guests, event.priority_min_level), (40, 1, Some(3)));
    assert_eq!(event.rsvp_opens_at - event.priority_opens_at(), 12 * 3_600_000);
    let shown = app.get(&format!("/events/{id}"), Some(&organiser), "zh-CN").await;
    assert!(shown.html.contains("2030-06-20 19:00"), "the page shows the venue's wall clock");

    // Staff may create an official event in another zone; its times are that zone's.
    let mut paris = event_fields(&csrf, "", "Xiaomi Fan Festival Paris");
    paris.retain(|(k, _)| *k != "time_zone" && *k != "kind");
    paris.extend([("time_zone", "Europe/Paris"), ("kind", "festival")]);
    let made = app.form("/events/new", &staff, &paris).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    let id: i64 = made.location.expect("location").trim_start_matches("/events/").parse().expect("id");
    let event = app.store.event(id).await.expect("db").expect("event");
    assert_eq!(event.starts_at, canyu_core::time::parse_rfc3339("2030-06-20T19:00:00+02:00").expect("time"));
    assert_eq!(
        (event.club_id, event.kind.as_str(), event.time_zone.as_str()),
        (None, "festival", "Europe/Paris")
    );

    // Dismissed, the organiser loses the form.
    let dismissed = app
        .form(
            &format!("/admin/clubs/{club}/organisers/dismiss"),
            &staff,
            &[("csrf", &csrf), ("handle", "chengdu_mi")],
        )
        .await;
    assert_eq!(dismissed.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/events/new", Some(&organiser), "zh-CN").await.status, StatusCode::FORBIDDEN);
    let english = app.get("/admin/clubs", Some(&staff), "en").await;
    assert!(english.html.contains("No organisers yet"));
}
