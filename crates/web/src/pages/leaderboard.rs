//! `/leaderboard`: fans by points, overall or per product (`?product=`).

use super::i18n::T;
use super::{Cx, Layout, Link, url, user_url};
use crate::error::WebResult;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use canyu_core::ErrorCode;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LeaderboardQuery {
    pub product: Option<String>,
}

pub struct Row {
    pub rank: usize,
    pub handle: String,
    pub url: String,
    pub points: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "leaderboard.html")]
pub struct LeaderboardPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub scopes: Vec<Link>,
    pub rows: Vec<Row>,
}

pub async fn page(
    State(state): State<AppState>,
    cx: Cx,
    Query(q): Query<LeaderboardQuery>,
) -> WebResult<Response> {
    let slug = q.product.as_deref().filter(|s| !s.is_empty());
    let product = match slug {
        Some(slug) => Some(canyu_app::catalog::product(&state, slug).await?.ok_or(ErrorCode::NotFound)?),
        None => None,
    };
    let rows = canyu_app::points::leaderboard(&state, product.as_ref().map(|p| p.id), 50).await?;
    let mut scopes =
        vec![Link { label: cx.t.board_all.into(), url: "/leaderboard".into(), active: slug.is_none() }];
    for p in canyu_app::catalog::list_products(&state).await? {
        scopes.push(Link {
            url: url("/leaderboard", &[("product", &p.slug)]),
            active: slug == Some(p.slug.as_str()),
            label: p.name,
        });
    }
    let rows = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| Row { rank: i + 1, url: user_url(&r.handle), handle: r.handle, points: r.points })
        .collect();
    Ok(cx.ok(LeaderboardPage { t: cx.t, ctx: cx.layout("leaderboard"), scopes, rows }))
}
