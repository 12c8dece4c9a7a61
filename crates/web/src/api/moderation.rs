//! `/api/v1/comments/{id}`, `/api/v1/reports` and `/api/v1/moderation/…`: editing and
//! withdrawing comments, fans' reports, the moderators' queue and audit log.

use crate::api::posts::edit::ModerationRequest;
use crate::api::views::{CommentView, ErrorBody, ItemsView, comment_view};
use crate::auth::RequireAuth;
use crate::error::{ApiJson, WebError, WebResult};
use crate::locale::Lang;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use canyu_app::model::{ModerationEntry, ReportedItem};
use canyu_app::moderation;
use canyu_core::moderation::ReportReason;
use canyu_core::time::rfc3339;
use canyu_core::{ErrorCode, Locale};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

fn parse_comment_id(raw: &str) -> Result<i64, WebError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(WebError::from(ErrorCode::CommentNotFound))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCommentRequest {
    /// Markdown, 1–5,000 characters.
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
}

/// Edits a comment: its author (unless the post is locked) or a moderator. What it said
/// before is kept in the post's revisions.
#[utoipa::path(patch, path = "/comments/{id}", operation_id = "updateComment", security(("bearer" = [])), tag = "posts", params(("id" = i64, Path)), request_body = UpdateCommentRequest,
    responses((status = 200, description = "OK", body = CommentView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn update_comment(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateCommentRequest>,
) -> WebResult<Json<CommentView>> {
    let comment = moderation::edit_comment(&state, &auth, parse_comment_id(&id)?, &req.body).await?;
    Ok(Json(comment_view(&state, &comment).await?))
}

/// Withdraws a comment: its author (unless the post is locked) or a moderator. Replies to it
/// stay.
#[utoipa::path(delete, path = "/comments/{id}", operation_id = "deleteComment", security(("bearer" = [])), tag = "posts", params(("id" = i64, Path)),
    responses((status = 204, description = "Done; no content"), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn delete_comment(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<StatusCode> {
    moderation::delete_comment(&state, &auth, parse_comment_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hides a comment or shows it again (moderators; `hide` or `unhide`).
#[utoipa::path(post, path = "/comments/{id}/moderation", operation_id = "moderateComment", security(("bearer" = [])), tag = "moderation", params(("id" = i64, Path)), request_body = ModerationRequest,
    responses((status = 200, description = "OK", body = CommentView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn moderate_comment(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ModerationRequest>,
) -> WebResult<Json<CommentView>> {
    let comment =
        moderation::moderate_comment(&state, &auth, parse_comment_id(&id)?, &req.action, req.note.as_deref())
            .await?;
    Ok(Json(comment_view(&state, &comment).await?))
}

/// Why a fan reports something.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ReportReasonName {
    Spam,
    Abuse,
    OffTopic,
    Illegal,
    Other,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReportRequest {
    pub post_id: i64,
    /// Report one of the post's comments instead of the post.
    pub comment_id: Option<i64>,
    #[schema(value_type = ReportReasonName)]
    pub reason: String,
    /// What the moderators should know, up to 500 characters.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportView {
    pub id: i64,
    /// False when the caller had already reported the same thing (nothing changed).
    pub created: bool,
}

/// Reports a post or comment to the moderators. 201 for a new report, 200 when the caller
/// had reported it already.
#[utoipa::path(post, path = "/reports", operation_id = "createReport", security(("bearer" = [])), tag = "moderation", request_body = NewReportRequest,
    responses((status = 201, description = "Created", body = ReportView), (status = 200, description = "Already reported; nothing changed", body = ReportView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<NewReportRequest>,
) -> WebResult<(StatusCode, Json<ReportView>)> {
    if req.post_id <= 0 {
        return Err(ErrorCode::PostNotFound.into());
    }
    let outcome =
        moderation::report(&state, &auth, req.post_id, req.comment_id, &req.reason, req.note.as_deref())
            .await?;
    let status = if outcome.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(ReportView { id: outcome.id, created: outcome.created })))
}

#[derive(Serialize, ToSchema)]
pub struct ReasonCountView {
    #[schema(value_type = ReportReasonName)]
    pub reason: String,
    /// The reason in the request's language.
    pub label: String,
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ReportedItemView {
    /// `post:<id>` or `comment:<id>`: pass to dismiss.
    pub target: String,
    pub post_id: i64,
    pub post_title: String,
    pub comment_id: Option<i64>,
    /// The reported text as written (Markdown).
    pub body: String,
    pub author: String,
    pub reports: i64,
    pub reasons: Vec<ReasonCountView>,
    pub notes: Vec<String>,
    pub first_reported_at: String,
    pub last_reported_at: String,
    /// Already hidden or withdrawn.
    pub hidden: bool,
}

impl ReportedItemView {
    fn new(item: &ReportedItem, locale: Locale) -> Self {
        ReportedItemView {
            target: item.target.clone(),
            post_id: item.post_id,
            post_title: item.post_title.clone(),
            comment_id: item.comment_id,
            body: item.body.clone(),
            author: item.author_handle.clone(),
            reports: item.reports,
            reasons: item
                .reasons
                .iter()
                .map(|(reason, count)| ReasonCountView {
                    reason: reason.clone(),
                    label: ReportReason::parse(reason).map(|r| r.label(locale)).unwrap_or(reason).to_string(),
                    count: *count,
                })
                .collect(),
            notes: item.notes.clone(),
            first_reported_at: rfc3339(item.first_at),
            last_reported_at: rfc3339(item.last_at),
            hidden: item.hidden,
        }
    }
}

/// The moderation queue: reported posts and comments nobody has settled, most reported
/// first (moderators).
#[utoipa::path(get, path = "/moderation/reports", operation_id = "listReports", security(("bearer" = [])), tag = "moderation",
    responses((status = 200, description = "OK", body = ItemsView<ReportedItemView>), (status = 403, description = "The caller may not do this", body = ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Lang(locale): Lang,
) -> WebResult<Json<ItemsView<ReportedItemView>>> {
    let items = moderation::queue(&state, &auth, 100).await?;
    Ok(Json(ItemsView { items: items.iter().map(|i| ReportedItemView::new(i, locale)).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissRequest {
    /// The `target` of a queue item.
    #[schema(pattern = r"^(post|comment):[1-9][0-9]{0,18}$", max_length = 30)]
    pub target: String,
}

#[derive(Serialize, ToSchema)]
pub struct DismissView {
    /// How many open reports were closed.
    pub closed: u64,
}

/// Closes a queue item's reports and leaves the post or comment as it is (moderators).
#[utoipa::path(post, path = "/moderation/reports/dismiss", operation_id = "dismissReports", security(("bearer" = [])), tag = "moderation", request_body = DismissRequest,
    responses((status = 200, description = "OK", body = DismissView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn dismiss(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<DismissRequest>,
) -> WebResult<Json<DismissView>> {
    let closed = moderation::dismiss(&state, &auth, &req.target).await?;
    Ok(Json(DismissView { closed }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogParams {
    /// The `next_before` of the previous page.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub before: Option<String>,
    /// 1–100, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ModerationEntryView {
    pub id: i64,
    pub moderator: String,
    /// `hide`, `unhide`, `lock`, `unlock`, `pin`, `unpin`, `delete`, `edit` or `dismiss`.
    pub action: String,
    pub post_id: i64,
    pub post_title: String,
    pub comment_id: Option<i64>,
    pub note: Option<String>,
    pub created_at: String,
}

impl From<&ModerationEntry> for ModerationEntryView {
    fn from(e: &ModerationEntry) -> Self {
        ModerationEntryView {
            id: e.id,
            moderator: e.actor_handle.clone(),
            action: e.action.as_str().into(),
            post_id: e.post_id,
            post_title: e.post_title.clone(),
            comment_id: e.comment_id,
            note: e.note.clone(),
            created_at: rfc3339(e.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ModerationLogView {
    pub items: Vec<ModerationEntryView>,
    /// Pass as `before` for older entries; null on the last page.
    pub next_before: Option<i64>,
}

/// The audit log of moderator actions, newest first (moderators).
#[utoipa::path(get, path = "/moderation/log", operation_id = "listModerationLog", security(("bearer" = [])), tag = "moderation", params(LogParams),
    responses((status = 200, description = "OK", body = ModerationLogView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody)))]
pub async fn log(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Query(params): Query<LogParams>,
) -> WebResult<Json<ModerationLogView>> {
    let limit = match params.limit.as_deref().filter(|l| !l.is_empty()) {
        None => 50,
        Some(l) => l.parse::<i64>().ok().filter(|l| (1..=100).contains(l)).ok_or(ErrorCode::InvalidLimit)?,
    };
    let before = match params.before.as_deref().filter(|b| !b.is_empty()) {
        None => None,
        Some(b) => Some(b.parse::<i64>().ok().filter(|b| *b > 0).ok_or(ErrorCode::InvalidCursor)?),
    };
    let items = moderation::log(&state, &auth, before, limit).await?;
    let next_before = if items.len() as i64 == limit { items.last().map(|e| e.id) } else { None };
    Ok(Json(ModerationLogView { items: items.iter().map(ModerationEntryView::from).collect(), next_before }))
}
