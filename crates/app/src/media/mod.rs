//! Images on posts and comments: uploads made safe to serve (see `canyu_media::process`),
//! kept in the media store, attached to a post or comment by the fan who uploaded them.
//!
//! An upload is two steps for API clients (`POST /media`, then the ids in the post or
//! comment) and one form for pages; both come through [`upload`]. Uploads nobody attaches
//! are deleted after a day ([`collect_unattached`]).

use crate::App;
use crate::accounts::Auth;
use crate::error::AppResult;
use crate::ratelimit::limit;
use canyu_core::ErrorCode;
use canyu_core::media::{UNATTACHED_TTL_MS, is_media_key};
use canyu_store::{Media, MediaOwner, NewMedia};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Uploads being received at once, on this node: each holds up to 10 MB as sent (a page's
/// form, up to nine of them one after another). The rest wait their turn, their bytes in the
/// kernel's socket buffers meanwhile.
pub const UPLOADS_AT_ONCE: usize = 4;
/// Images decoded at once, on this node: up to ~190 MB each while decoding, and CPU-bound.
/// With [`UPLOADS_AT_ONCE`] this bounds the memory uploads take, whatever clients send.
pub const DECODES_AT_ONCE: usize = 2;
/// How long an upload waits for its turn before `unavailable` (503).
const ADMISSION_WAIT: Duration = Duration::from_secs(30);
/// Uploads one fan may make per minute.
const UPLOADS_PER_MINUTE: u32 = 60;
/// How long reading one request's images may take: 10 MB in a minute is 170 KB/s, a slow
/// phone connection. A client that trickles its body loses its turn (`upload_too_slow`)
/// instead of holding it.
pub const BODY_READ_DEADLINE: Duration = Duration::from_secs(60);

/// The turn to receive and process uploads; hold it while reading the request's body.
pub struct UploadTurn {
    _permit: OwnedSemaphorePermit,
}

pub struct UploadGates {
    admissions: Arc<Semaphore>,
    decodes: Arc<Semaphore>,
}

impl Default for UploadGates {
    fn default() -> Self {
        UploadGates {
            admissions: Arc::new(Semaphore::new(UPLOADS_AT_ONCE)),
            decodes: Arc::new(Semaphore::new(DECODES_AT_ONCE)),
        }
    }
}

/// Waits for a turn to upload (before the body is read).
pub async fn admit(app: &App, auth: &Auth) -> AppResult<UploadTurn> {
    limit(app, format!("upload:{}", auth.user.id), UPLOADS_PER_MINUTE)?;
    match tokio::time::timeout(ADMISSION_WAIT, app.uploads.admissions.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(UploadTurn { _permit: permit }),
        _ => Err(ErrorCode::Unavailable.into()),
    }
}

/// Checks and stores one image for `auth`; the upload is theirs, unattached, until a post or
/// comment of theirs names it. A refused file stores nothing.
pub async fn upload(app: &App, auth: &Auth, _turn: &UploadTurn, bytes: Vec<u8>) -> AppResult<Media> {
    let sent = bytes.len();
    let decoding =
        match tokio::time::timeout(ADMISSION_WAIT, app.uploads.decodes.clone().acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            _ => return Err(ErrorCode::Unavailable.into()),
        };
    let processed = tokio::task::spawn_blocking(move || {
        let processed = canyu_media::process(&bytes);
        drop(decoding);
        processed
    })
    .await??;
    // The thumbnail first: a row (and so a page) never names a display image whose
    // thumbnail is missing. Writing an existing key again is harmless (same content).
    app.media.put(&processed.thumb_key, processed.thumb).await?;
    app.media.put(&processed.key, processed.display).await?;
    let media = app
        .store
        .insert_media(NewMedia {
            owner_id: auth.user.id,
            object_key: &processed.key,
            thumb_key: &processed.thumb_key,
            content_type: processed.content_type,
            width: processed.width,
            height: processed.height,
            byte_size: sent,
            created_at: app.now(),
        })
        .await?;
    tracing::info!(media = media.id, user = auth.user.id, bytes = sent, key = %media.object_key, "image uploaded");
    Ok(media)
}

/// Refuses more images than a post or comment may carry, or ids that are not the fan's
/// unattached uploads; called before the post or comment is written.
pub(crate) async fn check_attachable(app: &App, auth: &Auth, ids: &[i64], max: usize) -> AppResult<()> {
    if ids.len() > max {
        return Err(ErrorCode::TooManyImages.into());
    }
    Ok(app.store.ensure_attachable(auth.user.id, ids).await?)
}

pub(crate) async fn attach(app: &App, auth: &Auth, ids: &[i64], to: MediaOwner) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let attached = app.store.attach_media(auth.user.id, ids, to).await?;
    if attached != ids.len() {
        // Another request of the same fan attached one of them between the check and here.
        tracing::warn!(
            user = auth.user.id,
            wanted = ids.len(),
            attached,
            "some images went elsewhere meanwhile"
        );
    }
    Ok(())
}

/// The served bytes of an image or thumbnail; `None` for a key that is not one.
pub async fn file(app: &App, key: &str) -> AppResult<Option<bytes::Bytes>> {
    if !is_media_key(key) {
        return Ok(None);
    }
    Ok(app.media.get(key).await?)
}

/// An upload, as its uploader sees it.
pub async fn get(app: &App, id: i64) -> AppResult<Option<Media>> {
    Ok(app.store.media(id).await?)
}

pub async fn of_posts(app: &App, post_ids: &[i64]) -> AppResult<HashMap<i64, Vec<Media>>> {
    Ok(app.store.media_of_posts(post_ids).await?)
}

pub async fn of_comments(app: &App, comment_ids: &[i64]) -> AppResult<HashMap<i64, Vec<Media>>> {
    Ok(app.store.media_of_comments(comment_ids).await?)
}

/// Deletes uploads nobody attached within a day, and their files when no other upload names
/// them. A background job; returns how many files went.
///
/// The same picture uploaded again in the instant between a row's deletion and its file's
/// could lose its file (a broken image, never someone else's); content hashes make that
/// a second re-upload of identical bytes a day later, which we accept.
pub async fn collect_unattached(app: &App) -> AppResult<usize> {
    let before = app.now() - UNATTACHED_TTL_MS;
    let keys = app.store.delete_unattached_media(before, 500).await?;
    for key in &keys {
        app.media.delete(key).await?;
    }
    Ok(keys.len())
}
