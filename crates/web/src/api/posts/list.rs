use crate::api::views::{ErrorBody, HighlightView, PostPageView, PostView, with_post_images};
use crate::auth::MaybeAuth;
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use canyu_app::model::{Post, PostFilter, Sort};
use canyu_core::{ErrorCode, PostKind, PostStatus, Tag};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Product slug.
    pub product: Option<String>,
    #[param(value_type = Option<crate::api::views::PostStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<crate::api::views::PostKind>)]
    pub kind: Option<String>,
    pub tag: Option<String>,
    /// `hot` (default), `new` or `top`. With `q` the default is the best matches first; a
    /// sort or filter then orders and narrows the best 1,000 matches.
    #[param(value_type = Option<crate::api::views::PostSort>)]
    pub sort: Option<String>,
    /// Full-text search (Chinese word segmentation), optionally within `product` and narrowed
    /// by `status`, `kind` and `tag`. Every word must match (see `match`).
    pub q: Option<String>,
    /// With `q`: `all` (default) finds posts with every word, `any` posts with any of them (a
    /// one-character word then counts only in a query of no longer word).
    #[serde(rename = "match")]
    #[param(rename = "match", value_type = Option<crate::api::views::SearchMatch>)]
    pub match_words: Option<String>,
    /// 1–100, default 20.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// `public` (default) or `beta`: the product's beta board, for its beta members and the
    /// team. `beta` needs `product` and cannot be combined with `q`.
    #[param(value_type = Option<crate::api::views::Board>)]
    pub board: Option<String>,
    /// `true`: only posts whose authors own the post's product (人车家). Not with `q`.
    #[param(value_type = Option<bool>)]
    pub owners: Option<String>,
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Marks which of the posts the caller has voted on (None for anonymous callers).
pub(crate) async fn voted_flags(
    state: &AppState,
    auth: &MaybeAuth,
    posts: &[Post],
) -> WebResult<Vec<Option<bool>>> {
    match &auth.0 {
        None => Ok(vec![None; posts.len()]),
        Some(a) => {
            let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
            let voted = canyu_app::board::voted_among(state, a.user.id, &ids).await?;
            Ok(posts.iter().map(|p| Some(voted.contains(&p.id))).collect())
        }
    }
}

/// Posts, filtered and sorted, one page at a time; or search results when `q` is given.
#[utoipa::path(get, path = "/posts", operation_id = "listPosts", security((), ("bearer" = [])), tag = "posts", params(ListParams),
    responses((status = 200, description = "OK", body = PostPageView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(params): Query<ListParams>,
) -> WebResult<Json<PostPageView>> {
    let limit = match non_empty(&params.limit) {
        None => 20,
        Some(l) => l.parse::<u32>().ok().filter(|l| (1..=100).contains(l)).ok_or(ErrorCode::InvalidLimit)?,
    };
    let product = match non_empty(&params.product) {
        Some(slug) => {
            Some(canyu_app::catalog::product(&state, slug).await?.ok_or(ErrorCode::UnknownProduct)?)
        }
        None => None,
    };
    let status = non_empty(&params.status).map(PostStatus::parse).transpose()?;
    let kind = non_empty(&params.kind).map(PostKind::parse).transpose()?;
    let tag = non_empty(&params.tag).map(Tag::parse).transpose()?;
    let sort = non_empty(&params.sort).map(Sort::parse).transpose()?.unwrap_or_default();
    let beta = match non_empty(&params.board) {
        None | Some("public") => false,
        Some("beta") => {
            let product = product.as_ref().ok_or(ErrorCode::InvalidBoard)?;
            if non_empty(&params.q).is_some() {
                return Err(WebError::from(ErrorCode::InvalidBoard));
            }
            if !canyu_app::beta::can_see_beta(&state, auth.0.as_ref(), product.id).await? {
                return Err(WebError::from(ErrorCode::BetaMembersOnly));
            }
            true
        }
        Some(_) => return Err(WebError::from(ErrorCode::InvalidBoard)),
    };

    let owners_only = match non_empty(&params.owners) {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => return Err(WebError::from(ErrorCode::InvalidQuery)),
    };
    if let Some(q) = non_empty(&params.q) {
        if q.chars().count() > 200 || owners_only {
            return Err(WebError::from(ErrorCode::InvalidQuery));
        }
        let offset = match non_empty(&params.cursor) {
            None => 0,
            Some(c) => c
                .strip_prefix("o")
                .and_then(|o| o.parse::<usize>().ok())
                .filter(|o| *o <= 10_000)
                .ok_or(ErrorCode::InvalidCursor)?,
        };
        let any = match non_empty(&params.match_words) {
            None | Some("all") => false,
            Some("any") => true,
            Some(_) => return Err(WebError::from(ErrorCode::InvalidQuery)),
        };
        let filter = canyu_app::board::SearchFilter {
            product_id: product.as_ref().map(|p| p.id),
            status,
            kind,
            tag: tag.as_ref().map(|t| t.as_str()),
            // Without `sort`, the best matches first.
            sort: non_empty(&params.sort).map(Sort::parse).transpose()?,
            any,
        };
        let found = canyu_app::board::search(&state, q, &filter, limit as usize, offset).await?;
        let (total, hits) = (found.total, found.hits);
        let posts: Vec<Post> = hits.iter().map(|(p, _)| p.clone()).collect();
        let voted = voted_flags(&state, &auth, &posts).await?;
        let mut items: Vec<PostView> = hits
            .into_iter()
            .zip(voted)
            .map(|((post, hit), voted)| {
                let mut view = PostView::new(&post, voted);
                view.highlight =
                    Some(HighlightView { title_html: hit.title_html, snippet_html: hit.snippet_html });
                view
            })
            .collect();
        with_post_images(&state, &mut items).await?;
        let next = offset + limit as usize;
        let next_cursor = (next < total).then(|| format!("o{next}"));
        return Ok(Json(PostPageView { items, next_cursor, total: Some(total) }));
    }

    let page = canyu_app::board::posts_page(
        &state,
        &PostFilter {
            product_id: product.as_ref().map(|p| p.id),
            status,
            kind,
            tag: tag.as_ref().map(Tag::as_str),
            author_id: None,
            beta,
            owners_only,
            sort,
            cursor: non_empty(&params.cursor),
            limit,
        },
    )
    .await?;
    let voted = voted_flags(&state, &auth, &page.items).await?;
    let mut items: Vec<PostView> = page.items.iter().zip(voted).map(|(p, v)| PostView::new(p, v)).collect();
    with_post_images(&state, &mut items).await?;
    Ok(Json(PostPageView { items, next_cursor: page.next_cursor.clone(), total: None }))
}
