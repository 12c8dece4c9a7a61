//! Fan events over HTTP on both backends: places never pass capacity under real concurrency
//! and through two nodes, the waitlist in arrival order, offers that pass on, the priority
//! window, attendance prompts and no-shows, signed tickets and check-in, city clubs.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use common::{TestApp, backends, error_code, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;

const HOUR: i64 = 3_600_000;

fn at(offset: i64) -> String {
    canyu_core::time::rfc3339(canyu_app::now_millis() + offset)
}

/// An event whose sign-up is open now and that starts in `starts_in`.
fn event_body(title: &str, capacity: i64, starts_in: i64) -> Value {
    json!({
        "title": title,
        "kind": "meetup",
        "city": "北京",
        "venue": "小米科技园",
        "starts_at": at(starts_in),
        "ends_at": at(starts_in + 3 * HOUR),
        "capacity": capacity,
        "rsvp_opens_at": at(-HOUR),
        "rsvp_closes_at": at(starts_in - HOUR),
        "max_guests": 2,
    })
}

async fn create_event(app: &TestApp, token: &str, body: Value) -> i64 {
    let (s, b) = app.post("/api/v1/events", Some(token), body).await;
    assert_eq!(s, 201, "{b}");
    b["id"].as_i64().unwrap()
}

async fn rsvp(app: &TestApp, token: &str, event: i64, guests: i64) -> (u16, Value) {
    app.post(&format!("/api/v1/events/{event}/rsvps"), Some(token), json!({"guests": guests})).await
}

async fn fans(app: &TestApp, prefix: &str, n: usize) -> Vec<String> {
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        tokens.push(app.register(&format!("{prefix}{i}")).await);
    }
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_fans_for_a_hundred_places_through_two_nodes() {
    for backend in backends() {
        let app = Arc::new(spawn_app(backend).await);
        let other = Arc::new(app.another_node().await);
        let staff = app.user_with_role("event_staff", canyu_core::Role::Staff).await;
        let event = create_event(&app, &staff, event_body("米粉节 北京站", 100, 72 * HOUR)).await;
        let tokens = fans(&app, "festival_fan_", 1000).await;

        let barrier = Arc::new(tokio::sync::Barrier::new(tokens.len()));
        let mut tasks = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            let node = if i % 2 == 0 { app.clone() } else { other.clone() };
            let (token, barrier) = (token.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                node.call(Method::POST, &format!("/api/v1/events/{event}/rsvps"), Some(&token), None).await
            }));
        }
        let mut confirmed = 0;
        let mut waiting: BTreeMap<i64, i64> = BTreeMap::new();
        for t in tasks {
            let (status, body) = t.await.unwrap();
            assert_eq!(status, 201, "{backend:?}: {body}");
            match body["status"].as_str().unwrap() {
                "confirmed" => {
                    confirmed += 1;
                    assert!(body["ticket"].as_str().unwrap().starts_with("CY1."));
                }
                "waitlisted" => {
                    waiting.insert(body["id"].as_i64().unwrap(), body["position"].as_i64().unwrap());
                }
                other => panic!("{other}"),
            }
        }
        assert_eq!(confirmed, 100, "{backend:?}");
        assert_eq!(waiting.len(), 900, "{backend:?}");
        // Arrival order is the order of the rows: positions 1…900 in that order.
        let positions: Vec<i64> = waiting.values().copied().collect();
        assert_eq!(positions, (1..=900).collect::<Vec<_>>(), "{backend:?}");
        let (_, shown) = other.get(&format!("/api/v1/events/{event}"), None).await;
        assert_eq!((shown["confirmed"].as_i64(), shown["waitlisted"].as_i64()), (Some(100), Some(900)));
        assert_eq!(shown["free"], 0);

        // Asking again answers with the same place, 200.
        let (s, again) = rsvp(&app, &tokens[0], event, 0).await;
        assert_eq!(s, 200, "{again}");

        // Ten confirmed fans cancel at once, through both nodes: exactly ten offers, to the
        // first ten on the waitlist.
        let mut confirmed_tokens = Vec::new();
        for token in &tokens {
            let (_, me) = app.get(&format!("/api/v1/events/{event}/rsvps/me"), Some(token)).await;
            if me["status"] == "confirmed" {
                confirmed_tokens.push(token.clone());
            }
            if confirmed_tokens.len() == 10 {
                break;
            }
        }
        let mut cancels = Vec::new();
        for (i, token) in confirmed_tokens.iter().enumerate() {
            let node = if i % 2 == 0 { app.clone() } else { other.clone() };
            let token = token.clone();
            cancels.push(tokio::spawn(async move {
                node.call(Method::DELETE, &format!("/api/v1/events/{event}/rsvps/me"), Some(&token), None)
                    .await
            }));
        }
        for c in cancels {
            let (s, b) = c.await.unwrap();
            assert_eq!((s, b["status"].as_str()), (200, Some("cancelled")), "{b}");
        }
        let (_, shown) = app.get(&format!("/api/v1/events/{event}"), None).await;
        assert_eq!(
            (shown["confirmed"].as_i64(), shown["offered"].as_i64(), shown["waitlisted"].as_i64()),
            (Some(90), Some(10), Some(890)),
            "{backend:?}"
        );
        let (_, list) = app.get(&format!("/api/v1/events/{event}/rsvps"), Some(&staff)).await;
        let offered: Vec<i64> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "offered")
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        let first_ten: Vec<i64> = waiting.keys().copied().take(10).collect();
        assert_eq!(offered, first_ten, "{backend:?}: the head of the queue");
    }
}

