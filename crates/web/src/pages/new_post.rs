//! `/products/{slug}/new`: the post form. A refused post comes back with what the fan typed
//! and the reason, in their language.

use super::i18n::{self, T};
use super::refused as refused_page;
use super::{Cx, Layout, file_error, form_error, post_url, product_url, see_other, status_of};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use crate::uploads::{PostedForm, pending_images};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use canyu_app::board::PostInput;
use canyu_core::{ErrorCode, PostKind};
use serde::Deserialize;

pub struct ProductOption {
    pub slug: String,
    pub name: String,
    pub selected: bool,
}

pub struct KindOption {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "new_post.html")]
pub struct NewPostPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub action: String,
    pub cancel_url: String,
    pub product_name: String,
    pub products: Vec<ProductOption>,
    pub kinds: Vec<KindOption>,
    pub title: String,
    pub body: String,
    pub tags: String,
    /// Posting to the product's beta board.
    pub beta: bool,
    pub error: Option<String>,
    /// Images uploaded with a refused try, sent again with the form.
    pub images: Vec<PendingImage>,
    pub accept: &'static str,
}

pub struct PendingImage {
    pub id: i64,
    pub thumb_url: String,
}

impl PendingImage {
    pub fn from_media(m: &canyu_app::model::Media) -> Self {
        PendingImage { id: m.id, thumb_url: crate::uploads::url_of(&m.thumb_key) }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewPostForm {
    pub product: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub tags: String,
    /// `beta` for the product's beta board.
    pub board: String,
}

async fn render(
    state: &AppState,
    cx: &Cx,
    slug: &str,
    form: NewPostForm,
    images: Vec<PendingImage>,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let products = canyu_app::catalog::list_products(state).await?;
    let current = products.iter().find(|p| p.slug == slug).ok_or(WebError::from(ErrorCode::NotFound))?;
    let chosen = if form.product.is_empty() { slug } else { form.product.as_str() };
    let kind = if form.kind.is_empty() { "idea" } else { form.kind.as_str() };
    let page = NewPostPage {
        t: cx.t,
        ctx: cx.layout(""),
        action: format!("{}/new", product_url(slug)),
        cancel_url: product_url(slug),
        product_name: current.name.clone(),
        products: products
            .iter()
            .map(|p| ProductOption { slug: p.slug.clone(), name: p.name.clone(), selected: p.slug == chosen })
            .collect(),
        kinds: PostKind::ALL
            .into_iter()
            .map(|k| KindOption {
                value: k.as_str(),
                label: i18n::kind_label(cx.locale, k),
                hint: i18n::kind_hint(cx.t, k),
                checked: k.as_str() == kind,
            })
            .collect(),
        title: form.title,
        body: form.body,
        beta: form.board == "beta",
        tags: form.tags,
        error,
        images,
        accept: canyu_core::media::ACCEPT,
    };
    Ok(cx.respond(status, page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FormQuery {
    pub board: String,
}

pub async fn form(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
    Query(query): Query<FormQuery>,
) -> WebResult<Response> {
    cx.user()?;
    let form = NewPostForm { board: query.board, ..NewPostForm::default() };
    render(&state, &cx, &slug, form, Vec::new(), None, StatusCode::OK).await
}

/// Tags as typed: "续航, 相机，快充" (ASCII or full-width commas).
pub fn split_tags(raw: &str) -> Vec<String> {
    raw.split([',', '，', '、']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

pub async fn create(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
    posted: PostedForm<NewPostForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let PostedForm { form, images, refused } = posted;
    if let Some((file, e)) = refused {
        let kept =
            pending_images(&state, auth, &images).await?.iter().map(PendingImage::from_media).collect();
        let msg = file_error(&cx, &file, &e);
        return refused_page(&e, render(&state, &cx, &slug, form, kept, Some(msg), status_of(&e)).await);
    }
    let input = PostInput {
        product: if form.product.trim().is_empty() { slug.clone() } else { form.product.trim().to_string() },
        kind: form.kind.clone(),
        title: form.title.clone(),
        body: form.body.clone(),
        tags: split_tags(&form.tags),
        beta: form.board == "beta",
        images: images.clone(),
    };
    match canyu_app::board::create_post(&state, auth, input).await {
        Ok(post) => Ok(see_other(&post_url(post.id))),
        Err(e)
            if matches!(e.code, ErrorCode::Internal | ErrorCode::Unauthenticated | ErrorCode::Forbidden) =>
        {
            Err(e.into())
        }
        Err(e) => {
            let msg = form_error(&cx, &e);
            let kept =
                pending_images(&state, auth, &images).await?.iter().map(PendingImage::from_media).collect();
            refused_page(&e, render(&state, &cx, &slug, form, kept, Some(msg), status_of(&e)).await)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tags_split_on_any_comma() {
        assert_eq!(super::split_tags("续航, 相机，快充、 ,"), ["续航", "相机", "快充"]);
        assert!(super::split_tags("  ").is_empty());
    }
}
