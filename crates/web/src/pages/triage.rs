//! `/triage`: the moderators' queue of new posts, oldest first, across products. Several
//! posts move at once; each one that cannot (say, someone else moved it meanwhile) is
//! reported with its reason.

use super::i18n::{self, T};
use super::{Badge, Cx, Layout, PostCard, post_url, url};
use crate::error::WebResult;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::Response;
use canyu_app::model::{PostFilter, Sort};
use canyu_core::{PostStatus, Role};
use serde::Deserialize;

pub const PAGE_SIZE: u32 = 30;
/// At most this many posts change in one request.
pub const MAX_BATCH: usize = 100;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TriageQuery {
    pub product: Option<String>,
    pub cursor: Option<String>,
}

pub struct ProductChoice {
    pub slug: String,
    pub name: String,
    pub selected: bool,
}

pub struct ReportItem {
    pub id: i64,
    pub title: String,
    pub url: String,
    pub ok: bool,
    pub message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "triage.html")]
pub struct TriagePage {
    pub t: &'static T,
    pub ctx: Layout,
    pub product: String,
    pub products: Vec<ProductChoice>,
    pub posts: Vec<PostCard>,
    pub targets: Vec<Badge>,
    pub report: Vec<ReportItem>,
    pub report_error: Option<String>,
    pub more_url: Option<String>,
    pub first_url: Option<String>,
}

async fn render(
    state: &AppState,
    cx: &Cx,
    product: Option<&str>,
    cursor: Option<&str>,
    report: Vec<ReportItem>,
    report_error: Option<String>,
) -> WebResult<Response> {
    let products = canyu_app::catalog::list_products(state).await?;
    let product = product.filter(|p| !p.is_empty());
    let product_id = product.and_then(|slug| products.iter().find(|p| p.slug == slug)).map(|p| p.id);
    let page = canyu_app::board::list_posts(
        state,
        &PostFilter {
            product_id,
            status: Some(PostStatus::New),
            sort: Sort::Oldest,
            cursor,
            limit: PAGE_SIZE,
            ..Default::default()
        },
    )
    .await?;
    let product = product_id.and(product).unwrap_or("");
    let posts = page.items.iter().map(|p| cx.card(p, false)).collect();
    Ok(cx.ok(TriagePage {
        t: cx.t,
        ctx: cx.layout("triage"),
        product: product.to_string(),
        products: products
            .iter()
            .map(|p| ProductChoice {
                slug: p.slug.clone(),
                name: p.name.clone(),
                selected: p.slug == product,
            })
            .collect(),
        posts,
        targets: PostStatus::ALL
            .into_iter()
            .filter(|s| *s != PostStatus::New)
            .map(|s| cx.status_view(s))
            .collect(),
        report,
        report_error,
        more_url: page.next_cursor.map(|c| url("/triage", &[("product", product), ("cursor", &c)])),
        first_url: cursor.map(|_| url("/triage", &[("product", product)])),
    }))
}

pub async fn page(
    State(state): State<AppState>,
    cx: Cx,
    Query(q): Query<TriageQuery>,
) -> WebResult<Response> {
    cx.user()?.require(Role::Moderator)?;
    let cursor = q.cursor.as_deref().filter(|c| !c.is_empty());
    render(&state, &cx, q.product.as_deref(), cursor, Vec::new(), None).await
}

/// The batch form: `ids` repeats, so it is parsed by hand (serde's form decoder keeps one).
pub async fn apply(State(state): State<AppState>, cx: Cx, body: Bytes) -> WebResult<Response> {
    let auth = cx.user()?;
    auth.require(Role::Moderator)?;
    let mut ids: Vec<i64> = Vec::new();
    let (mut status, mut note, mut product) = (String::new(), String::new(), String::new());
    for (k, v) in form_urlencoded::parse(&body) {
        match &*k {
            "ids" => {
                if let Ok(id) = v.trim().parse::<i64>()
                    && ids.len() < MAX_BATCH
                    && !ids.contains(&id)
                {
                    ids.push(id);
                }
            }
            "status" => status = v.into_owned(),
            "note" => note = v.into_owned(),
            "product" => product = v.into_owned(),
            _ => {}
        }
    }
    if ids.is_empty() {
        let msg = cx.t.triage_none_selected.to_string();
        return render(&state, &cx, Some(&product), None, Vec::new(), Some(msg)).await;
    }
    ids.truncate(MAX_BATCH);
    let titles = canyu_app::board::posts_by_ids(&state, &ids).await?;
    let mut report = Vec::with_capacity(ids.len());
    for id in ids {
        let title =
            titles.iter().find(|p| p.id == id).map(|p| p.title.clone()).unwrap_or_else(|| format!("#{id}"));
        let (ok, message) =
            match canyu_app::board::change_status(&state, auth, id, &status, Some(&note)).await {
                Ok(change) => (
                    true,
                    format!(
                        "{} → {}",
                        i18n::status_label(cx.locale, change.from),
                        i18n::status_label(cx.locale, change.to)
                    ),
                ),
                Err(e) => (false, e.code.message(cx.locale).to_string()),
            };
        report.push(ReportItem { id, title, url: post_url(id), ok, message });
    }
    render(&state, &cx, Some(&product), None, report, None).await
}
