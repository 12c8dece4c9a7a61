//! canyu's HTTP server: server-rendered pages for people, a JSON API under `/api/v1` for
//! clients, `/healthz` and `/metrics` for operators.

pub mod api;
mod assets;
pub mod auth;
pub mod changelog;
pub mod client_ip;
pub mod error;
pub mod i18n;
pub mod locale;
pub mod markdown;
pub mod metrics;
pub mod pages;
pub mod state;

pub use state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::routing::get;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// Bodies larger than this are refused before any handler reads them: a post's 20,000
/// characters are at most 80 KB of UTF-8, plus form encoding.
pub const MAX_BODY_BYTES: usize = 512 * 1024;

/// The whole application: every route and the layers that wrap them.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .route("/healthz", get(health))
        .merge(assets::routes())
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
        .layer(middleware::from_fn(locale::negotiate))
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

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
