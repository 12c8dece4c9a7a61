use crate::api::views::{CategoryView, ErrorBody, ItemsView, PostView, ProductView};
use crate::auth::RequireAuth;
use crate::error::{ApiJson, ProductInPath, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use canyu_app::catalog::CategoryInput;
use canyu_app::catalog::ProductChange;
use canyu_app::catalog::ProductInput;
use canyu_app::model::{PostFilter, Sort};
use canyu_core::{ErrorCode, PostStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Ecosystem categories (phone, car, smart home, wearable, …).
#[utoipa::path(get, path = "/categories", operation_id = "listCategories", tag = "catalog", responses((status = 200, description = "OK", body = ItemsView<CategoryView>)))]
pub async fn list_categories(State(state): State<AppState>) -> WebResult<Json<ItemsView<CategoryView>>> {
    let cats = canyu_app::catalog::list_categories(&state).await?;
    Ok(Json(ItemsView { items: cats.iter().map(CategoryView::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategoryRequest {
    #[schema(pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$", min_length = 2, max_length = 40)]
    pub slug: String,
    #[schema(min_length = 1, max_length = 60)]
    pub name_zh: String,
    #[schema(min_length = 1, max_length = 60)]
    pub name_en: String,
}

/// Creates a category (staff).
#[utoipa::path(post, path = "/categories", operation_id = "createCategory", security(("bearer" = [])), tag = "catalog", request_body = NewCategoryRequest,
    responses((status = 201, description = "Created", body = CategoryView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn create_category(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<NewCategoryRequest>,
) -> WebResult<(StatusCode, Json<CategoryView>)> {
    let input = CategoryInput { slug: req.slug, name_zh: req.name_zh, name_en: req.name_en };
    let cat = canyu_app::catalog::create_category(&state, &auth, input).await?;
    Ok((StatusCode::CREATED, Json(CategoryView::from(&cat))))
}

/// Every product, grouped by category order.
#[utoipa::path(get, path = "/products", operation_id = "listProducts", tag = "catalog", responses((status = 200, description = "OK", body = ItemsView<ProductView>)))]
pub async fn list_products(State(state): State<AppState>) -> WebResult<Json<ItemsView<ProductView>>> {
    let products = canyu_app::catalog::list_products(&state).await?;
    Ok(Json(ItemsView { items: products.iter().map(ProductView::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProductRequest {
    /// URL name: 2–40 lowercase letters, digits or hyphens.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$", min_length = 2, max_length = 40)]
    pub slug: String,
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
    /// A category slug.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$", min_length = 2, max_length = 40)]
    pub category: String,
    #[schema(max_length = 140)]
    pub tagline: Option<String>,
}

/// Creates a product (staff).
#[utoipa::path(post, path = "/products", operation_id = "createProduct", security(("bearer" = [])), tag = "catalog", request_body = NewProductRequest,
    responses((status = 201, description = "Created", body = ProductView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create_product(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<NewProductRequest>,
) -> WebResult<(StatusCode, Json<ProductView>)> {
    let input = ProductInput { slug: req.slug, name: req.name, category: req.category, tagline: req.tagline };
    let product = canyu_app::catalog::create_product(&state, &auth, input).await?;
    Ok((StatusCode::CREATED, Json(ProductView::from(&product))))
}

/// One product.
#[utoipa::path(get, path = "/products/{slug}", operation_id = "getProduct", tag = "catalog", params(("slug" = String, Path)),
    responses((status = 200, description = "OK", body = ProductView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn get_product(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> WebResult<Json<ProductView>> {
    let p = canyu_app::catalog::product_by_slug(&state, &slug).await?.ok_or(ErrorCode::NotFound)?;
    Ok(Json(ProductView::from(&p)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductUpdateRequest {
    #[schema(min_length = 1, max_length = 60)]
    pub name: Option<String>,
    #[schema(pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$", min_length = 2, max_length = 40)]
    pub category: Option<String>,
    #[schema(max_length = 140)]
    pub tagline: Option<String>,
}

/// Edits a product (its managers and admins).
#[utoipa::path(patch, path = "/products/{slug}", operation_id = "updateProduct", security(("bearer" = [])), tag = "catalog", params(("slug" = String, Path)), request_body = ProductUpdateRequest,
    responses((status = 200, description = "OK", body = ProductView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn update_product(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(slug): Path<String>,
    ApiJson(req): ApiJson<ProductUpdateRequest>,
) -> WebResult<Json<ProductView>> {
    let change = ProductChange { name: req.name, category: req.category, tagline: req.tagline };
    let product = canyu_app::catalog::update_product(&state, &auth, &slug, change).await.product_in_path()?;
    Ok(Json(ProductView::from(&product)))
}

#[derive(Serialize, ToSchema)]
pub struct RoadmapView {
    pub product: ProductView,
    pub planned: Vec<PostView>,
    pub in_progress: Vec<PostView>,
    pub shipped: Vec<PostView>,
}

/// The public roadmap: what is planned, being built and shipped, most wanted first.
#[utoipa::path(get, path = "/products/{slug}/roadmap", operation_id = "getProductRoadmap", tag = "catalog", params(("slug" = String, Path)),
    responses((status = 200, description = "OK", body = RoadmapView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn roadmap(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> WebResult<Json<RoadmapView>> {
    let product = canyu_app::catalog::product_by_slug(&state, &slug).await?.ok_or(ErrorCode::NotFound)?;
    let mut columns = Vec::new();
    for status in PostStatus::ROADMAP {
        let sort = if status == PostStatus::Shipped { Sort::New } else { Sort::Top };
        let page = canyu_app::board::list_posts(
            &state,
            &PostFilter {
                product_id: Some(product.id),
                status: Some(status),
                sort,
                limit: 50,
                ..Default::default()
            },
        )
        .await?;
        let mut column: Vec<PostView> = page.items.iter().map(|p| PostView::new(p, None)).collect();
        crate::api::views::with_post_images(&state, &mut column).await?;
        columns.push(column);
    }
    let shipped = columns.pop().unwrap_or_default();
    let in_progress = columns.pop().unwrap_or_default();
    let planned = columns.pop().unwrap_or_default();
    Ok(Json(RoadmapView { product: ProductView::from(&product), planned, in_progress, shipped }))
}
