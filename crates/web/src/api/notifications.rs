//! `/api/v1/me/notifications`: the caller's inbox.

use crate::api::views::ErrorBody;
use crate::auth::RequireAuth;
use crate::error::{ApiJson, WebResult};
use crate::i18n::notification_text;
use crate::locale::Lang;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use canyu_app::model::Notification;
use canyu_core::ErrorCode;
use canyu_core::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxParams {
    /// The `next_before` of the previous page.
    pub before: Option<String>,
    /// 1–100, default 20.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    pub id: i64,
    /// `post.merged`, `post.unmerged`, `post.status`, `comment.official`, `post.shipped`,
    /// `beta.admitted`, `beta.rejected`, `beta.removed`, `wave.open`, `wave.cancelled`,
    /// `order.placed`, `order.state`, `order.hold_expiring`, `draw.entered`, `draw.won`,
    /// `draw.lost`, `comment.reply`, `comment.new`, `launch.reminder`, `order.price_protected`,
    /// `event.offer`, `event.offer_expired`, `event.confirm_attendance`, `event.place_released`
    /// `device.handed_on`, `referral.joined`, `referral.rewarded`, `voice.announcement` or
    /// (staff) `insights.digest`.
    pub kind: String,
    /// One line in the request's language.
    pub message: String,
    pub post_id: Option<i64>,
    /// Who caused it.
    pub actor: Option<String>,
    /// The event's details as recorded (titles, statuses, target post).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub url: Option<String>,
    pub read: bool,
    pub created_at: String,
}

impl NotificationView {
    pub fn new(n: &Notification, locale: canyu_core::Locale) -> Self {
        NotificationView {
            id: n.id,
            kind: n.kind.as_str().into(),
            message: notification_text(locale, n),
            post_id: n.post_id,
            actor: n.actor_handle.clone(),
            data: n.data.clone(),
            url: notification_url(n),
            read: n.read_at.is_some(),
            created_at: rfc3339(n.created_at),
        }
    }
}

pub use canyu_app::notify::text::notification_url;

#[derive(Serialize, ToSchema)]
pub struct InboxView {
    pub unread: i64,
    pub items: Vec<NotificationView>,
    /// Pass as `before` for older notifications; null on the last page.
    pub next_before: Option<i64>,
}

/// The caller's notifications, newest first, with the unread count.
#[utoipa::path(get, path = "/me/notifications", operation_id = "listNotifications", security(("bearer" = [])), tag = "notifications", params(InboxParams),
    responses((status = 200, description = "OK", body = InboxView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Lang(locale): Lang,
    Query(params): Query<InboxParams>,
) -> WebResult<Json<InboxView>> {
    let limit = match params.limit.as_deref().filter(|l| !l.is_empty()) {
        None => 20,
        Some(l) => l.parse::<i64>().ok().filter(|l| (1..=100).contains(l)).ok_or(ErrorCode::InvalidLimit)?,
    };
    let before = match params.before.as_deref().filter(|b| !b.is_empty()) {
        None => None,
        Some(b) => Some(b.parse::<i64>().ok().filter(|b| *b > 0).ok_or(ErrorCode::InvalidCursor)?),
    };
    let items = canyu_app::notify::inbox(&state, &auth, before, limit).await?;
    let unread = canyu_app::notify::unread(&state, &auth).await?;
    let next_before = if items.len() as i64 == limit { items.last().map(|n| n.id) } else { None };
    Ok(Json(InboxView {
        unread,
        items: items.iter().map(|n| NotificationView::new(n, locale)).collect(),
        next_before,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkReadRequest {
    /// One notification; omit to mark all read.
    pub id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct UnreadView {
    pub unread: i64,
}

/// Marks one notification, or all of them, read.
#[utoipa::path(post, path = "/me/notifications/read", operation_id = "markNotificationsRead", security(("bearer" = [])), tag = "notifications", request_body = MarkReadRequest,
    responses((status = 200, description = "OK", body = UnreadView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<MarkReadRequest>,
) -> WebResult<Json<UnreadView>> {
    let unread = canyu_app::notify::mark_read(&state, &auth, req.id).await?;
    Ok(Json(UnreadView { unread }))
}
