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

const PAGE_SIZE: usize = 20;

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

pub async fn page(
    State(state): State<AppState>,
    cx: Cx,
    Query(query): Query<SearchQuery>,
) -> WebResult<Response> {
    // As the board's search box: at most 200 characters are read.
    let q: String = query.q.trim().chars().take(200).collect();
    let matching_any = query.match_words.as_deref() == Some("any");
    let mut page = SearchPage {
        t: cx.t,
        ctx: cx.layout("search"),
        searching: !q.is_empty(),
        q,
        results_label: String::new(),
        posts: Vec::new(),
        more_url: None,
        any_url: None,
        matching_any,
    };
    if page.searching {
        let offset = query.offset.unwrap_or(0).min(canyu_app::board::MAX_OFFSET);
        let found = canyu_app::board::search(&state, &page.q, None, PAGE_SIZE, offset, matching_any).await?;
        let posts: Vec<canyu_app::model::Post> = found.hits.iter().map(|(p, _)| p.clone()).collect();
        let voted = cx.voted_among(&state, &posts).await?;
        page.posts = found
            .hits
            .iter()
            .map(|(p, hit)| PostCard::new(&cx, p, voted.contains(&p.id), Some(hit)))
            .collect();
        page.results_label = i18n::search_results(cx.locale, found.total);
        let mut params = vec![("q", page.q.clone())];
        if matching_any {
            params.push(("match", "any".to_string()));
        }
        let next = offset + PAGE_SIZE;
        if next < found.total && next <= canyu_app::board::MAX_OFFSET {
            let mut more = params.clone();
            more.push(("offset", next.to_string()));
            let pairs: Vec<(&str, &str)> = more.iter().map(|(k, v)| (*k, v.as_str())).collect();
            page.more_url = Some(url("/search", &pairs));
        }
        if found.total == 0 && found.words > 1 && !matching_any {
            page.any_url = Some(url("/search", &[("q", &page.q), ("match", "any")]));
        }
    }
    Ok(cx.ok(page))
}
