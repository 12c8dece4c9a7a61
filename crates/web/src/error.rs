//! One error type for every handler. A handler returns `AppError(code)`; the `render_errors`
//! layer, which knows the request's language and whether it came from the API or a browser,
//! turns it into `{"error": {"code", "message"}}` or an HTML page.

use crate::locale::Lang;
use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use canyu_core::{ErrorCode, Locale};
use canyu_store::StoreError;
use serde::de::DeserializeOwned;

#[derive(Debug)]
pub struct AppError(pub ErrorCode);

pub type AppResult<T> = Result<T, AppError>;

impl From<ErrorCode> for AppError {
    fn from(code: ErrorCode) -> Self {
        AppError(code)
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Rejected(code) => AppError(code),
            other => {
                tracing::error!(error = %other, "database error");
                AppError(ErrorCode::Internal)
            }
        }
    }
}

impl From<canyu_launch::claims::ClaimsUnavailable> for AppError {
    fn from(err: canyu_launch::claims::ClaimsUnavailable) -> Self {
        tracing::error!(error = %err, "campaign claims unavailable");
        AppError(ErrorCode::Unavailable)
    }
}

impl From<canyu_text::TextError> for AppError {
    fn from(err: canyu_text::TextError) -> Self {
        tracing::error!(error = %err, "search index error");
        AppError(ErrorCode::Internal)
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(err: tokio::task::JoinError) -> Self {
        tracing::error!(error = %err, "background task failed");
        AppError(ErrorCode::Internal)
    }
}

pub fn forbidden() -> AppError {
    AppError(ErrorCode::Forbidden)
}

pub fn unauthenticated() -> AppError {
    AppError(ErrorCode::Unauthenticated)
}

pub fn post_not_found() -> AppError {
    AppError(ErrorCode::PostNotFound)
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = status.into_response();
        if self.0 == ErrorCode::RateLimited {
            // Buckets refill within a minute, whatever their size.
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
        res.extensions_mut().insert(self.0);
        res
    }
}

pub async fn not_found() -> AppError {
    AppError(ErrorCode::NotFound)
}

pub async fn method_not_allowed() -> AppError {
    AppError(ErrorCode::MethodNotAllowed)
}

/// Whether the client wants JSON: API paths always; elsewhere an explicit `Accept`.
fn wants_json(path: &str, headers: &HeaderMap) -> bool {
    path.starts_with("/api/")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.starts_with("application/json"))
}

/// Maps errors raised outside our handlers (axum's own rejections, the body limit) to codes.
fn code_for_bare_status(status: StatusCode) -> Option<ErrorCode> {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => Some(ErrorCode::PayloadTooLarge),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Some(ErrorCode::UnsupportedMediaType),
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => Some(ErrorCode::InvalidQuery),
        StatusCode::NOT_FOUND => Some(ErrorCode::NotFound),
        StatusCode::METHOD_NOT_ALLOWED => Some(ErrorCode::MethodNotAllowed),
        StatusCode::INTERNAL_SERVER_ERROR => Some(ErrorCode::Internal),
        _ => None,
    }
}

pub async fn render_errors(req: Request, next: Next) -> Response {
    let locale = req.extensions().get::<Lang>().map(|l| l.0).unwrap_or_default();
    let path = req.uri().path().to_string();
    let path_and_query = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
    let json = wants_json(&path, req.headers());
    let is_get = req.method() == axum::http::Method::GET;
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let code = match res.extensions().get::<ErrorCode>() {
        Some(code) => *code,
        // Axum's own rejections (a malformed path or query) come as plain text; anything
        // else without a code is a body we wrote on purpose and stays as it is.
        None if !is_plain_text(&res) => return res,
        None => match code_for_bare_status(status) {
            Some(code) => code,
            None => return res,
        },
    };
    let extra_headers: Vec<(header::HeaderName, HeaderValue)> = res
        .headers()
        .iter()
        .filter(|(k, _)| *k == header::SET_COOKIE || *k == header::RETRY_AFTER)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut out = if json {
        error_json(code, locale, status)
    } else if code == ErrorCode::Unauthenticated && is_get {
        let target = form_urlencoded::byte_serialize(path_and_query.as_bytes()).collect::<String>();
        Redirect::to(&format!("/login?next={target}")).into_response()
    } else {
        (status, crate::pages::error_page(locale, code)).into_response()
    };
    for (k, v) in extra_headers {
        out.headers_mut().append(k, v);
    }
    out
}

fn is_plain_text(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"))
}

pub fn error_json(code: ErrorCode, locale: Locale, status: StatusCode) -> Response {
    let body = serde_json::json!({
        "error": { "code": code.as_str(), "message": code.message(locale) }
    });
    (status, Json(body)).into_response()
}

/// A JSON request body. Unlike axum's `Json`, its refusals carry canyu's error codes:
/// `unsupported_media_type` without `Content-Type: application/json`, `invalid_json` when
/// the body does not parse into `T`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim();
                m.eq_ignore_ascii_case("application/json") || m.ends_with("+json")
            });
        if !is_json {
            return Err(AppError(ErrorCode::UnsupportedMediaType));
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError(ErrorCode::PayloadTooLarge)
            } else {
                AppError(ErrorCode::InvalidJson)
            }
        })?;
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|_| AppError(ErrorCode::InvalidJson))
    }
}
