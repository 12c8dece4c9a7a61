use super::parse_post_id;
use crate::api::views::{ErrorBody, VotesView};
use crate::auth::RequireAuth;
use crate::error::WebResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};

/// Votes for a post. Idempotent: a fan's second vote changes nothing.
#[utoipa::path(put, path = "/api/v1/posts/{id}/vote", tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, body = VotesView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn vote(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<VotesView>> {
    let outcome = canyu_app::board::vote(&state, &auth, parse_post_id(&id)?).await?;
    Ok(Json(VotesView { votes: outcome.votes, voted: true }))
}

/// Takes the caller's vote back. Idempotent.
#[utoipa::path(delete, path = "/api/v1/posts/{id}/vote", tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, body = VotesView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unvote(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<VotesView>> {
    let outcome = canyu_app::board::unvote(&state, &auth, parse_post_id(&id)?).await?;
    Ok(Json(VotesView { votes: outcome.votes, voted: false }))
}
