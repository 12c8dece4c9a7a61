//! Changing a post after it was written: its author's edits and deletes, a moderator's
//! hide, lock and pin, its edit history, and following it.

use super::parse_post_id;
use crate::api::views::{ErrorBody, ItemsView, PostView};
use crate::auth::RequireAuth;
use crate::error::{ApiJson, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use canyu_app::model::Revision;
use canyu_app::moderation::{self, PostChanges};
use canyu_core::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub struct UpdatePostRequest {
    /// 1–120 characters.
    #[schema(min_length = 1, max_length = 120)]
    pub title: Option<String>,
    /// Markdown, 1–20,000 characters.
    #[schema(min_length = 1, max_length = 20000)]
    pub body: Option<String>,
    /// Replaces the tags: at most 5, each 1–20 characters without spaces or commas.
    #[schema(max_items = 5)]
    pub tags: Option<Vec<String>>,
}

/// Edits a post: its author (unless the post is locked) or a moderator. What it said before
/// is kept in its revisions.
#[utoipa::path(patch, path = "/posts/{id}", operation_id = "updatePost", security(("bearer" = [])), tag = "posts", params(("id" = i64, Path)), request_body = UpdatePostRequest,
    responses((status = 200, description = "OK", body = PostView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdatePostRequest>,
) -> WebResult<Json<PostView>> {
    let changes = PostChanges { title: req.title, body: req.body, tags: req.tags };
    let post = moderation::edit_post(&state, &auth, parse_post_id(&id)?, changes).await?;
    Ok(Json(PostView::with_images(&state, &post, None).await?))
}

/// Withdraws a post: its author or a moderator. It leaves the board and search; moderators
/// still see it.
#[utoipa::path(delete, path = "/posts/{id}", operation_id = "deletePost", security(("bearer" = [])), tag = "posts", params(("id" = i64, Path)),
    responses((status = 204, description = "Done; no content"), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<StatusCode> {
    moderation::delete_post(&state, &auth, parse_post_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a moderator does to a post or comment.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationRequest {
    /// Posts: `hide`, `unhide`, `lock`, `unlock`, `pin`, `unpin`; comments: `hide`, `unhide`.
    #[schema(value_type = ModerationActionName)]
    pub action: String,
    /// Why, up to 1,000 characters: a hidden post's author reads it; the audit log keeps it.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// What a moderator may do to a post.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ModerationActionName {
    Hide,
    Unhide,
    Lock,
    Unlock,
    Pin,
    Unpin,
}

/// Hides, unhides, locks, unlocks, pins or unpins a post (moderators). Hiding settles the
/// post's open reports. Repeating an action changes nothing.
#[utoipa::path(post, path = "/posts/{id}/moderation", operation_id = "moderatePost", security(("bearer" = [])), tag = "moderation", params(("id" = i64, Path)), request_body = ModerationRequest,
    responses((status = 200, description = "OK", body = PostView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn moderate(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ModerationRequest>,
) -> WebResult<Json<PostView>> {
    let post =
        moderation::moderate_post(&state, &auth, parse_post_id(&id)?, &req.action, req.note.as_deref())
            .await?;
    Ok(Json(PostView::with_images(&state, &post, None).await?))
}

#[derive(Serialize, ToSchema)]
pub struct RevisionView {
    pub id: i64,
    pub post_id: i64,
    /// Set when the revision is of a comment.
    pub comment_id: Option<i64>,
    /// Who made the edit that replaced this text.
    pub editor: String,
    /// The post's title before the edit (posts only).
    pub title: Option<String>,
    pub body: String,
    /// When it was replaced.
    pub replaced_at: String,
}

impl From<&Revision> for RevisionView {
    fn from(r: &Revision) -> Self {
        RevisionView {
            id: r.id,
            post_id: r.post_id,
            comment_id: r.comment_id,
            editor: r.editor_handle.clone(),
            title: r.title.clone(),
            body: r.body.clone(),
            replaced_at: rfc3339(r.created_at),
        }
    }
}

/// What a post and its comments said before each edit, newest first (moderators).
#[utoipa::path(get, path = "/posts/{id}/revisions", operation_id = "listPostRevisions", security(("bearer" = [])), tag = "moderation", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ItemsView<RevisionView>), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn revisions(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<ItemsView<RevisionView>>> {
    let items = moderation::revisions(&state, &auth, parse_post_id(&id)?).await?;
    Ok(Json(ItemsView { items: items.iter().map(RevisionView::from).collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct FollowView {
    /// Whether the caller now hears of the post's comments and status changes.
    pub following: bool,
}

/// Follows a post: the caller hears of its new comments and status changes.
#[utoipa::path(put, path = "/posts/{id}/follow", operation_id = "followPost", security(("bearer" = [])), tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = FollowView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn follow(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<FollowView>> {
    let following = canyu_app::board::follow::set_following(&state, &auth, parse_post_id(&id)?, true).await?;
    Ok(Json(FollowView { following }))
}

/// Stops following a post, and mutes it: not even its author or voters hear more of it.
#[utoipa::path(delete, path = "/posts/{id}/follow", operation_id = "unfollowPost", security(("bearer" = [])), tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = FollowView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn unfollow(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<FollowView>> {
    let following =
        canyu_app::board::follow::set_following(&state, &auth, parse_post_id(&id)?, false).await?;
    Ok(Json(FollowView { following }))
}
