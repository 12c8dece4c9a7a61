use crate::api::views::ErrorBody;
use crate::auth::MaybeAuth;
use crate::error::WebResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use canyu_app::board::similar::similar_posts;
use canyu_core::ErrorCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarParams {
    /// The draft: title and body as typed so far (at most 2,000 characters).
    #[param(required = true, value_type = String, max_length = 2000, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*\S[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$")]
    pub text: Option<String>,
    /// Product slug; without it, all products.
    pub product: Option<String>,
    /// 1–100, default 5; at most 20 are returned.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// A post to leave out (e.g. the one being edited).
    pub exclude: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SimilarPostView {
    pub id: i64,
    pub title: String,
    #[schema(value_type = crate::api::views::PostStatus)]
    pub status: String,
    pub votes: i64,
    pub comments: i64,
    /// Similarity to the draft, 0–1 (1: the same text).
    pub score: f32,
    pub url: String,
    /// Whether the caller has voted for it; absent for anonymous callers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voted: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct SimilarView {
    pub items: Vec<SimilarPostView>,
}

/// Posts that say what a draft says: suggested while a fan writes, so they vote for an
/// existing post instead of filing a duplicate.
#[utoipa::path(get, path = "/posts/similar", operation_id = "listSimilarPosts", security((), ("bearer" = [])), tag = "posts", params(SimilarParams),
    responses((status = 200, description = "OK", body = SimilarView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn similar(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(params): Query<SimilarParams>,
) -> WebResult<Json<SimilarView>> {
    let text =
        params.text.as_deref().map(str::trim).filter(|t| !t.is_empty()).ok_or(ErrorCode::InvalidQuery)?;
    let limit = match params.limit.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => 5,
        Some(l) => {
            l.parse::<usize>().ok().filter(|l| (1..=100).contains(l)).ok_or(ErrorCode::InvalidLimit)?
        }
    };
    let product = match params.product.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => {
            Some(canyu_app::catalog::product(&state, slug).await?.ok_or(ErrorCode::UnknownProduct)?.id)
        }
        None => None,
    };
    let found = similar_posts(&state, text, product, limit, params.exclude).await?;
    // Fans vote for a suggestion where it appears, so they need to know which they backed.
    let voted = match &auth.0 {
        Some(a) => {
            let ids: Vec<i64> = found.iter().map(|s| s.post.id).collect();
            Some(canyu_app::board::voted_among(&state, a.user.id, &ids).await?)
        }
        None => None,
    };
    Ok(Json(SimilarView {
        items: found
            .into_iter()
            .map(|s| SimilarPostView {
                id: s.post.id,
                title: s.post.title,
                status: s.post.status.as_str().into(),
                votes: s.post.votes,
                comments: s.post.comments,
                score: (s.score * 1000.0).round() / 1000.0,
                url: format!("/posts/{}", s.post.id),
                voted: voted.as_ref().map(|v| v.contains(&s.post.id)),
            })
            .collect(),
    }))
}