#[tokio::test]
async fn a_party_fits_whole_or_waits_and_offers_pass_on() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.user_with_role("event_staff", canyu_core::Role::Staff).await;
        let event = create_event(&app, &staff, event_body("同城会 上海", 3, 72 * HOUR)).await;
        let t = fans(&app, "party_", 4).await;
        assert_eq!(rsvp(&app, &t[0], event, 0).await.1["status"], "confirmed");
        assert_eq!(rsvp(&app, &t[1], event, 1).await.1["status"], "confirmed");
        // Three people do not fit in the one place left: the party waits whole.
        let (_, party) = rsvp(&app, &t[2], event, 2).await;
        assert_eq!((party["status"].as_str(), party["position"].as_i64()), (Some("waitlisted"), Some(1)));
        let (_, single) = rsvp(&app, &t[3], event, 0).await;
        assert_eq!((single["status"].as_str(), single["position"].as_i64()), (Some("waitlisted"), Some(2)));
        let (_, shown) = app.get(&format!("/api/v1/events/{event}"), None).await;
        assert_eq!((shown["confirmed"].as_i64(), shown["free"].as_i64()), (Some(3), Some(0)));

        // One place frees: the first unit that fits is the single fan, not the party.
        let (s, _) =
            app.call(Method::DELETE, &format!("/api/v1/events/{event}/rsvps/me"), Some(&t[0]), None).await;
        assert_eq!(s, 200);
        let me = |i: usize| {
            let (app, token) = (&app, t[i].clone());
            async move { app.get(&format!("/api/v1/events/{event}/rsvps/me"), Some(&token)).await.1 }
        };
        assert_eq!(me(3).await["status"], "offered");
        assert_eq!(me(2).await["position"], 1);
        assert!(me(3).await.get("ticket").is_none(), "no ticket before the offer is accepted");
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&t[3])).await;
        assert!(inbox["items"].as_array().unwrap().iter().any(|n| n["kind"] == "event.offer"), "{inbox}");

        // A waitlisted fan has nothing to confirm.
        let (s, b) =
            app.post(&format!("/api/v1/events/{event}/rsvps/me/confirm"), Some(&t[2]), json!({})).await;
        assert_eq!((s, error_code(&b)), (409, "no_offer"));

        // The offer runs out unanswered: it passes on (nobody else fits) and the fan is told.
        app.clock_offset.store(25 * HOUR, Ordering::Relaxed);
        let round = canyu_app::events::run_jobs(&app.state).await.unwrap();
        assert_eq!(round.offers_expired, 1);
        assert_eq!(me(3).await["status"], "expired");
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&t[3])).await;
        assert!(inbox["items"].as_array().unwrap().iter().any(|n| n["kind"] == "event.offer_expired"));
        // Running again changes nothing.
        assert_eq!(canyu_app::events::run_jobs(&app.state).await.unwrap().offers_expired, 0);

        // The pair leaves: three places free, the party of three gets the offer and takes it.
        app.call(Method::DELETE, &format!("/api/v1/events/{event}/rsvps/me"), Some(&t[1]), None).await;
        assert_eq!(me(2).await["status"], "offered");
        let (s, b) =
            app.post(&format!("/api/v1/events/{event}/rsvps/me/confirm"), Some(&t[2]), json!({})).await;
        assert_eq!((s, b["status"].as_str()), (200, Some("confirmed")), "{b}");
        assert!(b["ticket"].as_str().unwrap().starts_with("CY1."));
        let (_, shown) = app.get(&format!("/api/v1/events/{event}"), None).await;
        assert_eq!((shown["confirmed"].as_i64(), shown["offered"].as_i64()), (Some(3), Some(0)));

        // The history says who changed what and why.
        let (_, list) = app.get(&format!("/api/v1/events/{event}/rsvps"), Some(&staff)).await;
        let reasons: HashSet<&str> =
            list["changes"].as_array().unwrap().iter().map(|c| c["reason"].as_str().unwrap()).collect();
        for reason in ["rsvp", "fan", "place_freed", "offer_expired", "offer_accepted"] {
            assert!(reasons.contains(reason), "{reason}: {list}");
        }
    }
}

