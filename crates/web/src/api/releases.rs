//! `/api/v1/releases`: the weekly release train.

use crate::api::points::ProductPath;
use crate::api::views::ErrorBody;
use crate::auth::{MaybeAuth, RequireAuth};
use crate::changelog::{credit_line, credited_handle, release_html};
use crate::error::{ApiJson, WebResult};
use crate::locale::Lang;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use canyu_app::model::{Release, ReleasePost};
use canyu_app::releases::{self, ReleaseInput};
use canyu_core::time::rfc3339;
use canyu_core::{ErrorCode, Locale};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReleaseRequest {
    /// Product slug; the caller must manage it.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$", min_length = 2, max_length = 40)]
    pub product: String,
    /// e.g. `1.2.0`.
    #[schema(pattern = "^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$")]
    pub version: String,
    /// `stable` or `beta`.
    #[schema(value_type = crate::api::views::ReleaseChannel)]
    pub channel: String,
    /// `YYYY-MM-DD` (China time); defaults to the next train day (Friday unless configured).
    #[schema(format = Date)]
    pub planned_for: Option<String>,
    /// Markdown.
    #[schema(max_length = 20000)]
    pub notes: Option<String>,
    /// Planned or in-progress posts of the product.
    #[serde(default)]
    pub posts: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReleasePostView {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub status: String,
    pub votes: i64,
    pub author: String,
    /// The fan this release thanks for the post (absent for the team's own posts).
    pub credited: Option<String>,
    /// "感谢 @… 的建议", in the request's language.
    pub credit: Option<String>,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReleaseView {
    pub id: i64,
    pub product: String,
    pub product_name: String,
    pub version: String,
    pub channel: String,
    pub planned_for: String,
    /// `draft` or `published`.
    pub status: String,
    /// Markdown as written.
    pub notes: String,
    /// The notes and the shipped posts with their credits, as sanitised HTML.
    pub notes_html: String,
    pub posts: Vec<ReleasePostView>,
    pub created_at: String,
    pub published_at: Option<String>,
    pub url: String,
}

impl ReleaseView {
    pub fn new(r: &Release, locale: Locale) -> Self {
        let post = |p: &ReleasePost| ReleasePostView {
            id: p.post_id,
            title: p.title.clone(),
            kind: p.kind.as_str().into(),
            status: p.status.as_str().into(),
            votes: p.votes,
            author: p.author_handle.clone(),
            credited: credited_handle(p).map(str::to_string),
            credit: credited_handle(p).map(|h| credit_line(locale, h)),
            url: format!("/posts/{}", p.post_id),
        };
        ReleaseView {
            id: r.id,
            product: r.product_slug.clone(),
            product_name: r.product_name.clone(),
            version: r.version.clone(),
            channel: r.channel.as_str().into(),
            planned_for: r.planned_for.clone(),
            status: r.status.as_str().into(),
            notes: r.notes.clone(),
            notes_html: release_html(locale, r, ""),
            posts: r.posts.iter().map(post).collect(),
            created_at: rfc3339(r.created_at),
            published_at: r.published_at.map(rfc3339),
            url: format!("/releases/{}", r.id),
        }
    }
}

/// Creates a draft release (staff managing the product).
#[utoipa::path(post, path = "/releases", operation_id = "createRelease", security(("bearer" = [])), tag = "releases", request_body = NewReleaseRequest,
    responses((status = 201, description = "Created", body = ReleaseView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Lang(locale): Lang,
    ApiJson(req): ApiJson<NewReleaseRequest>,
) -> WebResult<(StatusCode, Json<ReleaseView>)> {
    let input = ReleaseInput {
        product: req.product,
        version: req.version,
        channel: req.channel,
        planned_for: req.planned_for,
        notes: req.notes,
        posts: req.posts,
    };
    let release = releases::create(&state, &auth, input).await?;
    Ok((StatusCode::CREATED, Json(ReleaseView::new(&release, locale))))
}

fn release_id(raw: &str) -> Result<i64, ErrorCode> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(ErrorCode::ReleaseNotFound)
}

/// One release. Drafts and beta releases are shown to the product's managers only.
#[utoipa::path(get, path = "/releases/{id}", operation_id = "getRelease", security((), ("bearer" = [])), tag = "releases", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ReleaseView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Lang(locale): Lang,
    Path(id): Path<String>,
) -> WebResult<Json<ReleaseView>> {
    let release =
        canyu_app::releases::release(&state, release_id(&id)?).await?.ok_or(ErrorCode::ReleaseNotFound)?;
    if !releases::visible(&state, auth.0.as_ref(), &release).await? {
        return Err(ErrorCode::ReleaseNotFound.into());
    }
    Ok(Json(ReleaseView::new(&release, locale)))
}

/// Publishes a release: its posts ship, their authors and voters are told and earn points,
/// and the notes credit the fans.
#[utoipa::path(post, path = "/releases/{id}/publish", operation_id = "publishRelease", security(("bearer" = [])), tag = "releases", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ReleaseView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Lang(locale): Lang,
    Path(id): Path<String>,
) -> WebResult<Json<ReleaseView>> {
    let release = releases::publish(&state, &auth, release_id(&id)?).await?;
    Ok(Json(ReleaseView::new(&release, locale)))
}

#[derive(Serialize, ToSchema)]
pub struct ReleaseListView {
    /// Shipped features of this product that came from fans.
    pub fan_features: i64,
    pub items: Vec<ReleaseView>,
}

/// A product's releases, newest first (published stable releases; managers also see
/// drafts and beta releases).
#[utoipa::path(get, path = "/products/{slug}/releases", operation_id = "listProductReleases", security((), ("bearer" = [])), tag = "releases", params(ProductPath),
    responses((status = 200, description = "OK", body = ReleaseListView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Lang(locale): Lang,
    Path(path): Path<ProductPath>,
) -> WebResult<Json<ReleaseListView>> {
    let product = canyu_app::catalog::product(&state, &path.slug).await?.ok_or(ErrorCode::NotFound)?;
    let (channels, drafts) = releases::listing_scope(&state, auth.0.as_ref(), product.id).await?;
    let list = canyu_app::releases::releases_for_product(&state, product.id, &channels, drafts, 100).await?;
    Ok(Json(ReleaseListView {
        fan_features: canyu_app::releases::fan_feature_count(&state, product.id).await?,
        items: list.iter().map(|r| ReleaseView::new(r, locale)).collect(),
    }))
}
