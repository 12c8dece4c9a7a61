//! `/admin/catalog`: staff run the ecosystem's categories and products. Fans and moderators
//! are refused (403) on every route here, reading included.
//!
//! A form that succeeds redirects back (303) with `?done=…` for the confirmation; a refused
//! one comes back (422, or 409 for a slug in use) with what was typed and the reason. The
//! rules are the API's (`/api/v1/categories`, `/api/v1/products`): both call the application layer (`canyu_app`).

use super::i18n::{self, T};
use super::{
    Cx, Layout, Link, encode_segment, form_error, is_fatal, product_url, refused, see_other, status_of, url,
};
use crate::auth::Auth;
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use canyu_app::AppError;
use canyu_app::catalog::CategoryInput;
use canyu_app::catalog::ProductChange;
use canyu_app::catalog::ProductInput;
use canyu_app::model::{Category, Product};
use canyu_core::{ErrorCode, Locale, ProductName, Role};
use serde::Deserialize;

pub const CATALOG_URL: &str = "/admin/catalog";
/// `ProductName`'s limit, for the inputs' `maxlength` (the server checks it anyway).
const NAME_MAX_CHARS: usize = 60;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CatalogQuery {
    /// What just succeeded: `category_created`, `product_created` or `product_updated`.
    pub done: Option<String>,
    /// The product it concerned, for a link to its board.
    pub slug: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CategoryForm {
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
}

/// The create form; the edit form sends the same fields without `slug`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProductForm {
    pub slug: String,
    pub name: String,
    pub category: String,
    pub tagline: String,
}

pub struct CategoryRow {
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub products: String,
}

pub struct ProductRow {
    pub slug: String,
    pub name: String,
    pub category: String,
    pub tagline: String,
    pub posts: String,
    pub board_url: String,
    pub edit_url: String,
}

pub struct CategoryOption {
    pub slug: String,
    pub name: String,
    pub selected: bool,
}

/// A product form's fields (`partials/product_fields.html`), as stored or as typed.
pub struct ProductFields {
    pub slug: String,
    pub name: String,
    pub tagline: String,
    pub categories: Vec<CategoryOption>,
    pub name_max: usize,
    pub tagline_max: usize,
}

pub struct Notice {
    pub text: &'static str,
    /// The product's board.
    pub link: Option<Link>,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog_admin.html")]
pub struct CatalogPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub notice: Option<Notice>,
    pub categories: Vec<CategoryRow>,
    pub products: Vec<ProductRow>,
    pub category_form: CategoryForm,
    pub category_error: Option<String>,
    pub product_form: ProductFields,
    pub product_error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog_product_edit.html")]
pub struct ProductEditPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub action: String,
    pub board_url: String,
    pub product_name: String,
    pub product_form: ProductFields,
    pub error: Option<String>,
    pub serial_action: String,
    /// The serial format as stored, or as just typed when it was refused.
    pub serial_pattern: String,
    pub serial_error: Option<String>,
    pub serial_saved: bool,
}