#[tokio::test]
async fn the_priority_window_and_bad_input_change_nothing() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.user_with_role("event_staff", canyu_core::Role::Staff).await;
        let admin = app.user_with_role("event_admin", canyu_core::Role::Admin).await;
        let mut body = event_body("米粉节 优先", 10, 96 * HOUR);
        body["rsvp_opens_at"] = json!(at(HOUR));
        body["priority_min_level"] = json!(2);
        body["priority_hours"] = json!(24);
        let event = create_event(&app, &staff, body).await;
        let newcomer = app.register("newcomer").await;
        let regular = app.register("regular").await;
        let (s, b) = app
            .post("/api/v1/users/regular/points", Some(&admin), json!({"delta": 60, "note": "老粉"}))
            .await;
        assert_eq!(s, 200, "{b}");

        let (s, b) = rsvp(&app, &newcomer, event, 0).await;
        assert_eq!((s, error_code(&b)), (403, "not_eligible"));
        let (s, b) = rsvp(&app, &regular, event, 3).await;
        assert_eq!((s, error_code(&b)), (422, "too_many_guests"));
        let (s, b) = app.get(&format!("/api/v1/events/{event}/rsvps/me"), Some(&regular)).await;
        assert_eq!((s, error_code(&b)), (404, "rsvp_not_found"), "nothing was taken");
        let (s, b) = rsvp(&app, &regular, event, 1).await;
        assert_eq!((s, b["status"].as_str()), (201, Some("confirmed")), "{b}");
        let ticket = b["ticket"].as_str().unwrap().to_string();

        // Before any window, and after the close.
        let mut later = event_body("还没开始报名", 10, 96 * HOUR);
        later["rsvp_opens_at"] = json!(at(48 * HOUR));
        let later = create_event(&app, &staff, later).await;
        let (s, b) = rsvp(&app, &regular, later, 0).await;
        assert_eq!((s, error_code(&b)), (409, "rsvp_not_open"));

        // Bad events.
        let fan_made =
            app.post("/api/v1/events", Some(&newcomer), event_body("粉丝自建", 5, 72 * HOUR)).await;
        assert_eq!((fan_made.0, error_code(&fan_made.1)), (403, "forbidden"));
        let mut bad = event_body("时间倒了", 5, 72 * HOUR);
        bad["ends_at"] = json!(at(HOUR));
        let (s, b) = app.post("/api/v1/events", Some(&staff), bad).await;
        assert_eq!((s, error_code(&b)), (422, "invalid_event_times"));
        let mut bad = event_body("火星", 5, 72 * HOUR);
        bad["time_zone"] = json!("Mars/Olympus");
        let (s, b) = app.post("/api/v1/events", Some(&staff), bad).await;
        assert_eq!((s, error_code(&b)), (422, "invalid_time_zone"));

        // Tickets: a fan cannot check in; forged, altered and other events' tickets are refused.
        let checkin = |token: String, ticket: String, ev: i64, nonce: &'static str| {
            let app = &app;
            async move {
                app.post(
                    &format!("/api/v1/events/{ev}/checkins"),
                    Some(&token),
                    json!({"ticket": ticket, "nonce": nonce}),
                )
                .await
            }
        };
        let (s, b) = checkin(newcomer.clone(), ticket.clone(), event, "scan-0001").await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));
        let mut altered = ticket.clone().into_bytes();
        let i = altered.len() - 10;
        altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
        let (s, b) = checkin(staff.clone(), String::from_utf8(altered).unwrap(), event, "scan-0002").await;
        assert_eq!((s, error_code(&b)), (422, "invalid_ticket"));
        let (s, b) = checkin(staff.clone(), ticket.clone(), later, "scan-0003").await;
        assert_eq!((s, error_code(&b)), (422, "invalid_ticket"), "another event's ticket");
        let (_, points_before) = app.get("/api/v1/users/regular", None).await;

        let (s, b) = checkin(staff.clone(), ticket.clone(), event, "scan-0004").await;
        assert_eq!((s, b["handle"].as_str(), b["guests"].as_i64()), (200, Some("regular"), Some(1)), "{b}");
        // The same scan uploaded again counts once; another door's scan is a conflict.
        let (s, b) = checkin(staff.clone(), ticket.clone(), event, "scan-0004").await;
        assert_eq!((s, b["repeated"].as_bool()), (200, Some(true)));
        let (s, b) = checkin(staff.clone(), ticket.clone(), event, "scan-0005").await;
        assert_eq!((s, error_code(&b)), (409, "already_checked_in"));
        let (_, scans) = app.get(&format!("/api/v1/events/{event}/checkins"), Some(&staff)).await;
        let outcomes: Vec<&str> =
            scans["items"].as_array().unwrap().iter().map(|s| s["outcome"].as_str().unwrap()).collect();
        assert_eq!(outcomes, ["duplicate", "checked_in"], "{scans}");
        let (_, points_after) = app.get("/api/v1/users/regular", None).await;
        assert_eq!(
            points_after["points"].as_i64().unwrap() - points_before["points"].as_i64().unwrap(),
            canyu_core::points::Reason::EventAttended.points()
        );
        let (_, shown) = app.get(&format!("/api/v1/events/{event}"), None).await;
        assert_eq!(shown["checked_in"], 2, "the fan and a guest");

        // After the close nobody may take a place.
        app.clock_offset.store(96 * HOUR, Ordering::Relaxed);
        let (s, b) = rsvp(&app, &newcomer, event, 0).await;
        assert_eq!((s, error_code(&b)), (409, "rsvp_closed"));
    }
}

