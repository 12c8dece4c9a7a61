use super::parse_post_id;
use crate::api::views::{ErrorBody, PostView};
use crate::auth::MaybeAuth;
use crate::error::{WebResult, post_not_found};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};

/// One post, with its vote and comment counts.
#[utoipa::path(get, path = "/posts/{id}", operation_id = "getPost", security((), ("bearer" = [])), tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = PostView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> WebResult<Json<PostView>> {
    let id = parse_post_id(&id)?;
    let post = canyu_app::board::post(&state, id).await?.ok_or_else(post_not_found)?;
    canyu_app::beta::ensure_post_visible(&state, auth.0.as_ref(), &post).await?;
    let voted = match &auth.0 {
        Some(a) => Some(canyu_app::board::has_voted(&state, id, a.user.id).await?),
        None => None,
    };
    Ok(Json(PostView::with_images(&state, &post, voted).await?))
}
