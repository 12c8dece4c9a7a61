use super::parse_post_id;
use crate::api::views::{ErrorBody, ItemsView, StatusChangeView};
use crate::auth::RequireAuth;
use crate::error::{ApiJson, WebResult, post_not_found};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// The new status.
    #[schema(value_type = crate::api::views::PostStatus)]
    pub status: String,
    /// Shown on the post's public timeline.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Moves a post through the workflow (moderators and staff).
#[utoipa::path(post, path = "/posts/{id}/status", operation_id = "changePostStatus", security(("bearer" = [])), tag = "posts", params(("id" = i64, Path)), request_body = StatusRequest,
    responses((status = 200, description = "OK", body = StatusChangeView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<StatusRequest>,
) -> WebResult<Json<StatusChangeView>> {
    let change =
        canyu_app::board::change_status(&state, &auth, parse_post_id(&id)?, &req.status, req.note.as_deref())
            .await?;
    Ok(Json(StatusChangeView::from(&change)))
}

/// The post's public status timeline.
#[utoipa::path(get, path = "/posts/{id}/history", operation_id = "listPostStatusHistory", tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ItemsView<StatusChangeView>), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> WebResult<Json<ItemsView<StatusChangeView>>> {
    let id = parse_post_id(&id)?;
    canyu_app::board::post(&state, id).await?.ok_or_else(post_not_found)?;
    let items = canyu_app::board::status_history(&state, id).await?;
    Ok(Json(ItemsView { items: items.iter().map(StatusChangeView::from).collect() }))
}
