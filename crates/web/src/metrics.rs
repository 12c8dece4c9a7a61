//! Prometheus metrics at `/metrics`, kept with the `metrics` crate and rendered by
//! `metrics-exporter-prometheus`: request counts and latencies per route, and a few gauges.
//!
//! Every `AppState` has its own recorder, never installed as the process's global one: tests
//! run many servers in one process and each must see only its own numbers. Requests are
//! recorded by calling the [`Recorder`] trait on that recorder directly
//! (`register_counter(key).increment(1)`), not through the `counter!` macros and
//! `metrics::with_local_recorder`: the macros find their recorder in a thread-local, which in
//! async middleware is only right if nothing awaits inside the closure; a direct call on the
//! state's recorder has no such rule, and costs the same (one registry look-up by key).
//!
//! Every label is bounded, so nobody can grow `/metrics` by sending requests: the method is
//! one of the standard seven or `other`, the route is the matched route pattern or
//! `unmatched` (never the raw path), and the status is the numeric code.
//!
//! Counts that need a database query (posts, votes, users) are never counted per scrape: the
//! first scrape counts them and starts a task that counts them again every
//! [`GAUGE_REFRESH`]; a scrape shows the last counts.

use crate::locale::Lang;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use canyu_app::App;
use canyu_core::ErrorCode;
use metrics::{Key, Label, Level, Metadata, Recorder, SharedString};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// How often the counts that need a query are taken again, once `/metrics` has been read.
pub const GAUGE_REFRESH: Duration = Duration::from_secs(15);

/// Latency samples wait in the recorder until drained into their buckets (a scrape drains
/// them too); they are drained after this many requests, so a server nobody scrapes keeps
/// at most this many.
const UPKEEP_EVERY: u64 = 1024;

const REQUESTS: &str = "canyu_http_requests_total";
const DURATION: &str = "canyu_http_request_duration_seconds";
const POSTS: &str = "canyu_posts";
const VOTES: &str = "canyu_votes";
const USERS: &str = "canyu_users";
const TOKEN_USES_WAITING: &str = "canyu_token_uses_waiting";
const SEARCH_DOCUMENTS: &str = "canyu_search_documents";

/// The methods that get a label of their own; any other method name is counted as `other`.
const STANDARD_METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// The exporter ignores metadata; the trait wants some.
static METADATA: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// One server's metrics.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    requests: AtomicU64,
    /// Whether the first scrape has started the task that refreshes the database counts.
    refresher_started: AtomicBool,
}

impl Default for Metrics {
    fn default() -> Self {
        let builder = match PrometheusBuilder::new().set_buckets(&BUCKETS) {
            Ok(builder) => builder,
            // Only refused for an empty list; BUCKETS is not one.
            Err(e) => {
                tracing::error!(error = %e, "latency buckets refused; latencies become summaries");
                PrometheusBuilder::new()
            }
        };
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        let describe = |name: &'static str, help: &'static str| {
            recorder.describe_gauge(name.into(), None, SharedString::const_str(help));
        };
        recorder.describe_counter(
            REQUESTS.into(),
            None,
            SharedString::const_str("HTTP requests by method (or \"other\"), route pattern and status."),
        );
        recorder.describe_histogram(
            DURATION.into(),
            None,
            SharedString::const_str("Time to answer, by method and route pattern."),
        );
        describe(POSTS, "Posts on all boards, as counted at most 15 s ago.");
        describe(VOTES, "Votes cast on all posts, as counted at most 15 s ago.");
        describe(USERS, "Registered accounts, as counted at most 15 s ago.");
        describe(TOKEN_USES_WAITING, "API token uses noted but not written yet (\"last used\").");
        describe(SEARCH_DOCUMENTS, "Posts in the search index.");
        Metrics { recorder, handle, requests: AtomicU64::new(0), refresher_started: AtomicBool::new(false) }
    }
}

