//! The release train on the web: a product's changelog (and its Atom feed), one release,
//! and the staff form that builds a release from planned posts and publishes it.

use super::i18n::{self, T};
use super::{Cx, Layout, TimeView, form_error, post_url, product_url, refused, see_other, status_of};
use crate::changelog::{atom_feed, release_html};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canyu_app::model::{PostFilter, Product, Release, ReleaseStatus, Sort};
use canyu_app::releases::{self, ReleaseInput};
use canyu_core::release::Channel;
use canyu_core::{ErrorCode, PostStatus};

pub struct ReleaseCard {
    pub id: i64,
    pub url: String,
    pub version: String,
    pub beta: bool,
    pub draft: bool,
    pub planned_for: String,
    pub published: Option<TimeView>,
    pub html: String,
}

fn card(cx: &Cx, r: &Release) -> ReleaseCard {
    ReleaseCard {
        id: r.id,
        url: format!("/releases/{}", r.id),
        version: r.version.clone(),
        beta: r.channel == Channel::Beta,
        draft: r.status == ReleaseStatus::Draft,
        planned_for: r.planned_for.clone(),
        published: r.published_at.map(|at| cx.time(at)),
        html: release_html(cx.locale, r, ""),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "changelog.html")]
pub struct ChangelogPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub product_name: String,
    pub product_url: String,
    pub feed_url: String,
    pub new_url: Option<String>,
    pub fan_features: String,
    pub releases: Vec<ReleaseCard>,
}

async fn product(state: &AppState, slug: &str) -> WebResult<Product> {
    canyu_app::catalog::product(state, slug).await?.ok_or(WebError::from(ErrorCode::NotFound))
}

pub async fn changelog(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
) -> WebResult<Response> {
    let product = product(&state, &slug).await?;
    let (channels, drafts) = releases::listing_scope(&state, cx.auth.as_ref(), product.id).await?;
    let list = canyu_app::releases::releases_for_product(&state, product.id, &channels, drafts, 100).await?;
    let base = product_url(&product.slug);
    Ok(cx.ok(ChangelogPage {
        t: cx.t,
        ctx: cx.layout(""),
        new_url: drafts.then(|| format!("{base}/releases/new")),
        feed_url: format!("{base}/changelog.atom"),
        fan_features: i18n::fan_features(
            cx.locale,
            canyu_app::releases::fan_feature_count(&state, product.id).await?,
        ),
        releases: list.iter().map(|r| card(&cx, r)).collect(),
        product_name: product.name,
        product_url: base,
    }))
}

/// The absolute address of this site as the client reached it (feeds need absolute links).
pub(crate) fn site_base(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let forwarded_https = state.config().trust_forwarded_for
        && headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");
    let scheme = if state.config().secure_cookies || forwarded_https { "https" } else { "http" };
    // A Host header is the client's to choose: keep only what a host name can hold.
    let host: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        .collect();
    format!("{scheme}://{host}")
}

/// `/products/{slug}/changelog.atom`: published stable releases.
pub async fn atom(
    State(state): State<AppState>,
    cx: Cx,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> WebResult<Response> {
    let product = product(&state, &slug).await?;
    let list =
        canyu_app::releases::releases_for_product(&state, product.id, &[Channel::Stable], false, 50).await?;
    let xml = atom_feed(cx.locale, &product.slug, &product.name, &list, &site_base(&state, &headers));
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "release.html")]
pub struct ReleasePage {
    pub t: &'static T,
    pub ctx: Layout,
    pub release: ReleaseCard,
    pub product_name: String,
    pub changelog_url: String,
    pub can_publish: bool,
    pub error: Option<String>,
}

async fn render_release(
    state: &AppState,
    cx: &Cx,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let release =
        canyu_app::releases::release(state, id).await?.ok_or(WebError::from(ErrorCode::ReleaseNotFound))?;
    if !releases::visible(state, cx.auth.as_ref(), &release).await? {
        return Err(WebError::from(ErrorCode::ReleaseNotFound));
    }
    let can_publish = release.status == ReleaseStatus::Draft
        && match &cx.auth {
            Some(a) => canyu_app::policy::can_manage(state, a, release.product_id).await?,
            None => false,
        };
    Ok(cx.respond(
        status,
        ReleasePage {
            t: cx.t,
            ctx: cx.layout(""),
            release: card(cx, &release),
            changelog_url: format!("{}/changelog", product_url(&release.product_slug)),
            product_name: release.product_name,
            can_publish,
            error,
        },
    ))
}

fn release_id(raw: &str) -> WebResult<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(WebError::from(ErrorCode::ReleaseNotFound))
}

pub async fn show(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    render_release(&state, &cx, release_id(&id)?, None, StatusCode::OK).await
}