/// What the serial-format form shows besides the product form.
#[derive(Default)]
struct SerialView {
    typed: Option<String>,
    error: Option<String>,
    saved: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SerialForm {
    pub pattern: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditQuery {
    pub done: String,
}

/// The signed-in staff member, or a refusal (the login page for the signed-out).
fn staff(cx: &Cx) -> WebResult<&Auth> {
    let auth = cx.user()?;
    auth.require(Role::Staff)?;
    Ok(auth)
}

fn category_name(locale: Locale, c: &Category) -> String {
    match locale {
        Locale::ZhCn => c.name_zh.clone(),
        Locale::En => c.name_en.clone(),
    }
}

fn edit_url(slug: &str) -> String {
    format!("{CATALOG_URL}/products/{}", encode_segment(slug))
}

fn options(cx: &Cx, categories: &[Category], chosen: &str) -> Vec<CategoryOption> {
    categories
        .iter()
        .map(|c| CategoryOption {
            slug: c.slug.clone(),
            name: category_name(cx.locale, c),
            selected: c.slug == chosen,
        })
        .collect()
}

fn fields(cx: &Cx, categories: &[Category], form: ProductForm) -> ProductFields {
    ProductFields {
        categories: options(cx, categories, form.category.trim()),
        slug: form.slug,
        name: form.name,
        tagline: form.tagline,
        name_max: NAME_MAX_CHARS,
        tagline_max: canyu_app::catalog::TAGLINE_MAX_CHARS,
    }
}

/// The message next to a refused product form. Tagline and name share the API's
/// `invalid_name` code; the form says which of the two it was (the name is checked first).
fn product_message(cx: &Cx, err: &AppError, name: &str) -> String {
    if err.code == ErrorCode::InvalidName && ProductName::parse(name).is_ok() {
        cx.t.catalog_tagline_invalid.to_string()
    } else {
        form_error(cx, err)
    }
}

/// Errors that are no refusal of the input: the generic error page answers them.
#[derive(Default)]
struct View {
    notice: Option<Notice>,
    category_form: CategoryForm,
    category_error: Option<String>,
    product_form: ProductForm,
    product_error: Option<String>,
}

async fn render(state: &AppState, cx: &Cx, view: View, status: StatusCode) -> WebResult<Response> {
    let categories = canyu_app::catalog::list_categories(state).await?;
    let products = canyu_app::catalog::list_products(state).await?;
    let page = CatalogPage {
        t: cx.t,
        ctx: cx.layout("catalog"),
        notice: view.notice,
        categories: categories
            .iter()
            .map(|c| CategoryRow {
                slug: c.slug.clone(),
                name_zh: c.name_zh.clone(),
                name_en: c.name_en.clone(),
                products: i18n::products_count(
                    cx.locale,
                    products.iter().filter(|p| p.category_slug == c.slug).count(),
                ),
            })
            .collect(),
        products: products
            .iter()
            .map(|p| ProductRow {
                slug: p.slug.clone(),
                name: p.name.clone(),
                category: categories
                    .iter()
                    .find(|c| c.slug == p.category_slug)
                    .map(|c| category_name(cx.locale, c))
                    .unwrap_or_else(|| p.category_slug.clone()),
                tagline: p.tagline.clone(),
                posts: i18n::posts_count(cx.locale, p.post_count),
                board_url: product_url(&p.slug),
                edit_url: edit_url(&p.slug),
            })
            .collect(),
        category_form: view.category_form,
        category_error: view.category_error,
        product_form: fields(cx, &categories, view.product_form),
        product_error: view.product_error,
    };
    Ok(cx.respond(status, page))
}

pub async fn page(
    State(state): State<AppState>,
    cx: Cx,
    Query(q): Query<CatalogQuery>,
) -> WebResult<Response> {
    staff(&cx)?;
    let text = match q.done.as_deref() {
        Some("category_created") => Some(cx.t.catalog_category_created),
        Some("product_created") => Some(cx.t.catalog_product_created),
        Some("product_updated") => Some(cx.t.catalog_product_updated),
        _ => None,
    };
    let mut notice = text.map(|text| Notice { text, link: None });
    if let (Some(n), Some(slug)) = (notice.as_mut(), q.slug.as_deref().filter(|s| !s.is_empty()))
        && let Some(p) = canyu_app::catalog::product_by_slug(&state, slug).await?
    {
        n.link = Some(Link { label: p.name, url: product_url(&p.slug), active: false });
    }
    render(&state, &cx, View { notice, ..View::default() }, StatusCode::OK).await
}

pub async fn create_category(
    State(state): State<AppState>,
    cx: Cx,
    Form(form): Form<CategoryForm>,
) -> WebResult<Response> {
    let auth = staff(&cx)?;
    let input = CategoryInput {
        slug: form.slug.clone(),
        name_zh: form.name_zh.clone(),
        name_en: form.name_en.clone(),
    };
    match canyu_app::catalog::create_category(&state, auth, input).await {
        Ok(_) => Ok(see_other(&url(CATALOG_URL, &[("done", "category_created")]))),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) => {
            let view =
                View { category_error: Some(form_error(&cx, &e)), category_form: form, ..View::default() };
            refused(&e, render(&state, &cx, view, status_of(&e)).await)
        }
    }
}

pub async fn create_product(
    State(state): State<AppState>,
    cx: Cx,
    Form(form): Form<ProductForm>,
) -> WebResult<Response> {
    let auth = staff(&cx)?;
    let input = ProductInput {
        slug: form.slug.clone(),
        name: form.name.clone(),
        category: form.category.clone(),
        tagline: Some(form.tagline.clone()),
    };
    match canyu_app::catalog::create_product(&state, auth, input).await {
        Ok(p) => Ok(see_other(&url(CATALOG_URL, &[("done", "product_created"), ("slug", &p.slug)]))),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) => {
            let msg = product_message(&cx, &e, &form.name);
            let view = View { product_error: Some(msg), product_form: form, ..View::default() };
            refused(&e, render(&state, &cx, view, status_of(&e)).await)
        }
    }
}