impl Metrics {
    /// Counts one answered request. `method` and `route` must already be bounded labels
    /// ([`method_label`], a route pattern).
    pub fn observe(&self, method: &'static str, route: String, status: StatusCode, seconds: f64) {
        let route = Label::new("route", route);
        let labels = vec![
            Label::new("method", method),
            route.clone(),
            Label::new("status", status.as_u16().to_string()),
        ];
        self.recorder.register_counter(&Key::from_parts(REQUESTS, labels), &METADATA).increment(1);
        let labels = vec![Label::new("method", method), route];
        self.recorder.register_histogram(&Key::from_parts(DURATION, labels), &METADATA).record(seconds);
        if self.requests.fetch_add(1, Ordering::Relaxed) % UPKEEP_EVERY == UPKEEP_EVERY - 1 {
            self.handle.run_upkeep();
        }
    }

    fn set_gauge(&self, name: &'static str, value: f64) {
        self.recorder.register_gauge(&Key::from_static_name(name), &METADATA).set(value);
    }

    /// Counts posts, votes and users now. The refresh task calls this; tests call it to see
    /// a write without waiting for the next refresh. A count that fails keeps its last value.
    pub async fn refresh_gauges(&self, app: &App) {
        match app.site_counts().await {
            Ok(counts) => {
                self.set_gauge(POSTS, counts.posts as f64);
                self.set_gauge(VOTES, counts.votes as f64);
                self.set_gauge(USERS, counts.users as f64);
            }
            Err(e) => tracing::warn!(error = %e, "site gauges not refreshed"),
        }
    }

    /// The metrics in Prometheus' text format. The gauges kept in memory (token uses
    /// waiting, search documents) are read now; the database counts are the last ones taken.
    pub fn render(&self, token_uses_waiting: usize, search_documents: u64) -> String {
        self.set_gauge(TOKEN_USES_WAITING, token_uses_waiting as f64);
        self.set_gauge(SEARCH_DOCUMENTS, search_documents as f64);
        self.handle.render()
    }
}

/// On the first call, counts the database gauges (so the first scrape has them) and starts
/// the task that counts them again every [`GAUGE_REFRESH`] until the metrics are dropped.
async fn start_refresher(metrics: &Arc<Metrics>, app: &App) {
    if metrics.refresher_started.swap(true, Ordering::AcqRel) {
        return;
    }
    metrics.refresh_gauges(app).await;
    let weak = Arc::downgrade(metrics);
    let app = app.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval_at(tokio::time::Instant::now() + GAUGE_REFRESH, GAUGE_REFRESH);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let Some(metrics) = weak.upgrade() else { return };
            metrics.refresh_gauges(&app).await;
        }
    });
}

/// The method as a label: one of the standard methods, or `other` for any extension method,
/// so made-up method names cannot add series.
pub fn method_label(method: &axum::http::Method) -> &'static str {
    STANDARD_METHODS.iter().find(|m| **m == method.as_str()).copied().unwrap_or("other")
}

/// Records every request under its route pattern (`/posts/{id}`), never the raw path, and
/// negotiates its language ([`crate::locale::negotiate`]). One layer for both: every
/// `from_fn` layer costs each request two boxed allocations and a clone of the stack inside it,
/// and the five layers this replaced with three made a 404 ~10 % slower (issue #16).
pub async fn track(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let from_query = crate::locale::negotiate(&mut req);
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let mut res = next.run(req).await;
    crate::locale::remember(&mut res, from_query);
    state.metrics.observe(method, route, res.status(), started.elapsed().as_secs_f64());
    res
}

/// `/metrics`. With `metrics_token` set, only for `Authorization: Bearer <token>` (this
/// route is outside the API token check, see `router`); otherwise 401 `unauthenticated`.
pub async fn render(State(state): State<AppState>, Lang(locale): Lang, headers: HeaderMap) -> Response {
    if let Some(expected) = &state.config().metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        // An empty token setting opens nothing.
        let ok =
            !expected.is_empty() && presented.is_some_and(|p| crate::auth::constant_time_eq(p, expected));
        if !ok {
            let mut res =
                crate::error::error_json(ErrorCode::Unauthenticated, locale, StatusCode::UNAUTHORIZED);
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return res;
        }
    }
    start_refresher(&state.metrics, state.app()).await;
    let out = state.metrics.render(state.token_uses_waiting(), state.search_documents());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}