#[tokio::test]
async fn unconfirmed_places_go_to_the_waitlist_and_no_shows_are_recorded() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.user_with_role("event_staff", canyu_core::Role::Staff).await;
        let mut body = event_body("同城会 深圳", 2, 72 * HOUR);
        body["max_guests"] = json!(0);
        let event = create_event(&app, &staff, body).await;
        let t = fans(&app, "attendee_", 3).await;
        for token in &t {
            rsvp(&app, token, event, 0).await;
        }
        // 47 hours before the start: the two confirmed fans are asked.
        app.clock_offset.store(25 * HOUR, Ordering::Relaxed);
        let round = canyu_app::events::run_jobs(&app.state).await.unwrap();
        assert_eq!(round.attendance_asked, 2);
        assert_eq!(canyu_app::events::run_jobs(&app.state).await.unwrap().attendance_asked, 0, "once");
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&t[0])).await;
        assert!(inbox["items"].as_array().unwrap().iter().any(|n| n["kind"] == "event.confirm_attendance"));
        let (s, b) =
            app.post(&format!("/api/v1/events/{event}/rsvps/me/confirm"), Some(&t[0]), json!({})).await;
        assert!(s == 200 && b["attendance_confirmed_at"].is_string(), "{b}");

        // 23 hours before: the fan who did not answer loses the place to the waitlist.
        app.clock_offset.store(49 * HOUR, Ordering::Relaxed);
        let round = canyu_app::events::run_jobs(&app.state).await.unwrap();
        assert_eq!((round.places_released, round.offers_made), (1, 1));
        let (_, me1) = app.get(&format!("/api/v1/events/{event}/rsvps/me"), Some(&t[1])).await;
        assert_eq!(me1["status"], "released");
        let (s, b) =
            app.post(&format!("/api/v1/events/{event}/rsvps/me/confirm"), Some(&t[2]), json!({})).await;
        assert_eq!((s, b["status"].as_str()), (200, Some("confirmed")));
        assert!(b["attendance_confirmed_at"].is_string(), "taking a place this late is the answer");

        // The team removes a place: a reason is required, and recorded.
        let (_, list) = app.get(&format!("/api/v1/events/{event}/rsvps"), Some(&staff)).await;
        let rsvp0 =
            list["items"].as_array().unwrap().iter().find(|r| r["handle"] == "attendee_0").unwrap()["id"]
                .as_i64()
                .unwrap();
        let path = format!("/api/v1/events/{event}/rsvps/{rsvp0}/remove");
        let (s, b) = app.post(&path, Some(&staff), json!({"reason": "  "})).await;
        assert_eq!((s, error_code(&b)), (422, "change_reason_required"));
        let fan = app.post(&path, Some(&t[2]), json!({"reason": "不想让他来"})).await;
        assert_eq!((fan.0, error_code(&fan.1)), (403, "forbidden"));
        let (s, b) = app.post(&path, Some(&staff), json!({"reason": "重复报名，已电话确认"})).await;
        assert_eq!((s, b["status"].as_str()), (200, Some("removed")), "{b}");
        let (_, list) = app.get(&format!("/api/v1/events/{event}/rsvps"), Some(&staff)).await;
        let change = &list["changes"][0];
        assert_eq!(
            (change["actor"].as_str(), change["reason"].as_str()),
            (Some("event_staff"), Some("重复报名，已电话确认"))
        );

        // After the end, the confirmed fan who never checked in is a no-show; after the start
        // places no longer change.
        app.clock_offset.store(72 * HOUR, Ordering::Relaxed);
        let (s, b) =
            app.call(Method::DELETE, &format!("/api/v1/events/{event}/rsvps/me"), Some(&t[2]), None).await;
        assert_eq!((s, error_code(&b)), (409, "event_started"));
        app.clock_offset.store(76 * HOUR, Ordering::Relaxed);
        assert_eq!(canyu_app::events::run_jobs(&app.state).await.unwrap().no_shows, 1);
        let (_, me2) = app.get(&format!("/api/v1/events/{event}/rsvps/me"), Some(&t[2])).await;
        assert_eq!(me2["no_show"], true);
    }
}

