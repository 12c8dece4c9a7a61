//! Sessions, CSRF, rate limits and escaping.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_app::testing::store::Backend;
use common::{error_code, meta_csrf, spawn_app, spawn_app_with, test_config};
use serde_json::json;

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    common::set_cookie(res, "canyu_session")
}

fn retry_after_secs(res: &reqwest::Response) -> Option<u64> {
    res.headers().get("retry-after")?.to_str().ok()?.parse().ok()
}

/// The login page as a visitor gets it: the anonymous CSRF cookie and the token its form needs.
async fn anonymous_login_form(app: &common::TestApp) -> (String, String) {
    let login_page = app.client.get(app.url("/login")).send().await.unwrap();
    let cookie = common::set_cookie(&login_page, "canyu_csrf").expect("anonymous csrf cookie");
    let token = meta_csrf(&login_page.text().await.unwrap()).expect("csrf meta on the login page");
    (cookie, token)
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_token() {
    let app = spawn_app(Backend::Sqlite).await;
    app.seed_catalog().await;
    let token = app.register("cookie_fan").await;
    let id = app.create_post(&token, "标题", "正文").await;

    // Log in through the HTML form, as a browser does (the form needs the anonymous token).
    let (anon_cookie, anon_token) = anonymous_login_form(&app).await;
    let forged = app
        .client
        .post(app.url("/login"))
        .form(&[("handle", "cookie_fan"), ("password", "fan-password-1"), ("csrf", "wrong")])
        .header("cookie", &anon_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "login form without the right token is refused");
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("handle", "cookie_fan"), ("password", "fan-password-1"), ("csrf", anon_token.as_str())])
        .header("cookie", &anon_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookie = session_cookie(&res).expect("session cookie");

    // A cross-site request rides the cookie but lacks the token: refused, nothing changes.
    let res = app
        .client
        .put(app.url(&format!("/api/v1/posts/{id}/vote")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let (s, b) = common::to_json(res).await;
    assert_eq!((s, error_code(&b)), (403, "csrf_failed"));
    assert_eq!(app.store.vote_count().await.unwrap(), 0);

    // Our page carries the token; with it the same request succeeds.
    let page = app
        .client
        .get(app.url(&format!("/posts/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = meta_csrf(&page).expect("csrf meta on the post page");
    let res = app
        .client
        .put(app.url(&format!("/api/v1/posts/{id}/vote")))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    let (s, b) = common::to_json(res).await;
    assert_eq!((s, b["votes"].as_i64()), (200, Some(1)));
}

#[tokio::test]
async fn login_attempts_are_rate_limited() {
    let app = spawn_app_with(
        Backend::Sqlite,
        canyu_app::AppConfig { auth_attempts_per_minute: 5, ..test_config() },
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let (s, b) = app
            .post("/api/v1/auth/login", None, json!({"handle": "nobody", "password": "wrong-password"}))
            .await;
        statuses.push((s, error_code(&b).to_string()));
    }
    assert!(statuses[..5].iter().all(|(s, c)| *s == 401 && c == "invalid_credentials"), "{statuses:?}");
    assert!(statuses[5..].iter().all(|(s, c)| *s == 429 && c == "rate_limited"), "{statuses:?}");
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"handle": "nobody", "password": "wrong-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    // The bucket's own wait: 5 a minute refill one every 12 s.
    let wait = retry_after_secs(&res);
    assert!(wait.is_some_and(|w| (1..=12).contains(&w)), "Retry-After {wait:?}");

    // The HTML form says the same wait, in the header too.
    let (anon_cookie, anon_token) = anonymous_login_form(&app).await;
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("handle", "nobody"), ("password", "wrong-password"), ("csrf", anon_token.as_str())])
        .header("cookie", &anon_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let wait = retry_after_secs(&res);
    assert!(wait.is_some_and(|w| (1..=12).contains(&w)), "form Retry-After {wait:?}");
    assert!(res.text().await.unwrap().contains("<form"), "the form is shown again");
}

#[tokio::test]
async fn stored_scripts_are_never_served_as_markup() {
    let app = spawn_app(Backend::Sqlite).await;
    app.seed_catalog().await;
    let fan = app.register("xss_tester").await;
    let payload = "<script>alert('xss')</script><img src=x onerror=alert(1)>[x](javascript:alert(1))";
    let id = app.create_post(&fan, "<script>alert('title')</script>", payload).await;
    app.post(&format!("/api/v1/posts/{id}/comments"), Some(&fan), json!({"body": payload})).await;
    let (_, post) = app.get(&format!("/api/v1/posts/{id}"), None).await;
    let html = post["body_html"].as_str().unwrap().to_lowercase();
    // Text may mention anything; what must not exist is markup that runs it.
    assert!(
        !html.contains("<script") && !html.contains("<img") && !html.contains("href=\"javascript:"),
        "{html}"
    );
    for path in [
        format!("/posts/{id}"),
        "/products/xiaomi-su7".to_string(),
        "/".to_string(),
        "/users/xss_tester".to_string(),
    ] {
        let page = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{path}");
        let csp = page
            .headers()
            .get("content-security-policy")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        assert!(csp.contains("script-src 'self'"), "{path}: CSP {csp}");
        let body = page.text().await.unwrap();
        assert!(!body.contains("<script>alert"), "{path}");
        assert!(!body.contains("onerror=alert"), "{path}");
    }
}

/// Issue #17 (2): a socket that trickles part of a header, or sends nothing, or idles after a
/// keep-alive response, is closed once the header-read timeout passes instead of holding a
/// file descriptor for ever.
#[tokio::test]
async fn slow_or_silent_connections_are_closed() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = canyu_app::AppConfig { header_read_timeout: Duration::from_secs(1), ..test_config() };
    let app = spawn_app_with(Backend::Sqlite, config).await;
    let addr = app.base.trim_start_matches("http://").to_string();

    // Reads until the server closes the socket; how long that took.
    async fn closed_within(socket: &mut tokio::net::TcpStream, limit: Duration) -> Duration {
        let started = Instant::now();
        let mut buf = [0u8; 4096];
        let wait = tokio::time::timeout(limit, async {
            loop {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert!(wait.is_ok(), "the server kept the connection open past {limit:?}");
        started.elapsed()
    }

    let mut partial = tokio::net::TcpStream::connect(&addr).await.unwrap();
    partial.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
    let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();

    let took = closed_within(&mut partial, Duration::from_secs(5)).await;
    assert!(took >= Duration::from_millis(500), "closed too early ({took:?}): not the timeout");
    closed_within(&mut silent, Duration::from_secs(5)).await;
    // The keep-alive connection answered its request, then was closed while idle.
    closed_within(&mut idle, Duration::from_secs(5)).await;

    // The server still serves.
    let (status, _) = app.get("/healthz", None).await;
    assert_eq!(status, 200);
}

/// Connections past `max_connections` wait for a free slot instead of being served.
#[tokio::test]
async fn connections_are_capped() {
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;
    let config = canyu_app::AppConfig {
        header_read_timeout: Duration::from_secs(2),
        max_connections: 2,
        ..test_config()
    };
    let app = spawn_app_with(Backend::Sqlite, config).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Both slots are taken: a third client is not served until one is freed by the timeout.
    let started = std::time::Instant::now();
    let (status, _) = app.get("/healthz", None).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(1000), "served at once: {:?}", started.elapsed());
    drop(held);
}

/// Issue #17 (4): NUL was a 500 on PostgreSQL (SQLite stored it). Control characters are
/// refused with `control_character` wherever text comes in, on both backends, and nothing
/// is stored; a handle or slug with one is answered without a database lookup.
#[tokio::test]
async fn control_characters_are_refused_not_stored() {
    for backend in common::backends() {
        let app = common::spawn_app(backend).await;
        app.seed_catalog().await;
        let fan = app.register("nul_tester").await;
        let id = app.create_post(&fan, "标题", "正文").await;
        let posts = app.post_count().await;

        for path in ["/api/v1/users/a%00b", "/api/v1/posts?product=xiaomi%00su7", "/api/v1/products/a%00b"] {
            let (s, b) = app.get(path, None).await;
            assert_eq!((s, error_code(&b)), (422, "control_character"), "{backend:?} {path}");
        }
        let page = app.client.get(app.url("/users/a%00b")).send().await.unwrap();
        assert_eq!(page.status(), 422, "{backend:?} the page too");

        let (s, b) = app
            .post(
                "/api/v1/posts",
                Some(&fan),
                json!({"product": "xiaomi-su7", "kind": "idea", "title": "标题", "body": "正\u{0}文"}),
            )
            .await;
        assert_eq!((s, error_code(&b)), (422, "control_character"), "{backend:?} {b}");
        let (s, b) = app
            .post(
                "/api/v1/posts",
                Some(&fan),
                json!({"product": "xiaomi-su7", "kind": "idea", "title": "标\u{1b}题", "body": "正文"}),
            )
            .await;
        assert_eq!((s, error_code(&b)), (422, "control_character"), "{backend:?} {b}");
        assert_eq!(app.post_count().await, posts, "{backend:?}: nothing stored");

        let (s, b) =
            app.post(&format!("/api/v1/posts/{id}/comments"), Some(&fan), json!({"body": "评\u{0}论"})).await;
        assert_eq!((s, error_code(&b)), (422, "control_character"), "{backend:?} {b}");
        let (_, comments) = app.get(&format!("/api/v1/posts/{id}/comments"), None).await;
        assert!(!comments.to_string().contains("评"), "{backend:?}: no comment stored: {comments}");

        let (s, b) = app
            .post("/api/v1/auth/register", None, json!({"handle": "a\u{0}b", "password": "fan-password-1"}))
            .await;
        assert_eq!((s, error_code(&b)), (422, "control_character"), "{backend:?} {b}");
        let (s, b) = app
            .post("/api/v1/auth/login", None, json!({"handle": "a\u{0}b", "password": "fan-password-1"}))
            .await;
        assert_eq!((s, error_code(&b)), (422, "control_character"), "{backend:?} {b}");
        // Line breaks stay allowed in text that spans lines.
        let (s, b) = app
            .post(&format!("/api/v1/posts/{id}/comments"), Some(&fan), json!({"body": "第一行\n第二行\t完"}))
            .await;
        assert_eq!(s, 201, "{backend:?} {b}");
    }
}

/// Issue #17 (3): the per-handle limit refused the real owner once anyone had spent it.
/// Now an address that burns a handle's attempts is refused, and the owner signing in from
/// another address is not.
#[tokio::test]
async fn nobody_can_lock_the_owner_out_of_login() {
    for backend in common::backends() {
        let config =
            canyu_app::AppConfig { auth_attempts_per_minute: 5, trust_forwarded_for: true, ..test_config() };
        let app = spawn_app_with(backend, config).await;
        app.register("locked_owner").await;
        let login = |from: String, password: &'static str| {
            let req = app
                .client
                .post(app.url("/api/v1/auth/login"))
                .header("x-forwarded-for", from)
                .json(&json!({"handle": "locked_owner", "password": password}));
            async move { common::to_json(req.send().await.unwrap()).await.0 }
        };
        // One address guesses until refused.
        let mut statuses = Vec::new();
        for _ in 0..8 {
            statuses.push(login("10.0.0.1".into(), "wrong-password").await);
        }
        assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429, 429], "{backend:?}");
        // Many addresses guess until the handle's failures are spent (25 in 15 minutes):
        // from then on an address that has failed for it is refused even on its first retry.
        let mut second_tries = Vec::new();
        for i in 0..30 {
            let from = format!("10.0.1.{i}");
            assert_eq!(login(from.clone(), "wrong-password").await, 401, "{backend:?} first try from {from}");
            second_tries.push(login(from, "wrong-password").await);
        }
        assert_eq!(second_tries.last(), Some(&429), "{backend:?} {second_tries:?}");
        // The owner, from an address that never failed for the handle, signs in.
        assert_eq!(login("10.0.0.2".into(), "fan-password-1").await, 200, "{backend:?}");
        // The attacker is still refused, even with the right password.
        assert_eq!(login("10.0.0.1".into(), "fan-password-1").await, 429, "{backend:?}");
    }
}

/// Issue #17 (6): only the length was checked. Guessable passwords, and the handle with a
/// number, are refused with `weak_password`; nothing is created.
#[tokio::test]
async fn weak_passwords_are_refused_at_sign_up() {
    let app = spawn_app(Backend::Sqlite).await;
    for password in ["12345678", "password", "        ", "strong_fan12", "strong_fan2026"] {
        let (s, b) = app
            .post("/api/v1/auth/register", None, json!({"handle": "strong_fan", "password": password}))
            .await;
        assert_eq!((s, error_code(&b)), (422, "weak_password"), "{password:?}");
    }
    assert!(app.store.user_by_handle("strong_fan").await.unwrap().is_none());
    let (s, b) = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"handle": "strong_fan", "password": "orange-umbrella-2026"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
}

/// Issue #17 (5): look-alike handles registered (`xiaomі_staff` with a Cyrillic і, `аdmin`,
/// full-width `ｓtaff2`). Mixed Latin and Cyrillic is refused, full-width forms are folded,
/// and a handle that looks like an existing one is refused, on both backends.
#[tokio::test]
async fn look_alike_handles_are_refused() {
    for backend in common::backends() {
        let app = spawn_app(backend).await;
        for handle in ["xiaomi_staff", "admin", "staff2", "米粉_小王", "xiaomi_fan_2026", "小米SU7车主"]
        {
            app.register(handle).await;
        }
        let register = |handle: &'static str| {
            app.post("/api/v1/auth/register", None, json!({"handle": handle, "password": "fan-password-1"}))
        };
        for (handle, status, code) in [
            ("xiaomі_staff", 422, "handle_mixed_script"),
            ("аdmin", 422, "handle_mixed_script"),
            ("ｓtaff2", 409, "handle_taken"),
            ("xiaorni_staff", 409, "handle_confusable"),
            ("adrnin", 409, "handle_confusable"),
            ("XIAOMI_STAFF", 409, "handle_taken"),
        ] {
            let (s, b) = register(handle).await;
            assert_eq!((s, error_code(&b)), (status, code), "{backend:?} {handle}");
            if code != "handle_taken" {
                assert!(app.store.user_by_handle(handle).await.unwrap().is_none(), "{backend:?} {handle}");
            }
        }
        let (s, b) = register("ｓtaff3").await;
        assert_eq!((s, b["user"]["handle"].as_str()), (201, Some("staff3")), "{backend:?} {b}");
    }
}

/// Oversized request heads are refused in the error shape of every other refusal (hyper's own
/// 414 and 431 had an empty body), in the request's language, and the server keeps serving.
#[tokio::test]
async fn oversized_request_heads_get_a_coded_error() {
    let app = spawn_app(Backend::Sqlite).await;
    let long_query = format!("/api/v1/posts?q={}", "a".repeat(canyu_web::MAX_URI_BYTES));
    let res = app.client.get(app.url(&long_query)).header("accept-language", "zh-CN").send().await.unwrap();
    assert_eq!(res.status(), 414);
    let (_, body) = common::to_json(res).await;
    assert_eq!(error_code(&body), "uri_too_long", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("太长"), "{body}");

    let mut many = app.client.get(app.url("/api/v1/posts"));
    for i in 0..=canyu_web::MAX_HEADER_COUNT {
        many = many.header(format!("x-filler-{i}"), "1");
    }
    let (status, body) = common::to_json(many.send().await.unwrap()).await;
    assert_eq!((status, error_code(&body)), (431, "headers_too_large"), "{body}");

    let cookie = format!("junk={}", "c".repeat(canyu_web::MAX_HEADER_BYTES));
    let res = app.client.get(app.url("/")).header("cookie", cookie).send().await.unwrap();
    assert_eq!(res.status(), 431);
    assert!(res.text().await.unwrap().contains("<html"), "a page for a browser");

    let (status, _) = app.get("/api/v1/posts", None).await;
    assert_eq!(status, 200, "still serving");
}
