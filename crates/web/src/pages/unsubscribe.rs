//! One-click unsubscribe from notification emails (RFC 8058). The link carries the fan's id
//! and a token signed with this instance's link secret, so it works without signing in;
//! mail clients POST to it without cookies, so it is exempt from the CSRF check (the token
//! is the proof, and all it can do is turn email off).

use super::i18n::T;
use super::{Cx, Layout};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::Response;
use canyu_core::ErrorCode;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The token of `user_id`'s unsubscribe link.
pub fn token(secret: &[u8], user_id: i64) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        // HMAC takes keys of any length; this cannot happen.
        return String::new();
    };
    mac.update(format!("unsubscribe:{user_id}").as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// The path of `user_id`'s unsubscribe link.
pub fn path(secret: &[u8], user_id: i64) -> String {
    format!("/unsubscribe/{user_id}/{}", token(secret, user_id))
}

fn check(state: &AppState, user: &str, given: &str) -> AppResult<i64> {
    let user_id = user.parse::<i64>().map_err(|_| AppError(ErrorCode::NotFound))?;
    let expected = token(&state.link_secret, user_id);
    if expected.is_empty() || !crate::auth::constant_time_eq(&expected, given) {
        return Err(AppError(ErrorCode::NotFound));
    }
    Ok(user_id)
}

#[derive(Template, WebTemplate)]
#[template(path = "unsubscribe.html")]
pub struct UnsubscribePage {
    pub t: &'static T,
    pub ctx: Layout,
    pub action: String,
    pub done: bool,
}

pub async fn form(
    State(state): State<AppState>,
    cx: Cx,
    Path((user, token)): Path<(String, String)>,
) -> AppResult<Response> {
    check(&state, &user, &token)?;
    Ok(cx.ok(UnsubscribePage {
        t: cx.t,
        ctx: cx.layout(""),
        action: format!("/unsubscribe/{user}/{token}"),
        done: false,
    }))
}

pub async fn confirm(
    State(state): State<AppState>,
    cx: Cx,
    Path((user, token)): Path<(String, String)>,
) -> AppResult<Response> {
    let user_id = check(&state, &user, &token)?;
    state.store.set_email_notifications(user_id, false).await?;
    tracing::info!(user = user_id, "unsubscribed from email");
    Ok(cx.ok(UnsubscribePage { t: cx.t, ctx: cx.layout(""), action: String::new(), done: true }))
}
