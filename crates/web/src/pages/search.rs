//! `/search` (搜索): full-text search across every product, reached from the header. Every
//! word must match; when none is found and the query has several words, the page offers to
//! match any of them.

use super::i18n::{self, T};
use super::{Cx, Layout, PostCard, url};
use crate::error::WebResult;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

/// Results per page, on the board's search and on `/search`.
pub const PAGE_SIZE: usize = 20;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchQuery {
    pub q: String,
    pub offset: Option<usize>,
    /// `any`: posts with any of the words.
    #[serde(rename = "match")]
    pub match_words: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub q: String,
    pub searching: bool,
    pub results_label: String,
    pub posts: Vec<PostCard>,
    pub more_url: Option<String>,
    pub any_url: Option<String>,
    pub matching_any: bool,
}

/// One page of search results as the board and `/search` show them.
pub struct Results {
    pub cards: Vec<PostCard>,
    pub label: String,
    pub more_url: Option<String>,
    pub first_url: Option<String>,
    /// With every word finding nothing: the same search for any of them.
    pub any_url: Option<String>,
}

/// Searches `q` as `filter` narrows and orders it, and builds the page's cards and links,
/// which point at `base` and keep `q`, `match` and the `keep` parameters (the board's sort
/// and filters).
pub async fn results(
    state: &AppState,
    cx: &Cx,
    base: &str,
    q: &str,
    filter: &canyu_app::board::SearchFilter<'_>,
    offset: Option<usize>,
    keep: &[(&str, &str)],
) -> WebResult<Results> {
    let offset = offset.unwrap_or(0).min(canyu_app::board::MAX_OFFSET);
    let found = canyu_app::board::search(state, q, filter, PAGE_SIZE, offset).await?;
    let posts: Vec<canyu_app::model::Post> = found.hits.iter().map(|(p, _)| p.clone()).collect();
    let voted = cx.voted_among(state, &posts).await?;
    let cards =
        found.hits.iter().map(|(p, hit)| PostCard::new(cx, p, voted.contains(&p.id), Some(hit))).collect();
    let link = |offset: Option<&str>, any: bool| {
        let mut params = vec![("q", q)];
        if any {
            params.push(("match", "any"));
        }
        params.extend(keep.iter().copied());
        if let Some(o) = offset {
            params.push(("offset", o));
        }
        url(base, &params)
    };
    let next = offset + PAGE_SIZE;
    Ok(Results {
        cards,
        label: i18n::search_results(cx.locale, found.total),
        more_url: (next < found.total && next <= canyu_app::board::MAX_OFFSET)
            .then(|| link(Some(&next.to_string()), filter.any)),
        first_url: (offset > 0).then(|| link(None, filter.any)),
        any_url: (found.total == 0 && found.words > 1 && !filter.any).then(|| link(None, true)),
    })
}

pub async fn page(
    State(state): State<AppState>,
    cx: Cx,
    Query(query): Query<SearchQuery>,
) -> WebResult<Response> {
    // As the board's search box: at most 200 characters are read.
    let q: String = query.q.trim().chars().take(200).collect();
    let matching_any = query.match_words.as_deref() == Some("any");
    let found = match q.is_empty() {
        true => None,
        false => {
            let filter = canyu_app::board::SearchFilter { any: matching_any, ..Default::default() };
            Some(results(&state, &cx, "/search", &q, &filter, query.offset, &[]).await?)
        }
    };
    let page = SearchPage {
        t: cx.t,
        ctx: cx.layout("search"),
        searching: found.is_some(),
        q,
        results_label: found.as_ref().map(|f| f.label.clone()).unwrap_or_default(),
        more_url: found.as_ref().and_then(|f| f.more_url.clone()),
        any_url: found.as_ref().and_then(|f| f.any_url.clone()),
        posts: found.map(|f| f.cards).unwrap_or_default(),
        matching_any,
    };
    Ok(cx.ok(page))
}
