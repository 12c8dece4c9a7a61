//! The catalog: ecosystem categories and their products (staff).

use crate::App;
use crate::accounts::Auth;
use crate::error::AppResult;
use canyu_core::{CategorySlug, ErrorCode, ProductName, ProductSlug, Role};
use canyu_store::{Category, NewProduct, Product, ProductUpdate};

pub struct CategoryInput {
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
}

pub async fn create_category(app: &App, auth: &Auth, input: CategoryInput) -> AppResult<Category> {
    auth.require(Role::Staff)?;
    let slug = CategorySlug::parse(&input.slug)?;
    let zh = ProductName::parse(&input.name_zh)?;
    let en = ProductName::parse(&input.name_en)?;
    let cat = app.store.create_category(slug.as_str(), zh.as_str(), en.as_str()).await?;
    app.cache.invalidate();
    tracing::info!(category = %cat.slug, by = auth.user.id, "category created");
    Ok(cat)
}

pub const TAGLINE_MAX_CHARS: usize = 140;

/// A product's one-line description: trimmed, at most [`TAGLINE_MAX_CHARS`], no control
/// characters; empty is allowed. Refused with `invalid_name`.
pub fn parse_tagline(raw: Option<&str>) -> Result<String, ErrorCode> {
    let t = raw.unwrap_or("").trim();
    if t.chars().count() > TAGLINE_MAX_CHARS || t.chars().any(char::is_control) {
        return Err(ErrorCode::InvalidName);
    }
    Ok(t.to_string())
}

pub struct ProductInput {
    pub slug: String,
    pub name: String,
    /// A category slug.
    pub category: String,
    pub tagline: Option<String>,
}

pub async fn create_product(app: &App, auth: &Auth, input: ProductInput) -> AppResult<Product> {
    auth.require(Role::Staff)?;
    let slug = ProductSlug::parse(&input.slug)?;
    let name = ProductName::parse(&input.name)?;
    let tagline = parse_tagline(input.tagline.as_deref())?;
    let product = app
        .store
        .create_product(NewProduct {
            slug: slug.as_str(),
            name: name.as_str(),
            category_slug: input.category.trim(),
            tagline: &tagline,
            created_at: app.now(),
        })
        .await?;
    // Whoever creates a product runs its releases until an admin says otherwise.
    app.store.add_product_manager(product.id, auth.user.id).await?;
    app.cache.invalidate();
    tracing::info!(product = %product.slug, by = auth.user.id, "product created");
    Ok(product)
}

/// What changes on a product; `None` keeps the current value.
#[derive(Default)]
pub struct ProductChange {
    pub name: Option<String>,
    pub category: Option<String>,
    pub tagline: Option<String>,
}

/// Renames, moves or retags a product: the people who run it (its managers and admins), not
/// any staff member.
pub async fn update_product(app: &App, auth: &Auth, slug: &str, change: ProductChange) -> AppResult<Product> {
    crate::policy::require_role(auth, Role::Staff)?;
    let existing = app.store.product_by_slug(slug).await?.ok_or(ErrorCode::UnknownProduct)?;
    crate::policy::require_manager(app, auth, existing.id).await?;
    let name = change.name.as_deref().map(ProductName::parse).transpose()?;
    let tagline = change.tagline.as_deref().map(|t| parse_tagline(Some(t))).transpose()?;
    let product = app
        .store
        .update_product(
            slug,
            ProductUpdate {
                name: name.as_ref().map(ProductName::as_str),
                category_slug: change.category.as_deref().map(str::trim),
                tagline: tagline.as_deref(),
            },
        )
        .await?;
    app.cache.invalidate();
    tracing::info!(product = %product.slug, by = auth.user.id, "product updated");
    Ok(product)
}

/// A product by slug, from the one-second read cache (board pages, listings).
pub async fn product(app: &App, slug: &str) -> AppResult<Option<Product>> {
    app.cache.product(&app.store, slug).await
}

// ---- reads of the catalog: the rows as stored; callers check who may see them (see [`crate::policy`]).

pub async fn list_categories(app: &App) -> AppResult<Vec<Category>> {
    Ok(app.store.list_categories().await?)
}

pub async fn list_products(app: &App) -> AppResult<Vec<Product>> {
    Ok(app.store.list_products().await?)
}

pub async fn product_by_slug(app: &App, slug: &str) -> AppResult<Option<Product>> {
    Ok(app.store.product_by_slug(slug).await?)
}

pub async fn product_by_id(app: &App, id: i64) -> AppResult<Option<Product>> {
    Ok(app.store.product_by_id(id).await?)
}
