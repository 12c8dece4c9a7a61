//! `/demands` and `/products/{slug}/demands`: what fans ask for most this week.

use super::i18n::T;
use super::{Cx, Layout, Link, post_url, product_url};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::Response;
use canyu_app::model::Demand;
use canyu_core::ErrorCode;

pub struct DemandCard {
    pub rank: usize,
    /// What the demand asks, in a fan's words: its best-backed post's title.
    pub headline: String,
    pub keywords: Vec<String>,
    pub fans: i64,
    pub fans_week: i64,
    pub product: Option<Link>,
    pub posts: Vec<Link>,
    pub more: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "demands.html")]
pub struct DemandsPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub heading: String,
    pub scopes: Vec<Link>,
    pub demands: Vec<DemandCard>,
}

fn cards(list: &[Demand], show_product: bool) -> Vec<DemandCard> {
    list.iter()
        .enumerate()
        .map(|(i, d)| DemandCard {
            rank: i + 1,
            headline: d.posts.first().map(|p| p.title.clone()).unwrap_or_else(|| d.keywords.join(" ")),
            keywords: canyu_app::demands::keywords_in_reading_order(d),
            fans: d.fans,
            fans_week: d.fans_week,
            product: show_product.then(|| Link {
                label: d.product_name.clone(),
                url: format!("{}/demands", product_url(&d.product_slug)),
                active: false,
            }),
            posts: d
                .posts
                .iter()
                .take(3)
                .map(|p| Link {
                    label: format!("{} · ▲{}", p.title, p.votes),
                    url: post_url(p.id),
                    active: false,
                })
                .collect(),
            more: d.posts.len().saturating_sub(3),
        })
        .collect()
}

async fn scopes(state: &AppState, active: Option<&str>, cx: &Cx) -> WebResult<Vec<Link>> {
    let mut scopes =
        vec![Link { label: cx.t.board_all.into(), url: "/demands".into(), active: active.is_none() }];
    for p in canyu_app::catalog::list_products(state).await? {
        scopes.push(Link {
            url: format!("{}/demands", product_url(&p.slug)),
            active: active == Some(p.slug.as_str()),
            label: p.name,
        });
    }
    Ok(scopes)
}

pub async fn all(State(state): State<AppState>, cx: Cx) -> WebResult<Response> {
    let list = canyu_app::demands::top_demands(&state, None, 30).await?;
    Ok(cx.ok(DemandsPage {
        t: cx.t,
        ctx: cx.layout("demands"),
        heading: cx.t.demands_title.into(),
        scopes: scopes(&state, None, &cx).await?,
        demands: cards(&list, true),
    }))
}

pub async fn for_product(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
) -> WebResult<Response> {
    let product =
        canyu_app::catalog::product(&state, &slug).await?.ok_or(WebError::from(ErrorCode::NotFound))?;
    let list = canyu_app::demands::top_demands(&state, Some(product.id), 30).await?;
    Ok(cx.ok(DemandsPage {
        t: cx.t,
        ctx: cx.layout("demands"),
        heading: format!("{} · {}", product.name, cx.t.demands_title),
        scopes: scopes(&state, Some(&product.slug), &cx).await?,
        demands: cards(&list, false),
    }))
}
