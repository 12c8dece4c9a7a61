//! Prometheus metrics at `/metrics`: request counts and latencies per route, plus gauges read
//! from the database at scrape time. Kept in-process and per `AppState`, so each test server
//! has its own numbers.

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Instant;

const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        *self.requests.lock().entry((method.into(), route.into(), status)).or_default() += 1;
        let mut latency = self.latency.lock();
        let h = latency.entry((method.into(), route.into())).or_default();
        h.count += 1;
        h.sum += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
    }

    fn write(&self, out: &mut String) {
        out.push_str("# HELP canyu_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE canyu_http_requests_total counter\n");
        for ((method, route, status), n) in self.requests.lock().iter() {
            let _ = writeln!(
                out,
                "canyu_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP canyu_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE canyu_http_request_duration_seconds histogram\n");
        for ((method, route), h) in self.latency.lock().iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "canyu_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "canyu_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "canyu_http_request_duration_seconds_sum{{{labels}}} {}", h.sum);
            let _ = writeln!(out, "canyu_http_request_duration_seconds_count{{{labels}}} {}", h.count);
        }
    }
}

/// Records every request under its route pattern (`/posts/{id}`), never the raw path, so
/// the number of series stays bounded.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let res = next.run(req).await;
    state.metrics.observe(&method, &route, res.status().as_u16(), started.elapsed().as_secs_f64());
    res
}

pub async fn render(State(state): State<AppState>) -> Response {
    let mut out = String::with_capacity(4096);
    state.metrics.write(&mut out);
    let counts = state.site_counts().await;
    let gauges = [
        ("canyu_posts", "Posts on all boards.", counts.as_ref().map(|c| c.posts)),
        ("canyu_votes", "Votes cast on all posts.", counts.as_ref().map(|c| c.votes)),
        ("canyu_users", "Registered accounts.", counts.as_ref().map(|c| c.users)),
    ];
    for (name, help, value) in gauges {
        match value {
            Ok(v) => {
                let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
            }
            Err(e) => tracing::warn!(error = %e, metric = name, "gauge unavailable"),
        }
    }
    let waiting = state.token_uses_waiting();
    let _ = writeln!(
        out,
        "# HELP canyu_token_uses_waiting API token uses noted but not written yet (\"last used\").\n# TYPE canyu_token_uses_waiting gauge\ncanyu_token_uses_waiting {waiting}"
    );
    let docs = state.search_documents();
    let _ = writeln!(
        out,
        "# HELP canyu_search_documents Posts in the search index.\n# TYPE canyu_search_documents gauge\ncanyu_search_documents {docs}"
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}
