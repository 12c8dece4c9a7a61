//! Static assets compiled into the binary, so one file is the whole product. Pages link them
//! with `?v=<hash of their content>`, so browsers may cache them for a year: a new build
//! changes the address.

use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const APP_CSS: &str = include_str!("../assets/app.css");
const APP_JS: &str = include_str!("../assets/app.js");
const ICON_SVG: &str = include_str!("../assets/icon.svg");
/// The door scanner's script, only on its page: verifies tickets offline, queues scans.
const SCAN_JS: &str = include_str!("../assets/scan.js");

static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    for part in [APP_CSS, APP_JS, ICON_SVG, SCAN_JS] {
        h.update(part.as_bytes());
    }
    hex::encode(&h.finalize()[..6])
});

/// A short hash of every asset, for cache-busting query strings.
pub fn version() -> &'static str {
    VERSION.as_str()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/app.css", get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }))
        .route("/assets/app.js", get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }))
        .route("/assets/scan.js", get(|| async { asset(SCAN_JS, "text/javascript; charset=utf-8") }))
        .route("/assets/icon.svg", get(|| async { asset(ICON_SVG, "image/svg+xml") }))
        .route("/favicon.ico", get(|| async { asset(ICON_SVG, "image/svg+xml") }))
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        body,
    )
        .into_response()
}
