//! One-click unsubscribe from notification emails (RFC 8058). The link carries the fan's id
//! and a token signed with this instance's link secret, so it works without signing in;
//! mail clients POST to it without cookies, so it is exempt from the CSRF check (the token
//! is the proof, and all it can do is turn email off).

use super::i18n::T;
use super::{Cx, Layout};
use crate::error::WebResult;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::Response;

/// The path of `user_id`'s unsubscribe link.
pub use canyu_app::notify::unsubscribe_path as path;

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
) -> WebResult<Response> {
    canyu_app::notify::check_unsubscribe(&state, &user, &token)?;
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
) -> WebResult<Response> {
    canyu_app::notify::unsubscribe(&state, &user, &token).await?;
    Ok(cx.ok(UnsubscribePage { t: cx.t, ctx: cx.layout(""), action: String::new(), done: true }))
}
