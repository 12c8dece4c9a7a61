//! canyu's HTTP server: server-rendered pages for people, a JSON API under `/api/v1` for
//! clients, `/healthz` and `/metrics` for operators.

pub mod api;
mod assets;
pub mod auth;
pub mod changelog;
pub mod charts;
pub mod client_ip;
pub mod error;
pub mod i18n;
pub mod locale;
pub mod log_throttle;
pub mod markdown;
pub mod metrics;
pub mod pages;
pub mod state;
pub mod uploads;

pub use state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// Bodies larger than this are refused before any handler reads them: a post's 20,000
/// characters are at most 80 KB of UTF-8, plus form encoding.
pub const MAX_BODY_BYTES: usize = 512 * 1024;

/// The whole application: every route and the layers that wrap them.
pub fn router(state: AppState) -> Router {
    // Pages, their stylesheet and script, and the live screen's chart go out gzipped to
    // browsers that ask (a board page is a quarter of its size on a phone's network). The
    // API stays as it is: its clients are scripts and load tests on fast links, and the live
    // counter's event stream must not wait in a compressor's buffer.
    // The default level, not the fastest: measured (bench/pages.sh, BENCHMARKS.md), the fastest
    // saves 0.1–0.2 ms of server time and sends pages 1.1–1.3× larger.
    let gzip = tower_http::compression::CompressionLayer::new().gzip(true);
    let for_browsers = pages::routes().merge(assets::routes()).layer(gzip);
    Router::new()
        .merge(for_browsers)
        .nest("/api/v1", api::routes())
        .route("/healthz", get(health))
        .route("/media/{key}", get(uploads::serve))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), auth::authenticate))
        // After the sign-in layer, so outside it: /metrics checks its own bearer token
        // (`WebConfig::metrics_token`), which the API token check would refuse as unknown.
        .route("/metrics", get(metrics::render))
        .layer(middleware::from_fn(error::render_errors))
        // Every response, error pages included: no inline script or style (everything comes
        // from /assets), and pages carry a per-visitor CSRF token, so no shared caching.
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(pages::CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        ))
        // Language negotiation and request metrics, one layer (see `metrics::track`).
        .layer(middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(CatchPanicLayer::new())
        .with_state(state)
}

async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.ping().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// The longest request target (path and query) served, answered `uri_too_long` (414) with the
/// usual error body past it. The longest legitimate one is a similar-posts query with 2,000
/// characters of text: up to 24 KB once percent-encoded.
pub const MAX_URI_BYTES: usize = 32 * 1024;
/// Header fields, names and values together: past this, `headers_too_large` (431).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// How much of a request's head hyper buffers at most (its default is about 400 KB). Heads
/// between the limits above and this get canyu's error body from `refused_request_head`;
/// only heads larger than this are cut off by hyper itself (an empty 414 or 431), and no
/// connection holds more than this much of a head in memory.
pub const MAX_HEAD_BUFFER_BYTES: usize = 64 * 1024;
/// Header fields per request hyper parses (its default is 100); past [`MAX_HEADER_COUNT`] the
/// request gets canyu's 431.
const MAX_HEADER_FIELDS_PARSED: usize = 256;
pub const MAX_HEADER_COUNT: usize = 100;

/// Why a request's head is refused before any handler, if it is: `error::render_errors` answers
/// it in the error shape every other refusal has.
pub(crate) fn refused_request_head(req: &axum::extract::Request) -> Option<canyu_core::ErrorCode> {
    oversized_head(req).or_else(|| control_character_in_target(req.uri()))
}

/// Heads too large to serve: hyper's own 414 and 431 come with an empty body (issue #17), so
/// canyu's limits sit below hyper's and refuse first.
fn oversized_head(req: &axum::extract::Request) -> Option<canyu_core::ErrorCode> {
    let uri_bytes = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_bytes > MAX_URI_BYTES {
        return Some(canyu_core::ErrorCode::UriTooLong);
    }
    let headers = req.headers();
    let header_bytes: usize = headers.iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    (headers.len() > MAX_HEADER_COUNT || header_bytes > MAX_HEADER_BYTES)
        .then_some(canyu_core::ErrorCode::HeadersTooLarge)
}

/// A path or query with a control character (`/users/a%00b`, `?product=%00`) is refused with
/// `control_character` before any handler looks it up: PostgreSQL refuses NUL in text (a 500,
/// issue #17) and no handle, slug or search has one.
fn control_character_in_target(uri: &axum::http::Uri) -> Option<canyu_core::ErrorCode> {
    let path_bad = percent_decodes_to_control(uri.path().as_bytes());
    let query_bad = uri.query().is_some_and(|q| {
        form_urlencoded::parse(q.as_bytes()).any(|(k, v)| {
            canyu_core::text::refuse_controls(&k).is_err()
                || canyu_core::text::refuse_controls_multiline(&v).is_err()
        })
    });
    (path_bad || query_bad).then_some(canyu_core::ErrorCode::ControlCharacter)
}

/// Whether a percent-encoded path holds a control character once decoded (`%00`, `%1B`…).
fn percent_decodes_to_control(raw: &[u8]) -> bool {
    let hex = |b: u8| (b as char).to_digit(16);
    raw.iter().enumerate().any(|(i, &b)| {
        b < 0x20
            || b == 0x7f
            || (b == b'%'
                && match (raw.get(i + 1).copied().and_then(hex), raw.get(i + 2).copied().and_then(hex)) {
                    (Some(hi), Some(lo)) => {
                        let byte = hi * 16 + lo;
                        byte < 0x20 || byte == 0x7f
                    }
                    _ => false,
                })
    })
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
///
/// Connections are driven here rather than by `axum::serve`, which sets no timer: a socket
/// that sent nothing, or a few bytes of a header, stayed open for ever (issue #17: ~19,900
/// idle sockets used up the file descriptors). Each connection must send a request's headers
/// within `AppConfig::header_read_timeout` of the server waiting for them (hyper arms that
/// timer again after every response, so it is also the keep-alive idle limit), and at most
/// `AppConfig::max_connections` are served at once: past that the accept loop waits, and
/// new clients queue in the kernel's listen backlog.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::extract::ConnectInfo;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use std::sync::Arc;
    use tower::ServiceExt;

    let header_read_timeout = state.config().header_read_timeout;
    let slots = Arc::new(tokio::sync::Semaphore::new(state.config().max_connections.max(1)));
    let app = router(state);
    // Dropped when `shutdown` resolves: every connection then finishes its request and closes.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Finished connections are reaped here so the set stays small.
        while connections.try_join_next().is_some() {}
        let service = app.clone().map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(remote));
            req
        });
        let mut stop = stop_rx.clone();
        connections.spawn(async move {
            let _slot = slot;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .max_buf_size(MAX_HEAD_BUFFER_BYTES)
                .max_headers(MAX_HEADER_FIELDS_PARSED);
            let conn = builder.serve_connection(
                TokioIo::new(stream),
                hyper_util::service::TowerToHyperService::new(service),
            );
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, %remote, "connection ended");
                    }
                    return;
                }
                _ = stop.changed() => {}
            }
            conn.as_mut().graceful_shutdown();
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %remote, "connection ended during shutdown");
            }
        });
    }
    drop(listener);
    drop(stop_tx);
    while connections.join_next().await.is_some() {}
    Ok(())
}
