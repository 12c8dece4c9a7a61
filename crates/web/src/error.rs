//! One error type for every handler. A handler returns a `WebError` (an `AppError` from a use
//! case, or an `ErrorCode` of its own); the `render_errors`
//! layer, which knows the request's language and whether it came from the API or a browser,
//! turns it into `{"error": {"code", "message"}}` or an HTML page.

use crate::locale::Lang;
use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use canyu_app::AppError;
use canyu_core::{ErrorCode, Locale};
use serde::de::DeserializeOwned;

/// An [`AppError`] on its way to an HTTP answer.
#[derive(Debug)]
pub struct WebError(pub AppError);

pub type WebResult<T> = Result<T, WebError>;

/// Adapters read a refusal's code and detail alike whether it came from a use case or from
/// the adapter itself.
impl std::ops::Deref for WebError {
    type Target = AppError;

    fn deref(&self) -> &AppError {
        &self.0
    }
}

impl From<ErrorCode> for WebError {
    fn from(code: ErrorCode) -> Self {
        WebError(AppError::new(code))
    }
}

impl From<AppError> for WebError {
    fn from(err: AppError) -> Self {
        WebError(err)
    }
}

/// Forms show refusals from the adapter and from use cases alike.
impl From<WebError> for AppError {
    fn from(err: WebError) -> Self {
        err.0
    }
}

impl From<tokio::task::JoinError> for WebError {
    fn from(err: tokio::task::JoinError) -> Self {
        WebError(err.into())
    }
}

pub fn forbidden() -> WebError {
    ErrorCode::Forbidden.into()
}

pub fn unauthenticated() -> WebError {
    ErrorCode::Unauthenticated.into()
}

/// A product named by the path (`/products/{slug}/…`) that does not exist is 404 `not_found`,
/// as any other missing path is; named in a body or a query, the same slug is 422
/// `unknown_product` (the request is well addressed, one of its values is wrong).
pub trait ProductInPath {
    fn product_in_path(self) -> Self;
}

impl<T> ProductInPath for Result<T, AppError> {
    fn product_in_path(self) -> Self {
        self.map_err(
            |e| if e.code == ErrorCode::UnknownProduct { AppError::new(ErrorCode::NotFound) } else { e },
        )
    }
}

pub fn post_not_found() -> WebError {
    ErrorCode::PostNotFound.into()
}

/// A reason shown after the code's message (e.g. what was wrong with a JSON body).
#[derive(Clone, Debug)]
struct ErrorDetail(String);

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let AppError { code, detail, retry_after } = self.0;
        let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = status.into_response();
        if code == ErrorCode::RateLimited {
            // The bucket's own wait; a minute refills any bucket when it is not known.
            let secs = retry_after.unwrap_or(60);
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res.extensions_mut().insert(code);
        if let Some(detail) = detail {
            res.extensions_mut().insert(ErrorDetail(detail));
        }
        res
    }
}

pub async fn not_found() -> WebError {
    ErrorCode::NotFound.into()
}

pub async fn method_not_allowed() -> WebError {
    ErrorCode::MethodNotAllowed.into()
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
    // Bad heads are refused here, before any handler, rather than in a layer of their own
    // (see `crate::metrics::track` for what a layer costs).
    let res = match crate::refused_request_head(&req) {
        Some(code) => WebError::from(code).into_response(),
        None => next.run(req).await,
    };
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
    let detail = res.extensions().get::<ErrorDetail>().map(|d| d.0.clone());
    let mut out = if json {
        error_json_with(code, locale, status, detail.as_deref())
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
    error_json_with(code, locale, status, None)
}

/// The error body; `detail` (already safe to show) follows the code's message.
fn error_json_with(code: ErrorCode, locale: Locale, status: StatusCode, detail: Option<&str>) -> Response {
    let message = match detail {
        Some(detail) => format!("{} ({detail})", code.message(locale)),
        None => code.message(locale).to_string(),
    };
    let body = serde_json::json!({ "error": { "code": code.as_str(), "message": message } });
    (status, Json(body)).into_response()
}

/// A JSON request body. Unlike axum's `Json`, its refusals carry canyu's error codes:
/// `unsupported_media_type` without `Content-Type: application/json`, `invalid_json` when
/// the body does not parse into `T`.
pub struct ApiJson<T>(pub T);

/// A JSON request body that is an array (a batch of rows), with [`ApiJson`]'s refusals.
pub struct ApiJsonList<T>(pub Vec<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_json(req, state, b'{', "the body must be a JSON object").await.map(ApiJson)
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJsonList<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_json(req, state, b'[', "the body must be a JSON array").await.map(ApiJsonList)
    }
}

