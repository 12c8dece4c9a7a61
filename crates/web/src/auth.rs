//! Who is asking, and may they. API clients send `Authorization: Bearer <token>`; browsers
//! carry a session cookie. Every unsafe request made with a session cookie must prove it came
//! from our own page (a CSRF token in the `X-CSRF-Token` header or the form's `csrf` field);
//! anonymous form posts (login, register) use a double-submit cookie instead.

use crate::error::AppError;
use crate::locale::cookie;
use crate::state::{AppState, PasswordCost};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use canyu_core::{ErrorCode, Role};
use canyu_store::{TokenLookup, User};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "canyu_session";
pub const ANON_CSRF_COOKIE: &str = "canyu_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf";

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Auth {
    pub user: User,
    pub via: AuthVia,
}

#[derive(Clone, Debug)]
pub enum AuthVia {
    Session { token_hash: String, csrf: String },
    Token,
}

impl Auth {
    /// Refuses callers whose role is below `role`. Every staff action goes through here.
    pub fn require(&self, role: Role) -> Result<(), AppError> {
        if self.user.role >= role { Ok(()) } else { Err(AppError(ErrorCode::Forbidden)) }
    }
}

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
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Auth>().cloned().map(RequireAuth).ok_or(AppError(ErrorCode::Unauthenticated))
    }
}

pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Secrets are stored only as SHA-256 digests: a leaked database reveals no usable token.
/// (Tokens are 256 random bits, so a fast hash is enough; passwords get Argon2.)
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn argon2(cost: PasswordCost) -> Argon2<'static> {
    let params = match cost {
        // OWASP: Argon2id, 19 MiB, 2 iterations, 1 lane.
        PasswordCost::Standard => Params::new(19 * 1024, 2, 1, None),
        PasswordCost::Fast => Params::new(256, 1, 1, None),
    };
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.unwrap_or_default())
}

/// Hashes on a blocking thread: Argon2 is deliberately slow and must not stall the runtime.
pub async fn hash_password(cost: PasswordCost, password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        argon2(cost).hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError(ErrorCode::Internal)
        })
    })
    .await?
}

pub async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    // The hash string carries its own parameters, so the cost setting does not matter here.
    Ok(tokio::task::spawn_blocking(move || {
        argon2(PasswordCost::Standard).verify_password(password.as_bytes(), hash.as_str()).is_ok()
    })
    .await?)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads the `csrf` field of a form body and puts the body back for the handler.
async fn form_csrf_field(req: Request) -> Result<(Request, Option<String>), AppError> {
    let (parts, body) = req.into_parts();
    // Read with the same cap as every extractor: this runs before anyone is authenticated.
    let bytes = axum::body::to_bytes(body, crate::MAX_BODY_BYTES)
        .await
        .map_err(|_| AppError(ErrorCode::PayloadTooLarge))?;
    let field = form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned());
    Ok((Request::from_parts(parts, Body::from(bytes)), field))
}

pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match authenticate_inner(&state, req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn authenticate_inner(state: &AppState, mut req: Request) -> Result<Request, AppError> {
    let now = state.now();
    if let Some(token) = bearer(req.headers()) {
        let digest = token_digest(token);
        match state.store.token_user(&digest, now).await? {
            TokenLookup::Valid { user, token_id } => {
                state.token_uses.note(token_id, now);
                req.extensions_mut().insert(Auth { user, via: AuthVia::Token });
                return Ok(req);
            }
            TokenLookup::Expired => return Err(AppError(ErrorCode::TokenExpired)),
            TokenLookup::Invalid => return Err(AppError(ErrorCode::TokenInvalid)),
        }
    }
    let unsafe_method = is_unsafe(req.method());
    let session = match cookie(req.headers(), SESSION_COOKIE) {
        Some(raw) => {
            let digest = token_digest(raw);
            state
                .store
                .session_user(&digest, now)
                .await?
                .map(|(user, csrf)| Auth { user, via: AuthVia::Session { token_hash: digest, csrf } })
        }
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
            return Err(AppError(ErrorCode::CsrfFailed));
        }
        let header_token = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
        let presented = match header_token {
            Some(t) => Some(t),
            None if is_form(req.headers()) => {
                let (r, field) = form_csrf_field(req).await?;
                req = r;
                field
            }
            None => None,
        };
        let ok = !expected.is_empty() && presented.as_deref().is_some_and(|p| constant_time_eq(p, &expected));
        if !ok {
            return Err(AppError(ErrorCode::CsrfFailed));
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

/// Starts a browser session for `user`: returns the `Set-Cookie` value.
pub async fn start_session(state: &AppState, user: &User) -> Result<HeaderValue, AppError> {
    let token = random_token(32);
    let csrf = random_token(32);
    let now = state.now();
    let ttl = state.config.session_ttl;
    state
        .store
        .create_session(&token_digest(&token), user.id, &csrf, now, now + ttl.as_millis() as i64)
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        ttl.as_secs(),
        if state.config.secure_cookies { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&cookie).map_err(|_| AppError(ErrorCode::Internal))
}

/// Ends the caller's browser session (if any): returns the `Set-Cookie` that clears it.
pub async fn end_session(state: &AppState, auth: Option<&Auth>) -> Result<HeaderValue, AppError> {
    if let Some(Auth { via: AuthVia::Session { token_hash, .. }, .. }) = auth {
        state.store.delete_session(token_hash).await?;
    }
    Ok(HeaderValue::from_static("canyu_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"))
}

/// Issues an API token for `user`: returns the secret (shown once) and its record.
pub async fn issue_api_token(
    state: &AppState,
    user: &User,
    name: &str,
) -> Result<(String, canyu_store::ApiToken), AppError> {
    let secret = format!("cy_{}", random_token(32));
    let now = state.now();
    let expires = now + state.config.api_token_ttl.as_millis() as i64;
    let record = state.store.create_api_token(user.id, name, &token_digest(&secret), now, expires).await?;
    Ok((secret, record))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn argon2_round_trip() {
        let hash = hash_password(PasswordCost::Fast, "correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), hash.clone()).await.unwrap());
        assert!(!verify_password("wrong horse".into(), hash).await.unwrap());
    }

    #[test]
    fn digests_and_comparisons() {
        assert_eq!(token_digest("a").len(), 64);
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
