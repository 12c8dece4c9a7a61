//! `/api/v1/media`: upload an image, then name it in a post's or comment's `images`.

use crate::api::views::{ErrorBody, ImageView};
use crate::auth::RequireAuth;
use crate::error::WebResult;
use crate::state::AppState;
use crate::uploads::read_image_body;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;

/// Uploads an image (JPEG, PNG, WebP or GIF, at most 10 MB and 40 megapixels): the body is
/// the file's bytes. Its type is read from the bytes, not the Content-Type. What is stored
/// and served is re-encoded: EXIF (location included) and other metadata are gone, the photo
/// is turned upright and scaled to at most 2,048 px, with a thumbnail of 480 px. The upload
/// is the caller's until a post (up to 9 images) or comment (up to 3) names its `id`;
/// uploads named by nothing are deleted after a day.
#[utoipa::path(post, path = "/media", operation_id = "uploadImage", security(("bearer" = [])), tag = "media",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The image file's bytes"),
    responses((status = 201, description = "Stored", body = ImageView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 408, description = "The body arrived too slowly", body = ErrorBody), (status = 413, description = "Larger than 10 MB", body = ErrorBody), (status = 415, description = "Not a JPEG, PNG, WebP or GIF image", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = ErrorBody), (status = 503, description = "Too many uploads at once; retry shortly", body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    body: Body,
) -> WebResult<(StatusCode, Json<ImageView>)> {
    let turn = canyu_app::media::admit(&state, &auth).await?;
    let bytes = read_image_body(body).await?;
    let media = canyu_app::media::upload(&state, &auth, &turn, bytes).await?;
    Ok((StatusCode::CREATED, Json(ImageView::from(&media))))
}