/// Reads a JSON body whose first character is `opener` (`{` or `[`).
async fn read_json<T: DeserializeOwned, S: Send + Sync>(
    req: Request,
    state: &S,
    opener: u8,
    shape: &'static str,
) -> Result<T, WebError> {
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
        return Err(ErrorCode::UnsupportedMediaType.into());
    }
    let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::from(ErrorCode::PayloadTooLarge)
        } else {
            WebError::from(ErrorCode::InvalidJson)
        }
    })?;
    refuse_json_controls(&bytes)?;
    if bytes.trim_ascii_start().first() != Some(&opener) {
        return Err(WebError(AppError::with_detail(ErrorCode::InvalidJson, shape)));
    }
    serde_json::from_slice(&bytes).or_else(|e| with_integral_floats_as_integers(&bytes).ok_or(e)).map_err(
        |e| {
            // serde's reason names the field and the position, and at most echoes the caller's
            // own value back: safe to show, cut short so a huge value is not sent back whole.
            tracing::debug!(error = %e, "refused JSON body");
            let reason: String = e.to_string().chars().take(200).collect();
            WebError(AppError::with_detail(ErrorCode::InvalidJson, reason))
        },
    )
}

/// JSON Schema counts `2.0` as an integer, and JavaScript clients send one for `2` when it came
/// from arithmetic, but serde refuses it for an `i64` field. A body refused for that is read
/// again with each float that is a whole number in `i64`'s range made an integer; any other
/// body keeps its first reading's refusal.
pub(crate) fn with_integral_floats_as_integers<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    use serde_json::Value;
    fn fix(value: &mut Value) -> bool {
        match value {
            Value::Number(n) if n.is_f64() => match n.as_f64() {
                // 2^63 as an f64: every whole f64 below it in size is an exact i64.
                Some(f) if f.fract() == 0.0 && f.abs() < 9_223_372_036_854_775_808.0 => {
                    *value = Value::from(f as i64);
                    true
                }
                _ => false,
            },
            Value::Array(items) => items.iter_mut().fold(false, |changed, v| fix(v) | changed),
            Value::Object(fields) => fields.values_mut().fold(false, |changed, v| fix(v) | changed),
            _ => false,
        }
    }
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    if !fix(&mut value) {
        return None;
    }
    serde_json::from_value(value).ok()
}

/// Every request body of the API is a JSON object (the document says so), but serde also fills
/// a struct from an array — `[null]` would mean "mark all read" — which no client means.
/// An optional JSON object body: nothing (or whitespace) is `T::default()`; anything else is
/// read with [`ApiJson`]'s rules and refusals.
pub(crate) fn optional_json_object<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, WebError> {
    let body = body.trim_ascii();
    if body.is_empty() {
        return Ok(T::default());
    }
    require_json_object(body)?;
    refuse_json_controls(body)?;
    serde_json::from_slice(body)
        .ok()
        .or_else(|| with_integral_floats_as_integers(body))
        .ok_or(WebError::from(ErrorCode::InvalidJson))
}

pub(crate) fn require_json_object(bytes: &[u8]) -> Result<(), WebError> {
    match bytes.trim_ascii_start().first() {
        Some(b'{') => Ok(()),
        _ => Err(WebError(AppError::with_detail(ErrorCode::InvalidJson, "the body must be a JSON object"))),
    }
}

/// Refuses a JSON body with a control character (NUL, ESC…; line breaks and tabs aside) in
/// any string or key: `control_character`, before any field reaches a use case or the
/// database (PostgreSQL cannot store NUL; SQLite did, issue #17). Raw control characters are
/// not valid JSON, so only `\u00XX` escapes can carry one: bodies without one skip the parse.
fn refuse_json_controls(bytes: &[u8]) -> Result<(), WebError> {
    fn walk(value: &serde_json::Value) -> Result<(), ErrorCode> {
        match value {
            serde_json::Value::String(s) => canyu_core::text::refuse_controls_multiline(s),
            serde_json::Value::Array(items) => items.iter().try_for_each(walk),
            serde_json::Value::Object(fields) => fields.iter().try_for_each(|(k, v)| {
                canyu_core::text::refuse_controls_multiline(k)?;
                walk(v)
            }),
            _ => Ok(()),
        }
    }
    let may_escape_control = bytes.windows(4).any(|w| w == b"\\u00");
    if !may_escape_control {
        return Ok(());
    }
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(value) => walk(&value).map_err(WebError::from),
        // Not JSON: the typed parse that follows says why.
        Err(_) => Ok(()),
    }
}