async fn render_edit(
    state: &AppState,
    cx: &Cx,
    product: &Product,
    form: ProductForm,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    render_edit_with(state, cx, product, form, error, SerialView::default(), status).await
}

async fn render_edit_with(
    state: &AppState,
    cx: &Cx,
    product: &Product,
    form: ProductForm,
    error: Option<String>,
    serial: SerialView,
    status: StatusCode,
) -> WebResult<Response> {
    let categories = canyu_app::catalog::list_categories(state).await?;
    let serial_pattern = match serial.typed {
        Some(typed) => typed,
        None => canyu_app::ownership::serial_pattern(state, &product.slug).await?.unwrap_or_default(),
    };
    let page = ProductEditPage {
        t: cx.t,
        ctx: cx.layout("catalog"),
        action: edit_url(&product.slug),
        board_url: product_url(&product.slug),
        product_name: product.name.clone(),
        product_form: fields(cx, &categories, form),
        error,
        serial_action: format!("{}/serial-pattern", edit_url(&product.slug)),
        serial_pattern,
        serial_error: serial.error,
        serial_saved: serial.saved,
    };
    Ok(cx.respond(status, page))
}

async fn product(state: &AppState, slug: &str) -> WebResult<Product> {
    canyu_app::catalog::product_by_slug(state, slug).await?.ok_or(WebError::from(ErrorCode::NotFound))
}

fn product_form(p: &Product) -> ProductForm {
    ProductForm {
        slug: p.slug.clone(),
        name: p.name.clone(),
        category: p.category_slug.clone(),
        tagline: p.tagline.clone(),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
    Query(q): Query<EditQuery>,
) -> WebResult<Response> {
    staff(&cx)?;
    let p = product(&state, &slug).await?;
    let serial = SerialView { saved: q.done == "serial", ..SerialView::default() };
    render_edit_with(&state, &cx, &p, product_form(&p), None, serial, StatusCode::OK).await
}

/// The product's serial format (人车家): staff who run the product set or clear it.
pub async fn update_serial_pattern(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
    Form(form): Form<SerialForm>,
) -> WebResult<Response> {
    let auth = staff(&cx)?;
    let p = product(&state, &slug).await?;
    match canyu_app::ownership::set_serial_pattern(&state, auth, &p.slug, Some(&form.pattern)).await {
        Ok(_) => Ok(see_other(&format!("{}?done=serial", edit_url(&p.slug)))),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) => {
            let serial =
                SerialView { typed: Some(form.pattern), error: Some(form_error(&cx, &e)), saved: false };
            let page = render_edit_with(&state, &cx, &p, product_form(&p), None, serial, status_of(&e)).await;
            refused(&e, page)
        }
    }
}

pub async fn update_product(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
    Form(form): Form<ProductForm>,
) -> WebResult<Response> {
    let auth = staff(&cx)?;
    let p = product(&state, &slug).await?;
    let change = ProductChange {
        name: Some(form.name.clone()),
        category: Some(form.category.clone()),
        tagline: Some(form.tagline.clone()),
    };
    match canyu_app::catalog::update_product(&state, auth, &p.slug, change).await {
        Ok(updated) => {
            Ok(see_other(&url(CATALOG_URL, &[("done", "product_updated"), ("slug", &updated.slug)])))
        }
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) => {
            let msg = product_message(&cx, &e, &form.name);
            let form = ProductForm { slug: p.slug.clone(), ..form };
            refused(&e, render_edit(&state, &cx, &p, form, Some(msg), status_of(&e)).await)
        }
    }
}
