//! `/api/v1/waves/{id}/reminder` and `/api/v1/campaigns/{id}/reminder`: 提醒我.

use crate::api::views::ErrorBody;
use crate::auth::RequireAuth;
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use canyu_app::sales::reminders;
use canyu_core::ErrorCode;
use serde::Serialize;
use utoipa::ToSchema;

fn id_of(raw: &str, missing: ErrorCode) -> Result<i64, WebError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(WebError::from(missing))
}

#[derive(Serialize, ToSchema)]
pub struct ReminderView {
    /// Whether the caller will be reminded (inbox, and email if they take email) a few
    /// minutes before it starts.
    pub reminding: bool,
}

/// Reminds the caller a few minutes before the wave goes on sale. Idempotent.
#[utoipa::path(put, path = "/waves/{id}/reminder", operation_id = "remindWave", security(("bearer" = [])), tag = "waves", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ReminderView), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn remind_wave(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<ReminderView>> {
    let reminding = reminders::remind_wave(&state, &auth, id_of(&id, ErrorCode::WaveNotFound)?, true).await?;
    Ok(Json(ReminderView { reminding }))
}

/// No reminder for this wave after all. Idempotent.
#[utoipa::path(delete, path = "/waves/{id}/reminder", operation_id = "forgetWaveReminder", security(("bearer" = [])), tag = "waves", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ReminderView), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn forget_wave(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<ReminderView>> {
    let reminding =
        reminders::remind_wave(&state, &auth, id_of(&id, ErrorCode::WaveNotFound)?, false).await?;
    Ok(Json(ReminderView { reminding }))
}

/// Reminds the caller a few minutes before the campaign opens reservations. Idempotent.
#[utoipa::path(put, path = "/campaigns/{id}/reminder", operation_id = "remindCampaign", security(("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ReminderView), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn remind_campaign(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<ReminderView>> {
    let id = id_of(&id, ErrorCode::CampaignNotFound)?;
    let reminding = reminders::remind_campaign(&state, &auth, id, true).await?;
    Ok(Json(ReminderView { reminding }))
}

/// No reminder for this campaign after all. Idempotent.
#[utoipa::path(delete, path = "/campaigns/{id}/reminder", operation_id = "forgetCampaignReminder", security(("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ReminderView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn forget_campaign(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<ReminderView>> {
    let id = id_of(&id, ErrorCode::CampaignNotFound)?;
    let reminding = reminders::remind_campaign(&state, &auth, id, false).await?;
    Ok(Json(ReminderView { reminding }))
}
