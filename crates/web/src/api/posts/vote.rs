use super::parse_post_id;
use crate::api::views::{ErrorBody, VotesView};
use crate::auth::RequireAuth;
use crate::error::WebResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};

/// Votes for a post. Idempotent: a fan's second vote changes nothing.
#[utoipa::path(put, path = "/posts/{id}/vote", operation_id = "votePost", security(("bearer" = [])), tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = VotesView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn vote(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<VotesView>> {
    let outcome = canyu_app::board::vote(&state, &auth, parse_post_id(&id)?).await?;
    Ok(Json(VotesView { votes: outcome.votes, voted: true }))
}

/// Takes the caller's vote back. Idempotent.
#[utoipa::path(delete, path = "/posts/{id}/vote", operation_id = "unvotePost", security(("bearer" = [])), tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = VotesView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn unvote(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<VotesView>> {
    let outcome = canyu_app::board::unvote(&state, &auth, parse_post_id(&id)?).await?;
    Ok(Json(VotesView { votes: outcome.votes, voted: false }))
}
