//! `/`: the ecosystem's categories with their products, and what is hot across all of them.

use super::i18n::{self, T};
use super::{Cx, Layout, PostCard, product_url};
use crate::error::WebResult;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use canyu_app::model::{PostFilter, Sort};
use canyu_core::Locale;

pub struct ProductTile {
    pub name: String,
    pub tagline: String,
    pub url: String,
    pub posts: String,
    pub initial: String,
}

pub struct CategoryView {
    pub slug: String,
    pub name: String,
    pub products: Vec<ProductTile>,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub t: &'static T,
    pub ctx: Layout,
    pub categories: Vec<CategoryView>,
    pub hot: Vec<PostCard>,
}

pub async fn page(State(state): State<AppState>, cx: Cx) -> WebResult<Response> {
    let categories = canyu_app::catalog::list_categories(&state).await?;
    let products = canyu_app::catalog::list_products(&state).await?;
    let hot = canyu_app::board::posts_page(
        &state,
        &PostFilter { sort: Sort::Hot, limit: 10, ..Default::default() },
    )
    .await?;
    let categories = categories
        .into_iter()
        .map(|c| CategoryView {
            name: match cx.locale {
                Locale::ZhCn => c.name_zh.clone(),
                Locale::En => c.name_en.clone(),
            },
            products: products
                .iter()
                .filter(|p| p.category_slug == c.slug)
                .map(|p| ProductTile {
                    name: p.name.clone(),
                    tagline: p.tagline.clone(),
                    url: product_url(&p.slug),
                    posts: i18n::posts_count(cx.locale, p.post_count),
                    initial: p.name.chars().next().map(String::from).unwrap_or_default(),
                })
                .collect(),
            slug: c.slug,
        })
        .filter(|c| !c.products.is_empty())
        .collect();
    let hot = cx.cards(&state, &hot.items).await?;
    Ok(cx.ok(HomePage { t: cx.t, ctx: cx.layout("home"), categories, hot }))
}
