//! Images over HTTP: the API's upload body, the pages' forms that carry files, and the
//! stored files served back. Bodies are read with caps and deadlines of their own (the
//! router's 512 KB limit is for text), one upload turn per request (see
//! `canyu_app::media::admit`), so memory stays bounded whatever a client sends.

use crate::auth::{Auth, CSRF_FIELD, PendingCsrf, constant_time_eq};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::multipart::Field;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use canyu_app::media::{self, BODY_READ_DEADLINE, UploadTurn};
use canyu_app::model::Media;
use canyu_core::ErrorCode;
use canyu_core::media::{MAX_IMAGE_BYTES, content_type_of};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use tokio::time::{Instant, timeout_at};

/// `GET /media/{key}`: an image or thumbnail. Keys are content hashes, so the answer never
/// changes: browsers and proxies may keep it for a year.
pub async fn serve(State(state): State<AppState>, Path(key): Path<String>) -> WebResult<Response> {
    let bytes = media::file(&state, &key).await?.ok_or(WebError::from(ErrorCode::NotFound))?;
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type_of(&key)));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    // Served as a download-free image only: even a file that fooled every check could not
    // run as a page of this site.
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
    Ok(response)
}

/// The URL an image is served at.
pub fn url_of(key: &str) -> String {
    format!("/media/{key}")
}

/// Reads an API upload's body: at most [`MAX_IMAGE_BYTES`] (`image_too_large` past it), within
/// [`BODY_READ_DEADLINE`] (`upload_too_slow`).
pub async fn read_image_body(body: Body) -> WebResult<Vec<u8>> {
    let deadline = Instant::now() + BODY_READ_DEADLINE;
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    loop {
        match timeout_at(deadline, stream.next()).await {
            Err(_) => return Err(ErrorCode::UploadTooSlow.into()),
            Ok(None) => return Ok(bytes),
            Ok(Some(Err(_))) => return Err(ErrorCode::InvalidForm.into()),
            Ok(Some(Ok(chunk))) => {
                if bytes.len() + chunk.len() > MAX_IMAGE_BYTES {
                    return Err(ErrorCode::ImageTooLarge.into());
                }
                bytes.extend_from_slice(&chunk);
            }
        }
    }
}

/// The form field that carries files, and the hidden fields naming images uploaded by an
/// earlier, refused submission of the same form (so the fan need not pick them again).
pub const IMAGES_FIELD: &str = "images";
pub const KEPT_IMAGE_FIELD: &str = "image";
/// Text fields of a page form: each at most this long (a post's 20,000 characters are 80 KB).
const MAX_TEXT_FIELD_BYTES: usize = 128 * 1024;
const MAX_FIELDS: usize = 40;

/// A page form as posted, plain or with files: its text fields read into `T`, and the images
/// that go with it — those kept from an earlier try, then those uploaded now, in order.
pub struct PostedForm<T> {
    pub form: T,
    pub images: Vec<i64>,
    /// The first file refused (wrong type, too large…), with its file name. The files before
    /// it were stored and are in `images`; the form comes back to the fan with the reason.
    pub refused: Option<(String, WebError)>,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for PostedForm<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
        if !multipart {
            let body = axum::body::to_bytes(req.into_body(), crate::MAX_BODY_BYTES)
                .await
                .map_err(|_| WebError::from(ErrorCode::PayloadTooLarge))?;
            let pairs: Vec<(String, String)> =
                form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
            let (form, images) = split_fields(pairs)?;
            return Ok(PostedForm { form, images, refused: None });
        }
        let auth = req.extensions().get::<Auth>().cloned();
        let pending = req.extensions().get::<PendingCsrf>().cloned();
        let multipart =
            Multipart::from_request(req, state).await.map_err(|_| WebError::from(ErrorCode::InvalidForm))?;
        read_multipart(state, auth.as_ref(), pending, multipart).await
    }
}

/// Splits the kept image ids off the text fields and reads the rest into `T`.
fn split_fields<T: DeserializeOwned>(pairs: Vec<(String, String)>) -> WebResult<(T, Vec<i64>)> {
    let mut images = Vec::new();
    let mut text = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        if k == KEPT_IMAGE_FIELD {
            images.push(v.parse::<i64>().map_err(|_| WebError::from(ErrorCode::ImageNotFound))?);
        } else {
            text.append_pair(k, v);
        }
    }
    let form =
        serde_urlencoded::from_str(&text.finish()).map_err(|_| WebError::from(ErrorCode::InvalidForm))?;
    Ok((form, images))
}

