//! Who is asking, and may they. API clients send `Authorization: Bearer <token>`; browsers
//! carry a session cookie. Every unsafe request made with a session cookie must prove it came
//! from our own page (a CSRF token in the `X-CSRF-Token` header or the form's `csrf` field);
//! anonymous form posts (login, register) use a double-submit cookie instead.

use crate::error::WebError;
use crate::locale::cookie;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use canyu_app::accounts::{self, sessions};
pub use canyu_app::accounts::{Auth, AuthVia, constant_time_eq, random_token};
use canyu_app::model::User;
use canyu_core::ErrorCode;

pub const SESSION_COOKIE: &str = "canyu_session";
pub const ANON_CSRF_COOKIE: &str = "canyu_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf";

/// The caller, if signed in.
pub struct MaybeAuth(pub Option<Auth>);

/// The caller, who must be signed in (401 otherwise, or a redirect to the login page).
pub struct RequireAuth(pub Auth);

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuth {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuth(parts.extensions.get::<Auth>().cloned()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequireAuth {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Auth>()
            .cloned()
            .map(RequireAuth)
            .ok_or(WebError::from(ErrorCode::Unauthenticated))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A page form that carries files (`multipart/form-data`). Its `csrf` field is checked by
/// [`crate::uploads::read_form`] as it streams the body (reading it here would mean holding
/// every image in memory before knowing who sent it), so only routes whose handler reads
/// their body that way accept one: [`takes_multipart`].
fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The page routes that read `multipart/form-data` with [`crate::uploads::read_form`]: a new
/// post (`/products/{slug}/new`) and a comment (`/posts/{id}/comments`). Any other route
/// refuses a multipart body before its handler runs, so a handler that reads no body can
/// never act on an unchecked one.
fn takes_multipart(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(segments.as_slice(), ["products", _, "new"] | ["posts", _, "comments"])
}

/// The CSRF token a multipart form must carry as its first field, left for the handler to
/// check while streaming the body.
#[derive(Clone)]
pub struct PendingCsrf(pub String);

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Reads the `csrf` field of a form body and puts the body back for the handler.
async fn form_csrf_field(req: Request) -> Result<(Request, Option<String>), WebError> {
    let (parts, body) = req.into_parts();
    // Read with the same cap as every extractor: this runs before anyone is authenticated.
    let bytes = axum::body::to_bytes(body, crate::MAX_BODY_BYTES)
        .await
        .map_err(|_| WebError::from(ErrorCode::PayloadTooLarge))?;
    let field = form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned());
    Ok((Request::from_parts(parts, Body::from(bytes)), field))
}

pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match authenticate_inner(&state, req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn authenticate_inner(state: &AppState, mut req: Request) -> Result<Request, WebError> {
    if let Some(token) = bearer(req.headers()) {
        let auth = sessions::authenticate_token(state, token).await?;
        // A channel's token reports that channel's sales and opens nothing else, whatever the
        // route: checked here, where every request passes.
        if let AuthVia::ChannelToken { channel } = &auth.via {
            let own_report = format!("/api/v1/channels/{channel}/sales");
            if req.method() != Method::POST || req.uri().path() != own_report {
                return Err(ErrorCode::ChannelTokenScope.into());
            }
        }
        req.extensions_mut().insert(auth);
        return Ok(req);
    }
    let unsafe_method = is_unsafe(req.method());
    let session = match cookie(req.headers(), SESSION_COOKIE) {
        Some(raw) => sessions::authenticate_session(state, raw).await?,
        None => None,
    };
    // Unsubscribe links are signed and only turn email off; mail clients POST to them
    // (RFC 8058) without cookies.
    if !unsafe_method || req.uri().path().starts_with("/unsubscribe/") {
        if let Some(auth) = session {
            req.extensions_mut().insert(auth);
        }
        return Ok(req);
    }
    // Unsafe request without a bearer token: it must carry proof that our page sent it.
    let expected = match &session {
        Some(Auth { via: AuthVia::Session { csrf, .. }, .. }) => Some(csrf.clone()),
        _ if is_form(req.headers()) => {
            Some(cookie(req.headers(), ANON_CSRF_COOKIE).unwrap_or_default().to_string())
        }
        // Anonymous JSON (an API client registering or logging in) carries no ambient
        // credential, so there is nothing to forge.
        _ => None,
    };
    if let Some(expected) = expected {
        if expected.is_empty() {
            return Err(WebError::from(ErrorCode::CsrfFailed));
        }
        let header_token = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
        let presented = match header_token {
            Some(t) => Some(t),
            None if is_multipart(req.headers()) && takes_multipart(req.uri().path()) => {
                req.extensions_mut().insert(PendingCsrf(expected));
                if let Some(auth) = session {
                    req.extensions_mut().insert(auth);
                }
                return Ok(req);
            }
            None if is_form(req.headers()) => {
                let (r, field) = form_csrf_field(req).await?;
                req = r;
                field
            }
            None => None,
        };
        let ok = !expected.is_empty() && presented.as_deref().is_some_and(|p| constant_time_eq(p, &expected));
        if !ok {
            return Err(WebError::from(ErrorCode::CsrfFailed));
        }
    }
    if let Some(auth) = session {
        req.extensions_mut().insert(auth);
    }
    Ok(req)
}

/// The CSRF token a page must embed for this caller, and a cookie to set if the caller is
/// anonymous and has none yet.
pub fn csrf_for(auth: Option<&Auth>, headers: &HeaderMap, secure: bool) -> (String, Option<HeaderValue>) {
    if let Some(Auth { via: AuthVia::Session { csrf, .. }, .. }) = auth {
        return (csrf.clone(), None);
    }
    if let Some(existing) = cookie(headers, ANON_CSRF_COOKIE).filter(|c| c.len() >= 32) {
        return (existing.to_string(), None);
    }
    let token = random_token(32);
    let cookie = format!(
        "{ANON_CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    (token, HeaderValue::from_str(&cookie).ok())
}

/// The browser's device cookie: a random id kept for a year across sign-ins, so that one
/// browser ordering for several accounts in a campaign can be flagged.
pub const DEVICE_COOKIE: &str = "canyu_device";

/// The browser's device id, and the `Set-Cookie` value when it has none yet (or a malformed
/// one) and this response gives it one.
pub fn device_for(headers: &HeaderMap, secure: bool) -> (String, Option<HeaderValue>) {
    if let Some(existing) = cookie(headers, DEVICE_COOKIE)
        && canyu_core::campaign::parse_device_id(existing).is_ok()
    {
        return (existing.to_string(), None);
    }
    let token = random_token(16);
    let cookie = format!(
        "{DEVICE_COOKIE}={token}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    (token, HeaderValue::from_str(&cookie).ok())
}

/// The referral link a visitor opened (`/r/{code}`), remembered for 30 days so that the
/// sign-up it leads to, today or later this month, is the referrer's invitee.
pub const REFERRAL_COOKIE: &str = "canyu_ref";

pub fn referral_cookie(code: &str, secure: bool) -> Option<HeaderValue> {
    let max_age = canyu_core::referral::COOKIE_DAYS * 86_400;
    HeaderValue::from_str(&format!(
        "{REFERRAL_COOKIE}={code}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    ))
    .ok()
}

/// Forgets the referral link once the sign-up it led to is done.
pub const CLEAR_REFERRAL_COOKIE: &str = "canyu_ref=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax";

/// Starts a browser session for `user`: returns the `Set-Cookie` value.
pub async fn start_session(state: &AppState, user: &User) -> Result<HeaderValue, WebError> {
    let token = sessions::start_session(state, user).await?;
    let ttl = state.config().session_ttl;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        ttl.as_secs(),
        if state.config().secure_cookies { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&cookie).map_err(|_| WebError::from(ErrorCode::Internal))
}

/// Ends the caller's browser session (if any): returns the `Set-Cookie` that clears it.
pub async fn end_session(state: &AppState, auth: Option<&Auth>) -> Result<HeaderValue, WebError> {
    accounts::sessions::end_session(state, auth).await?;
    Ok(HeaderValue::from_static("canyu_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }

    #[test]
    fn only_the_upload_forms_take_multipart() {
        assert!(takes_multipart("/products/xiaomi-su7/new"));
        assert!(takes_multipart("/posts/12/comments"));
        for path in ["/posts/12/vote", "/products/x/new/more", "/logout", "/posts/12/delete", "/api/v1/posts"]
        {
            assert!(!takes_multipart(path), "{path}");
        }
    }
}
