use crate::api::views::{ErrorBody, PostView};
use crate::auth::RequireAuth;
use crate::error::{ApiJson, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use canyu_app::board::PostInput;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPostRequest {
    /// Product slug.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$", min_length = 2, max_length = 40)]
    pub product: String,
    #[schema(value_type = crate::api::views::PostKind)]
    pub kind: String,
    /// 1–120 characters.
    #[schema(min_length = 1, max_length = 120)]
    pub title: String,
    /// Markdown, 1–20,000 characters.
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
    /// Up to 5 tags of 1–20 characters.
    #[serde(default)]
    #[schema(max_items = 5)]
    pub tags: Vec<String>,
    /// Post to the product's beta board (beta members and the team only). Default false.
    #[serde(default)]
    pub beta: bool,
    /// Up to 9 of the caller's uploads (`POST /media`), shown in this order.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub images: Vec<i64>,
}

/// Posts feedback to a product's board.
#[utoipa::path(post, path = "/posts", operation_id = "createPost", security(("bearer" = [])), tag = "posts", request_body(content = NewPostRequest, example = json!({"product": "band-7", "kind": "idea", "title": "Show the battery level on the watch face", "body": "A small ring around the clock would do.", "tags": ["battery", "watch-face"]})),
    responses((status = 201, description = "Created", body = PostView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 415, description = "Unsupported media type: send application/json", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<NewPostRequest>,
) -> WebResult<Response> {
    let post = canyu_app::board::create_post(
        &state,
        &auth,
        PostInput {
            product: req.product,
            kind: req.kind,
            title: req.title,
            body: req.body,
            tags: req.tags,
            beta: req.beta,
            images: req.images,
        },
    )
    .await?;
    let location = format!("/api/v1/posts/{}", post.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(PostView::with_images(&state, &post, Some(false)).await?),
    )
        .into_response())
}
