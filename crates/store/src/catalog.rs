use crate::error::unique_or;
use crate::{Store, StoreResult};
use canyu_core::{ErrorCode, Millis};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Clone, Debug)]
pub struct Category {
    pub id: i64,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub position: i64,
}

#[derive(Clone, Debug)]
pub struct Product {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub category_slug: String,
    pub tagline: String,
    pub created_at: Millis,
    /// Posts on the board (all statuses).
    pub post_count: i64,
}

pub struct NewProduct<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub category_slug: &'a str,
    pub tagline: &'a str,
    pub created_at: Millis,
}

pub struct ProductUpdate<'a> {
    pub name: Option<&'a str>,
    pub category_slug: Option<&'a str>,
    pub tagline: Option<&'a str>,
}

fn category_from_row(r: &AnyRow) -> Result<Category, sqlx::Error> {
    Ok(Category {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        name_zh: r.try_get("name_zh")?,
        name_en: r.try_get("name_en")?,
        position: r.try_get("position")?,
    })
}

fn product_from_row(r: &AnyRow) -> Result<Product, sqlx::Error> {
    Ok(Product {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        category_slug: r.try_get("category_slug")?,
        tagline: r.try_get("tagline")?,
        created_at: r.try_get("created_at")?,
        post_count: r.try_get("post_count")?,
    })
}

const PRODUCT_SELECT: &str = "SELECT p.id, p.slug, p.name, c.slug AS category_slug, p.tagline, \
     p.created_at, (SELECT CAST(COALESCE(SUM(x.n), 0) AS BIGINT) FROM product_status_counts x \
     WHERE x.product_id = p.id) AS post_count \
     FROM products p JOIN categories c ON c.id = p.category_id";

impl Store {
    pub async fn list_categories(&self) -> StoreResult<Vec<Category>> {
        let rows =
            sqlx::query("SELECT id, slug, name_zh, name_en, position FROM categories ORDER BY position, id")
                .fetch_all(&self.read)
                .await?;
        Ok(rows.iter().map(category_from_row).collect::<Result<_, _>>()?)
    }

    pub async fn create_category(&self, slug: &str, name_zh: &str, name_en: &str) -> StoreResult<Category> {
        let row = sqlx::query(
            "INSERT INTO categories (slug, name_zh, name_en, position) \
             VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM categories)) \
             RETURNING id, slug, name_zh, name_en, position",
        )
        .bind(slug)
        .bind(name_zh)
        .bind(name_en)
        .fetch_one(&self.write)
        .await
        .map_err(unique_or(ErrorCode::SlugTaken))?;
        Ok(category_from_row(&row)?)
    }

    pub async fn list_products(&self) -> StoreResult<Vec<Product>> {
        let rows = sqlx::query(AssertSqlSafe(format!("{PRODUCT_SELECT} ORDER BY c.position, p.id")))
            .fetch_all(&self.read)
            .await?;
        Ok(rows.iter().map(product_from_row).collect::<Result<_, _>>()?)
    }

    pub async fn product_by_slug(&self, slug: &str) -> StoreResult<Option<Product>> {
        let row = sqlx::query(AssertSqlSafe(format!("{PRODUCT_SELECT} WHERE p.slug = $1")))
            .bind(slug)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.as_ref().map(product_from_row).transpose()?)
    }

    pub async fn product_by_id(&self, id: i64) -> StoreResult<Option<Product>> {
        let row = sqlx::query(AssertSqlSafe(format!("{PRODUCT_SELECT} WHERE p.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.as_ref().map(product_from_row).transpose()?)
    }

    async fn category_id(&self, slug: &str) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT id FROM categories WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.read)
            .await?
            .ok_or_else(|| ErrorCode::UnknownCategory.into())
    }

    pub async fn create_product(&self, new: NewProduct<'_>) -> StoreResult<Product> {
        let category_id = self.category_id(new.category_slug).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO products (slug, name, category_id, tagline, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(new.slug)
        .bind(new.name)
        .bind(category_id)
        .bind(new.tagline)
        .bind(new.created_at)
        .fetch_one(&self.write)
        .await
        .map_err(unique_or(ErrorCode::SlugTaken))?;
        self.product_by_id(id).await?.ok_or_else(|| ErrorCode::UnknownProduct.into())
    }

    pub async fn update_product(&self, slug: &str, change: ProductUpdate<'_>) -> StoreResult<Product> {
        let product = self.product_by_slug(slug).await?.ok_or(ErrorCode::UnknownProduct)?;
        let category_id = match change.category_slug {
            Some(c) => Some(self.category_id(c).await?),
            None => None,
        };
        sqlx::query(
            "UPDATE products SET name = COALESCE($1, name), category_id = COALESCE($2, category_id), \
             tagline = COALESCE($3, tagline) WHERE id = $4",
        )
        .bind(change.name)
        .bind(category_id)
        .bind(change.tagline)
        .bind(product.id)
        .execute(&self.write)
        .await?;
        self.product_by_id(product.id).await?.ok_or_else(|| ErrorCode::UnknownProduct.into())
    }
}