async fn read_multipart<T: DeserializeOwned>(
    state: &AppState,
    auth: Option<&Auth>,
    pending: Option<PendingCsrf>,
    mut multipart: Multipart,
) -> WebResult<PostedForm<T>> {
    let mut deadline = Instant::now() + BODY_READ_DEADLINE;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut uploaded: Vec<i64> = Vec::new();
    let mut refused: Option<(String, WebError)> = None;
    let mut turn: Option<UploadTurn> = None;
    let mut csrf_checked = pending.is_none();
    let mut fields = 0;
    loop {
        let field = match timeout_at(deadline, multipart.next_field()).await {
            Err(_) => return Err(ErrorCode::UploadTooSlow.into()),
            Ok(Err(_)) => return Err(ErrorCode::InvalidForm.into()),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(field))) => field,
        };
        fields += 1;
        if fields > MAX_FIELDS {
            return Err(ErrorCode::InvalidForm.into());
        }
        let name = field.name().unwrap_or_default().to_string();
        // The page puts its token first: nothing else is read, let alone stored, before it.
        if !csrf_checked {
            let expected = pending.as_ref().map(|p| p.0.as_str()).unwrap_or_default();
            let token = if name == CSRF_FIELD { read_text(field, deadline).await? } else { String::new() };
            if expected.is_empty() || !constant_time_eq(&token, expected) {
                return Err(ErrorCode::CsrfFailed.into());
            }
            csrf_checked = true;
            pairs.push((name, token));
            continue;
        }
        if name != IMAGES_FIELD {
            pairs.push((name, read_text(field, deadline).await?));
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_string();
        // Each file gets a minute of its own: nine photos on a slow connection still arrive.
        deadline += BODY_READ_DEADLINE;
        let bytes = match read_file(field, deadline).await {
            Ok(bytes) => bytes,
            Err(e) if e.code == ErrorCode::ImageTooLarge && refused.is_none() => {
                refused = Some((file_name, e));
                continue;
            }
            Err(e) if e.code == ErrorCode::ImageTooLarge => continue,
            Err(e) => return Err(e),
        };
        // A file input left empty still sends a part, with no name and no bytes.
        if bytes.is_empty() || refused.is_some() {
            continue;
        }
        let auth = auth.ok_or(WebError::from(ErrorCode::Unauthenticated))?;
        if turn.is_none() {
            turn = Some(media::admit(state, auth).await?);
        }
        let Some(turn) = turn.as_ref() else { continue };
        match media::upload(state, auth, turn, bytes).await {
            Ok(m) => uploaded.push(m.id),
            Err(e) if e.code == ErrorCode::Internal || e.code == ErrorCode::Unavailable => {
                return Err(e.into());
            }
            Err(e) => refused = Some((file_name, e.into())),
        }
    }
    if !csrf_checked {
        return Err(ErrorCode::CsrfFailed.into());
    }
    let (form, mut images) = split_fields(pairs)?;
    images.extend(uploaded);
    Ok(PostedForm { form, images, refused })
}

async fn read_text(field: Field<'_>, deadline: Instant) -> WebResult<String> {
    let bytes = read_capped(field, deadline, MAX_TEXT_FIELD_BYTES, ErrorCode::PayloadTooLarge).await?;
    String::from_utf8(bytes).map_err(|_| WebError::from(ErrorCode::InvalidForm))
}

async fn read_file(field: Field<'_>, deadline: Instant) -> WebResult<Vec<u8>> {
    read_capped(field, deadline, MAX_IMAGE_BYTES, ErrorCode::ImageTooLarge).await
}

/// Reads a field up to `cap` bytes. Past the cap the rest of the field is skipped without
/// being kept, so the form's later fields are still read, and `too_large` is the answer.
async fn read_capped(
    mut field: Field<'_>,
    deadline: Instant,
    cap: usize,
    too_large: ErrorCode,
) -> WebResult<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut over = false;
    loop {
        match timeout_at(deadline, field.chunk()).await {
            Err(_) => return Err(ErrorCode::UploadTooSlow.into()),
            Ok(Err(_)) => return Err(ErrorCode::InvalidForm.into()),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => {
                if over || bytes.len() + chunk.len() > cap {
                    over = true;
                    bytes = Vec::new();
                    continue;
                }
                bytes.extend_from_slice(&chunk);
            }
        }
    }
    if over { Err(too_large.into()) } else { Ok(bytes) }
}

/// The fan's uploads among `ids` still waiting for a post or comment, in order: what a form
/// shows again after it was refused.
pub async fn pending_images(state: &AppState, auth: &Auth, ids: &[i64]) -> WebResult<Vec<Media>> {
    let mut kept = Vec::new();
    for id in ids.iter().take(canyu_core::media::MAX_IMAGES_PER_POST) {
        if let Some(m) = media::get(state, *id).await?
            && m.owner_id == auth.user.id
            && m.post_id.is_none()
            && m.comment_id.is_none()
        {
            kept.push(m);
        }
    }
    Ok(kept)
}