pub async fn publish(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = release_id(&id)?;
    match releases::publish(&state, auth, id).await {
        Ok(_) => Ok(see_other(&format!("/releases/{id}"))),
        Err(e)
            if matches!(
                e.code,
                ErrorCode::Forbidden | ErrorCode::NotProductManager | ErrorCode::ReleaseNotFound
            ) =>
        {
            Err(e.into())
        }
        Err(e) => {
            refused(&e, render_release(&state, &cx, id, Some(form_error(&cx, &e)), status_of(&e)).await)
        }
    }
}

pub struct Candidate {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub status_label: &'static str,
    pub status_value: &'static str,
    pub votes: i64,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "release_new.html")]
pub struct NewReleasePage {
    pub t: &'static T,
    pub ctx: Layout,
    pub product_name: String,
    pub changelog_url: String,
    pub action: String,
    pub candidates: Vec<Candidate>,
    pub version: String,
    pub beta: bool,
    pub planned_for: String,
    pub notes: String,
    pub error: Option<String>,
}

struct Draft {
    version: String,
    beta: bool,
    planned_for: String,
    notes: String,
    picked: Vec<i64>,
}

async fn render_new(
    state: &AppState,
    cx: &Cx,
    product: Product,
    draft: Draft,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let mut candidates = Vec::new();
    for st in [PostStatus::InProgress, PostStatus::Planned] {
        let page = canyu_app::board::list_posts(
            state,
            &PostFilter {
                product_id: Some(product.id),
                status: Some(st),
                sort: Sort::Top,
                limit: 100,
                ..Default::default()
            },
        )
        .await?;
        candidates.extend(page.items.into_iter().map(|p| Candidate {
            id: p.id,
            url: post_url(p.id),
            checked: draft.picked.contains(&p.id),
            status_label: i18n::status_label(cx.locale, p.status),
            status_value: p.status.as_str(),
            votes: p.votes,
            title: p.title,
        }));
    }
    let base = product_url(&product.slug);
    Ok(cx.respond(
        status,
        NewReleasePage {
            t: cx.t,
            ctx: cx.layout(""),
            action: format!("{base}/releases/new"),
            changelog_url: format!("{base}/changelog"),
            product_name: product.name,
            candidates,
            version: draft.version,
            beta: draft.beta,
            planned_for: draft.planned_for,
            notes: draft.notes,
            error,
        },
    ))
}

async fn managed_product(state: &AppState, cx: &Cx, slug: &str) -> WebResult<Product> {
    let auth = cx.user()?;
    let product = product(state, slug).await?;
    if !canyu_app::policy::can_manage(state, auth, product.id).await? {
        return Err(WebError::from(ErrorCode::NotProductManager));
    }
    Ok(product)
}

pub async fn new_form(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
) -> WebResult<Response> {
    let product = managed_product(&state, &cx, &slug).await?;
    let draft = Draft {
        version: String::new(),
        beta: false,
        planned_for: releases::next_train(&state),
        notes: String::new(),
        picked: Vec::new(),
    };
    render_new(&state, &cx, product, draft, None, StatusCode::OK).await
}

/// The builder form: `posts` repeats, so it is parsed by hand.
pub async fn create(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
    body: Bytes,
) -> WebResult<Response> {
    let product = managed_product(&state, &cx, &slug).await?;
    let auth = cx.user()?;
    let mut draft = Draft {
        version: String::new(),
        beta: false,
        planned_for: String::new(),
        notes: String::new(),
        picked: Vec::new(),
    };
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "version" => draft.version = v.into_owned(),
            "channel" => draft.beta = v == "beta",
            "planned_for" => draft.planned_for = v.into_owned(),
            "notes" => draft.notes = v.into_owned(),
            "posts" => {
                if let Ok(id) = v.trim().parse::<i64>()
                    && !draft.picked.contains(&id)
                    && draft.picked.len() < 500
                {
                    draft.picked.push(id);
                }
            }
            _ => {}
        }
    }
    let input = ReleaseInput {
        product: product.slug.clone(),
        version: draft.version.clone(),
        channel: if draft.beta { "beta" } else { "stable" }.into(),
        planned_for: Some(draft.planned_for.clone()),
        notes: Some(draft.notes.clone()),
        posts: draft.picked.clone(),
    };
    match releases::create(&state, auth, input).await {
        Ok(release) => Ok(see_other(&format!("/releases/{}", release.id))),
        Err(e) if matches!(e.code, ErrorCode::Forbidden | ErrorCode::NotProductManager) => Err(e.into()),
        Err(e) => {
            let error = Some(form_error(&cx, &e));
            refused(&e, render_new(&state, &cx, product, draft, error, status_of(&e)).await)
        }
    }
}
