use super::parse_post_id;
use crate::api::views::{CommentView, ErrorBody, ItemsView, comment_view, with_comment_images};
use crate::auth::{MaybeAuth, RequireAuth};
use crate::error::{ApiJson, WebResult, post_not_found};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use canyu_app::board::CommentInput;
use serde::Deserialize;
use utoipa::ToSchema;

/// A post's comments, oldest first.
#[utoipa::path(get, path = "/posts/{id}/comments", operation_id = "listPostComments", security((), ("bearer" = [])), tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ItemsView<CommentView>), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> WebResult<Json<ItemsView<CommentView>>> {
    let id = parse_post_id(&id)?;
    let post = canyu_app::board::post(&state, id).await?.ok_or_else(post_not_found)?;
    canyu_app::beta::ensure_post_visible(&state, auth.0.as_ref(), &post).await?;
    let comments = canyu_app::board::comments(&state, auth.0.as_ref(), id).await?;
    let mut items: Vec<CommentView> = comments.iter().map(CommentView::from).collect();
    with_comment_images(&state, &mut items).await?;
    Ok(Json(ItemsView { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommentRequest {
    /// Markdown, 1–5,000 characters.
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
    /// Reply to this comment of the same post (its author hears of it).
    #[schema(minimum = 1)]
    pub reply_to: Option<i64>,
    /// Up to 3 of the caller's uploads (`POST /media`), shown in this order.
    #[serde(default)]
    #[schema(max_items = 3)]
    pub images: Vec<i64>,
}

/// Comments on a post, or replies to one of its comments. Comments by moderators and staff
/// are marked official. A locked post takes comments from moderators only.
#[utoipa::path(post, path = "/posts/{id}/comments", operation_id = "createPostComment", security(("bearer" = [])), tag = "posts", params(("id" = i64, Path)), request_body = NewCommentRequest,
    responses((status = 201, description = "Created", body = CommentView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewCommentRequest>,
) -> WebResult<(StatusCode, Json<CommentView>)> {
    let input = CommentInput { body: &req.body, reply_to: req.reply_to, images: &req.images };
    let comment = canyu_app::board::comment(&state, &auth, parse_post_id(&id)?, input).await?;
    Ok((StatusCode::CREATED, Json(comment_view(&state, &comment).await?)))
}
