use super::parse_post_id;
use crate::api::views::ErrorBody;
use crate::auth::RequireAuth;
use crate::error::{ApiJson, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The post to merge into: same product, not itself merged.
    pub into: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MergeView {
    pub merge_id: i64,
    /// The merged post, now `duplicate`.
    pub post: i64,
    pub into: i64,
    /// Votes the target gained: the merged post's voters who had not voted for it.
    pub moved_votes: i64,
    pub into_votes: i64,
}

#[derive(Serialize, ToSchema)]
pub struct UnmergeView {
    pub merge_id: i64,
    pub post: i64,
    /// The post it had been merged into.
    pub from: i64,
    /// The status the post is back to.
    #[schema(value_type = crate::api::views::PostStatus)]
    pub status: String,
    /// Votes taken back from the target.
    pub removed_votes: i64,
    pub from_votes: i64,
}

/// Merges a duplicate into another post (moderators and staff). Votes move as a union,
/// the post is closed as `duplicate` and redirects; its author and voters are told.
#[utoipa::path(post, path = "/posts/{id}/merge", operation_id = "mergePost", security(("bearer" = [])), tag = "posts", params(("id" = i64, Path)), request_body = MergeRequest,
    responses((status = 200, description = "OK", body = MergeView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn merge(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<MergeRequest>,
) -> WebResult<Json<MergeView>> {
    let out = canyu_app::board::merge::merge(&state, &auth, parse_post_id(&id)?, req.into).await?;
    Ok(Json(MergeView {
        merge_id: out.merge_id,
        post: out.source_id,
        into: out.target_id,
        moved_votes: out.moved_votes,
        into_votes: out.target_votes,
    }))
}

/// Undoes a merge (moderators and staff): the votes it copied leave the target and the
/// post gets its status back.
#[utoipa::path(delete, path = "/posts/{id}/merge", operation_id = "unmergePost", security(("bearer" = [])), tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = UnmergeView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn unmerge(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<UnmergeView>> {
    let out = canyu_app::board::merge::unmerge(&state, &auth, parse_post_id(&id)?).await?;
    Ok(Json(UnmergeView {
        merge_id: out.merge_id,
        post: out.source_id,
        from: out.target_id,
        status: out.restored_status.as_str().into(),
        removed_votes: out.removed_votes,
        from_votes: out.target_votes,
    }))
}
