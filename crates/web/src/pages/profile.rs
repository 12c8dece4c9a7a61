//! `/users/{handle}`: a fan's public profile and posts.

use super::i18n::{self, T};
use super::{Cx, Layout, PostCard, url, user_url};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use canyu_app::model::{PostFilter, Sort};
use canyu_core::ErrorCode;
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
    pub points: i64,
    pub level_number: u8,
    pub level_name: &'static str,
    pub next_level: Option<String>,
    /// (code, name)
    pub badges: Vec<(&'static str, &'static str)>,
    pub credited: Vec<Credited>,
    /// 人车家: the ecosystem categories the fan owns something in.
    pub owns: Vec<String>,
    /// "人车家全生态" when they own a phone, a car and a home device.
    pub ecosystem: Option<&'static str>,
    pub owns_label: &'static str,
    /// Official title, followers, the follow button, announcements and the composer.
    pub voice: super::voices::ProfileVoice,
}

pub struct Credited {
    pub title: String,
    pub url: String,
    pub product: String,
    pub date: String,
}

pub async fn page(
    State(state): State<AppState>,
    cx: Cx,
    Path(handle): Path<String>,
    Query(q): Query<ProfileQuery>,
) -> WebResult<Response> {
    let user = canyu_app::accounts::user_by_handle(&state, &handle)
        .await?
        .ok_or(WebError::from(ErrorCode::UserNotFound))?;
    let cursor = q.cursor.as_deref().filter(|c| !c.is_empty());
    let page = canyu_app::board::list_posts(
        &state,
        &PostFilter { author_id: Some(user.id), sort: Sort::New, cursor, limit: 20, ..Default::default() },
    )
    .await?;
    let base = user_url(&user.handle);
    let posts = cx.cards(&state, &page.items).await?;
    let standing = canyu_app::points::standing(&state, &user).await?;
    let locale = cx.locale;
    let ecosystem = canyu_app::ownership::ecosystem(&state, user.id).await?;
    let voice = super::voices::profile_voice(&state, &cx, &user.handle).await?;
    Ok(cx.ok(ProfilePage {
        voice,
        owns: ecosystem.categories.into_iter().map(|(_, zh, en)| locale.pick(&zh, &en).to_string()).collect(),
        ecosystem: ecosystem.whole.then(|| locale.pick("人车家全生态", "Phone, car and home")),
        owns_label: locale.pick("拥有", "Owns"),
        points: user.points,
        level_number: standing.level.number,
        level_name: locale.pick(standing.level.name_zh, standing.level.name_en),
        next_level: standing
            .next
            .map(|n| i18n::next_level(locale, n.min_points - user.points, n.name_zh, n.name_en)),
        badges: standing.badges.iter().map(|b| (b.as_str(), locale.pick(b.name_zh(), b.name_en()))).collect(),
        credited: standing
            .credited
            .into_iter()
            .map(|c| Credited {
                url: super::post_url(c.post_id),
                title: c.title,
                product: c.product_name,
                date: cx.date(c.shipped_at),
            })
            .collect(),
        t: cx.t,
        ctx: cx.layout(""),
        initial: user.handle.chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default(),
        role_value: user.role.as_str(),
        role_label: i18n::role_label(cx.t, user.role),
        staff: user.role.can_triage(),
        bio: user.bio.clone(),
        joined: cx.date(user.created_at),
        more_url: page.next_cursor.map(|c| url(&base, &[("cursor", &c)])),
        first_url: cursor.map(|_| base.clone()),
        handle: user.handle,
        posts,
    }))
}