#[tokio::test]
async fn club_organisers_run_their_clubs_events_only() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.user_with_role("event_staff", canyu_core::Role::Staff).await;
        let organiser = app.register("bj_organiser").await;
        let fan = app.register("bj_fan").await;
        let (s, club) =
            app.post("/api/v1/clubs", Some(&staff), json!({"city": "北京", "name": "北京米粉同城会"})).await;
        assert_eq!(s, 201, "{club}");
        let club = club["id"].as_i64().unwrap();
        let (s, b) =
            app.post("/api/v1/clubs", Some(&staff), json!({"city": "北京", "name": "北京米粉同城会"})).await;
        assert_eq!((s, error_code(&b)), (409, "club_name_taken"));
        let (s, b) = app.post("/api/v1/clubs", Some(&fan), json!({"city": "上海", "name": "上海"})).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));
        let (s, b) = app
            .call(Method::PUT, &format!("/api/v1/clubs/{club}/organisers/bj_organiser"), Some(&staff), None)
            .await;
        assert_eq!((s, b["organisers"][0].as_str()), (200, Some("bj_organiser")), "{b}");
        let (s, b) =
            app.call(Method::PUT, &format!("/api/v1/clubs/{club}/membership"), Some(&fan), None).await;
        assert_eq!((s, b["members"].as_i64(), b["member"].as_bool()), (200, Some(2), Some(true)), "{b}");

        let mut body = event_body("北京同城会 12 月", 20, 72 * HOUR);
        body["club"] = json!(club);
        let (s, b) = app.post("/api/v1/events", Some(&fan), body.clone()).await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"));
        let event = create_event(&app, &organiser, body).await;
        let (_, listed) = app.get(&format!("/api/v1/events?club={club}"), None).await;
        assert_eq!(listed["items"][0]["id"], event);
        let staff_event = create_event(&app, &staff, event_body("官方活动", 20, 72 * HOUR)).await;

        let (_, mine) = rsvp(&app, &fan, event, 0).await;
        let (s, _) = app
            .post(
                &format!("/api/v1/events/{event}/checkins"),
                Some(&organiser),
                json!({"ticket": mine["ticket"]}),
            )
            .await;
        assert_eq!(s, 200);
        let (_, theirs) = rsvp(&app, &fan, staff_event, 0).await;
        let (s, b) = app
            .post(
                &format!("/api/v1/events/{staff_event}/checkins"),
                Some(&organiser),
                json!({"ticket": theirs["ticket"]}),
            )
            .await;
        assert_eq!((s, error_code(&b)), (403, "forbidden"), "not their club's event");

        // The calendar, in the venue's zone.
        let res = app.client.get(app.url(&format!("/events/{event}.ics"))).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
        let ics = res.text().await.unwrap();
        assert!(
            ics.contains("DTSTART;TZID=Asia/Shanghai:") && ics.contains("SUMMARY:北京同城会 12 月"),
            "{ics}"
        );
        let all = app.client.get(app.url("/events.ics")).send().await.unwrap().text().await.unwrap();
        assert_eq!(all.matches("BEGIN:VEVENT").count(), 2);
    }
}
