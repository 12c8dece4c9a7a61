//! `/products/{slug}/roadmap`: what is planned, in progress and shipped, most wanted first.

use super::board::ProductHead;
use super::i18n::{self, T};
use super::{Badge, Cx, Layout, PostCard};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::Response;
use canyu_app::model::{PostFilter, Sort};
use canyu_core::{ErrorCode, PostStatus};

pub const COLUMN_SIZE: u32 = 50;

pub struct Column {
    pub status: Badge,
    pub posts: Vec<PostCard>,
    pub more_url: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "roadmap.html")]
pub struct RoadmapPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub product: ProductHead,
    pub columns: Vec<Column>,
}

pub async fn page(State(state): State<AppState>, cx: Cx, Path(slug): Path<String>) -> WebResult<Response> {
    let product = canyu_app::catalog::product_by_slug(&state, &slug)
        .await?
        .ok_or(WebError::from(ErrorCode::NotFound))?;
    let head = ProductHead::new(&cx, &product);
    let mut columns = Vec::with_capacity(3);
    for status in PostStatus::ROADMAP {
        let page = canyu_app::board::list_posts(
            &state,
            &PostFilter {
                product_id: Some(product.id),
                status: Some(status),
                sort: Sort::Top,
                limit: COLUMN_SIZE,
                ..Default::default()
            },
        )
        .await?;
        columns.push(Column {
            status: Badge { value: status.as_str(), label: i18n::status_label(cx.locale, status) },
            more_url: page
                .next_cursor
                .is_some()
                .then(|| super::url(&head.url, &[("status", status.as_str()), ("sort", "top")])),
            posts: cx.cards(&state, &page.items).await?,
        });
    }
    Ok(cx.ok(RoadmapPage { t: cx.t, ctx: cx.layout(""), product: head, columns }))
}
