//! `/users/{handle}`: a fan's public profile and posts.

use super::i18n::{self, T};
use super::{Cx, Layout, PostCard, url, user_url};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use canyu_core::ErrorCode;
use canyu_store::{PostFilter, Sort};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProfileQuery {
    pub cursor: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
pub struct ProfilePage {
    pub t: &'static T,
    pub ctx: Layout,
    pub handle: String,
    pub initial: String,
    pub role_value: &'static str,
    pub role_label: &'static str,
    pub staff: bool,
    pub bio: String,
    pub joined: String,
    pub posts: Vec<PostCard>,
    pub more_url: Option<String>,
    pub first_url: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    cx: Cx,
    Path(handle): Path<String>,
    Query(q): Query<ProfileQuery>,
) -> AppResult<Response> {
    let user = state.store.user_by_handle(&handle).await?.ok_or(AppError(ErrorCode::UserNotFound))?.user;
    let cursor = q.cursor.as_deref().filter(|c| !c.is_empty());
    let page = state
        .store
        .list_posts(&PostFilter {
            author_id: Some(user.id),
            sort: Sort::New,
            cursor,
            limit: 20,
            ..Default::default()
        })
        .await?;
    let base = user_url(&user.handle);
    let posts = cx.cards(&state, &page.items).await?;
    Ok(cx.ok(ProfilePage {
        t: cx.t,
        ctx: cx.layout(""),
        initial: user.handle.chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default(),
        role_value: user.role.as_str(),
        role_label: i18n::role_label(cx.t, user.role),
        staff: user.role.can_triage(),
        bio: user.bio.clone(),
        joined: i18n::date(user.created_at),
        more_url: page.next_cursor.map(|c| url(&base, &[("cursor", &c)])),
        first_url: cursor.map(|_| base.clone()),
        handle: user.handle,
        posts,
    }))
}
