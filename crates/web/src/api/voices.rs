//! Official voices: titles (admins), follows, announcements and the follower's feed.

use crate::api::posts::list::voted_flags;
use crate::api::views::{ErrorBody, ImageView, PostView};
use crate::auth::{MaybeAuth, RequireAuth};
use crate::error::{ApiJson, WebResult};
use crate::markdown;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use canyu_app::voices::{self, AnnouncementView as Announced, FeedItem, VoiceView as Voiced};
use canyu_core::ErrorCode;
use canyu_core::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct VoiceView {
    pub handle: String,
    /// The verified title of an official account; absent for everyone else.
    pub official_title: Option<String>,
    pub followers: i64,
    pub following: i64,
    /// Whether the caller follows the account; absent for anonymous callers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followed: Option<bool>,
    /// Whether the account's announcements also reach the caller's inbox (when followed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbox: Option<bool>,
    pub url: String,
}

impl VoiceView {
    pub fn new(v: &Voiced, signed_in: bool) -> Self {
        VoiceView {
            handle: v.voice.handle.clone(),
            official_title: v.voice.official_title.clone(),
            followers: v.voice.followers,
            following: v.voice.following,
            followed: signed_in.then_some(v.following.is_some()),
            inbox: v.following,
            url: crate::pages::user_url(&v.voice.handle),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AnnouncementView {
    pub id: i64,
    pub author: String,
    pub author_title: Option<String>,
    /// Markdown as written.
    pub body: String,
    /// Sanitised HTML.
    pub body_html: String,
    pub images: Vec<ImageView>,
    pub created_at: String,
    /// Set when withdrawn (seen by its author and moderators only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_at: Option<String>,
    pub url: String,
}

impl From<&Announced> for AnnouncementView {
    fn from(a: &Announced) -> Self {
        let x = &a.announcement;
        AnnouncementView {
            id: x.id,
            author: x.author_handle.clone(),
            author_title: x.author_title.clone(),
            body: x.body.clone(),
            body_html: markdown::render(&x.body),
            images: a.images.iter().map(ImageView::from).collect(),
            created_at: rfc3339(x.created_at),
            removed_at: x.removed_at.map(rfc3339),
            url: format!("/announcements/{}", x.id),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AnnouncementPageView {
    pub items: Vec<AnnouncementView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// One feed entry: `type` says which of `announcement` and `post` is present.
#[derive(Serialize, ToSchema)]
pub struct FeedItemView {
    /// `announcement` or `post`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub announcement: Option<AnnouncementView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post: Option<PostView>,
    pub created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct FeedView {
    pub items: Vec<FeedItemView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1–50, default 20.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    pub limit: Option<String>,
}

fn page_limit(raw: Option<&str>) -> Result<i64, ErrorCode> {
    match raw.filter(|l| !l.is_empty()) {
        None => Ok(20),
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=voices::MAX_PAGE).contains(l))
            .ok_or(ErrorCode::InvalidLimit),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficialRequest {
    /// 2–30 characters, e.g. "小米集团创始人".
    #[schema(min_length = 2, max_length = 30)]
    pub title: String,
}

/// Makes an account an official voice with a title (admins): a verified badge and the title
/// appear wherever its handle does.
#[utoipa::path(put, path = "/users/{handle}/official", operation_id = "setOfficialTitle", security(("bearer" = [])), tag = "voices", params(("handle" = String, Path)), request_body = OfficialRequest,
    responses((status = 200, description = "OK", body = VoiceView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "Admins only", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 415, description = "Not JSON", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn set_official(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(handle): Path<String>,
    ApiJson(req): ApiJson<OfficialRequest>,
) -> WebResult<Json<VoiceView>> {
    let voice = voices::set_official(&state, &auth, &handle, Some(&req.title)).await?;
    let view = voices::voice(&state, Some(&auth), &voice.handle).await?;
    Ok(Json(VoiceView::new(&view, true)))
}

/// Takes an account's official title away (admins).
#[utoipa::path(delete, path = "/users/{handle}/official", operation_id = "removeOfficialTitle", security(("bearer" = [])), tag = "voices", params(("handle" = String, Path)),
    responses((status = 200, description = "OK", body = VoiceView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "Admins only", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn remove_official(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(handle): Path<String>,
) -> WebResult<Json<VoiceView>> {
    let voice = voices::set_official(&state, &auth, &handle, None).await?;
    let view = voices::voice(&state, Some(&auth), &voice.handle).await?;
    Ok(Json(VoiceView::new(&view, true)))
}

/// An account as a voice: its title, followers and whether the caller follows it.
#[utoipa::path(get, path = "/users/{handle}/voice", operation_id = "getVoice", security((), ("bearer" = [])), tag = "voices", params(("handle" = String, Path)),
    responses((status = 200, description = "OK", body = VoiceView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(handle): Path<String>,
) -> WebResult<Json<VoiceView>> {
    let view = voices::voice(&state, auth.as_ref(), &handle).await?;
    Ok(Json(VoiceView::new(&view, auth.is_some())))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct FollowRequest {
    /// Also send the account's announcements to my inbox (default false).
    pub inbox: Option<bool>,
}

/// Follows an account (idempotent; following again only changes `inbox`).
#[utoipa::path(put, path = "/users/{handle}/follow", operation_id = "followUser", security(("bearer" = [])), tag = "voices", params(("handle" = String, Path)), request_body(content = Option<FollowRequest>, description = "Optional: `{\"inbox\": true}`, or nothing."),
    responses((status = 200, description = "OK", body = VoiceView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 429, description = "Too many follows", body = ErrorBody)))]
pub async fn follow(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(handle): Path<String>,
    body: axum::body::Bytes,
) -> WebResult<Json<VoiceView>> {
    let req: FollowRequest = crate::error::optional_json_object(&body)?;
    let view = voices::follow(&state, &auth, &handle, req.inbox.unwrap_or(false)).await?;
    Ok(Json(VoiceView::new(&view, true)))
}

/// Stops following an account (idempotent).
#[utoipa::path(delete, path = "/users/{handle}/follow", operation_id = "unfollowUser", security(("bearer" = [])), tag = "voices", params(("handle" = String, Path)),
    responses((status = 200, description = "OK", body = VoiceView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 429, description = "Too many follows", body = ErrorBody)))]
pub async fn unfollow(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(handle): Path<String>,
) -> WebResult<Json<VoiceView>> {
    let view = voices::unfollow(&state, &auth, &handle).await?;
    Ok(Json(VoiceView::new(&view, true)))
}

/// The official accounts, most followed first.
#[utoipa::path(get, path = "/voices", operation_id = "listOfficialVoices", security((), ("bearer" = [])), tag = "voices",
    responses((status = 200, description = "OK", body = [VoiceView])))]
pub async fn official(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
) -> WebResult<Json<Vec<VoiceView>>> {
    let list = voices::official_voices(&state, auth.as_ref(), 50).await?;
    Ok(Json(list.iter().map(|v| VoiceView::new(v, auth.is_some())).collect()))
}

/// An account's announcements, newest first.
#[utoipa::path(get, path = "/users/{handle}/announcements", operation_id = "listAnnouncements", security((), ("bearer" = [])), tag = "voices", params(("handle" = String, Path), PageParams),
    responses((status = 200, description = "OK", body = AnnouncementPageView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn announcements(
    State(state): State<AppState>,
    Path(handle): Path<String>,
    Query(params): Query<PageParams>,
) -> WebResult<Json<AnnouncementPageView>> {
    let limit = page_limit(params.limit.as_deref())?;
    let voice = voices::voice(&state, None, &handle).await?.voice;
    let page = voices::announcements_of(&state, &voice, params.cursor.as_deref(), limit).await?;
    Ok(Json(AnnouncementPageView {
        items: page.items.iter().map(AnnouncementView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAnnouncementRequest {
    /// Markdown, 1–5,000 characters.
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
    /// Ids of the caller's unattached uploads (`POST /media`), at most 9, in order.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub images: Vec<i64>,
}

/// Publishes an announcement (official accounts): it reaches followers' feeds, and the inbox
/// of followers who asked for it.
#[utoipa::path(post, path = "/announcements", operation_id = "publishAnnouncement", security(("bearer" = [])), tag = "voices", request_body = NewAnnouncementRequest,
    responses((status = 201, description = "Published", body = AnnouncementView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "Only official accounts publish", body = ErrorBody), (status = 415, description = "Not JSON", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 429, description = "Too many announcements", body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<NewAnnouncementRequest>,
) -> WebResult<(StatusCode, Json<AnnouncementView>)> {
    let published = voices::publish(&state, &auth, &req.body, &req.images).await?;
    Ok((StatusCode::CREATED, Json(AnnouncementView::from(&published))))
}

#[derive(Deserialize)]
pub struct AnnouncementPath {
    pub id: String,
}

/// One announcement.
#[utoipa::path(get, path = "/announcements/{id}", operation_id = "getAnnouncement", security((), ("bearer" = [])), tag = "voices", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = AnnouncementView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(p): Path<AnnouncementPath>,
) -> WebResult<Json<AnnouncementView>> {
    let id = crate::api::path_id(&p.id, ErrorCode::AnnouncementNotFound)?;
    let a = voices::announcement(&state, auth.as_ref(), id).await?;
    Ok(Json(AnnouncementView::from(&a)))
}

/// Withdraws an announcement (its author, or a moderator).
#[utoipa::path(delete, path = "/announcements/{id}", operation_id = "removeAnnouncement", security(("bearer" = [])), tag = "voices", params(("id" = i64, Path)),
    responses((status = 204, description = "Withdrawn"), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<AnnouncementPath>,
) -> WebResult<StatusCode> {
    let id = crate::api::path_id(&p.id, ErrorCode::AnnouncementNotFound)?;
    voices::remove(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's feed, newest first: the announcements and public posts of whom they follow.
#[utoipa::path(get, path = "/me/feed", operation_id = "getFeed", security(("bearer" = [])), tag = "voices", params(PageParams),
    responses((status = 200, description = "OK", body = FeedView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody)))]
pub async fn feed(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Query(params): Query<PageParams>,
) -> WebResult<Json<FeedView>> {
    let limit = page_limit(params.limit.as_deref())?;
    let page = voices::feed(&state, &auth, params.cursor.as_deref(), limit).await?;
    let posts = page.posts();
    let voted = voted_flags(&state, &MaybeAuth(Some(auth.clone())), &posts).await?;
    let mut post_views: Vec<PostView> = posts.iter().zip(voted).map(|(p, v)| PostView::new(p, v)).collect();
    crate::api::views::with_post_images(&state, &mut post_views).await?;
    let mut post_views = post_views.into_iter();
    let items = page
        .items
        .iter()
        .map(|i| match i {
            FeedItem::Announcement(a) => FeedItemView {
                kind: "announcement".into(),
                created_at: rfc3339(a.announcement.created_at),
                announcement: Some(AnnouncementView::from(a)),
                post: None,
            },
            FeedItem::Post(p) => FeedItemView {
                kind: "post".into(),
                created_at: rfc3339(p.created_at),
                announcement: None,
                post: post_views.next(),
            },
        })
        .collect();
    Ok(Json(FeedView { items, next_cursor: page.next_cursor }))
}
