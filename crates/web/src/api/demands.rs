//! Demands: what fans ask for most, this week.

use crate::api::points::ProductPath;
use crate::api::views::{ErrorBody, ItemsView};
use crate::auth::RequireAuth;
use crate::error::{ProductInPath, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use canyu_app::demands;
use canyu_app::model::Demand;
use canyu_core::ErrorCode;
use canyu_core::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DemandParams {
    /// 1–100, default 20.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DemandPostView {
    pub id: i64,
    pub title: String,
    pub votes: i64,
    pub status: String,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct DemandView {
    pub product: String,
    pub product_name: String,
    /// Its top words (segmented, stop words removed), best first.
    pub keywords: Vec<String>,
    /// Distinct fans behind it: the authors and voters of its posts.
    pub fans: i64,
    /// Of those, the fans who posted or voted in the last 7 days.
    pub fans_this_week: i64,
    pub votes: i64,
    /// Its posts, most voted first (at most 50; `fans` and `votes` count them all).
    pub posts: Vec<DemandPostView>,
    pub computed_at: String,
}

impl From<&Demand> for DemandView {
    fn from(d: &Demand) -> Self {
        DemandView {
            product: d.product_slug.clone(),
            product_name: d.product_name.clone(),
            keywords: d.keywords.clone(),
            fans: d.fans,
            fans_this_week: d.fans_week,
            votes: d.votes,
            posts: d
                .posts
                .iter()
                .map(|p| DemandPostView {
                    id: p.id,
                    title: p.title.clone(),
                    votes: p.votes,
                    status: p.status.as_str().into(),
                    url: format!("/posts/{}", p.id),
                })
                .collect(),
            computed_at: rfc3339(d.computed_at),
        }
    }
}

fn limit(params: &DemandParams) -> Result<i64, ErrorCode> {
    match params.limit.as_deref().filter(|l| !l.is_empty()) {
        None => Ok(20),
        Some(l) => l.parse::<i64>().ok().filter(|l| (1..=100).contains(l)).ok_or(ErrorCode::InvalidLimit),
    }
}

/// A product's top demands this week: its open posts active in the last 90 days grouped by
/// what they ask for, ranked by the fans behind them in the last 7 days (recomputed every
/// ten minutes).
#[utoipa::path(get, path = "/products/{slug}/demands", operation_id = "listProductDemands", tag = "demands", params(ProductPath, DemandParams),
    responses((status = 200, description = "OK", body = ItemsView<DemandView>), (status = 400, description = "Malformed request", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn for_product(
    State(state): State<AppState>,
    Path(path): Path<ProductPath>,
    Query(params): Query<DemandParams>,
) -> WebResult<Json<ItemsView<DemandView>>> {
    let limit = limit(&params)?;
    let product = canyu_app::catalog::product(&state, &path.slug).await?.ok_or(ErrorCode::NotFound)?;
    let list = canyu_app::demands::top_demands(&state, Some(product.id), limit).await?;
    Ok(Json(ItemsView { items: list.iter().map(DemandView::from).collect() }))
}

/// The top demands this week across all products.
#[utoipa::path(get, path = "/demands", operation_id = "listDemands", tag = "demands", params(DemandParams),
    responses((status = 200, description = "OK", body = ItemsView<DemandView>), (status = 400, description = "Malformed request", body = ErrorBody)))]
pub async fn all(
    State(state): State<AppState>,
    Query(params): Query<DemandParams>,
) -> WebResult<Json<ItemsView<DemandView>>> {
    let list = canyu_app::demands::top_demands(&state, None, limit(&params)?).await?;
    Ok(Json(ItemsView { items: list.iter().map(DemandView::from).collect() }))
}

/// Recomputes a product's demands now (staff); they are otherwise refreshed in the
/// background.
#[utoipa::path(post, path = "/products/{slug}/demands/rebuild", operation_id = "rebuildProductDemands", security(("bearer" = [])), tag = "demands", params(ProductPath),
    responses((status = 200, description = "OK", body = ItemsView<DemandView>), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn rebuild(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(path): Path<ProductPath>,
) -> WebResult<Json<ItemsView<DemandView>>> {
    demands::rebuild_now(&state, &auth, &path.slug).await.product_in_path()?;
    let product =
        canyu_app::catalog::product_by_slug(&state, &path.slug).await?.ok_or(ErrorCode::NotFound)?;
    let list = canyu_app::demands::top_demands(&state, Some(product.id), 20).await?;
    Ok(Json(ItemsView { items: list.iter().map(DemandView::from).collect() }))
}
