//! `/inbox`: the signed-in fan's notifications. Opening the inbox does not mark anything
//! read; the fan does, with one button (the API marks single ones).

use super::i18n::{self, T};
use super::{Cx, Layout, TimeView, see_other, url};
use crate::api::notifications::notification_url;
use crate::error::WebResult;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

const PAGE: i64 = 30;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InboxQuery {
    pub before: Option<i64>,
}

pub struct Row {
    pub kind: &'static str,
    pub text: String,
    pub url: Option<String>,
    pub actor: Option<String>,
    pub unread: bool,
    pub time: TimeView,
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub rows: Vec<Row>,
    pub unread: i64,
    pub older_url: Option<String>,
}

pub async fn page(State(state): State<AppState>, cx: Cx, Query(q): Query<InboxQuery>) -> WebResult<Response> {
    let auth = cx.user()?;
    let items = canyu_app::notify::inbox(&state, auth, q.before.filter(|b| *b > 0), PAGE).await?;
    let older_url = match items.last() {
        Some(last) if items.len() as i64 == PAGE => Some(url("/inbox", &[("before", &last.id.to_string())])),
        _ => None,
    };
    let rows = items
        .iter()
        .map(|n| Row {
            kind: n.kind.as_str(),
            text: i18n::notification_text(cx.locale, n),
            url: notification_url(n),
            actor: n.actor_handle.clone(),
            unread: n.read_at.is_none(),
            time: cx.time(n.created_at),
        })
        .collect();
    Ok(cx.ok(InboxPage { t: cx.t, ctx: cx.layout("inbox"), rows, unread: cx.unread, older_url }))
}

pub async fn mark_all_read(State(state): State<AppState>, cx: Cx) -> WebResult<Response> {
    let auth = cx.user()?;
    canyu_app::notify::mark_read(&state, auth, None).await?;
    Ok(see_other("/inbox"))
}
