//! `/metrics`: bounded labels, database counts kept as gauges, and the optional bearer token.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use common::{TestApp, backends, error_code, spawn_app, spawn_app_with, test_config};
use reqwest::Method;

async fn scrape(app: &TestApp) -> String {
    let res = app.client.get(app.url("/metrics")).send().await.expect("metrics");
    assert_eq!(res.status(), 200);
    res.text().await.expect("text")
}

/// The value of the unlabelled series `name` (`name 12`), if present.
fn value(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn methods_outside_the_standard_seven_are_other() {
    use canyu_web::metrics::method_label;
    for m in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        assert_eq!(method_label(&Method::from_bytes(m.as_bytes()).expect("method")), m);
    }
    for m in ["CANYUPROBE1", "get", "CONNECT", "TRACE", "PROPFIND"] {
        assert_eq!(method_label(&Method::from_bytes(m.as_bytes()).expect("method")), "other", "{m}");
    }
}

/// Issue #17: every made-up method name was a new label. Now 1,000 of them (and 200 raw
/// paths no route matches) add no series: /metrics has as many lines after as before.
#[tokio::test]
async fn made_up_methods_and_paths_add_no_series() {
    let app = spawn_app(canyu_app::testing::store::Backend::Sqlite).await;
    let probe = |i: usize| {
        let method = Method::from_bytes(format!("CANYUPROBE{i}").as_bytes()).expect("method");
        app.client.request(method, app.url("/api/v1/posts")).send()
    };
    let unmatched = |i: usize| app.client.get(app.url(&format!("/no/such/page/{i}"))).send();
    // One of each first, so every series the flood touches exists before counting.
    assert_eq!(probe(0).await.expect("probe").status(), 405);
    assert_eq!(unmatched(0).await.expect("unmatched").status(), 404);
    scrape(&app).await;
    let before = scrape(&app).await;

    for i in 1..=1_000 {
        assert_eq!(probe(i).await.expect("probe").status(), 405);
    }
    for i in 1..=200 {
        assert_eq!(unmatched(i).await.expect("unmatched").status(), 404);
    }
    let after = scrape(&app).await;

    assert_eq!(after.lines().count(), before.lines().count(), "no new series:\n{after}");
    // Only counts changed, so the text is about as long as before.
    assert!(after.len() < before.len() + 200, "{} then {} bytes", before.len(), after.len());
    assert!(!after.contains("CANYUPROBE") && !after.contains("/no/such/page"), "{after}");
    assert!(
        after.contains(
            "canyu_http_requests_total{method=\"other\",route=\"/api/v1/posts\",status=\"405\"} 1001"
        ),
        "{after}"
    );
    assert!(
        after.contains("canyu_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 201"),
        "{after}"
    );
    assert!(
        after.contains(
            "canyu_http_request_duration_seconds_count{method=\"other\",route=\"/api/v1/posts\"} 1001"
        ),
        "{after}"
    );
    assert!(
        after.contains(
            "canyu_http_request_duration_seconds_bucket{method=\"other\",route=\"/api/v1/posts\",le=\"0.001\"}"
        ),
        "the same buckets as before: {after}"
    );
}

/// Posts, votes and users are counted by a refresh (every 15 s once /metrics is read), not
/// by every scrape: a write shows after the next refresh, which a test can force.
#[tokio::test]
async fn database_gauges_follow_writes_after_a_refresh() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("counted").await;
        let first = scrape(&app).await;
        assert_eq!(value(&first, "canyu_posts"), Some(0.0), "{backend:?}: {first}");
        assert_eq!(value(&first, "canyu_votes"), Some(0.0), "{first}");
        assert_eq!(value(&first, "canyu_users"), Some(2.0), "{first}");
        assert!(
            first.contains("# HELP canyu_posts Posts on all boards, as counted at most 15 s ago."),
            "{first}"
        );
        assert!(first.contains("# TYPE canyu_votes gauge"), "{first}");
        assert!(first.contains("\ncanyu_search_documents 0\n"), "{first}");

        let id = app.create_post(&fan, "Winter range estimate", "Please show it in navigation.").await;
        for token in [&fan, &staff] {
            let (s, v) = app.call(Method::PUT, &format!("/api/v1/posts/{id}/vote"), Some(token), None).await;
            assert_eq!(s, 200, "{v}");
        }
        app.register("counted_too").await;

        let stale = scrape(&app).await;
        assert_eq!(value(&stale, "canyu_posts"), Some(0.0), "{backend:?}: a scrape counts nothing");
        assert_eq!(value(&stale, "canyu_votes"), Some(0.0));
        assert!(stale.contains("\ncanyu_search_documents 1\n"), "read at scrape time: {stale}");

        app.state.metrics.refresh_gauges(app.state.app()).await;
        let fresh = scrape(&app).await;
        assert_eq!(value(&fresh, "canyu_posts"), Some(1.0), "{backend:?}: {fresh}");
        assert_eq!(value(&fresh, "canyu_votes"), Some(2.0), "{fresh}");
        assert_eq!(value(&fresh, "canyu_users"), Some(3.0), "{fresh}");
    }
}

/// With `metrics_token` set, /metrics wants `Authorization: Bearer <it>` (401 with the
/// usual error JSON otherwise), and that bearer is not mistaken for an API token.
#[tokio::test]
async fn a_metrics_token_guards_metrics() {
    for backend in backends() {
        let config = canyu_app::AppConfig { metrics_token: Some("scrape-secret-1".into()), ..test_config() };
        let app = spawn_app_with(backend, config).await;
        let fan = app.register("watcher").await;
        let metrics = |bearer: Option<&str>| {
            let mut req = app.client.get(app.url("/metrics"));
            if let Some(b) = bearer {
                req = req.bearer_auth(b);
            }
            async move { common::to_json(req.send().await.expect("metrics")).await }
        };
        for bearer in [None, Some("scrape-secret-2"), Some("scrape-secret-1x"), Some(""), Some(fan.as_str())]
        {
            let (status, body) = metrics(bearer).await;
            assert_eq!(status, 401, "{backend:?} {bearer:?}: {body}");
            assert_eq!(error_code(&body), "unauthenticated", "{bearer:?}");
        }
        let (status, body) = metrics(Some("scrape-secret-1")).await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        let text = body.as_str().expect("text");
        assert!(
            text.contains("canyu_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"401\"} 5"),
            "{text}"
        );
        assert!(text.contains("\ncanyu_users 1\n"), "{text}");

        // The metrics token is no API token, and API tokens still work.
        let (s, body) = app.get("/api/v1/me", Some("scrape-secret-1")).await;
        assert_eq!((s, error_code(&body)), (401, "token_invalid"), "{body}");
        assert_eq!(app.get("/api/v1/me", Some(&fan)).await.0, 200);
    }
}

/// Without the setting /metrics is open, whatever `Authorization` says.
#[tokio::test]
async fn without_a_token_metrics_are_open() {
    let app = spawn_app(canyu_app::testing::store::Backend::Sqlite).await;
    scrape(&app).await;
    let res = app.client.get(app.url("/metrics")).bearer_auth("anything").send().await.expect("metrics");
    assert_eq!(res.status(), 200);
}
